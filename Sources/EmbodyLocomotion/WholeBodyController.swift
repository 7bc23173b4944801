// MARK: - Whole-body control: task-space inverse dynamics by quadratic programming, per control tick
//
// The controller turns a `WalkingReference` into joint torques. Each tick it evaluates the dynamics terms
// at the state it sees, fills the quadratic program of WholeBodyProblem.swift for the feet the reference
// has in stance, solves it with `QuadraticProgram` (Goldfarb–Idnani) and reads τ off the solution. The law,
// its units and its fallback are in `WholeBodyController`'s doc comment and in docs/locomotion.md.

import EmbodyModel
import EmbodyControl

/// Measures the normal force on each foot for `WalkingMeasurement.footNormalForce` (the runtime reads its
/// contact points). Must not allocate.
public protocol FootForceSensing: AnyObject {
    /// Writes the measured normal force on each foot (N, ≥ 0) into `forces`, indexed by `FootSide.rawValue`.
    func measureFootNormalForces(into forces: inout [Double])
}

/// Whole-body control of a floating-base biped by task-space inverse dynamics: at every control tick,
///
///     (v̇*, f*) = argmin ½ Σₖ wₖ ‖Aₖ v̇ − bₖ‖² + ½ ε_a ‖v̇‖² + ½ ε_f ‖f‖²
///                 s.t. floating-base rows of M v̇ + h = Sᵀτ + J_cᵀ f, rigid stance feet,
///                      corner forces in friction pyramids, Σ n·f ≥ f_min per stance foot, |τ| ≤ τ_max
///     τ        = M_j v̇* + h_j − (J_cᵀ f*)_j                      (the joint rows; N·m or N)
///
/// with the tasks (centre of mass, torso orientation, pelvis orientation, swing feet, posture) and constraints
/// written out in WholeBodyProblem.swift; `WholeBodyParameters` holds the gains (1/s², 1/s), weights, μ and f_min.
///
/// - Inputs: the state the controller sees (true or estimated), and the `WalkingReference` that `source`
///   writes each tick from a `WalkingMeasurement` (that state plus the measured foot normal forces from
///   `footForces`). The `Reference` of the `Controller` protocol is not used.
/// - Contact phases: the feet the reference marks `inContact` are the stance feet, constrained rigid and
///   carrying the contact forces; the others track their reference pose as swing feet. One program is
///   allocated per number of stance feet (2, 1, 0) at construction.
/// - Fallback: when the program is not solved to optimality (`lastStatus` says why: infeasible, iteration
///   limit, non-finite data) or its torques are not finite, the controller holds the torques of the last
///   optimal tick (the joint rows of g(q) if there was none), counts the tick in `failureCount`, and never
///   writes NaN.
/// - Allocation-free after `init`.
public final class WholeBodyController: Controller {
    /// The dynamics model (a floating base).
    public let dynamics: any RobotDynamics
    /// The robot's mass distribution, for the centre of mass position.
    public let mass: MassDistribution
    /// The soles, indexed by `FootSide.rawValue`.
    public let soles: [SoleGeometry]
    /// The link whose orientation the torso task controls.
    public let torsoLink: Int
    /// The base's orientation in the torso link's frame at load, R_tb: the pelvis task holds the base at
    /// R*_t R_tb, the torso's reference turned by it.
    public let pelvisInTorso: Quaternion
    /// Joint torque limits τ_max, N·m or N, in q order (infinite: unconstrained).
    public let torqueLimits: [Double]
    /// Weights, gains, μ and f_min.
    public let parameters: WholeBodyParameters
    /// The source of the per-tick reference.
    public var source: any WalkingReferenceSource
    /// The foot force sensing for the measurement, or nil (then the measured forces are 0).
    public var footForces: (any FootForceSensing)?

    /// The measurement handed to `source` at the last tick.
    public private(set) var measurement: WalkingMeasurement
    /// The reference `source` wrote at the last tick.
    public private(set) var reference: WalkingReference
    /// The status of the last solve (nil before the first).
    public private(set) var lastStatus: QuadraticProgramStatus?
    /// Ticks solved, and ticks that fell back (see the fallback above), since the last reset.
    public private(set) var solveCount = 0, failureCount = 0
    /// The largest number of active-set changes one solve took since the last reset.
    public private(set) var maxIterations = 0
    /// v̇ of the last optimal solution (nv values).
    public private(set) var accelerations: [Double]
    /// The total contact force (N, world) and centre of pressure (m, world) on each foot in the last optimal
    /// solution, indexed by `FootSide.rawValue`; zero force for a swing foot.
    public private(set) var footForce: [Vector3] = [.zero, .zero]
    public private(set) var footCenterOfPressure: [Vector3] = [.zero, .zero]
    /// The world-frame force (N) at each sole corner in the last optimal solution: the left foot's corners
    /// 0…3 (`SoleGeometry.corner` order), then the right foot's; zero for a swing foot.
    public private(set) var cornerForces: [Vector3] = Array(repeating: .zero, count: 8)
    /// The centre of mass (m), its velocity (m/s) and the commanded acceleration c̈* + Kp e + Kd ė (m/s²) of the last tick.
    public private(set) var comPosition = Vector3.zero, comVelocity = Vector3.zero, comAccelerationCommand = Vector3.zero

    private let nv: Int
    private var problems: [WholeBodyProblem]
    private let programs: [QuadraticProgram]
    private var massMatrix: [Double], bias: [Double], gravity: [Double], velocity: [Double]
    private let gravityForce: Vector3            // g(q)[0:3] = −m g_vec, constant for a floating base
    private var comJacobian: [Double]            // 3 × nv
    private var torsoJacobian: [Double]          // 6 × nv
    private var footJacobian: [[Double]]         // 2 × (6 × nv)
    private var target: [Double] = Array(repeating: 0, count: 6)
    private var postureTarget: [Double]
    private var lastTau: [Double]
    private var hasLastTau = false

    /// Creates the controller; precondition failures name the inconsistent argument.
    ///
    /// - Parameters:
    ///   - dynamics: a floating-base model (v = [v_O, ω, q̇]).
    ///   - mass: the mass distribution in the dynamics' link numbering.
    ///   - soles: the left and right soles (`FootSide` order).
    ///   - torsoLink: the link whose world orientation the torso task tracks.
    ///   - pelvisInTorso: the base's orientation in the torso link's frame at load (identity when the two are
    ///     aligned), for the pelvis task's target.
    ///   - torqueLimits: τ_max per joint (positive; infinity for none).
    ///   - parameters: see `WholeBodyParameters`; `invalidity` must be nil.
    ///   - source: the reference source; the runtime uses `StandingReferenceSource` when the task has none.
    public init(dynamics: any RobotDynamics, mass: MassDistribution, soles: [SoleGeometry], torsoLink: Int,
                pelvisInTorso: Quaternion = .identity, torqueLimits: [Double], parameters: WholeBodyParameters,
                source: any WalkingReferenceSource) {
        let owner = "WholeBodyController"
        precondition(dynamics.floatingBase && dynamics.nv == dynamics.dof + 6, "\(owner): needs a floating-base model")
        precondition(soles.count == 2, "\(owner): expected two soles (left, right), got \(soles.count)")
        precondition(torqueLimits.count == dynamics.dof, "\(owner): \(torqueLimits.count) torque limits for \(dynamics.dof) joints")
        precondition(torqueLimits.allSatisfy { $0 > 0 }, "\(owner): torque limits must be positive")
        precondition(mass.masses.count > max(torsoLink, soles[0].link, soles[1].link), "\(owner): a link index is out of range")
        if let problem = parameters.invalidity { preconditionFailure("\(owner): \(problem)") }
        self.dynamics = dynamics
        self.mass = mass
        self.soles = soles
        self.torsoLink = torsoLink
        self.pelvisInTorso = pelvisInTorso.normalizedOrIdentity
        self.torqueLimits = torqueLimits
        self.parameters = parameters
        self.source = source
        let n = dynamics.nv, dof = dynamics.dof
        nv = n
        problems = (0...2).map { WholeBodyProblem(nv: n, stanceCount: $0) }
        programs = problems.map {
            QuadraticProgram(variableCount: $0.variableCount, equalityCount: $0.equalityCount,
                             inequalityCount: $0.inequalityCount)
        }
        massMatrix = Array(repeating: 0, count: n * n)
        bias = Array(repeating: 0, count: n)
        gravity = Array(repeating: 0, count: n)
        velocity = Array(repeating: 0, count: n)
        dynamics.gravity(q: Array(repeating: 0, count: dof), basePose: .identity, into: &gravity)
        gravityForce = Vector3(gravity[0], gravity[1], gravity[2])
        comJacobian = Array(repeating: 0, count: 3 * n)
        torsoJacobian = Array(repeating: 0, count: 6 * n)
        footJacobian = [Array(repeating: 0, count: 6 * n), Array(repeating: 0, count: 6 * n)]
        postureTarget = Array(repeating: 0, count: dof)
        lastTau = Array(repeating: 0, count: dof)
        accelerations = Array(repeating: 0, count: n)
        measurement = WalkingMeasurement(dof: dof)
        reference = WalkingReference(dof: dof)
    }

    // MARK: The tick

    /// The `Controller` entry point: measures (the state as given, foot forces from `footForces`), asks
    /// `source` for this tick's reference, then runs `computeTorques(state:walkingReference:tau:)`.
    /// The joint `Reference` is not used. Allocates nothing.
    public func computeTorques(state: RobotState, reference _: Reference, dt: Double, tau: inout [Double]) {
        measurement.state.time = state.time
        for i in 0..<state.q.count { measurement.state.q[i] = state.q[i]; measurement.state.qd[i] = state.qd[i] }
        measurement.state.basePose = state.basePose
        measurement.state.baseLinearVelocity = state.baseLinearVelocity
        measurement.state.baseAngularVelocity = state.baseAngularVelocity
        if let footForces {
            footForces.measureFootNormalForces(into: &measurement.footNormalForce)
        } else {
            measurement.footNormalForce[0] = 0; measurement.footNormalForce[1] = 0
        }
        source.update(measurement, reference: &reference)
        computeTorques(state: state, walkingReference: reference, tau: &tau)
    }

    /// One tick of the law for an explicit reference: fills and solves the program, writes `dof` torques.
    public func computeTorques(state: RobotState, walkingReference ref: WalkingReference, tau: inout [Double]) {
        let n = nv, p = parameters
        let q = state.q, pose = state.basePose
        let lv = state.baseLinearVelocity, av = state.baseAngularVelocity
        velocity[0] = lv.x; velocity[1] = lv.y; velocity[2] = lv.z
        velocity[3] = av.x; velocity[4] = av.y; velocity[5] = av.z
        for i in 0..<(n - 6) { velocity[6 + i] = state.qd[i] }
        dynamics.massMatrix(q: q, basePose: pose, into: &massMatrix)
        dynamics.bias(q: q, v: velocity, basePose: pose, into: &bias)

        let stanceLeft = ref.feet[0].inContact, stanceRight = ref.feet[1].inContact
        let count = (stanceLeft ? 1 : 0) + (stanceRight ? 1 : 0)
        problems[count].clear(accelerationRegularization: p.accelerationRegularization,
                              forceRegularization: p.forceRegularization)

        // Centre of mass: J_c = M[0:3, :] / m, ċ = J_c v, J̇_c v = (h − g)[0:3] / m.
        let m = mass.totalMass
        for k in 0..<(3 * n) { comJacobian[k] = massMatrix[k] / m }
        comPosition = mass.position(dynamics: dynamics, q: q, basePose: pose)
        comVelocity = Vector3(rowTimesVelocity(comJacobian, 0), rowTimesVelocity(comJacobian, 1), rowTimesVelocity(comJacobian, 2))
        let comDrift = (Vector3(bias[0], bias[1], bias[2]) - gravityForce) / m
        comAccelerationCommand = ref.comAcceleration + p.comKp * (ref.comPosition - comPosition)
            + p.comKd * (ref.comVelocity - comVelocity)
        setTarget(comAccelerationCommand - comDrift, at: 0)
        problems[count].addTask(comJacobian, row0: 0, rows: 3, target: target, weight: p.comWeight)

        // Torso orientation: J_ω v̇ = Kp e_R − Kd ω − J̇_ω v.
        let torsoPose = dynamics.linkPose(link: torsoLink, q: q, basePose: pose)
        dynamics.jacobian(link: torsoLink, point: .zero, q: q, basePose: pose, into: &torsoJacobian)
        let torsoRate = Vector3(rowTimesVelocity(torsoJacobian, 3), rowTimesVelocity(torsoJacobian, 4), rowTimesVelocity(torsoJacobian, 5))
        let torsoDrift = dynamics.biasAcceleration(link: torsoLink, point: .zero, q: q, v: velocity, basePose: pose).angular
        let torsoError = orientationError(target: ref.torsoOrientation, current: torsoPose.rotation)
        setTarget(p.torsoKp * torsoError - p.torsoKd * torsoRate - torsoDrift, at: 0)
        problems[count].addTask(torsoJacobian, row0: 3, rows: 3, target: target, weight: p.torsoWeight)

        // Pelvis orientation: ω̇_b = Kp_b e_R(R*_t R_tb, R_b) − Kd_b ω_b (v̇[3:6] is the base's ω̇, world frame).
        if p.pelvisWeight > 0 {
            let pelvisError = orientationError(target: ref.torsoOrientation * pelvisInTorso, current: pose.rotation)
            problems[count].addBaseAngularTask(target: p.pelvisKp * pelvisError - p.pelvisKd * av,
                                               weight: p.pelvisWeight)
        }

        // Feet: stance feet are rigid contacts carrying forces, swing feet track their pose.
        var slot = 0
        for side in 0..<2 {
            let sole = soles[side]
            let linkPose = dynamics.linkPose(link: sole.link, q: q, basePose: pose)
            let frame = sole.worldFrame(linkPose: linkPose)
            dynamics.jacobian(link: sole.link, point: sole.frame.position, q: q, basePose: pose, into: &footJacobian[side])
            let drift = dynamics.biasAcceleration(link: sole.link, point: sole.frame.position, q: q, v: velocity, basePose: pose)
            let linear = Vector3(rowTimesVelocity(footJacobian[side], 0), rowTimesVelocity(footJacobian[side], 1),
                                 rowTimesVelocity(footJacobian[side], 2))
            let angular = Vector3(rowTimesVelocity(footJacobian[side], 3), rowTimesVelocity(footJacobian[side], 4),
                                  rowTimesVelocity(footJacobian[side], 5))
            let foot = ref.feet[side]
            if foot.inContact {
                let r = frame.rotation
                let offsets = (r.rotate(sole.corner(0)), r.rotate(sole.corner(1)), r.rotate(sole.corner(2)), r.rotate(sole.corner(3)))
                problems[count].setContactMap(slot: slot, jacobian: footJacobian[side], offsets: offsets)
                setTarget(-drift.linear - p.contactKd * linear, at: 0)
                setTarget(-drift.angular - p.contactKd * angular, at: 3)
                problems[count].setContactRows(slot: slot, jacobian: footJacobian[side], target: target)
                problems[count].setFrictionRows(slot: slot, tangent1: r.rotate(Vector3(1, 0, 0)), tangent2: r.rotate(Vector3(0, 1, 0)),
                                                normal: r.rotate(Vector3(0, 0, 1)), friction: p.friction,
                                                minimumNormalForce: p.minimumNormalForce)
                slot += 1
            } else {
                let ex = foot.pose.position - frame.position
                let er = orientationError(target: foot.pose.rotation, current: frame.rotation)
                setTarget(foot.linearAcceleration + p.swingKp * ex + p.swingKd * (foot.linearVelocity - linear) - drift.linear, at: 0)
                setTarget(foot.angularAcceleration + p.swingKp * er + p.swingKd * (foot.angularVelocity - angular) - drift.angular, at: 3)
                problems[count].addTask(footJacobian[side], row0: 0, rows: 6, target: target, weight: p.swingWeight)
            }
        }

        // Posture: q̈ = Kp (q* − q) − Kd q̇.
        for j in 0..<(n - 6) { postureTarget[j] = p.postureKp * (ref.posture[j] - q[j]) - p.postureKd * state.qd[j] }
        problems[count].addPostureTask(target: postureTarget, weight: p.postureWeight)
        problems[count].symmetrize()
        problems[count].setDynamicsRows(mass: massMatrix, bias: bias)
        problems[count].setTorqueRows(mass: massMatrix, bias: bias, limits: torqueLimits)

        solve(count, stanceLeft: stanceLeft, stanceRight: stanceRight, state: state, tau: &tau)
    }

    /// Copies problem `count` into its solver, solves, and writes τ (or the fallback).
    private func solve(_ count: Int, stanceLeft: Bool, stanceRight: Bool, state: RobotState, tau: inout [Double]) {
        let qp = programs[count]
        copy(problems[count].hessian, into: &qp.hessian)
        copy(problems[count].linearTerm, into: &qp.linearTerm)
        copy(problems[count].equalityMatrix, into: &qp.equalityMatrix)
        copy(problems[count].equalityVector, into: &qp.equalityVector)
        copy(problems[count].inequalityMatrix, into: &qp.inequalityMatrix)
        copy(problems[count].inequalityVector, into: &qp.inequalityVector)
        let status = qp.solve()
        lastStatus = status
        solveCount += 1
        maxIterations = max(maxIterations, qp.iterations)
        let dof = nv - 6
        var ok = status == .optimal
        if ok {
            problems[count].jointTorques(solution: qp.solution, mass: massMatrix, bias: bias, into: &tau)
            for j in 0..<dof where !tau[j].isFinite { ok = false }
        }
        guard ok else {
            failureCount += 1
            if hasLastTau {
                for j in 0..<dof { tau[j] = lastTau[j] }
            } else {
                dynamics.gravity(q: state.q, basePose: state.basePose, into: &gravity)
                for j in 0..<dof { tau[j] = gravity[6 + j].isFinite ? gravity[6 + j] : 0 }
            }
            return
        }
        for j in 0..<dof { lastTau[j] = tau[j] }
        hasLastTau = true
        for i in 0..<nv { accelerations[i] = qp.solution[i] }
        var slot = 0
        for side in 0..<2 {
            let stance = side == 0 ? stanceLeft : stanceRight
            guard stance else {
                footForce[side] = .zero; footCenterOfPressure[side] = .zero
                for k in 0..<4 { cornerForces[4 * side + k] = .zero }
                continue
            }
            let sole = soles[side]
            let frame = sole.worldFrame(linkPose: dynamics.linkPose(link: sole.link, q: state.q, basePose: state.basePose))
            let normal = frame.rotation.rotate(Vector3(0, 0, 1))
            var total = Vector3.zero, weighted = Vector3.zero, normalSum = 0.0
            let c0 = problems[count].forceColumn(slot)
            for k in 0..<4 {
                let f = Vector3(qp.solution[c0 + 3 * k], qp.solution[c0 + 3 * k + 1], qp.solution[c0 + 3 * k + 2])
                total += f
                cornerForces[4 * side + k] = f
                let fn = dot(f, normal)
                normalSum += fn
                weighted += fn * frame.apply(sole.corner(k))
            }
            footForce[side] = total
            footCenterOfPressure[side] = normalSum > 0 ? weighted / normalSum : frame.position
            slot += 1
        }
    }

    /// The solver of the program for `stanceCount` (0, 1 or 2) stance feet, holding the data of the last tick
    /// with that many (for inspection and benchmarks; `solve()` on it solves that tick's program again).
    public func program(stanceCount: Int) -> QuadraticProgram { programs[stanceCount] }

    /// Clears the fallback torques and the counters, and resets the source.
    public func reset() {
        hasLastTau = false
        lastStatus = nil
        solveCount = 0
        failureCount = 0
        maxIterations = 0
        source.reset()
    }

    // MARK: Helpers

    @inline(__always) private func rowTimesVelocity(_ a: [Double], _ row: Int) -> Double {
        var s = 0.0
        let base = row * nv
        for c in 0..<nv { s += a[base + c] * velocity[c] }
        return s
    }

    @inline(__always) private func setTarget(_ v: Vector3, at offset: Int) {
        target[offset] = v.x; target[offset + 1] = v.y; target[offset + 2] = v.z
    }

    @inline(__always) private func copy(_ source: [Double], into destination: inout [Double]) {
        for k in 0..<source.count { destination[k] = source[k] }
    }
}

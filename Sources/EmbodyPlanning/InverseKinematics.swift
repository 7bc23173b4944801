// MARK: - Inverse kinematics by damped least squares
//
// One link's frame (or a tool frame fixed in it) is driven to a target pose through any RobotDynamics
// (EmbodyPhysics.RigidBodyDynamics for a simulated robot, or an analytic model in tests). Each iteration:
//
//     e   = [w_p (p* − p) ; w_o log(R* Rᵀ)]                 (6, world frame; log is the rotation vector)
//     J_w = diag(w_p, w_p, w_p, w_o, w_o, w_o) J_joints     (6 × dof, locked and inactive columns zeroed)
//     λ²  = λ₀² + ½|e|²                                     (error-dependent damping, Sugihara 2011)
//     A   = J_w J_wᵀ + λ² I                                  (6 × 6, Cholesky)
//     Δq  = J_wᵀ A⁻¹ e + (z − J_wᵀ A⁻¹ J_w z),  z = k_null (q_posture − q)
//
// Joint limits: a joint that the step would push past a limit is locked at it and the step is recomputed
// without it (at most dof passes); the step is then scaled so that no joint moves more than `maxStep` and
// q is clamped. A failed attempt restarts from a configuration drawn uniformly within the limits by the
// solver's own random stream, reseeded at every solve, so a solve depends only on its inputs. Every buffer
// is allocated at creation; `solve` does not allocate (given a RobotDynamics that does not).

import EmbodyModel

/// Parameters of the IK solver.
public struct IKOptions: Equatable, Sendable {
    /// The weight of position errors, 1/m (relative to `orientationWeight`).
    public var positionWeight: Double = 1
    /// The weight of orientation errors, 1/rad; 0 solves for position only.
    public var orientationWeight: Double = 0.5
    /// Converged when the position error is below this, m.
    public var positionTolerance: Double = 1e-4
    /// Converged when the orientation error is below this, rad (ignored when orientationWeight = 0).
    public var orientationTolerance: Double = 1e-3
    /// Iterations per attempt.
    public var maxIterations: Int = 100
    /// Attempts after the first, each from a random configuration within the limits.
    public var restarts: Int = 20
    /// An attempt stops when its weighted error has not dropped by 1 % for this many iterations.
    public var stallIterations: Int = 10
    /// The constant part λ₀ of the damping (weighted-error units).
    public var damping: Double = 1e-3
    /// The largest change of any joint in one iteration, rad or m.
    public var maxStep: Double = 0.3
    /// The null-space pull towards the posture per iteration, in [0, 1] (0: off).
    public var nullSpaceGain: Double = 0.05
    /// The posture the null-space term pulls towards (dof values); nil means the middle of the limits.
    public var posture: [Double]? = nil
    /// Which joints IK may move (dof flags); nil means all.
    public var activeJoints: [Bool]? = nil
    /// The seed of the restart configurations.
    public var seed: UInt64 = 0x1C0FFEE

    /// Creates the defaults: 0.1 mm and 1 mrad tolerances, 100 iterations per attempt, 20 restarts.
    public init() {}
}

/// The outcome of one IK solve.
public struct IKResult: Equatable, Sendable {
    /// Whether both errors are within tolerance.
    public var converged: Bool
    /// Iterations over all attempts.
    public var iterations: Int
    /// Attempts after the first that were needed.
    public var restarts: Int
    /// The final position error, m.
    public var positionError: Double
    /// The final orientation error, rad.
    public var orientationError: Double
}

/// A damped-least-squares IK solver for one frame of one robot.
public final class IKSolver {
    /// The kinematic model.
    public let dynamics: any RobotDynamics
    /// The link whose frame is driven (index as in Robot.linkNames, 0 = base).
    public let link: Int
    /// The driven frame in the link's frame (identity: the link frame itself).
    public let tool: Transform
    /// Lower joint limits, rad or m (−∞ allowed).
    public let lower: [Double]
    /// Upper joint limits, rad or m (+∞ allowed).
    public let upper: [Double]
    /// The options.
    public let options: IKOptions
    /// The base link frame's world pose used for every solve.
    public var basePose: Transform

    private let dof: Int, nv: Int, firstJointColumn: Int
    private var q: [Double]
    private var best: [Double]
    private var jacobian: [Double]
    private var jw: [Double]          // 6 × dof, weighted, masked
    private var a: [Double]           // 6 × 6
    private var y: [Double]           // 6
    private var y2: [Double]          // 6
    private var dq: [Double]
    private var z: [Double]
    private var locked: [Bool]
    private let active: [Bool]
    private let posture: [Double]

    /// Creates a solver for link `link` (with an optional tool frame) of a robot with joint limits `lower`…`upper`.
    public init(dynamics: any RobotDynamics, link: Int, tool: Transform = .identity, lower: [Double], upper: [Double],
                basePose: Transform = .identity, options: IKOptions = IKOptions()) throws(PlanningError) {
        let n = dynamics.dof
        guard lower.count == n, upper.count == n, zip(lower, upper).allSatisfy({ $0 <= $1 }) else {
            throw PlanningError("IK needs \(n) lower and upper limits with lower ≤ upper")
        }
        guard options.positionWeight > 0, options.orientationWeight >= 0, options.maxIterations >= 1,
              options.restarts >= 0, options.stallIterations >= 1, options.damping > 0, options.maxStep > 0,
              options.nullSpaceGain >= 0, options.nullSpaceGain <= 1 else {
            throw PlanningError("IK options: weights and step must be positive, damping > 0, null-space gain in [0, 1]")
        }
        if let p = options.posture, p.count != n { throw PlanningError("the IK posture needs \(n) values") }
        if let m = options.activeJoints, m.count != n { throw PlanningError("the IK joint mask needs \(n) values") }
        self.dynamics = dynamics
        self.link = link
        self.tool = tool
        self.lower = lower
        self.upper = upper
        self.basePose = basePose
        self.options = options
        dof = n
        nv = dynamics.nv
        firstJointColumn = dynamics.baseVelocityCount
        q = Array(repeating: 0, count: n)
        best = Array(repeating: 0, count: n)
        jacobian = Array(repeating: 0, count: 6 * nv)
        jw = Array(repeating: 0, count: 6 * n)
        a = Array(repeating: 0, count: 36)
        y = Array(repeating: 0, count: 6)
        y2 = Array(repeating: 0, count: 6)
        dq = Array(repeating: 0, count: n)
        z = Array(repeating: 0, count: n)
        locked = Array(repeating: false, count: n)
        active = options.activeJoints ?? Array(repeating: true, count: n)
        posture = options.posture ?? (0..<n).map { i in
            let range = samplingInterval(lower[i], upper[i])
            return (range.lower + range.upper) / 2
        }
    }

    /// The pose of the driven frame at configuration `q` (forward kinematics).
    public func pose(q: [Double]) -> Transform {
        dynamics.linkPose(link: link, q: q, basePose: basePose) * tool
    }

    /// Solves for `target` (the driven frame's world pose) from `seed` (dof values) and writes the best
    /// configuration found into `solution` (dof values; inactive joints keep their seed values).
    public func solve(target: Transform, seed: [Double], into solution: inout [Double]) -> IKResult {
        precondition(seed.count == dof && solution.count >= dof, "IK needs \(dof) seed values and room for \(dof)")
        var random = PlannerRandom(seed: options.seed)
        var totalIterations = 0
        var bestScore = Double.infinity, bestPosition = Double.infinity, bestOrientation = Double.infinity
        for attempt in 0...options.restarts {
            for i in 0..<dof {
                if attempt == 0 || !active[i] {
                    q[i] = min(upper[i], max(lower[i], seed[i]))
                } else {
                    let range = samplingInterval(lower[i], upper[i])
                    q[i] = random.uniform(range.lower, range.upper)
                }
            }
            let (converged, iterations, position, orientation) = iterate(target: target)
            totalIterations += iterations
            let score = position * options.positionWeight + orientation * options.orientationWeight
            if converged || score < bestScore {
                bestScore = score
                bestPosition = position
                bestOrientation = orientation
                for i in 0..<dof { best[i] = q[i] }
            }
            if converged {
                for i in 0..<dof { solution[i] = best[i] }
                return IKResult(converged: true, iterations: totalIterations, restarts: attempt,
                                positionError: position, orientationError: orientation)
            }
        }
        for i in 0..<dof { solution[i] = best[i] }
        return IKResult(converged: false, iterations: totalIterations, restarts: options.restarts,
                        positionError: bestPosition, orientationError: bestOrientation)
    }

    /// Runs one attempt from `q`; returns convergence, iterations and the errors at the final q.
    private func iterate(target: Transform) -> (Bool, Int, Double, Double) {
        let wp = options.positionWeight, wo = options.orientationWeight
        let useOrientation = wo > 0
        var iteration = 0
        var bestScore = Double.infinity, sinceImprovement = 0
        while true {
            let current = pose(q: q)
            let ep = target.position - current.position
            let eo = (target.rotation * current.rotation.conjugate).normalizedOrIdentity.rotationVector
            let positionError = length(ep), orientationError = length(eo)
            let done = positionError < options.positionTolerance
                && (!useOrientation || orientationError < options.orientationTolerance)
            // An attempt that has not improved its error by 1 % in `stallIterations` iterations is stuck
            // (usually against a joint limit): give up early and let a restart try elsewhere.
            let score = wp * positionError + wo * orientationError
            if score < 0.99 * bestScore { bestScore = score; sinceImprovement = 0 } else { sinceImprovement += 1 }
            if done || iteration == options.maxIterations || sinceImprovement >= options.stallIterations {
                return (done, iteration, positionError, orientationError)
            }
            iteration += 1
            let e = (wp * ep.x, wp * ep.y, wp * ep.z, wo * eo.x, wo * eo.y, wo * eo.z)
            let errorEnergy = 0.5 * (e.0 * e.0 + e.1 * e.1 + e.2 * e.2 + e.3 * e.3 + e.4 * e.4 + e.5 * e.5)
            let lambda2 = options.damping * options.damping + errorEnergy
            dynamics.jacobian(link: link, point: tool.position, q: q, basePose: basePose, into: &jacobian)
            for i in 0..<dof { locked[i] = !active[i] }
            // Compute the step; lock joints it would push past a limit and recompute without them.
            var pass = 0
            while true {
                computeStep(e: e, lambda2: lambda2, wp: wp, wo: wo)
                var newlyLocked = false
                for i in 0..<dof where !locked[i] {
                    // Lock a joint that already sits on the limit the step pushes it past; a step past the far
                    // limit is cut by the step-size limit and the clamp below instead.
                    let pastUpper = dq[i] > 0 && q[i] + dq[i] > upper[i] && q[i] >= upper[i] - 1e-12
                    let pastLower = dq[i] < 0 && q[i] + dq[i] < lower[i] && q[i] <= lower[i] + 1e-12
                    if pastUpper || pastLower {
                        locked[i] = true
                        newlyLocked = true
                    }
                }
                pass += 1
                if !newlyLocked || pass > dof { break }
            }
            var largest = 0.0
            for i in 0..<dof { largest = max(largest, abs(dq[i])) }
            let scale = largest > options.maxStep ? options.maxStep / largest : 1
            for i in 0..<dof where !locked[i] {
                q[i] = min(upper[i], max(lower[i], q[i] + scale * dq[i]))
            }
        }
    }

    /// dq = J_wᵀ A⁻¹ e + (z − J_wᵀ A⁻¹ J_w z) with locked columns removed.
    private func computeStep(e: (Double, Double, Double, Double, Double, Double), lambda2: Double,
                             wp: Double, wo: Double) {
        for r in 0..<6 {
            let w = r < 3 ? wp : wo
            for i in 0..<dof {
                jw[r * dof + i] = locked[i] ? 0 : w * jacobian[r * nv + firstJointColumn + i]
            }
        }
        for r in 0..<6 {
            for c in r..<6 {
                var s = 0.0
                for i in 0..<dof { s += jw[r * dof + i] * jw[c * dof + i] }
                a[r * 6 + c] = s
                a[c * 6 + r] = s
            }
            a[r * 6 + r] += lambda2
        }
        y[0] = e.0; y[1] = e.1; y[2] = e.2; y[3] = e.3; y[4] = e.4; y[5] = e.5
        guard LinearAlgebra.choleskyFactor(&a, n: 6) else {
            for i in 0..<dof { dq[i] = 0 }
            return
        }
        LinearAlgebra.choleskySolve(factor: a, n: 6, &y)
        let k = options.nullSpaceGain
        for i in 0..<dof { z[i] = locked[i] || k == 0 ? 0 : k * (posture[i] - q[i]) }
        for r in 0..<6 {
            var s = 0.0
            if k > 0 { for i in 0..<dof { s += jw[r * dof + i] * z[i] } }
            y2[r] = s
        }
        if k > 0 { LinearAlgebra.choleskySolve(factor: a, n: 6, &y2) }
        for i in 0..<dof {
            if locked[i] { dq[i] = 0; continue }
            var s = z[i]
            for r in 0..<6 { s += jw[r * dof + i] * (y[r] - y2[r]) }
            dq[i] = s
        }
    }
}

/// A problem with a planning component's inputs, written for people.
public struct PlanningError: Error, Equatable, Sendable, CustomStringConvertible {
    /// What is wrong.
    public var message: String

    /// Creates an error with a message.
    public init(_ message: String) { self.message = message }

    public var description: String { message }
}

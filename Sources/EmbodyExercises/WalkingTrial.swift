// MARK: - 9. Make the humanoid walk: the student's ZMP preview control inside Embody's walking stack
//
// The trial checks the student's preview gains against the project's own (ZMPPreviewController, whose gains
// tests compare with scipy), then walks the humanoid: the scenario's `walk` task plans the footsteps and the
// contact timeline, the student's `comTrajectory` turns the timeline's ZMP reference into the CoM's horizontal
// motion, and `whole_body` tracks it (with the state machine's feet, CoM height, torso and posture).

import EmbodyControl
import EmbodyLocomotion
import EmbodyModel
import EmbodyPhysics
import EmbodyRuntime
import EmbodyScenario
import Foundation

/// The walking state machine's reference with the horizontal CoM replaced by a planned trajectory sampled every
/// `dt` s (rows [x, y, ẋ, ẏ, ẍ, ÿ]). Between samples the CoM moves under the constant jerk that joins one sample's
/// acceleration to the next's (the cart-table model's own interpolation); after the last sample it holds the last
/// position at rest. The reference ZMP becomes the plan's, p = x − (z_c/g) ẍ. Allocates nothing per update.
final class PlannedCoMSource: WalkingReferenceSource {
    let inner: WalkingReferenceSource
    /// The plan's sampling period, s.
    let dt: Double
    /// z_c / g, s².
    let zmpFactor: Double
    /// Rows of six values, flattened.
    private let samples: [Double]
    let count: Int

    /// `rows` must be non-empty, each of six finite values (the caller checks).
    init(inner: WalkingReferenceSource, rows: [[Double]], dt: Double, zmpFactor: Double) {
        self.inner = inner
        self.dt = dt
        self.zmpFactor = zmpFactor
        samples = rows.flatMap { $0 }
        count = rows.count
    }

    /// The planned horizontal CoM at `t` s: position, velocity, acceleration (x, y).
    func sample(at t: Double) -> (position: SIMD2<Double>, velocity: SIMD2<Double>, acceleration: SIMD2<Double>) {
        let raw = t.isFinite ? (t / dt + 1e-9).rounded(.down) : 0
        let k = Int(min(max(raw, 0), Double(count - 1)))
        let o = 6 * k
        let p = SIMD2(samples[o], samples[o + 1])
        guard k + 1 < count else { return (p, .zero, .zero) }
        let v = SIMD2(samples[o + 2], samples[o + 3]), a = SIMD2(samples[o + 4], samples[o + 5])
        let jerk = (SIMD2(samples[o + 10], samples[o + 11]) - a) / dt
        let tau = min(max(t - Double(k) * dt, 0), dt)
        return (p + v * tau + a * (tau * tau / 2) + jerk * (tau * tau * tau / 6),
                v + a * tau + jerk * (tau * tau / 2), a + jerk * tau)
    }

    func update(_ measurement: WalkingMeasurement, reference: inout WalkingReference) {
        inner.update(measurement, reference: &reference)
        let (p, v, a) = sample(at: measurement.state.time)
        reference.comPosition = Vector3(p.x, p.y, reference.comPosition.z)
        reference.comVelocity = Vector3(v.x, v.y, reference.comVelocity.z)
        reference.comAcceleration = Vector3(a.x, a.y, reference.comAcceleration.z)
        reference.zmp = Vector3(p.x - zmpFactor * a.x, p.y - zmpFactor * a.y, reference.zmp.z)
    }

    func reset() { inner.reset() }
}

extension Trials {
    /// The plan's sampling period in s (Kajita et al.'s 5 ms) and the preview horizon in s.
    static let walkPlanPeriod = 0.005
    static let walkPreviewTime = 1.6
    /// How far each seed's walk goes, m, and how long the robot stands before and after it, s.
    static let walkLength = 1.6
    static let walkStart = 1.0, walkStandAfter = 2.0
    /// The ZMP reference handed to the student moves from the CoM at load to the state machine's over this long, s.
    static let walkBlendTime = 1.0

    /// The project's own preview gains for `setup` (ZMPPreviewController, the shim's DARE).
    static func exactGains(_ setup: PreviewSetup) throws -> PreviewGains {
        do {
            let parameters = try ZMPPreviewParameters(comHeight: setup.comHeight, gravity: setup.gravity, timeStep: setup.dt,
                                                      previewTime: Double(setup.previewSteps) * setup.dt,
                                                      trackingWeight: setup.trackingWeight,
                                                      jerkIncrementWeight: setup.jerkWeight)
            let c = try ZMPPreviewController(parameters: parameters) { a, b, q, r, n, m in
                try Riccati.discrete(a: a, b: b, q: q, r: r, n: n, m: m).p
            }
            return PreviewGains(integral: c.integralGain, state: [c.stateGain.x, c.stateGain.y, c.stateGain.z],
                                preview: c.previewGains)
        } catch {
            throw TrialError("the grader's preview gains for \(setup): \(error.description)")
        }
    }

    /// The largest relative error of `gains` against `exact`: per group (G_i; G_x; G_p), the largest absolute
    /// difference over the group's largest magnitude. ∞ for a wrong count or a non-finite value.
    static func gainError(_ gains: PreviewGains, exact: PreviewGains) -> Double {
        guard gains.state.count == 3, gains.preview.count == exact.preview.count else { return .infinity }
        func group(_ mine: [Double], _ theirs: [Double]) -> Double {
            let scale = theirs.map(abs).max() ?? 0
            var worst = 0.0
            for (m, t) in zip(mine, theirs) {
                let e = abs(m - t) / max(scale, 1e-300)
                worst = max(worst, e.isNaN ? .infinity : e)
            }
            return worst
        }
        return max(group([gains.integral], [exact.integral]), group(gains.state, exact.state),
                   group(gains.preview, exact.preview))
    }

    /// What is wrong with a plan's rows, or nil: `count` rows of six finite numbers.
    static func planProblem(_ rows: [[Double]], count: Int) -> String? {
        guard rows.count == count else {
            return "comTrajectory returned \(rows.count) rows; the ZMP reference asks for \(count) (its length minus the preview horizon)"
        }
        if let k = rows.firstIndex(where: { $0.count != 6 }) {
            return "comTrajectory's row \(k) has \(rows[k].count) values, not 6 ([x, y, ẋ, ẏ, ẍ, ÿ])"
        }
        if let k = rows.firstIndex(where: { !$0.allSatisfy(\.isFinite) }) {
            return "comTrajectory's row \(k) (t = \(Double(k) * walkPlanPeriod) s) is not finite: \(rows[k])"
        }
        return nil
    }

    /// The RMS over a plan's rows of the distance between the ZMP of its positions and the reference, m: the ZMP
    /// p = x − f ẍ (f = z_c/g s²) with ẍ the second difference of the positions, (x(k+1) − 2x(k) + x(k−1))/dt²
    /// (one-sided at the ends). Positions alone: a plan whose velocities and accelerations do not belong to its
    /// positions gains nothing.
    static func plannedZMPError(_ plan: [[Double]], reference: [[Double]], factor: Double) -> Double {
        let n = plan.count
        guard n >= 3 else { return .infinity }
        let dt2 = walkPlanPeriod * walkPlanPeriod
        var sum = 0.0
        for k in 0..<n {
            let m = min(max(k, 1), n - 2)
            var e2 = 0.0
            for axis in 0..<2 {
                let acceleration = (plan[m + 1][axis] - 2 * plan[m][axis] + plan[m - 1][axis]) / dt2
                let e = plan[k][axis] - factor * acceleration - reference[k][axis]
                e2 += e * e
            }
            sum += e2
        }
        let rms = (sum / Double(n)).squareRoot()
        return rms.isNaN ? .infinity : rms
    }

    /// Samples the ZMP reference the student plans on: the timeline's, p_ref(t), except that over the first
    /// `walkBlendTime` s it starts from the CoM at load, c₀ + (1 − σ(t/T_b)) (c₀ − p_ref(0)) … (quintic σ), so that a
    /// CoM starting there at rest starts on its reference.
    static func zmpReference(_ timeline: WalkingTimeline, initialCoM c0: SIMD2<Double>, samples: Int) -> [[Double]] {
        var cursor = 0
        let p0 = timeline.zmp(at: 0, cursor: &cursor)
        cursor = 0
        return (0..<samples).map { k in
            let t = Double(k) * walkPlanPeriod
            var p = timeline.zmp(at: t, cursor: &cursor)
            if t < walkBlendTime {
                let u: Double = t / walkBlendTime
                let sigma: Double = u * u * u * (10 - 15 * u + 6 * u * u)
                p += (1 - sigma) * (c0 - p0)
            }
            return [p.x, p.y]
        }
    }

    /// Exercise 9: the gains at the walk's setup and at a drawn one, then a walk of `walkLength` m at a drawn speed
    /// and step duration, on the scenario's foothold noise drawn with a drawn seed. A fall is the pelvis below the
    /// scenario's `termination.base_height_below` or a link other than a foot on the ground; the run stops there.
    static func walking(_ path: String, _ type: any StudentZMPPreview.Type, _ r: inout ExerciseRandom) throws -> TrialOutcome {
        let (plain, _) = try load(path, [])
        guard case .walk(let walk) = plain.task.kind, case .wholeBody = plain.controller.kind else {
            throw TrialError("\(path): exercise 9 walks with `task: { type: walk }` under `controller: { type: whole_body }`")
        }
        guard plain.termination.baseHeightBelow != nil else {
            throw TrialError("\(path): the scenario needs `termination: { base_height_below: … }` to detect falls")
        }
        let gravity = -plain.physics.gravity[2]
        let previewSteps = Int((walkPreviewTime / walkPlanPeriod).rounded())
        let walkSetup = PreviewSetup(dt: walkPlanPeriod, comHeight: walk.comHeight, gravity: gravity,
                                     previewSteps: previewSteps, trackingWeight: 1, jerkWeight: 1e-6)
        // Another model and cost, so that gains fitted to one case do not pass.
        let drawnSetup = PreviewSetup(dt: r.uniform(0.008, 0.012), comHeight: r.uniform(0.5, 1.0), gravity: r.uniform(9.7, 9.9),
                                      previewSteps: 100 + Int(r.next() % 101), trackingWeight: r.uniform(0.5, 2),
                                      jerkWeight: r.uniform(1e-6, 1e-5))
        let studentGains = type.gains(walkSetup)
        let gainError = max(gainError(studentGains, exact: try exactGains(walkSetup)),
                            gainError(type.gains(drawnSetup), exact: try exactGains(drawnSetup)))
        var problem: String?
        if !(gainError < 1e-3) {
            problem = studentGains.preview.count == previewSteps && studentGains.state.count == 3 ? nil
                : "gains returned \(studentGains.state.count) state gains and \(studentGains.preview.count) preview gains; "
                    + "the setup asks for 3 and \(previewSteps)"
        }
        // The walk.
        let speed = r.uniform(0.35, 0.45)                   // m/s
        let stepDuration = r.uniform(0.5, 0.6)              // s; speed × duration stays under the 0.3 m step length
        let seed = 1 + r.next() % 1_000_000
        let stop = walkStart + walkLength / speed
        let duration = ((stop + walkStandAfter) * 10).rounded(.up) / 10
        let overrides = ["seed=\(seed)", "duration=\(duration)", "task.step_duration=\(stepDuration)",
                         "task.commands=[{ at: \(walkStart), vx: \(speed) }, { at: \(stop), vx: 0 }]"]
        let (scenario, model) = try load(path, overrides)
        var plannedError = Double.infinity
        var planned = false
        let sim: Simulation
        do {
            sim = try Simulation(scenario: scenario, model: model, walkingSource: { source throws(RuntimeError) in
                guard let generator = source as? WalkingPatternGenerator else {
                    throw RuntimeError("\(path): exercise 9 needs the walk task's walking state machine")
                }
                let rows = Int((duration / walkPlanPeriod).rounded(.up)) + 2
                let c0 = SIMD2(generator.initialCoM.x, generator.initialCoM.y)
                let reference = zmpReference(generator.timeline, initialCoM: c0, samples: rows + previewSteps)
                let plan = type.comTrajectory(zmpReference: reference, initialCoM: [c0.x, c0.y], setup: walkSetup,
                                              gains: studentGains)
                if let why = planProblem(plan, count: rows) {
                    problem = problem ?? why
                    return source
                }
                let factor = walk.comHeight / gravity
                plannedError = plannedZMPError(plan, reference: reference, factor: factor)
                planned = true
                return PlannedCoMSource(inner: source, rows: plan, dt: walkPlanPeriod, zmpFactor: factor)
            })
        } catch { throw TrialError(error.message) }
        var metrics: [String: Double] = ["gain_error": gainError, "planned_zmp_error_rms": plannedError]
        guard planned else {
            // No usable plan: nothing walks.
            for (key, value) in [("walk_distance", 0.0), ("walk_speed", 0), ("falls", 1), ("foot_slip_max", .infinity),
                                 ("zmp_margin_min", -.infinity), ("com_tracking_rms", .infinity)] { metrics[key] = value }
            return TrialOutcome(metrics: metrics, problem: problem)
        }
        var fell = try runUntilFall(sim)
        let summary: RunSummary
        do { summary = try sim.finish(wallTime: 0) } catch { throw TrialError(error.message) }
        // A run the divergence monitor stopped (the state blew up) did not walk: it counts as a fall where it stopped.
        var ending = "the robot fell"
        if fell == nil, summary.diverged != nil {
            fell = summary.simTime
            ending = "the simulation diverged (the state blew up)"
        }
        for key in ["walk_distance", "walk_speed", "foot_slip_max", "zmp_margin_min", "com_tracking_rms",
                    "wbc_qp_failures", "steps_taken"] {
            metrics[key] = summary.metrics[key] ?? .nan
        }
        metrics["falls"] = fell == nil ? 0 : 1
        if let fell {
            // Tipping over an edge of a foot keeps the measured CoP on that edge: a fallen run has no margin to speak of.
            metrics["zmp_margin_min"] = .nan
            metrics["fell_at"] = fell
            problem = [problem, "\(ending) at t = \(format(fell)) s"].compactMap { $0 }.joined(separator: "; ")
        }
        return TrialOutcome(metrics: metrics, problem: problem)
    }

    /// Steps `sim` to its end or to a fall (the pelvis below the termination height, or a link other than a foot
    /// on the ground, checked every 5 ticks); returns the time of the fall in s, or nil.
    static func runUntilFall(_ sim: Simulation, feet names: [String] = ["left_foot", "right_foot"]) throws -> Double? {
        let feet = Set(names.compactMap { sim.robot.linkNames.firstIndex(of: $0) })
        guard feet.count == names.count else { throw TrialError("the robot has no links \(names.joined(separator: " and "))") }
        var contacts = [Contact](repeating: Contact(), count: 256)
        while !sim.isFinished {
            do { try sim.step() } catch { throw TrialError(error.message) }
            if sim.fell || (sim.tick % 5 == 0 && bodyOnGround(sim, feet: feet, contacts: &contacts)) { return sim.time }
        }
        return nil
    }

    /// Whether a robot link other than `feet` (indices in `Robot.linkNames`) touches the ground now.
    static func bodyOnGround(_ sim: Simulation, feet: Set<Int>, contacts: inout [Contact]) -> Bool {
        let robotID = sim.robot.id, groundID = sim.world.groundID ?? -1
        let count = min(sim.world.contacts(into: &contacts), contacts.count)
        for i in 0..<count {
            let c = contacts[i]
            let link: Int32
            if c.objectA == robotID && c.objectB == groundID { link = c.linkA }
            else if c.objectB == robotID && c.objectA == groundID { link = c.linkB }
            else { continue }
            if c.distance < 0 && !feet.contains(Int(link) + 1) { return true }
        }
        return false
    }
}

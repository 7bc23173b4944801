// MARK: - The walking state machine: one WalkingReference per control tick
//
// `WalkingPatternGenerator` turns a timeline of contact phases (planned from velocity commands at load, or
// rewritten during a run by capture stepping) into the per-tick reference a whole-body controller tracks:
//
//   - CoM: ZMP preview control (Kajita et al., 2003) of the cart-table model on the timeline's ZMP reference,
//     previewed `previewTime` s ahead; the CoM height is `comHeight` above the mean height of the feet.
//   - Feet: a stance foot holds its foothold; a swing foot follows `WalkingSwing` (clearance, touchdown at zero
//     velocity). Contact phases switch on the plan's timing and on sensed contact: a swing foot that feels
//     more than `touchdownForce` N after half its swing has touched down early and is held where it is; a foot
//     whose swing has ended without feeling it is late: it keeps descending at `lateDescentSpeed` m/s, up to
//     `lateDescentMax` m below its foothold, and is not treated as a contact until it feels the ground.
//   - Torso: upright, heading the mean of the feet's headings; posture: the posture at load.
//
// `update` allocates nothing: the timeline and the preview window are allocated at load.

import EmbodyModel

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The settings of the walking state machine, SI units.
public struct WalkingStateMachineSettings: Equatable, Sendable {
    /// The control period, s.
    public var controlPeriod = 0.001
    /// CoM height above the mean height of the feet while walking, m.
    public var comHeight = 0.78
    /// How long the CoM takes to move from its height at load to `comHeight`, s.
    public var settleTime = 1.0
    /// The preview horizon, s.
    public var previewTime = 1.6
    /// Swing apex above the higher end, m.
    public var clearance = 0.05
    /// Gravity, m/s².
    public var gravity = locomotionDefaultGravity
    /// A foot feels the ground above this normal force, N.
    public var touchdownForce = 30.0
    /// A late foot's descent speed, m/s, and how far below its foothold it may go, m.
    public var lateDescentSpeed = 0.1
    public var lateDescentMax = 0.03

    public init() {}
}

/// The walking state machine (a `WalkingReferenceSource`): the timeline's phases, ZMP preview control of the
/// CoM, swing feet, contact switching on timing and on sensed touchdown. The phase timeline is public so that a
/// balance layer (`CaptureStepBalancer`) can rewrite it.
public final class WalkingPatternGenerator: WalkingReferenceSource {
    public let settings: WalkingStateMachineSettings
    /// The phases; rewritten by capture stepping, or planned once at load.
    public let timeline: WalkingTimeline
    /// The preview controller of the CoM (x, y).
    public let preview: ZMPPreviewController
    /// The posture held by the posture task, rad or m.
    public let posture: [Double]
    /// The CoM position at load, m (the start of the run).
    public let initialCoM: Vector3
    /// The plan at load, restored by `reset`.
    private let initialPhases: [WalkingPhase]
    private let initialCount: Int

    /// The time of the preview controller's current tick, s (the reference's time).
    public private(set) var time = 0.0
    /// Phase cursors: at the current time and at the end of the preview window.
    private var cursor = 0
    private var previewCursor = 0
    /// Per foot: touched down early in the current swing phase, or still late after the planned touchdown.
    public private(set) var touchedDownEarly: [Bool] = [false, false]
    public private(set) var lateSince: [Double] = [.nan, .nan]
    /// Where each foot was held at an early touchdown.
    private var heldPose: [Transform] = [.identity, .identity]
    private var started = false
    /// The phase index whose swing the early/late flags refer to, per foot.
    private var swingPhase: [Int] = [-1, -1]

    /// A state machine over `timeline` (already planned), starting with the CoM at `initialCoM` at rest.
    /// `riccati` solves the preview controller's DARE (EmbodyPhysics' `Riccati.discrete`).
    public init(settings: WalkingStateMachineSettings, timeline: WalkingTimeline, posture: [Double], initialCoM: Vector3,
                riccati: DiscreteRiccatiSolver) throws(LocomotionParameterError) {
        self.settings = settings
        self.timeline = timeline
        self.posture = posture
        self.initialCoM = initialCoM
        let parameters = try ZMPPreviewParameters(comHeight: settings.comHeight, gravity: settings.gravity,
                                                  timeStep: settings.controlPeriod, previewTime: settings.previewTime)
        preview = try ZMPPreviewController(parameters: parameters, riccati: riccati)
        initialPhases = Array(timeline.phases[0..<timeline.count])
        initialCount = timeline.count
        reset()
    }

    /// Back to the plan at load, the CoM at rest at `initialCoM`.
    public func reset() {
        timeline.removeAll()
        for i in 0..<initialCount { timeline.append(initialPhases[i]) }
        restart(at: 0, com: CartTableState(position: SIMD2(initialCoM.x, initialCoM.y)))
    }

    /// Restarts the preview controller at time `t` from `com`, with the window filled from the timeline (after a
    /// replan, keep the state: call `refreshPreview`).
    public func restart(at t: Double, com: CartTableState) {
        time = t
        cursor = 0
        previewCursor = 0
        touchedDownEarly[0] = false; touchedDownEarly[1] = false
        lateSince[0] = .nan; lateSince[1] = .nan
        swingPhase[0] = -1; swingPhase[1] = -1
        started = false
        let dt = settings.controlPeriod
        preview.reset(to: com) { j in self.timeline.zmp(at: t + Double(j) * dt, cursor: &self.previewCursor) }
    }

    /// Re-reads the preview window from the timeline after the timeline changed, keeping the CoM state.
    public func refreshPreview() {
        let dt = settings.controlPeriod, t = time
        previewCursor = timeline.index(at: t, from: 0)
        cursor = previewCursor
        preview.rewriteReference { j in self.timeline.zmp(at: t + Double(j) * dt, cursor: &self.previewCursor) }
    }

    /// Restarts the CoM preview at the current time from `com`, with the window re-read from the timeline (after
    /// the timeline's later phases were rewritten); the phase cursor and the touchdown states are kept.
    public func replan(com: CartTableState) {
        let dt = settings.controlPeriod, t = time
        previewCursor = cursor
        preview.reset(to: com) { j in self.timeline.zmp(at: t + Double(j) * dt, cursor: &self.previewCursor) }
    }

    /// The phase in force now.
    public var currentPhase: WalkingPhase { timeline.phases[cursor] }
    /// Its index.
    public var currentPhaseIndex: Int { cursor }

    // MARK: The tick

    public func update(_ measurement: WalkingMeasurement, reference: inout WalkingReference) {
        let dt = settings.controlPeriod
        let t = measurement.state.time
        // Advance the preview controller to the measurement's time (one step per control period); the first
        // update only reads the state at load.
        if started {
            // One preview step per control period since the last update; the clock is the measurement's (not a sum
            // of dt), so that phase boundaries fall on the same tick for every reader of the timeline.
            var steps = ((t - time) / dt).rounded()
            if !(steps >= 0) { steps = 0 }
            let start = time
            for k in 0..<Int(min(steps, 1_000_000)) {
                let next = timeline.zmp(at: start + Double(k + 1 + preview.previewSteps) * dt, cursor: &previewCursor)
                _ = preview.step(nextReference: next)
            }
            time = t
        } else {
            started = true
            time = t
        }
        cursor = timeline.index(at: time, from: cursor)
        let phase = timeline.phases[cursor]
        let com = preview.state
        let zmp = preview.zmp
        // The feet.
        for side in 0..<2 {
            updateFoot(FootSide(rawValue: side)!, phase: phase, time: time, force: measurement.footNormalForce[side],
                       into: &reference.feet[side])
        }
        // CoM height: comHeight above the mean height of the feet (blended from the phase's start to its end),
        // reached from the height at load along a quintic over settleTime.
        let s = phase.duration.isFinite && phase.duration > 0 ? min(max((time - phase.start) / phase.duration, 0), 1) : 1
        let (sb, sdb, sddb) = WalkingSwing.blend(s)
        let groundStart = 0.5 * (phase.left.position.z + phase.right.position.z)
        let groundEnd = 0.5 * (phase.footAtEnd(.left).position.z + phase.footAtEnd(.right).position.z)
        let ground = groundStart + sb * (groundEnd - groundStart)
        var z = ground + settings.comHeight, zd = 0.0, zdd = 0.0
        if phase.duration.isFinite && phase.duration > 0 {
            zd = sdb * (groundEnd - groundStart) / phase.duration
            zdd = sddb * (groundEnd - groundStart) / (phase.duration * phase.duration)
        }
        if time < settings.settleTime {
            let (b, db, ddb) = WalkingSwing.blend(time / settings.settleTime)
            let d = z - initialCoM.z
            z = initialCoM.z + b * d
            zd = db * d / settings.settleTime
            zdd = ddb * d / (settings.settleTime * settings.settleTime)
        }
        reference.comPosition = Vector3(com.position.x, com.position.y, z)
        reference.comVelocity = Vector3(com.velocity.x, com.velocity.y, zd)
        reference.comAcceleration = Vector3(com.acceleration.x, com.acceleration.y, zdd)
        reference.zmp = Vector3(zmp.x, zmp.y, ground)
        // Torso: upright, heading between the feet's.
        let yaw = Foothold.meanYaw(phase.left, phase.right)
        let endYaw = Foothold.meanYaw(phase.footAtEnd(.left), phase.footAtEnd(.right))
        reference.torsoOrientation = Quaternion(axis: Vector3(0, 0, 1), angle: yaw + sb * wrapAngle(endYaw - yaw))
        for i in 0..<posture.count { reference.posture[i] = posture[i] }
    }

    /// One foot's reference at `time` in `phase`, with contact sensing.
    private func updateFoot(_ side: FootSide, phase: WalkingPhase, time: Double, force: Double, into foot: inout FootReference) {
        let i = side.rawValue
        if phase.swing == side {
            if swingPhase[i] != cursor { swingPhase[i] = cursor; touchedDownEarly[i] = false; lateSince[i] = .nan }
            let s = (time - phase.start) / phase.duration
            if touchedDownEarly[i] || (s > 0.75 && force > settings.touchdownForce) {
                if !touchedDownEarly[i] {
                    // Held where it touched: its planned heading and height, its reference's place.
                    touchedDownEarly[i] = true
                    heldPose[i] = Foothold(position: Vector3(foot.pose.position.x, foot.pose.position.y,
                                                             phase.swingTarget.position.z), yaw: phase.swingTarget.yaw).pose
                }
                foot = FootReference(standingAt: heldPose[i])
                return
            }
            WalkingSwing.sample(from: phase.foot(side), to: phase.swingTarget, clearance: settings.clearance, s: s,
                                duration: phase.duration, into: &foot)
            foot.inContact = false
            return
        }
        // Stance. A foot that just ended its swing without feeling the ground is late.
        let hold = phase.foot(side)
        if touchedDownEarly[i] && swingPhase[i] >= 0 && swingPhase[i] != cursor {
            touchedDownEarly[i] = false   // held through the rest of its swing; from here on its foothold is the plan's
            swingPhase[i] = -1
        }
        if swingPhase[i] >= 0 && swingPhase[i] != cursor && lateSince[i].isNaN && force < settings.touchdownForce {
            lateSince[i] = timeline.phases[swingPhase[i]].end
        }
        if !lateSince[i].isNaN {
            if force >= settings.touchdownForce { lateSince[i] = .nan; swingPhase[i] = -1 }
            else {
                let below = min(settings.lateDescentSpeed * (time - lateSince[i]), settings.lateDescentMax)
                var f = FootReference(standingAt: hold.pose)
                f.pose.position.z -= below
                f.inContact = false
                if below < settings.lateDescentMax { f.linearVelocity = Vector3(0, 0, -settings.lateDescentSpeed) }
                foot = f
                return
            }
        } else if swingPhase[i] >= 0 && swingPhase[i] != cursor {
            swingPhase[i] = -1
        }
        foot = FootReference(standingAt: hold.pose)
    }
}


// MARK: - What a host program (the C ABI, Python) reads and writes between ticks
//
// The C library (Sources/EmbodyC) drives a Simulation step by step. These accessors copy the state into the
// caller's preallocated buffers and write the host's torques or reference; none of them allocates.

import EmbodyControl
import EmbodyPhysics
import EmbodyScenario

/// The number of doubles per contact in `Simulation.readContacts`: object A, link A, object B, link B (ids and
/// link indices as doubles), the point on B (m, world), the normal on B towards A (unit, world), the signed
/// distance (m, negative is penetration) and the normal force (N).
public let hostContactFields = 12

extension Simulation {
    /// The number of joint coordinates.
    public var dof: Int { robot.dof }

    /// Copies the true joint positions (rad or m) and velocities (rad/s or m/s) into `q` and `qd`, `dof` each.
    public func readJointState(q: UnsafeMutablePointer<Double>, qd: UnsafeMutablePointer<Double>) {
        for i in 0..<trueState.q.count { q[i] = trueState.q[i]; qd[i] = trueState.qd[i] }
    }

    /// Copies the base state into `out`, 13 values: position x, y, z (m, world), orientation qx, qy, qz, qw, linear
    /// velocity (m/s, world) and angular velocity (rad/s, world).
    public func readBaseState(_ out: UnsafeMutablePointer<Double>) {
        for i in 0..<7 { out[i] = basePose[i] }
        for i in 0..<6 { out[7 + i] = baseTwist[i] }
    }

    /// Copies the torques of the last control tick into `commanded` (the controller's output) and `applied` (after
    /// clamping to the limits), `dof` each, N·m or N.
    public func readTorques(commanded out: UnsafeMutablePointer<Double>, applied: UnsafeMutablePointer<Double>) {
        for i in 0..<commanded.count { out[i] = commanded[i]; applied[i] = self.applied[i] }
    }

    /// Copies the current contacts into `out` (`hostContactFields` doubles each, at most `capacity` contacts) and
    /// returns how many there are in all (which may exceed `capacity`).
    public func readContacts(_ out: UnsafeMutablePointer<Double>?, capacity: Int) -> Int {
        let count = min(world.contacts(into: &contactBuffer), contactBuffer.count)
        guard let out else { return count }
        for c in 0..<min(count, capacity) {
            let k = c * hostContactFields, x = contactBuffer[c]
            out[k] = Double(x.objectA); out[k + 1] = Double(x.linkA); out[k + 2] = Double(x.objectB); out[k + 3] = Double(x.linkB)
            out[k + 4] = x.positionOnB.x; out[k + 5] = x.positionOnB.y; out[k + 6] = x.positionOnB.z
            out[k + 7] = x.normalOnB.x; out[k + 8] = x.normalOnB.y; out[k + 9] = x.normalOnB.z
            out[k + 10] = x.distance; out[k + 11] = x.normalForce
        }
        return count
    }

    /// The world's state hash (q, q̇, base and object poses and twists), as `run --json` prints it in hex.
    public var stateHash: UInt64 { world.stateHash() }

    /// Whether the run has diverged (the state became non-finite or left its bounds).
    public var hasDiverged: Bool { monitor.hasDiverged }

    /// The `external` controller, when the scenario uses one.
    public var externalController: ExternalController? { controller as? ExternalController }

    /// Whether the run is being recorded.
    public var isRecording: Bool { recorder != nil }

    /// From the next control tick on, the controller tracks q* = `q` (rad or m) and q̇* = `qd` (rad/s or m/s),
    /// `dof` each, instead of the task's reference (the metrics still compare against the task's). Refused while
    /// recording: a log does not hold a host reference, so `replay --verify` could not reproduce the run.
    public func setHostReference(q: UnsafePointer<Double>, qd: UnsafePointer<Double>) throws(RuntimeError) {
        guard recorder == nil else {
            throw RuntimeError("a host-written reference is not recorded in the log, so a recorded run could not be replayed; record with controller type external (host torques) instead")
        }
        for i in 0..<hostReference.q.count { hostReference.q[i] = q[i]; hostReference.qd[i] = qd[i] }
        hostReferenceActive = true
    }

    /// Returns to the task's reference from the next control tick on.
    public func clearHostReference() { hostReferenceActive = false }
}

/// Refuses a scenario whose controller only a host program can drive (`external`) in a run that has no host:
/// `embody run`, batches, sweeps and `embody bench`. Without a host its torques would stay 0 for the whole run,
/// and the robot would fall or sag as if that were the controller's doing. `embody replay` re-runs a recorded
/// external run from the torques in its log.
public func requireControllerWithoutHost(_ scenario: Scenario) throws(RuntimeError) {
    if case .external = scenario.controller.kind {
        throw RuntimeError("\(scenario.controller.location): controller type external takes its torques from a host program (Python's embody.Simulation or the C ABI in include/embody.h), and this command has none, so every torque would be 0; run the scenario from that program, or re-run a recorded external run with `embody replay LOG --verify`")
    }
}

// MARK: - external

import EmbodyControl
import EmbodyScenario

extension ExternalParameters {
    /// `external`: τ = τ_host, held since the last control tick.
    func makeController(_ context: ControllerContext) -> Controller {
        ExternalController(dof: context.torqueLimits.count)
    }
}

/// The `external` controller: τ = τ_host, the torques a host program (the C ABI, Python) last wrote with
/// `setTorques`, in N·m (N for prismatic joints), sampled at each control tick and held until the next; 0 until
/// the first write. The runtime clamps them to the limits and screens them as any controller's.
///
/// Replaying a log (`Replay.verify`), the controller instead hands out the commanded torques the log recorded for
/// each control tick, in order, so that the re-simulation reproduces the run bit for bit.
public final class ExternalController: Controller {
    /// The number of joints.
    public let dof: Int
    /// The host's torques per joint, N·m or N.
    private var host: [Double]
    /// When replaying: one row of `dof` torques per control tick, in tick order.
    private var logged: [Double] = []
    private var nextRow = 0
    private var replaying = false

    /// Creates the controller for `dof` joints, commanding 0 until the host writes torques.
    public init(dof: Int) {
        self.dof = dof
        host = [Double](repeating: 0, count: dof)
    }

    /// Sets the torques held from the next control tick on: `dof` values, N·m or N. The caller checks them.
    public func setTorques(_ torques: UnsafePointer<Double>) {
        for i in 0..<dof { host[i] = torques[i] }
    }

    /// Replays `rows` (one row of `dof` torques per control tick, from tick 0) instead of the host's torques.
    func replay(rows: [Double]) {
        logged = rows
        nextRow = 0
        replaying = true
    }

    public func computeTorques(state: RobotState, reference: Reference, dt: Double, tau: inout [Double]) {
        if replaying {
            let base = nextRow * dof
            if base + dof <= logged.count {
                for i in 0..<dof { tau[i] = logged[base + i] }
            } else {
                for i in 0..<dof { tau[i] = 0 }
            }
            nextRow += 1
        } else {
            for i in 0..<dof { tau[i] = host[i] }
        }
    }

    public func reset() { nextRow = 0 }
}

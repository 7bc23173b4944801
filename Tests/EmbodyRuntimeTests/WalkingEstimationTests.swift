import CMallocCounter
import EmbodyControl
import EmbodyModel
@testable import EmbodyPerception
@testable import EmbodyRuntime
import Foundation
import Testing

/// Walking on estimated state: humanoid-walk with humanoid-imu-stand-wbc's IMU and encoders in the loop and
/// `use_ground_truth: false` (the overrides `scripts/walking-seeds.sh --estimated` uses), shortened to 2.5 s of walking.
@Suite("Walking on estimated state")
struct WalkingEstimationTests {
    /// The IMU, encoders and estimation settings of `scripts/walking-seeds.sh --estimated`.
    static let sensorOverrides = [
        "sensors=[{ name: imu, type: imu, link: pelvis, rate: 500, latency: 1, noise: 0.05, "
            + "gyro_noise: 0.005, gyro_bias: [0.002, -0.001, 0.001], accel_average: true }, { name: encoders, type: joint_encoders, rate: 1000, "
            + "latency: 1, resolution: 0.0001, noise: 0.0002 }]",
        "estimation={ use_ground_truth: false, velocity_filter_hz: 50 }"]

    static func overrides() -> [String] {
        sensorOverrides + ["duration=5", "task.commands=[{ at: 1.0, vx: 0.54 }, { at: 3.5, vx: 0 }]"]
    }

    /// The walk task's feet turn on leg odometry: the controller sees an estimated base pose and velocity (not the
    /// truth), the robot walks, stops and stands, and the estimate stays within 1 cm and 0.5° of the truth; the
    /// ticks allocate nothing after warm-up.
    @Test func legOdometryEstimatesTheBaseWhileWalking() throws {
        let (scenario, model) = try loadBundled("humanoid-walk", overrides: Self.overrides())
        let sim = try Simulation(scenario: scenario, model: model)
        let odometry = try #require(sim.sensors.legOdometry)
        #expect(sim.sensors.orientationFilter == nil && sim.sensors.estimates)
        for _ in 0..<10 { try sim.step() }
        var differs = false, planted = 0, allocations: Int64 = 0
        // While walking, the estimate the controller sees moves every tick although the IMU samples every other
        // one (it is predicted over the ticks since the sample): held for a tick, a CoM velocity taken from its
        // differences would ripple by about the walking speed times the filter's gain.
        var previous = sim.estimate.basePose.position, walkingTicks = 0, heldTicks = 0
        while !sim.isFinished {
            let before = emb_test_thread_allocations()
            try sim.step()
            allocations += emb_test_thread_allocations() - before
            if sim.estimate.basePose.position != sim.trueState.basePose.position { differs = true }
            if odometry.inStance[0] || odometry.inStance[1] { planted += 1 }
            let t = sim.trueState.time, position = sim.estimate.basePose.position
            if t > 1.5 && t < 3.5 {
                walkingTicks += 1
                if position == previous { heldTicks += 1 }
            }
            previous = position
        }
        #expect(walkingTicks > 1500 && heldTicks == 0, "the estimate stood still on \(heldTicks) of \(walkingTicks) walking ticks")
        #expect(allocations == 0, "\(allocations) heap allocations while walking on estimated state")
        #expect(differs)                       // the base position is estimated, not copied from the truth
        #expect(planted > 4000)                // some foot bears weight nearly all the time
        let summary = try Runner.run(sim)
        #expect(!summary.fell)
        #expect(summary.metrics["wbc_qp_failures"] == 0)
        #expect((summary.metrics["walk_distance"] ?? 0) > 0.9)
        #expect((summary.metrics["steps_taken"] ?? 0) >= 4)
        let position = try #require(summary.metrics["base_position_error_max"])
        let orientation = try #require(summary.metrics["base_orientation_error_max"])
        print("walking 2.5 s on leg odometry: base position error ≤ \(position) m, orientation ≤ \(orientation)°")
        #expect(position < 0.01)
        #expect(orientation < 0.5)
    }

    /// Without a biped task the IMU keeps its complementary filter and the base position stays true.
    @Test func aHoldTaskKeepsTheComplementaryFilter() throws {
        let (scenario, model) = try loadBundled("humanoid-imu-stand-wbc")
        let sim = try Simulation(scenario: scenario, model: model)
        #expect(sim.sensors.legOdometry == nil && sim.sensors.orientationFilter != nil)
    }
}

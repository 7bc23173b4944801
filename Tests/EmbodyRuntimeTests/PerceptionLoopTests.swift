import EmbodyPerception
import EmbodyRuntime
import EmbodyScenario
import Foundation
import Testing

// MARK: - Sensors and estimation in the loop

@Suite("Perception in the loop")
struct PerceptionLoopTests {
    /// After 5 s of standing on estimated state, the IMU-estimated base orientation is within 1° of the truth.
    @Test func imuEstimatedOrientationStaysWithinOneDegree() throws {
        let (scenario, model) = try loadBundled("humanoid-imu-stand", overrides: ["duration=5"])
        #expect(scenario.sensors.map(\.type).sorted() == ["imu", "joint_encoders"])
        #expect(!scenario.estimation.useGroundTruth)
        let summary = try Runner.run(try Simulation(scenario: scenario, model: model))
        let error = try #require(summary.metrics["base_orientation_error"])
        #expect(error < 1.0, "orientation estimate off by \(error)° after 5 s")
        #expect(error > 0, "a noisy, biased IMU cannot give the exact orientation")
        #expect(!summary.fell && summary.success)
        // The encoders' quantization and noise show in the joint estimate, at their scale.
        let jointError = try #require(summary.metrics["joint_position_estimate_error_rms"])
        #expect(jointError > 1e-5 && jointError < 1e-3)
    }

    /// Two runs with the same seed give identical state hashes, sensors included; another seed changes the
    /// sensor noise and therefore the run.
    @Test func sameSeedSameBitsWithSensors() throws {
        func run(_ seed: Int) throws -> String {
            let (scenario, model) = try loadBundled("humanoid-imu-stand", overrides: ["duration=1.5", "seed=\(seed)"])
            return try Runner.run(try Simulation(scenario: scenario, model: model)).stateHash
        }
        let a = try run(3), b = try run(3), c = try run(4)
        #expect(a == b)
        #expect(a != c)
    }

    /// Estimated and true values are both recorded, and a run with sensors replays bit for bit.
    @Test func estimatesAreRecordedAndReplayExactly() throws {
        let log = temporaryPath("emblog")
        defer { try? FileManager.default.removeItem(atPath: log) }
        let run = try embody(["run", "humanoid-imu-stand", "--record", log, "--set", "duration=1"])
        #expect(run.status == 0, "\(run.stderr)")
        let header = try LogReader(path: log).header
        #expect(header.channels.contains("est.q.left_knee") && header.channels.contains("q.left_knee"))
        #expect(header.channels.contains("est.base.qw"))
        let verify = try embody(["replay", log, "--verify"])
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
    }

    /// `estimation.use_ground_truth` gives the controller the true state although sensors are declared.
    @Test func groundTruthSwitch() throws {
        let (scenario, model) = try loadBundled("humanoid-imu-stand", overrides: ["duration=0.5", "estimation.use_ground_truth=true"])
        let sim = try Simulation(scenario: scenario, model: model)
        #expect(!sim.channelNames.contains("est.base.qw"))
        let summary = try Runner.run(sim)
        #expect(summary.metrics["joint_position_estimate_error_rms"] == nil)
    }
}

import EmbodyControl
import EmbodyModel
import EmbodyRuntime
import EmbodyScenario
import Foundation
import Testing

// MARK: - A run that blows up is never a success

/// Zero torque, except a NaN on one joint from a chosen tick on.
private final class NaNAtTickController: Controller {
    let tick: Int, joint: Int, dt: Double
    init(tick: Int, joint: Int, dt: Double) { self.tick = tick; self.joint = joint; self.dt = dt }
    func computeTorques(state: RobotState, reference: Reference, dt _: Double, tau: inout [Double]) {
        for i in 0..<tau.count { tau[i] = 0 }
        if Int((state.time / dt).rounded()) >= tick { tau[joint] = .nan }
    }
}

@Suite("Divergence")
struct DivergenceTests {
    @Test func aNaNTorqueEndsTheRunAtItsTick() throws {
        let (scenario, model) = try loadBundled("arm-hold")
        let sim = try Simulation(scenario: scenario, model: model) { _ in
            NaNAtTickController(tick: 250, joint: 2, dt: scenario.physics.dt)
        }
        let summary = try Runner.run(sim)
        #expect(summary.outcome == .diverged)
        #expect(!summary.success)
        let d = try #require(summary.diverged)
        #expect(d.tick == 250)
        #expect(d.channel == "torque.\(model.jointNames[2])")
        #expect(d.value.isNaN)
        #expect(summary.steps == 251, "the run stops after the tick that diverged")
        #expect(summary.nonFiniteTorques == 1, "the NaN is counted, not silently zeroed")
        #expect(summary.criteria.isEmpty, "a diverged run's criteria are not evaluated")
        let json = summary.jsonObject()
        #expect(json["outcome"] as? String == "diverged")
        let diverged = try #require(json["diverged"] as? [String: Any])
        #expect(diverged["tick"] as? Int == 250)
        #expect(diverged["channel"] as? String == "torque.joint_3")
        #expect(diverged["value"] as? String == "nan")
        #expect(summary.text().contains("DIVERGED at tick 250: torque.joint_3"))
    }

    /// humanoid-stand at dt = 0.1 s blows up: the monitor stops it at the first tick whose state is out of the
    /// documented bounds, checked here independently from the recorded channels.
    @Test func aTimeStepFarTooLargeDiverges() throws {
        let overrides = ["physics.dt=0.1", "rates.control=10", "rates.perception=10", "rates.planning=10"]
        let (scenario, model) = try loadBundled("humanoid-stand", overrides: overrides)
        let sim = try Simulation(scenario: scenario, model: model)
        let joints = model.movableJoints, n = joints.count
        var values = [Double](repeating: 0, count: sim.channelNames.count)
        var firstBad: Int?
        while !sim.isFinished {
            try sim.step()
            sim.recordValues(into: &values)
            guard firstBad == nil else { continue }
            for i in 0..<n {
                let q = values[i], qd = values[n + i], l = joints[i].limit!
                if !q.isFinite || !qd.isFinite || q < l.lower - 0.5 || q > l.upper + 0.5 || abs(qd) > 100 { firstBad = sim.tick }
            }
        }
        let summary = try sim.finish(wallTime: 0)
        #expect(summary.outcome == .diverged)
        let d = try #require(summary.diverged)
        #expect(d.tick == firstBad)
        #expect(summary.steps == d.tick)
        #expect(d.channel.hasPrefix("q.") || d.channel.hasPrefix("qd.") || d.channel.hasPrefix("base."))

        let r = try embody(["run", "humanoid-stand", "--json"] + overrides.flatMap { ["--set", $0] })
        #expect(r.status == 2, "\(r.stderr)")
        let o = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        #expect(o["outcome"] as? String == "diverged")
        #expect(o["success"] as? Bool == false)
        let dj = try #require(o["diverged"] as? [String: Any])
        #expect(dj["tick"] as? Int == d.tick)
        #expect(dj["channel"] as? String == d.channel)
        let text = try embody(["run", "humanoid-stand"] + overrides.flatMap { ["--set", $0] })
        #expect(text.status == 2)
        #expect(text.stdout.contains("DIVERGED at tick \(d.tick): \(d.channel)"))
    }

    /// Huge gravity: every value turns NaN. PD (no model) and PD plus gravity compensation (which calls the
    /// dynamics terms on the blown-up state) both end as diverged, neither traps.
    @Test(arguments: ["arm-hold", "arm-gravity-comp", "arm-track-sine"])
    func absurdGravityDivergesWithoutATrap(name: String) throws {
        let r = try embody(["run", name, "--json", "--set", "physics.gravity=[0,0,-1.7e308]"])
        #expect(r.status == 2, "\(r.stderr)")
        let o = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        #expect(o["outcome"] as? String == "diverged")
        #expect(o["success"] as? Bool == false)
        let d = try #require(o["diverged"] as? [String: Any])
        #expect((d["tick"] as? Int ?? 99) <= 1)
    }

    /// The dynamics terms answer NaN, not a trap, for non-finite inputs.
    @Test func dynamicsTermsReturnNaNForNonFiniteInputs() throws {
        let (scenario, model) = try loadBundled("arm-gravity-comp")
        let sim = try Simulation(scenario: scenario, model: model)
        let dynamics = try #require(sim.dynamics)
        var q = [Double](repeating: 0, count: dynamics.dof)
        q[0] = .nan
        var g = [Double](repeating: 0, count: dynamics.nv)
        dynamics.gravity(q: q, basePose: .identity, into: &g)
        #expect(g.allSatisfy { $0.isNaN })
        var m = [Double](repeating: 0, count: dynamics.nv * dynamics.nv)
        dynamics.massMatrix(q: q, basePose: .identity, into: &m)
        #expect(m.allSatisfy { $0.isNaN })
        #expect(dynamics.linkPose(link: 1, q: q, basePose: .identity).position.x.isNaN)
    }

    @Test func boundsAreConfigurableUnderTermination() throws {
        // A tight velocity bound stops an ordinary run early, naming the joint and the key.
        let (scenario, model) = try loadBundled("arm-gravity-comp", overrides: ["termination.max_joint_velocity=0.05"])
        #expect(scenario.termination.maxJointVelocity == 0.05)
        let summary = try Runner.run(try Simulation(scenario: scenario, model: model))
        #expect(summary.outcome == .diverged)
        let d = try #require(summary.diverged)
        #expect(d.channel.hasPrefix("qd."))
        #expect(abs(d.value) > 0.05)
        #expect(d.reason.contains("termination.max_joint_velocity"))
        // A negative bound is a located error.
        #expect(throws: ScenarioErrors.self) { try loadBundled("arm-hold", overrides: ["termination.max_joint_velocity=-1"]) }
    }

    /// A run that passes while saturating its torques and chattering says so, and is still a success (exit 0).
    @Test func aSuccessWithSaturationAndChatterCarriesWarnings() throws {
        let args = ["run", "arm-hold", "--set", "duration=1", "--set", "success=[]", "--set", "task.q.joint_1=1.0",
                    "--set", "controller.gains.kp=100000", "--set", "controller.gains.kd=2000"]
        let r = try embody(args + ["--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let o = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        #expect(o["outcome"] as? String == "success")
        let warnings = try #require(o["warnings"] as? [String])
        #expect(warnings.contains { $0.hasPrefix("torque saturation: joint_6") })
        #expect(warnings.contains { $0.hasPrefix("velocity chatter: joint_6") })
        let saturation = try #require(o["saturation"] as? [String: Double])
        #expect(saturation["joint_6"]! > 0.2)
        let text = try embody(args)
        #expect(text.status == 0)
        #expect(text.stdout.contains("result     success (with"))
        #expect(text.stdout.contains("warning    torque saturation: joint_6"))
    }

    @Test func bundledScenariosPassWithoutWarnings() throws {
        for name in ["arm-hold", "humanoid-stand"] {
            let (scenario, model) = try loadBundled(name, overrides: ["duration=1"])
            let s = try Runner.run(try Simulation(scenario: scenario, model: model))
            #expect(s.outcome == .success)
            #expect(s.warnings.isEmpty, "\(name): \(s.warnings)")
            #expect(s.diverged == nil)
        }
    }
}

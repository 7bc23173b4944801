import EmbodyModel
import EmbodyControl
import EmbodyRuntime
import EmbodyScenario
import Foundation
import Testing

// MARK: - The controller library through Bullet: the issue's acceptance checks

/// Runs a scenario given as YAML text (written next to the bundled ones so robots/ resolves).
func runScenario(_ text: String, overrides: [String] = []) throws -> RunSummary {
    let path = repoRoot.appendingPathComponent("Scenarios/.test-\(UUID().uuidString).yaml").path
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    defer { try? FileManager.default.removeItem(atPath: path) }
    let (scenario, model) = try ScenarioLoader.load(path: path, overrides: overrides)
    return try Runner.run(try Simulation(scenario: scenario, model: model))
}

/// A rotor: one continuous joint about the vertical axis, so gravity exerts no torque, with inertia
/// `inertia` kg·m² about the joint axis and no damping or friction.
func rotorURDF(inertia: Double) throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("embody-rotor-\(UUID().uuidString).urdf").path
    let urdf = """
    <robot name="rotor">
      <link name="base"><inertial><mass value="1"/><inertia ixx="0.01" iyy="0.01" izz="0.01" ixy="0" ixz="0" iyz="0"/></inertial></link>
      <link name="wheel"><inertial><mass value="2"/><inertia ixx="\(inertia)" iyy="\(inertia)" izz="\(inertia)" ixy="0" ixz="0" iyz="0"/></inertial></link>
      <joint name="spin" type="continuous"><parent link="base"/><child link="wheel"/><axis xyz="0 0 1"/>
        <limit effort="1000" velocity="100"/><dynamics damping="0" friction="0"/></joint>
    </robot>
    """
    try urdf.write(toFile: path, atomically: true, encoding: .utf8)
    return path
}

@Suite("Control through the simulator")
struct ControlTests {
    /// Single-joint PD step response, ωn = √(kp/I), ζ = kd/(2√(kp·I)) = 0.3: the overshoot is within 1 percentage
    /// point of exp(−ζπ/√(1−ζ²)) and the 2% settling time within 5% of the exact closed-form response's.
    @Test func pdStepResponseMatchesSecondOrderTheory() throws {
        let inertia = 0.5, kp = 50.0, zeta = 0.3
        let kd = 2 * zeta * (kp * inertia).squareRoot()
        let urdf = try rotorURDF(inertia: inertia)
        defer { try? FileManager.default.removeItem(atPath: urdf) }
        let summary = try runScenario("""
        name: pd-step
        duration: 4.0
        physics: { dt: 0.001, gravity: [0, 0, -9.81] }
        robot: { urdf: \(urdf), base: { fixed: true } }
        world: { ground: false }
        controller: { type: pd, gains: { kp: \(kp), kd: \(kd) } }
        task: { type: hold, q: { spin: 0.1 } }
        """)
        let system = SecondOrderSystem(inertia: inertia, kp: kp, kd: kd)
        let expectedOvershoot = 100 * exp(-zeta * Double.pi / (1 - zeta * zeta).squareRoot())
        let overshoot = try #require(summary.metrics["overshoot"])
        let settling = try #require(summary.metrics["settling_time"])
        let exactSettling = system.settlingTime(band: 0.02)
        #expect(abs(overshoot - expectedOvershoot) < 1, "overshoot \(overshoot)% against \(expectedOvershoot)%")
        #expect(abs(settling - exactSettling) / exactSettling < 0.05,
                "settling \(settling) s against the exact response's \(exactSettling) s")
    }

    /// Gravity compensation holds the arm in 5 random postures with drift under 1e-3 rad over 5 s.
    @Test func gravityCompensationHoldsRandomPostures() throws {
        var random = SplitMix64(seed: 2026)
        for posture in 0..<5 {
            var q: [String] = []
            for j in 1...7 {
                let limit = j == 7 ? 3.05 : (j % 2 == 0 ? 2.09 : 2.96)
                let u = Double(random.next() % 1_000_000) / 1_000_000
                q.append("joint_\(j): \(String(format: "%.4f", (2 * u - 1) * 0.6 * limit))")
            }
            let joints = "{ \(q.joined(separator: ", ")) }"
            let summary = try runScenario("""
            name: hold-\(posture)
            duration: 5.0
            physics: { dt: 0.001 }
            robot: { urdf: robots/arm7.urdf, base: { fixed: true }, initial: { q: \(joints) } }
            controller:
              type: pd_gravity
              gains: { kp: 300, kd: 5, fingers: { kp: 200, kd: 5 }, joint_1: { kp: 1000, kd: 20 }, joint_5: { kp: 200, kd: 1 },
                       joint_7: { kp: 50, kd: 0.5 } }
            task: { type: hold, q: \(joints) }
            """)
            let drift = try #require(summary.metrics["tracking_error_max"])
            #expect(drift < 1e-3, "posture \(posture) \(joints) drifted \(drift) rad")
        }
    }

    /// Computed torque tracks a 1 Hz, 0.5 rad sinusoid on all 7 arm joints with RMS error under 1e-3 rad.
    @Test func computedTorqueTracksSinusoids() throws {
        let (scenario, model) = try loadBundled("arm-track-sine")
        let sine = try #require(scenario.task.kind.sine)
        #expect(sine.amplitude.count == 7 && sine.amplitude.allSatisfy { $0.value == 0.5 })
        #expect(sine.frequency == 1)
        let summary = try Runner.run(try Simulation(scenario: scenario, model: model))
        let rms = try #require(summary.metrics["tracking_error_rms"])
        #expect(rms < 1e-3, "RMS tracking error \(rms) rad")
        #expect(summary.success)
    }

    /// Stable PD at dt = 5 ms: gains 10× above what plain PD survives make plain PD diverge, while stable PD
    /// stays bounded and converges. Gravity is off so that both controllers' equilibrium is the target itself.
    @Test func stablePDToleratesGainsThatBreakPlainPD() throws {
        // Per joint (kp N·m/rad, kd N·m·s/rad): plain PD at 200 Hz settles with these.
        let base: [(String, Double, Double)] = [("joint_1", 60, 5), ("joint_2", 100, 20), ("joint_3", 30, 1),
                                                ("joint_4", 60, 10), ("joint_5", 10, 0.3), ("joint_6", 10, 0.5),
                                                ("joint_7", 2, 0.05), ("fingers", 20, 0.2)]
        let step = 0.4  // rad: the largest joint step of the task
        func run(_ type: String, gainScale: Double) throws -> RunSummary {
            let gains = base.map { "\($0.0): { kp: \($0.1 * gainScale), kd: \($0.2 * gainScale) }" }.joined(separator: ", ")
            return try runScenario("""
            name: spd-\(type)
            duration: 6.0
            physics: { dt: 0.005, gravity: [0, 0, 0] }
            robot: { urdf: robots/arm7.urdf, base: { fixed: true }, initial: { q: { joint_2: 0.3, joint_4: 0.5 } } }
            rates: { control: 200, perception: 200, planning: 200 }
            controller: { type: \(type), gains: { \(gains) } }
            task: { type: hold, q: { joint_2: 0.6, joint_4: 0.9, joint_6: 0.3 } }
            """)
        }
        let plain = try run("pd", gainScale: 1)
        #expect((plain.metrics["final_joint_error_max"] ?? .nan) < 1e-4, "plain PD must settle at the base gains: \(plain.metrics)")
        let plainHigh = try run("pd", gainScale: 10)
        let grew = (plainHigh.metrics["tracking_error_max"] ?? .infinity) > step
        let unsettled = (plainHigh.metrics["final_joint_error_max"] ?? .infinity) > 0.1
        #expect(grew && unsettled, "plain PD at 10× the gains should diverge: \(plainHigh.metrics)")
        let stable = try run("stable_pd", gainScale: 10)
        let finalError = try #require(stable.metrics["final_joint_error_max"])
        let worst = try #require(stable.metrics["tracking_error_max"])
        #expect(finalError < 1e-4, "stable PD final error \(finalError) rad")
        #expect(worst <= step, "stable PD must stay bounded by the initial step (worst error \(worst) rad)")
        #expect((stable.metrics["settling_time"] ?? .infinity) < 2)
    }

    /// OSC reaches each of the three targets within 5 mm and 2° in under 2 s.
    @Test func operationalSpaceControlReachesTargets() throws {
        let (scenario, model) = try loadBundled("arm-reach-cartesian")
        let ee = try #require(scenario.task.kind.eeTargets)
        #expect(ee.targets.count == 3)
        #expect(ee.positionTolerance == 0.005)
        #expect(abs(ee.orientationTolerance - 2 * Double.pi / 180) < 1e-4)
        let summary = try Runner.run(try Simulation(scenario: scenario, model: model))
        #expect(summary.metrics["ee_targets_reached"] == 3)
        let slowest = try #require(summary.metrics["ee_reach_time_max"])
        #expect(slowest < 2, "slowest target reached after \(slowest) s")
        #expect(summary.success)
    }

    /// humanoid-stand and humanoid-push end with success and without a fall.
    @Test(arguments: ["humanoid-stand", "humanoid-push"])
    func humanoidScenariosSucceed(name: String) throws {
        let (scenario, model) = try loadBundled(name)
        #expect(scenario.controller.type == "pd_gravity")
        if name == "humanoid-push" {
            let push = try #require(scenario.disturbances.first)
            #expect(push.duration == 0.1 && push.force == [60, 0, 0] && push.link == "torso")
        }
        let summary = try Runner.run(try Simulation(scenario: scenario, model: model))
        #expect(summary.success && !summary.fell, "\(name): \(summary.text())")
    }
}

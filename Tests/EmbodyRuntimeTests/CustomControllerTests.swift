import CMallocCounter
import EmbodyControl
import EmbodyModel
import EmbodyRuntime
import EmbodyScenario
import Foundation
import Testing

// MARK: - Swift controllers registered by name (`controller: { type: custom, name: … }`)

/// The controller these tests register: joint PD with a stiffness scale s (dimensionless) and an optional
/// constant torque bias b (N·m), τᵢ = s kpᵢ (q*ᵢ − qᵢ) − kdᵢ q̇ᵢ + b. With s = 1 and b = 0 it is the built-in `pd`
/// law term for term, so a run with it must match a `type: pd` run bit for bit.
final class ScaledPD: Controller {
    let kp: [Double], kd: [Double], scale: Double, bias: Double

    init(kp: [Double], kd: [Double], scale: Double, bias: Double) {
        self.kp = kp; self.kd = kd; self.scale = scale; self.bias = bias
    }

    func computeTorques(state: RobotState, reference: Reference, dt: Double, tau: inout [Double]) {
        for i in 0..<kp.count {
            tau[i] = scale * kp[i] * (reference.q[i] - state.q[i]) - kd[i] * state.qd[i] + bias
        }
    }
}

/// Registers the test controllers once per process (every test target shares one process, so the names are
/// unique to this file).
enum TestControllers {
    static let registered: Bool = {
        do {
            try ControllerRegistry.register(
                name: "test_scaled_pd", law: "τ = s kp (q* − q) − kd q̇ + b",
                parameters: [
                    CustomParameter("stiffness_scale", range: 0...10, default: 1, "s: multiplies every kp."),
                    CustomParameter("bias", unit: "N·m", range: -5...5, default: 0, "b: a constant torque on every joint."),
                ]) { context in
                    ScaledPD(kp: context.gains.kp, kd: context.gains.kd, scale: try context.parameter("stiffness_scale"),
                             bias: try context.parameter("bias"))
                }
            try ControllerRegistry.register(
                name: "test_needs_gain", law: "τ = g (q* − q)",
                parameters: [CustomParameter("gain", unit: "N·m/rad", range: 0...1000, "g: required, no default.")]) { context in
                    let g = try context.parameter("gain")
                    return ScaledPD(kp: Array(repeating: g, count: context.dof), kd: Array(repeating: 0, count: context.dof),
                                    scale: 1, bias: 0)
                }
            try ControllerRegistry.register(name: "test_reads_undeclared", law: "τ = 0") { context in
                _ = try context.parameter("not_declared")
                return ScaledPD(kp: [], kd: [], scale: 0, bias: 0)
            }
            return true
        } catch {
            Issue.record("registration failed: \(error)")
            return false
        }
    }()
}

@Suite("Custom controllers")
struct CustomControllerTests {
    /// arm-hold with its `pd` controller replaced, through `--set`, by a registered one.
    static func customArmHold(_ extra: [String] = [], name: String = "test_scaled_pd") -> [String] {
        ["controller.type=custom", "controller.name=\(name)"] + extra
    }

    static func diagnostics(_ overrides: [String]) -> [ScenarioDiagnostic] {
        _ = TestControllers.registered
        do {
            _ = try loadBundled("arm-hold", overrides: overrides)
            return []
        } catch let errors as ScenarioErrors {
            return errors.diagnostics
        } catch {
            Issue.record("unexpected error \(error)")
            return []
        }
    }

    @Test("a registered controller runs in the same tick as the built-in one: s = 1, b = 0 gives pd's state hash bit for bit")
    func registeredControllerMatchesBuiltInPD() throws {
        #expect(TestControllers.registered)
        func summary(_ overrides: [String]) throws -> RunSummary {
            let (scenario, model) = try loadBundled("arm-hold", overrides: overrides + ["duration=1"])
            return try Runner.run(try Simulation(scenario: scenario, model: model))
        }
        let builtIn = try summary([])
        let custom = try summary(Self.customArmHold())
        #expect(custom.stateHash == builtIn.stateHash)
        #expect(custom.steps == builtIn.steps && custom.steps == 1000)
        #expect(custom.metrics == builtIn.metrics)
        // The parameters reach the law: a softer arm sags further and ends elsewhere.
        let soft = try summary(Self.customArmHold(["controller.parameters.stiffness_scale=0.5"]))
        #expect(soft.stateHash != builtIn.stateHash)
        #expect(soft.metrics["final_joint_error_max"]! > 1.5 * builtIn.metrics["final_joint_error_max"]!)
    }

    @Test("a recording of a custom-controller run verifies bit for bit with replay --verify's code path")
    func replayVerifiesACustomRun() throws {
        #expect(TestControllers.registered)
        let path = temporaryPath("emblog")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let (scenario, model) = try loadBundled("arm-hold", overrides: Self.customArmHold(["controller.parameters.bias=0.25", "duration=0.5"]))
        var options = RunOptions()
        options.recordPath = path
        let summary = try Runner.run(try Simulation(scenario: scenario, model: model, options: options))
        #expect(summary.steps == 500)
        let report = try Replay.verify(path: path)
        #expect(report.divergence == nil)
        #expect(report.recordsChecked == 501)  // tick 0 and every tick after
        let header = try Replay.read(path: path).header
        #expect(header.overrides.contains("controller.name=test_scaled_pd"))
    }

    @Test("an unknown name is an error at the name that lists the registered ones and suggests the nearest")
    func unknownName() throws {
        let found = Self.diagnostics(Self.customArmHold(name: "test_scaled_pdd"))
        let d = try #require(found.first)
        #expect(found.count == 1)
        #expect(d.message.hasPrefix("no Swift controller named 'test_scaled_pdd' is registered; did you mean 'test_scaled_pd'?"), "\(d.message)")
        #expect(d.message.contains("registered: ") && d.message.contains("test_needs_gain"))
        #expect(d.location.file == "<--set controller.name=test_scaled_pdd>")
    }

    @Test("a misspelled parameter is an error at its key with the declared key suggested")
    func misspelledParameter() throws {
        let found = Self.diagnostics(Self.customArmHold(["controller.parameters.stiffnes_scale=2"]))
        let d = try #require(found.first)
        #expect(found.count == 1)
        #expect(d.message == "unknown key 'stiffnes_scale' in controller.parameters for controller 'test_scaled_pd'; did you mean 'stiffness_scale'?")
        #expect(d.location == SourceLocation(file: "<--set controller.parameters.stiffnes_scale=2>", line: 1, column: 23))
    }

    @Test("a parameter outside its declared range, or not a number, is an error at its value")
    func parameterRange() throws {
        let high = Self.diagnostics(Self.customArmHold(["controller.parameters.stiffness_scale=10.5"]))
        #expect(high.map(\.message) == ["controller.parameters.stiffness_scale must be a number in [0, 10] (the range controller 'test_scaled_pd' declares), found 10.5"])
        let low = Self.diagnostics(Self.customArmHold(["controller.parameters.bias=-6"]))
        #expect(low.map(\.message) == ["controller.parameters.bias must be a number in [-5, 5], N·m (the range controller 'test_scaled_pd' declares), found -6"])
        let word = Self.diagnostics(Self.customArmHold(["controller.parameters.bias=high"]))
        #expect(word.count == 1 && word[0].message.hasPrefix("controller.parameters.bias must be a number"))
        // The bounds themselves are allowed.
        #expect(Self.diagnostics(Self.customArmHold(["controller.parameters.stiffness_scale=10", "controller.parameters.bias=-5"])).isEmpty)
    }

    @Test("a required parameter left out is reported, naming it and its meaning")
    func requiredParameter() throws {
        let found = Self.diagnostics(Self.customArmHold(name: "test_needs_gain"))
        #expect(found.map(\.message) == ["missing required key 'controller.parameters.gain' of controller 'test_needs_gain': g: required, no default. (number in [0, 1000], N·m/rad)"])
        #expect(Self.diagnostics(Self.customArmHold(["controller.parameters.gain=50"], name: "test_needs_gain")).isEmpty)
    }

    @Test("controller.name with a built-in type is an error")
    func nameWithBuiltInType() throws {
        _ = TestControllers.registered
        let found = Self.diagnostics(["controller.name=test_scaled_pd"])
        #expect(found.map(\.message) == ["controller.name is only used by controller type custom (a Swift controller registered by that name)"])
    }

    @Test("a name registered twice, or a malformed declaration, is refused; a refused name stays free")
    func registrationIsChecked() throws {
        #expect(TestControllers.registered)
        #expect(throws: RegistrationError("a controller named 'test_scaled_pd' is already registered; each name is registered once")) {
            try ControllerRegistry.register(name: "test_scaled_pd", law: "τ = 0") { _ in ScaledPD(kp: [], kd: [], scale: 0, bias: 0) }
        }
        #expect(throws: RegistrationError("controller 'test_bad_default': the default 20 of parameter 'k' is outside its range number in [0, 10]")) {
            try ControllerRegistry.register(name: "test_bad_default", law: "τ = 0",
                                            parameters: [CustomParameter("k", range: 0...10, default: 20, "k")]) { _ in ScaledPD(kp: [], kd: [], scale: 0, bias: 0) }
        }
        #expect(throws: RegistrationError("controller 'test_twice' declares the parameter 'k' twice")) {
            try ControllerRegistry.register(name: "test_twice", law: "τ = 0",
                                            parameters: [CustomParameter("k", "k"), CustomParameter("k", "k")]) { _ in ScaledPD(kp: [], kd: [], scale: 0, bias: 0) }
        }
        #expect(throws: RegistrationError.self) {
            try ControllerRegistry.register(name: "9 lives", law: "τ = 0") { _ in ScaledPD(kp: [], kd: [], scale: 0, bias: 0) }
        }
        #expect(!ControllerRegistry.registeredNames.contains("test_bad_default"))
        #expect(ControllerRegistry.declaration(named: "test_bad_default") == nil)
        #expect(ControllerRegistry.registeredNames.contains("test_scaled_pd"))
    }

    @Test("a controller that reads a parameter it did not declare is reported as the program's error (exit 3), not a trap")
    func undeclaredParameterRead() throws {
        #expect(TestControllers.registered)
        let (scenario, model) = try loadBundled("arm-hold", overrides: Self.customArmHold(name: "test_reads_undeclared"))
        #expect(throws: RuntimeError("controller 'test_reads_undeclared' reads the parameter 'not_declared', which its registration does not declare (declared: none)",
                                     invalidInput: false)) {
            _ = try Simulation(scenario: scenario, model: model)
        }
    }

    @Test("a custom controller's steady-state ticks allocate nothing, with recording on")
    func customTicksDoNotAllocate() throws {
        #expect(TestControllers.registered)
        let path = temporaryPath("emblog")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let (scenario, model) = try loadBundled("arm-hold", overrides: Self.customArmHold(["controller.parameters.bias=0.1"]))
        var options = RunOptions()
        options.recordPath = path
        let sim = try Simulation(scenario: scenario, model: model, options: options)
        for _ in 0..<10 { try sim.step() }
        let before = emb_test_thread_allocations()
        var ticks = 0
        while !sim.isFinished { try sim.step(); ticks += 1 }
        let allocations = emb_test_thread_allocations() - before
        #expect(ticks >= 3000)
        #expect(allocations == 0, "\(allocations) heap allocations in \(ticks) steady-state ticks")
    }

    @Test("the plain embody program has no controllers registered: it refuses type custom with how to register one (exit 1)")
    func plainEmbodyRefusesCustom() throws {
        let r = try embody(["validate", "arm-hold", "--set", "controller.type=custom", "--set", "controller.name=my_pd"])
        #expect(r.status == 1)
        #expect(r.stderr.contains("controller type custom runs a Swift controller registered by a program of your own, and this program has none registered, so 'my_pd' cannot run here"), "\(r.stderr)")
        #expect(r.stderr.contains("ControllerRegistry.register(name: \"my_pd\""))
        #expect(r.stderr.contains("docs/controllers-in-swift.md"))
        let run = try embody(["run", "arm-hold", "--set", "controller.type=custom", "--set", "controller.name=my_pd"])
        #expect(run.status == 1)
        #expect(run.stderr.contains("none registered, so 'my_pd' cannot run here"))
    }
}

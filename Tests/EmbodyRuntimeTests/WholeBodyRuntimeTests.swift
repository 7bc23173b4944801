import EmbodyControl
import EmbodyLocomotion
import EmbodyModel
@testable import EmbodyRuntime
import EmbodyScenario
import Foundation
import Testing

/// The `whole_body` controller kind in the loop: standing and pushed on true and estimated state, its metrics,
/// the measured foot forces it hands its reference source, and its input errors.
@Suite("whole_body in the runtime")
struct WholeBodyRuntimeTests {
    /// humanoid-stand-wbc (true state) and humanoid-imu-stand-wbc (IMU and encoders): the robot stands 5 s and
    /// takes humanoid-push's 60 N, 0.1 s push at 3 s without falling; every program is solved; the pelvis stays
    /// within 5 mm of its standing height; at the end the measured foot normal forces carry the robot's weight.
    @Test(arguments: ["humanoid-stand-wbc", "humanoid-imu-stand-wbc"])
    func standsAndSurvivesThePush(_ name: String) throws {
        let (scenario, model) = try loadBundled(name)
        #expect(scenario.disturbances.count == 1 && scenario.disturbances[0].force == [60, 0, 0])
        let sim = try Simulation(scenario: scenario, model: model)
        let controller = try #require(sim.controller as? WholeBodyController)
        #expect(controller.footForces != nil)        // connected to the world's contacts
        #expect(controller.source is StandingReferenceSource)   // hold provides no walking source
        let summary = try Runner.run(sim)
        #expect(summary.success, "\(name): \(summary.outcome)")
        #expect(!summary.fell)
        #expect(summary.metrics["wbc_qp_failures"] == 0)
        #expect((summary.metrics["wbc_qp_iterations_max"] ?? 0) > 0)
        #expect(controller.solveCount == 5000 && controller.failureCount == 0)
        let standing = 0.921 - 0.0025   // the start height less the settling of the feet
        #expect(abs((summary.metrics["base_height_min"] ?? 0) - standing) < 0.005)
        let weight = model.totalMass * 9.81
        let measured = controller.measurement.footNormalForce
        #expect(abs(measured[0] + measured[1] - weight) < 0.05 * weight, "\(measured) vs \(weight) N")
        #expect(measured[0] > 0.3 * weight && measured[1] > 0.3 * weight)
        if name.contains("imu") { #expect((summary.metrics["base_orientation_error"] ?? 99) < 1.0) }
    }

    /// Bad input is reported at load with the file's location, not trapped: joint gains (unused by whole_body),
    /// an unknown link, a foot link without a collision box, a fixed base, a zero friction coefficient.
    @Test func badInputIsLocated() throws {
        let path = bundledScenario("humanoid-stand-wbc")
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let withGains = text.replacingOccurrences(of: "  type: whole_body\n", with: "  type: whole_body\n  gains: { kp: 100, kd: 1 }\n")
        #expect(throws: ScenarioErrors.self) { try ScenarioLoader.parse(text: withGains, path: path) }
        do { _ = try ScenarioLoader.parse(text: withGains, path: path) } catch {
            #expect("\(error)".contains("humanoid-stand-wbc.yaml:20") && "\(error)".contains("controller.gains is not used by controller type whole_body"))
        }
        do {
            _ = try loadBundled("humanoid-stand-wbc", overrides: ["controller.parameters.left_foot=left_fot"])
            Issue.record("an unknown foot link loaded")
        } catch {
            #expect("\(error)".contains("left_foot") && "\(error)".contains("no link 'left_fot'"))
            #expect("\(error)".contains("did you mean"))
        }
        do {
            _ = try loadBundled("humanoid-stand-wbc", overrides: ["controller.parameters.friction=0"])
            Issue.record("friction 0 loaded")
        } catch {
            #expect("\(error)".contains("friction"))
        }
        // A shin has a cylinder, not a box: the sole cannot be derived (exit 1, naming the key and the link).
        let (shin, model) = try loadBundled("humanoid-stand-wbc", overrides: ["controller.parameters.left_foot=left_shin"])
        #expect(throws: RuntimeError.self) { try Simulation(scenario: shin, model: model) }
        do { _ = try Simulation(scenario: shin, model: model) } catch {
            #expect(error.isInvalidInput)
            #expect(error.message.contains("left_foot") && error.message.contains("left_shin") && error.message.contains("collision box"))
        }
        let (fixed, _) = try loadBundled("humanoid-stand-wbc", overrides: ["robot.base.fixed=true"])
        do { _ = try Simulation(scenario: fixed, model: model); Issue.record("a fixed base ran") } catch {
            #expect(error.isInvalidInput && error.message.contains("floating-base"))
        }
    }

    /// whole_body declares its metrics, so success criteria may use them; other controllers do not produce them.
    @Test func metricsAreDeclared() throws {
        let (scenario, _) = try loadBundled("humanoid-stand-wbc")
        #expect(scenario.producedMetrics.contains("wbc_qp_failures"))
        #expect(ScenarioSchema.metrics.contains("wbc_qp_iterations_max"))
        let (other, _) = try loadBundled("humanoid-push")
        #expect(!other.producedMetrics.contains("wbc_qp_failures"))
    }
}

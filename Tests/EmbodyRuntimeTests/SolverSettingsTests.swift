import EmbodyPhysics
import EmbodyRuntime
import EmbodyScenario
import Foundation
import Testing

// MARK: - Solver settings in scenarios: physics.solver_residual, physics.warm_start, physics.friction_model,
//   physics.solver

@Suite("Solver settings")
struct SolverSettingsTests {
    /// humanoid-stand for 0.5 s with `overrides`: the outcome, the solver's sweeps per step, the state hash and
    /// the steps the constraint-space solver took.
    static func stand(_ overrides: [String], scenario name: String = "humanoid-stand") throws
        -> (outcome: String, sweepsPerStep: Double, hash: String, constraintSpaceSteps: Int64) {
        let (scenario, model) = try loadBundled(name, overrides: ["duration=0.5"] + overrides)
        let sim = try Simulation(scenario: scenario, model: model)
        let summary = try Runner.run(sim)
        return (summary.outcome.rawValue, Double(sim.world.solverSweeps) / Double(summary.steps), summary.stateHash,
                sim.world.constraintSpaceSteps)
    }

    /// The settings reach Bullet's solver: by default (residual 1e-7, no warm start) a standing humanoid's solve
    /// almost never converges before its 50 sweeps (47 per step measured, docs/performance.md); with warm
    /// starting and a residual of 1e-6 it stops after about 20. The humanoid stands either way. A residual of 0
    /// never ends a solve early.
    @Test func residualAndWarmStartChangeTheSweeps() throws {
        let bullet = "physics.solver=bullet"  // humanoid-stand itself uses the constraint-space solver
        let standard = try Self.stand([bullet])
        let warm = try Self.stand([bullet, "physics.warm_start=0.85", "physics.solver_residual=1e-6"])
        let full = try Self.stand([bullet, "physics.solver_residual=0"])
        #expect(standard.outcome == "success" && warm.outcome == "success" && full.outcome == "success")
        #expect(standard.sweepsPerStep > 40 && standard.sweepsPerStep <= 50, "\(standard.sweepsPerStep)")
        #expect(warm.sweepsPerStep < 0.6 * standard.sweepsPerStep, "\(warm.sweepsPerStep) against \(standard.sweepsPerStep)")
        // Every solve runs all 50 (a little more than 50 per step: a few steps solve more than one island).
        #expect(full.sweepsPerStep >= 50 && full.sweepsPerStep < 51, "\(full.sweepsPerStep)")
        #expect(warm.hash != standard.hash)
        // The constraint-space solver the scenario names keeps the same stopping rule: about as many sweeps.
        let space = try Self.stand([])
        #expect(space.constraintSpaceSteps > 0)
        #expect(space.sweepsPerStep > 40 && space.sweepsPerStep <= 50, "\(space.sweepsPerStep)")
    }

    /// The defaults are PyBullet's settings: writing them out changes no bit.
    @Test func explicitDefaultsAreTheDefaults() throws {
        let implicit = try Self.stand([])
        let explicit = try Self.stand(["physics.solver_residual=1e-7", "physics.warm_start=0", "physics.friction_model=cone"])
        #expect(implicit.hash == explicit.hash)
        let box = try Self.stand(["physics.friction_model=box"])
        #expect(box.outcome == "success")
    }

    /// Bullet's solver is the default where a scenario names none (arm-hold does not): naming it changes no bit,
    /// and the constraint-space solver takes no step; naming the constraint-space solver makes it take every one
    /// (500 ticks of 1 ms). The bundled humanoid scenarios name it.
    @Test func explicitBulletSolverIsTheDefault() throws {
        let implicit = try Self.stand([], scenario: "arm-hold")
        let explicit = try Self.stand(["physics.solver=bullet"], scenario: "arm-hold")
        let constraintSpace = try Self.stand(["physics.solver=constraint_space"], scenario: "arm-hold")
        #expect(implicit.hash == explicit.hash)
        #expect(implicit.constraintSpaceSteps == 0 && explicit.constraintSpaceSteps == 0)
        #expect(constraintSpace.constraintSpaceSteps == 500)
        let (humanoid, _) = try loadBundled("humanoid-stand")
        #expect(humanoid.physics.solver == "constraint_space")
    }

    /// Out-of-range and unknown values are located errors.
    @Test func badValuesAreLocatedErrors() throws {
        for (override, message) in [
            ("physics.solver_residual=-1", "physics.solver_residual must be between 0 and 1, found -1"),
            ("physics.solver_residual=2", "physics.solver_residual must be between 0 and 1, found 2"),
            ("physics.warm_start=1.5", "physics.warm_start must be between 0 and 1, found 1.5"),
            ("physics.friction_model=pyramid", "unknown friction model 'pyramid'"),
            ("physics.friction_model=3", "physics.friction_model"),
            ("physics.solver=fast", "unknown solver 'fast'"),
            ("physics.solver=1", "physics.solver"),
        ] {
            do {
                _ = try loadBundled("humanoid-stand", overrides: [override])
                Issue.record("\(override) was accepted")
            } catch {
                #expect("\(error)".contains(message), "\(override): \(error)")
                #expect("\(error)".contains("--set \(override)"), "\(override): no location in \(error)")
            }
        }
    }

    /// The scenario's names are the physics module's: the runtime maps a validated name onto the enum with a
    /// fallback (`?? .cone`, `?? .semiImplicitEuler`, `?? .bullet`) that must never be taken.
    @Test func scenarioNamesAreThePhysicsEnums() {
        #expect(ScenarioSchema.frictionModels == FrictionModel.allCases.map(\.rawValue))
        #expect(ScenarioSchema.integrators == Integrator.allCases.map(\.rawValue))
        #expect(ScenarioSchema.solvers == ConstraintSolver.allCases.map(\.rawValue))
    }
}

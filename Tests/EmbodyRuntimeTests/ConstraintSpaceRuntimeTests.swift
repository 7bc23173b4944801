import CMallocCounter
import EmbodyModel
import EmbodyPhysics
import EmbodyRuntime
import EmbodyScenario
import Foundation
import Testing

// MARK: - The constraint-space solver on the bundled humanoid (physics.solver: constraint_space)

@Suite("Constraint-space solver on the humanoid")
struct ConstraintSpaceRuntimeTests {
    /// One run of a bundled scenario, stepped tick by tick: per tick the joint angles, the pelvis position and
    /// the sum of the contacts' normal forces (N).
    struct Trace {
        var q: [[Double]] = []
        var pelvis: [Vector3] = []
        var normalForce: [Double] = []
        var outcome = ""
        var constraintSpaceSteps: Int64 = 0
        var steps: Int64 = 0
    }

    static func trace(_ name: String, solver: String, seconds: Double, extra: [String] = []) throws -> Trace {
        let (scenario, model) = try loadBundled(name, overrides: ["duration=\(seconds)", "physics.solver=\(solver)"] + extra)
        let sim = try Simulation(scenario: scenario, model: model)
        var t = Trace()
        var q = [Double](repeating: 0, count: sim.robot.dof)
        var contacts = [Contact](repeating: Contact(), count: 64)
        while !sim.isFinished {
            try sim.step()
            sim.robot.getQ(&q)
            t.q.append(q)
            t.pelvis.append(sim.robot.basePose.position)
            let n = sim.world.contacts(into: &contacts)
            t.normalForce.append(contacts.prefix(n).reduce(0) { $0 + $1.normalForce })
        }
        t.outcome = try sim.finish(wallTime: 1).outcome.rawValue
        t.constraintSpaceSteps = sim.world.constraintSpaceSteps
        t.steps = sim.world.stepCount
        return t
    }

    /// How far apart two traces are: the largest joint-angle difference (rad), the largest pelvis distance (m),
    /// and the RMS difference of the total normal force, as a fraction of m·g.
    static func distance(_ a: Trace, _ b: Trace) -> (q: Double, pelvis: Double, force: Double) {
        let q = zip(a.q, b.q).map { zip($0, $1).map { abs($0 - $1) }.max() ?? 0 }.max() ?? .nan
        let pelvis = zip(a.pelvis, b.pelvis).map { length($0 - $1) }.max() ?? .nan
        let squares = zip(a.normalForce, b.normalForce).map { ($0 - $1) * ($0 - $1) }
        let force = sqrt(squares.reduce(0, +) / Double(max(squares.count, 1))) / (50.7 * 9.81)
        return (q, pelvis, force)
    }

    /// humanoid-stand (2 s) and humanoid-push (4 s: the 60 N push at 3 s and the recovery) with each solver, in
    /// lockstep. The constraint-space solver takes every step and solves the same rows with the same sweeps, so
    /// it differs from Bullet's solver only by rounding, and by what rounding does to a solve that stops at its
    /// tolerance. The yardstick is Bullet against itself with a tenfold tighter tolerance (solver_residual 1e-8
    /// instead of 1e-7): the constraint-space run must stay within 3 times that distance of Bullet's, in joint
    /// angles, pelvis position and total normal force (measured 2026-12-07: 1.05–1.24× on stand, 0.67–1.02× on push;
    /// stand 1.7e-5 rad, 9 µm, 0.04% m·g; push 2.4e-4 rad, 36 µm, 0.37% m·g). Both succeed.
    @Test(arguments: ["humanoid-stand", "humanoid-push"])
    func agreesWithBulletsSolver(scenario: String) throws {
        let seconds = scenario == "humanoid-push" ? 4.0 : 2.0
        let bullet = try Self.trace(scenario, solver: "bullet", seconds: seconds)
        let ours = try Self.trace(scenario, solver: "constraint_space", seconds: seconds)
        let tighter = try Self.trace(scenario, solver: "bullet", seconds: seconds, extra: ["physics.solver_residual=1e-8"])
        #expect(bullet.outcome == "success" && ours.outcome == "success", "\(bullet.outcome), \(ours.outcome)")
        #expect(ours.constraintSpaceSteps == ours.steps && ours.steps > 0)
        #expect(bullet.constraintSpaceSteps == 0)
        let apart = Self.distance(bullet, ours), yardstick = Self.distance(bullet, tighter)
        print("\(scenario): constraint space against Bullet's solver \(apart); Bullet at 1e-8 against 1e-7 \(yardstick)")
        #expect(yardstick.q > 0 && yardstick.q < 1e-3, "the yardstick itself: \(yardstick)")
        #expect(apart.q < 3 * yardstick.q, "joint angles \(apart.q) rad apart; tolerance change \(yardstick.q) rad")
        #expect(apart.pelvis < 3 * yardstick.pelvis, "pelvis \(apart.pelvis) m apart; tolerance change \(yardstick.pelvis) m")
        #expect(apart.force < 3 * yardstick.force, "ΣFn \(apart.force) m·g RMS apart; tolerance change \(yardstick.force) m·g")
    }

    /// The broadphase margin of a constraint-space world (5 mm) makes link–ground pairs form a margin earlier and
    /// go a margin later. Their manifolds hold no contact point and this solver skips empty manifolds, so no bit
    /// may move: the state hash after every tick is the same with margins 0 (Bullet's), 5 mm and 5 cm, standing,
    /// pushed (the push at 3 s) and walking (the first 5 s of humanoid-walk, about eight steps). And the margin does
    /// its work: with 5 mm at most a fifth of the box updates move a tree leaf (every one does with 0), fewer with 5 cm.
    @Test(arguments: [("humanoid-stand", 2000), ("humanoid-push", 3500), ("humanoid-walk", 5000)])
    func broadphaseMarginChangesNoBit(scenario: String, ticks: Int) throws {
        func hashes(margin: Double?) throws -> (hashes: [UInt64], moved: Double) {
            let (config, model) = try loadBundled(scenario)
            let sim = try Simulation(scenario: config, model: model)
            #expect(sim.world.broadphaseMargin == 0.005)
            if let margin { try sim.world.setBroadphaseMargin(margin) }
            var out: [UInt64] = []
            out.reserveCapacity(ticks)
            for _ in 0..<ticks {
                try sim.step()
                out.append(sim.world.stateHash())
            }
            #expect(sim.world.constraintSpaceSteps == Int64(ticks))
            let counts = sim.world.broadphaseCounts
            return (out, counts.boxUpdates > 0 ? Double(counts.leafMoves) / Double(counts.boxUpdates) : .nan)
        }
        let (grown, movedGrown) = try hashes(margin: nil)
        let (bare, _) = try hashes(margin: 0)
        let (wide, movedWide) = try hashes(margin: 0.05)
        print("\(scenario): leaves moved by 5 mm: \(movedGrown), by 5 cm: \(movedWide) of the box updates")
        #expect(movedGrown < 0.2, "with 5 mm, \(movedGrown) of the box updates moved a leaf")
        #expect(movedWide <= movedGrown, "with 5 cm, \(movedWide); with 5 mm, \(movedGrown)")
        #expect(Set(grown).count > ticks / 2, "the state must keep changing")
        let firstBare = zip(grown, bare).enumerated().first { $0.element.0 != $0.element.1 }?.offset
        let firstWide = zip(grown, wide).enumerated().first { $0.element.0 != $0.element.1 }?.offset
        #expect(firstBare == nil, "margin 0 diverged at tick \(firstBare ?? -1)")
        #expect(firstWide == nil, "margin 5 cm diverged at tick \(firstWide ?? -1)")
    }

    /// A margin outside 0…1 m, or not a number, is refused and leaves the margin as it was.
    @Test func broadphaseMarginIsRangeChecked() throws {
        let (config, model) = try loadBundled("humanoid-stand")
        let sim = try Simulation(scenario: config, model: model)
        for bad in [-0.001, 1.5, .nan, .infinity] {
            #expect(throws: PhysicsError.self) { try sim.world.setBroadphaseMargin(bad) }
        }
        #expect(sim.world.broadphaseMargin == 0.005)
    }

    /// The solver's buffers are sized when the robot is added: a standing humanoid's steady-state ticks, with
    /// contacts and limit rows every step, allocate nothing.
    @Test func steadyStateTicksDoNotAllocate() throws {
        let (scenario, model) = try loadBundled("humanoid-stand", overrides: ["duration=1.0", "physics.solver=constraint_space"])
        let sim = try Simulation(scenario: scenario, model: model)
        for _ in 0..<200 { try sim.step() }
        let before = emb_test_thread_allocations()
        for _ in 0..<500 { try sim.step() }
        let allocations = emb_test_thread_allocations() - before
        #expect(allocations == 0, "\(allocations) heap allocations in 500 steady-state ticks")
        #expect(sim.world.constraintSpaceSteps == sim.world.stepCount)
    }
}

@testable import EmbodyExercises
import EmbodyModel
import Foundation
import Testing

// MARK: - Exercise 8: the balance trial and the floating-base student API, in process

/// A controller that commands nothing: the humanoid folds up.
final class LimpController: StudentController {
    init(model: RobotModelView) {}
    func torques(_ state: JointState) -> [Double] { Array(repeating: 0, count: state.dof) }
}

/// Placeholders for the exercises these tests do not run.
enum NoTrajectory: StudentTrajectory {
    static func sample(start: [Double], goal: [Double], duration: Double, t: Double)
        -> (q: [Double], qd: [Double], qdd: [Double]) { (start, start, start) }
}
enum NoIK: StudentIKSolver {
    static func solve(target: [Double], initial: [Double], model: RobotModelView) -> [Double] { initial }
}
final class NoTilt: StudentTiltEstimator {
    init() {}
    func update(gyro: [Double], accel: [Double], dt: Double) -> (roll: Double, pitch: Double) { (0, 0) }
}

/// A solution set whose balance controller is `balance`.
func balanceSolutions(_ balance: any StudentController.Type) -> SolutionSet {
    SolutionSet(pdTuningGains: "01-pd-tuning/gains.yaml", jointPD: LimpController.self,
                gravityCompensation: LimpController.self, quintic: NoTrajectory.self, computedTorque: LimpController.self,
                inverseKinematics: NoIK.self, cartPole: LimpController.self, tiltEstimator: NoTilt.self,
                balance: balance, walking: NoPreview.self)
}

/// A placeholder for exercise 9.
enum NoPreview: StudentZMPPreview {
    static func gains(_ setup: PreviewSetup) -> PreviewGains { PreviewGains(integral: 0, state: [], preview: []) }
    static func comTrajectory(zmpReference: [[Double]], initialCoM: [Double], setup: PreviewSetup,
                              gains: PreviewGains) -> [[Double]] { [] }
}

let balanceScenario = "\(exercisesDirectory)/08-humanoid-balance/scenario.yaml"

@Suite("Exercise 8: balance trial and floating-base API")
struct BalanceTrialTests {
    @Test func aLimpRobotFallsBeforeTheFirstShove() throws {
        let outcome = try Trials.run(exercise: 8, seed: 101, exercisesDirectory: exercisesDirectory,
                                     solutions: balanceSolutions(LimpController.self))
        #expect(outcome.metrics["falls"] == 1)
        #expect(outcome.metrics["largest_push_survived"] == 0)
        #expect(outcome.metrics["final_tilt"] == 90)
        #expect(outcome.problem == nil)
    }

    /// The model view of the exercise's humanoid, standing as the scenario places it.
    func standingView() throws -> (RobotModelView, BaseState, [Double]) {
        var view: RobotModelView?
        let (sim, _) = try Trials.simulation(balanceScenario, []) { v in
            view = v
            return StudentControllerAdapter(LimpController(model: v), floatingBase: true)
        }
        let base = BaseState(pose: sim.robot.basePose, linearVelocity: .zero, angularVelocity: .zero)
        return (try #require(view), base, sim.robot.q)
    }

    @Test func centreOfMassAndFeetMatchTheRobotDescription() throws {
        let (view, base, q) = try standingView()
        #expect(view.floatingBase)
        #expect(abs(view.totalMass - 50.7) < 1e-9)
        // Scenarios/robots/README.md: the CoM is 0.841 m above the soles, about 2 mm ahead of the ankles; the
        // scenario puts the pelvis at 0.921 m, so the soles are at 1 mm.
        let c = view.centerOfMass(q, base: base)
        #expect(abs(c[0] - 0.002) < 1e-3 && abs(c[1]) < 1e-9 && abs(c[2] - 0.842) < 1e-3, "\(c)")
        let left = try #require(view.linkPosition("left_foot", q, base: base))
        #expect(abs(left[0]) < 1e-9 && abs(left[1] - 0.09) < 1e-9 && abs(left[2] - 0.071) < 1e-9, "\(left)")
        #expect(view.linkPosition("no_such_link", q, base: base) == nil)
        #expect(view.gravity(q, base: base).count == q.count)
    }

    @Test func centreOfMassVelocityIsTheDerivativeOfTheCentreOfMass() throws {
        let (view, base0, q0) = try standingView()
        var r = ExerciseRandom(seed: 8)
        var q = q0
        for i in 0..<q.count { q[i] = r.uniform(-0.3, 0.3) }
        let qd = q.map { _ in r.uniform(-1, 1) }
        let v = Vector3(r.uniform(-0.5, 0.5), r.uniform(-0.5, 0.5), r.uniform(-0.5, 0.5))
        let w = Vector3(r.uniform(-1, 1), r.uniform(-1, 1), r.uniform(-1, 1))
        let pose = Transform(position: Vector3(0.1, -0.2, 0.9), rotation: Quaternion(rpy: Vector3(0.1, -0.2, 0.3)))
        _ = base0
        // c along the motion: base position + v t, base rotation exp(ω t) R (ω in the world frame), joints q + q̇ t.
        func com(_ t: Double) -> [Double] {
            let p = Transform(position: pose.position + t * v,
                              rotation: Quaternion(rotationVector: t * w) * pose.rotation)
            return view.centerOfMass(zip(q, qd).map { $0 + t * $1 }, base: BaseState(pose: p, linearVelocity: v, angularVelocity: w))
        }
        let h = 1e-6
        let plus = com(h), minus = com(-h)
        let numeric = (0..<3).map { (plus[$0] - minus[$0]) / (2 * h) }
        let analytic = view.centerOfMassVelocity(q, qd, base: BaseState(pose: pose, linearVelocity: v, angularVelocity: w))
        for k in 0..<3 { #expect(abs(numeric[k] - analytic[k]) < 1e-6, "\(numeric) vs \(analytic)") }
        #expect(analytic.map(abs).max()! > 0.1, "the test motion moves the CoM")
    }

    @Test func aScenarioWithoutShovesIsRejected() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ex8-\(UUID().uuidString)")
        let folder = dir.appendingPathComponent("08-humanoid-balance")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let urdf = repoRoot.appendingPathComponent("Scenarios/robots/humanoid.urdf").path
        let text = try String(contentsOfFile: balanceScenario, encoding: .utf8)
            .replacingOccurrences(of: "../../Scenarios/robots/humanoid.urdf", with: urdf)
            .split(separator: "\n", omittingEmptySubsequences: false)
            .filter { !$0.hasPrefix("disturbances:") && !$0.hasPrefix("  - { at:") }
            .joined(separator: "\n")
        try text.write(to: folder.appendingPathComponent("scenario.yaml"), atomically: true, encoding: .utf8)
        #expect {
            _ = try Trials.run(exercise: 8, seed: 101, exercisesDirectory: dir.path,
                               solutions: balanceSolutions(LimpController.self))
        } throws: { error in
            "\(error)".contains("declares no shoves")
        }
    }
}

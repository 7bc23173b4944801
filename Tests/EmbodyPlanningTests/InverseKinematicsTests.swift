import EmbodyModel
import EmbodyPhysics
@testable import EmbodyPlanning
import Foundation
import Testing

// MARK: - IK against analytic arms and the Bullet-backed arm7

/// What 100 IK solves from random reachable targets measured.
struct IKBenchmark {
    var converged = 0
    var worstPosition = 0.0      // m
    var worstOrientation = 0.0   // rad
    var medianMicroseconds = 0.0
    var meanIterations = 0.0
    var limitViolations = 0
}

/// Samples `count` configurations within the limits, takes their FK poses as targets, and solves each from
/// another random configuration.
func runIK(_ solver: IKSolver, lower: [Double], upper: [Double], count: Int = 100, seed: UInt64,
           fixed: [Int: Double] = [:]) -> IKBenchmark {
    var random = PlannerRandom(seed: seed)
    let n = lower.count
    func draw() -> [Double] {
        (0..<n).map { i in fixed[i] ?? random.uniform(lower[i], upper[i]) }
    }
    var result = IKBenchmark()
    var times: [Double] = []
    var solution = [Double](repeating: 0, count: n)
    var iterations = 0
    let clock = ContinuousClock()
    for _ in 0..<count {
        let truth = draw()
        let seedQ = draw()
        let target = solver.pose(q: truth)
        var r: IKResult! = nil
        let elapsed = clock.measure { r = solver.solve(target: target, seed: seedQ, into: &solution) }
        times.append(Double(elapsed.components.attoseconds) / 1e12 + Double(elapsed.components.seconds) * 1e6)
        let reached = solver.pose(q: solution)
        let pe = length(reached.position - target.position)
        let oe = reached.rotation.angle(to: target.rotation)
        result.worstPosition = max(result.worstPosition, pe)
        result.worstOrientation = max(result.worstOrientation, oe)
        if r.converged { result.converged += 1 }
        iterations += r.iterations
        for i in 0..<n where solution[i] < lower[i] || solution[i] > upper[i] { result.limitViolations += 1 }
    }
    times.sort()
    result.medianMicroseconds = times[times.count / 2]
    result.meanIterations = Double(iterations) / Double(count)
    return result
}

@Suite("Inverse kinematics")
struct InverseKinematicsTests {
    @Test func analyticChainJacobianMatchesFiniteDifferences() {
        let arm = spatialSixDoF()
        let q = [0.3, -0.4, 0.9, 0.2, -0.7, 1.1]
        var j = [Double](repeating: 0, count: 6 * arm.dof)
        arm.jacobian(link: arm.endLink, point: .zero, q: q, basePose: .identity, into: &j)
        let h = 1e-6
        let p0 = arm.linkPose(link: arm.endLink, q: q, basePose: .identity)
        for c in 0..<arm.dof {
            var qh = q
            qh[c] += h
            let p1 = arm.linkPose(link: arm.endLink, q: qh, basePose: .identity)
            let v = (p1.position - p0.position) / h
            let w = (p1.rotation * p0.rotation.conjugate).rotationVector / h
            for (r, value) in [v.x, v.y, v.z, w.x, w.y, w.z].enumerated() {
                #expect(abs(j[r * arm.dof + c] - value) < 1e-5)
            }
        }
    }

    @Test(arguments: ["planar3", "spatial3", "spatial6"])
    func analyticArmReachesRandomPoses(_ name: String) throws {
        let arm = name == "planar3" ? planarThreeLink() : name == "spatial3" ? spatialThreeDoF() : spatialSixDoF()
        let solver = try IKSolver(dynamics: arm, link: arm.endLink, lower: arm.lower, upper: arm.upper)
        let b = runIK(solver, lower: arm.lower, upper: arm.upper, seed: 42)
        print("IK \(name): \(b.converged)/100 converged, worst position \(b.worstPosition * 1e3) mm, worst orientation "
              + "\(b.worstOrientation * 180 / .pi)°, median \(b.medianMicroseconds) µs, mean iterations \(b.meanIterations)")
        #expect(b.converged == 100)
        #expect(b.worstPosition < 1e-3)
        #expect(b.worstOrientation < 0.5 * .pi / 180)
        #expect(b.limitViolations == 0)
    }

    @Test func arm7ReachesRandomPoses() throws {
        let world = try World()
        var options = RobotOptions()
        options.fixedBase = true
        let robot = try world.addRobot(try URDFLoader.load(path: robotPath("arm7.urdf")), options: options)
        let dynamics = try RigidBodyDynamics(robot: robot)
        let ee = try #require(robot.linkNames.firstIndex(of: "ee_link"))
        let lower = robot.positionLimits.map(\.lowerBound), upper = robot.positionLimits.map(\.upperBound)
        var ikOptions = IKOptions()
        ikOptions.activeJoints = (0..<robot.dof).map { $0 < 7 }  // the fingers do not move ee_link
        let solver = try IKSolver(dynamics: dynamics, link: ee, lower: lower, upper: upper,
                                  basePose: robot.basePose, options: ikOptions)
        // FK through the dynamics copy agrees with the simulator's link poses.
        let q = [0.3, -0.5, 0.2, 1.1, -0.4, 0.7, 0.1, 0, 0]
        robot.setQ(q)
        let simulated = try #require(robot.linkPose("ee_link"))
        #expect(length(solver.pose(q: q).position - simulated.position) < 1e-12)
        let b = runIK(solver, lower: lower, upper: upper, seed: 7, fixed: [7: 0, 8: 0])
        print("IK arm7 (RigidBodyDynamics): \(b.converged)/100 converged, worst position \(b.worstPosition * 1e3) mm, "
              + "worst orientation \(b.worstOrientation * 180 / .pi)°, median \(b.medianMicroseconds) µs, "
              + "mean iterations \(b.meanIterations)")
        #expect(b.converged == 100)
        #expect(b.worstPosition < 1e-3)
        #expect(b.worstOrientation < 0.5 * .pi / 180)
        #expect(b.limitViolations == 0)
    }

    @Test func positionOnlyIgnoresOrientation() throws {
        let arm = spatialThreeDoF()
        var options = IKOptions()
        options.orientationWeight = 0
        let solver = try IKSolver(dynamics: arm, link: arm.endLink, lower: arm.lower, upper: arm.upper, options: options)
        let target = Transform(position: Vector3(0.3, 0.2, 0.6), rotation: Quaternion(axis: Vector3(1, 0, 0), angle: 1))
        var q = [0.0, 0, 0]
        let r = solver.solve(target: target, seed: [0, 0.1, 0.1], into: &q)
        #expect(r.converged)
        #expect(length(solver.pose(q: q).position - target.position) < 1e-4)
    }

    @Test func unreachableTargetReportsFailureAndBestEffort() throws {
        let arm = planarThreeLink()
        var options = IKOptions()
        options.restarts = 2
        let solver = try IKSolver(dynamics: arm, link: arm.endLink, lower: arm.lower, upper: arm.upper, options: options)
        var q = [0.0, 0, 0]
        let r = solver.solve(target: Transform(position: Vector3(2, 0, 0)), seed: [0.2, 0.2, 0.2], into: &q)
        #expect(!r.converged)
        #expect(abs(r.positionError - 0.8) < 1e-3)  // the arm stretches out to 1.2 m
        #expect(r.restarts == 2)
    }

    @Test func solvesAreDeterministic() throws {
        let arm = spatialSixDoF()
        let solver = try IKSolver(dynamics: arm, link: arm.endLink, lower: arm.lower, upper: arm.upper)
        let target = solver.pose(q: [1, 0.5, -1, 0.3, 0.8, -0.2])
        var a = [Double](repeating: 0, count: 6), b = a
        let ra = solver.solve(target: target, seed: [-2, -1, 2, -2, -1, 2], into: &a)
        let rb = solver.solve(target: target, seed: [-2, -1, 2, -2, -1, 2], into: &b)
        #expect(ra == rb)
        #expect(a.map(\.bitPattern) == b.map(\.bitPattern))
    }

    @Test func nullSpaceTermPullsRedundantJointsTowardThePosture() throws {
        // Position-only IK on the 6-DoF arm leaves 3 redundant directions; with a posture, the wrist stays near it.
        let arm = spatialSixDoF()
        var options = IKOptions()
        options.orientationWeight = 0
        options.nullSpaceGain = 0.2
        options.posture = [0, 0.3, 0.6, 0, 0.4, 0]
        options.positionTolerance = 1e-6
        options.maxIterations = 400
        let solver = try IKSolver(dynamics: arm, link: arm.endLink, lower: arm.lower, upper: arm.upper, options: options)
        let target = solver.pose(q: [0.1, 0.35, 0.7, 0.5, 0.3, 0.4])
        var q = [Double](repeating: 0, count: 6)
        let r = solver.solve(target: target, seed: [0, 0.3, 0.6, 0, 0.4, 0], into: &q)
        #expect(r.converged)
        #expect(abs(q[3]) < 0.2 && abs(q[5]) < 0.2)
    }
}

/// The path of a bundled robot URDF, from this file's location.
func robotPath(_ file: String) -> String {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Scenarios/robots/\(file)").path
}

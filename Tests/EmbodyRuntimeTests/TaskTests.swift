@testable import EmbodyRuntime
import EmbodyControl
import EmbodyScenario
import Foundation
import Testing

// MARK: - Task references

@Suite("Tasks")
struct TaskTests {
    /// The joint_trajectory spline passes through every waypoint, starts and ends at rest, and its q̇ and q̈
    /// are the derivatives of q (checked by central differences).
    @Test func jointTrajectorySplineInterpolatesWaypoints() throws {
        let times = [0.0, 1.0, 2.5, 4.0]
        let points: [[Double]] = [[0, 0], [0.5, -0.2], [0.1, 0.4], [0.3, 0.3]]
        let spline = CubicSplines(times: times, points: points)
        var q = [0.0, 0.0], qd = q, qdd = q
        for (t, p) in zip(times, points) {
            spline.sample(at: t, q: &q, qd: &qd, qdd: &qdd)
            #expect(abs(q[0] - p[0]) < 1e-12 && abs(q[1] - p[1]) < 1e-12, "at \(t) s: \(q) against \(p)")
        }
        spline.sample(at: 0, q: &q, qd: &qd, qdd: &qdd)
        #expect(qd.allSatisfy { abs($0) < 1e-12 })
        spline.sample(at: 5, q: &q, qd: &qd, qdd: &qdd)
        #expect(abs(q[0] - 0.3) < 1e-12 && abs(q[1] - 0.3) < 1e-12 && qd == [0, 0] && qdd == [0, 0])
        let h = 1e-6
        var qa = q, qb = q, qda = q, qdb = q, scratch = q
        for t in stride(from: 0.05, to: 3.95, by: 0.173) {
            spline.sample(at: t, q: &q, qd: &qd, qdd: &qdd)
            spline.sample(at: t + h, q: &qa, qd: &qda, qdd: &scratch)
            spline.sample(at: t - h, q: &qb, qd: &qdb, qdd: &scratch)
            for j in 0..<2 {
                #expect(abs((qa[j] - qb[j]) / (2 * h) - qd[j]) < 1e-6)
                #expect(abs((qda[j] - qdb[j]) / (2 * h) - qdd[j]) < 1e-5)
            }
        }
    }

    /// A computed-torque run along a joint_trajectory follows it closely.
    @Test func computedTorqueFollowsJointTrajectory() throws {
        let summary = try runScenario("""
        name: trajectory
        duration: 4.0
        physics: { dt: 0.001 }
        robot: { urdf: robots/arm7.urdf, base: { fixed: true } }
        controller: { type: computed_torque, gains: { kp: 400, kd: 40 } }
        task:
          type: joint_trajectory
          waypoints:
            - { at: 1.0, q: { joint_1: 0.5, joint_2: 0.6, joint_4: 0.8 } }
            - { at: 2.5, q: { joint_1: -0.3, joint_2: 0.9, joint_4: 1.2, joint_6: 0.4 } }
            - { at: 3.5, q: { joint_1: 0.0, joint_2: 0.4, joint_4: 0.5, joint_6: 0.0 } }
        """)
        #expect((summary.metrics["tracking_error_max"] ?? 1) < 1e-3, "\(summary.metrics)")
        #expect((summary.metrics["final_joint_error_max"] ?? 1) < 1e-3)
    }

    /// A joint_sine reference starts at rest at the initial posture and has the analytic derivatives.
    @Test func jointSineStartsAtRest() throws {
        let (scenario, model) = try loadBundled("arm-track-sine")
        let sim = try Simulation(scenario: scenario, model: model)
        var r = Reference(dof: model.dof)
        sim.task.reference(atTick: 0, into: &r)
        let initial = scenario.robot.initialPositions(jointNames: model.jointNames)
        #expect(r.q == initial && r.qd.allSatisfy { $0 == 0 })
        sim.task.reference(atTick: 250, into: &r)   // a quarter period at 1 Hz
        #expect(abs(r.q[0] - (initial[0] + 0.5)) < 1e-12 && abs(r.qd[0] - 0.5 * 2 * Double.pi) < 1e-9)
    }
}

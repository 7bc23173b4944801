import EmbodyModel
@testable import EmbodyPlanning
import Testing

// MARK: - Retargeting a joint motion mid-way (replanning)

@Suite("Retargetable trajectory")
struct RetargetableTrajectoryTests {
    let limits = JointLimits(velocity: [1.5, 2.0, 0.5], acceleration: [3.0, 4.0, 1.0])

    /// From rest the first motion is the fastest synchronized quintic, the same as PointToPointTrajectory's.
    @Test func firstMotionMatchesPointToPoint() throws {
        let start = [0.1, -0.2, 0.3], goal = [1.0, 0.4, 0.2]
        let trajectory = try RetargetableTrajectory(initial: start, limits: limits)
        #expect(trajectory.retarget(to: goal, at: 0))
        let reference = try PointToPointTrajectory(start: start, goal: goal, limits: limits, law: .quintic)
        #expect(abs(trajectory.endTime - reference.duration) < 1e-12)
        var q = [0.0, 0, 0], qd = q, qdd = q, rq = q, rqd = q, rqdd = q
        for t in stride(from: 0.0, through: reference.duration + 0.1, by: 0.01) {
            trajectory.sample(at: t, q: &q, qd: &qd, qdd: &qdd)
            reference.sample(at: t, q: &rq, qd: &rqd, qdd: &rqdd)
            for j in 0..<3 {
                #expect(abs(q[j] - rq[j]) < 1e-12 && abs(qd[j] - rqd[j]) < 1e-12 && abs(qdd[j] - rqdd[j]) < 1e-9)
            }
        }
        trajectory.sample(at: trajectory.endTime, q: &q, qd: &qd, qdd: &qdd)
        #expect(q == goal && qd == [0, 0, 0] && qdd == [0, 0, 0])
    }

    /// A new goal mid-motion continues from the current position, velocity and acceleration, and ends at rest
    /// at the new goal; before the retarget the samples are those of the old motion.
    @Test func retargetingIsContinuous() throws {
        let trajectory = try RetargetableTrajectory(initial: [0, 0, 0], limits: limits)
        trajectory.retarget(to: [1, -1, 0.3], at: 0)
        let t = 0.4 * trajectory.endTime
        var before = ([0.0, 0, 0], [0.0, 0, 0], [0.0, 0, 0])
        trajectory.sample(at: t, q: &before.0, qd: &before.1, qdd: &before.2)
        #expect(before.1.contains { abs($0) > 0.1 }, "the motion should be under way")
        let oldEnd = trajectory.endTime
        #expect(trajectory.retarget(to: [1.2, -0.7, 0.1], at: t))
        #expect(trajectory.startTime == t && trajectory.endTime >= oldEnd)
        var after = ([0.0, 0, 0], [0.0, 0, 0], [0.0, 0, 0])
        trajectory.sample(at: t, q: &after.0, qd: &after.1, qdd: &after.2)
        for j in 0..<3 {
            #expect(abs(after.0[j] - before.0[j]) < 1e-12)
            #expect(abs(after.1[j] - before.1[j]) < 1e-12)
            #expect(abs(after.2[j] - before.2[j]) < 1e-9)
        }
        // Derivatives agree with central differences across the new motion.
        var q = [0.0, 0, 0], qd = q, qdd = q, qm = q, qp = q, scratch = q, scratch2 = q
        let h = 1e-6
        for s in stride(from: t + 0.01, to: trajectory.endTime, by: 0.05) {
            trajectory.sample(at: s, q: &q, qd: &qd, qdd: &qdd)
            trajectory.sample(at: s - h, q: &qm, qd: &scratch, qdd: &scratch2)
            trajectory.sample(at: s + h, q: &qp, qd: &scratch, qdd: &scratch2)
            for j in 0..<3 { #expect(abs((qp[j] - qm[j]) / (2 * h) - qd[j]) < 1e-6) }
        }
        trajectory.sample(at: trajectory.endTime + 1, q: &q, qd: &qd, qdd: &qdd)
        #expect(q == [1.2, -0.7, 0.1] && qd == [0, 0, 0])
        #expect(trajectory.retargetCount == 2)
    }

    /// The same goal again changes nothing, bit for bit; a non-finite goal is refused.
    @Test func unchangedGoalIsIgnored() throws {
        let trajectory = try RetargetableTrajectory(initial: [0, 0, 0], limits: limits)
        trajectory.retarget(to: [0.5, 0.5, 0.5], at: 0)
        let end = trajectory.endTime
        #expect(!trajectory.retarget(to: [0.5, 0.5, 0.5], at: 0.3))
        #expect(!trajectory.retarget(to: [0.5, .nan, 0.5], at: 0.3))
        #expect(trajectory.endTime == end && trajectory.startTime == 0 && trajectory.retargetCount == 1)
    }

    /// A goal change after the motion ended is the fastest rest-to-rest quintic from the old goal.
    @Test func retargetAfterTheEndStartsAtRest() throws {
        let trajectory = try RetargetableTrajectory(initial: [0, 0, 0], limits: limits)
        trajectory.retarget(to: [0.2, 0, 0], at: 0)
        trajectory.retarget(to: [0.2, 0, 0.4], at: 5)
        #expect(abs(trajectory.endTime - 5 - QuinticProfile.minimumDuration(distance: 0.4, maxVelocity: 0.5,
                                                                           maxAcceleration: 1)) < 1e-12)
        var q = [0.0, 0, 0], qd = q, qdd = q
        var peak = 0.0
        for s in stride(from: 5.0, through: trajectory.endTime, by: 0.001) {
            trajectory.sample(at: s, q: &q, qd: &qd, qdd: &qdd)
            #expect(q[0] == 0.2 && qd[0] == 0)
            peak = max(peak, abs(qd[2]))
        }
        #expect(peak <= 0.5 + 1e-9 && peak > 0.45, "peak speed \(peak) rad/s under the 0.5 limit")
    }

    /// Retargeting and sampling allocate nothing.
    @Test func retargetingDoesNotAllocate() throws {
        let trajectory = try RetargetableTrajectory(initial: [0, 0, 0], limits: limits)
        var q = [0.0, 0, 0], qd = q, qdd = q
        let goals = [[0.3, 0.2, 0.1], [0.4, 0.1, 0.0], [-0.2, 0.5, 0.3]]
        trajectory.retarget(to: goals[0], at: 0)
        trajectory.sample(at: 0.1, q: &q, qd: &qd, qdd: &qdd)
        let n = allocations {
            for k in 0..<300 {
                trajectory.retarget(to: goals[k % 3], at: 0.05 * Double(k))
                trajectory.sample(at: 0.05 * Double(k) + 0.02, q: &q, qd: &qd, qdd: &qdd)
            }
        }
        #expect(n == 0)
    }
}

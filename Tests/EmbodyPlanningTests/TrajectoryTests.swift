import EmbodyModel
@testable import EmbodyPlanning
import Testing

// MARK: - Time laws and trajectories against their boundary conditions and limits

/// The largest |q̇ᵢ|/vᵢ and |q̈ᵢ|/aᵢ over `steps` samples, and the largest gap between q̇ and a central
/// difference of q (a consistency check of the sampled derivatives).
func limitRatios(_ t: some JointTrajectory, limits: JointLimits, steps: Int = 4000) -> (Double, Double, Double) {
    var q = [Double](repeating: 0, count: t.dof), qd = q, qdd = q
    var qa = q, qb = q, scratch1 = q, scratch2 = q
    var v = 0.0, a = 0.0, derivative = 0.0
    let h = 1e-6
    for k in 0...steps {
        let time = t.duration * Double(k) / Double(steps)
        t.sample(at: time, q: &q, qd: &qd, qdd: &qdd)
        for i in 0..<t.dof {
            v = max(v, abs(qd[i]) / limits.velocity[i])
            a = max(a, abs(qdd[i]) / limits.acceleration[i])
        }
        if time > h && time < t.duration - h {
            t.sample(at: time + h, q: &qa, qd: &scratch1, qdd: &scratch2)
            t.sample(at: time - h, q: &qb, qd: &scratch1, qdd: &scratch2)
            for i in 0..<t.dof { derivative = max(derivative, abs((qa[i] - qb[i]) / (2 * h) - qd[i])) }
        }
    }
    return (v, a, derivative)
}

@Suite("Trajectories")
struct TrajectoryTests {
    @Test func quinticMatchesBoundaryConditions() {
        let p = QuinticProfile(p0: 0.2, v0: 0.5, a0: -1, p1: 1.4, v1: -0.3, a1: 2, duration: 1.7)
        let s0 = p.sample(0), s1 = p.sample(1.7)
        #expect(abs(s0.position - 0.2) < 1e-12 && abs(s0.velocity - 0.5) < 1e-12 && abs(s0.acceleration + 1) < 1e-12)
        #expect(abs(s1.position - 1.4) < 1e-12 && abs(s1.velocity + 0.3) < 1e-12 && abs(s1.acceleration - 2) < 1e-12)
        let rest = QuinticProfile(p0: -1, p1: 2, duration: 2)
        #expect(rest.sample(0).velocity == 0 && rest.sample(0).acceleration == 0)
        #expect(abs(rest.sample(2).velocity) < 1e-12 && abs(rest.sample(2).acceleration) < 1e-12)
        #expect(abs(rest.sample(1).position - 0.5) < 1e-12)  // symmetric about the midpoint
        #expect(abs(rest.sample(1).velocity - 15.0 / 8 * 3 / 2) < 1e-12)  // peak speed 15d/(8T)
    }

    @Test func trapezoidReachesCruiseOrMakesATriangle() {
        let long = TrapezoidalProfile(start: 0, end: 2, maxVelocity: 1, maxAcceleration: 2)
        #expect(abs(long.duration - (2.0 / 1 + 1.0 / 2)) < 1e-12)
        #expect(long.cruiseVelocity == 1)
        #expect(abs(long.sample(long.duration / 2).velocity - 1) < 1e-12)
        let short = TrapezoidalProfile(start: 1, end: 0.9, maxVelocity: 1, maxAcceleration: 2)
        #expect(abs(short.duration - 2 * (0.1 / 2).squareRoot()) < 1e-12)
        #expect(short.cruiseVelocity < 1)
        #expect(abs(short.sample(short.duration).position - 0.9) < 1e-15)
        let stretched = TrapezoidalProfile(start: 0, end: 2, maxVelocity: 1, maxAcceleration: 2, duration: 4)
        #expect(abs(stretched.duration - 4) < 1e-12)
        #expect(abs(stretched.sample(4).position - 2) < 1e-12)
        #expect(abs(stretched.sample(2).position - 1) < 1e-12)
    }

    @Test(arguments: TimeLaw.allCases)
    func pointToPointRespectsLimitsAndSynchronizes(_ law: TimeLaw) throws {
        let start = [0.0, 1.0, -0.5, 0.2], goal = [1.5, -1.0, -0.5, 0.25]
        let limits = JointLimits(velocity: [1.0, 2.0, 1.0, 0.1], acceleration: [3.0, 2.0, 1.0, 0.5])
        let t = try PointToPointTrajectory(start: start, goal: goal, limits: limits, law: law)
        var q = [Double](repeating: 0, count: 4), qd = q, qdd = q
        t.sample(at: 0, q: &q, qd: &qd, qdd: &qdd)
        #expect(q == start && qd.allSatisfy { $0 == 0 })
        t.sample(at: t.duration, q: &q, qd: &qd, qdd: &qdd)
        for i in 0..<4 { #expect(abs(q[i] - goal[i]) < 1e-12 && abs(qd[i]) < 1e-12) }
        if law == .quintic { for i in 0..<4 { #expect(abs(qdd[i]) < 1e-9) } }
        let (v, a, d) = limitRatios(t, limits: limits)
        print("\(law): duration \(t.duration) s, peak velocity/limit \(v), peak acceleration/limit \(a)")
        #expect(v <= 1 + 1e-9 && a <= 1 + 1e-9)
        #expect(v > 0.999 || a > 0.999)  // time-optimal for its law: some limit is reached
        #expect(d < 1e-5)
    }

    @Test(arguments: TimeLaw.allCases)
    func piecewiseLinearPathStopsAtWaypointsAndStaysOnSegments(_ law: TimeLaw) throws {
        let path = [[0.0, 0.0], [1.0, 0.5], [1.0, 0.5], [0.2, 1.5]]
        let limits = JointLimits(velocity: [1, 0.5], acceleration: [2, 1])
        let t = try PiecewiseLinearTrajectory(waypoints: path, limits: limits, law: law)
        var q = [0.0, 0.0], qd = q, qdd = q
        for k in 0..<path.count {
            t.sample(at: t.times[k], q: &q, qd: &qd, qdd: &qdd)
            #expect(abs(q[0] - path[k][0]) < 1e-12 && abs(q[1] - path[k][1]) < 1e-12)
            #expect(abs(qd[0]) < 1e-9 && abs(qd[1]) < 1e-9)
        }
        // Every sample lies on its segment: (q − a) × (b − a) = 0 in 2-D.
        for k in 0...1000 {
            let time = t.duration * Double(k) / 1000
            t.sample(at: time, q: &q, qd: &qd, qdd: &qdd)
            let onSome = (0..<(path.count - 1)).contains { s in
                let a = path[s], b = path[s + 1]
                let c = (q[0] - a[0]) * (b[1] - a[1]) - (q[1] - a[1]) * (b[0] - a[0])
                return abs(c) < 1e-12
            }
            #expect(onSome)
        }
        let (v, a, d) = limitRatios(t, limits: limits)
        #expect(v <= 1 + 1e-9 && a <= 1 + 1e-9 && d < 1e-5)
    }

    @Test(arguments: TimeLaw.allCases)
    func cartesianMotionInterpolatesPoseWithinLimits(_ law: TimeLaw) throws {
        let start = Transform(position: Vector3(0.4, -0.2, 0.5), rotation: Quaternion(axis: Vector3(0, 1, 0), angle: 0.3))
        let goal = Transform(position: Vector3(0.6, 0.3, 0.3), rotation: Quaternion(axis: Vector3(1, 0, 0), angle: -0.9))
        let limits = CartesianLimits(linearVelocity: 0.25, linearAcceleration: 0.5, angularVelocity: 0.5,
                                     angularAcceleration: 1)
        let t = try CartesianTrajectory(start: start, goal: goal, limits: limits, law: law)
        let s0 = t.sample(at: 0), s1 = t.sample(at: t.duration)
        #expect(length(s0.pose.position - start.position) < 1e-12 && s0.pose.rotation.angle(to: start.rotation) < 1e-9)
        #expect(length(s1.pose.position - goal.position) < 1e-12 && s1.pose.rotation.angle(to: goal.rotation) < 1e-7)
        #expect(length(s1.linearVelocity) < 1e-9 && length(s1.angularVelocity) < 1e-9)
        var peakV = 0.0, peakW = 0.0, peakA = 0.0, peakAlpha = 0.0, worstOffLine = 0.0, worstOmega = 0.0
        let direction = (goal.position - start.position) / length(goal.position - start.position)
        let h = 1e-6
        for k in 1..<1000 {
            let time = t.duration * Double(k) / 1000
            let s = t.sample(at: time)
            peakV = max(peakV, length(s.linearVelocity)); peakW = max(peakW, length(s.angularVelocity))
            peakA = max(peakA, length(s.linearAcceleration)); peakAlpha = max(peakAlpha, length(s.angularAcceleration))
            let offset = s.pose.position - start.position
            worstOffLine = max(worstOffLine, length(offset - dot(offset, direction) * direction))
            // The reported angular velocity matches the rotation's time derivative (world frame).
            let ahead = t.sample(at: time + h).pose.rotation, behind = t.sample(at: time - h).pose.rotation
            let omega = (ahead * behind.conjugate).rotationVector / (2 * h)
            worstOmega = max(worstOmega, length(omega - s.angularVelocity))
        }
        #expect(peakV <= 0.25 * (1 + 1e-9) && peakW <= 0.5 * (1 + 1e-9))
        #expect(peakA <= 0.5 * (1 + 1e-6) && peakAlpha <= 1 * (1 + 1e-6))
        #expect(worstOffLine < 1e-12)
        #expect(worstOmega < 1e-5)
    }
}

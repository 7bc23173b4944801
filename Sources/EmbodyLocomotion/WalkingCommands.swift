// MARK: - From timed velocity commands to a timeline of footsteps
//
// The body frame B = (x, y, ψ) starts between the feet. At each step boundary t the command in force
// (vx, vy, ψ̇) moves it by one step, B ← B ⊕ (vx T, vy T, ψ̇ T) in B's own frame (T = step duration), and the
// swing foot lands at B ⊕ (0, ±w/2) (w = step width, + for the left foot). Feet alternate; the first swing
// foot is the one on the side of the motion (left for vy > 0 or a left turn, else right). When the command
// becomes zero, one more step brings the swing foot beside the stance foot and the robot stands (a double
// support moves the ZMP to the feet's midpoint). Each step is a double-support phase (ratio ρ of T; the ZMP
// moves to the new stance foot) followed by single support ((1 − ρ) T). Footstep heights come from the
// terrain; a seeded Gaussian offset (σ = `footPlacementNoise`) perturbs each foothold in x and y.

import EmbodyModel

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A velocity command from time `at` on, in the robot's heading frame.
public struct WalkingVelocityCommand: Equatable, Sendable {
    /// Start time, s.
    public var at: Double
    /// Forward and leftward speed, m/s; turning rate, rad/s.
    public var vx: Double, vy: Double, yawRate: Double

    public init(at: Double, vx: Double = 0, vy: Double = 0, yawRate: Double = 0) {
        self.at = at; self.vx = vx; self.vy = vy; self.yawRate = yawRate
    }

    /// Whether the command asks the robot to stand still.
    public var isStop: Bool { vx == 0 && vy == 0 && yawRate == 0 }
}

/// How a walk steps: the parameters of the `walk` task, SI units.
public struct WalkingGaitParameters: Equatable, Sendable {
    /// Longest step along the heading, m.
    public var stepLength = 0.3
    /// Lateral distance between the sole centres, m.
    public var stepWidth = 0.18
    /// One step (double + single support), s.
    public var stepDuration = 0.6
    /// Fraction of a step in double support.
    public var doubleSupportRatio = 0.2
    /// Swing apex above the higher end, m.
    public var clearance = 0.05
    /// CoM height above the soles, m.
    public var comHeight = 0.78
    /// Std. dev. of the foothold noise in x and y, m.
    public var footPlacementNoise = 0.0
    /// Seed of the foothold noise.
    public var noiseSeed: UInt64 = 0
    /// Where on a stance sole the ZMP reference sits in single support: this far towards the other foot and
    /// this far forward of the sole centre, m.
    public var zmpInwardOffset = 0.0
    public var zmpForwardOffset = 0.0

    public init() {}

    /// Double-support time, s.
    public var doubleSupportTime: Double { doubleSupportRatio * stepDuration }
    /// Single-support (swing) time, s.
    public var singleSupportTime: Double { stepDuration - doubleSupportTime }
}

/// The ground height at a horizontal point, m: the terrain the footstep planner knows.
public typealias WalkingTerrain = (_ x: Double, _ y: Double) -> Double

/// Plans a walk's footsteps and phases from timed velocity commands.
public enum WalkingCommandPlanner {
    /// The most phases a walk of `duration` s can need.
    public static func capacity(duration: Double, gait: WalkingGaitParameters) -> Int {
        2 * Int((duration / gait.stepDuration).rounded(.up)) + 8
    }

    /// Fills `timeline` with the walk the commands ask for, over [0, duration] s, starting from the feet
    /// `left`, `right`. Throws nothing: commands were range-checked when the scenario loaded; a timeline too
    /// small is a programming error (its capacity comes from `capacity`).
    public static func plan(commands: [WalkingVelocityCommand], gait: WalkingGaitParameters, duration: Double,
                            left: Foothold, right: Foothold, terrain: WalkingTerrain, into timeline: WalkingTimeline) {
        var random = RandomStream(seed: gait.noiseSeed)
        timeline.removeAll()
        var feet = [left, right]
        let mid = 0.5 * (left.position + right.position)
        var body = (x: mid.x, y: mid.y, yaw: 0.5 * (left.yaw + right.yaw))
        var t = 0.0
        var zmp = SIMD2(mid.x, mid.y)
        var walking = false
        var nextSwing = FootSide.right
        var ci = 0   // the command in force
        func command(at time: Double) -> WalkingVelocityCommand {
            while ci + 1 < commands.count && commands[ci + 1].at <= time + 1e-9 { ci += 1 }
            return ci < commands.count && commands[ci].at <= time + 1e-9 ? commands[ci] : WalkingVelocityCommand(at: 0)
        }
        // Standing until the first command that moves.
        func standUntil(_ end: Double) {
            timeline.append(WalkingTimeline.standing(start: t, left: feet[0], right: feet[1], zmpStart: zmp,
                                                     duration: end - t))
            let m = 0.5 * (feet[0].position + feet[1].position)
            zmp = SIMD2(m.x, m.y)
            t = end
        }
        let ds = gait.doubleSupportTime, ss = gait.singleSupportTime
        while t < duration {
            let c = command(at: t)
            if !walking {
                if c.isStop {
                    // Stand until the next command that moves (or the end of the run).
                    var next = duration
                    for k in ci..<commands.count where commands[k].at > t + 1e-9 && !commands[k].isStop { next = commands[k].at; break }
                    if next >= duration { break }
                    standUntil(next)
                    continue
                }
                walking = true
                nextSwing = (c.vy > 0 || (c.vy == 0 && c.yawRate > 0)) ? .left : .right
            }
            let swing = nextSwing, stance = swing.other
            var target: Foothold
            if c.isStop {
                // Close the stance: the swing foot lands beside the stance foot.
                let s = feet[stance.rawValue]
                let side = swing == .left ? 1.0 : -1.0
                target = Foothold(position: s.offset(forward: 0, left: side * gait.stepWidth), yaw: s.yaw)
                walking = false
            } else {
                let T = gait.stepDuration
                let dx = c.vx * T, dy = c.vy * T, dpsi = c.yawRate * T
                let cb = cos(body.yaw), sb = sin(body.yaw)
                body.x += cb * dx - sb * dy
                body.y += sb * dx + cb * dy
                body.yaw += dpsi
                let side = swing == .left ? 0.5 : -0.5
                let cy = cos(body.yaw), sy = sin(body.yaw)
                let lateral = side * gait.stepWidth
                target = Foothold(position: Vector3(body.x - sy * lateral, body.y + cy * lateral, 0), yaw: body.yaw)
            }
            if gait.footPlacementNoise > 0 {
                target.position.x += gait.footPlacementNoise * random.normal()
                target.position.y += gait.footPlacementNoise * random.normal()
            }
            target.position.z = terrain(target.position.x, target.position.y)
            // Double support: the ZMP moves onto the stance foot.
            let stanceFoot = feet[stance.rawValue]
            let inward = stance == .left ? -gait.zmpInwardOffset : gait.zmpInwardOffset
            let st = stanceFoot.offset(forward: gait.zmpForwardOffset, left: inward)
            let stanceZMP = SIMD2(st.x, st.y)
            timeline.append(WalkingPhase(start: t, duration: ds, swing: nil, left: feet[0], right: feet[1],
                                         swingTarget: feet[0], zmpStart: zmp, zmpEnd: stanceZMP))
            t += ds
            timeline.append(WalkingPhase(start: t, duration: ss, swing: swing, left: feet[0], right: feet[1],
                                         swingTarget: target, zmpStart: stanceZMP, zmpEnd: stanceZMP))
            t += ss
            zmp = stanceZMP
            feet[swing.rawValue] = target
            nextSwing = stance
            if !walking {
                // Back to the midpoint in one double support, then stand until the next command.
                if !walking {
                    let m = 0.5 * (feet[0].position + feet[1].position)
                    timeline.append(WalkingTimeline.standing(start: t, left: feet[0], right: feet[1], zmpStart: zmp,
                                                             duration: ds))
                    zmp = SIMD2(m.x, m.y)
                    t += ds
                    body = (x: m.x, y: m.y, yaw: 0.5 * (feet[0].yaw + feet[1].yaw))
                }
            }
        }
        // The final stand, for ever.
        timeline.append(WalkingTimeline.standing(start: t, left: feet[0], right: feet[1], zmpStart: zmp, duration: .infinity))
    }
}

// MARK: - Capture points and capture-point stepping (Pratt, Carff, Drakunov, Goswami, 2006)
//
// Pratt et al. (2006), "Capture point: a step toward humanoid push recovery". For the LIPM with natural frequency
// ω = √(g / z_c), the instantaneous capture point is the divergent component of motion
//
//     ξ = x + ẋ / ω,    ξ̇ = ω (ξ − p):
//
// with the ZMP p on ξ the robot comes to rest with its CoM over ξ; with p anywhere else ξ runs away from p. While
// the robot stands on a support polygon, p can be put anywhere inside it, so the robot can stop without stepping
// iff ξ is inside the polygon (with a margin for the CoP's control error). Otherwise it must step: with the ZMP
// held at the stance foot p during a swing of duration T, the capture point at touch-down is
//
//     ξ(T) = p + (ξ₀ − p) e^{ωT},
//
// and a foot placed there (ZMP on ξ(T)) captures the robot: after touch-down ξ̇ = 0 and the CoM converges to ξ(T)
// as x − ξ ∝ e^{−ωt}. The target is clamped to the step limits in the stance foot's frame (forward reach, and the
// lateral separation that keeps the feet from crossing); a clamped step leaves a residual ξ(T) − target that keeps
// diverging as residual · e^{ωt}, so another step is needed (N-step capture).

import EmbodyModel
import Foundation

// MARK: - Support polygon

/// A convex polygon in the ground plane (x, y, m, world), counter-clockwise, with a fixed vertex capacity;
/// set from points (their convex hull) or from foot soles. Allocation-free after `init`.
public struct ConvexSupportPolygon: Sendable {
    /// The vertices, counter-clockwise; only the first `count` are valid.
    public private(set) var vertices: [SIMD2<Double>]
    /// The number of vertices (0 when empty).
    public private(set) var count: Int
    private var scratch: [SIMD2<Double>]

    /// An empty polygon that can hold the hull of up to `capacity` points (≥ 8: two rectangular soles).
    public init(capacity: Int = 16) {
        let n = max(capacity, 8)
        vertices = [SIMD2<Double>](repeating: .zero, count: n + 1)   // the monotone chain needs one spare slot
        scratch = [SIMD2<Double>](repeating: .zero, count: n)
        count = 0
    }

    /// The largest number of points a hull is built from.
    public var capacity: Int { scratch.count }

    /// Sets the polygon to the convex hull of `points` (Andrew's monotone chain; collinear points dropped).
    /// Non-finite points are ignored; at most `capacity` points are used. Allocation-free.
    public mutating func setConvexHull(of points: UnsafeBufferPointer<SIMD2<Double>>) {
        var n = 0
        for p in points where p.x.isFinite && p.y.isFinite && n < scratch.count { scratch[n] = p; n += 1 }
        buildHull(n)
    }

    /// Sets the polygon to the convex hull of the soles of the feet in contact: each a `soleLength` × `soleWidth`
    /// (m) rectangle centred on its `FootPose`, turned by its yaw. Pass nil for a foot in the air. Allocation-free.
    public mutating func setFeet(_ a: FootPose?, _ b: FootPose?, soleLength: Double, soleWidth: Double) {
        var n = 0
        if let f = a { Self.writeCorners(of: f, soleLength, soleWidth, into: &scratch, at: n); n += 4 }
        if let f = b { Self.writeCorners(of: f, soleLength, soleWidth, into: &scratch, at: n); n += 4 }
        buildHull(n)
    }

    private static func writeCorners(of f: FootPose, _ length: Double, _ width: Double, into buffer: inout [SIMD2<Double>], at n: Int) {
        let c = cos(f.yaw), s = sin(f.yaw), l = length / 2, w = width / 2
        let centre = SIMD2(f.position.x, f.position.y), along = SIMD2(c, s), across = SIMD2(-s, c)
        buffer[n] = centre + l * along + w * across
        buffer[n + 1] = centre - l * along + w * across
        buffer[n + 2] = centre - l * along - w * across
        buffer[n + 3] = centre + l * along - w * across
    }

    /// The hull of scratch[0..<n] into `vertices`.
    private mutating func buildHull(_ n: Int) {
        // Insertion sort by (x, y): n is small.
        if n > 1 {
            for i in 1..<n {
                let v = scratch[i]
                var j = i - 1
                while j >= 0 && (scratch[j].x > v.x || (scratch[j].x == v.x && scratch[j].y > v.y)) { scratch[j + 1] = scratch[j]; j -= 1 }
                scratch[j + 1] = v
            }
        }
        if n < 3 {
            for i in 0..<n { vertices[i] = scratch[i] }
            count = n == 2 && scratch[0] == scratch[1] ? 1 : n
            return
        }
        func cross(_ o: SIMD2<Double>, _ a: SIMD2<Double>, _ b: SIMD2<Double>) -> Double {
            (a.x - o.x) * (b.y - o.y) - (a.y - o.y) * (b.x - o.x)
        }
        // Lower chain, then upper chain; the chain pops before it pushes, so it never holds more than n + 1 points.
        var k = 0
        for i in 0..<n {
            while k >= 2 && cross(vertices[k - 2], vertices[k - 1], scratch[i]) <= 0 { k -= 1 }
            vertices[k] = scratch[i]; k += 1
        }
        let lower = k + 1
        for i in stride(from: n - 2, through: 0, by: -1) {
            while k >= lower && cross(vertices[k - 2], vertices[k - 1], scratch[i]) <= 0 { k -= 1 }
            vertices[k] = scratch[i]; k += 1
        }
        count = max(k - 1, 1)
    }

    /// The signed distance from `point` to the polygon's boundary, m: positive inside, negative outside
    /// (−∞ when empty). Allocation-free.
    public func signedDistance(to point: SIMD2<Double>) -> Double {
        vertices.withUnsafeBufferPointer {
            Self.signedDistance(from: point, toConvex: UnsafeBufferPointer(rebasing: $0[0..<count]))
        }
    }

    /// The signed distance from `point` to the boundary of the convex polygon whose vertices are `vertices`
    /// (counter-clockwise), m: positive inside (the distance to the nearest edge), negative outside (minus the
    /// distance to the polygon); −∞ for no vertex, and minus the distance to the point or segment for one or two.
    /// Allocation-free.
    public static func signedDistance(from point: SIMD2<Double>, toConvex vertices: UnsafeBufferPointer<SIMD2<Double>>) -> Double {
        let count = vertices.count
        if count == 0 { return -.infinity }
        if count == 1 { return -length2(point - vertices[0]) }
        var nearest = Double.infinity, inside = count >= 3
        for i in 0..<count {
            let a = vertices[i], b = vertices[(i + 1) % count]
            let e = b - a, d = point - a
            let len2 = e.x * e.x + e.y * e.y
            let s = len2 > 0 ? min(max((d.x * e.x + d.y * e.y) / len2, 0), 1) : 0
            nearest = min(nearest, length2(d - s * e))
            if e.x * d.y - e.y * d.x < 0 { inside = false }   // right of a counter-clockwise edge: outside
        }
        return inside ? nearest : -nearest
    }

    /// True when `point` is inside with at least `margin` (m) to spare (a negative margin allows that much outside).
    public func contains(_ point: SIMD2<Double>, margin: Double = 0) -> Bool { signedDistance(to: point) >= margin }

    private static func length2(_ v: SIMD2<Double>) -> Double { (v.x * v.x + v.y * v.y).squareRoot() }
}

// MARK: - Capture point

/// Where to step to capture the LIPM, and what is left over if the limits did not allow it.
public struct CaptureStep: Equatable, Sendable {
    /// The capture point predicted at touch-down, ξ(T) = p + (ξ₀ − p) e^{ωT}, m.
    public var predictedCapturePoint: SIMD2<Double>
    /// The landing pose: ξ(T) clamped to the step limits, the stance foot's heading and height.
    public var target: FootPose
    /// True when the limits moved the target off ξ(T).
    public var isClamped: Bool
    /// ξ(T) − target (m): zero when the step captures; otherwise it grows as residual · e^{ωt} after touch-down.
    public var residual: SIMD2<Double>
}

/// Capture-point computations for one pendulum (the file's header gives the formulas). Pure and allocation-free.
public struct CapturePoint: Equatable, Sendable {
    public let pendulum: LinearInvertedPendulum

    public init(pendulum: LinearInvertedPendulum) { self.pendulum = pendulum }

    /// The instantaneous capture point ξ = x + ẋ/ω, m, from the CoM position (m) and velocity (m/s).
    public func instantaneous(position: SIMD2<Double>, velocity: SIMD2<Double>) -> SIMD2<Double> {
        pendulum.divergentComponent(position: position, velocity: velocity)
    }

    /// The capture point after `time` s with the ZMP held at `zmp`: ξ(t) = p + (ξ₀ − p) e^{ωt}.
    public func predicted(after time: Double, from xi: SIMD2<Double>, zmp: SIMD2<Double>) -> SIMD2<Double> {
        pendulum.divergentComponent(after: time, from: xi, zmp: zmp)
    }

    /// True when the robot can stop without stepping: ξ inside `support` with `margin` (m) to spare.
    public func isCapturable(_ xi: SIMD2<Double>, in support: ConvexSupportPolygon, margin: Double) -> Bool {
        support.contains(xi, margin: margin)
    }

    /// The capture step of the `swing` foot for a CoM at `position` (m) moving at `velocity` (m/s), the ZMP held at
    /// `zmp` (m, on the stance foot) until touch-down `stepTime` s from now: target ξ(T), clamped in the stance
    /// foot's frame to |Δx| ≤ `limits.maxStepLength` and a lateral separation in [`limits.minLateralSeparation`,
    /// `limits.stepWidth + limits.maxLateralStep`] on the swing foot's side (no crossing). Allocation-free.
    public func step(position: SIMD2<Double>, velocity: SIMD2<Double>, zmp: SIMD2<Double>, stance: FootPose,
                     swing: FootSide, stepTime: Double, limits: FootstepPlannerParameters) -> CaptureStep {
        let xiT = predicted(after: max(stepTime, 0), from: instantaneous(position: position, velocity: velocity), zmp: zmp)
        let sign: Double = swing == .left ? 1 : -1
        var r = stance.relative(FootPose(position: Vector3(xiT.x, xiT.y, stance.position.z), yaw: stance.yaw))
        let wanted = r
        r.x = min(max(r.x, -limits.maxStepLength), limits.maxStepLength)
        r.y = sign * min(max(sign * r.y, limits.minLateralSeparation), limits.stepWidth + limits.maxLateralStep)
        let target = stance.composed(SIMD3(r.x, r.y, 0))
        let landed = SIMD2(target.position.x, target.position.y)
        return CaptureStep(predictedCapturePoint: xiT, target: target, isClamped: r.x != wanted.x || r.y != wanted.y,
                           residual: xiT - landed)
    }
}

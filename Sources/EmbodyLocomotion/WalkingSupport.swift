// MARK: - The support polygon: the convex hull of the soles on the ground, and a point's margin inside it
//
// The hull is built by Andrew's monotone chain over at most `capacity` points (four sole corners per foot in
// contact) in buffers allocated once; the margin of a point is its distance to the hull's boundary, positive
// inside and negative outside (then minus the distance to the nearest edge). Used for the capture-step trigger
// (`CaptureStepBalancer`) and for the `zmp_margin_min` metric.

import EmbodyModel

/// A convex polygon in the ground plane, rebuilt in place.
public final class SupportPolygon {
    private var points: [SIMD2<Double>]
    private var hull: [SIMD2<Double>]
    /// The number of points added since `removeAll`.
    public private(set) var pointCount = 0
    /// The number of hull vertices (counter-clockwise) after `build`.
    public private(set) var vertexCount = 0

    /// Room for `capacity` points (allocates once).
    public init(capacity: Int = 16) {
        points = Array(repeating: .zero, count: capacity)
        hull = Array(repeating: .zero, count: capacity + 1)
    }

    /// Forgets every point.
    public func removeAll() { pointCount = 0; vertexCount = 0 }

    /// Adds a point (ignored when full).
    public func add(_ p: SIMD2<Double>) {
        guard pointCount < points.count else { return }
        points[pointCount] = p
        pointCount += 1
    }

    /// Adds the four corners of a sole whose frame is at world pose `pose`.
    public func addSole(_ sole: SoleGeometry, solePose pose: Transform) {
        let l = sole.halfLength, w = sole.halfWidth
        addCorner(pose, l, w); addCorner(pose, -l, w); addCorner(pose, -l, -w); addCorner(pose, l, -w)
    }

    private func addCorner(_ pose: Transform, _ x: Double, _ y: Double) {
        let c = pose.apply(Vector3(x, y, 0))
        add(SIMD2(c.x, c.y))
    }

    /// Builds the convex hull of the points (counter-clockwise); allocation-free.
    public func build() {
        let n = pointCount
        vertexCount = 0
        guard n > 0 else { return }
        // Insertion sort by (x, y): n ≤ 16.
        for i in 1..<max(n, 1) {
            let p = points[i]
            var j = i - 1
            while j >= 0 && (points[j].x > p.x || (points[j].x == p.x && points[j].y > p.y)) {
                points[j + 1] = points[j]
                j -= 1
            }
            points[j + 1] = p
        }
        if n < 3 {
            for i in 0..<n { hull[i] = points[i] }
            vertexCount = n
            return
        }
        func turn(_ o: SIMD2<Double>, _ a: SIMD2<Double>, _ b: SIMD2<Double>) -> Double {
            (a.x - o.x) * (b.y - o.y) - (a.y - o.y) * (b.x - o.x)
        }
        var k = 0
        for i in 0..<n {
            while k >= 2 && turn(hull[k - 2], hull[k - 1], points[i]) <= 0 { k -= 1 }
            hull[k] = points[i]; k += 1
        }
        let lowerCount = k + 1
        var i = n - 2
        while i >= 0 {
            while k >= lowerCount && turn(hull[k - 2], hull[k - 1], points[i]) <= 0 { k -= 1 }
            hull[k] = points[i]; k += 1
            i -= 1
        }
        vertexCount = k - 1
    }

    /// The signed distance of `p` to the hull's boundary, m: positive inside, negative outside; −∞ without a hull.
    public func margin(_ p: SIMD2<Double>) -> Double {
        let n = vertexCount
        guard n >= 3 else {
            if n == 0 { return -Double.infinity }
            // A point or a segment: minus the distance to it.
            return -distanceToSegment(p, hull[0], hull[n - 1])
        }
        var inside = true
        var nearest = Double.infinity
        for i in 0..<n {
            let a = hull[i], b = hull[(i + 1) % n]
            let e = b - a
            let len = (e.x * e.x + e.y * e.y).squareRoot()
            guard len > 0 else { continue }
            // Left of a counter-clockwise edge is inside.
            let side = (e.x * (p.y - a.y) - e.y * (p.x - a.x)) / len
            if side < 0 { inside = false }
            nearest = min(nearest, distanceToSegment(p, a, b))
        }
        return inside ? nearest : -nearest
    }

    /// The hull vertex `i` (counter-clockwise).
    public func vertex(_ i: Int) -> SIMD2<Double> { hull[i] }

    private func distanceToSegment(_ p: SIMD2<Double>, _ a: SIMD2<Double>, _ b: SIMD2<Double>) -> Double {
        let e = b - a, w = p - a
        let l2 = e.x * e.x + e.y * e.y
        let s = l2 > 0 ? min(max((w.x * e.x + w.y * e.y) / l2, 0), 1) : 0
        let d = w - s * e
        return (d.x * d.x + d.y * d.y).squareRoot()
    }
}

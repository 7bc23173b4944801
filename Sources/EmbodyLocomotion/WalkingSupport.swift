// MARK: - Sole corners for support polygons
//
// The support polygon of a biped is the convex hull of the corners of the soles in contact
// (`ConvexSupportPolygon.setConvexHull`, CapturePoint.swift). `SoleCorners` collects those corners from the soles'
// world poses into a buffer allocated once, so that the capture-step trigger and the zmp_margin_min metric
// build the polygon every tick without allocating.

import EmbodyModel

/// Up to `capacity` ground-plane points (four per sole), then their convex hull.
public struct SoleCorners {
    private var points: [SIMD2<Double>]
    /// The number of points collected since `removeAll`.
    public private(set) var count = 0

    /// Room for `capacity` points (allocates once).
    public init(capacity: Int = 8) { points = Array(repeating: .zero, count: capacity) }

    /// Forgets every point.
    public mutating func removeAll() { count = 0 }

    /// Adds the four corners of `sole` (`SoleGeometry.corner`) whose frame is at world pose `pose` (ignored past
    /// the capacity).
    public mutating func add(_ sole: SoleGeometry, solePose pose: Transform) {
        for k in 0..<4 { add(pose, sole.corner(k)) }
    }

    private mutating func add(_ pose: Transform, _ corner: Vector3) {
        guard count < points.count else { return }
        let c = pose.apply(corner)
        points[count] = SIMD2(c.x, c.y)
        count += 1
    }

    /// Sets `polygon` to the convex hull of the points collected. Allocation-free.
    public func hull(into polygon: inout ConvexSupportPolygon) {
        let n = count
        points.withUnsafeBufferPointer { polygon.setConvexHull(of: UnsafeBufferPointer(rebasing: $0[0..<n])) }
    }
}

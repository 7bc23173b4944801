// MARK: - Object localization from a depth image
//
// Back-project the depth image into the world, keep the points above a horizontal support plane (a table
// or the floor), group them into clusters with a voxel grid, and describe each cluster by its point
// centroid and its axis-aligned box. Every buffer is sized at creation from the image size; `locate`
// does not allocate. The result depends only on the image and the pose: pixels are visited in row-major
// order, grid neighbours in a fixed order, and clusters are numbered by their first pixel.

import EmbodyModel

/// Parameters of the object localizer.
public struct ObjectLocalizerConfiguration: Equatable, Sendable {
    /// The support plane's height z in m, world frame (horizontal plane).
    public var supportHeight: Double = 0
    /// Points less than this far above the support plane (m) belong to it and are dropped.
    public var minHeightAboveSupport: Double = 0.01
    /// Points higher than this above the support plane (m) are dropped (walls, the robot's arm).
    public var maxHeightAboveSupport: Double = 1.0
    /// Only points inside this world-frame box (m) are kept; by default, everywhere.
    public var workspaceMin = Vector3(-Double.infinity, -Double.infinity, -Double.infinity)
    /// The upper corner of the workspace box, m.
    public var workspaceMax = Vector3(Double.infinity, Double.infinity, Double.infinity)
    /// The voxel edge in m: points in the same or in any of the 26 neighbouring voxels share a cluster.
    public var voxelSize: Double = 0.01
    /// Clusters with fewer points are discarded.
    public var minClusterPoints: Int = 20
    /// At most this many clusters are reported (the first ones by pixel order).
    public var maxClusters: Int = 16
    /// Every `pixelStride`-th pixel in each direction is used (1: all).
    public var pixelStride: Int = 1
    /// Whether each cluster's box extends down to the support plane (an object resting on it), which makes
    /// the box centre an estimate of a convex object's centroid even when only its top is visible.
    public var extendToSupport: Bool = true

    /// Creates the defaults: plane z = 0, 1 cm voxels, ≥ 20 points, up to 16 clusters.
    public init() {}
}

/// One localized object.
public struct ObjectCluster: Equatable, Sendable {
    /// The number of points in the cluster.
    public var pointCount: Int = 0
    /// The mean of the cluster's points, m, world frame.
    public var pointCentroid: Vector3 = .zero
    /// The lower corner of the cluster's axis-aligned box (extended to the plane when configured), m.
    public var boxMin: Vector3 = .zero
    /// The upper corner of the box, m.
    public var boxMax: Vector3 = .zero

    /// The box centre, the object's position estimate, m, world frame.
    public var center: Vector3 { (boxMin + boxMax) / 2 }
    /// The box's side lengths, m.
    public var size: Vector3 { boxMax - boxMin }

    /// Creates an empty cluster.
    public init() {}
}

/// Finds objects standing on a support plane in depth images.
public final class ObjectLocalizer {
    /// The configuration.
    public let configuration: ObjectLocalizerConfiguration
    /// The camera intrinsics the buffers are sized for.
    public let intrinsics: CameraIntrinsics
    /// The clusters found by the last `locate`; the first `clusterCount` are valid.
    public private(set) var clusters: [ObjectCluster]
    /// The number of valid entries in `clusters`.
    public private(set) var clusterCount = 0
    /// The number of points above the plane in the last image.
    public private(set) var pointCount = 0

    private var points: [Double]          // 3 per kept point, world frame
    private var pointCell: [Int32]        // per point: its voxel's index
    private var cellKeys: [UInt64]        // hash table: packed voxel coordinates (empty = .max)
    private var cellIndexOfSlot: [Int32]  // hash table: voxel index per slot
    private var usedSlots: [Int32]        // slots to clear before the next image
    private var cellCoordinates: [Int32]  // per voxel: ix, iy, iz
    private var parent: [Int32]           // union-find over voxels
    private var label: [Int32]            // per voxel root: cluster number or −1
    private var accumulators: [Double]    // per cluster: n, Σx, Σy, Σz, min xyz, max xyz
    private var cellCount = 0
    private let tableMask: Int

    /// Creates a localizer for images with `intrinsics`.
    public init(intrinsics: CameraIntrinsics, configuration: ObjectLocalizerConfiguration = ObjectLocalizerConfiguration())
        throws(PerceptionError) {
        try intrinsics.validate()
        let c = configuration
        guard c.voxelSize > 0, c.voxelSize.isFinite, c.pixelStride >= 1, c.minClusterPoints >= 1, c.maxClusters >= 1,
              c.supportHeight.isFinite, c.minHeightAboveSupport < c.maxHeightAboveSupport else {
            throw PerceptionError("object localizer needs voxelSize > 0, pixelStride ≥ 1, minClusterPoints ≥ 1, maxClusters ≥ 1 and a finite plane")
        }
        self.configuration = c
        self.intrinsics = intrinsics
        let maxPoints = ((intrinsics.width + c.pixelStride - 1) / c.pixelStride)
            * ((intrinsics.height + c.pixelStride - 1) / c.pixelStride)
        var tableSize = 16
        while tableSize < 2 * maxPoints { tableSize *= 2 }
        tableMask = tableSize - 1
        points = [Double](repeating: 0, count: 3 * maxPoints)
        pointCell = [Int32](repeating: 0, count: maxPoints)
        cellKeys = [UInt64](repeating: .max, count: tableSize)
        cellIndexOfSlot = [Int32](repeating: -1, count: tableSize)
        usedSlots = [Int32](repeating: 0, count: maxPoints)
        cellCoordinates = [Int32](repeating: 0, count: 3 * maxPoints)
        parent = [Int32](repeating: 0, count: maxPoints)
        label = [Int32](repeating: -1, count: maxPoints)
        accumulators = [Double](repeating: 0, count: 10 * maxPoints)
        clusters = Array(repeating: ObjectCluster(), count: c.maxClusters)
    }

    /// Finds the objects in `depth` (width × height z-depths in m, row-major, non-finite = invalid) seen from
    /// `cameraPose` (the optical frame's world pose); returns the number of clusters, stored in `clusters`.
    @discardableResult
    public func locate(depth: [Float], cameraPose: Transform) -> Int {
        let k = intrinsics, c = configuration
        precondition(depth.count >= k.pixelCount, "expected a \(k.width)×\(k.height) depth image")
        clearTable()
        // 1. Back-project and keep the points above the plane, inside the workspace.
        let low = c.supportHeight + c.minHeightAboveSupport, high = c.supportHeight + c.maxHeightAboveSupport
        var n = 0
        var v = 0
        while v < k.height {
            var u = 0
            while u < k.width {
                let z = Double(depth[v * k.width + u])
                if z.isFinite, z > 0 {
                    let p = cameraPose.apply(k.backProject(u: u, v: v, depth: z))
                    if p.z > low, p.z < high, p.x >= c.workspaceMin.x, p.y >= c.workspaceMin.y, p.z >= c.workspaceMin.z,
                       p.x <= c.workspaceMax.x, p.y <= c.workspaceMax.y, p.z <= c.workspaceMax.z {
                        points[3 * n] = p.x; points[3 * n + 1] = p.y; points[3 * n + 2] = p.z
                        pointCell[n] = Int32(cellIndex(for: p))
                        n += 1
                    }
                }
                u += c.pixelStride
            }
            v += c.pixelStride
        }
        pointCount = n
        // 2. Join each voxel with its occupied neighbours (26-connectivity), in voxel order. (A flat offset table,
        // not nested range loops, which allocate in unoptimized builds.)
        for cell in 0..<cellCount { parent[cell] = Int32(cell) }
        for cell in 0..<cellCount {
            let ix = cellCoordinates[3 * cell], iy = cellCoordinates[3 * cell + 1], iz = cellCoordinates[3 * cell + 2]
            var o = 0
            while o < 78 {
                if let other = findCell(ix + ObjectLocalizer.neighbourOffsets[o], iy + ObjectLocalizer.neighbourOffsets[o + 1],
                                        iz + ObjectLocalizer.neighbourOffsets[o + 2]) {
                    union(cell, other)
                }
                o += 3
            }
        }
        // 3. Number the components by their first point and accumulate their statistics.
        for cell in 0..<cellCount { label[cell] = -1 }
        var components = 0
        for i in 0..<n {
            let root = Int(find(Int(pointCell[i])))
            var l = Int(label[root])
            if l < 0 {
                l = components
                label[root] = Int32(l)
                components += 1
                let a = 10 * l
                accumulators[a] = 0
                for j in 1...3 { accumulators[a + j] = 0 }
                for j in 4...6 { accumulators[a + j] = .infinity }
                for j in 7...9 { accumulators[a + j] = -.infinity }
            }
            let a = 10 * l
            accumulators[a] += 1
            for j in 0..<3 {
                let x = points[3 * i + j]
                accumulators[a + 1 + j] += x
                accumulators[a + 4 + j] = min(accumulators[a + 4 + j], x)
                accumulators[a + 7 + j] = max(accumulators[a + 7 + j], x)
            }
        }
        // 4. Report the clusters with enough points, in order.
        clusterCount = 0
        for l in 0..<components where clusterCount < c.maxClusters {
            let a = 10 * l
            let count = Int(accumulators[a])
            guard count >= c.minClusterPoints else { continue }
            var cluster = ObjectCluster()
            cluster.pointCount = count
            cluster.pointCentroid = Vector3(accumulators[a + 1], accumulators[a + 2], accumulators[a + 3]) / Double(count)
            cluster.boxMin = Vector3(accumulators[a + 4], accumulators[a + 5], accumulators[a + 6])
            cluster.boxMax = Vector3(accumulators[a + 7], accumulators[a + 8], accumulators[a + 9])
            if c.extendToSupport { cluster.boxMin.z = c.supportHeight }
            clusters[clusterCount] = cluster
            clusterCount += 1
        }
        return clusterCount
    }

    // MARK: Voxel hash table

    /// The 26 neighbour offsets (dx, dy, dz), in a fixed order.
    private static let neighbourOffsets: [Int32] = {
        var o: [Int32] = []
        for dx in Int32(-1)...1 { for dy in Int32(-1)...1 { for dz in Int32(-1)...1 where dx != 0 || dy != 0 || dz != 0 {
            o += [dx, dy, dz]
        } } }
        return o
    }()

    private func clearTable() {
        for i in 0..<cellCount { let s = Int(usedSlots[i]); cellKeys[s] = .max; cellIndexOfSlot[s] = -1 }
        cellCount = 0
    }

    @inline(__always) private static func key(_ ix: Int32, _ iy: Int32, _ iz: Int32) -> UInt64 {
        let bias: Int64 = 1 << 20, mask: UInt64 = (1 << 21) - 1
        return (UInt64(bitPattern: Int64(ix) + bias) & mask) | ((UInt64(bitPattern: Int64(iy) + bias) & mask) << 21)
            | ((UInt64(bitPattern: Int64(iz) + bias) & mask) << 42)
    }

    private func cellIndex(for p: Vector3) -> Int {
        let s = configuration.voxelSize
        let ix = Int32(clamping: Int((p.x / s).rounded(.down))), iy = Int32(clamping: Int((p.y / s).rounded(.down)))
        let iz = Int32(clamping: Int((p.z / s).rounded(.down)))
        let k = ObjectLocalizer.key(ix, iy, iz)
        let slot = self.slot(for: k)
        if cellKeys[slot] == k { return Int(cellIndexOfSlot[slot]) }
        let index = cellCount
        cellKeys[slot] = k
        cellIndexOfSlot[slot] = Int32(index)
        usedSlots[index] = Int32(slot)
        cellCoordinates[3 * index] = ix; cellCoordinates[3 * index + 1] = iy; cellCoordinates[3 * index + 2] = iz
        cellCount += 1
        return index
    }

    private func findCell(_ ix: Int32, _ iy: Int32, _ iz: Int32) -> Int? {
        let k = ObjectLocalizer.key(ix, iy, iz)
        let slot = self.slot(for: k)
        return cellKeys[slot] == k ? Int(cellIndexOfSlot[slot]) : nil
    }

    /// The slot holding key `k`, or the empty slot where it would go (linear probing).
    private func slot(for k: UInt64) -> Int {
        var slot = Int(truncatingIfNeeded: SplitMix64.mix(k)) & tableMask
        while cellKeys[slot] != .max && cellKeys[slot] != k { slot = (slot + 1) & tableMask }
        return slot
    }

    // MARK: Union-find (union by smaller index, so roots are each component's first voxel)

    private func find(_ x: Int) -> Int32 {
        var r = x
        while Int(parent[r]) != r { r = Int(parent[r]) }
        var y = x
        while Int(parent[y]) != r { let next = Int(parent[y]); parent[y] = Int32(r); y = next }
        return Int32(r)
    }

    private func union(_ a: Int, _ b: Int) {
        let ra = Int(find(a)), rb = Int(find(b))
        if ra == rb { return }
        if ra < rb { parent[rb] = Int32(ra) } else { parent[ra] = Int32(rb) }
    }
}

// MARK: - Support plane height

/// Estimates the height (m) of the dominant horizontal surface in a depth image: the most populated
/// `binSize`-metre bin of world z between `minHeight` and `maxHeight`, refined to the mean z of the points
/// within one bin of that bin's centre. `histogram` is scratch space (resized once if too small).
/// Returns nil when no valid point falls in the range.
public func estimateSupportHeight(depth: [Float], intrinsics: CameraIntrinsics, cameraPose: Transform,
                                  minHeight: Double, maxHeight: Double, binSize: Double = 0.005,
                                  pixelStride: Int = 2, histogram: inout [Int]) -> Double? {
    guard maxHeight > minHeight, binSize > 0, pixelStride >= 1, depth.count >= intrinsics.pixelCount else { return nil }
    let bins = Int(((maxHeight - minHeight) / binSize).rounded(.up))
    if histogram.count < bins { histogram = [Int](repeating: 0, count: bins) }
    for i in 0..<bins { histogram[i] = 0 }
    func height(_ u: Int, _ v: Int) -> Double? {
        let z = Double(depth[v * intrinsics.width + u])
        guard z.isFinite, z > 0 else { return nil }
        return cameraPose.apply(intrinsics.backProject(u: u, v: v, depth: z)).z
    }
    for v in stride(from: 0, to: intrinsics.height, by: pixelStride) {
        for u in stride(from: 0, to: intrinsics.width, by: pixelStride) {
            guard let h = height(u, v), h >= minHeight, h < maxHeight else { continue }
            histogram[min(bins - 1, Int((h - minHeight) / binSize))] += 1
        }
    }
    var best = 0
    for i in 0..<bins where histogram[i] > histogram[best] { best = i }
    guard histogram[best] > 0 else { return nil }
    let centre = minHeight + (Double(best) + 0.5) * binSize
    var sum = 0.0, count = 0
    for v in stride(from: 0, to: intrinsics.height, by: pixelStride) {
        for u in stride(from: 0, to: intrinsics.width, by: pixelStride) {
            guard let h = height(u, v), abs(h - centre) <= binSize else { continue }
            sum += h
            count += 1
        }
    }
    return count > 0 ? sum / Double(count) : centre
}

// MARK: - What the viewer draws for each link and object: shapes as parameters, meshes as decimated triangles
//
// Boxes, spheres, cylinders and capsules travel as their parameters and are tessellated by the page.
// Meshes travel as triangle soups in Float32, decimated by vertex clustering to at most
// `VisualBudget.trianglesPerMesh` triangles each and `VisualBudget.trianglesPerRobot` for the whole robot
// (docs/viewer.md). A mesh whose file gave no faces is drawn as the box bounding its vertices.

import EmbodyModel
import EmbodyScenario
import Foundation

/// The triangle budgets of the viewer's meshes.
public enum VisualBudget {
    /// The most triangles one mesh is drawn with.
    public static let trianglesPerMesh = 4000
    /// The most triangles all of a robot's meshes are drawn with together.
    public static let trianglesPerRobot = 40000
}

/// One shape to draw, placed in its link's (or object's) frame.
struct VisualJSON: Encodable {
    /// "box", "sphere", "cylinder", "capsule" or "mesh".
    var type: String
    /// Box side lengths in m.
    var size: [Double]?
    /// Radius in m (sphere, cylinder, capsule).
    var radius: Double?
    /// Full length of a cylinder, or a capsule's cylindrical part, in m (along local z).
    var length: Double?
    /// The shape's pose in its frame: x, y, z (m), qx, qy, qz, qw.
    var origin: [Double]
    /// Colour, red, green, blue, alpha in 0…1.
    var rgba: [Double]
    /// Mesh triangles: base64 of little-endian Float32 x, y, z per vertex, three vertices per triangle, in m.
    var positions: String?
    /// The number of triangles in `positions`.
    var triangles: Int?
}

/// Packs a transform as [x, y, z, qx, qy, qz, qw].
func packed(_ t: Transform) -> [Double] {
    [t.position.x, t.position.y, t.position.z, t.rotation.x, t.rotation.y, t.rotation.z, t.rotation.w]
}

/// Base64 of Float32 values, little-endian.
func base64Float32<S: Sequence>(_ values: S) -> String where S.Element == Double {
    var bytes: [UInt8] = []
    for v in values {
        let bits = Float(v).bitPattern.littleEndian
        withUnsafeBytes(of: bits) { bytes.append(contentsOf: $0) }
    }
    return Data(bytes).base64EncodedString()
}

/// The visual JSON of a shape; `triangleBudget` bounds a mesh's triangles.
func visualJSON(_ shape: Shape, origin: Transform, rgba: [Double], triangleBudget: Int) -> VisualJSON {
    var v = VisualJSON(type: "box", origin: packed(origin), rgba: rgba)
    switch shape {
    case .box(let size): v.size = [size.x, size.y, size.z]
    case .sphere(let r): v.type = "sphere"; v.radius = r
    case .cylinder(let r, let l): v.type = "cylinder"; v.radius = r; v.length = l
    case .capsule(let r, let l): v.type = "capsule"; v.radius = r; v.length = l
    case .mesh(let mesh):
        // The mesh's own triangles (indices into its vertices; out-of-range ones are skipped), or, for a mesh
        // loaded without faces from STL, its vertices taken three at a time.
        var soup: [Vector3] = []
        let n = Int32(mesh.vertices.count)
        for t in Swift.stride(from: 0, to: mesh.triangles.count - 2, by: 3) {
            let a = mesh.triangles[t], b = mesh.triangles[t + 1], c = mesh.triangles[t + 2]
            guard a >= 0 && a < n && b >= 0 && b < n && c >= 0 && c < n else { continue }
            soup += [mesh.vertices[Int(a)], mesh.vertices[Int(b)], mesh.vertices[Int(c)]]
        }
        if soup.isEmpty && mesh.vertices.count % 3 == 0 && (mesh.path as NSString).pathExtension.lowercased() == "stl" {
            soup = mesh.vertices
        }
        if soup.count >= 3 {
            let tris = decimate(soup, budget: triangleBudget)
            v.type = "mesh"
            v.positions = base64Float32(tris.flatMap { [$0.x, $0.y, $0.z] })
            v.triangles = tris.count / 3
        } else {
            // No faces were kept: the bounding box of the vertices.
            var lo = Vector3(repeating: .infinity), hi = Vector3(repeating: -.infinity)
            for p in mesh.vertices { lo = pointwiseMin(lo, p); hi = pointwiseMax(hi, p) }
            if mesh.vertices.isEmpty { lo = .zero; hi = .zero }
            v.size = [hi.x - lo.x, hi.y - lo.y, hi.z - lo.z]
            v.origin = packed(origin * Transform(position: (lo + hi) / 2))
        }
    }
    return v
}

/// Vertex clustering: groups a triangle soup's vertices by the cell of a grid over its bounds that they fall in,
/// moves each vertex to the mean of its cell's vertices (so the result stays inside the mesh's convex hull), and
/// drops the triangles that collapse; the grid is the finest (256, 128, … cells per axis) that leaves at most
/// `budget` triangles. Returns a triangle soup, in the input's triangle order.
func decimate(_ soup: [Vector3], budget: Int) -> [Vector3] {
    let count = soup.count / 3
    guard count > budget, budget > 0 else { return soup }
    var lo = Vector3(repeating: .infinity), hi = Vector3(repeating: -.infinity)
    for p in soup { lo = pointwiseMin(lo, p); hi = pointwiseMax(hi, p) }
    let extent = pointwiseMax(hi - lo, Vector3(repeating: 1e-9))
    var cells = 256
    while cells >= 2 {
        let cell = extent / Double(cells)
        let keys = soup.map { p -> Int in
            let k = pointwiseMin(((p - lo) / cell).rounded(.down), Vector3(repeating: Double(cells - 1)))
            return (Int(k.x) * (cells + 1) + Int(k.y)) * (cells + 1) + Int(k.z)
        }
        var kept = 0
        for t in 0..<count {
            let a = keys[3 * t], b = keys[3 * t + 1], c = keys[3 * t + 2]
            if a != b && b != c && a != c { kept += 1 }
        }
        if kept <= budget {
            var sums: [Int: (Vector3, Double)] = [:]
            for (i, k) in keys.enumerated() {
                let s = sums[k] ?? (.zero, 0)
                sums[k] = (s.0 + soup[i], s.1 + 1)
            }
            var out: [Vector3] = []
            out.reserveCapacity(3 * kept)
            for t in 0..<count {
                let a = keys[3 * t], b = keys[3 * t + 1], c = keys[3 * t + 2]
                guard a != b && b != c && a != c else { continue }
                for k in [a, b, c] { let s = sums[k]!; out.append(s.0 / s.1) }
            }
            return out
        }
        cells /= 2
    }
    return Array(soup.prefix(3 * budget))
}

/// The EmbodyModel shape of a scenario object's shape.
func modelShape(_ s: ShapeSpec) -> Shape {
    switch s {
    case .box(let size): return .box(size: Vector3(size[0], size[1], size[2]))
    case .sphere(let r): return .sphere(radius: r)
    case .cylinder(let r, let l): return .cylinder(radius: r, length: l)
    case .capsule(let r, let l): return .capsule(radius: r, length: l)
    }
}

// MARK: - Mesh files
//
// Mesh files are read through Assimp (CShims/CAssimp): COLLADA with its <unit> scale and up axis, STL
// (ASCII and binary), OBJ, PLY and the other formats robot descriptions use. Binary and ASCII STL are
// still read by the hand-written parser below, which measured faster than Assimp on the
// example-robot-data corpus (docs/robots.md, "Mesh import"); a file holding several meshes comes back
// as several Mesh values, one convex hull each. Nothing above EmbodyModel sees an Assimp type.

import CAssimp
import Foundation

/// Loads mesh files into meshes in metres, Z up, one per mesh in the file.
public enum MeshLoader {
    /// The lower-case file extensions the loader reads: those robot descriptions use that Assimp 5.2 reads.
    public static let supportedExtensions: Set<String> = ["dae", "stl", "obj", "ply", "off", "3ds", "glb", "gltf", "fbx"]

    /// Whether `path` has an extension the loader understands (case-insensitive).
    public static func isSupported(path: String) -> Bool {
        supportedExtensions.contains(fileExtension(of: path))
    }

    /// Which reader a file goes through; `.automatic` picks the hand-written STL parser for STL and Assimp otherwise.
    public enum Reader: Sendable { case automatic, assimp }

    /// Loads every mesh in the file at `path`, multiplying each vertex by `scale` (per axis), so the result is
    /// in metres; the list holds at least one mesh with at least one vertex.
    public static func load(path: String, scale: Vector3 = Vector3(1, 1, 1),
                            reader: Reader = .automatic) throws(ModelError) -> [Mesh] {
        let ext = fileExtension(of: path)
        guard supportedExtensions.contains(ext) else {
            let list = supportedExtensions.sorted().map { ".\($0)" }.joined(separator: ", ")
            throw meshError(path, 0, "mesh '\(path)' has an unsupported format ('.\(ext)'); supported: \(list)")
        }
        guard PathTools.isRegularFile(path) else {
            throw meshError(path, 0, "mesh '\(path)' cannot be read")
        }
        var meshes: [Mesh]
        if ext == "stl" && reader == .automatic {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw meshError(path, 0, "mesh '\(path)' cannot be read")
            }
            meshes = [Mesh(path: path, vertices: try parseSTL(data, path: path), name: "")]
            meshes[0].triangles = (0..<Int32(meshes[0].vertices.count / 3 * 3)).map { $0 }
        } else {
            meshes = try loadWithAssimp(path: path)
        }
        return try scaled(meshes, by: scale, path: path)
    }

    /// `meshes` (read from `path`) with every vertex multiplied by `scale` per axis; a vertex that comes out too
    /// large to represent is an error.
    public static func scaled(_ meshes: [Mesh], by scale: Vector3, path: String) throws(ModelError) -> [Mesh] {
        guard scale != Vector3(1, 1, 1) else { return meshes }
        var meshes = meshes
        for i in meshes.indices {
            meshes[i].vertices = meshes[i].vertices.map { $0 * scale }
            meshes[i].scale = scale
            guard meshes[i].vertices.allSatisfy({ $0.x.isFinite && $0.y.isFinite && $0.z.isFinite }) else {
                throw meshError(path, 0, "mesh '\(path)' scaled by (\(scale.x), \(scale.y), \(scale.z)) has vertices too large to represent")
            }
            // A mirroring scale (an odd number of negative factors) turns triangles inside out.
            if scale.x * scale.y * scale.z < 0 {
                var t = meshes[i].triangles
                var k = 0
                while k + 2 < t.count { t.swapAt(k + 1, k + 2); k += 3 }
                meshes[i].triangles = t
            }
        }
        return meshes
    }

    /// The FNV-1a 64-bit hash of the file's bytes as 16 hex digits, or nil when it cannot be read.
    public static func hash(ofFileAt path: String) -> String? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return fnv1a(data)
    }

    /// FNV-1a 64-bit over `data`, as 16 lower-case hex digits.
    public static func fnv1a<D: DataProtocol>(_ data: D) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        // Over each region's raw bytes: Data's own iterator costs about 50 instructions a byte, which made hashing
        // a robot's meshes a visible share of its load (1.6 MB for kuka_iiwa: about 90 million instructions).
        for region in data.regions {
            region.withUnsafeBytes { bytes in
                for b in bytes { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01b3 }
            }
        }
        let hex = String(h, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    // MARK: - Assimp

    /// Reads every mesh of a file through CAssimp (node transforms, COLLADA unit and up axis applied).
    static func loadWithAssimp(path: String) throws(ModelError) -> [Mesh] {
        var err = [CChar](repeating: 0, count: 512)
        var scene: OpaquePointer?
        let status = emba_scene_load(path, &scene, &err, Int32(err.count))
        guard status == EMBA_OK, let scene else {
            let why = String(decoding: err.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw meshError(path, 0, "mesh '\(path)' cannot be read by Assimp: \(why.isEmpty ? "status \(status)" : why)")
        }
        defer { emba_scene_destroy(scene) }
        var meshes: [Mesh] = []
        for m in 0..<emba_scene_mesh_count(scene) {
            let n = Int(emba_mesh_vertex_count(scene, m))
            let t = Int(emba_mesh_triangle_count(scene, m))
            guard n > 0, t >= 0 else { continue }
            var xyz = [Double](repeating: 0, count: 3 * n)
            var tri = [Int32](repeating: 0, count: 3 * t)
            // Assimp does not validate face indices (aiProcess_ValidateDataStructure is off): a hostile file's
            // index past the vertex list would trap wherever the triangles are used.
            guard emba_mesh_vertices(scene, m, &xyz, Int32(xyz.count)) == EMBA_OK,
                  emba_mesh_triangles(scene, m, &tri, Int32(tri.count)) == EMBA_OK,
                  tri.allSatisfy({ $0 >= 0 && Int($0) < n }) else {
                throw meshError(path, 0, "mesh '\(path)': Assimp returned mesh \(m) inconsistently (a face index outside its vertices)")
            }
            var vertices: [Vector3] = []
            vertices.reserveCapacity(n)
            for i in 0..<n {
                let v = Vector3(xyz[3 * i], xyz[3 * i + 1], xyz[3 * i + 2])
                guard v.x.isFinite, v.y.isFinite, v.z.isFinite else {
                    throw meshError(path, 0, "mesh '\(path)' mesh \(m + 1) vertex \(i + 1) is not a finite number")
                }
                vertices.append(v)
            }
            let name = String(cString: emba_mesh_name(scene, m))
            meshes.append(Mesh(path: path, vertices: vertices, triangles: tri, name: name))
        }
        guard !meshes.isEmpty else {
            throw meshError(path, 0, "mesh '\(path)' contains no vertices")
        }
        return meshes
    }

    // MARK: - STL

    /// Parses a binary STL (recognized by its size, 84 + 50 × triangles bytes) or an ASCII STL.
    static func parseSTL(_ data: Data, path: String) throws(ModelError) -> [Vector3] {
        let bytes = [UInt8](data)
        if bytes.count >= 84 {
            let triangles = Int(readUInt32(bytes, at: 80))
            if bytes.count == 84 + 50 * triangles {
                return try parseBinarySTL(bytes, triangles: triangles, path: path)
            }
        }
        let text = String(decoding: bytes, as: UTF8.self)
        let head = text.drop { $0.isWhitespace }
        guard head.hasPrefix("solid") else {
            let expected = bytes.count >= 84 ? " (a binary STL declaring \(readUInt32(bytes, at: 80)) triangles must be \(84 + 50 * Int(readUInt32(bytes, at: 80))) bytes)" : ""
            throw meshError(path, 0, "mesh '\(path)' is neither ASCII STL (starting with 'solid') nor binary STL: it has \(bytes.count) bytes\(expected)")
        }
        return try parseASCIISTL(text, path: path)
    }

    /// Reads the three vertices of each 50-byte binary STL triangle record.
    private static func parseBinarySTL(_ bytes: [UInt8], triangles: Int, path: String) throws(ModelError) -> [Vector3] {
        guard triangles > 0 else {
            throw meshError(path, 0, "mesh '\(path)' is a binary STL with no triangles, so it has no vertices")
        }
        var vertices: [Vector3] = []
        vertices.reserveCapacity(3 * triangles)
        for t in 0..<triangles {
            let record = 84 + 50 * t
            for v in 0..<3 {
                let base = record + 12 + 12 * v  // skip the 12-byte facet normal
                let x = Double(Float(bitPattern: readUInt32(bytes, at: base)))
                let y = Double(Float(bitPattern: readUInt32(bytes, at: base + 4)))
                let z = Double(Float(bitPattern: readUInt32(bytes, at: base + 8)))
                guard x.isFinite, y.isFinite, z.isFinite else {
                    throw meshError(path, 0, "mesh '\(path)' triangle \(t + 1) has a vertex that is not a finite number")
                }
                vertices.append(Vector3(x, y, z))
            }
        }
        return vertices
    }

    /// Reads the `vertex x y z` lines of an ASCII STL.
    private static func parseASCIISTL(_ text: String, path: String) throws(ModelError) -> [Vector3] {
        var vertices: [Vector3] = []
        var lineNumber = 0
        for line in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            lineNumber += 1
            let fields = line.split(whereSeparator: \.isWhitespace)
            guard let keyword = fields.first, keyword == "vertex" else { continue }
            guard fields.count == 4 else {
                throw meshError(path, lineNumber,
                                "mesh '\(path)' line \(lineNumber): a vertex needs 3 coordinates but '\(line.trimmed)' has \(fields.count - 1)")
            }
            var xyz: [Double] = []
            for token in fields.dropFirst() {
                guard let value = Double(token), value.isFinite else {
                    throw meshError(path, lineNumber,
                                    "mesh '\(path)' line \(lineNumber): '\(token)' in '\(line.trimmed)' is not a finite number")
                }
                xyz.append(value)
            }
            vertices.append(Vector3(xyz[0], xyz[1], xyz[2]))
        }
        guard !vertices.isEmpty else {
            throw meshError(path, 0, "mesh '\(path)' is an ASCII STL with no 'vertex x y z' lines")
        }
        return vertices
    }

    // MARK: - Helpers

    /// The lower-cased extension of the last path component, without the dot ("" when there is none).
    static func fileExtension(of path: String) -> String {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return "" }
        return String(name[name.index(after: dot)...]).lowercased()
    }

    /// Reads a little-endian UInt32; the caller guarantees four bytes are available at `offset`.
    private static func readUInt32(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8
            | UInt32(bytes[offset + 2]) << 16 | UInt32(bytes[offset + 3]) << 24
    }

    private static func meshError(_ path: String, _ line: Int, _ message: String) -> ModelError {
        ModelError(location: SourceLocation(file: path, line: line), element: "mesh '\(path)'", message: message)
    }
}

extension Substring {
    /// The text without leading and trailing whitespace (including a Windows `\r`).
    fileprivate var trimmed: String {
        String(drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
    }
}

// MARK: - Mesh files
//
// Reads the vertex positions of Wavefront OBJ and STL (ASCII and binary) files. Only positions
// matter: physics takes the convex hull, so faces, normals, texture coordinates and materials are
// skipped. Vertices are scaled on load and are not deduplicated.

import Foundation

/// Loads vertex positions from OBJ and STL mesh files.
public enum MeshLoader {
    /// The lower-case file extensions the loader understands.
    public static let supportedExtensions: Set<String> = ["obj", "stl"]

    /// Whether `path` has an extension the loader understands (case-insensitive).
    public static func isSupported(path: String) -> Bool {
        supportedExtensions.contains(fileExtension(of: path))
    }

    /// Loads the mesh at `path`, multiplying every vertex by `scale` (per axis) so the result is in metres.
    public static func load(path: String, scale: Vector3 = Vector3(1, 1, 1)) throws(ModelError) -> Mesh {
        let ext = fileExtension(of: path)
        guard supportedExtensions.contains(ext) else {
            throw meshError(path, 0, "mesh '\(path)' has an unsupported format ('.\(ext)'); only .obj and .stl meshes are supported")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw meshError(path, 0, "mesh '\(path)' cannot be read")
        }
        let raw = ext == "obj" ? try parseOBJ(data, path: path) : try parseSTL(data, path: path)
        return Mesh(path: path, vertices: raw.map { $0 * scale }, scale: scale)
    }

    // MARK: - OBJ

    /// Parses `v x y z [w]` lines of an OBJ file; every other line is ignored.
    static func parseOBJ(_ data: Data, path: String) throws(ModelError) -> [Vector3] {
        let text = String(decoding: data, as: UTF8.self)
        var vertices: [Vector3] = []
        var lineNumber = 0
        for line in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            lineNumber += 1
            let fields = line.split(whereSeparator: \.isWhitespace)
            guard let keyword = fields.first, keyword == "v" else { continue }
            // `v x y z`, optionally followed by w or by an r g b colour, which are ignored.
            let numbers = fields.dropFirst()
            guard numbers.count >= 3 else {
                throw meshError(path, lineNumber,
                                "mesh '\(path)' line \(lineNumber): a vertex needs 3 coordinates but '\(line.trimmed)' has \(numbers.count)")
            }
            var xyz: [Double] = []
            for token in numbers.prefix(3) {
                guard let value = Double(token), value.isFinite else {
                    throw meshError(path, lineNumber,
                                    "mesh '\(path)' line \(lineNumber): '\(token)' in vertex '\(line.trimmed)' is not a finite number")
                }
                xyz.append(value)
            }
            vertices.append(Vector3(xyz[0], xyz[1], xyz[2]))
        }
        guard !vertices.isEmpty else {
            throw meshError(path, 0, "mesh '\(path)' contains no vertices ('v x y z' lines)")
        }
        return vertices
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

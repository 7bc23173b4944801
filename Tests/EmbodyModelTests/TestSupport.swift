// MARK: - Helpers shared by the EmbodyModel tests

import Foundation
import Testing
@testable import EmbodyModel

/// A fresh directory under the system temporary directory, removed by `remove()`.
struct TempDir {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory
            .appendingPathComponent("embody-model-tests-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    /// Writes `text` to `relative` (creating folders) and returns the absolute path.
    @discardableResult
    func write(_ relative: String, _ text: String) throws -> String {
        try write(relative, data: Data(text.utf8))
    }

    /// Writes `data` to `relative` (creating folders) and returns the absolute path.
    @discardableResult
    func write(_ relative: String, data: Data) throws -> String {
        let full = path + "/" + relative
        let folder = (full as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try data.write(to: URL(fileURLWithPath: full))
        return full
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// The 1-based number of the first line of `text` containing `needle`, or -1.
func lineNumber(of needle: String, in text: String) -> Int {
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    return (lines.firstIndex { $0.contains(needle) } ?? -2) + 1
}

/// The rotation matrix of `q` compared entry by entry with `expected`.
func matricesClose(_ a: [[Double]], _ b: [[Double]], tolerance: Double = 1e-12) -> Bool {
    for i in 0..<3 { for j in 0..<3 where abs(a[i][j] - b[i][j]) > tolerance { return false } }
    return true
}

/// Whether two vectors agree to `tolerance` in every component.
func close(_ a: Vector3, _ b: Vector3, tolerance: Double = 1e-12) -> Bool {
    abs(a.x - b.x) <= tolerance && abs(a.y - b.y) <= tolerance && abs(a.z - b.z) <= tolerance
}

/// A binary STL file holding `triangles` (each three vertices), with a header that starts with "solid".
func binarySTL(_ triangles: [[Vector3]]) -> Data {
    var data = Data("solid but actually binary".utf8)
    data.append(Data(repeating: 0, count: 80 - data.count))
    func append(_ value: UInt32) { withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) } }
    append(UInt32(triangles.count))
    for triangle in triangles {
        for _ in 0..<3 { append(Float(0).bitPattern) }  // normal
        for v in triangle { for c in [v.x, v.y, v.z] { append(Float(c).bitPattern) } }
        data.append(contentsOf: [0, 0])  // attribute byte count
    }
    return data
}

/// A one-link robot wrapper: `body` goes inside `<robot name="r">`.
func robotXML(_ body: String) -> String {
    "<?xml version=\"1.0\"?>\n<robot name=\"r\">\n\(body)\n</robot>\n"
}

/// A tetrahedron as OBJ text: four vertices, four faces (the smallest mesh with a convex hull of volume).
let tetrahedronOBJ = "v 0 0 0\nv 1 0 0\nv 0 1 0\nv 0 0 1\nf 1 3 2\nf 1 2 4\nf 1 4 3\nf 2 3 4\n"

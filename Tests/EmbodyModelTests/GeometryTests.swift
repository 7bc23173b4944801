// MARK: - Rotations and transforms

import Foundation
import Testing
@testable import EmbodyModel

@Suite("Geometry")
struct GeometryTests {
    @Test("Quaternion(rpy:) matches hand-computed matrices")
    func quaternionFromRPYMatchesHandComputedMatrix() {
        let h = Double.pi / 2
        // Roll 90°: y → z, z → −y.
        #expect(matricesClose(Quaternion(rpy: Vector3(h, 0, 0)).matrix,
                              [[1, 0, 0], [0, 0, -1], [0, 1, 0]]))
        // Pitch 90°: z → x, x → −z.
        #expect(matricesClose(Quaternion(rpy: Vector3(0, h, 0)).matrix,
                              [[0, 0, 1], [0, 1, 0], [-1, 0, 0]]))
        // Yaw 90°: x → y, y → −x.
        #expect(matricesClose(Quaternion(rpy: Vector3(0, 0, h)).matrix,
                              [[0, -1, 0], [1, 0, 0], [0, 0, 1]]))
        // Roll then yaw (fixed axes): Rz(90°)·Rx(90°), multiplied out by hand.
        #expect(matricesClose(Quaternion(rpy: Vector3(h, 0, h)).matrix,
                              [[0, 0, 1], [1, 0, 0], [0, 1, 0]]))
    }

    @Test("Quaternion(rpy:) equals Rz(yaw)·Ry(pitch)·Rx(roll) for general angles")
    func quaternionFromRPYGeneralAngles() {
        let (r, p, y) = (0.3, -0.7, 1.9)
        let rx = [[1, 0, 0], [0, cos(r), -sin(r)], [0, sin(r), cos(r)]]
        let ry = [[cos(p), 0, sin(p)], [0, 1, 0], [-sin(p), 0, cos(p)]]
        let rz = [[cos(y), -sin(y), 0], [sin(y), cos(y), 0], [0, 0, 1]]
        func mul(_ a: [[Double]], _ b: [[Double]]) -> [[Double]] {
            (0..<3).map { i in (0..<3).map { j in (0..<3).reduce(0) { $0 + a[i][$1] * b[$1][j] } } }
        }
        let q = Quaternion(rpy: Vector3(r, p, y))
        #expect(matricesClose(q.matrix, mul(rz, mul(ry, rx))))
        #expect(close(q.rpy, Vector3(r, p, y)))
    }

    @Test("Transform composition and inverse")
    func transformCompositionAndInverse() {
        let a = Transform(xyz: Vector3(1, 0, 0), rpy: Vector3(0, 0, .pi / 2))
        let b = Transform(xyz: Vector3(0, 2, 0.5), rpy: Vector3(0.4, -0.2, 0.1))
        // a maps (1, 0, 0) to (1, 0, 0) + Rz(90°)(1, 0, 0) = (1, 1, 0).
        #expect(close(a.apply(Vector3(1, 0, 0)), Vector3(1, 1, 0)))
        let p = Vector3(0.3, -1.2, 2.5)
        #expect(close((a * b).apply(p), a.apply(b.apply(p))))
        let aInverseA = a.inverse * a
        #expect(close(aInverseA.position, .zero))
        #expect(aInverseA.rotation.angle(to: .identity) < 1e-7)
        #expect(close(b.inverse.apply(b.apply(p)), p))
        #expect(close((a * b).inverse.apply(p), (b.inverse * a.inverse).apply(p)))
    }
}

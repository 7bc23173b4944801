import EmbodyModel
import Foundation
import Testing
@testable import EmbodyLocomotion

/// Soles from point-like collision shapes: feet that touch the ground through small spheres (the Unitree G1's
/// ankle_roll links carry four 5 mm spheres each) rather than a box.
@Suite("Whole-body control: soles from contact spheres")
struct SoleGeometryTests {
    let here = SourceLocation(file: "<test>", line: 0)

    /// The G1's foot (example-robot-data's g1_29dof_rev_1_0.urdf, left_ankle_roll_link): spheres of radius 5 mm
    /// at x −0.05 (y ±0.025) and x 0.12 (y ±0.03), z −0.03 in the link frame.
    func g1Spheres(in frame: Transform = .identity) -> [Geometry] {
        [Vector3(-0.05, 0.025, -0.03), Vector3(-0.05, -0.025, -0.03), Vector3(0.12, 0.03, -0.03), Vector3(0.12, -0.03, -0.03)]
            .map { Geometry(origin: Transform(position: frame.apply($0), rotation: frame.rotation), shape: .sphere(radius: 0.005)) }
    }

    /// The distance of (x, y) from the line through a and b.
    func lineDistance(_ p: SIMD2<Double>, _ a: SIMD2<Double>, _ b: SIMD2<Double>) -> Double {
        let e = b - a, d = p - a
        return abs(e.x * d.y - e.y * d.x) / (e.x * e.x + e.y * e.y).squareRoot()
    }

    /// The four contact points are the spheres' lowest points (z −0.035); the sole frame sits at the centre of
    /// their bounding rectangle, (0.035, 0, −0.035), with the link's axes; the corners are the trapezoid
    /// (±0.085, ±0.03 in front, ±0.025 behind), counter-clockwise from front left; the margin is the distance
    /// to the nearest edge inside and minus the distance to the trapezoid outside.
    @Test func g1FootHasATrapezoidalSoleAtItsSpheresLowestPoints() throws {
        let foot = Link(name: "left_ankle_roll_link", collisions: g1Spheres(), location: here)
        let sole = try SoleGeometry(footLink: foot, link: 7, down: Vector3(0, 0, -1))
        #expect(sole.link == 7)
        #expect(length(sole.frame.position - Vector3(0.035, 0, -0.035)) < 1e-12)
        #expect(sole.frame.rotation.angle(to: .identity) < 1e-12)
        #expect(abs(sole.halfLength - 0.085) < 1e-12 && abs(sole.halfWidth - 0.03) < 1e-12)
        let expected = [Vector3(0.085, 0.03, 0), Vector3(-0.085, 0.025, 0), Vector3(-0.085, -0.025, 0), Vector3(0.085, -0.03, 0)]
        for k in 0..<4 { #expect(length(sole.corner(k) - expected[k]) < 1e-12, "corner \(k): \(sole.corner(k))") }
        // Counter-clockwise, with the trapezoid's area (0.06 + 0.05)/2 · 0.17.
        var area = 0.0
        for k in 0..<4 { let a = sole.corner(k), b = sole.corner(k + 1); area += a.x * b.y - b.x * a.y }
        #expect(abs(area / 2 - 0.055 * 0.17) < 1e-12)
        // Inside: the nearest edge is a slanted side; outside beyond the heel and beside the toe.
        let side = lineDistance(.zero, SIMD2(-0.085, 0.025), SIMD2(0.085, 0.03))
        #expect(abs(sole.margin(x: 0, y: 0) - side) < 1e-12)
        #expect(abs(side - 0.0275) < 1e-4)
        #expect(abs(sole.margin(x: -0.1, y: 0) + 0.015) < 1e-12)
        #expect(abs(sole.margin(x: 0.09, y: 0.03) + 0.005) < 1e-12)
        #expect(abs(sole.margin(x: 0.08, y: 0) - 0.005) < 1e-12)
        // A world pose puts the corners where the link pose puts the spheres' lowest points.
        let linkPose = Transform(position: Vector3(1, 2, 0.035), rotation: Quaternion(axis: Vector3(0, 0, 1), angle: 0.3))
        #expect(length(sole.worldCorner(1, linkPose: linkPose) - linkPose.apply(Vector3(-0.05, 0.025, -0.035))) < 1e-12)
        #expect(abs(sole.worldFrame(linkPose: linkPose).position.z) < 1e-12)
        // Support polygons use the same corners.
        var points = SoleCorners(capacity: 8)
        points.add(sole, solePose: sole.worldFrame(linkPose: .identity))
        var polygon = ConvexSupportPolygon()
        points.hull(into: &polygon)
        #expect(polygon.count == 4)
        #expect(abs(polygon.signedDistance(to: SIMD2(0.035, 0)) - side) < 1e-12)
    }

    /// The sole plane comes from the spheres, not from `down`: a foot tilted by 6 mrad at load (the G1's
    /// bent-knee posture leaves it so) gets the same sole, and so does a foot whose spheres sit in a turned frame.
    @Test func solePlaneComesFromTheSpheresNotFromDown() throws {
        let foot = Link(name: "foot", collisions: g1Spheres(), location: here)
        let flat = try SoleGeometry(footLink: foot, link: 0, down: Vector3(0, 0, -1))
        let tilted = try SoleGeometry(footLink: foot, link: 0, down: Quaternion(axis: Vector3(0, 1, 0), angle: 0.006).rotate(Vector3(0, 0, -1)))
        #expect(length(tilted.frame.position - flat.frame.position) < 1e-12)
        #expect(tilted.frame.rotation.angle(to: flat.frame.rotation) < 1e-12)
        for k in 0..<4 { #expect(length(tilted.corner(k) - flat.corner(k)) < 1e-12) }
        // The same spheres in a frame rolled a quarter turn about x: the sole turns with them, its normal along
        // the link's −y... and the sole is found from `down` = the frame's −z, now the link's +y.
        let roll = Transform(position: Vector3(0, 0, 0.1), rotation: Quaternion(axis: Vector3(1, 0, 0), angle: .pi / 2))
        let rolledFoot = Link(name: "foot", collisions: g1Spheres(in: roll), location: here)
        let rolled = try SoleGeometry(footLink: rolledFoot, link: 0, down: roll.rotation.rotate(Vector3(0, 0, -1)))
        #expect(length(rolled.frame.position - roll.apply(flat.frame.position)) < 1e-12)
        #expect(length(rolled.frame.rotation.rotate(Vector3(0, 0, 1)) - roll.rotation.rotate(Vector3(0, 0, 1))) < 1e-12)
        for k in 0..<4 { #expect(length(rolled.corner(k) - flat.corner(k)) < 1e-12) }
    }

    /// Spheres higher up the foot (an ankle bumper) are not part of the sole; a box, when there is one, is used
    /// instead of spheres (the bundled humanoid's soles are unchanged).
    @Test func onlyTheLowestSpheresMakeTheSoleAndABoxWins() throws {
        let bumper = Geometry(origin: Transform(position: Vector3(0, 0, 0.05)), shape: .sphere(radius: 0.02))
        let foot = Link(name: "foot", collisions: g1Spheres() + [bumper], location: here)
        let sole = try SoleGeometry(footLink: foot, link: 0, down: Vector3(0, 0, -1))
        #expect(length(sole.frame.position - Vector3(0.035, 0, -0.035)) < 1e-12)
        let box = Geometry(origin: Transform(position: Vector3(0.04, 0, -0.05)), shape: .box(size: Vector3(0.22, 0.1, 0.04)))
        let both = try SoleGeometry(footLink: Link(name: "foot", collisions: g1Spheres() + [box], location: here),
                                    link: 0, down: Vector3(0, 0, -1))
        #expect(both.quadrilateral == nil)
        #expect(both == SoleGeometry(link: 0, frame: Transform(position: Vector3(0.04, 0, -0.07)), halfLength: 0.11, halfWidth: 0.05))
    }

    /// Six spheres on a hexagon: the four corners spanning the largest area are used (a sole inside the hull);
    /// the spheres' radii may differ (each contact point is its own centre + r·n).
    @Test func moreThanFourContactSpheresKeepTheLargestQuadrilateral() throws {
        var spheres: [Geometry] = []
        for k in 0..<6 {
            let a = Double(k) * .pi / 3
            spheres.append(Geometry(origin: Transform(position: Vector3(0.1 * cos(a), 0.05 * sin(a), -0.03)), shape: .sphere(radius: 0.005)))
        }
        let sole = try SoleGeometry(footLink: Link(name: "hex", collisions: spheres, location: here), link: 0, down: Vector3(0, 0, -1))
        var area = 0.0
        for k in 0..<4 { let a = sole.corner(k), b = sole.corner(k + 1); area += a.x * b.y - b.x * a.y }
        // The largest quadrilateral on a (stretched) regular hexagon's vertices leaves out two non-adjacent ones,
        // two triangles of 1/6 of the hexagon each: 2/3 of the hexagon's area 3√3/2 · 0.1 · 0.05 (an affine map
        // keeps the ratio).
        #expect(abs(area / 2 - (3 * 3.0.squareRoot() / 2 * 0.1 * 0.05) * 2 / 3) < 1e-12)
        for k in 0..<4 { #expect(abs(sole.corner(k).z) < 1e-15) }
        // Unequal radii: a bigger front sphere's contact point is lower; the sole plane is the centres' plane.
        var mixed = g1Spheres()
        mixed[2].shape = .sphere(radius: 0.006)
        #expect(throws: Never.self) { try SoleGeometry(footLink: Link(name: "foot", collisions: mixed, location: here), link: 0, down: Vector3(0, 0, -1)) }
    }

    /// What cannot be a sole is refused with a message naming the link: three spheres (a triangle), spheres on
    /// a line, one sphere, spheres off one plane, a non-positive radius.
    @Test func unusableSpheresAreRefusedWithTheLinkName() throws {
        func message(_ collisions: [Geometry]) -> String? {
            do {
                _ = try SoleGeometry(footLink: Link(name: "left_ankle_roll_link", collisions: collisions, location: here), link: 0,
                                     down: Vector3(0, 0, -1))
                return nil
            } catch { return error.message }
        }
        let four = g1Spheres()
        let triangle = message(Array(four.prefix(3)))
        #expect(triangle?.contains("left_ankle_roll_link") == true && triangle?.contains("3 corners") == true, "\(triangle ?? "nil")")
        let line = [0.0, 0.05, 0.1, 0.15].map { Geometry(origin: Transform(position: Vector3($0, 0, -0.03)), shape: .sphere(radius: 0.005)) }
        #expect(message(line)?.contains("do not span an area") == true)
        #expect(message([four[0]])?.contains("collision box") == true)
        var offPlane = four
        offPlane[3].origin.position.z = -0.025   // 5 mm higher: still within the selection depth, off the plane
        let off = message(offPlane)
        #expect(off?.contains("off the plane") == true, "\(off ?? "nil")")
        var bad = four
        bad[1].shape = .sphere(radius: 0)
        #expect(message(bad)?.contains("not finite and positive") == true)
        // A quadrilateral given directly must be strictly convex and counter-clockwise.
        #expect(throws: SoleGeometryError.self) {
            try SoleGeometry(link: 0, frame: .identity, corners: [SIMD2(0.1, 0.05), SIMD2(0.1, -0.05), SIMD2(-0.1, -0.05), SIMD2(-0.1, 0.05)])
        }
        #expect(throws: SoleGeometryError.self) {
            try SoleGeometry(link: 0, frame: .identity, corners: [SIMD2(0.1, 0.05), SIMD2(-0.1, 0.05), SIMD2(-0.1, -0.05)])
        }
    }
}

// MARK: - MJCF loading: frames, defaults, mass properties and errors, checked against hand-derived values

import Foundation
import Testing
@testable import EmbodyModel

/// Parses an MJCF document whose <worldbody> holds `world`, with optional extra top-level sections.
func mjcf(_ world: String, head: String = "", tail: String = "", path: String = "/tmp/test.xml") throws(ModelError) -> RobotModel {
    try MJCFLoader.parse(xml: "<mujoco model=\"t\">\n\(head)\n<worldbody>\n\(world)\n</worldbody>\n\(tail)\n</mujoco>\n", path: path)
}

/// The error thrown by `body`, or nil.
func mjcfError(_ body: () throws(ModelError) -> RobotModel) -> ModelError? {
    do { _ = try body(); return nil } catch { return error }
}

func joint(_ m: RobotModel, _ name: String) -> Joint? { m.joints.first { $0.name == name } }
func link(_ m: RobotModel, _ name: String) -> Link? { m.links.first { $0.name == name } }

@Suite("MJCF loader")
struct MJCFLoaderTests {
    @Test func aMujocoFileGivenAsURDFLoadsAsMJCF() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let path = try dir.write("m.xml", "<?xml version=\"1.0\"?>\n<!-- a model -->\n<mujoco model=\"m\"><worldbody><body name=\"b\"><freejoint/><geom size=\".1\"/></body></worldbody></mujoco>")
        #expect(MJCFLoader.isMJCF(path: path))
        let model = try URDFLoader.load(path: path)
        #expect(model.name == "m")
        #expect(model.declaresFloatingBase)
        #expect(model.links.map(\.name) == ["world", "b"])
        let urdf = try dir.write("r.urdf", robotXML("<link name=\"a\"/>"))
        #expect(!MJCFLoader.isMJCF(path: urdf))
    }

    /// Sphere: m = ρ·4/3·πr³, I = 2/5·m·r²; density defaults to 1000 kg/m³.
    @Test func sphereMassAndInertiaFollowTheSolidFormulas() throws {
        let m = try mjcf("<body name=\"b\"><freejoint/><geom type=\"sphere\" size=\"0.1\"/></body>")
        let b = try #require(link(m, "b"))
        let mass = 1000 * 4.0 / 3.0 * Double.pi * 0.001
        #expect(abs(b.inertial.mass - mass) < 1e-12)
        #expect(abs(b.inertial.ixx - 0.4 * mass * 0.01) < 1e-15)
        #expect(b.inertial.ixy == 0)
    }

    /// Box with half sides (a, b, c) and mass m: Ixx = m(b² + c²)/3, which is m(B² + C²)/12 in full sides.
    @Test func boxGeomUsesHalfSidesAndItsMassAttribute() throws {
        let m = try mjcf("<body name=\"b\"><freejoint/><geom type=\"box\" size=\"0.1 0.2 0.3\" mass=\"6\"/></body>")
        let b = try #require(link(m, "b"))
        #expect(b.inertial.mass == 6)
        #expect(abs(b.inertial.ixx - 6 * (0.04 + 0.09) / 3) < 1e-14)
        #expect(abs(b.inertial.izz - 6 * (0.01 + 0.04) / 3) < 1e-14)
        guard case .box(let size) = b.collisions[0].shape else { Issue.record("expected a box"); return }
        #expect(size == Vector3(0.2, 0.4, 0.6))
    }

    /// Two equal spheres at ±d on x: the body's COM is the midpoint and Iyy = 2(2/5·m·r² + m·d²).
    @Test func severalGeomsAddWithTheParallelAxisTheorem() throws {
        let m = try mjcf("""
            <body name="b"><freejoint/>
              <geom type="sphere" size="0.1" pos="0.5 0 0" mass="2"/>
              <geom type="sphere" size="0.1" pos="-0.5 0 0" mass="2"/>
            </body>
            """)
        let b = try #require(link(m, "b"))
        #expect(b.inertial.mass == 4)
        #expect(length(b.inertial.origin.position) < 1e-15)
        #expect(abs(b.inertial.iyy - 2 * (0.4 * 2 * 0.01 + 2 * 0.25)) < 1e-12)
        #expect(abs(b.inertial.ixx - 2 * 0.4 * 2 * 0.01) < 1e-12)
    }

    /// fromto puts a capsule's centre at the midpoint with its axis along the segment and half length |Δ|/2.
    @Test func fromtoPlacesACapsuleAlongTheSegment() throws {
        let m = try mjcf("<body name=\"b\"><freejoint/><geom type=\"capsule\" fromto=\"0 0 0 0.4 0 0\" size=\"0.05 9\"/></body>")
        let g = try #require(link(m, "b")?.collisions.first)
        #expect(close(g.origin.position, Vector3(0.2, 0, 0)))
        let axis = g.origin.rotation.rotate(Vector3(0, 0, 1))
        #expect(abs(abs(axis.x) - 1) < 1e-12 && abs(axis.y) < 1e-12 && abs(axis.z) < 1e-12)
        guard case .capsule(let r, let l) = g.shape else { Issue.record("expected a capsule"); return }
        #expect(r == 0.05 && abs(l - 0.4) < 1e-15)
    }

    /// euler (degrees, xyz intrinsic by default), axisangle, quat (w x y z), xyaxes and zaxis give one rotation.
    @Test func everyOrientationFormGivesTheSameRotation() throws {
        let forms = ["euler=\"0 0 90\"", "axisangle=\"0 0 1 90\"", "quat=\"0.7071067811865476 0 0 0.7071067811865476\"",
                     "xyaxes=\"0 1 0 -1 0 0\""]
        for form in forms {
            let m = try mjcf("<body name=\"b\" pos=\"1 2 3\" \(form)><geom size=\".1\"/></body>")
            let j = try #require(m.joints.first)
            #expect(j.type == .fixed)
            #expect(close(j.origin.position, Vector3(1, 2, 3)))
            #expect(close(j.origin.rotation.rotate(Vector3(1, 0, 0)), Vector3(0, 1, 0), tolerance: 1e-12), "\(form)")
        }
        let z = try mjcf("<body name=\"b\" zaxis=\"1 0 0\"><geom size=\".1\"/></body>")
        #expect(close(try #require(z.joints.first).origin.rotation.rotate(Vector3(0, 0, 1)), Vector3(1, 0, 0), tolerance: 1e-12))
        // Radians and an extrinsic sequence: XYZ about fixed axes is Rz·Ry·Rx.
        let r = try mjcf("<body name=\"b\" euler=\"1.5707963267948966 0 1.5707963267948966\"><geom size=\".1\"/></body>",
                         head: "<compiler angle=\"radian\" eulerseq=\"XYZ\"/>")
        #expect(close(try #require(r.joints.first).origin.rotation.rotate(Vector3(0, 1, 0)), Vector3(0, 0, 1), tolerance: 1e-12))
    }

    /// Two hinges in one body become a chain through a massless frame: joint frames at the anchors, the body's
    /// link frame at the last anchor, so rotating q2 turns the body about p2 as MuJoCo's F·T(p)·R(q)·T(−p).
    @Test func severalJointsInABodyBecomeAChainAtTheirAnchors() throws {
        let m = try mjcf("""
            <body name="b" pos="0 0 1">
              <joint name="j1" type="hinge" axis="0 0 1" pos="0.1 0 0"/>
              <joint name="j2" type="hinge" axis="0 1 0" pos="0.3 0 0"/>
              <geom type="sphere" size="0.1" pos="1 0 0"/>
              <site name="tip" pos="2 0 0"/>
            </body>
            """)
        let j1 = try #require(joint(m, "j1")), j2 = try #require(joint(m, "j2"))
        #expect(close(j1.origin.position, Vector3(0.1, 0, 1)))
        #expect(close(j2.origin.position, Vector3(0.2, 0, 0)))
        #expect(m.links[j1.child].role == .jointFrame && m.links[j1.child].inertial.mass == 0)
        #expect(j2.parent == j1.child)
        let b = try #require(link(m, "b"))
        #expect(close(b.inertial.origin.position, Vector3(0.7, 0, 0)))
        #expect(close(b.collisions[0].origin.position, Vector3(0.7, 0, 0)))
        let siteJoint = try #require(m.joints.first { m.links[$0.child].name == "tip" })
        #expect(close(siteJoint.origin.position, Vector3(1.7, 0, 0)))
        #expect(m.links[siteJoint.child].role == .site)
        #expect(m.dof == 2)
    }

    /// Defaults: a nested class inherits its parent's attributes; childclass applies below a body; class on
    /// an element wins; a shorter size only replaces the first values.
    @Test func defaultClassesInheritAndChildclassApplies() throws {
        let m = try mjcf("""
            <body name="a" childclass="leg">
              <joint name="ja" range="-10 20"/>
              <geom fromto="0 0 0 0 0 -1"/>
              <body name="b" pos="0 0 -1">
                <joint name="jb" class="stiff"/>
                <geom size="0.2"/>
              </body>
            </body>
            """, head: """
            <default>
              <joint damping="1"/>
              <default class="leg">
                <joint type="hinge" axis="0 1 0" damping="2" armature="0.5"/>
                <geom type="capsule" size="0.1 0.3"/>
                <default class="stiff"><joint damping="7" frictionloss="0.25" range="-1 1"/></default>
              </default>
            </default>
            """)
        let ja = try #require(joint(m, "ja")), jb = try #require(joint(m, "jb"))
        #expect(ja.damping == 2 && ja.armature == 0.5 && ja.axis == Vector3(0, 1, 0))
        #expect(abs(ja.limit!.lower + 10 * Double.pi / 180) < 1e-15 && abs(ja.limit!.upper - 20 * Double.pi / 180) < 1e-15)
        #expect(jb.damping == 7 && jb.friction == 0.25 && jb.armature == 0.5 && ja.type == .revolute)
        guard case .capsule(let r, let l) = try #require(link(m, "b")).collisions[0].shape else { Issue.record("capsule"); return }
        #expect(r == 0.2 && abs(l - 0.6) < 1e-15)
    }

    @Test func ballJointBecomesThreeHingesWithItsConeAsRange() throws {
        let m = try mjcf("<body name=\"b\"><joint name=\"s\" type=\"ball\" range=\"0 45\" damping=\"3\"/><geom size=\".1\"/></body>")
        #expect(m.jointNames == ["s_x", "s_y", "s_z"])
        #expect(m.movableJoints.map(\.axis) == [Vector3(1, 0, 0), Vector3(0, 1, 0), Vector3(0, 0, 1)])
        for j in m.movableJoints {
            #expect(abs(j.limit!.upper - Double.pi / 4) < 1e-15 && j.limit!.lower == -j.limit!.upper && j.damping == 3)
        }
        #expect(m.warnings.first?.message.contains("ball joint") == true)
    }

    /// Motors: effort = |gear|·max|ctrlrange| (capped by forcerange); joints without a motor get 0 when every
    /// actuator is a joint motor; unlimited hinges and slides have infinite limits.
    @Test func motorsBecomeEffortLimits() throws {
        let m = try mjcf("""
            <body name="b"><joint name="x" type="slide" axis="1 0 0"/><joint name="h" range="-1 1"/>
              <joint name="k" type="hinge"/><geom size=".1"/></body>
            """, head: "<compiler angle=\"radian\"/>",
            tail: "<actuator><motor joint=\"h\" gear=\"50\" ctrlrange=\"-1 2\"/><motor joint=\"k\" gear=\"-10\" ctrlrange=\"-1 1\" forcerange=\"-4 4\"/></actuator>")
        let x = try #require(joint(m, "x")), h = try #require(joint(m, "h")), k = try #require(joint(m, "k"))
        #expect(h.limit?.effort == 100 && k.limit?.effort == 4 && x.limit?.effort == 0)
        #expect(x.type == .prismatic && x.limit?.lower == -.infinity && x.limit?.upper == .infinity)
        #expect(k.type == .continuous)
        #expect(h.type == .revolute && h.limit?.lower == -1 && h.limit?.upper == 1)
    }

    /// Explicit damping is stable while h·d/I < 2: substeps n is the smallest with (dt/n)·d/I ≤ 1, I the
    /// body's inertia about the hinge axis (a point-like 2 kg sphere 0.5 m from the axis: I ≈ 0.5 kg·m²).
    @Test func substepsKeepExplicitDampingStable() throws {
        let m = try mjcf("""
            <body name="b"><joint name="h" axis="0 1 0" damping="1000" armature="0.1"/>
              <geom type="sphere" size="0.01" pos="0.5 0 0" mass="2"/></body>
            """, head: "<option timestep=\"0.01\"/>")
        let inertia = 2 * 0.25 + 0.4 * 2 * 0.0001 + 0.1
        let rate = 1000 / inertia
        #expect(m.physicsDefaults?.substeps == Int((0.01 * rate).rounded(.up)))
        #expect(m.physicsDefaults?.timestep == 0.01)
    }

    @Test func setTotalMassScalesEveryBody() throws {
        let m = try mjcf("<body name=\"a\"><freejoint/><geom size=\".1\" mass=\"1\"/><body name=\"b\"><geom size=\".1\" mass=\"3\"/></body></body>",
                         head: "<compiler settotalmass=\"8\"/>")
        #expect(link(m, "a")?.inertial.mass == 2 && link(m, "b")?.inertial.mass == 6)
        #expect(abs(try #require(link(m, "b")).inertial.ixx - 0.4 * 6 * 0.01) < 1e-15)
    }

    /// An explicit <inertial> wins unless inertiafromgeom="true"; its quat rotates diaginertia.
    @Test func explicitInertialIsUsedAsGiven() throws {
        let xml = "<body name=\"b\"><freejoint/><inertial pos=\"0 0 1\" mass=\"2\" diaginertia=\"1 2 3\" quat=\"0.7071067811865476 0 0 0.7071067811865476\"/><geom size=\".1\" mass=\"5\"/></body>"
        let m = try mjcf(xml)
        let b = try #require(link(m, "b"))
        #expect(b.inertial.mass == 2 && close(b.inertial.origin.position, Vector3(0, 0, 1)))
        #expect(abs(b.inertial.ixx - 2) < 1e-12 && abs(b.inertial.iyy - 1) < 1e-12 && abs(b.inertial.izz - 3) < 1e-12)
        let fromGeoms = try mjcf(xml, head: "<compiler inertiafromgeom=\"true\"/>")
        #expect(link(fromGeoms, "b")?.inertial.mass == 5)
    }

    /// A closed STL cube of side s and mass m: I = m·s²/6 about its centre, COM at the centre.
    @Test func meshGeomMassComesFromItsClosedSurface() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let c = (0..<8).map { Vector3($0 & 1 == 0 ? 0 : 2, $0 & 2 == 0 ? 0 : 2, $0 & 4 == 0 ? 0 : 2) }
        // Outward-wound faces of the cube [0, 2]³.
        let quads = [[0, 2, 3, 1], [4, 5, 7, 6], [0, 1, 5, 4], [2, 6, 7, 3], [0, 4, 6, 2], [1, 3, 7, 5]]
        let triangles = quads.flatMap { q in [[c[q[0]], c[q[1]], c[q[2]]], [c[q[0]], c[q[2]], c[q[3]]]] }
        try dir.write("meshes/cube.stl", data: binarySTL(triangles))
        let path = try dir.write("m.xml", """
            <mujoco><compiler meshdir="meshes"/><asset><mesh name="cube" file="cube.stl" scale="0.5 0.5 0.5"/></asset>
            <worldbody><body name="b"><freejoint/><geom type="mesh" mesh="cube" mass="3"/></body></worldbody></mujoco>
            """)
        let m = try MJCFLoader.load(path: path)
        let b = try #require(link(m, "b"))
        #expect(b.inertial.mass == 3)
        #expect(close(b.inertial.origin.position, Vector3(0.5, 0.5, 0.5), tolerance: 1e-12))
        #expect(abs(b.inertial.ixx - 3.0 / 6.0) < 1e-12 && abs(b.inertial.ixy) < 1e-12)
        guard case .mesh(let mesh) = b.collisions[0].shape else { Issue.record("expected a mesh"); return }
        #expect(mesh.vertices.count == 36 && mesh.vertices.allSatisfy { $0.max() <= 1 })
    }

    @Test func includedFilesAreSplicedAndKeepTheirOwnLocations() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        try dir.write("common/defaults.xml", "<mujoco>\n<default>\n<joint damping=\"4\"/>\n<geom type=\"box\" size=\"1 1\"/>\n</default>\n</mujoco>\n")
        let path = try dir.write("m.xml", "<mujoco><include file=\"./common/defaults.xml\"/><worldbody><body name=\"b\"><joint name=\"j\"/><geom/></body></worldbody></mujoco>")
        let error = mjcfError { () throws(ModelError) in try MJCFLoader.load(path: path) }
        // The included default gives a box only two of three sizes: the error points at the geom in m.xml.
        #expect(error?.location.file == path)
        #expect(error?.message.contains("half side z") == true)
        try dir.write("common/defaults.xml", "<mujoco>\n<default>\n<joint damping=\"4\"/>\n<geom size=\".1\"/>\n</default>\n</mujoco>\n")
        let m = try MJCFLoader.load(path: path)
        #expect(joint(m, "j")?.damping == 4)
        try dir.write("loop.xml", "<mujoco><include file=\"loop.xml\"/></mujoco>")
        let loop = mjcfError { () throws(ModelError) in try MJCFLoader.load(path: dir.path + "/loop.xml") }
        #expect(loop?.message.contains("includes itself") == true)
        let outside = mjcfError { () throws(ModelError) in
            try MJCFLoader.parse(xml: "<mujoco><include file=\"../../etc/passwd\"/></mujoco>", path: dir.path + "/x.xml")
        }
        #expect(outside?.message.contains("outside the model folder") == true)
    }

    @Test func sitesKeepTheirNamesUnlessABodyHasIt() throws {
        let m = try mjcf("<body name=\"torso\"><freejoint/><geom size=\".1\"/><site name=\"torso\"/><site name=\"imu\" pos=\"0 0 0.1\"/></body>")
        #expect(m.links.filter { $0.role == .site }.map(\.name) == ["torso_site", "imu"])
        #expect(m.dof == 0 && m.totalMass > 0)
    }

    /// Errors name the file, the line and what is wrong.
    @Test func badInputIsAnErrorAtItsLine() {
        let cases: [(String, String, String)] = [
            ("<body name=\"b\">\n<joint type=\"screw\"/><geom size=\".1\"/></body>", "type=\"screw\"", "<joint type"),
            ("<body name=\"b\">\n<geom size=\"x\"/></body>", "'x' is not a number", "<geom size"),
            ("<body name=\"b\" euler=\"0 0 1\"\n quat=\"1 0 0 0\"><geom size=\".1\"/></body>", "orientation twice", "<body name"),
            ("<body name=\"b\">\n<geom class=\"nope\" size=\".1\"/></body>", "class 'nope'", "<geom class"),
            ("<body name=\"b\"><geom size=\".1\"/>\n<body name=\"c\"><freejoint/><geom size=\".1\"/></body></body>", "not a top-level body", "<freejoint"),
            ("<body name=\"b\">\n<geom type=\"capsule\" size=\".1\"/></body>", "half length", "<geom type"),
            ("<body name=\"b\">\n<joint range=\"1 0\" limited=\"true\"/><geom size=\".1\"/></body>", "lower limit", "<joint range"),
            ("<body name=\"b\">\n<geom type=\"plane\" size=\"1 1 1\"/></body>", "plane", "<geom type"),
        ]
        for (world, message, line) in cases {
            let xml = "<mujoco>\n<worldbody>\n\(world)\n</worldbody>\n</mujoco>\n"
            let error = mjcfError { () throws(ModelError) in try MJCFLoader.parse(xml: xml, path: "/m/x.xml") }
            #expect(error?.message.contains(message) == true, "\(message): \(String(describing: error))")
            #expect(error?.location.file == "/m/x.xml")
            #expect(error?.location.line == lineNumber(of: line, in: xml), "\(message) line")
        }
        let noLimitedFlag = mjcfError { () throws(ModelError) in
            try mjcf("<body name=\"b\"><joint range=\"0 1\"/><geom size=\".1\"/></body>", head: "<compiler autolimits=\"false\"/>")
        }
        #expect(noLimitedFlag?.message.contains("autolimits") == true)
        let notMujoco = mjcfError { () throws(ModelError) in try MJCFLoader.parse(xml: "<robot name=\"r\"/>", path: "/m/x.xml") }
        #expect(notMujoco?.message.contains("expected <mujoco>") == true)
        let empty = mjcfError { () throws(ModelError) in try mjcf("") }
        #expect(empty?.message.contains("no <body>") == true)
    }

    /// Sizes that overflow and bodies nested too deep are errors, not infinities or a stack overflow.
    @Test func overflowAndDepthAreRefused() {
        let huge = mjcfError { () throws(ModelError) in
            try mjcf("<body name=\"b\"><freejoint/><geom type=\"box\" size=\"1e200 1e200 1e200\"/></body>")
        }
        #expect(huge?.message.contains("too large to represent") == true)
        let deep = String(repeating: "<body>", count: 201) + String(repeating: "</body>", count: 201)
        let tooDeep = mjcfError { () throws(ModelError) in try mjcf(deep) }
        #expect(tooDeep?.message.contains("nested more than 200 levels") == true)
    }

    /// Finite numbers whose products overflow (timestep × damping rate, settotalmass, gain × gear × ctrlrange,
    /// mesh scale) give a capped suggestion or an error at their line: never a trap, an infinite or NaN limit.
    @Test func overflowingProductsAreCappedOrRefused() throws {
        // 1e300 s · 1e10 N·m·s / 4e-3 kg·m² is far beyond Int: the suggestion stops at the cap.
        let stiff = try mjcf("<body name=\"b\"><joint name=\"h\" damping=\"1e10\"/><geom size=\".1\"/></body>",
                             head: "<option timestep=\"1e300\"/>")
        #expect(stiff.physicsDefaults?.substeps == MJCFLoader.maxSubsteps)

        let cases: [(world: String, head: String, tail: String, message: String, line: String)] = [
            // I = 0.4·1 kg·(1e100 m)² scaled by 1e300 overflows.
            ("<body name=\"b\"><freejoint/><geom size=\"1e100\" mass=\"1\"/></body>",
             "<compiler settotalmass=\"1e300\"/>", "", "settotalmass", "<body name"),
            ("<body name=\"b\"><joint name=\"h\"/><geom size=\".1\"/></body>", "",
             "<actuator>\n<motor joint=\"h\" gear=\"1e200\" ctrlrange=\"-1e200 1e200\"/></actuator>", "too large to represent", "<motor"),
            // gain × gear overflows and the range is 0 0: ∞ · 0 would be a NaN limit.
            ("<body name=\"b\"><joint name=\"h\"/><geom size=\".1\"/></body>", "",
             "<actuator>\n<general joint=\"h\" gainprm=\"1e200\" gear=\"1e200\" ctrllimited=\"true\" ctrlrange=\"0 0\"/></actuator>",
             "too large to represent", "<general"),
            ("<body name=\"b\"><joint name=\"h\"/><geom size=\".1\"/></body>", "",
             "<actuator>\n<motor joint=\"h\" gear=\"1 x\" ctrlrange=\"-1 1\"/></actuator>", "'x' is not a number", "<motor"),
            ("<body name=\"b\"><joint name=\"h\"/><geom size=\".1\"/></body>", "",
             "<actuator>\n<motor joint=\"h\" gear=\"1e307\" ctrlrange=\"-10 10\"/>\n<motor joint=\"h\" gear=\"1e307\" ctrlrange=\"-10 10\"/></actuator>",
             "add up to more than can be represented", "<motor joint=\"h\" gear=\"1e307\" ctrlrange=\"-10 10\"/></actuator>"),
        ]
        for c in cases {
            let xml = "<mujoco model=\"t\">\n\(c.head)\n<worldbody>\n\(c.world)\n</worldbody>\n\(c.tail)\n</mujoco>\n"
            let error = mjcfError { () throws(ModelError) in try MJCFLoader.parse(xml: xml, path: "/m/x.xml") }
            #expect(error?.message.contains(c.message) == true, "\(c.message): \(String(describing: error))")
            #expect(error?.location.line == lineNumber(of: c.line, in: xml), "\(c.message) line")
        }

        // A mesh scale that takes a vertex past Double's range is an error naming the mesh asset's line.
        let dir = try TempDir()
        defer { dir.remove() }
        let t = [[Vector3(0, 0, 0), Vector3(2, 0, 0), Vector3(0, 2, 0)], [Vector3(0, 0, 0), Vector3(0, 2, 0), Vector3(0, 0, 2)],
                 [Vector3(0, 0, 0), Vector3(0, 0, 2), Vector3(2, 0, 0)], [Vector3(2, 0, 0), Vector3(0, 0, 2), Vector3(0, 2, 0)]]
        try dir.write("tet.stl", data: binarySTL(t))
        let path = try dir.write("m.xml", """
            <mujoco><asset>
            <mesh name="tet" file="tet.stl" scale="1e308 1 1"/></asset>
            <worldbody><body name="b"><freejoint/><geom type="mesh" mesh="tet"/></body></worldbody></mujoco>
            """)
        let scaled = mjcfError { () throws(ModelError) in try MJCFLoader.load(path: path) }
        #expect(scaled?.message.contains("too large to represent") == true, "\(String(describing: scaled))")
        #expect(scaled?.message.contains("mesh 'tet' at \(path):2") == true, "\(String(describing: scaled))")
    }

    /// What Embody does not simulate is one summary warning; other top-level trees are named.
    @Test func ignoredFeaturesAreSummarizedOnce() throws {
        let m = try mjcf("<geom type=\"plane\" size=\"1 1 1\"/><body name=\"a\"><freejoint/><geom size=\".1\"/></body><body name=\"ball\"><freejoint/><geom size=\".1\"/></body>",
                         tail: "<tendon><fixed name=\"t\"/></tendon><equality><weld body1=\"a\"/></equality><sensor><gyro site=\"s\"/><touch site=\"s\"/></sensor>")
        #expect(m.warnings.count == 2)
        let summary = m.warnings[0].message
        for part in ["1 × <tendon> element", "1 × <equality> element", "2 × <sensor> entry", "world plane geom"] {
            #expect(summary.contains(part), "\(part) in \(summary)")
        }
        #expect(m.warnings[1].message.contains("'ball' is a separate tree"))
        #expect(m.physicsDefaults == PhysicsDefaults(timestep: 0.002, gravity: Vector3(0, 0, -9.81), substeps: 1))
    }

    /// The ellipsoid's hull points lie on its surface: (x/a)² + (y/b)² + (z/c)² = 1.
    @Test func ellipsoidIsAHullOfSurfacePoints() throws {
        let m = try mjcf("<body name=\"b\"><freejoint/><geom type=\"ellipsoid\" size=\"0.3 0.2 0.1\"/></body>")
        let b = try #require(link(m, "b"))
        guard case .mesh(let mesh) = b.collisions[0].shape else { Issue.record("expected a hull"); return }
        #expect(mesh.vertices.count == MJCFLoader.ellipsoidHullPoints)
        for v in mesh.vertices {
            #expect(abs((v.x / 0.3) * (v.x / 0.3) + (v.y / 0.2) * (v.y / 0.2) + (v.z / 0.1) * (v.z / 0.1) - 1) < 1e-12)
        }
        let mass = 1000 * 4.0 / 3.0 * Double.pi * 0.3 * 0.2 * 0.1
        #expect(abs(b.inertial.mass - mass) < 1e-9 && abs(b.inertial.ixx - mass * (0.04 + 0.01) / 5) < 1e-12)
    }
}

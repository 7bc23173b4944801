// MARK: - Well-formed URDF files

import Foundation
import Testing
@testable import EmbodyModel

@Suite("URDF loading")
struct URDFLoaderTests {
    // MARK: - Joints

    @Test("Every joint type parses with its type, axis, limits and dynamics")
    func jointTypes() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let xml = robotXML("""
          <link name="world"/>
          <link name="base"><inertial><mass value="2"/><inertia ixx="1" ixy="0" ixz="0" iyy="1" iyz="0" izz="1"/></inertial></link>
          <link name="a"/> <link name="b"/> <link name="c"/> <link name="d"/> <link name="e"><inertial><mass value="1"/><inertia ixx="1" ixy="0" ixz="0" iyy="1" iyz="0" izz="1"/></inertial></link>
          <joint name="free" type="floating"><parent link="world"/><child link="base"/></joint>
          <joint name="hinge" type="revolute">
            <parent link="base"/><child link="a"/>
            <origin xyz="0 0 0.5" rpy="0 0 1.5"/>
            <axis xyz="0 0 2"/>
            <limit lower="-1.5" upper="2.5" effort="30" velocity="4"/>
            <dynamics damping="0.7" friction="0.2"/>
          </joint>
          <joint name="spin" type="continuous">
            <parent link="a"/><child link="b"/>
            <axis xyz="1 1 0"/>
            <limit effort="5" velocity="10"/>
          </joint>
          <joint name="slide" type="prismatic">
            <parent link="b"/><child link="c"/>
            <axis xyz="0 -1 0"/>
            <limit lower="0" upper="0.3" effort="100" velocity="0.5"/>
            <dynamics damping="3"/>
          </joint>
          <joint name="weld" type="fixed"><parent link="c"/><child link="d"/></joint>
          <joint name="free_spin" type="continuous"><parent link="d"/><child link="e"/></joint>
        """)
        let model = try URDFLoader.load(path: try dir.write("robot.urdf", xml))
        #expect(model.name == "r")
        #expect(model.warnings.isEmpty)
        #expect(model.joints.map(\.name) == ["free", "hinge", "spin", "slide", "weld", "free_spin"])
        #expect(model.joints.map(\.type) == [.floating, .revolute, .continuous, .prismatic, .fixed, .continuous])
        #expect(model.jointNames == ["hinge", "spin", "slide", "free_spin"])
        #expect(model.dof == 4)
        #expect(model.declaresFloatingBase)

        let hinge = model.joints[1]
        #expect(hinge.axis == Vector3(0, 0, 1))
        #expect(hinge.limit == JointLimit(lower: -1.5, upper: 2.5, effort: 30, velocity: 4))
        #expect(hinge.damping == 0.7 && hinge.friction == 0.2)
        #expect(hinge.origin == Transform(xyz: Vector3(0, 0, 0.5), rpy: Vector3(0, 0, 1.5)))
        #expect(model.links[hinge.parent].name == "base" && model.links[hinge.child].name == "a")
        #expect(hinge.location.line == lineNumber(of: "name=\"hinge\"", in: xml))

        let spin = model.joints[2]
        #expect(close(spin.axis, Vector3(1, 1, 0) / 2.0.squareRoot()))
        #expect(spin.limit == JointLimit(lower: -.infinity, upper: .infinity, effort: 5, velocity: 10))
        #expect(spin.damping == 0 && spin.friction == 0)

        let slide = model.joints[3]
        #expect(slide.axis == Vector3(0, -1, 0))
        #expect(slide.limit == JointLimit(lower: 0, upper: 0.3, effort: 100, velocity: 0.5))
        #expect(slide.damping == 3 && slide.friction == 0)

        #expect(model.joints[4].limit == nil)
        #expect(model.joints[4].axis == Vector3(1, 0, 0))
        #expect(model.joints[5].limit == nil)
        #expect(model.joints[5].axis == Vector3(1, 0, 0), "the URDF default axis is x")
    }

    @Test("A continuous joint ignores <limit> lower and upper with a warning")
    func continuousIgnoresPositionLimits() throws {
        let xml = robotXML("""
          <link name="a"/><link name="b"><inertial><mass value="1"/><inertia ixx="1" ixy="0" ixz="0" iyy="1" iyz="0" izz="1"/></inertial></link>
          <joint name="wheel" type="continuous"><parent link="a"/><child link="b"/>
            <limit lower="-1" upper="1" velocity="3"/>
          </joint>
        """)
        let model = try URDFLoader.parse(xml: xml, path: "/nowhere/robot.urdf")
        #expect(model.joints[0].limit == JointLimit(lower: -.infinity, upper: .infinity, effort: .infinity, velocity: 3))
        // Ignored as other importers ignore it: one summary warning, and the detail for --verbose.
        #expect(model.warnings.count == 1)
        #expect(model.warnings.first?.message.contains("ignored 1 element Embody does not use (1 <limit>)") == true)
        #expect(model.ignoredElements.count == 1)
        #expect(model.ignoredElements.first?.location.line == lineNumber(of: "<limit", in: xml))
        #expect(model.ignoredElements.first?.message.contains("joint 'wheel'") == true)
    }

    @Test("A stray trailing dot after a number ('-1.57.') reads as Bullet reads it, with a warning; other junk is an error")
    func strayTrailingDot() throws {
        let joint = { (lower: String) in robotXML("""
          <link name="a"/><link name="b"><inertial><mass value="1"/><inertia ixx="1" ixy="0" ixz="0" iyy="1" iyz="0" izz="1"/></inertial></link>
          <joint name="hinge" type="revolute"><parent link="a"/><child link="b"/>
            <limit effort="10" lower="\(lower)" upper="1.57" velocity="3"/>
          </joint>
        """) }
        let xml = joint("-1.57.")
        let model = try URDFLoader.parse(xml: xml, path: "/nowhere/robot.urdf")
        #expect(model.joints[0].limit == JointLimit(lower: -1.57, upper: 1.57, effort: 10, velocity: 3))
        let warning = model.warnings.first { $0.message.contains("stray trailing '.'") }
        #expect(warning?.location.line == lineNumber(of: "<limit", in: xml))
        // Not a general leniency: a dot without a number before it, or two dots inside, stays an error.
        for junk in ["1..", "1.5.7", "-.", "1e3."] {
            #expect(throws: ModelError.self) { try URDFLoader.parse(xml: joint(junk), path: "/nowhere/robot.urdf") }
        }
    }

    @Test("Joints come out in topological order whatever the file order; links keep document order")
    func topologicalOrder() throws {
        // Tree: base → (j_arm) arm → (j_hand) hand → (j_finger) finger; base → (j_leg) leg.
        let xml = robotXML("""
          <link name="finger"/>
          <link name="hand"/>
          <link name="base"/>
          <link name="leg"/>
          <link name="arm"/>
          <joint name="j_finger" type="fixed"><parent link="hand"/><child link="finger"/></joint>
          <joint name="j_hand" type="fixed"><parent link="arm"/><child link="hand"/></joint>
          <joint name="j_arm" type="fixed"><parent link="base"/><child link="arm"/></joint>
          <joint name="j_leg" type="fixed"><parent link="base"/><child link="leg"/></joint>
        """)
        let model = try URDFLoader.parse(xml: xml, path: "/nowhere/robot.urdf")
        #expect(model.links.map(\.name) == ["finger", "hand", "base", "leg", "arm"])
        #expect(model.root == 2)
        #expect(model.joints.map(\.name) == ["j_arm", "j_hand", "j_finger", "j_leg"])
        var known: Set<Int> = [model.root]
        for joint in model.joints {
            #expect(known.contains(joint.parent), "joint \(joint.name) comes before its parent link is reached")
            known.insert(joint.child)
        }
    }

    // MARK: - Links

    @Test("A rotated inertial frame keeps its rpy and the full inertia tensor")
    func rotatedInertial() throws {
        let xml = robotXML("""
          <link name="body">
            <inertial>
              <origin xyz="0.1 0.2 0.3" rpy="0.5 -0.25 1.0"/>
              <mass value="3.5"/>
              <inertia ixx="0.4" ixy="-0.01" ixz="0.02" iyy="0.5" iyz="0.03" izz="0.6"/>
            </inertial>
          </link>
        """)
        let model = try URDFLoader.parse(xml: xml, path: "/nowhere/robot.urdf")
        let inertial = model.links[0].inertial
        #expect(inertial.mass == 3.5)
        #expect(inertial.origin.position == Vector3(0.1, 0.2, 0.3))
        #expect(inertial.origin.rotation == Quaternion(rpy: Vector3(0.5, -0.25, 1.0)))
        #expect(inertial.ixx == 0.4 && inertial.iyy == 0.5 && inertial.izz == 0.6)
        #expect(inertial.ixy == -0.01 && inertial.ixz == 0.02 && inertial.iyz == 0.03)
        #expect(model.totalMass == 3.5)
        #expect(model.links[0].location.line == lineNumber(of: "<link name=\"body\"", in: xml))
    }

    @Test("Box, sphere, cylinder and capsule collisions, visuals and materials")
    func primitiveShapes() throws {
        let xml = robotXML("""
          <material name="steel"><color rgba="0.5 0.5 0.6 1"/></material>
          <link name="a">
            <collision name="hull"><origin xyz="1 2 3" rpy="0 0.5 0"/><geometry><box size="0.1  0.2
                 0.3"/></geometry></collision>
            <collision><geometry><sphere radius="0.05"/></geometry></collision>
            <collision><geometry><cylinder radius="0.02" length="0.4"/></geometry></collision>
            <collision><geometry><capsule radius="0.03" length="0.2"/></geometry></collision>
            <visual name="shell"><geometry><sphere radius="1"/></geometry><material name="steel"/></visual>
            <visual><geometry><box size="1 1 1"/></geometry><material name="red"><color rgba="1 0 0 0.5"/></material></visual>
          </link>
        """)
        let model = try URDFLoader.parse(xml: xml, path: "/nowhere/robot.urdf")
        let link = model.links[0]
        #expect(link.collisions.map(\.shape) == [
            .box(size: Vector3(0.1, 0.2, 0.3)), .sphere(radius: 0.05),
            .cylinder(radius: 0.02, length: 0.4), .capsule(radius: 0.03, length: 0.2),
        ])
        #expect(link.collisions[0].name == "hull")
        #expect(link.collisions[0].origin == Transform(xyz: Vector3(1, 2, 3), rpy: Vector3(0, 0.5, 0)))
        #expect(link.collisions[1].name == nil)
        #expect(link.visuals.count == 2)
        #expect(link.visuals[0].name == "shell")
        #expect(link.visuals[0].rgba == SIMD4(0.5, 0.5, 0.6, 1))
        #expect(link.visuals[1].rgba == SIMD4(1, 0, 0, 0.5))
        #expect(model.warnings.isEmpty)
    }

    // MARK: - Meshes

    @Test("OBJ collision mesh is scaled; other OBJ lines are ignored")
    func objMesh() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        try dir.write("meshes/tri.obj", """
            # a comment
            o thing
            v 1 2 3
            vn 0 0 1
            v  -1   0.5  0\r
            v 0 0 1 1.0
            v 1 1 1
            vt 0.5 0.5
            f 1 2 3
            f 1 2 4
            """)
        let xml = robotXML("""
          <link name="a"><collision><geometry><mesh filename="meshes/tri.obj" scale="2 3 4"/></geometry></collision></link>
        """)
        let model = try URDFLoader.load(path: try dir.write("robot.urdf", xml))
        guard case .mesh(let mesh) = model.links[0].collisions.first?.shape else {
            Issue.record("expected a mesh collision"); return
        }
        // Assimp lists each face's corners in order (OBJ files are read through Assimp).
        #expect(mesh.vertices == [Vector3(2, 6, 12), Vector3(-2, 1.5, 0), Vector3(0, 0, 4),
                                  Vector3(2, 6, 12), Vector3(-2, 1.5, 0), Vector3(2, 3, 4)])
        #expect(mesh.triangles == [0, 1, 2, 3, 4, 5])
        #expect(mesh.scale == Vector3(2, 3, 4))
        #expect(mesh.path == PathTools.realPath(dir.path + "/meshes/tri.obj"))
    }

    @Test("A mesh scale that takes a vertex past Double's range is an error naming the URDF line")
    func overflowingMeshScale() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        try dir.write("meshes/tri.obj", "v 2 0 0\nv 0 1 0\nv 0 0 1\nf 1 2 3\n")
        let xml = robotXML("""
          <link name="a"><collision><geometry>
            <mesh filename="meshes/tri.obj" scale="1e308 10 1"/></geometry></collision></link>
        """)
        let path = try dir.write("robot.urdf", xml)
        do {
            _ = try URDFLoader.load(path: path)
            Issue.record("expected an error")
        } catch {
            #expect(error.message.contains("too large to represent"), "\(error)")
            #expect(error.message.contains("\(path):\(lineNumber(of: "<mesh", in: xml))"), "\(error)")
        }
    }

    @Test("An OBJ face naming a vertex the file does not have is an error, not a trap")
    func objFaceIndexOutOfRange() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        try dir.write("meshes/tri.obj", "v 1 0 0\nv 0 1 0\nv 0 0 1\nf 1 2 99\nf 1 2 3\n")
        let xml = robotXML("""
          <link name="a"><collision><geometry><mesh filename="meshes/tri.obj"/></geometry></collision></link>
        """)
        let path = try dir.write("robot.urdf", xml)
        do {
            let model = try URDFLoader.load(path: path)
            // Read as Assimp reads it (the bad face dropped): every index must name a vertex.
            guard case .mesh(let mesh) = model.links[0].collisions.first?.shape else {
                Issue.record("expected a mesh collision"); return
            }
            #expect(mesh.triangles.allSatisfy { $0 >= 0 && Int($0) < mesh.vertices.count }, "\(mesh.triangles)")
        } catch {
            #expect(error.message.contains("tri.obj"), "\(error)")
        }
    }

    @Test("Binary STL (even with a 'solid' header) and ASCII STL with scale")
    func stlMeshes() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        try dir.write("bin.stl", data: binarySTL([
            [Vector3(0, 0, 0), Vector3(1, 0, 0), Vector3(0, 1, 0)],
            [Vector3(0, 0, 1), Vector3(1, 0, 1), Vector3(0.5, 1, 1)],
        ]))
        try dir.write("text.STL", """
            solid cube
              facet normal 0 0 1
                outer loop
                  vertex 0 0 0
                  vertex 1   0 0\r
                  vertex 0 1 0.5
                endloop
              endfacet
              facet normal 0 0 1
                outer loop
                  vertex 0 0 1
                  vertex 1 0 0
                  vertex 0 1 0
                endloop
              endfacet
            endsolid cube
            """)
        let xml = robotXML("""
          <link name="a">
            <collision><geometry><mesh filename="bin.stl" scale="0.5 0.5 0.5"/></geometry></collision>
            <collision><geometry><mesh filename="text.STL" scale="1 2 -1"/></geometry></collision>
          </link>
        """)
        let model = try URDFLoader.load(path: try dir.write("robot.urdf", xml))
        let shapes = model.links[0].collisions.map(\.shape)
        guard shapes.count == 2, case .mesh(let binary) = shapes[0], case .mesh(let ascii) = shapes[1] else {
            Issue.record("expected two mesh collisions, got \(shapes)"); return
        }
        #expect(binary.vertices == [Vector3(0, 0, 0), Vector3(0.5, 0, 0), Vector3(0, 0.5, 0),
                                    Vector3(0, 0, 0.5), Vector3(0.5, 0, 0.5), Vector3(0.25, 0.5, 0.5)])
        #expect(ascii.vertices == [Vector3(0, 0, 0), Vector3(1, 0, 0), Vector3(0, 2, -0.5),
                                   Vector3(0, 0, -1), Vector3(1, 0, 0), Vector3(0, 2, 0)])
        #expect(ascii.scale == Vector3(1, 2, -1))
    }

    @Test("package:// resolves inside the package folder; relative paths resolve against the URDF")
    func meshResolution() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let obj = tetrahedronOBJ
        try dir.write("my_robot/meshes/base.obj", obj)
        try dir.write("my_robot/urdf/local/part.obj", obj)
        let xml = robotXML("""
          <link name="a">
            <collision><geometry><mesh filename="package://my_robot/meshes/base.obj"/></geometry></collision>
            <collision><geometry><mesh filename="package://my_robot/local/part.obj"/></geometry></collision>
            <collision><geometry><mesh filename="local/../local/./part.obj"/></geometry></collision>
            <visual><geometry><mesh filename="file://\(dir.path)/my_robot/urdf/local/part.obj"/></geometry></visual>
          </link>
        """)
        let model = try URDFLoader.load(path: try dir.write("my_robot/urdf/robot.urdf", xml))
        let paths = model.links[0].collisions.compactMap { geometry -> String? in
            if case .mesh(let mesh) = geometry.shape { return mesh.path }
            return nil
        }
        let real = PathTools.realPath(dir.path)
        #expect(paths == [real + "/my_robot/meshes/base.obj",
                          real + "/my_robot/urdf/local/part.obj",
                          real + "/my_robot/urdf/local/part.obj"])
        #expect(model.links[0].visuals.count == 1)
        #expect(model.warnings.isEmpty)
    }

    @Test("parse(xml:path:) resolves relative meshes against the directory of path")
    func parseUsesPathDirectory() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        try dir.write("models/m.obj", tetrahedronOBJ)
        let xml = robotXML("""
          <link name="a"><collision><geometry><mesh filename="m.obj"/></geometry></collision></link>
        """)
        let model = try URDFLoader.parse(xml: xml, path: dir.path + "/models/never-written.urdf")
        #expect(model.links[0].collisions.count == 1)
        #expect(model.sourcePath == dir.path + "/models/never-written.urdf")
    }

    @Test("A visual mesh that cannot be loaded becomes a warning and the visual is skipped")
    func brokenVisualMeshesWarn() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        try dir.write("shape.dae", "<COLLADA/>")
        try dir.write("empty.obj", "# nothing\n")
        try dir.write("ok.obj", tetrahedronOBJ)
        let xml = robotXML("""
          <link name="a">
            <visual><geometry><mesh filename="shape.dae"/></geometry></visual>
            <visual><geometry><mesh filename="missing.obj"/></geometry></visual>
            <visual><geometry><mesh filename="empty.obj"/></geometry></visual>
            <visual><geometry><mesh filename="ok.obj"/></geometry></visual>
            <collision><geometry><sphere radius="1"/></geometry></collision>
          </link>
        """)
        let model = try URDFLoader.load(path: try dir.write("robot.urdf", xml))
        #expect(model.links[0].visuals.count == 1)
        #expect(model.links[0].collisions.count == 1)
        #expect(model.warnings.map(\.location.line) == [
            lineNumber(of: "shape.dae", in: xml), lineNumber(of: "missing.obj", in: xml), lineNumber(of: "empty.obj", in: xml),
        ])
        #expect(model.warnings[0].message.contains("cannot be read by Assimp"))
        #expect(model.warnings[1].message.contains("not found"))
        #expect(model.warnings[2].message.contains("cannot be read by Assimp"))
        #expect(model.warnings.allSatisfy { $0.message.contains("link 'a'") })
    }

    // MARK: - Warnings and floating bases

    @Test("Unsupported elements become warnings with their lines")
    func unsupportedElementsWarn() throws {
        let xml = robotXML("""
          <link name="a"><sensor_thing/>
            <collision><geometry><box size="1 1 1"><rounded/></box></geometry></collision></link>
          <link name="b"><inertial><mass value="1"/><inertia ixx="1" ixy="0" ixz="0" iyy="1" iyz="0" izz="1"/></inertial></link>
          <joint name="j" type="revolute">
            <parent link="a"/><child link="b"/>
            <limit effort="1" velocity="1"/>
            <safety_controller soft_lower_limit="0"/>
            <calibration rising="0"/>
            <mimic joint="other"/>
            <spring k="3"/>
          </joint>
          <transmission name="t1"><type>x</type></transmission>
          <gazebo reference="a"/>
        """)
        let model = try URDFLoader.parse(xml: xml, path: "/nowhere/robot.urdf")
        let expected: [(String, String)] = [
            ("<sensor_thing/>", "link 'a'"),
            ("<rounded/>", "link 'a' <box>"),
            ("<safety_controller", "joint 'j'"),
            ("<calibration", "joint 'j'"),
            ("<spring", "joint 'j'"),
            ("<transmission", "transmission"),
            ("<gazebo", "gazebo"),
        ]
        // One summary warning for the robot, one for the mimic of an undeclared joint; --verbose lists the rest.
        #expect(model.warnings.count == 2)
        #expect(model.warnings.contains { $0.message.contains("<mimic> names joint 'other', which is not declared") })
        #expect(model.warnings.contains {
            $0.message.contains("ignored 7 elements") && $0.message.contains("1 <gazebo>") && $0.message.contains("1 <transmission>")
        })
        #expect(model.ignoredElements.count == expected.count)
        for (warning, (marker, words)) in zip(model.ignoredElements, expected) {
            #expect(warning.location.line == lineNumber(of: marker, in: xml), "\(warning)")
            #expect(warning.message.contains(words), "\(warning)")
            #expect(warning.location.file == "/nowhere/robot.urdf")
        }
        #expect(model.joints.count == 1)
    }

    @Test("A floating joint from a massless world root is accepted")
    func floatingFromWorld() throws {
        let xml = robotXML("""
          <link name="world"/>
          <link name="torso"><inertial><mass value="10"/><inertia ixx="1" ixy="0" ixz="0" iyy="1" iyz="0" izz="1"/></inertial></link>
          <joint name="float" type="floating"><parent link="world"/><child link="torso"/></joint>
        """)
        let model = try URDFLoader.parse(xml: xml, path: "/nowhere/robot.urdf")
        #expect(model.declaresFloatingBase)
        #expect(model.links[model.root].name == "world")
        #expect(model.dof == 0)
    }

    @Test("Start-tag positions point at the '<', even for tags spanning lines")
    func multiLineTagPosition() throws {
        let xml = """
            <robot name="r">
              <link name="a"/>
                <link
              name="b"/>
              <joint name="j" type="fixed"><parent link="a"/><child link="b"/></joint>
            </robot>
            """
        let model = try URDFLoader.parse(xml: xml, path: "x.urdf")
        #expect(model.links.map(\.location) == [
            EmbodyModel.SourceLocation(file: "x.urdf", line: 2, column: 3),
            EmbodyModel.SourceLocation(file: "x.urdf", line: 3, column: 5),
        ])
    }
}

// MARK: - Lenient where other importers are, strict where physics would be wrong

@Suite("URDF leniency")
struct URDFLeniencyTests {
    static let mass = #"<inertial><mass value="1"/><inertia ixx="1" ixy="0" ixz="0" iyy="1" iyz="0" izz="1"/></inertial>"#

    @Test("Zero-size visuals and collisions are skipped with a warning at their line")
    func zeroSizeSkipped() throws {
        let xml = robotXML("""
          <link name="a">\(Self.mass)
            <visual><geometry><sphere radius="0"/></geometry></visual>
            <visual><geometry><box size="1 0 1"/></geometry></visual>
            <collision><geometry><cylinder radius="0.1" length="0"/></geometry></collision>
            <collision><geometry><box size="1 1 1"/></geometry></collision>
          </link>
        """)
        let model = try URDFLoader.parse(xml: xml, path: "/nowhere/robot.urdf")
        #expect(model.links[0].visuals.isEmpty)
        #expect(model.links[0].collisions.count == 1)
        #expect(model.warnings.map(\.location.line) == [
            lineNumber(of: "<sphere", in: xml), lineNumber(of: "<box size=\"1 0 1\"", in: xml), lineNumber(of: "<cylinder", in: xml),
        ])
        #expect(model.warnings.allSatisfy { $0.message.contains("zero") && $0.message.contains("skipped") })
    }

    @Test("A massless link may lose its only collision to zero size; a zero-scale mesh is skipped")
    func zeroSizeOnMasslessLink() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        try dir.write("m.obj", tetrahedronOBJ)
        let xml = robotXML("""
          <link name="a"><collision><geometry><mesh filename="m.obj" scale="1 0 1"/></geometry></collision></link>
        """)
        let model = try URDFLoader.load(path: try dir.write("robot.urdf", xml))
        #expect(model.links[0].collisions.isEmpty)
        #expect(model.warnings.first?.message.contains("zero scale") == true)
    }

    @Test("lower > upper means no position limit, as in Bullet, with a warning")
    func reversedLimits() throws {
        let xml = robotXML("""
          <link name="a"/><link name="b">\(Self.mass)</link>
          <joint name="slide" type="prismatic"><parent link="a"/><child link="b"/>
            <limit lower="1" upper="-1" effort="2" velocity="3"/></joint>
        """)
        let model = try URDFLoader.parse(xml: xml, path: "/nowhere/robot.urdf")
        #expect(model.joints[0].limit == JointLimit(lower: -.infinity, upper: .infinity, effort: 2, velocity: 3))
        #expect(model.warnings.first?.location.line == lineNumber(of: "<limit", in: xml))
        #expect(model.warnings.first?.message.contains("no position limit") == true)
    }

    @Test("Mimic joints keep their coordinate and record the leader, ratio and offset")
    func mimicJoints() throws {
        let xml = robotXML("""
          <link name="a"/><link name="b">\(Self.mass)</link><link name="c">\(Self.mass)</link>
          <joint name="lead" type="revolute"><parent link="a"/><child link="b"/><limit lower="-1" upper="1" effort="1" velocity="1"/></joint>
          <joint name="follow" type="revolute"><parent link="b"/><child link="c"/><limit lower="-2" upper="2" effort="1" velocity="1"/>
            <mimic joint="lead" multiplier="-2" offset="0.1"/></joint>
        """)
        let model = try URDFLoader.parse(xml: xml, path: "/nowhere/robot.urdf")
        #expect(model.dof == 2, "PyBullet counts a mimic joint as a joint of its own")
        #expect(model.joints[1].mimic == Mimic(joint: "lead", multiplier: -2, offset: 0.1))
        #expect(model.warnings.isEmpty)
    }

    @Test("Tiny negative inertia from exporters reads as 0; a real negative one is refused")
    func negativeInertiaNoise() throws {
        let noisy = robotXML(#"<link name="a"><inertial><mass value="1"/><inertia ixx="-5.42101e-20" ixy="0" ixz="0" iyy="1" iyz="0" izz="1"/></inertial></link>"#)
        let model = try URDFLoader.parse(xml: noisy, path: "/nowhere/robot.urdf")
        #expect(model.links[0].inertial.ixx == 0)
        #expect(model.warnings.first?.message.contains("rounding noise") == true)
        let bad = robotXML(#"<link name="a"><inertial><mass value="1"/><inertia ixx="-0.001" ixy="0" ixz="0" iyy="1" iyz="0" izz="1"/></inertial></link>"#)
        #expect(throws: ModelError.self) { try URDFLoader.parse(xml: bad, path: "/nowhere/robot.urdf") }
    }

    @Test("An XML declaration after blank lines, or with version 0.0, is accepted; lines stay right")
    func lenientDeclaration() throws {
        let xml = "\n\n<?xml version=\"0.0\" ?>\n<robot name=\"r\">\n  <link name=\"a\"/>\n  <bogus/>\n</robot>\n"
        let model = try URDFLoader.parse(xml: xml, path: "/nowhere/robot.urdf")
        #expect(model.ignoredElements.first?.location.line == 6)
    }

    @Test("The composite inertia of links welded by fixed joints follows the parallel-axis theorem")
    func compositeInertia() throws {
        // Two 1 kg point-like masses (inertia 0) 1 m apart on x, welded: m = 2, COM at 0.5, Iyy = Izz = 2 · 0.5² = 0.5.
        let xml = robotXML("""
          <link name="a"><inertial><mass value="1"/><inertia ixx="0" ixy="0" ixz="0" iyy="0" iyz="0" izz="0"/></inertial></link>
          <link name="b"><inertial><mass value="1"/><inertia ixx="0" ixy="0" ixz="0" iyy="0" iyz="0" izz="0"/></inertial></link>
          <joint name="w" type="fixed"><parent link="a"/><child link="b"/><origin xyz="1 0 0"/></joint>
        """)
        let model = try URDFLoader.parse(xml: xml, path: "/nowhere/robot.urdf")
        let c = model.compositeInertial(of: 0)
        #expect(c.mass == 2)
        #expect(close(c.origin.position, Vector3(0.5, 0, 0)))
        #expect(abs(c.ixx) < 1e-12 && abs(c.iyy - 0.5) < 1e-12 && abs(c.izz - 0.5) < 1e-12)
    }

    @Test("The lowest collision point and standing height follow the joint angles")
    func standingHeight() throws {
        // A 1 m leg hanging from the root on a y hinge, ending in a sphere of radius 0.1.
        let xml = robotXML("""
          <link name="hip">\(Self.mass)</link>
          <link name="leg">\(Self.mass)<collision><origin xyz="0 0 -1"/><geometry><sphere radius="0.1"/></geometry></collision></link>
          <joint name="h" type="continuous"><parent link="hip"/><child link="leg"/><axis xyz="0 1 0"/></joint>
        """)
        let model = try URDFLoader.parse(xml: xml, path: "/nowhere/robot.urdf")
        #expect(abs((model.standingHeight(q: [0]) ?? 0) - 1.1) < 1e-12)
        // Swung 60°: the foot rises to −cos 60° = −0.5.
        #expect(abs((model.standingHeight(q: [Double.pi / 3]) ?? 0) - 0.6) < 1e-12)
        #expect(model.lowestCollisionPoint(q: [0])?.link == 1)
    }
}

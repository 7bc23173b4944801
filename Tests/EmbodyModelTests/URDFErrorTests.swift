// MARK: - Malformed URDF files
//
// Each case is a small broken file, the text on the line the error must point at, and words the
// message must contain (always including the element at fault).

import Foundation
import Testing
@testable import EmbodyModel

/// A broken URDF and what its error must say.
struct BadURDF: Sendable, CustomTestStringConvertible {
    /// A short label for the test report.
    var label: String
    /// The URDF text.
    var xml: String
    /// Text on the line the error must point at (its first occurrence).
    var marker: String
    /// The element the error must name (checked against both `element` and `message`).
    var element: String
    /// Further words the message must contain.
    var words: [String] = []
    /// Extra files to write next to the URDF, by relative path.
    var files: [String: String] = [:]

    var testDescription: String { label }
}

private let inertia = #"<inertia ixx="1" ixy="0" ixz="0" iyy="1" iyz="0" izz="1"/>"#
private let twoLinks = #"<link name="a"/><link name="b"/>"#

let badURDFs: [BadURDF] = [
    // MARK: XML and structure
    BadURDF(label: "XML syntax error", xml: robotXML("""
      <link name="a">
        <visual></visul>
      </link>
    """), marker: "</visul>", element: "<visual>", words: ["XML syntax error"]),
    BadURDF(label: "unclosed element", xml: "<robot name=\"r\">\n  <link name=\"a\"/>\n",
            marker: "<robot", element: "<robot>", words: ["XML syntax error", "never closed"]),
    BadURDF(label: "missing <robot>", xml: "<?xml version=\"1.0\"?>\n<model name=\"m\"/>\n",
            marker: "<model", element: "<robot>", words: ["<model>"]),
    BadURDF(label: "robot without name", xml: "<robot>\n<link name=\"a\"/>\n</robot>",
            marker: "<robot>", element: "<robot>", words: ["'name'"]),
    BadURDF(label: "no links", xml: robotXML(""), marker: "<robot", element: "robot 'r'", words: ["no links"]),

    // MARK: Names and the joint graph
    BadURDF(label: "undeclared parent link", xml: robotXML("""
      \(twoLinks)
      <joint name="j2" type="fixed">
        <parent link="foo"/>
        <child link="b"/>
      </joint>
    """), marker: "<parent link=\"foo\"", element: "joint 'j2'",
            words: ["joint 'j2' names parent link 'foo', which is not declared"]),
    BadURDF(label: "undeclared child link", xml: robotXML("""
      \(twoLinks)
      <joint name="j" type="fixed"><parent link="a"/>
        <child link="bee"/></joint>
    """), marker: "<child link=\"bee\"", element: "joint 'j'", words: ["child link 'bee'", "not declared"]),
    BadURDF(label: "link with two parent joints", xml: robotXML("""
      \(twoLinks)<link name="c"/>
      <joint name="j1" type="fixed"><parent link="a"/><child link="b"/></joint>
      <joint name="j2" type="fixed"><parent link="c"/>
        <child link="b" /></joint>
    """), marker: "<child link=\"b\" />", element: "joint 'j2'", words: ["link 'b'", "joint 'j1'", "only one parent"]),
    BadURDF(label: "kinematic cycle beside a root", xml: robotXML("""
      <link name="root"/><link name="b"/><link name="c"/>
      <joint name="j2" type="fixed"><parent link="b"/><child link="c"/></joint>
      <joint name="j3" type="fixed"><parent link="c"/><child link="b"/></joint>
    """), marker: "name=\"j2\"", element: "joint 'j2'", words: ["joint 'j2' and joint 'j3' form a kinematic cycle"]),
    BadURDF(label: "kinematic cycle without a root", xml: robotXML("""
      \(twoLinks)
      <joint name="ab" type="fixed"><parent link="a"/><child link="b"/></joint>
      <joint name="ba" type="fixed"><parent link="b"/><child link="a"/></joint>
    """), marker: "name=\"ab\"", element: "joint 'ab'", words: ["joint 'ab' and joint 'ba' form a kinematic cycle"]),
    BadURDF(label: "joint from a link to itself", xml: robotXML("""
      <link name="a"/>
      <joint name="self" type="fixed"><parent link="a"/>
        <child link="a"/></joint>
    """), marker: "<child link=\"a\"", element: "joint 'self'", words: ["both its parent and its child"]),
    BadURDF(label: "more than one root link", xml: robotXML("""
      \(twoLinks)
      <link name="c"/>
      <joint name="j" type="fixed"><parent link="a"/><child link="b"/></joint>
    """), marker: "<link name=\"c\"", element: "link 'c'", words: ["more than one root link", "'a'"]),
    BadURDF(label: "duplicate link name", xml: robotXML("""
      <link name="a"/>
      <link name="a" />
    """), marker: "<link name=\"a\" />", element: "link 'a'", words: ["declared twice", "line 3"]),
    BadURDF(label: "duplicate joint name", xml: robotXML("""
      \(twoLinks)<link name="c"/>
      <joint name="j" type="fixed"><parent link="a"/><child link="b"/></joint>
      <joint name="j" type="fixed"><parent link="b"/><child link="c"/></joint>
    """), marker: "<child link=\"c\"", element: "joint 'j'", words: ["declared twice"]),

    // MARK: Joint types, axes and limits
    BadURDF(label: "unknown joint type", xml: robotXML("""
      \(twoLinks)
      <joint name="j1" type="hinge"><parent link="a"/><child link="b"/></joint>
    """), marker: "type=\"hinge\"", element: "joint 'j1'",
            words: ["unknown joint type 'hinge' in joint 'j1'; expected one of revolute, continuous, prismatic, fixed, floating"]),
    BadURDF(label: "planar joint", xml: robotXML("""
      \(twoLinks)
      <joint name="p" type="planar"><parent link="a"/><child link="b"/></joint>
    """), marker: "type=\"planar\"", element: "joint 'p'", words: ["planar joints are not supported"]),
    BadURDF(label: "joint without type", xml: robotXML("""
      \(twoLinks)
      <joint name="j"><parent link="a"/><child link="b"/></joint>
    """), marker: "<joint", element: "joint 'j'", words: ["'type'"]),
    BadURDF(label: "revolute without limit", xml: robotXML("""
      \(twoLinks)
      <joint name="elbow" type="revolute"><parent link="a"/><child link="b"/></joint>
    """), marker: "<joint", element: "joint 'elbow'", words: ["<limit"]),
    BadURDF(label: "prismatic limit without effort", xml: robotXML("""
      \(twoLinks)
      <joint name="s" type="prismatic"><parent link="a"/><child link="b"/>
        <limit lower="0" upper="1" velocity="1"/></joint>
    """), marker: "<limit", element: "joint 's'", words: ["<limit>", "'effort'"]),
    BadURDF(label: "zero axis", xml: robotXML("""
      \(twoLinks)
      <joint name="elbow" type="continuous"><parent link="a"/><child link="b"/>
        <axis xyz="0 0 0"/></joint>
    """), marker: "<axis", element: "joint 'elbow'", words: ["zero vector"]),
    BadURDF(label: "floating joint below the root", xml: robotXML("""
      <link name="world"/>\(twoLinks)
      <joint name="fix" type="fixed"><parent link="world"/><child link="a"/></joint>
      <joint name="free" type="floating"><parent link="a"/><child link="b"/></joint>
    """), marker: "name=\"free\"", element: "joint 'free'", words: ["floating", "root"]),
    BadURDF(label: "floating joint from a massive root", xml: robotXML("""
      <link name="base"><inertial><mass value="1"/>\(inertia)</inertial></link>
      <link name="b"/>
      <joint name="free" type="floating"><parent link="base"/><child link="b"/></joint>
    """), marker: "name=\"free\"", element: "joint 'free'", words: ["massless", "1.0 kg"]),

    // MARK: Numbers and attributes
    BadURDF(label: "non-numeric xyz", xml: robotXML("""
      \(twoLinks)
      <joint name="j" type="fixed"><parent link="a"/><child link="b"/>
        <origin xyz="0 0 abc"/></joint>
    """), marker: "<origin", element: "joint 'j'", words: ["xyz=\"0 0 abc\"", "'abc' is not a number"]),
    BadURDF(label: "vector with two numbers", xml: robotXML("""
      \(twoLinks)
      <joint name="j" type="fixed"><parent link="a"/><child link="b"/>
        <origin rpy="0  1"/></joint>
    """), marker: "<origin", element: "joint 'j'", words: ["rpy=\"0  1\"", "2 values; expected 3"]),
    BadURDF(label: "negative mass", xml: robotXML("""
      <link name="a"><inertial>
        <mass value="-1"/>\(inertia)</inertial></link>
    """), marker: "<mass", element: "link 'a'", words: ["value=\"-1\"", "must not be negative"]),
    BadURDF(label: "negative inertia diagonal", xml: robotXML("""
      <link name="a"><inertial><mass value="1"/>
        <inertia ixx="1" ixy="0" ixz="0" iyy="1" iyz="0" izz="-0.5"/></inertial></link>
    """), marker: "izz=\"-0.5\"", element: "link 'a'", words: ["izz=\"-0.5\"", "must not be negative"]),
    BadURDF(label: "NaN", xml: robotXML("""
      <link name="a"><collision><geometry>
        <sphere radius="nan"/></geometry></collision></link>
    """), marker: "<sphere", element: "link 'a'", words: ["radius=\"nan\"", "not a finite number"]),
    BadURDF(label: "infinity", xml: robotXML("""
      <link name="a"><collision><geometry>
        <box size="1 inf 1"/></geometry></collision></link>
    """), marker: "<box", element: "link 'a'", words: ["size=\"1 inf 1\"", "not a finite number"]),
    BadURDF(label: "missing mass value", xml: robotXML("""
      <link name="a"><inertial>
        <mass/>\(inertia)</inertial></link>
    """), marker: "<mass", element: "link 'a'", words: ["<mass>", "'value'"]),
    BadURDF(label: "inertial without inertia", xml: robotXML("""
      <link name="a">
        <inertial><mass value="1"/></inertial></link>
    """), marker: "<inertial>", element: "link 'a'", words: ["<inertia>"]),
    BadURDF(label: "link without name", xml: robotXML("""
      <link name="a"/>
      <link/>
    """), marker: "<link/>", element: "<link>", words: ["'name'"]),
    BadURDF(label: "joint without child", xml: robotXML("""
      \(twoLinks)
      <joint name="j" type="fixed"><parent link="a"/></joint>
    """), marker: "<joint", element: "joint 'j'", words: ["<child"]),
    BadURDF(label: "colour out of range", xml: robotXML("""
      <material name="m">
        <color rgba="1 0 0 2"/></material>
      <link name="a"/>
    """), marker: "<color", element: "material 'm'", words: ["rgba=\"1 0 0 2\"", "component 4", "between 0 and 1"]),
    BadURDF(label: "collision without geometry", xml: robotXML("""
      <link name="a">
        <collision name="c"/></link>
    """), marker: "<collision", element: "link 'a'", words: ["<geometry>"]),
    BadURDF(label: "unknown collision shape", xml: robotXML("""
      <link name="a"><collision><geometry>
        <heightfield/></geometry></collision></link>
    """), marker: "<heightfield", element: "link 'a'", words: ["<heightfield>"]),

    // MARK: Meshes
    BadURDF(label: "missing collision mesh", xml: robotXML("""
      <link name="a"><collision><geometry>
        <mesh filename="meshes/nope.stl"/></geometry></collision></link>
    """), marker: "<mesh", element: "link 'a'", words: ["'meshes/nope.stl'", "not found"]),
    BadURDF(label: "mesh path escaping the model folder", xml: robotXML("""
      <link name="a"><collision><geometry>
        <mesh filename="../../etc/passwd"/></geometry></collision></link>
    """), marker: "<mesh", element: "link 'a'",
            words: ["mesh path '../../etc/passwd' resolves outside the folder", "a '..' may not leave it"]),
    BadURDF(label: "visual mesh escaping the model folder", xml: robotXML("""
      <link name="a"><visual><geometry>
        <mesh filename="sub/../../x.obj"/></geometry></visual></link>
    """), marker: "<mesh", element: "link 'a'", words: ["resolves outside the folder"]),
    BadURDF(label: "absolute mesh path outside", xml: robotXML("""
      <link name="a"><collision><geometry>
        <mesh filename="/etc/hostname.stl"/></geometry></collision></link>
    """), marker: "<mesh", element: "link 'a'", words: ["is absolute and outside the model folder and every package search path"]),
    BadURDF(label: "file URI outside", xml: robotXML("""
      <link name="a"><collision><geometry>
        <mesh filename="file:///etc/hostname.stl"/></geometry></collision></link>
    """), marker: "<mesh", element: "link 'a'", words: ["is absolute and outside the model folder"]),
    BadURDF(label: "package URI escaping the package", xml: robotXML("""
      <link name="a"><collision><geometry>
        <mesh filename="package://pkg/../../secret.obj"/></geometry></collision></link>
    """), marker: "<mesh", element: "link 'a'", words: ["resolves outside the folder", "a '..' may not leave it"]),
    BadURDF(label: "unsupported collision mesh format", xml: robotXML("""
      <link name="a"><collision><geometry>
        <mesh filename="part.xyz"/></geometry></collision></link>
    """), marker: "<mesh", element: "link 'a'", words: ["unsupported format", ".dae", ".stl"], files: ["part.xyz": "1 2 3"]),
    BadURDF(label: "mesh without filename", xml: robotXML("""
      <link name="a"><collision><geometry>
        <mesh scale="1 1 1"/></geometry></collision></link>
    """), marker: "<mesh", element: "link 'a'", words: ["'filename'"]),
    BadURDF(label: "a massive link whose only collision has zero size", xml: robotXML("""
      <link name="a"><inertial><mass value="1"/><inertia ixx="1" iyy="1" izz="1" ixy="0" ixz="0" iyz="0"/></inertial>
        <collision><geometry><sphere radius="0"/></geometry></collision></link>
    """), marker: "<link name=\"a\"", element: "link 'a'", words: ["every <collision>", "zero size"]),
    BadURDF(label: "a moving link without mass", xml: robotXML("""
      <link name="a"/><link name="b"/>
      <joint name="j" type="continuous"><parent link="a"/><child link="b"/></joint>
    """), marker: "<link name=\"b\"", element: "link 'b'", words: ["continuous joint 'j'", "no mass"]),
]

@Suite("URDF errors")
struct URDFErrorTests {
    @Test("Malformed URDF gives a located error naming the element", arguments: badURDFs)
    func malformed(_ bad: BadURDF) throws {
        let dir = try TempDir()
        defer { dir.remove() }
        for (relative, text) in bad.files { try dir.write(relative, text) }
        let path = try dir.write("robot.urdf", bad.xml)
        let error = #expect(throws: ModelError.self) { try URDFLoader.load(path: path) }
        guard let error else { return }
        #expect(error.location.file == path)
        #expect(error.location.line == lineNumber(of: bad.marker, in: bad.xml), "\(error)")
        #expect(error.element == bad.element, "\(error)")
        #expect(error.message.contains(bad.element), "\(error)")
        for word in bad.words { #expect(error.message.contains(word), "\(error)") }
        #expect(error.description.hasPrefix("\(path):\(error.location.line)"))
        #expect(error.description.contains(": error: "))
    }

    @Test("A bad OBJ collision mesh is reported at its file with Assimp's reason and the link using it")
    func badOBJLine() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let obj = try dir.write("m.obj", "v 0 0 0\nv 1 2\n")
        let xml = robotXML(#"<link name="a"><collision><geometry><mesh filename="m.obj"/></geometry></collision></link>"#)
        let error = #expect(throws: ModelError.self) { try URDFLoader.load(path: try dir.write("robot.urdf", xml)) }
        #expect(error?.location.file == PathTools.realPath(obj))
        #expect(error?.message.contains("cannot be read by Assimp") == true, "\(String(describing: error))")
        #expect(error?.message.contains("mesh '\(PathTools.realPath(obj))'") == true)
        #expect(error?.message.contains("link 'a'") == true, "the message also says which link uses the mesh")
    }

    @Test("An empty collision mesh is an error naming the mesh file")
    func emptyMeshes() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        try dir.write("empty.obj", "# no vertices\nf 1 2 3\n")
        try dir.write("empty.stl", "solid nothing\nendsolid nothing\n")
        try dir.write("junk.stl", "this is not an stl")
        for name in ["empty.obj", "empty.stl", "junk.stl"] {
            let xml = robotXML(#"<link name="a"><collision><geometry><mesh filename="\#(name)"/></geometry></collision></link>"#)
            let error = #expect(throws: ModelError.self) { try URDFLoader.load(path: try dir.write("robot.urdf", xml)) }
            #expect(error?.message.contains(name) == true, "\(String(describing: error))")
            #expect(error?.element.contains(name) == true)
        }
    }

    @Test("A mesh reached through a symbolic link leaving the model folder is refused")
    func symlinkEscape() throws {
        let outside = try TempDir()
        let dir = try TempDir()
        defer { dir.remove(); outside.remove() }
        let target = try outside.write("secret.obj", "v 0 0 0\n")
        try FileManager.default.createSymbolicLink(atPath: dir.path + "/link.obj", withDestinationPath: target)
        let xml = robotXML("""
          <link name="a"><collision><geometry>
            <mesh filename="link.obj"/></geometry></collision></link>
        """)
        let error = #expect(throws: ModelError.self) { try URDFLoader.load(path: try dir.write("robot.urdf", xml)) }
        #expect(error?.location.line == lineNumber(of: "<mesh", in: xml))
        #expect(error?.message.contains("link 'a'") == true)
        #expect(error?.message.contains("symbolic link") == true)
    }

    @Test("A file that does not exist is an error naming it")
    func missingFile() {
        let error = #expect(throws: ModelError.self) { try URDFLoader.load(path: "/nonexistent/robot.urdf") }
        #expect(error?.message.contains("/nonexistent/robot.urdf") == true)
    }

    @Test("ModelError puts the element into its message and formats like a compiler")
    func modelErrorFormat() {
        let location = EmbodyModel.SourceLocation(file: "r.urdf", line: 7, column: 3)
        let error = ModelError(location: location, element: "<inertia>", message: "ixx must not be negative")
        #expect(error.message == "<inertia>: ixx must not be negative")
        #expect(error.description == "r.urdf:7:3: error: <inertia>: ixx must not be negative")
        let named = ModelError(location: location, element: "joint 'j'", message: "joint 'j' is bad")
        #expect(named.message == "joint 'j' is bad")
    }
}

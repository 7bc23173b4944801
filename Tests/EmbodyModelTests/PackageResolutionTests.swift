// MARK: - package:// and file:// resolution, search order and confinement

import Foundation
import Testing
@testable import EmbodyModel

/// A URDF with one collision mesh at `filename`.
func meshURDF(_ filename: String) -> String {
    robotXML(#"<link name="a"><collision><geometry><mesh filename="\#(filename)"/></geometry></collision></link>"#)
}

/// The resolved path of the first collision mesh.
func firstMeshPath(_ model: RobotModel) -> String? {
    guard case .mesh(let mesh) = model.links.first?.collisions.first?.shape else { return nil }
    return mesh.path
}

@Suite("package:// resolution")
struct PackageResolutionTests {
    let noEnvironment = ModelLoadOptions(environment: [:])

    @Test("Search order: package paths, then ROS_PACKAGE_PATH, then AMENT_PREFIX_PATH, then the model's folders")
    func searchOrder() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        for place in ["explicit/pkg", "ros/pkg", "ament/share/pkg", "pkg"] { try dir.write("\(place)/m.obj", tetrahedronOBJ) }
        let urdf = try dir.write("pkg/urdf/robot.urdf", meshURDF("package://pkg/m.obj"))
        let real = PathTools.realPath(dir.path)
        func resolved(_ paths: [String], _ env: [String: String]) throws -> String? {
            firstMeshPath(try URDFLoader.load(path: urdf, options: ModelLoadOptions(packagePaths: paths, environment: env)))
        }
        let ros = ["ROS_PACKAGE_PATH": dir.path + "/nowhere:" + dir.path + "/ros"]
        let ament = ["AMENT_PREFIX_PATH": dir.path + "/ament"]
        // A package path may name the package folder itself or a folder holding it.
        #expect(try resolved([dir.path + "/explicit"], ros.merging(ament) { a, _ in a }) == real + "/explicit/pkg/m.obj")
        #expect(try resolved([dir.path + "/explicit/pkg"], [:]) == real + "/explicit/pkg/m.obj")
        #expect(try resolved([], ros.merging(ament) { a, _ in a }) == real + "/ros/pkg/m.obj")
        #expect(try resolved([], ament) == real + "/ament/share/pkg/m.obj")
        #expect(try resolved([], [:]) == real + "/pkg/m.obj", "a parent folder named after the package")
    }

    @Test("package:/// (three slashes) is the same as package://")
    func tripleSlash() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        try dir.write("pkg/meshes/m.obj", tetrahedronOBJ)
        let model = try URDFLoader.load(path: try dir.write("pkg/robot.urdf", meshURDF("package:///pkg/meshes/m.obj")),
                                        options: noEnvironment)
        #expect(firstMeshPath(model) == PathTools.realPath(dir.path) + "/pkg/meshes/m.obj")
    }

    @Test("A package name that is only a folder beside the model (pybullet_data's Panda) and a package folder beside it (xarm)")
    func withOrWithoutPackageFolder() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        try dir.write("panda/meshes/collision/link0.obj", tetrahedronOBJ)
        try dir.write("xarm/xarm_description/meshes/base.obj", tetrahedronOBJ)
        let panda = try URDFLoader.load(path: try dir.write("panda/panda.urdf", meshURDF("package://meshes/collision/link0.obj")),
                                        options: noEnvironment)
        let xarm = try URDFLoader.load(path: try dir.write("xarm/xarm6.urdf", meshURDF("package://xarm_description/meshes/base.obj")),
                                       options: noEnvironment)
        let real = PathTools.realPath(dir.path)
        #expect(firstMeshPath(panda) == real + "/panda/meshes/collision/link0.obj")
        #expect(firstMeshPath(xarm) == real + "/xarm/xarm_description/meshes/base.obj")
    }

    @Test("A model reached through a symbolically linked folder still finds its package")
    func symlinkedFolder() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        try dir.write("store/my_pkg/meshes/m.obj", tetrahedronOBJ)
        try dir.write("store/my_pkg/urdf/robot.urdf", meshURDF("package://my_pkg/meshes/m.obj"))
        // ~/robots → store/my_pkg/urdf: the lexical parents of the URDF have no folder named my_pkg.
        try FileManager.default.createSymbolicLink(atPath: dir.path + "/robots", withDestinationPath: dir.path + "/store/my_pkg/urdf")
        let model = try URDFLoader.load(path: dir.path + "/robots/robot.urdf", options: noEnvironment)
        #expect(firstMeshPath(model) == PathTools.realPath(dir.path) + "/store/my_pkg/meshes/m.obj")
    }

    @Test("A missing mesh's error lists every place looked in")
    func notFoundListsPlaces() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let urdf = try dir.write("r/robot.urdf", meshURDF("package://pkg/m.obj"))
        let options = ModelLoadOptions(packagePaths: [dir.path + "/p1"],
                                       environment: ["ROS_PACKAGE_PATH": dir.path + "/p2", "AMENT_PREFIX_PATH": dir.path + "/p3"])
        let error = #expect(throws: ModelError.self) { try URDFLoader.load(path: urdf, options: options) }
        let message = error?.message ?? ""
        for place in ["/p1/pkg/m.obj", "/p2/pkg/m.obj", "/p3/share/pkg/m.obj", "/r/pkg/m.obj", "/r/m.obj"] {
            #expect(message.contains(dir.path + place), "\(message) should list \(place)")
        }
        #expect(error?.location.line == lineNumber(of: "<mesh", in: meshURDF("package://pkg/m.obj")))
    }

    @Test("Confinement: '..' may not leave a package found on a search path")
    func dotDotOnSearchPath() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        try dir.write("secret.obj", tetrahedronOBJ)
        try dir.write("paths/pkg/ok.obj", tetrahedronOBJ)
        let urdf = try dir.write("r/robot.urdf", meshURDF("package://pkg/../../secret.obj"))
        let error = #expect(throws: ModelError.self) {
            try URDFLoader.load(path: urdf, options: ModelLoadOptions(packagePaths: [dir.path + "/paths"], environment: [:]))
        }
        #expect(error?.message.contains("a '..' may not leave it") == true, "\(String(describing: error))")
    }

    @Test("Confinement: a symbolic link inside a package path may not lead out of it")
    func symlinkEscapeFromPackage() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        try dir.write("outside/secret.obj", tetrahedronOBJ)
        try FileManager.default.createDirectory(atPath: dir.path + "/paths/pkg", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: dir.path + "/paths/pkg/m.obj", withDestinationPath: dir.path + "/outside/secret.obj")
        let urdf = try dir.write("r/robot.urdf", meshURDF("package://pkg/m.obj"))
        let error = #expect(throws: ModelError.self) {
            try URDFLoader.load(path: urdf, options: ModelLoadOptions(packagePaths: [dir.path + "/paths"], environment: [:]))
        }
        #expect(error?.message.contains("through a symbolic link") == true, "\(String(describing: error))")
    }

    @Test("Confinement: an absolute path is refused unless a search path holds it")
    func absolutePaths() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let mesh = try dir.write("shared/m.obj", tetrahedronOBJ)
        let urdf = try dir.write("r/robot.urdf", meshURDF("file://" + mesh))
        let error = #expect(throws: ModelError.self) { try URDFLoader.load(path: urdf, options: noEnvironment) }
        #expect(error?.message.contains("is absolute and outside the model folder") == true)
        let allowed = try URDFLoader.load(path: urdf, options: ModelLoadOptions(packagePaths: [dir.path + "/shared"], environment: [:]))
        #expect(firstMeshPath(allowed) == PathTools.realPath(mesh))
        let plain = try URDFLoader.load(path: try dir.write("r/plain.urdf", meshURDF(mesh)),
                                        options: ModelLoadOptions(environment: ["ROS_PACKAGE_PATH": dir.path + "/shared"]))
        #expect(firstMeshPath(plain) == PathTools.realPath(mesh))
    }
}

// MARK: - Mesh files through Assimp

@Suite("Mesh import")
struct MeshImportTests {
    /// A COLLADA file with one triangle-mesh tetrahedron, at `unit` metres per unit, with `up` as its up axis.
    static func collada(unit: Double, up: String, nodes: Int = 1) -> String {
        let instances = (0..<nodes).map { k in
            """
            <node id="n\(k)" name="part\(k)"><matrix>1 0 0 \(k * 10) 0 1 0 0 0 0 1 0 0 0 0 1</matrix>
              <instance_geometry url="#tet"/></node>
            """
        }.joined(separator: "\n")
        return """
        <?xml version="1.0" encoding="utf-8"?>
        <COLLADA xmlns="http://www.collada.org/2005/11/COLLADASchema" version="1.4.1">
          <asset><unit meter="\(unit)" name="u"/><up_axis>\(up)</up_axis></asset>
          <library_geometries><geometry id="tet" name="tet"><mesh>
            <source id="p"><float_array id="pa" count="12">0 0 0 1 0 0 0 1 0 0 0 1</float_array>
              <technique_common><accessor source="#pa" count="4" stride="3">
                <param name="X" type="float"/><param name="Y" type="float"/><param name="Z" type="float"/>
              </accessor></technique_common></source>
            <vertices id="v"><input semantic="POSITION" source="#p"/></vertices>
            <triangles count="4"><input semantic="VERTEX" source="#v" offset="0"/><p>0 2 1 0 1 3 0 3 2 1 2 3</p></triangles>
          </mesh></geometry></library_geometries>
          <library_visual_scenes><visual_scene id="s">
        \(instances)
          </visual_scene></library_visual_scenes>
          <scene><instance_visual_scene url="#s"/></scene>
        </COLLADA>
        """
    }

    @Test("COLLADA <unit> scales to metres; Z_UP keeps its axes")
    func colladaUnitZUp() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let path = try dir.write("t.dae", Self.collada(unit: 0.001, up: "Z_UP"))
        let meshes = try MeshLoader.load(path: path)
        #expect(meshes.count == 1)
        let (lo, hi) = meshes[0].bounds
        #expect(close(lo, .zero, tolerance: 1e-9) && close(hi, Vector3(0.001, 0.001, 0.001), tolerance: 1e-9))
        #expect(meshes[0].vertices.contains { close($0, Vector3(0, 0, 0.001), tolerance: 1e-9) }, "the z tip stays on z")
        #expect(meshes[0].triangles.count == 12)
    }

    @Test("COLLADA Y_UP is turned Z-up (+90° about x, as PyBullet reads it)")
    func colladaYUp() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let meshes = try MeshLoader.load(path: try dir.write("t.dae", Self.collada(unit: 1, up: "Y_UP")))
        // The file's +y tip (0, 1, 0) is up, at z = 1; its +z tip (0, 0, 1) goes to −y.
        #expect(meshes[0].vertices.contains { close($0, Vector3(0, 0, 1), tolerance: 1e-9) })
        #expect(meshes[0].vertices.contains { close($0, Vector3(0, -1, 0), tolerance: 1e-9) })
    }

    @Test("A file with several meshes becomes a compound: one convex hull per mesh")
    func severalMeshes() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        try dir.write("two.dae", Self.collada(unit: 1, up: "Z_UP", nodes: 2))
        let xml = robotXML(#"<link name="a"><collision><geometry><mesh filename="two.dae"/></geometry></collision><visual><geometry><mesh filename="two.dae"/></geometry></visual></link>"#)
        let model = try URDFLoader.load(path: try dir.write("robot.urdf", xml))
        #expect(model.links[0].collisions.count == 2)
        #expect(model.links[0].visuals.count == 2)
        guard case .mesh(let second) = model.links[0].collisions[1].shape else { Issue.record("not a mesh"); return }
        #expect(close(second.bounds.min, Vector3(10, 0, 0), tolerance: 1e-9), "each node's transform is applied")
        #expect(model.meshFiles.count == 1 && model.meshFiles[0].hash.count == 16)
    }

    @Test("PLY and OBJ read through Assimp; a degenerate visual mesh is skipped with a warning")
    func plyAndDegenerate() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        try dir.write("t.ply", """
            ply
            format ascii 1.0
            element vertex 4
            property float x
            property float y
            property float z
            element face 4
            property list uchar int vertex_indices
            end_header
            0 0 0
            2 0 0
            0 2 0
            0 0 2
            3 0 2 1
            3 0 1 3
            3 0 3 2
            3 1 2 3
            """)
        try dir.write("flat.obj", "v 0 0 0\nv 0 0 0\nv 0 0 0\nf 1 2 3\n")
        let xml = robotXML(#"<link name="a"><collision><geometry><mesh filename="t.ply"/></geometry></collision><visual><geometry><mesh filename="flat.obj"/></geometry></visual></link>"#)
        let model = try URDFLoader.load(path: try dir.write("robot.urdf", xml))
        guard case .mesh(let ply) = model.links[0].collisions.first?.shape else { Issue.record("no ply"); return }
        #expect(close(ply.bounds.max, Vector3(2, 2, 2)))
        #expect(model.links[0].visuals.isEmpty)
        #expect(model.warnings.first?.message.contains("zero size") == true)
    }

    @Test("The hand-written STL reader and Assimp agree on the same file")
    func stlReadersAgree() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let path = try dir.write("b.stl", data: binarySTL([
            [Vector3(0, 0, 0), Vector3(1, 0, 0), Vector3(0, 1, 0)], [Vector3(0, 0, 1), Vector3(1, 0, 1), Vector3(0.5, 1, 1)],
        ]))
        let ours = try MeshLoader.load(path: path)
        let assimp = try MeshLoader.load(path: path, reader: .assimp)
        #expect(Set(ours[0].vertices.map { [$0.x, $0.y, $0.z] }) == Set(assimp[0].vertices.map { [$0.x, $0.y, $0.z] }))
    }

    @Test("A mesh file's hash is FNV-1a 64 over its bytes: published test vectors, and a multi-region buffer")
    func meshHashIsFNV1a() throws {
        #expect(MeshLoader.fnv1a(Data()) == "cbf29ce484222325")
        #expect(MeshLoader.fnv1a(Data("a".utf8)) == "af63dc4c8601ec8c")
        #expect(MeshLoader.fnv1a(Data("foobar".utf8)) == "85944171f73967e8")
        // Two regions hash as their concatenation.
        var split = DispatchData.empty
        for part in ["foo", "bar"] { part.utf8.withContiguousStorageIfAvailable { split.append(UnsafeRawBufferPointer($0)) } }
        #expect(split.regions.count == 2)
        #expect(MeshLoader.fnv1a(split) == "85944171f73967e8")
        let dir = try TempDir()
        defer { dir.remove() }
        #expect(MeshLoader.hash(ofFileAt: try dir.write("m.obj", "foobar")) == "85944171f73967e8")
    }
}

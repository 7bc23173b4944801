// MARK: - MJCF (MuJoCo XML) loading
//
// The subset of MJCF that dm_control's suite and Gymnasium's MuJoCo models use, turned into the same
// RobotModel a URDF becomes. Loading has four steps:
//   1. XMLParser builds the element tree (shared with the URDF loader); <include> files are spliced in,
//      each element keeping its own file and line for messages.
//   2. <compiler>, <option>, <default> classes (with inheritance and childclass), mesh and material
//      assets and actuators are read.
//   3. The bodies under <worldbody> are read with their frames resolved (pos with quat, axisangle,
//      euler, xyaxes or zaxis; fromto), and each body's mass properties are computed as MuJoCo's compiler
//      does (MJCFMassProperties.swift).
//   4. The first top-level body becomes the robot: a massless `world` root; a free joint becomes the
//      floating base; a body without joints is welded to its parent; a body with several joints becomes a
//      chain of massless joint frames; a ball joint becomes three hinges; sites become massless links.
// What Embody does not simulate is listed in one summary warning per model.

import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// Loads MuJoCo MJCF models into checked, immutable robot models.
public enum MJCFLoader {
    /// The most files one model may pull in through <include>.
    public static let maxIncludedFiles = 64
    /// The most nested <include> levels.
    public static let maxIncludeDepth = 8
    /// The most bodies one model may declare.
    public static let maxBodies = 10_000
    /// The deepest nesting of bodies (libxml2 itself stops at 256 nested elements).
    public static let maxBodyDepth = 200
    /// The most substeps the loader suggests for explicit joint damping.
    public static let maxSubsteps = 64
    /// The number of points on the surface of the convex hull that stands in for an ellipsoid geom.
    public static let ellipsoidHullPoints = 2 + 7 * 16

    /// Reads and parses the MJCF file at `path`.
    public static func load(path: String) throws(ModelError) -> RobotModel {
        let text = try readText(path, what: "MJCF file")
        return try parse(xml: text, path: path)
    }

    /// Parses MJCF text said to come from `path`, which names the file in messages and anchors relative paths.
    public static func parse(xml: String, path: String) throws(ModelError) -> RobotModel {
        let root = try XMLTree.parse(xml, path: path)
        return try interpret(root, path: path)
    }

    /// Whether the XML file at `path` has `<mujoco>` as its root element (false when it cannot be read).
    public static func isMJCF(path: String) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        let head = String(decoding: handle.readData(ofLength: 4096), as: UTF8.self)
        var rest = Substring(head)
        // Skip the XML declaration, comments and processing instructions before the root element.
        while let open = rest.firstIndex(of: "<") {
            rest = rest[open...]
            if rest.hasPrefix("<?") || rest.hasPrefix("<!") {
                let close = rest.hasPrefix("<!--") ? rest.range(of: "-->")?.upperBound : rest.firstIndex(of: ">").map { rest.index(after: $0) }
                guard let close else { return false }
                rest = rest[close...]
                continue
            }
            return rest.dropFirst().prefix(while: { $0.isLetter || $0.isNumber || $0 == "_" }) == "mujoco"
        }
        return false
    }

    /// Interprets an already parsed element tree whose root is `<mujoco>`.
    static func interpret(_ root: XMLNode, path: String) throws(ModelError) -> RobotModel {
        var builder = MJCFBuilder(path: path)
        return try builder.model(from: root)
    }

    static func readText(_ path: String, what: String) throws(ModelError) -> String {
        let element = "\(what) '\(path)'"
        let location = SourceLocation(file: path, line: 0)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw ModelError(location: location, element: element, message: "\(element) does not exist")
        }
        guard !isDirectory.boolValue else {
            throw ModelError(location: location, element: element, message: "\(element) is a directory, not a file")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ModelError(location: location, element: element, message: "\(element) cannot be read")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ModelError(location: location, element: element, message: "\(element) is not UTF-8 text")
        }
        return text
    }
}

// MARK: - Element tree with files

/// An element with the file it came from, after <include> expansion.
struct MNode {
    var name: String
    var attributes: [String: String]
    var children: [MNode]
    var location: SourceLocation

    func children(named n: String) -> [MNode] { children.filter { $0.name == n } }
}

// MARK: - Values read from the file

/// The compiler settings that change how the model is built.
struct MJCFCompiler {
    var degree = true
    var eulerSequence: [Character] = ["x", "y", "z"]
    var meshDirectory = ""
    enum InertiaFromGeom: String { case `false`, `true`, auto }
    var inertiaFromGeom = InertiaFromGeom.auto
    var autoLimits = true
    var setTotalMass = -1.0
    var boundMass = 0.0
    var boundInertia = 0.0
    var balanceInertia = false
    var inertiaGroupRange = (0, 5)
}

/// A joint of a body, in the body frame.
struct MJCFJoint {
    enum Kind: String { case hinge, slide, ball, free }
    var name: String
    var kind: Kind
    var anchor: Vector3
    var axis: Vector3
    /// The range in rad or m (after angle conversion), when limited.
    var range: (Double, Double)?
    var damping: Double
    var armature: Double
    var frictionLoss: Double
    var reference: Double
    var location: SourceLocation
}

/// A geom: its shape, its pose in the body frame and its mass properties in the body frame.
struct MJCFGeom {
    var name: String?
    var pose: Transform
    var shape: Shape?
    var collides: Bool
    var rgba: SIMD4<Double>?
    var massProperties: MassProperties?
    var location: SourceLocation
}

/// A site: a named frame in the body frame.
struct MJCFSite {
    var name: String
    var pose: Transform
    var location: SourceLocation
}

/// A body as read, with its children.
struct MJCFBody {
    var name: String
    var pose: Transform
    var joints: [MJCFJoint]
    var geoms: [MJCFGeom]
    var sites: [MJCFSite]
    var massProperties: MassProperties
    var children: [MJCFBody]
    var location: SourceLocation
}

// MARK: - Builder

struct MJCFBuilder {
    let path: String
    let modelDirectory: String
    var compiler = MJCFCompiler()
    var warnings: [ModelWarning] = []
    /// Per class: per element kind (joint, geom, site, mesh, actuator), the resolved attributes.
    var defaults: [String: [String: [String: String]]] = [:]
    var declaredClasses: Set<String> = []
    var meshes: [String: (file: String, scale: Vector3, node: MNode)] = [:]
    var loadedMeshes: [String: [Vector3]] = [:]
    var materials: [String: SIMD4<Double>] = [:]
    /// Ignored element kinds, counted for the summary warning.
    var ignored: [String: Int] = [:]
    var ignoredOrder: [String] = []
    var includedFiles = 0
    var bodyCount = 0
    var timestep = 0.002
    var gravity = Vector3(0, 0, -9.81)

    init(path: String) {
        self.path = path
        modelDirectory = PathTools.parent(of: PathTools.normalize(PathTools.absolute(path)))
    }

    // MARK: Top level

    mutating func model(from xmlRoot: XMLNode) throws(ModelError) -> RobotModel {
        guard xmlRoot.name == "mujoco" else {
            throw ModelError(location: SourceLocation(file: path, line: xmlRoot.line, column: xmlRoot.column),
                             element: "<mujoco>",
                             message: "expected <mujoco> as the root element of an MJCF file, but the file starts with <\(xmlRoot.name)>")
        }
        var stack = [PathTools.realPath(PathTools.normalize(PathTools.absolute(path)))]
        let root = try expand(xmlRoot, file: path, depth: 0, stack: &stack)[0]
        let modelName = root.attributes["model"].flatMap { $0.isEmpty ? nil : $0 } ?? "MuJoCo Model"

        // Settings first: they change how everything else reads.
        for node in root.children(named: "compiler") { try readCompiler(node) }
        for node in root.children(named: "option") { try readOption(node) }
        defaults["main"] = [:]
        for node in root.children(named: "default") { try readDefault(node, parent: nil, isTop: true) }
        for node in root.children(named: "asset") { try readAssets(node) }

        var topBodies: [MJCFBody] = []
        for world in root.children(named: "worldbody") {
            for child in world.children {
                switch child.name {
                case "body":
                    topBodies.append(try body(child, childClass: nil))
                case "geom":
                    let type = child.attributes["type"] ?? resolved("geom", className(child, nil))["type"] ?? "sphere"
                    note(type == "plane" ? "world plane geom (the scenario's ground stands in)" : "world geom (static scenery)")
                case "site": note("world site")
                case "camera", "light": break
                case "frame", "replicate", "composite", "flexcomp", "attach":
                    throw error(child, "<\(child.name)>", "<\(child.name)> in <worldbody> is not supported by Embody's MJCF loader")
                default: note("<\(child.name)> in <worldbody>")
                }
            }
        }
        guard let robotBody = topBodies.first else {
            throw ModelError(location: root.location, element: "<worldbody>",
                             message: "<worldbody> holds no <body>; an MJCF robot needs at least one body")
        }
        for other in topBodies.dropFirst() {
            warnings.append(ModelWarning(location: other.location,
                                         message: "top-level body '\(other.name)' is a separate tree; Embody loads one robot per model (the first top-level body, '\(robotBody.name)'), so '\(other.name)' is ignored (add it as a world object in the scenario)"))
        }

        // settotalmass scales every body (all trees, as MuJoCo does) so that the total comes out as asked.
        var bodies = topBodies
        if compiler.setTotalMass > 0 {
            let total = bodies.reduce(0) { $0 + subtreeMass($1) }
            // Capped so that a massless body stays massless (0 · ∞ would be NaN); a mass that overflows is an error.
            let scale = min(.greatestFiniteMagnitude, max(1e-15, compiler.setTotalMass / max(1e-15, total)))
            for i in bodies.indices { try scaleMasses(&bodies[i], by: scale) }
        }

        let actuators = try readActuators(root)
        for kind in ["sensor", "tendon", "equality", "contact", "keyframe"] {
            for node in root.children(named: kind) {
                let count = max(1, node.children.count)
                for _ in 0..<count { note("<\(kind)> " + (kind == "sensor" ? "entry" : "element")) }
            }
        }
        for node in root.children {
            switch node.name {
            case "compiler", "option", "default", "asset", "worldbody", "actuator", "sensor", "tendon", "equality",
                 "contact", "keyframe", "visual", "statistic", "size", "custom", "extension":
                break
            default: note("<\(node.name)>")
            }
        }

        var emitter = Emitter(builder: self, actuators: actuators)
        try emitter.emitRobot(bodies[0])
        warnings = emitter.builder.warnings
        ignored = emitter.builder.ignored
        ignoredOrder = emitter.builder.ignoredOrder
        if !ignoredOrder.isEmpty {
            let list = ignoredOrder.map { "\(ignored[$0] ?? 0) × \($0)" }.joined(separator: ", ")
            warnings.insert(ModelWarning(location: root.location,
                                         message: "MJCF features Embody does not simulate were ignored or approximated: \(list)"), at: 0)
        }
        // Enough substeps that h·d/I ≤ 1 for every joint: half the explicit-damping stability limit. Clamped
        // as a Double first: timestep·d/I may be far beyond Int's range (or infinite) for a stiff file.
        let needed = (timestep * emitter.largestDampingRate).rounded(.up)
        let substeps = Int(min(Double(MJCFLoader.maxSubsteps), max(1, needed)))
        return RobotModel(name: modelName, links: emitter.links, joints: emitter.joints, root: 0, sourcePath: path,
                          warnings: warnings,
                          physicsDefaults: PhysicsDefaults(timestep: timestep, gravity: gravity, substeps: substeps))
    }

    /// Counts one ignored or approximated feature for the summary warning.
    mutating func note(_ what: String) {
        if ignored[what] == nil { ignoredOrder.append(what) }
        ignored[what, default: 0] += 1
    }

    // MARK: Includes

    /// Converts an element to MNodes, replacing each <include> by the children of the included file's root.
    mutating func expand(_ node: XMLNode, file: String, depth: Int, stack: inout [String]) throws(ModelError) -> [MNode] {
        let location = SourceLocation(file: file, line: node.line, column: node.column)
        if node.name == "include" {
            guard let name = node.attributes["file"], !name.isEmpty else {
                throw ModelError(location: location, element: "<include>", message: "<include> is missing the required attribute 'file'")
            }
            guard depth < MJCFLoader.maxIncludeDepth else {
                throw ModelError(location: location, element: "<include>",
                                 message: "<include> file '\(name)' is nested more than \(MJCFLoader.maxIncludeDepth) levels deep")
            }
            includedFiles += 1
            guard includedFiles <= MJCFLoader.maxIncludedFiles else {
                throw ModelError(location: location, element: "<include>",
                                 message: "<include> file '\(name)': the model includes more than \(MJCFLoader.maxIncludedFiles) files")
            }
            let resolved = try resolveFile(name, at: location, what: "<include> file")
            let real = PathTools.realPath(resolved)
            if stack.contains(real) {
                throw ModelError(location: location, element: "<include>",
                                 message: "<include> file '\(name)' includes itself (through \(stack.map { "'\(PathTools.lastComponent(of: $0))'" }.joined(separator: " → ")))")
            }
            let text = try MJCFLoader.readText(resolved, what: "included file")
            let included = try XMLTree.parse(text, path: resolved)
            guard included.name == "mujoco" else {
                throw ModelError(location: SourceLocation(file: resolved, line: included.line, column: included.column),
                                 element: "<mujoco>",
                                 message: "included file '\(name)' must have <mujoco> as its root element, not <\(included.name)>")
            }
            stack.append(real)
            defer { stack.removeLast() }
            var out: [MNode] = []
            for child in included.children { out += try expand(child, file: resolved, depth: depth + 1, stack: &stack) }
            return out
        }
        var children: [MNode] = []
        for child in node.children { children += try expand(child, file: file, depth: depth, stack: &stack) }
        return [MNode(name: node.name, attributes: node.attributes, children: children, location: location)]
    }

    /// A file named relative to the model's folder (with `directory` in front), kept inside that folder.
    func resolveFile(_ name: String, directory: String = "", at location: SourceLocation,
                     what: String) throws(ModelError) -> String {
        let joined: String
        if name.hasPrefix("/") {
            joined = name
        } else if directory.hasPrefix("/") {
            joined = directory + "/" + name
        } else {
            joined = modelDirectory + "/" + (directory.isEmpty ? "" : directory + "/") + name
        }
        let normalized = PathTools.normalize(joined)
        guard PathTools.isInside(normalized, modelDirectory) else {
            throw ModelError(location: location, element: what,
                             message: "\(what) '\(name)' resolves to '\(normalized)', outside the model folder '\(modelDirectory)'")
        }
        guard PathTools.isRegularFile(normalized) else {
            throw ModelError(location: location, element: what, message: "\(what) '\(name)' was not found (looked for '\(normalized)')")
        }
        let real = PathTools.realPath(normalized)
        guard PathTools.isInside(real, PathTools.realPath(modelDirectory)) else {
            throw ModelError(location: location, element: what,
                             message: "\(what) '\(name)' resolves outside the model folder '\(modelDirectory)' through a symbolic link (to '\(real)')")
        }
        return normalized
    }

    // MARK: Compiler, option, defaults, assets

    mutating func readCompiler(_ node: MNode) throws(ModelError) {
        let owner = "<compiler>"
        for (key, value) in node.attributes.sorted(by: { $0.key < $1.key }) {
            switch key {
            case "angle":
                guard value == "degree" || value == "radian" else {
                    throw error(node, owner, "<compiler> angle=\"\(value)\" must be 'degree' or 'radian'")
                }
                compiler.degree = value == "degree"
            case "eulerseq":
                let seq = Array(value)
                guard seq.count == 3, seq.allSatisfy({ "xyzXYZ".contains($0) }) else {
                    throw error(node, owner, "<compiler> eulerseq=\"\(value)\" must be three of x, y, z, X, Y, Z")
                }
                compiler.eulerSequence = seq
            case "meshdir", "assetdir":
                if key == "meshdir" || compiler.meshDirectory.isEmpty { compiler.meshDirectory = value }
            case "inertiafromgeom":
                guard let v = MJCFCompiler.InertiaFromGeom(rawValue: value) else {
                    throw error(node, owner, "<compiler> inertiafromgeom=\"\(value)\" must be 'true', 'false' or 'auto'")
                }
                compiler.inertiaFromGeom = v
            case "autolimits": compiler.autoLimits = try bool(node, key, owner: owner)
            case "balanceinertia": compiler.balanceInertia = try bool(node, key, owner: owner)
            case "settotalmass": compiler.setTotalMass = try numbers(node, key, count: 1, owner: owner)[0]
            case "boundmass": compiler.boundMass = try numbers(node, key, count: 1, owner: owner, rule: .nonNegative)[0]
            case "boundinertia": compiler.boundInertia = try numbers(node, key, count: 1, owner: owner, rule: .nonNegative)[0]
            case "inertiagrouprange":
                let r = try numbers(node, key, count: 2, owner: owner)
                guard let lo = Int(exactly: r[0]), let hi = Int(exactly: r[1]) else {
                    throw error(node, owner, "<compiler> inertiagrouprange=\"\(value)\" must hold two integers")
                }
                compiler.inertiaGroupRange = (lo, hi)
            case "coordinate":
                guard value == "local" else {
                    throw error(node, owner, "<compiler> coordinate=\"\(value)\" is not supported; only local coordinates are (MuJoCo itself dropped 'global' in 2.3.3)")
                }
            case "alignfree":
                if try bool(node, key, owner: owner) { note("compiler alignfree (free bodies keep their declared frame)") }
            case "texturedir", "discardvisual", "strippath", "fitaabb", "usethread", "lengthrange", "saveinertial", "fusestatic":
                break
            default:
                note("<compiler> \(key)")
            }
        }
    }

    mutating func readOption(_ node: MNode) throws(ModelError) {
        let owner = "<option>"
        if node.attributes["timestep"] != nil {
            timestep = try numbers(node, "timestep", count: 1, owner: owner, rule: .positive)[0]
        }
        if node.attributes["gravity"] != nil {
            let g = try numbers(node, "gravity", count: 3, owner: owner)
            gravity = Vector3(g[0], g[1], g[2])
        }
        for key in node.attributes.keys.sorted() where !["timestep", "gravity"].contains(key) {
            note("<option> \(key)")
        }
        for child in node.children where child.name != "flag" { note("<option> <\(child.name)>") }
    }

    /// Element kinds whose defaults matter, by the name of the element inside <default>.
    static func defaultKind(_ element: String) -> String? {
        switch element {
        case "joint", "geom", "site", "mesh": element
        case "motor", "general", "position", "velocity", "intvelocity", "damper", "cylinder", "muscle", "adhesion":
            "actuator"
        default: nil
        }
    }

    mutating func readDefault(_ node: MNode, parent: String?, isTop: Bool) throws(ModelError) {
        let name: String
        if let given = node.attributes["class"] {
            name = given
        } else if isTop {
            name = "main"
        } else {
            throw error(node, "<default>", "a nested <default> needs a class attribute")
        }
        // Several top-level <default> blocks (from included files) all add to the main class.
        let mergesIntoMain = isTop && name == "main"
        if !mergesIntoMain {
            guard !declaredClasses.contains(name) else {
                throw error(node, "default class '\(name)'", "default class '\(name)' is declared twice")
            }
            declaredClasses.insert(name)
        }
        var own = mergesIntoMain ? (defaults["main"] ?? [:]) : (parent.flatMap { defaults[$0] } ?? defaults["main"] ?? [:])
        for child in node.children where child.name != "default" {
            guard let kind = MJCFBuilder.defaultKind(child.name) else { continue }
            var merged = own[kind] ?? [:]
            for (k, v) in child.attributes { merged[k] = MJCFBuilder.overlay(k, v, over: merged[k]) }
            own[kind] = merged
        }
        defaults[name] = own
        for child in node.children where child.name == "default" {
            try readDefault(child, parent: name, isTop: false)
        }
    }

    /// Attributes whose value is a vector that a shorter value only partly replaces, as MuJoCo reads them.
    static let partialVectors: Set<String> = ["size", "gear", "friction"]

    /// The value of attribute `key` after `value` is written over `base`.
    static func overlay(_ key: String, _ value: String, over base: String?) -> String {
        guard partialVectors.contains(key), let base else { return value }
        let new = value.split(whereSeparator: \.isWhitespace)
        let old = base.split(whereSeparator: \.isWhitespace)
        guard new.count < old.count else { return value }
        return (new + old.dropFirst(new.count)).joined(separator: " ")
    }

    /// The default class that applies to `node`: its own `class`, else the innermost childclass, else main.
    func className(_ node: MNode, _ childClass: String?) -> String {
        node.attributes["class"] ?? childClass ?? "main"
    }

    /// The attributes of `node` over the defaults of its class for `kind`.
    func attributes(_ node: MNode, kind: String, childClass: String?) throws(ModelError) -> [String: String] {
        let cls = className(node, childClass)
        guard let byKind = defaults[cls] else {
            throw error(node, "<\(node.name)>", "<\(node.name)> uses default class '\(cls)', which is not declared")
        }
        var merged = byKind[kind] ?? [:]
        // An orientation written on the element replaces any orientation from the defaults.
        if node.attributes.keys.contains(where: MJCFBuilder.orientationKeys.contains) {
            for k in MJCFBuilder.orientationKeys { merged[k] = nil }
        }
        for (k, v) in node.attributes { merged[k] = MJCFBuilder.overlay(k, v, over: merged[k]) }
        return merged
    }

    func resolved(_ kind: String, _ cls: String) -> [String: String] { defaults[cls]?[kind] ?? [:] }

    mutating func readAssets(_ node: MNode) throws(ModelError) {
        for child in node.children {
            switch child.name {
            case "mesh":
                let a = try attributes(child, kind: "mesh", childClass: nil)
                guard let file = a["file"], !file.isEmpty else {
                    if child.attributes["vertex"] != nil {
                        throw error(child, "<mesh>", "<mesh> with inline vertex data is not supported; give a file")
                    }
                    throw error(child, "<mesh>", "<mesh> is missing the required attribute 'file'")
                }
                let name = a["name"] ?? PathTools.lastComponent(of: "/" + file).split(separator: ".").dropLast().joined(separator: ".")
                var scale = Vector3(1, 1, 1)
                if a["scale"] != nil {
                    let s = try numbers(child, "scale", count: 3, owner: "mesh '\(name)'", rule: .nonZero, values: a)
                    scale = Vector3(s[0], s[1], s[2])
                }
                for key in ["refpos", "refquat"] where a[key] != nil {
                    throw error(child, "mesh '\(name)'", "mesh '\(name)' uses \(key), which Embody's MJCF loader does not support")
                }
                if meshes[name] != nil { throw error(child, "mesh '\(name)'", "mesh '\(name)' is declared twice") }
                meshes[name] = (file, scale, child)
            case "material":
                if let name = child.attributes["name"], child.attributes["rgba"] != nil {
                    let c = try numbers(child, "rgba", count: 4, owner: "material '\(name)'", rule: .unit)
                    materials[name] = SIMD4(c[0], c[1], c[2], c[3])
                }
            case "hfield": note("<hfield> asset")
            default: break
            }
        }
    }

    // MARK: Bodies

    mutating func body(_ node: MNode, childClass: String?, depth: Int = 1) throws(ModelError) -> MJCFBody {
        bodyCount += 1
        guard bodyCount <= MJCFLoader.maxBodies else {
            throw error(node, "<body>", "the model declares more than \(MJCFLoader.maxBodies) bodies")
        }
        guard depth <= MJCFLoader.maxBodyDepth else {
            throw error(node, "<body>", "bodies are nested more than \(MJCFLoader.maxBodyDepth) levels deep")
        }
        let name = node.attributes["name"] ?? ""
        let owner = name.isEmpty ? "<body> at line \(node.location.line)" : "body '\(name)'"
        let inner = node.attributes["childclass"] ?? childClass
        if let inner, defaults[inner] == nil {
            throw error(node, owner, "\(owner) has childclass '\(inner)', which is not declared")
        }
        if node.attributes["mocap"] == "true" {
            throw error(node, owner, "\(owner) is a mocap body, which Embody's MJCF loader does not support")
        }
        let pose = try frame(node, node.attributes, owner: owner)
        var body = MJCFBody(name: name, pose: pose, joints: [], geoms: [], sites: [], massProperties: .zero,
                            children: [], location: node.location)
        var explicitInertial: MassProperties?
        for child in node.children {
            switch child.name {
            case "joint", "freejoint":
                body.joints.append(try joint(child, childClass: inner, owner: owner))
            case "geom":
                body.geoms.append(try geom(child, childClass: inner, owner: owner))
            case "site":
                body.sites.append(try site(child, childClass: inner, owner: owner))
            case "inertial":
                guard explicitInertial == nil else { throw error(child, owner, "\(owner) has more than one <inertial>") }
                explicitInertial = try inertial(child, owner: owner)
            case "body":
                body.children.append(try self.body(child, childClass: inner, depth: depth + 1))
            case "camera", "light": break
            case "frame", "replicate", "composite", "flexcomp", "attach":
                throw error(child, owner, "\(owner) contains <\(child.name)>, which Embody's MJCF loader does not support")
            case "plugin": note("body <plugin>")
            default: note("<\(child.name)> in a body")
            }
        }
        body.massProperties = try massProperties(body, explicit: explicitInertial, node: node, owner: owner)
        return body
    }

    /// A body's mass properties in its frame, following MuJoCo's compiler: the <inertial> unless
    /// inertiafromgeom is true; else the sum of the geoms; then boundmass and boundinertia.
    mutating func massProperties(_ body: MJCFBody, explicit: MassProperties?, node: MNode,
                                 owner: String) throws(ModelError) -> MassProperties {
        var result: MassProperties
        if let explicit, compiler.inertiaFromGeom != .true {
            result = explicit
        } else if compiler.inertiaFromGeom == .false {
            result = .zero
        } else {
            let parts = body.geoms.compactMap(\.massProperties).filter { $0.mass > 1e-14 }
            result = MassProperties.combined(parts)
        }
        if compiler.boundMass > 0 { result.mass = max(result.mass, compiler.boundMass) }
        let principal = symmetricEigenvalues(result.inertia)
        if compiler.boundInertia > 0, principal.contains(where: { $0 < compiler.boundInertia }) {
            // Raise each principal moment to the bound: I + Σ max(0, b − λ) v vᵀ; done on the diagonal when
            // the tensor is diagonal, which is the case MuJoCo users rely on (point masses).
            let diagonal = result.inertia[0][1] == 0 && result.inertia[0][2] == 0 && result.inertia[1][2] == 0
            guard diagonal else {
                throw error(node, owner, "\(owner): boundinertia on a body with a non-diagonal inertia is not supported")
            }
            for i in 0..<3 { result.inertia[i][i] = max(result.inertia[i][i], compiler.boundInertia) }
        }
        guard result.mass.isFinite, result.centerOfMass.x.isFinite, result.centerOfMass.y.isFinite,
              result.centerOfMass.z.isFinite, result.inertia.allSatisfy({ $0.allSatisfy(\.isFinite) }) else {
            throw error(node, owner, "\(owner) has a mass or inertia too large to represent (its geoms' sizes or densities overflow)")
        }
        let l = symmetricEigenvalues(result.inertia)
        if l[0] + l[1] < l[2] * (1 - 1e-12) - 1e-300 {
            throw error(node, owner, "\(owner) has an inertia whose principal moments (\(l.map { String($0) }.joined(separator: ", ")) kg·m²) break the triangle inequality A + B ≥ C, as MuJoCo also refuses")
        }
        return result
    }

    func subtreeMass(_ b: MJCFBody) -> Double { b.children.reduce(b.massProperties.mass) { $0 + subtreeMass($1) } }

    /// Multiplies the masses and inertias of `b` and its subtree by `s` (settotalmass), refusing a result
    /// too large to represent.
    func scaleMasses(_ b: inout MJCFBody, by s: Double) throws(ModelError) {
        b.massProperties.mass *= s
        for r in 0..<3 { for c in 0..<3 { b.massProperties.inertia[r][c] *= s } }
        guard b.massProperties.mass.isFinite, b.massProperties.inertia.allSatisfy({ $0.allSatisfy(\.isFinite) }) else {
            let owner = b.name.isEmpty ? "<body> at line \(b.location.line)" : "body '\(b.name)'"
            throw ModelError(location: b.location, element: owner,
                             message: "<compiler> settotalmass=\"\(compiler.setTotalMass)\" scales \(owner) by \(s), which makes its mass or inertia too large to represent")
        }
        for i in b.children.indices { try scaleMasses(&b.children[i], by: s) }
    }

    mutating func inertial(_ node: MNode, owner: String) throws(ModelError) -> MassProperties {
        let a = node.attributes
        let pos = try vector3(node, "pos", owner: owner, values: a) ?? .zero
        let rotation = try orientation(node, a, owner: owner) ?? .identity
        guard a["mass"] != nil else { throw error(node, owner, "\(owner) <inertial> is missing the required attribute 'mass'") }
        let mass = try numbers(node, "mass", count: 1, owner: owner, rule: .nonNegative, values: a)[0]
        var tensor: Matrix3
        if a["fullinertia"] != nil {
            guard a["diaginertia"] == nil else {
                throw error(node, owner, "\(owner) <inertial> has both diaginertia and fullinertia")
            }
            let f = try numbers(node, "fullinertia", count: 6, owner: owner, values: a)
            tensor = [[f[0], f[3], f[4]], [f[3], f[1], f[5]], [f[4], f[5], f[2]]]
        } else if a["diaginertia"] != nil {
            let d = try numbers(node, "diaginertia", count: 3, owner: owner, rule: .nonNegative, values: a)
            tensor = diagonalMatrix(Vector3(d[0], d[1], d[2]))
        } else {
            throw error(node, owner, "\(owner) <inertial> needs diaginertia or fullinertia")
        }
        tensor = rotateTensor(tensor, by: rotation)
        return MassProperties(mass: mass, centerOfMass: pos, inertia: tensor)
    }

    mutating func joint(_ node: MNode, childClass: String?, owner: String) throws(ModelError) -> MJCFJoint {
        let isFree = node.name == "freejoint"
        let a = isFree ? node.attributes : try attributes(node, kind: "joint", childClass: childClass)
        let kindText = isFree ? "free" : (a["type"] ?? "hinge")
        guard let kind = MJCFJoint.Kind(rawValue: kindText) else {
            throw error(node, owner, "\(owner) <joint> type=\"\(kindText)\" is not one of hinge, slide, ball, free")
        }
        let name = a["name"] ?? ""
        let jointOwner = name.isEmpty ? "\(owner) <joint>" : "joint '\(name)'"
        let anchor = kind == .free ? .zero : try vector3(node, "pos", owner: jointOwner, values: a) ?? .zero
        var axis = Vector3(0, 0, 1)
        if kind == .hinge || kind == .slide, a["axis"] != nil {
            let v = try numbers(node, "axis", count: 3, owner: jointOwner, values: a)
            axis = Vector3(v[0], v[1], v[2])
            guard length(axis) > 1e-14 else { throw error(node, jointOwner, "\(jointOwner) has a zero axis") }
            axis /= length(axis)
        }
        let angular = kind == .hinge || kind == .ball
        let toRadians = angular && compiler.degree ? Double.pi / 180 : 1
        var range: (Double, Double)?
        if kind != .free {
            let limitedText = a["limited"] ?? "auto"
            var raw = (0.0, 0.0)
            if a["range"] != nil {
                let r = try numbers(node, "range", count: 2, owner: jointOwner, values: a)
                raw = (r[0], r[1])
            }
            let hasRange = raw != (0, 0)
            let limited: Bool
            switch limitedText {
            case "true": limited = true
            case "false": limited = false
            case "auto":
                if !compiler.autoLimits && hasRange {
                    throw error(node, jointOwner, "\(jointOwner) has a range but no 'limited'; set limited=\"true\" or <compiler autolimits=\"true\"> (as MuJoCo requires)")
                }
                limited = raw.0 < raw.1
            default:
                throw error(node, jointOwner, "\(jointOwner) limited=\"\(limitedText)\" must be true, false or auto")
            }
            if limited {
                if kind == .ball {
                    guard raw.0 == 0, raw.1 > 0 else {
                        throw error(node, jointOwner, "\(jointOwner) is a ball joint; its range must be \"0 max\" with max > 0")
                    }
                } else if !(raw.0 < raw.1) {
                    throw error(node, jointOwner, "\(jointOwner) range=\"\(a["range"] ?? "")\": the lower limit must be below the upper")
                }
                range = (raw.0 * toRadians, raw.1 * toRadians)
            }
        }
        func scalar(_ key: String, _ rule: NumberRule = .nonNegative) throws(ModelError) -> Double {
            a[key] == nil ? 0 : try numbers(node, key, count: 1, owner: jointOwner, rule: rule, values: a)[0]
        }
        let damping = try scalar("damping")
        let armature = try scalar("armature")
        let frictionLoss = try scalar("frictionloss")
        let reference = try scalar("ref", .any) * (kind == .hinge ? toRadians : 1)
        if try scalar("stiffness") > 0 { note("joint stiffness (passive spring)") }
        if armature > 0 { note("joint armature (recorded, not simulated)") }
        if kind == .ball { note("ball joint (three hinges x, y, z)") }
        return MJCFJoint(name: name, kind: kind, anchor: anchor, axis: axis, range: range, damping: damping,
                         armature: armature, frictionLoss: frictionLoss, reference: reference, location: node.location)
    }

    mutating func geom(_ node: MNode, childClass: String?, owner: String) throws(ModelError) -> MJCFGeom {
        let a = try attributes(node, kind: "geom", childClass: childClass)
        let name = a["name"]
        let geomOwner = name.map { "geom '\($0)'" } ?? "\(owner) <geom>"
        let type = a["type"] ?? "sphere"
        var size = [0.0, 0.0, 0.0]
        if let raw = a["size"] {
            let tokens = raw.split(whereSeparator: \.isWhitespace)
            guard (1...3).contains(tokens.count) else {
                throw error(node, geomOwner, "\(geomOwner) size=\"\(raw)\" holds \(tokens.count) values; expected 1 to 3")
            }
            let v = try numbers(node, "size", count: tokens.count, owner: geomOwner, rule: .nonNegative, values: a)
            for (i, x) in v.enumerated() { size[i] = x }
        }
        var pose: Transform
        if a["fromto"] != nil {
            guard ["capsule", "cylinder", "box", "ellipsoid"].contains(type) else {
                throw error(node, geomOwner, "\(geomOwner) uses fromto, which needs a capsule, cylinder, box or ellipsoid, not a \(type)")
            }
            if let p = try vector3(node, "pos", owner: geomOwner, values: a), p != .zero {
                throw error(node, geomOwner, "\(geomOwner) has both pos and fromto")
            }
            let f = try numbers(node, "fromto", count: 6, owner: geomOwner, values: a)
            let from = Vector3(f[0], f[1], f[2]), to = Vector3(f[3], f[4], f[5])
            let v = from - to
            let half = length(v) / 2
            guard half > 1e-14 else { throw error(node, geomOwner, "\(geomOwner) fromto points coincide") }
            size[1] = half
            if type == "box" || type == "ellipsoid" { size[2] = size[1]; size[1] = size[0] }
            pose = Transform(position: (from + to) / 2, rotation: zToVector(v))
        } else {
            pose = try frame(node, a, owner: geomOwner)
        }
        var contype = 1.0, conaffinity = 1.0, group = 0.0
        if a["contype"] != nil { contype = try numbers(node, "contype", count: 1, owner: geomOwner, values: a)[0] }
        if a["conaffinity"] != nil { conaffinity = try numbers(node, "conaffinity", count: 1, owner: geomOwner, values: a)[0] }
        if a["group"] != nil { group = try numbers(node, "group", count: 1, owner: geomOwner, values: a)[0] }
        var rgba: SIMD4<Double>?
        if a["rgba"] != nil {
            let c = try numbers(node, "rgba", count: 4, owner: geomOwner, rule: .unit, values: a)
            rgba = SIMD4(c[0], c[1], c[2], c[3])
        } else if let m = a["material"] {
            rgba = materials[m]
        }
        if a["shellinertia"] == "true" {
            throw error(node, geomOwner, "\(geomOwner) uses shellinertia, which Embody's MJCF loader does not support")
        }

        func positive(_ i: Int, _ what: String) throws(ModelError) -> Double {
            guard size[i] > 0 else { throw error(node, geomOwner, "\(geomOwner) (\(type)) needs a positive \(what) in size") }
            return size[i]
        }
        var shape: Shape?
        var solid: PrimitiveSolid?
        var meshSolid: (MeshSolid, Transform)?
        switch type {
        case "sphere":
            let r = try positive(0, "radius")
            shape = .sphere(radius: r); solid = .sphere(radius: r)
        case "capsule":
            let r = try positive(0, "radius"), h = try positive(1, "half length")
            shape = .capsule(radius: r, length: 2 * h); solid = .capsule(radius: r, halfLength: h)
        case "cylinder":
            let r = try positive(0, "radius"), h = try positive(1, "half length")
            shape = .cylinder(radius: r, length: 2 * h); solid = .cylinder(radius: r, halfLength: h)
        case "box":
            let s = Vector3(try positive(0, "half side x"), try positive(1, "half side y"), try positive(2, "half side z"))
            shape = .box(size: 2 * s); solid = .box(halfSides: s)
        case "ellipsoid":
            let s = Vector3(try positive(0, "semi-axis x"), try positive(1, "semi-axis y"), try positive(2, "semi-axis z"))
            shape = .mesh(Mesh(path: "ellipsoid \(s.x) \(s.y) \(s.z) m (convex hull of \(MJCFLoader.ellipsoidHullPoints) surface points)",
                               vertices: ellipsoidPoints(s)))
            solid = .ellipsoid(semiAxes: s)
            note("ellipsoid geom (convex hull of \(MJCFLoader.ellipsoidHullPoints) surface points for contact)")
        case "mesh":
            guard let meshName = a["mesh"] else { throw error(node, geomOwner, "\(geomOwner) is a mesh geom without a mesh attribute") }
            guard let asset = meshes[meshName] else {
                throw error(node, geomOwner, "\(geomOwner) uses mesh '\(meshName)', which is not declared in <asset>")
            }
            let vertices = try meshVertices(meshName, asset: asset)
            shape = .mesh(Mesh(path: try meshPath(asset), vertices: vertices, scale: asset.scale))
            guard let s = MeshSolid(triangles: vertices) else {
                throw error(node, geomOwner, "\(geomOwner): mesh '\(meshName)' encloses no volume, so its mass cannot be computed")
            }
            meshSolid = (s, .identity)
        case "plane":
            throw error(node, geomOwner, "\(geomOwner) is a plane in a moving body; MuJoCo allows planes only in static bodies")
        case "hfield", "sdf":
            throw error(node, geomOwner, "\(geomOwner) is a \(type) geom, which Embody's MJCF loader supports only in <worldbody>")
        default:
            throw error(node, geomOwner, "\(geomOwner) type=\"\(type)\" is not one of plane, sphere, capsule, cylinder, box, ellipsoid, mesh")
        }
        if a["mesh"] != nil, type != "mesh" {
            throw error(node, geomOwner, "\(geomOwner) is a \(type) fitted to mesh '\(a["mesh"] ?? "")'; fitting primitives to meshes is not supported (use type=\"mesh\")")
        }

        // Mass: `mass` when given (0 means massless), else density × volume (density 1000 kg/m³ by default).
        var props: MassProperties?
        let inGroup = group >= Double(compiler.inertiaGroupRange.0) && group <= Double(compiler.inertiaGroupRange.1)
        if inGroup {
            let volume = solid?.volume ?? meshSolid?.0.volume ?? 0
            var mass: Double?
            if a["mass"] != nil {
                let m = try numbers(node, "mass", count: 1, owner: geomOwner, rule: .nonNegative, values: a)[0]
                mass = m == 0 ? 0 : (volume > 1e-14 ? m : nil)
            } else {
                let density = a["density"] == nil ? 1000 : try numbers(node, "density", count: 1, owner: geomOwner, rule: .nonNegative, values: a)[0]
                mass = density * volume
            }
            if let mass {
                if let solid {
                    props = MassProperties(mass: mass, centerOfMass: .zero, inertia: diagonalMatrix(solid.inertia(mass: mass)))
                        .transformed(by: pose)
                } else if let (s, _) = meshSolid {
                    let density = mass / s.volume
                    let tensor = s.unitInertia.map { $0.map { $0 * density } }
                    props = MassProperties(mass: mass, centerOfMass: s.centroid, inertia: tensor).transformed(by: pose)
                }
            }
        }
        return MJCFGeom(name: name, pose: pose, shape: shape, collides: contype != 0 || conaffinity != 0, rgba: rgba,
                        massProperties: props, location: node.location)
    }

    mutating func site(_ node: MNode, childClass: String?, owner: String) throws(ModelError) -> MJCFSite {
        let a = try attributes(node, kind: "site", childClass: childClass)
        let name = a["name"] ?? ""
        let siteOwner = name.isEmpty ? "\(owner) <site>" : "site '\(name)'"
        var pose: Transform
        if a["fromto"] != nil {
            let f = try numbers(node, "fromto", count: 6, owner: siteOwner, values: a)
            let from = Vector3(f[0], f[1], f[2]), to = Vector3(f[3], f[4], f[5])
            let v = from - to
            pose = Transform(position: (from + to) / 2, rotation: length(v) > 1e-14 ? zToVector(v) : .identity)
        } else {
            pose = try frame(node, a, owner: siteOwner)
        }
        return MJCFSite(name: name, pose: pose, location: node.location)
    }

    // MARK: Meshes

    func meshPath(_ asset: (file: String, scale: Vector3, node: MNode)) throws(ModelError) -> String {
        try resolveFile(asset.file, directory: compiler.meshDirectory, at: asset.node.location, what: "mesh file")
    }

    /// The vertices of a mesh asset as consecutive triangles (scaled), loaded once per asset.
    mutating func meshVertices(_ name: String, asset: (file: String, scale: Vector3, node: MNode)) throws(ModelError) -> [Vector3] {
        if let cached = loadedMeshes[name] { return cached }
        let file = try meshPath(asset)
        guard PathTools.lastComponent(of: file).lowercased().hasSuffix(".stl") else {
            throw ModelError(location: asset.node.location, element: "mesh '\(name)'",
                             message: "mesh '\(name)' file '\(asset.file)': Embody's MJCF loader reads STL meshes (MuJoCo's own format for them); other formats are not supported yet")
        }
        let vertices: [Vector3]
        do {
            vertices = try MJCFMeshes.triangles(path: file, scale: asset.scale)
        } catch {
            throw ModelError(location: error.location, element: error.element,
                             message: "\(error.message) (mesh '\(name)' at \(asset.node.location))")
        }
        loadedMeshes[name] = vertices
        return vertices
    }

    // MARK: Frames

    static let orientationKeys: [String] = ["quat", "axisangle", "euler", "xyaxes", "zaxis"]

    /// pos and orientation of an element in its parent frame.
    func frame(_ node: MNode, _ a: [String: String], owner: String) throws(ModelError) -> Transform {
        let pos = try vector3(node, "pos", owner: owner, values: a) ?? .zero
        return Transform(position: pos, rotation: try orientation(node, a, owner: owner) ?? .identity)
    }

    /// The rotation given by one of quat (w x y z), axisangle, euler (compiler eulerseq), xyaxes or zaxis.
    func orientation(_ node: MNode, _ a: [String: String], owner: String) throws(ModelError) -> Quaternion? {
        let given = MJCFBuilder.orientationKeys.filter { a[$0] != nil }
        guard given.count <= 1 else {
            throw error(node, owner, "\(owner) gives its orientation twice (\(given.joined(separator: " and "))); use one")
        }
        guard let key = given.first else { return nil }
        let toRadians = compiler.degree ? Double.pi / 180 : 1
        switch key {
        case "quat":
            let q = try numbers(node, key, count: 4, owner: owner, values: a)
            let n = (q[0] * q[0] + q[1] * q[1] + q[2] * q[2] + q[3] * q[3]).squareRoot()
            guard n > 1e-14 else { throw error(node, owner, "\(owner) quat is zero") }
            return Quaternion(x: q[1] / n, y: q[2] / n, z: q[3] / n, w: q[0] / n)
        case "axisangle":
            let v = try numbers(node, key, count: 4, owner: owner, values: a)
            let axis = Vector3(v[0], v[1], v[2])
            guard length(axis) > 1e-14 else { throw error(node, owner, "\(owner) axisangle has a zero axis") }
            return Quaternion(axis: axis / length(axis), angle: v[3] * toRadians)
        case "euler":
            let e = try numbers(node, key, count: 3, owner: owner, values: a)
            var q = Quaternion.identity
            for (i, c) in compiler.eulerSequence.enumerated() {
                let axis: Vector3 = c == "x" || c == "X" ? Vector3(1, 0, 0) : (c == "y" || c == "Y" ? Vector3(0, 1, 0) : Vector3(0, 0, 1))
                let r = Quaternion(axis: axis, angle: e[i] * toRadians)
                // Lower case: about the rotated (moving) axes; upper case: about the fixed axes.
                q = c.isLowercase ? q * r : r * q
            }
            return q.normalizedOrIdentity
        case "xyaxes":
            let v = try numbers(node, key, count: 6, owner: owner, values: a)
            var x = Vector3(v[0], v[1], v[2]), y = Vector3(v[3], v[4], v[5])
            guard length(x) > 1e-14 else { throw error(node, owner, "\(owner) xyaxes has a zero x axis") }
            x /= length(x)
            y -= dot(x, y) * x
            guard length(y) > 1e-14 else { throw error(node, owner, "\(owner) xyaxes has a y axis parallel to x") }
            y /= length(y)
            return quaternion(columns: x, y, cross(x, y))
        default:  // zaxis
            let v = try numbers(node, key, count: 3, owner: owner, values: a)
            let z = Vector3(v[0], v[1], v[2])
            guard length(z) > 1e-14 else { throw error(node, owner, "\(owner) zaxis is zero") }
            return zToVector(z)
        }
    }

    // MARK: Actuators

    /// Effort limits by joint name from <motor> (and gain-only <general>) actuators; others are noted.
    mutating func readActuators(_ root: MNode) throws(ModelError) -> ActuatorSummary {
        var summary = ActuatorSummary()
        for section in root.children(named: "actuator") {
            for node in section.children {
                summary.count += 1
                guard MJCFBuilder.defaultKind(node.name) == "actuator" else {
                    note("<\(node.name)> actuator"); summary.unmapped += 1; continue
                }
                let a = try attributes(node, kind: "actuator", childClass: nil)
                let name = a["name"] ?? "<\(node.name)> at line \(node.location.line)"
                let owner = "actuator '\(name)'"
                var isTorque = node.name == "motor"
                var gain = 1.0
                if node.name == "general" {
                    let bias = a["biastype"] ?? "none", dyn = a["dyntype"] ?? "none", gainType = a["gaintype"] ?? "fixed"
                    // A first-order filter keeps the activation within ctrlrange, so the force bound holds.
                    isTorque = bias == "none" && ["none", "filter", "filterexact"].contains(dyn) && gainType == "fixed"
                    if isTorque && dyn != "none" { note("actuator activation filter (the torque follows the control at once)") }
                    if isTorque, a["gainprm"] != nil { gain = try leadingNumber(node, "gainprm", owner: owner, values: a) }
                }
                guard isTorque, let jointName = a["joint"] else {
                    note(isTorque ? "actuator on a tendon, site or body" : "<\(node.name)> actuator (servo, not a torque motor)")
                    summary.unmapped += 1
                    continue
                }
                let gear = a["gear"] == nil ? 1.0 : try leadingNumber(node, "gear", owner: owner, values: a)
                var effort = Double.infinity
                if let limited = try actuatorRange(node, a, "ctrl", owner: owner) {
                    effort = abs(gain * gear) * max(abs(limited.0), abs(limited.1))
                    // Finite factors can overflow (to infinity, or NaN when the ctrlrange is 0 0): never a limit.
                    guard effort.isFinite else {
                        throw error(node, owner, "\(owner): gain × gear × ctrlrange (\(gain) × \(gear) × \(max(abs(limited.0), abs(limited.1)))) is too large to represent")
                    }
                }
                if let force = try actuatorRange(node, a, "force", owner: owner) {
                    effort = min(effort, max(abs(force.0), abs(force.1)))
                }
                let total = summary.effort[jointName, default: 0] + effort
                guard total.isFinite || !effort.isFinite || !(summary.effort[jointName]?.isFinite ?? true) else {
                    throw error(node, owner, "\(owner): the effort limits of the motors on joint '\(jointName)' add up to more than can be represented")
                }
                summary.effort[jointName] = total
                summary.location[jointName] = summary.location[jointName] ?? node.location
            }
        }
        return summary
    }

    /// ctrlrange or forcerange when the actuator is limited in it (explicitly, or by autolimits).
    func actuatorRange(_ node: MNode, _ a: [String: String], _ prefix: String,
                       owner: String) throws(ModelError) -> (Double, Double)? {
        let limited = a["\(prefix)limited"] ?? "auto"
        guard a["\(prefix)range"] != nil else {
            if limited == "true" { throw error(node, owner, "\(owner) has \(prefix)limited=\"true\" but no \(prefix)range") }
            return nil
        }
        let r = try numbers(node, "\(prefix)range", count: 2, owner: owner, values: a)
        switch limited {
        case "true": break
        case "false": return nil
        default:
            guard compiler.autoLimits else {
                throw error(node, owner, "\(owner) has a \(prefix)range but no \(prefix)limited; set \(prefix)limited=\"true\" or <compiler autolimits=\"true\">")
            }
            guard r[0] < r[1] else { return nil }
        }
        guard r[0] <= r[1] else { throw error(node, owner, "\(owner) \(prefix)range lower bound is above the upper") }
        return (r[0], r[1])
    }

    // MARK: Attributes and numbers

    func error(_ node: MNode, _ element: String, _ message: String) -> ModelError {
        ModelError(location: node.location, element: element, message: message)
    }

    func bool(_ node: MNode, _ key: String, owner: String) throws(ModelError) -> Bool {
        switch node.attributes[key] {
        case "true": return true
        case "false": return false
        default: throw error(node, owner, "\(owner) \(key)=\"\(node.attributes[key] ?? "")\" must be true or false")
        }
    }

    func vector3(_ node: MNode, _ key: String, owner: String, values: [String: String]) throws(ModelError) -> Vector3? {
        guard values[key] != nil else { return nil }
        let v = try numbers(node, key, count: 3, owner: owner, values: values)
        return Vector3(v[0], v[1], v[2])
    }

    /// The first of the 1 to `maxCount` finite numbers in attribute `key` (gear, gainprm: Embody uses the first).
    func leadingNumber(_ node: MNode, _ key: String, owner: String, values: [String: String],
                       maxCount: Int = 10) throws(ModelError) -> Double {
        let count = (values[key] ?? "").split(whereSeparator: \.isWhitespace).count
        guard (1...maxCount).contains(count) else {
            throw error(node, owner, "\(owner) \(key)=\"\(values[key] ?? "")\" holds \(count) values; expected 1 to \(maxCount)")
        }
        return try numbers(node, key, count: count, owner: owner, values: values)[0]
    }

    /// Exactly `count` finite numbers from attribute `key` (of `values`, the element's attributes over its defaults).
    func numbers(_ node: MNode, _ key: String, count: Int, owner: String, rule: NumberRule = .any,
                 values: [String: String]? = nil) throws(ModelError) -> [Double] {
        let raw = (values ?? node.attributes)[key] ?? ""
        let tokens = raw.split(whereSeparator: \.isWhitespace)
        let what = "\(owner) \(key)=\"\(raw)\""
        guard tokens.count == count else {
            throw error(node, owner, "\(what) holds \(tokens.count) value\(tokens.count == 1 ? "" : "s"); expected \(count)")
        }
        var out: [Double] = []
        out.reserveCapacity(count)
        for token in tokens {
            guard let v = Double(token) else { throw error(node, owner, "\(what): '\(token)' is not a number") }
            guard v.isFinite else { throw error(node, owner, "\(what): '\(token)' is not a finite number") }
            guard rule.accepts(v) else { throw error(node, owner, "\(what): \(token) \(rule.requirement)") }
            out.append(v)
        }
        return out
    }
}

/// Effort limits derived from the actuators.
struct ActuatorSummary {
    /// Effort limit in N·m or N by joint name, summed over the motors driving the joint.
    var effort: [String: Double] = [:]
    var location: [String: SourceLocation] = [:]
    /// Number of actuators of any kind, and of those Embody could not map to a joint torque.
    var count = 0
    var unmapped = 0
}

// MARK: - Rotations

/// The minimal rotation taking +z to the direction of `v` (MuJoCo's rule for fromto and zaxis).
func zToVector(_ v: Vector3) -> Quaternion {
    let n = v / length(v)
    var axis = cross(Vector3(0, 0, 1), n)
    let s = length(axis)
    if s < 1e-10 { axis = Vector3(1, 0, 0) } else { axis /= s }
    let angle = atan2(s, n.z)
    return Quaternion(axis: axis, angle: angle)
}

/// The rotation whose matrix has columns x, y, z (an orthonormal right-handed frame).
func quaternion(columns x: Vector3, _ y: Vector3, _ z: Vector3) -> Quaternion {
    let m00 = x.x, m11 = y.y, m22 = z.z
    let trace = m00 + m11 + m22
    var q: Quaternion
    if trace > 0 {
        let s = (trace + 1).squareRoot() * 2
        q = Quaternion(x: (y.z - z.y) / s, y: (z.x - x.z) / s, z: (x.y - y.x) / s, w: s / 4)
    } else if m00 > m11 && m00 > m22 {
        let s = (1 + m00 - m11 - m22).squareRoot() * 2
        q = Quaternion(x: s / 4, y: (y.x + x.y) / s, z: (z.x + x.z) / s, w: (y.z - z.y) / s)
    } else if m11 > m22 {
        let s = (1 + m11 - m00 - m22).squareRoot() * 2
        q = Quaternion(x: (y.x + x.y) / s, y: s / 4, z: (z.y + y.z) / s, w: (z.x - x.z) / s)
    } else {
        let s = (1 + m22 - m00 - m11).squareRoot() * 2
        q = Quaternion(x: (z.x + x.z) / s, y: (z.y + y.z) / s, z: s / 4, w: (x.y - y.x) / s)
    }
    return q.normalizedOrIdentity
}

/// Points on an ellipsoid's surface: the poles and 7 rings of 16, whose convex hull stands in for it.
func ellipsoidPoints(_ s: Vector3) -> [Vector3] {
    var points = [Vector3(0, 0, s.z), Vector3(0, 0, -s.z)]
    for ring in 1...7 {
        let polar = Double(ring) * Double.pi / 8
        for k in 0..<16 {
            let azimuth = Double(k) * Double.pi / 8
            points.append(Vector3(s.x * sin(polar) * cos(azimuth), s.y * sin(polar) * sin(azimuth), s.z * cos(polar)))
        }
    }
    return points
}

// MARK: - Meshes for MJCF

enum MJCFMeshes {
    /// The triangles of an STL file as consecutive vertex triples, each scaled per axis.
    static func triangles(path: String, scale: Vector3) throws(ModelError) -> [Vector3] {
        // MeshLoader returns every mesh of the file with its triangles as vertex indices.
        let meshes = try MeshLoader.load(path: path, scale: scale)
        return meshes.flatMap { mesh in mesh.triangles.map { mesh.vertices[Int($0)] } }
    }
}

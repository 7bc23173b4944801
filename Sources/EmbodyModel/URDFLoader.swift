// MARK: - URDF loading
//
// Loading happens in two passes. First XMLParser (FoundationXML on Linux) builds a small element
// tree in which every element remembers the line and column of its start tag. Then the tree is
// interpreted: links, joints and materials are read and checked, meshes are resolved inside the
// model's folder and loaded, the joint graph is checked to be a single tree, and the joints are put
// in topological order. Anything Embody does not use becomes a ModelWarning; anything wrong becomes
// a ModelError at the offending element.

import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// Loads URDF robot descriptions into checked, immutable robot models.
public enum URDFLoader {
    /// The largest URDF file the loader reads, bytes: 16 MiB (meshes are separate files).
    public static let maxFileBytes = 16 * 1024 * 1024

    /// Reads and parses the URDF file at `path`; relative mesh paths resolve against the file's directory and
    /// `package://` URIs through `options` (docs/robots.md, "Where meshes are found").
    public static func load(path: String, options: ModelLoadOptions = ModelLoadOptions()) throws(ModelError) -> RobotModel {
        let element = "URDF file '\(path)'"
        let location = SourceLocation(file: path, line: 0)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw ModelError(location: location, element: element, message: "\(element) does not exist")
        }
        guard !isDirectory.boolValue else {
            throw ModelError(location: location, element: element, message: "\(element) is a directory, not a file")
        }
        if let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int, size > URDFLoader.maxFileBytes {
            throw ModelError(location: location, element: element,
                             message: "\(element) is \(size) bytes, more than the \(URDFLoader.maxFileBytes) bytes Embody reads")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ModelError(location: location, element: element, message: "\(element) cannot be read")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ModelError(location: location, element: element, message: "\(element) is not UTF-8 text")
        }
        return try parse(xml: text, path: path, options: options)
    }

    /// Parses URDF text said to come from `path`, which names the file in messages and anchors relative mesh paths.
    public static func parse(xml: String, path: String,
                             options: ModelLoadOptions = ModelLoadOptions()) throws(ModelError) -> RobotModel {
        let root = try XMLTree.parse(xml, path: path)
        // A MuJoCo model given where a URDF is expected (robot.urdf, `embody inspect`) loads as MJCF.
        if root.name == "mujoco" {
            var model = try MJCFLoader.interpret(root, path: path)
            model.descriptionText = xml
            return model
        }
        var interpreter = URDFInterpreter(path: path, options: options)
        var model = try interpreter.robot(from: root)
        model.descriptionText = xml
        return model
    }
}

// MARK: - Element tree

/// One XML element with its attributes, children and the position of its start tag.
struct XMLNode {
    var name: String
    var attributes: [String: String]
    var children: [XMLNode] = []
    /// The 1-based line of the `<` that opens the element.
    var line: Int
    /// The 1-based column of the `<` that opens the element.
    var column: Int
}

/// Builds an XMLNode tree with XMLParser, failing on the first syntax error.
enum XMLTree {
    static func parse(_ text: String, path: String) throws(ModelError) -> XMLNode {
        let xml = blankingEmptyProcessingInstructions(blankingDeclaration(text))
        let source = SourcePositions(xml)
        try checkEncoding(source, path: path)
        let builder = TreeBuilder(source: source)
        let parser = XMLParser(data: Data(xml.utf8))
        parser.shouldResolveExternalEntities = false
        parser.shouldProcessNamespaces = false
        parser.delegate = builder
        _ = parser.parse()

        if let failure = builder.failure, failure.code == 5, let open = failure.openNode {
            // libxml2 reports a premature end of the document with the same code as trailing content.
            throw ModelError(location: SourceLocation(file: path, line: open.line, column: open.column),
                             element: "<\(open.name)>",
                             message: "XML syntax error: <\(open.name)> is never closed before the file ends")
        }
        if let failure = builder.failure {
            let inside = failure.openElement.map { "<\($0)>" } ?? "XML"
            let what = failure.openElement.map { "inside <\($0)>" } ?? "before the first element"
            throw ModelError(location: SourceLocation(file: path, line: failure.line, column: failure.column),
                             element: inside,
                             message: "XML syntax error \(what): \(XMLTree.describe(code: failure.code))")
        }
        if let open = builder.stack.last {
            throw ModelError(location: SourceLocation(file: path, line: open.line, column: open.column),
                             element: "<\(open.name)>",
                             message: "XML syntax error: <\(open.name)> is never closed before the file ends")
        }
        guard let root = builder.root else {
            throw ModelError(location: SourceLocation(file: path, line: 0), element: "<robot>",
                             message: "the file contains no XML elements; expected a <robot> element")
        }
        return root
    }

    /// The text with a leading `<?xml ...?>` declaration replaced by spaces (newlines kept, so lines and columns
    /// stay). The text is already UTF-8, and libxml2 refuses declarations that other URDF readers accept: one after
    /// blank lines, or `version="0.0"` (both in pybullet_data).
    static func blankingDeclaration(_ text: String) -> String {
        let bytes = Array(text.utf8)
        var i = 0
        while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x0A || bytes[i] == 0x0D || bytes[i] == 0x09 { i += 1 }
        guard i + 5 <= bytes.count, Array(bytes[i..<(i + 5)]) == Array("<?xml".utf8) else { return text }
        var end = i + 5
        while end + 1 < bytes.count, !(bytes[end] == UInt8(ascii: "?") && bytes[end + 1] == UInt8(ascii: ">")) { end += 1 }
        guard end + 1 < bytes.count else { return text }
        var out = bytes
        for k in i...(end + 1) where out[k] != 0x0A && out[k] != 0x0D { out[k] = 0x20 }
        return String(decoding: out, as: UTF8.self)
    }

    /// The text with every processing instruction that has a target and no content (`<?name?>`) replaced by
    /// spaces (newlines kept, so lines and columns stay). libxml2 hands such an instruction to its SAX handler
    /// with a null content pointer, and Foundation's XMLParser on Linux passes that pointer to strlen: the
    /// process dies with SIGSEGV (found by `make fuzz`: `<?xmhi?>` as a URDF killed `embody inspect`). A
    /// processing instruction means nothing to a URDF or MJCF reader, so the valid document loads as if it were
    /// not there. Comments, CDATA sections and quoted attribute values are skipped, so only real instructions
    /// are blanked (inside the document type's internal subset too, where libxml2 reports them the same way).
    static func blankingEmptyProcessingInstructions(_ text: String) -> String {
        let bytes = Array(text.utf8)
        var out: [UInt8]? = nil
        func starts(_ literal: StaticString, at k: Int) -> Bool {
            let n = literal.utf8CodeUnitCount
            guard k + n <= bytes.count else { return false }
            return literal.withUTF8Buffer { prefix in (0..<n).allSatisfy { bytes[k + $0] == prefix[$0] } }
        }
        /// The offset just past the first `terminator` at or after `k`, or the end of the text.
        func after(_ terminator: StaticString, from k: Int) -> Int {
            var j = k
            while j < bytes.count, !starts(terminator, at: j) { j += 1 }
            return min(bytes.count, j + terminator.utf8CodeUnitCount)
        }
        // libxml2's name characters, ASCII part; every byte of a multi-byte UTF-8 character counts as one.
        func isNameStart(_ b: UInt8) -> Bool {
            (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == UInt8(ascii: "_") || b == UInt8(ascii: ":") || b >= 0x80
        }
        func isName(_ b: UInt8) -> Bool {
            isNameStart(b) || (b >= 0x30 && b <= 0x39) || b == UInt8(ascii: "-") || b == UInt8(ascii: ".")
        }
        var i = 0
        while i < bytes.count {
            guard bytes[i] == UInt8(ascii: "<") else { i += 1; continue }
            if starts("<!--", at: i) {
                i = after("-->", from: i + 4)
            } else if starts("<![CDATA[", at: i) {
                i = after("]]>", from: i + 9)
            } else if starts("<?", at: i) {
                var end = i + 2
                if end < bytes.count, isNameStart(bytes[end]) {
                    while end < bytes.count, isName(bytes[end]) { end += 1 }
                    if starts("?>", at: end) {
                        if out == nil { out = bytes }
                        for k in i..<(end + 2) { out![k] = 0x20 }
                    }
                }
                i = after("?>", from: i + 2)
            } else if starts("<!", at: i) {
                i += 2   // a declaration (<!DOCTYPE …, <!ENTITY …): its internal subset may hold instructions
            } else {
                // A tag: skip to its `>`, over quoted attribute values (where `<` is not markup).
                var k = i + 1
                var quote: UInt8? = nil
                while k < bytes.count {
                    if let q = quote {
                        if bytes[k] == q { quote = nil }
                    } else if bytes[k] == UInt8(ascii: "\"") || bytes[k] == UInt8(ascii: "'") {
                        quote = bytes[k]
                    } else if bytes[k] == UInt8(ascii: ">") {
                        break
                    }
                    k += 1
                }
                i = k + 1
            }
        }
        guard let out else { return text }
        return String(decoding: out, as: UTF8.self)
    }

    /// The text reaches XMLParser as UTF-8. A NUL character (which XML forbids) in the first four bytes makes
    /// libxml2 guess UCS-4 and, in the system's libxml2 2.9, crash the process (SIGSEGV in xmlParseChunk), so a
    /// NUL anywhere is refused here, at its position. (Found by `make fuzz`; a declared encoding such as
    /// UTF-32, which crashed it the same way, no longer reaches libxml2: `blankingDeclaration` removes it.)
    static func checkEncoding(_ source: SourcePositions, path: String) throws(ModelError) {
        if let nul = source.bytes.firstIndex(of: 0) {
            let (line, column) = source.position(ofOffset: nul)
            throw ModelError(location: SourceLocation(file: path, line: line, column: column), element: "XML",
                             message: "XML text contains a NUL character (byte 0), which XML does not allow; is this a binary file?")
        }
    }

    /// A readable explanation of a libxml2 error code as reported through XMLParser.
    static func describe(code: Int) -> String {
        switch code {
        case 5: "extra content after the root element (a URDF holds exactly one <robot>)"
        case 9: "invalid character"
        case 26: "reference to an undefined entity (write & as &amp;)"
        case 38: "'<' is not allowed inside an attribute value"
        case 39: "attribute value must be in quotes"
        case 40: "attribute value is missing its closing quote"
        case 41: "attribute has no value"
        case 42: "the same attribute appears twice"
        case 45: "comment is not closed with -->"
        case 65: "a space is required here"
        case 68: "a name is required here"
        case 73: "expected '>'"
        case 76: "closing tag does not match the open element"
        case 77: "tag is not finished"
        case 4: "the document is empty"
        case 31, 32, 81: "the text encoding is unknown or not supported (write the file as UTF-8)"
        case 85: "the elements are not properly nested"
        case 86: "extra content at the end of the document"
        case 89: "entity references expand too much or refer to themselves (an entity expansion bomb); URDF files need no <!ENTITY> definitions"
        case 1, 2: "the XML parser ran out of resources on this input"
        default: "the XML is not well-formed here (libxml2 error \(code))"
        }
    }
}

/// Receives XMLParser events and assembles the tree.
private final class TreeBuilder: NSObject, XMLParserDelegate {
    struct Failure {
        var line: Int
        var column: Int
        var code: Int
        /// The innermost element still open when the error happened.
        var openNode: XMLNode?
        var openElement: String? { openNode?.name }
    }

    var source: SourcePositions
    var stack: [XMLNode] = []
    var root: XMLNode?
    var failure: Failure?

    init(source: SourcePositions) { self.source = source }

    func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
                qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]) {
        guard failure == nil else { return }
        // XMLParser reports the position at the end of the start tag; walk back to its `<`.
        let (line, column) = source.startOfTag(named: elementName, endingAt: parser.lineNumber, parser.columnNumber)
        stack.append(XMLNode(name: elementName, attributes: attributeDict, line: line, column: column))
    }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?,
                qualifiedName qName: String?) {
        guard failure == nil, let node = stack.popLast() else { return }
        if stack.isEmpty {
            if root == nil { root = node }
        } else {
            stack[stack.count - 1].children.append(node)
        }
    }

    func parser(_ parser: XMLParser, parseErrorOccurred parseError: Error) {
        guard failure == nil else { return }
        failure = Failure(line: parser.lineNumber, column: parser.columnNumber,
                          code: (parseError as NSError).code, openNode: stack.last)
        parser.abortParsing()
    }
}

/// Maps parser positions back to the start of tags in the source text.
struct SourcePositions {
    let bytes: [UInt8]
    /// The byte offset at which each line starts.
    let lineStarts: [Int]
    /// The last tag's line index, byte offset and character count from its line's start.
    private var cache = (line: -1, offset: 0, characters: 0)

    init(_ text: String) {
        bytes = Array(text.utf8)
        var starts = [0]
        bytes.withUnsafeBufferPointer { p in
            for i in 0..<p.count where p[i] == UInt8(ascii: "\n") { starts.append(i + 1) }
        }
        lineStarts = starts
    }

    /// The 1-based line and column (in characters) of a byte offset.
    func position(ofOffset offset: Int) -> (line: Int, column: Int) {
        var lo = 0, hi = lineStarts.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if lineStarts[mid] <= offset { lo = mid } else { hi = mid - 1 }
        }
        let characters = bytes[lineStarts[lo]..<min(offset, bytes.count)].filter { $0 & 0xC0 != 0x80 }.count
        return (lo + 1, characters + 1)
    }

    /// The line and column of the `<` of the tag that XMLParser reports as ending at (line, column).
    mutating func startOfTag(named name: String, endingAt line: Int, _ column: Int) -> (Int, Int) {
        guard line >= 1, line <= lineStarts.count, !bytes.isEmpty else { return (line, column) }
        var offset = min(lineStarts[line - 1] + max(column - 1, 0), bytes.count - 1)
        while offset >= 0, bytes[offset] != UInt8(ascii: "<") { offset -= 1 }
        let nameBytes = Array(name.utf8)
        guard offset >= 0, !nameBytes.isEmpty, offset + nameBytes.count < bytes.count,
              Array(bytes[(offset + 1)...(offset + nameBytes.count)]) == nameBytes else { return (line, column) }
        // The last line starting at or before `offset`.
        var lo = 0, hi = lineStarts.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if lineStarts[mid] <= offset { lo = mid } else { hi = mid - 1 }
        }
        // Characters from the line's start to `offset`, counted from the previous tag when it is on the same line
        // and before this one: XMLParser reports tags in order, so a file on one line costs linear time, not
        // quadratic.
        var from = lineStarts[lo], characters = 0
        if cache.line == lo, cache.offset <= offset, cache.offset >= from {
            from = cache.offset
            characters = cache.characters
        }
        for i in from..<offset where bytes[i] & 0xC0 != 0x80 { characters += 1 }
        cache = (lo, offset, characters)
        return (lo + 1, characters + 1)
    }
}

// MARK: - Interpretation

/// A joint as read from the file, before link names are resolved to indices.
private struct JointSpec {
    var name: String
    var type: JointType
    var parentName: String
    var childName: String
    var node: XMLNode
    var parentNode: XMLNode
    var childNode: XMLNode
    var origin: Transform
    var axis: Vector3
    var limit: JointLimit?
    var damping: Double
    var friction: Double
    var mimic: Mimic?
    var mimicNode: XMLNode?
}

/// What a numeric attribute of a URDF or MJCF file may hold.
enum NumberRule {
    case any, nonNegative, positive, nonZero, unit

    var requirement: String {
        switch self {
        case .any: ""
        case .nonNegative: "must not be negative"
        case .positive: "must be positive"
        case .nonZero: "must be non-zero"
        case .unit: "must be between 0 and 1"
        }
    }

    func accepts(_ x: Double) -> Bool {
        switch self {
        case .any: true
        case .nonNegative: x >= 0
        case .positive: x > 0
        case .nonZero: x != 0
        case .unit: x >= 0 && x <= 1
        }
    }
}

/// Turns an element tree into a RobotModel, collecting warnings along the way.
private struct URDFInterpreter {
    let path: String
    /// The absolute, normalized directory holding the URDF: the tree meshes must stay inside.
    let modelDirectory: String
    let resolver: PackageResolver
    var warnings: [ModelWarning] = []
    /// Elements Embody does not use (Gazebo, transmissions, unknown tags): summarized in one warning.
    var ignored: [ModelWarning] = []
    /// The tag each ignored element is counted under in the summary.
    var ignoredTags: [String] = []
    /// Joints whose <mimic> names no usable joint.
    var unusableMimics: Set<String> = []
    var materials: [String: SIMD4<Double>] = [:]
    /// Meshes already read in this model, by resolved path, before scaling.
    var meshCache: [String: [Mesh]] = [:]
    /// Every mesh file used, by resolved path, with the hash of its bytes.
    var meshFiles: [String: String] = [:]

    init(path: String, options: ModelLoadOptions) {
        self.path = path
        modelDirectory = PathTools.parent(of: PathTools.normalize(PathTools.absolute(path)))
        resolver = PackageResolver(modelDirectory: modelDirectory, options: options)
    }

    // MARK: Robot

    mutating func robot(from root: XMLNode) throws(ModelError) -> RobotModel {
        guard root.name == "robot" else {
            throw error(root, "<robot>", "expected <robot> as the root element, but the file starts with <\(root.name)>")
        }
        let robotName = try requiredAttribute(root, "name", owner: "<robot>")
        let robotOwner = "robot '\(robotName)'"

        // Materials first, so visuals may use a material declared further down.
        for node in root.children where node.name == "material" { try robotMaterial(node) }

        var links: [Link] = []
        var linkIndex: [String: Int] = [:]
        var specs: [JointSpec] = []
        var jointIndex: [String: Int] = [:]
        for node in root.children {
            switch node.name {
            case "link":
                let name = try requiredAttribute(node, "name", owner: "<link>")
                if let first = linkIndex[name] {
                    throw error(node, "link '\(name)'",
                                "link '\(name)' is declared twice (first at line \(links[first].location.line)); link names must be unique")
                }
                linkIndex[name] = links.count
                links.append(try link(node, name: name))
            case "joint":
                let name = try requiredAttribute(node, "name", owner: "<joint>")
                if let first = jointIndex[name] {
                    throw error(node, "joint '\(name)'",
                                "joint '\(name)' is declared twice (first at line \(specs[first].node.line)); joint names must be unique")
                }
                jointIndex[name] = specs.count
                specs.append(try joint(node, name: name))
            case "material":
                break
            case "transmission", "gazebo":
                let label = node.attributes["name"].map { " '\($0)'" } ?? ""
                ignore(node, "ignored <\(node.name)>\(label): \(node.name) elements are not supported")
            default:
                ignore(node, "ignored unknown element <\(node.name)> in \(robotOwner)")
            }
        }
        guard !links.isEmpty else {
            throw error(root, robotOwner, "\(robotOwner) declares no links")
        }

        let (rootIndex, order) = try jointTree(links: links, linkIndex: linkIndex, specs: specs, robotOwner: robotOwner)

        var joints: [Joint] = []
        for k in order {
            let spec = specs[k]
            // Both names were checked by jointTree.
            guard let parent = linkIndex[spec.parentName], let child = linkIndex[spec.childName] else { continue }
            if spec.type == .floating {
                let rootLink = links[rootIndex]
                guard parent == rootIndex else {
                    throw error(spec.node, "joint '\(spec.name)'",
                                "floating joint '\(spec.name)' hangs from link '\(spec.parentName)', but a floating joint may only attach the base to the massless root link ('\(rootLink.name)')")
                }
                guard rootLink.inertial.mass == 0 else {
                    throw error(spec.node, "joint '\(spec.name)'",
                                "floating joint '\(spec.name)' hangs from root link '\(rootLink.name)', which has a mass of \(rootLink.inertial.mass) kg; a floating joint's parent must be a massless root such as 'world'")
                }
            }
            var joint = Joint(name: spec.name, type: spec.type, parent: parent, child: child, origin: spec.origin,
                              axis: spec.axis, limit: spec.limit, damping: spec.damping, friction: spec.friction,
                              location: location(spec.node))
            joint.mimic = spec.mimic
            joints.append(joint)
        }
        checkMimics(specs: specs, jointIndex: jointIndex)
        for i in joints.indices where unusableMimics.contains(joints[i].name) { joints[i].mimic = nil }
        try checkMovingMass(links: links, joints: joints)
        if !ignored.isEmpty { warnings.append(ignoredSummary(root, robotOwner: robotOwner)) }

        let sortedWarnings = warnings.enumerated().sorted { a, b in
            (a.element.location.line, a.element.location.column, a.offset)
                < (b.element.location.line, b.element.location.column, b.offset)
        }.map(\.element)
        var model = RobotModel(name: robotName, links: links, joints: joints, root: rootIndex, sourcePath: path,
                               warnings: sortedWarnings)
        model.ignoredElements = ignored
        model.meshFiles = meshFiles.keys.sorted().map { MeshFile(path: $0, hash: meshFiles[$0] ?? "") }
        return model
    }

    /// One warning for all ignored elements: how many of each tag, and that `--verbose` lists them.
    func ignoredSummary(_ root: XMLNode, robotOwner: String) -> ModelWarning {
        var counts: [String: Int] = [:]
        var order: [String] = []
        for tag in ignoredTags {
            if counts[tag] == nil { order.append(tag) }
            counts[tag, default: 0] += 1
        }
        let list = order.map { "\(counts[$0] ?? 0) <\($0)>" }.joined(separator: ", ")
        let noun = ignored.count == 1 ? "element" : "elements"
        return ModelWarning(location: location(root),
                            message: "\(robotOwner): ignored \(ignored.count) \(noun) Embody does not use (\(list)); --verbose lists each")
    }

    // MARK: Mimic joints and massless moving links

    /// Checks each <mimic> names another movable joint, and that mimics do not chain into a cycle.
    mutating func checkMimics(specs: [JointSpec], jointIndex: [String: Int]) {
        for spec in specs {
            guard let mimic = spec.mimic, let node = spec.mimicNode else { continue }
            let owner = "joint '\(spec.name)'"
            // PyBullet ignores <mimic> altogether; a mimic that cannot be honoured is a warning, and the joint moves freely.
            let problem: String?
            if let k = jointIndex[mimic.joint] {
                if mimic.joint == spec.name {
                    problem = "names the joint itself"
                } else if spec.type.dof != 1 || specs[k].type.dof != 1 {
                    problem = "needs both joints movable, but joint '\(spec.name)' is \(spec.type.rawValue) and joint '\(mimic.joint)' is \(specs[k].type.rawValue)"
                } else {
                    problem = nil
                }
            } else {
                problem = "names joint '\(mimic.joint)', which is not declared"
            }
            if let problem {
                warn(node, "\(owner) <mimic> \(problem); the mimic is ignored")
                unusableMimics.insert(spec.name)
            }
        }
    }

    /// Refuses a movable joint whose child link, with everything below it, has no mass: physics could not move
    /// it (its articulated inertia is zero). A massless link on a fixed joint is fine: it is rigidly part of its parent.
    func checkMovingMass(links: [Link], joints: [Joint]) throws(ModelError) {
        var subtree = links.map(\.inertial.mass)
        for j in joints.reversed() { subtree[j.parent] += subtree[j.child] }
        for j in joints where j.type.dof == 1 && subtree[j.child] <= 0 {
            let link = links[j.child]
            throw ModelError(location: link.location, element: "link '\(link.name)'",
                             message: "link '\(link.name)' moves on \(j.type.rawValue) joint '\(j.name)' (line \(j.location.line)) but it and the links below it have no <inertial>, so no mass; give it an <inertial> with a positive mass, or make the joint fixed")
        }
    }

    // MARK: Joint graph

    /// Checks that the joints form one tree over all links; returns the root link and the joints in depth-first order.
    func jointTree(links: [Link], linkIndex: [String: Int], specs: [JointSpec],
                   robotOwner: String) throws(ModelError) -> (root: Int, order: [Int]) {
        var parentJoint: [Int: Int] = [:]  // child link -> joint
        var childJoints = Array(repeating: [Int](), count: links.count)
        var parentLinkOfJoint: [Int] = []
        for (k, spec) in specs.enumerated() {
            let owner = "joint '\(spec.name)'"
            guard let parent = linkIndex[spec.parentName] else {
                throw error(spec.parentNode, owner, "\(owner) names parent link '\(spec.parentName)', which is not declared")
            }
            guard let child = linkIndex[spec.childName] else {
                throw error(spec.childNode, owner, "\(owner) names child link '\(spec.childName)', which is not declared")
            }
            guard parent != child else {
                throw error(spec.childNode, owner,
                            "\(owner) names link '\(spec.childName)' as both its parent and its child, which makes a kinematic cycle")
            }
            if let other = parentJoint[child] {
                throw error(spec.childNode, owner,
                            "link '\(spec.childName)' is the child of both joint '\(specs[other].name)' (line \(specs[other].node.line)) and \(owner); a link can have only one parent joint, as URDF describes a tree")
            }
            parentJoint[child] = k
            childJoints[parent].append(k)
            parentLinkOfJoint.append(parent)
        }

        let roots = links.indices.filter { parentJoint[$0] == nil }
        if roots.count > 1 {
            let list = listed(roots.map { "'\(links[$0].name)' (line \(links[$0].location.line))" })
            let second = links[roots[1]]
            throw ModelError(location: second.location, element: "link '\(second.name)'",
                             message: "\(robotOwner) has more than one root link: \(list) are not the child of any joint; link '\(second.name)' needs a parent joint so that all links form one tree")
        }

        // Depth-first from the root, children in document order.
        var order: [Int] = []
        var reached = Array(repeating: false, count: links.count)
        if let root = roots.first {
            reached[root] = true
            depthFirst(from: root, childJoints: childJoints, specs: specs, linkIndex: linkIndex, into: &order, reached: &reached)
            if order.count == specs.count { return (root, order) }
        }

        // Some links are unreachable from the (single or missing) root, so they hang in a cycle.
        let start = links.indices.first { !reached[$0] } ?? 0
        var seen: [Int] = [start]
        var current = start
        while let k = parentJoint[current] {
            current = parentLinkOfJoint[k]
            if seen.contains(current) { break }
            seen.append(current)
        }
        var cycleJoints: [Int] = []
        var walk = current
        while let k = parentJoint[walk] {
            cycleJoints.append(k)
            walk = parentLinkOfJoint[k]
            if walk == current { break }
        }
        cycleJoints.sort()
        guard let firstIndex = cycleJoints.first else {
            // Unreachable: an unreached link always has a parent joint.
            throw ModelError(location: SourceLocation(file: path, line: 0), element: robotOwner,
                             message: "\(robotOwner) has links that are not connected to its root link")
        }
        let first = specs[firstIndex]
        let jointList = listed(cycleJoints.map { "joint '\(specs[$0].name)'" })
        let linkList = listed(cycleJoints.map { "'\(specs[$0].childName)'" })
        throw error(first.node, "joint '\(first.name)'",
                    "\(jointList) form a kinematic cycle through links \(linkList); the joints of a URDF must form a tree")
    }

    /// Appends, in depth-first preorder, the joints below `link` and marks the links they reach.
    private func depthFirst(from link: Int, childJoints: [[Int]], specs: [JointSpec], linkIndex: [String: Int],
                            into order: inout [Int], reached: inout [Bool]) {
        var stack: [Int] = childJoints[link].reversed()
        while let k = stack.popLast() {
            guard let child = linkIndex[specs[k].childName], !reached[child] else { continue }
            reached[child] = true
            order.append(k)
            stack.append(contentsOf: childJoints[child].reversed())
        }
    }

    // MARK: Links

    mutating func link(_ node: XMLNode, name: String) throws(ModelError) -> Link {
        let owner = "link '\(name)'"
        var inertial = Inertial.massless
        var sawInertial = false
        var collisions: [Geometry] = []
        var visuals: [Geometry] = []
        var declaredCollisions = 0
        for child in node.children {
            switch child.name {
            case "inertial":
                if sawInertial {
                    warn(child, "\(owner) has more than one <inertial>; only the first is used")
                } else {
                    inertial = try self.inertial(child, owner: owner)
                    sawInertial = true
                }
            case "collision":
                collisions += try geometry(child, owner: owner, isVisual: false)
                declaredCollisions += 1
            case "visual":
                visuals += try geometry(child, owner: owner, isVisual: true)
            default:
                ignore(child, "ignored unsupported element <\(child.name)> in \(owner)")
            }
        }
        if declaredCollisions > 0, collisions.isEmpty, inertial.mass > 0 {
            throw error(node, owner, "every <collision> of \(owner) has zero size, so the link (\(inertial.mass) kg) would have no collision; give it a collision shape of non-zero size, or remove its <collision> elements")
        }
        return Link(name: name, inertial: inertial, collisions: collisions, visuals: visuals, location: location(node))
    }

    mutating func inertial(_ node: XMLNode, owner: String) throws(ModelError) -> Inertial {
        let origin = try transform(first(node, "origin", owner: owner), owner: owner)
        guard let massNode = first(node, "mass", owner: owner) else {
            throw error(node, owner, "\(owner) <inertial> has no <mass>")
        }
        let mass = try number(massNode, "value", owner: owner, rule: .nonNegative)
        warnChildrenOfLeaf(massNode, owner: owner)
        guard let inertia = first(node, "inertia", owner: owner) else {
            throw error(node, owner, "\(owner) <inertial> has no <inertia>")
        }
        let ixx = try inertiaDiagonal(inertia, "ixx", owner: owner)
        let ixy = try number(inertia, "ixy", owner: owner, rule: .any)
        let ixz = try number(inertia, "ixz", owner: owner, rule: .any)
        let iyy = try inertiaDiagonal(inertia, "iyy", owner: owner)
        let iyz = try number(inertia, "iyz", owner: owner, rule: .any)
        let izz = try inertiaDiagonal(inertia, "izz", owner: owner)
        warnChildrenOfLeaf(inertia, owner: owner)
        warnUnknownChildren(node, known: ["origin", "mass", "inertia"], owner: "\(owner) <inertial>")
        return Inertial(mass: mass, origin: origin, ixx: ixx, iyy: iyy, izz: izz, ixy: ixy, ixz: ixz, iyz: iyz)
    }

    /// A diagonal inertia entry in kg·m²: never negative, except rounding noise (above −1e-12, as exporters write
    /// −5.4e-20 for zero), which is read as 0 with a warning.
    mutating func inertiaDiagonal(_ node: XMLNode, _ attribute: String, owner: String) throws(ModelError) -> Double {
        let value = try number(node, attribute, owner: owner, rule: .any)
        if value >= 0 { return value }
        guard value > -1e-12 else {
            return try number(node, attribute, owner: owner, rule: .nonNegative)  // throws the usual message
        }
        warn(node, "\(owner) <inertia> \(attribute)=\"\(node.attributes[attribute] ?? "")\" is negative rounding noise; it is read as 0")
        return 0
    }

    // MARK: Geometry

    /// Reads a <collision> or <visual>: one geometry, several for a mesh file holding several meshes, or none for
    /// one that was skipped with a warning (a visual that cannot be shown, a shape of zero size).
    mutating func geometry(_ node: XMLNode, owner: String, isVisual: Bool) throws(ModelError) -> [Geometry] {
        let name = node.attributes["name"]
        let place = "\(owner) <\(node.name)\(name.map { " '\($0)'" } ?? "")>"
        let origin = try transform(first(node, "origin", owner: owner), owner: owner)
        guard let geometryNode = first(node, "geometry", owner: owner) else {
            throw error(node, owner, "\(place) has no <geometry>")
        }
        // Only shape elements count; anything else inside <geometry> (racecar's <material>) is ignored.
        let shapeNames: Set<String> = ["box", "sphere", "cylinder", "capsule", "mesh"]
        for other in geometryNode.children where !shapeNames.contains(other.name) && geometryNode.children.count > 1 {
            ignore(other, "ignored <\(other.name)> inside \(place) <geometry>, which holds one shape")
        }
        let shapes = geometryNode.children.count > 1 ? geometryNode.children.filter { shapeNames.contains($0.name) } : geometryNode.children
        guard let shapeNode = shapes.first else {
            throw error(geometryNode, owner,
                        "\(place) <geometry> is empty; expected one of <box>, <sphere>, <cylinder>, <capsule>, <mesh>")
        }
        guard shapes.count == 1 else {
            let list = shapes.map { "<\($0.name)>" }.joined(separator: ", ")
            throw error(shapes[1], owner, "\(place) <geometry> holds \(shapes.count) shapes (\(list)); expected exactly one")
        }
        var rgba: SIMD4<Double>?
        if isVisual, let materialNode = first(node, "material", owner: owner) {
            rgba = try visualMaterial(materialNode, owner: owner, place: place)
        }
        warnUnknownChildren(node, known: isVisual ? ["origin", "geometry", "material"] : ["origin", "geometry"], owner: place)

        let shape: Shape
        warnChildrenOfLeaf(shapeNode, owner: owner)
        // Sizes may be zero here (a degenerate shape is skipped with a warning below), never negative.
        switch shapeNode.name {
        case "box":
            let size = try vector(shapeNode, "size", count: 3, owner: owner, rule: .nonNegative)
            shape = .box(size: Vector3(size[0], size[1], size[2]))
        case "sphere":
            shape = .sphere(radius: try number(shapeNode, "radius", owner: owner, rule: .nonNegative))
        case "cylinder":
            shape = .cylinder(radius: try number(shapeNode, "radius", owner: owner, rule: .nonNegative),
                              length: try number(shapeNode, "length", owner: owner, rule: .nonNegative))
        case "capsule":
            shape = .capsule(radius: try number(shapeNode, "radius", owner: owner, rule: .nonNegative),
                             length: try number(shapeNode, "length", owner: owner, rule: .nonNegative))
        case "mesh":
            let meshes = try mesh(shapeNode, owner: owner, place: place, isVisual: isVisual)
            var kept: [Geometry] = []
            for (k, mesh) in meshes.enumerated() {
                let label = meshes.count > 1 ? " (mesh \(k + 1) of \(meshes.count)\(mesh.name.isEmpty ? "" : ", '\(mesh.name)'"))" : ""
                // Lines and points in a visual file (COLLADA edges) have nothing to draw: dropped without a word.
                if isVisual && mesh.triangles.isEmpty { continue }
                if let why = Self.degenerate(mesh, isVisual: isVisual) {
                    warn(shapeNode, "\(place) mesh '\(shapeNode.attributes["filename"] ?? "")'\(label) \(why); it is skipped")
                    continue
                }
                kept.append(Geometry(name: name, origin: origin, shape: .mesh(mesh), rgba: rgba))
            }
            return kept
        default:
            let message = "\(place) uses unsupported geometry <\(shapeNode.name)>; expected one of <box>, <sphere>, <cylinder>, <capsule>, <mesh>"
            if isVisual {
                warn(shapeNode, "\(message); the visual is skipped")
                return []
            }
            throw error(shapeNode, owner, message)
        }
        if let zero = Self.zeroSize(shape) {
            warn(shapeNode, "\(place) <\(shapeNode.name)> has zero \(zero); it is skipped")
            return []
        }
        return [Geometry(name: name, origin: origin, shape: shape, rgba: rgba)]
    }

    /// Which dimension of a primitive is zero, if any (a capsule's cylindrical length may be zero: it is a sphere).
    static func zeroSize(_ shape: Shape) -> String? {
        switch shape {
        case .box(let size): (size.x == 0 || size.y == 0 || size.z == 0) ? "size" : nil
        case .sphere(let r): r == 0 ? "radius" : nil
        case .cylinder(let r, let l): r == 0 ? "radius" : (l == 0 ? "length" : nil)
        case .capsule(let r, _): r == 0 ? "radius" : nil
        case .mesh: nil
        }
    }

    /// Why a mesh cannot be used, if it cannot: a collision mesh needs 4 vertices spanning a volume's hull
    /// (a flat mesh is allowed: Bullet's hull of coplanar points is a polygon), a visual mesh needs a triangle.
    static func degenerate(_ mesh: Mesh, isVisual: Bool) -> String? {
        let (lo, hi) = mesh.bounds
        let extent = hi - lo
        let largest = max(extent.x, extent.y, extent.z)
        if !(largest > 1e-9) { return "has zero size (all \(mesh.vertices.count) vertices coincide)" }
        let spans = [extent.x, extent.y, extent.z].filter { $0 > 1e-9 * largest }.count
        if isVisual {
            if mesh.triangles.isEmpty { return "has no triangles" }
            return nil
        }
        if mesh.vertices.count < 4 { return "has \(mesh.vertices.count) vertices; a convex hull needs at least 4" }
        if spans < 2 { return "is a line segment (no area or volume)" }
        return nil
    }

    /// Resolves and loads a <mesh>; a visual mesh that cannot be loaded is skipped with a warning (an empty list).
    ///
    /// The path is checked before the format, so a path escaping its folder is always an error.
    mutating func mesh(_ node: XMLNode, owner: String, place: String, isVisual: Bool) throws(ModelError) -> [Mesh] {
        let filename = try requiredAttribute(node, "filename", owner: owner)
        var scale = Vector3(1, 1, 1)
        if node.attributes["scale"] != nil {
            let s = try vector(node, "scale", count: 3, owner: owner, rule: .any)
            scale = Vector3(s[0], s[1], s[2])
            if scale.x == 0 || scale.y == 0 || scale.z == 0 {
                let message = "\(place) mesh '\(filename)' has a zero scale (\(node.attributes["scale"] ?? "")), so it has no size"
                if isVisual { warn(node, "\(message); the visual is skipped"); return [] }
                warn(node, "\(message); it is skipped")
                return []
            }
        }
        let resolved: String
        do {
            resolved = try resolver.resolve(filename)
        } catch let failure {
            let message = "\(place) mesh \(failure.message)"
            if isVisual, failure.isNotFound {
                warn(node, "\(message); the visual is skipped")
                return []
            }
            throw error(node, owner, message)
        }
        guard MeshLoader.isSupported(path: resolved) else {
            let list = MeshLoader.supportedExtensions.sorted().map { ".\($0)" }.joined(separator: ", ")
            let message = "\(place) mesh '\(filename)' has an unsupported format; supported: \(list)"
            if isVisual {
                warn(node, "\(message); the visual is skipped")
                return []
            }
            throw error(node, owner, message)
        }
        do {
            let raw: [Mesh]
            if let cached = meshCache[resolved] {
                raw = cached
            } else {
                raw = try MeshLoader.load(path: resolved)
                meshCache[resolved] = raw
                meshFiles[resolved] = MeshLoader.hash(ofFileAt: resolved) ?? ""
            }
            return try MeshLoader.scaled(raw, by: scale, path: resolved)
        } catch {
            if isVisual {
                warn(node, "\(place) visual skipped: \(error.message)")
                return []
            }
            throw ModelError(location: error.location, element: error.element,
                             message: "\(error.message) (used by \(place) at \(location(node)))")
        }
    }

    // MARK: Materials

    mutating func robotMaterial(_ node: XMLNode) throws(ModelError) {
        let name = try requiredAttribute(node, "name", owner: "<material>")
        let owner = "material '\(name)'"
        let rgba = try color(node, owner: owner)
        warnUnknownChildren(node, known: ["color"], owner: owner)
        if materials[name] != nil {
            warn(node, "\(owner) is declared twice; the first declaration is used")
        } else if let rgba {
            materials[name] = rgba
        } else {
            ignore(node, "\(owner) has no <color>; visuals using it get no colour", tag: "material")
        }
    }

    mutating func visualMaterial(_ node: XMLNode, owner: String, place: String) throws(ModelError) -> SIMD4<Double>? {
        let name = node.attributes["name"]
        let label = name.map { "material '\($0)'" } ?? "<material>"
        let rgba = try color(node, owner: owner)
        warnUnknownChildren(node, known: ["color"], owner: "\(place) \(label)")
        if let rgba { return rgba }
        if let name, let known = materials[name] { return known }
        if let name {
            ignore(node, "\(place) uses material '\(name)', which is not declared with a <color>; the visual has no colour",
                   tag: "material")
        } else {
            ignore(node, "\(place) has a <material> with neither a name nor a <color>; it is ignored", tag: "material")
        }
        return nil
    }

    /// Reads `<color rgba="r g b a">` from a material node, if present.
    mutating func color(_ node: XMLNode, owner: String) throws(ModelError) -> SIMD4<Double>? {
        guard let colorNode = first(node, "color", owner: owner) else { return nil }
        warnChildrenOfLeaf(colorNode, owner: owner)
        let c = try vector(colorNode, "rgba", count: 4, owner: owner, rule: .unit)
        return SIMD4(c[0], c[1], c[2], c[3])
    }

    // MARK: Joints

    mutating func joint(_ node: XMLNode, name: String) throws(ModelError) -> JointSpec {
        let owner = "joint '\(name)'"
        let typeText = try requiredAttribute(node, "type", owner: owner)
        if typeText == "planar" {
            throw error(node, owner, "\(owner) is planar; planar joints are not supported")
        }
        guard let type = JointType(rawValue: typeText) else {
            let expected = JointType.allCases.map(\.rawValue).joined(separator: ", ")
            throw error(node, owner, "unknown joint type '\(typeText)' in \(owner); expected one of \(expected)")
        }
        guard let parentNode = first(node, "parent", owner: owner) else {
            throw error(node, owner, "\(owner) has no <parent link=\"...\">")
        }
        let parentName = try requiredAttribute(parentNode, "link", owner: owner)
        guard let childNode = first(node, "child", owner: owner) else {
            throw error(node, owner, "\(owner) has no <child link=\"...\">")
        }
        let childName = try requiredAttribute(childNode, "link", owner: owner)
        warnChildrenOfLeaf(parentNode, owner: owner)
        warnChildrenOfLeaf(childNode, owner: owner)
        let origin = try transform(first(node, "origin", owner: owner), owner: owner)

        var axis = Vector3(1, 0, 0)
        if let axisNode = first(node, "axis", owner: owner) {
            warnChildrenOfLeaf(axisNode, owner: owner)
            let a = try vector(axisNode, "xyz", count: 3, owner: owner, rule: .any)
            let v = Vector3(a[0], a[1], a[2])
            let norm = length(v)
            if type.dof == 1 {
                guard norm > 1e-12 else {
                    throw error(axisNode, owner,
                                "\(owner) <axis> xyz=\"\(axisNode.attributes["xyz"] ?? "")\" is the zero vector; a joint axis needs a direction")
                }
            }
            if norm > 1e-12 { axis = v / norm }
        }

        let limitNode = first(node, "limit", owner: owner)
        warnChildrenOfLeaf(limitNode, owner: owner)
        var limit: JointLimit?
        switch type {
        case .revolute, .prismatic:
            guard let limitNode else {
                throw error(node, owner,
                            "\(type.rawValue) \(owner) has no <limit>; URDF requires <limit effort=\"...\" velocity=\"...\"> on revolute and prismatic joints")
            }
            let effort = try number(limitNode, "effort", owner: owner, rule: .nonNegative)
            let velocity = try number(limitNode, "velocity", owner: owner, rule: .nonNegative)
            let lower = try optionalNumber(limitNode, "lower", owner: owner, rule: .any) ?? 0
            let upper = try optionalNumber(limitNode, "upper", owner: owner, rule: .any) ?? 0
            if lower > upper {
                // Bullet and PyBullet read lower > upper as "no position limit" (pybullet_data's biped2d uses it).
                let raw = { (name: String) in limitNode.attributes[name] ?? "0" }
                warn(limitNode, "\(owner) <limit> lower=\"\(raw("lower"))\" is greater than upper=\"\(raw("upper"))\"; as in Bullet and PyBullet, the joint has no position limit")
                limit = JointLimit(lower: -.infinity, upper: .infinity, effort: effort, velocity: velocity)
            } else {
                limit = JointLimit(lower: lower, upper: upper, effort: effort, velocity: velocity)
            }
        case .continuous:
            if let limitNode {
                let effort = try optionalNumber(limitNode, "effort", owner: owner, rule: .nonNegative) ?? .infinity
                let velocity = try optionalNumber(limitNode, "velocity", owner: owner, rule: .nonNegative) ?? .infinity
                if limitNode.attributes["lower"] != nil || limitNode.attributes["upper"] != nil {
                    ignore(limitNode, "\(owner) is continuous, so its <limit> lower and upper are ignored")
                }
                limit = JointLimit(lower: -.infinity, upper: .infinity, effort: effort, velocity: velocity)
            }
        case .fixed, .floating:
            if let limitNode { ignore(limitNode, "\(owner) is \(type.rawValue), so its <limit> is ignored") }
        }

        var damping = 0.0, friction = 0.0
        if let dynamics = first(node, "dynamics", owner: owner) {
            warnChildrenOfLeaf(dynamics, owner: owner)
            damping = try optionalNumber(dynamics, "damping", owner: owner, rule: .nonNegative) ?? 0
            friction = try optionalNumber(dynamics, "friction", owner: owner, rule: .nonNegative) ?? 0
        }

        for child in node.children {
            switch child.name {
            case "parent", "child", "origin", "axis", "limit", "dynamics":
                break
            case "mimic":
                break
            case "safety_controller", "calibration":
                ignore(child, "\(owner) <\(child.name)> is not supported and is ignored")
            default:
                ignore(child, "ignored unknown element <\(child.name)> in \(owner)")
            }
        }
        var mimic: Mimic?
        let mimicNode = first(node, "mimic", owner: owner)
        if let mimicNode {
            warnChildrenOfLeaf(mimicNode, owner: owner)
            let leader = try requiredAttribute(mimicNode, "joint", owner: owner)
            let multiplier = try optionalNumber(mimicNode, "multiplier", owner: owner, rule: .any) ?? 1
            let offset = try optionalNumber(mimicNode, "offset", owner: owner, rule: .any) ?? 0
            mimic = Mimic(joint: leader, multiplier: multiplier, offset: offset)
        }

        return JointSpec(name: name, type: type, parentName: parentName, childName: childName, node: node,
                         parentNode: parentNode, childNode: childNode, origin: origin, axis: axis, limit: limit,
                         damping: damping, friction: friction, mimic: mimic, mimicNode: mimicNode)
    }

    // MARK: Attributes and numbers

    /// Joins names for a sentence: "a", "a and b", "a, b and c".
    func listed(_ items: [String]) -> String {
        guard let last = items.last else { return "" }
        return items.count == 1 ? last : items.dropLast().joined(separator: ", ") + " and " + last
    }

    func location(_ node: XMLNode) -> SourceLocation {
        SourceLocation(file: path, line: node.line, column: node.column)
    }

    func error(_ node: XMLNode, _ element: String, _ message: String) -> ModelError {
        ModelError(location: location(node), element: element, message: message)
    }

    mutating func warn(_ node: XMLNode, _ message: String) {
        warnings.append(ModelWarning(location: location(node), message: message))
    }

    /// The first `<tag>` in a message: the tag an ignored element is counted under. Built once: a regex literal
    /// is compiled again on every evaluation, which made 100,000 ignored elements take seconds.
    nonisolated(unsafe) static let firstTag = /<([A-Za-z_:][A-Za-z0-9_:.-]*)>/

    /// Records an element Embody does not use; these are summarized in one warning per robot.
    mutating func ignore(_ node: XMLNode, _ message: String, tag: String? = nil) {
        ignored.append(ModelWarning(location: location(node), message: message))
        ignoredTags.append(tag ?? message.firstMatch(of: Self.firstTag).map { String($0.1) } ?? node.name)
    }

    /// How to name `node` in a message about `owner`: `joint 'j' <limit>`, or just `joint 'j'` for the owner itself.
    func describe(_ node: XMLNode, owner: String) -> String {
        let isOwner = owner == "<\(node.name)>" || owner.hasPrefix("\(node.name) '")
        return isOwner ? owner : "\(owner) <\(node.name)>"
    }

    /// The first child named `name`; later duplicates are reported as warnings.
    mutating func first(_ node: XMLNode, _ name: String, owner: String) -> XMLNode? {
        let matches = node.children.filter { $0.name == name }
        for extra in matches.dropFirst() {
            warn(extra, "\(describe(node, owner: owner)) has more than one <\(name)>; only the first is used")
        }
        return matches.first
    }

    /// Warns about every child of an element that takes none, such as `<origin>` or `<box>`.
    mutating func warnChildrenOfLeaf(_ node: XMLNode?, owner: String) {
        guard let node else { return }
        warnUnknownChildren(node, known: [], owner: describe(node, owner: owner))
    }

    mutating func warnUnknownChildren(_ node: XMLNode, known: Set<String>, owner: String) {
        for child in node.children where !known.contains(child.name) {
            ignore(child, "ignored unsupported element <\(child.name)> in \(owner)")
        }
    }

    func requiredAttribute(_ node: XMLNode, _ attribute: String, owner: String) throws(ModelError) -> String {
        guard let value = node.attributes[attribute] else {
            throw error(node, owner, "\(describe(node, owner: owner)) is missing the required attribute '\(attribute)'")
        }
        guard !value.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw error(node, owner, "\(describe(node, owner: owner)) has an empty '\(attribute)' attribute")
        }
        return value
    }

    /// Parses a whitespace-separated list of exactly `count` finite numbers obeying `rule`; the attribute is required.
    mutating func vector(_ node: XMLNode, _ attribute: String, count: Int, owner: String,
                rule: NumberRule) throws(ModelError) -> [Double] {
        let raw = try requiredAttribute(node, attribute, owner: owner)
        let what = "\(describe(node, owner: owner)) attribute \(attribute)=\"\(raw)\""
        let tokens = raw.split(whereSeparator: \.isWhitespace)
        guard tokens.count == count else {
            let noun = count == 1 ? "number" : "numbers"
            throw error(node, owner, "\(what) holds \(tokens.count) \(tokens.count == 1 ? "value" : "values"); expected \(count) \(noun)")
        }
        var values: [Double] = []
        for (i, token) in tokens.enumerated() {
            var parsed = Double(token)
            if parsed == nil, token.count > 1, token.last == ".", token.dropLast().contains("."),
               token.dropLast().last?.isNumber == true,
               let trimmed = Double(token.dropLast()) {
                // A stray dot after a number that already has one ("-1.57.", pybullet_data's biped2d):
                // Bullet's and PyBullet's stream parsing stop at the second dot, so the value is the number
                // before it. Read it the same way, and say so.
                warn(node, "\(what): '\(token)' has a stray trailing '.'; read as \(token.dropLast()), as Bullet and PyBullet read it")
                parsed = trimmed
            }
            guard let value = parsed else {
                throw error(node, owner, "\(what): '\(token)' is not a number")
            }
            guard value.isFinite else {
                throw error(node, owner, "\(what): '\(token)' is not a finite number")
            }
            guard rule.accepts(value) else {
                let which = count == 1 ? what : "\(what): component \(i + 1) (\(token))"
                throw error(node, owner, "\(which) \(rule.requirement)")
            }
            values.append(value)
        }
        return values
    }

    /// Parses a required single number.
    mutating func number(_ node: XMLNode, _ attribute: String, owner: String, rule: NumberRule) throws(ModelError) -> Double {
        try vector(node, attribute, count: 1, owner: owner, rule: rule)[0]
    }

    /// Parses a single number, or returns nil when the attribute is absent.
    mutating func optionalNumber(_ node: XMLNode, _ attribute: String, owner: String,
                        rule: NumberRule) throws(ModelError) -> Double? {
        guard node.attributes[attribute] != nil else { return nil }
        return try number(node, attribute, owner: owner, rule: rule)
    }

    /// Reads `<origin xyz="..." rpy="...">` (m, rad); an absent element or attribute means zero.
    mutating func transform(_ node: XMLNode?, owner: String) throws(ModelError) -> Transform {
        guard let node else { return .identity }
        warnChildrenOfLeaf(node, owner: owner)
        var xyz = Vector3.zero, rpy = Vector3.zero
        if node.attributes["xyz"] != nil {
            let v = try vector(node, "xyz", count: 3, owner: owner, rule: .any)
            xyz = Vector3(v[0], v[1], v[2])
        }
        if node.attributes["rpy"] != nil {
            let v = try vector(node, "rpy", count: 3, owner: owner, rule: .any)
            rpy = Vector3(v[0], v[1], v[2])
        }
        return Transform(xyz: xyz, rpy: rpy)
    }
}

// MARK: - Paths

/// Lexical path handling for mesh resolution, so containment checks do not depend on the file system.
enum PathTools {
    /// `path` made absolute against the current directory.
    static func absolute(_ path: String) -> String {
        path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
    }

    /// An absolute path with `.`, `..` and repeated slashes removed (`..` at the root stays at the root).
    static func normalize(_ path: String) -> String {
        var parts: [Substring] = []
        for component in path.split(separator: "/") {
            switch component {
            case ".": continue
            case "..": _ = parts.popLast()
            default: parts.append(component)
            }
        }
        return "/" + parts.joined(separator: "/")
    }

    /// The directory containing a normalized absolute path.
    static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/"), slash != path.startIndex else { return "/" }
        return String(path[..<slash])
    }

    /// The last component of a normalized absolute path ("" for the root).
    static func lastComponent(of path: String) -> String {
        path.split(separator: "/").last.map(String.init) ?? ""
    }

    /// Whether normalized `path` is `tree` or lies below it.
    static func isInside(_ path: String, _ tree: String) -> Bool {
        tree == "/" || path == tree || path.hasPrefix(tree + "/")
    }

    /// Whether `path` exists and is not a directory.
    static func isRegularFile(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && !isDirectory.boolValue
    }

    /// `path` with every symbolic link resolved, or `path` itself if it cannot be resolved.
    static func realPath(_ path: String) -> String {
        guard let resolved = realpath(path, nil) else { return path }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}

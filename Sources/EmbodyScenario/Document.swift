// MARK: - The document tree
//
// Yams composes the text (YAML, or JSON, which is YAML flow syntax) into Nodes that carry line and
// column marks. We copy them at once into a small Sendable value tree in which every key and value
// knows its SourceLocation: overrides edit this tree, and the section readers read it.

import EmbodyModel
import Foundation
import Yams

/// What a scalar turned out to be after YAML's tag resolution.
enum ScalarKind: Equatable, Sendable {
    /// `null`, `~` or nothing.
    case null
    /// `true` / `false` (and YAML 1.1's yes/no/on/off).
    case bool(Bool)
    /// A plain number; `integer` when written without a fraction or exponent.
    case number(Double, integer: Bool)
    /// Anything else, including quoted numbers.
    case string
}

/// A scalar value with its text and location.
struct DocScalar: Sendable {
    var text: String
    var kind: ScalarKind
    var location: SourceLocation
}

/// One `key: value` pair of a mapping.
struct DocEntry: Sendable {
    var key: String
    var keyLocation: SourceLocation
    var value: DocNode
}

/// A mapping, keeping the order of its keys.
struct DocMap: Sendable {
    var entries: [DocEntry]
    var location: SourceLocation

    /// The entry for `key`, if present.
    subscript(key: String) -> DocEntry? { entries.first { $0.key == key } }

    /// The position of `key` among the entries, if present.
    func index(of key: String) -> Int? { entries.firstIndex { $0.key == key } }
}

/// A node of the document: a scalar, a mapping or a list.
indirect enum DocNode: Sendable {
    case scalar(DocScalar)
    case map(DocMap)
    case list([DocNode], SourceLocation)

    /// Where the node starts.
    var location: SourceLocation {
        switch self {
        case .scalar(let scalar): scalar.location
        case .map(let map): map.location
        case .list(_, let location): location
        }
    }

    /// The node as people would describe it in a message, such as "the string 'fast'".
    var what: String {
        switch self {
        case .scalar(let scalar):
            switch scalar.kind {
            case .null: "nothing (null)"
            case .bool: "the boolean \(scalar.text)"
            case .number: "the number \(scalar.text)"
            case .string: "the string '\(scalar.text)'"
            }
        case .map: "a mapping"
        case .list(let items, _): items.count == 1 ? "a list of 1 item" : "a list of \(items.count) items"
        }
    }
}

// MARK: - Composing

/// Turns text into a DocNode tree with source locations.
enum Document {
    /// Where parsed text sits inside the file it is reported against.
    struct Placement {
        /// The file name used in locations.
        var file: String
        /// Added to the column of every mark on the first line (for a value embedded in a longer line).
        var columnOffset: Int = 0
    }

    /// The outcome of parsing: a document (nil when empty) or the syntax error that stopped it.
    enum Outcome {
        case document(DocNode?)
        case syntaxError(ScenarioDiagnostic)
    }

    /// Parses `text`; a syntax error is returned as the single diagnostic; problems that do not stop
    /// reading (such as non-scalar keys) go to `log`.
    static func parse(_ text: String, placement: Placement, log: inout DiagnosticLog) -> Outcome {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            return .syntaxError(diagnostic(for: error, text: text, placement: placement))
        }
        guard let root else { return .document(nil) }
        var converter = Converter(placement: placement)
        let node = converter.convert(root)
        if let at = converter.overflow {
            // Aliases can make a few hundred bytes expand to billions of values: stop at the documented cap.
            let message = converter.overflowByAliases
                ? "aliases (*name, each a copy of what its &name anchor holds) expand to more than \(ScenarioLimits.maxAliasedNodes) values; nested aliases can make a short file enormous, so Embody stops here"
                : "the document holds more than \(ScenarioLimits.maxDocumentNodes) values, more than Embody reads"
            return .syntaxError(ScenarioDiagnostic(location: at, message: message))
        }
        for diagnostic in converter.log.items { log.error(diagnostic.location, diagnostic.message) }
        return .document(node)
    }

    /// A location from a Yams mark.
    static func location(_ mark: Mark?, _ placement: Placement) -> SourceLocation {
        guard let mark else { return SourceLocation(file: placement.file, line: 0) }
        return location(line: mark.line, column: mark.column, placement)
    }

    /// A location from a 1-based line and column within the parsed text.
    static func location(line: Int, column: Int, _ placement: Placement) -> SourceLocation {
        SourceLocation(file: placement.file, line: line, column: line == 1 ? column + placement.columnOffset : column)
    }

    /// A readable diagnostic for an error thrown by Yams.
    static func diagnostic(for error: any Error, text: String, placement: Placement) -> ScenarioDiagnostic {
        func context(_ context: YamlError.Context?) -> String {
            guard let context else { return "" }
            let at = location(context.mark, placement)
            return " (\(context.text) at line \(at.line), column \(at.column))"
        }
        guard let yamlError = error as? YamlError else {
            return ScenarioDiagnostic(location: SourceLocation(file: placement.file, line: 1, column: 1),
                                      message: "cannot parse the text: \(error)")
        }
        switch yamlError {
        case let .scanner(ctx, problem, mark, _), let .parser(ctx, problem, mark, _):
            return ScenarioDiagnostic(location: location(mark, placement),
                                      message: "syntax error: \(problem)\(context(ctx))")
        case let .composer(ctx, problem, mark, _):
            let message = problem == "but found another document"
                ? "syntax error: a scenario file holds one document, but a second one starts here"
                : "syntax error: \(problem)\(context(ctx))"
            return ScenarioDiagnostic(location: location(mark, placement), message: message)
        case let .reader(problem, offset, _, _):
            let (line, column) = lineAndColumn(ofCharacter: offset ?? 0, in: text)
            return ScenarioDiagnostic(location: location(line: line, column: column, placement),
                                      message: "the text cannot be read: \(problem)")
        case let .duplicatedKeysInMapping(duplicates, ctx):
            let keys = duplicates.map { "'\($0)'" }.joined(separator: ", ")
            let noun = duplicates.count == 1 ? "key \(keys) appears" : "keys \(keys) appear"
            return ScenarioDiagnostic(location: location(ctx.mark, placement),
                                      message: "\(noun) more than once in the same mapping")
        default:
            return ScenarioDiagnostic(location: SourceLocation(file: placement.file, line: 1, column: 1),
                                      message: "cannot parse the text: \(yamlError)")
        }
    }

    /// The 1-based line and column of the character at `offset`.
    private static func lineAndColumn(ofCharacter offset: Int, in text: String) -> (Int, Int) {
        var line = 1, column = 1
        for (i, character) in text.enumerated() {
            if i >= offset { break }
            if character == "\n" { line += 1; column = 1 } else { column += 1 }
        }
        return (line, column)
    }
}

// MARK: - Yams Node to DocNode

/// Copies a Yams Node tree, resolving merge keys (`<<: *anchor`) on the way.
private struct Converter {
    let placement: Document.Placement
    var log = DiagnosticLog()
    /// Values converted so far, with every alias expanded; conversion stops at `ScenarioLimits.maxDocumentNodes`.
    private var count = 0
    /// Values converted as copies made by aliases: Yams resolves `*name` to the anchored node itself, whose
    /// marks lie before the furthest point already converted. Stops at `ScenarioLimits.maxAliasedNodes`, so
    /// that a few hundred bytes of nested aliases are refused in milliseconds.
    private var aliased = 0
    private var furthest = (line: 0, column: 0)
    /// Where a cap was reached, if one was.
    private(set) var overflow: SourceLocation?
    /// Which cap: the aliases' or the document's.
    private(set) var overflowByAliases = false

    init(placement: Document.Placement) { self.placement = placement }

    mutating func convert(_ node: Node) -> DocNode {
        count += 1
        if let mark = node.mark {
            if (mark.line, mark.column) < furthest { aliased += 1 } else { furthest = (mark.line, mark.column) }
        }
        if count > ScenarioLimits.maxDocumentNodes || aliased > ScenarioLimits.maxAliasedNodes || overflow != nil {
            if overflow == nil {
                overflow = Document.location(node.mark, placement)
                overflowByAliases = aliased > ScenarioLimits.maxAliasedNodes
            }
            return .scalar(DocScalar(text: "", kind: .null, location: SourceLocation(file: placement.file, line: 0)))
        }
        let location = Document.location(node.mark, placement)
        switch node {
        case .scalar(let scalar):
            return .scalar(DocScalar(text: scalar.string, kind: kind(of: node, scalar), location: location))
        case .sequence(let sequence):
            var items: [DocNode] = []
            for item in sequence {
                if overflow != nil { break }
                items.append(convert(item))
            }
            return .list(items, location)
        case .mapping(let mapping):
            return .map(convertMapping(mapping, location: location))
        case .alias(let alias):
            // Yams resolves aliases while composing; an unresolved one is reported rather than trusted.
            log.error(location, "the alias '*\(alias.anchor)' does not refer to an anchor defined earlier")
            return .scalar(DocScalar(text: "", kind: .null, location: location))
        }
    }

    private mutating func convertMapping(_ mapping: Node.Mapping, location: SourceLocation) -> DocMap {
        var entries: [DocEntry] = []
        var merged: [DocEntry] = []
        for (keyNode, valueNode) in mapping {
            if overflow != nil { break }
            let keyLocation = Document.location(keyNode.mark, placement)
            if keyNode.tag.description == Tag.Name.merge.rawValue {
                merged.append(contentsOf: mergeSources(valueNode))
                continue
            }
            guard case .scalar(let keyScalar) = keyNode else {
                log.error(keyLocation, "a key must be a plain name, but this key is a \(keyNode.mapping != nil ? "mapping" : "list")")
                continue
            }
            entries.append(DocEntry(key: keyScalar.string, keyLocation: keyLocation, value: convert(valueNode)))
        }
        for entry in merged where !entries.contains(where: { $0.key == entry.key }) {
            entries.append(entry)
        }
        return DocMap(entries: entries, location: location)
    }

    /// The entries a merge key brings in: from one mapping, or from a list of mappings (earlier ones win).
    private mutating func mergeSources(_ node: Node) -> [DocEntry] {
        let sources: [Node] = node.sequence.map { Array($0) } ?? [node]
        var result: [DocEntry] = []
        for source in sources {
            guard case .map(let map) = convert(source) else {
                log.error(Document.location(source.mark, placement),
                          "a merge key '<<' must refer to a mapping or a list of mappings")
                continue
            }
            for entry in map.entries where !result.contains(where: { $0.key == entry.key }) {
                result.append(entry)
            }
        }
        return result
    }

    private func kind(of node: Node, _ scalar: Node.Scalar) -> ScalarKind {
        let text = scalar.string
        switch node.tag.description {
        case Tag.Name.null.rawValue:
            return .null
        case Tag.Name.bool.rawValue:
            return Bool.construct(from: scalar).map { .bool($0) } ?? .string
        case Tag.Name.int.rawValue:
            if let value = Int.construct(from: scalar) { return .number(Double(value), integer: true) }
            if let value = Double(text.replacingOccurrences(of: "_", with: "")) { return .number(value, integer: true) }
            return .string
        case Tag.Name.float.rawValue:
            return Double.construct(from: scalar).map { .number($0, integer: false) } ?? .string
        default:
            return .string
        }
    }
}

// MARK: - Typed reading with diagnostics
//
// The section readers never trust a node: every getter checks the node's kind, length and range,
// records a diagnostic that names the key path and shows what was found, and returns nil so the
// reader can carry on with the default and find the next problem.

import EmbodyModel

/// A value found under a key, with the dotted path used in messages (such as `physics.dt`).
struct Field {
    /// The key as written (or the index, for list items).
    var key: String
    /// Where the key is written (for list items, where the item starts).
    var keyLocation: SourceLocation
    /// The value.
    var node: DocNode
    /// The full path, such as `world.objects[0].mass`.
    var path: String

    /// Where the value starts.
    var location: SourceLocation { node.location }
}

/// A mapping whose keys have been checked against its shape.
struct MapView {
    var map: DocMap
    var path: String
    /// Where to report a missing key: the key that holds this mapping, or the mapping itself.
    var anchor: SourceLocation

    /// The field for `key`, if present.
    func field(_ key: String) -> Field? {
        guard let entry = map[key] else { return nil }
        return Field(key: key, keyLocation: entry.keyLocation, node: entry.value, path: Reader.join(path, key))
    }

    /// The entries that are not fixed keys of `shape` (joint names, group names…).
    func otherEntries(_ shape: MapShape) -> [Field] {
        map.entries.filter { !shape.isField($0.key) }.map {
            Field(key: $0.key, keyLocation: $0.keyLocation, node: $0.value, path: Reader.join(path, $0.key))
        }
    }
}

/// The range a number must lie in.
enum Bound {
    case any
    case positive
    case nonNegative
    case atLeast(Double)
    case between(Double, Double)

    /// Nil when `value` satisfies the bound, else what it must be ("must be greater than 0").
    func violation(_ value: Double, unit: String) -> String? {
        let u = unit.isEmpty ? "" : " \(unit)"
        switch self {
        case .any: return nil
        case .positive: return value > 0 ? nil : "must be greater than 0\(u)"
        case .nonNegative: return value >= 0 ? nil : "must not be negative"
        case .atLeast(let low): return value >= low ? nil : "must be at least \(Reader.format(low))\(u)"
        case .between(let low, let high):
            return value >= low && value <= high ? nil
                : "must be between \(Reader.format(low)) and \(Reader.format(high))\(u)"
        }
    }
}

/// Reads typed values from the document, recording every problem.
struct Reader {
    var log = DiagnosticLog()
    /// Whether `controller.gains` had problems of its own (so a missing kp may only be their echo).
    var gainsHadProblems = false
    /// Unknown keys seen so far; only the first `maxSuggestions` get a "did you mean".
    var unknownKeys = 0
    static let maxSuggestions = 50
    /// The controller type read so far (pd without a controller section; nil when the type is invalid).
    var controllerName: ControllerKind.Name? = .pd
    /// The scenario's duration in s, once read (waypoints must come before it).
    var scenarioDuration: Double?

    // MARK: - Paths and formatting

    /// `parent.key`, or `key` at the top level.
    static func join(_ parent: String, _ key: String) -> String { parent.isEmpty ? key : "\(parent).\(key)" }

    /// A number without a trailing ".0" when it is whole.
    static func format(_ value: Double) -> String {
        if value.isFinite, value == value.rounded(), abs(value) < 1e15 { return String(Int(value)) }
        return "\(value)"
    }

    /// " (unit)" or "".
    private static func unitNote(_ unit: String) -> String { unit.isEmpty ? "" : " (\(unit))" }

    /// "in physics" or "at the top level".
    static func place(_ path: String) -> String { path.isEmpty ? "at the top level" : "in \(path)" }

    // MARK: - Mappings

    /// Opens `node` as a mapping, reporting a wrong kind and every key `shape` does not allow.
    mutating func map(_ node: DocNode, path: String, shape: MapShape, anchor: SourceLocation? = nil,
                      example: String = "") -> MapView? {
        guard case .map(let map) = node else {
            let hint = example.isEmpty ? "" : " such as \(example)"
            log.error(node.location, "\(path.isEmpty ? "the scenario" : path) must be a mapping\(hint), found \(node.what)")
            return nil
        }
        if shape.other == nil {
            for entry in map.entries where !shape.isField(entry.key) {
                unknownKey(entry.key, at: entry.keyLocation, path: path, valid: shape.keys)
            }
        }
        return MapView(map: map, path: path, anchor: anchor ?? map.location)
    }

    /// Opens a field as a mapping.
    mutating func map(_ field: Field, shape: MapShape, example: String = "") -> MapView? {
        map(field.node, path: field.path, shape: shape, anchor: field.keyLocation, example: example)
    }

    /// Reports an unknown key with the nearest valid one.
    mutating func unknownKey(_ key: String, at location: SourceLocation, path: String, valid: [String], context: String = "") {
        unknownKeys += 1
        guard unknownKeys <= Reader.maxSuggestions else {  // past a few dozen, suggestions only cost time
            log.error(location, "unknown key '\(key)' \(Reader.place(path))\(context)")
            return
        }
        if let colon = key.firstIndex(of: ":"), valid.contains(String(key[..<colon])) {
            let name = key[..<colon], value = key[key.index(after: colon)...]
            log.error(location, "unknown key '\(key)' \(Reader.place(path)); YAML needs a space after ':', as in '\(name): \(value)'")
            return
        }
        log.error(location, "unknown key '\(key)' \(Reader.place(path))\(context)" + Suggest.hint(for: key, in: valid, what: "keys"))
    }

    /// The field for `key`, reporting it as missing when absent.
    mutating func require(_ view: MapView, _ key: String, example: String = "") -> Field? {
        if let field = view.field(key) { return field }
        let hint = example.isEmpty ? "" : ", such as \(example)"
        log.error(view.anchor, "missing required key '\(Reader.join(view.path, key))'\(hint)")
        return nil
    }

    // MARK: - Scalars

    /// A finite number within `bound`; `unit` names the unit in messages.
    mutating func number(_ field: Field?, unit: String = "", _ bound: Bound = .any) -> Double? {
        guard let field else { return nil }
        return number(field.node, path: field.path, unit: unit, bound)
    }

    /// A finite number within `bound` from a node at `path`.
    mutating func number(_ node: DocNode, path: String, unit: String = "", _ bound: Bound = .any) -> Double? {
        guard case .scalar(let scalar) = node, case .number(let value, _) = scalar.kind else {
            log.error(node.location, "\(path) must be a number\(Reader.unitNote(unit)), found \(node.what)")
            return nil
        }
        guard value.isFinite else {
            log.error(node.location, "\(path) must be a finite number\(Reader.unitNote(unit)), found \(scalar.text)")
            return nil
        }
        if let problem = bound.violation(value, unit: unit) {
            log.error(node.location, "\(path) \(problem), found \(scalar.text)")
            return nil
        }
        return value
    }

    /// A number, or nil without complaint when the value is null.
    mutating func optionalNumber(_ field: Field?, unit: String = "", _ bound: Bound = .any) -> Double? {
        guard let field else { return nil }
        if case .scalar(let scalar) = field.node, scalar.kind == .null { return nil }
        return number(field, unit: unit, bound)
    }

    /// A whole number within `bound` (a number with a zero fraction, such as 1000.0, is accepted).
    mutating func integer(_ field: Field?, unit: String = "", _ bound: Bound = .any) -> Int? {
        guard let field else { return nil }
        guard case .scalar(let scalar) = field.node, case .number(let value, _) = scalar.kind else {
            log.error(field.location, "\(field.path) must be a whole number\(Reader.unitNote(unit)), found \(field.node.what)")
            return nil
        }
        guard value.isFinite, value == value.rounded(), abs(value) < 1e15 else {
            log.error(field.location, "\(field.path) must be a whole number\(Reader.unitNote(unit)), found \(scalar.text)")
            return nil
        }
        if let problem = bound.violation(value, unit: unit) {
            log.error(field.location, "\(field.path) \(problem), found \(scalar.text)")
            return nil
        }
        return Int(value)
    }

    /// `true` or `false`.
    mutating func bool(_ field: Field?) -> Bool? {
        guard let field else { return nil }
        guard case .scalar(let scalar) = field.node, case .bool(let value) = scalar.kind else {
            log.error(field.location, "\(field.path) must be true or false, found \(field.node.what)")
            return nil
        }
        return value
    }

    /// A string; numbers and booleans are not accepted, so that `name: 1e3` is caught.
    mutating func string(_ field: Field?, allowEmpty: Bool = false) -> String? {
        guard let field else { return nil }
        return string(field.node, path: field.path, allowEmpty: allowEmpty)
    }

    /// A string from a node at `path`.
    mutating func string(_ node: DocNode, path: String, allowEmpty: Bool = false) -> String? {
        guard case .scalar(let scalar) = node, scalar.kind == .string else {
            log.error(node.location, "\(path) must be a string, found \(node.what)")
            return nil
        }
        if !allowEmpty, scalar.text.trimmingWhitespace.isEmpty {
            log.error(node.location, "\(path) must not be empty")
            return nil
        }
        return scalar.text
    }

    // MARK: - Lists

    /// A list node's items, reporting any other kind.
    mutating func list(_ field: Field?, example: String = "") -> [Field]? {
        guard let field else { return nil }
        guard case .list(let items, _) = field.node else {
            let hint = example.isEmpty ? "" : " such as \(example)"
            log.error(field.location, "\(field.path) must be a list\(hint), found \(field.node.what)")
            return nil
        }
        return items.enumerated().map { index, node in
            Field(key: "\(index)", keyLocation: node.location, node: node, path: "\(field.path)[\(index)]")
        }
    }

    /// A list of exactly `count` numbers within `bound`.
    mutating func vector(_ field: Field?, count: Int, unit: String = "", _ bound: Bound = .any) -> [Double]? {
        guard let field else { return nil }
        guard case .list(let items, _) = field.node, items.count == count else {
            log.error(field.location, "\(field.path) must be a list of \(count) numbers\(Reader.unitNote(unit)), found \(field.node.what)")
            return nil
        }
        var values: [Double] = []
        for (index, item) in items.enumerated() {
            guard let value = number(item, path: "\(field.path)[\(index)]", unit: unit, bound) else { continue }
            values.append(value)
        }
        return values.count == count ? values : nil
    }

    /// A mapping from names to numbers (such as joint positions), in file order.
    mutating func namedValues(_ field: Field?, unit: String) -> [NamedValue]? {
        guard let field, let view = map(field, shape: Keys.jointValues, example: "{ joint_1: 0.5 }") else { return nil }
        var result: [NamedValue] = []
        for entry in view.otherEntries(Keys.jointValues) {
            guard let value = number(entry, unit: unit) else { continue }
            result.append(NamedValue(name: entry.key, value: value, location: entry.keyLocation))
        }
        return result
    }

    /// One of `valid` names; an unknown one is reported with a suggestion and the full list.
    mutating func choice(_ field: Field?, among valid: [String], what: String) -> String? {
        guard let field, let value = string(field) else { return nil }
        guard valid.contains(value) else {
            let near = Suggest.nearest(to: value, in: valid).map { "; did you mean '\($0)'?" } ?? ""
            log.error(field.location, "unknown \(what) '\(value)'\(near) (valid \(what)s: \(valid.joined(separator: ", ")))")
            return nil
        }
        return value
    }
}

extension String {
    /// The string without leading and trailing spaces, tabs and newlines.
    var trimmingWhitespace: String {
        var slice = Substring(self)
        while let first = slice.first, first.isWhitespace { slice.removeFirst() }
        while let last = slice.last, last.isWhitespace { slice.removeLast() }
        return String(slice)
    }
}

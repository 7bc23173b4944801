// MARK: - Kinds: one description per controller, sensor and task kind
//
// A kind (a controller type, a sensor type, a task type) is an enum case that carries its own parameter
// struct. The struct lists its keys once, as `KindKey`s: the key as written, its unit, its allowed range,
// its meaning, and how it is read into the struct. The default is the struct's own property initializer,
// read back from `init()` for the documentation. From that one list come:
//
//   - the reader (`Reader.read(_:from:into:)` reads every listed key, range-checked),
//   - the unknown-key errors and their suggestions (a key not listed is an error, located, with the nearest
//     listed key),
//   - the key tree overrides check their paths against (`Keys`),
//   - the tables in docs/scenarios.md (`ScenarioSchema.markdown`, compared with the file by a test).

import EmbodyModel

/// How one key of a kind is documented; the tables in docs/scenarios.md are made of these.
public struct KeyDescription: Equatable, Sendable {
    /// The key as written in a scenario.
    public var key: String
    /// What the value is, such as "number ≥ 0" or "list of 3 numbers".
    public var type: String
    /// The unit, such as "rad/s" ("" for none).
    public var unit: String
    /// The default as written in a scenario ("" when there is none, or the key is required).
    public var defaultValue: String
    /// Whether the key must be given.
    public var required: Bool
    /// What the key means, one sentence.
    public var meaning: String
}

/// A kind as the schema documents it: its name, its law or purpose, its keys and the metrics it produces.
public struct KindDescription: Equatable, Sendable {
    /// The name as written in a scenario (`type: pid`).
    public var name: String
    /// One sentence: what the kind is (for a controller, its law).
    public var summary: String
    /// The keys the kind accepts besides the ones every kind of its family has.
    public var keys: [KeyDescription]
    /// The summary metrics a run with this kind produces (success criteria may use them).
    public var metrics: [String]

    /// The key names, in documentation order.
    public var keyNames: [String] { keys.map(\.key) }
}

/// One key of a kind's parameter struct: its documentation, its shape in the key tree, and how it is read.
struct KindKey<Owner> {
    var description: KeyDescription
    var shape: KeyShape
    /// Reads the key's field into the owner, reporting every problem to the reader's log.
    var read: (inout Reader, Field, inout Owner) -> Void
    /// What a missing required key's message suggests, such as "width: 160".
    var example = ""

    var key: String { description.key }
}

/// The parameter struct of one kind: its defaults come from `init()`, its keys from `keys`.
protocol KindParameters {
    /// The parameters with every default.
    init()
    /// Every key the kind accepts, in documentation order.
    static var keys: [KindKey<Self>] { get }
}

extension KindParameters {
    /// The documentation of every key.
    static var keyDescriptions: [KeyDescription] { keys.map(\.description) }

    /// The key tree of these parameters, for overrides and unknown-key checks.
    static var mapShape: MapShape { MapShape(fields: keys.map { ($0.key, $0.shape) }) }
}

// MARK: - Building keys

extension KindKey {
    /// A finite number within `bound`, in `unit`; the default is the owner's `init()` value.
    static func number(_ key: String, _ path: WritableKeyPath<Owner, Double>, unit: String = "", _ bound: Bound = .any,
                       _ meaning: String, defaults: Owner) -> KindKey {
        KindKey(description: KeyDescription(key: key, type: "number" + bound.typeSuffix, unit: unit,
                                            defaultValue: Reader.format(defaults[keyPath: path]), required: false,
                                            meaning: meaning),
                shape: .leaf,
                read: { reader, field, owner in
                    if let v = reader.number(field, unit: unit, bound) { owner[keyPath: path] = v }
                })
    }

    /// A finite number within `bound` that is off (nil) unless given.
    static func optionalNumber(_ key: String, _ path: WritableKeyPath<Owner, Double?>, unit: String = "",
                               _ bound: Bound = .any, off: String = "off", _ meaning: String) -> KindKey {
        KindKey(description: KeyDescription(key: key, type: "number" + bound.typeSuffix, unit: unit, defaultValue: off,
                                            required: false, meaning: meaning),
                shape: .leaf,
                read: { reader, field, owner in
                    if let v = reader.number(field, unit: unit, bound) { owner[keyPath: path] = v }
                })
    }

    /// A whole number within `bound`.
    static func integer(_ key: String, _ path: WritableKeyPath<Owner, Int>, unit: String = "", _ bound: Bound = .any,
                        _ meaning: String, defaults: Owner) -> KindKey {
        KindKey(description: KeyDescription(key: key, type: "whole number" + bound.typeSuffix, unit: unit,
                                            defaultValue: String(defaults[keyPath: path]), required: false,
                                            meaning: meaning),
                shape: .leaf,
                read: { reader, field, owner in
                    if let v = reader.integer(field, unit: unit, bound) { owner[keyPath: path] = v }
                })
    }

    /// A switch written as true/false, or as 1/0 (the form controller parameters, all numbers, have used).
    static func flag(_ key: String, _ path: WritableKeyPath<Owner, Bool>, _ meaning: String, defaults: Owner) -> KindKey {
        KindKey(description: KeyDescription(key: key, type: "boolean (or 1/0)", unit: "",
                                            defaultValue: defaults[keyPath: path] ? "true" : "false", required: false,
                                            meaning: meaning),
                shape: .leaf,
                read: { reader, field, owner in
                    if let v = reader.flag(field) { owner[keyPath: path] = v }
                })
    }

    /// A list of `count` finite numbers within `bound`.
    static func vector(_ key: String, _ path: WritableKeyPath<Owner, [Double]>, count: Int, unit: String = "",
                       _ bound: Bound = .any, _ meaning: String, defaults: Owner) -> KindKey {
        let value = defaults[keyPath: path].map(Reader.format).joined(separator: ", ")
        return KindKey(description: KeyDescription(key: key, type: "list of \(count) numbers" + bound.typeSuffix, unit: unit,
                                                   defaultValue: "[\(value)]", required: false, meaning: meaning),
                       shape: .vector,
                       read: { reader, field, owner in
                           if let v = reader.vector(field, count: count, unit: unit, bound) { owner[keyPath: path] = v }
                       })
    }

    /// A key with its own reader (a name with its location, a nested mapping, a list of items).
    static func custom(_ key: String, type: String, unit: String = "", defaultValue: String = "", required: Bool = false,
                       example: String = "", shape: KeyShape = .leaf, _ meaning: String,
                       read: @escaping (inout Reader, Field, inout Owner) -> Void) -> KindKey {
        KindKey(description: KeyDescription(key: key, type: type, unit: unit, defaultValue: defaultValue,
                                            required: required, meaning: meaning),
                shape: shape, read: read, example: example)
    }
}

extension Bound {
    /// " > 0", " ≥ 0", … for the type column of the docs.
    var typeSuffix: String {
        switch self {
        case .any: ""
        case .positive: " > 0"
        case .nonNegative: " ≥ 0"
        case .atLeast(let low): " ≥ \(Reader.format(low))"
        case .between(let low, let high): " in [\(Reader.format(low)), \(Reader.format(high))]"
        }
    }
}

// MARK: - Reading keys

extension Reader {
    /// Reads every key of `P` present in `view` into `parameters`, and reports a missing required key.
    mutating func read<P: KindParameters>(_ type: P.Type, from view: MapView, into parameters: inout P) {
        for key in P.keys {
            if let field = view.field(key.key) {
                key.read(&self, field, &parameters)
            } else if key.description.required {
                _ = require(view, key.key, example: key.example)
            }
        }
    }

    /// Reports every key of `view` that is neither one of `common` nor of the kind's own `keys`: a key of
    /// another kind of the family says which kinds it belongs to; anything else gets the nearest valid key.
    /// `usedBy` names the kind in messages, such as "contact sensors" or "controller type pid".
    mutating func checkKindKeys(_ view: MapView, common: [String], usedBy: String,
                                keys: [String], allKinds: [(name: String, keys: [String])]) {
        let valid = common + keys
        for entry in view.map.entries where !valid.contains(entry.key) {
            let owners = allKinds.filter { $0.keys.contains(entry.key) }.map(\.name)
            if !owners.isEmpty {
                log.error(entry.keyLocation, "\(Reader.join(view.path, entry.key)) is not used by \(usedBy) (it belongs to \(owners.joined(separator: ", ")))")
            } else {
                unknownKey(entry.key, at: entry.keyLocation, path: view.path, valid: valid,
                           context: " for \(usedBy)")
            }
        }
    }

    /// A switch: true/false, or the number 1 or 0.
    mutating func flag(_ field: Field?) -> Bool? {
        guard let field else { return nil }
        if case .scalar(let scalar) = field.node {
            switch scalar.kind {
            case .bool(let value): return value
            case .number(let value, _) where value == 0 || value == 1: return value == 1
            default: break
            }
        }
        log.error(field.location, "\(field.path) must be true or false (or 1 or 0), found \(field.node.what)")
        return nil
    }
}

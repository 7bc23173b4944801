// MARK: - Overrides (`--set KEY=VALUE`)
//
// An override replaces one value in the document before it is read, so an overridden value is
// checked exactly like one written in the file. KEY is a dotted key path with list indices in
// brackets (`world.objects[0].mass`); VALUE is YAML: a scalar (`0.002`, `rk4`) or a flow value
// (`[0, 0, -1.62]`, `{ kp: 100, kd: 5 }`). The key path is checked against the schema first.
//
// Everything an override says is located in a pseudo-file named after it, `<--set KEY=VALUE>`, on
// line 1, at the column of the offending key segment or value within `KEY=VALUE`.

import EmbodyModel

/// One parsed `--set KEY=VALUE`.
struct Override {
    /// One step of the key path.
    enum Step {
        case key(String)
        case index(Int)
    }

    /// The text as given.
    var raw: String
    /// The pseudo-file its locations use.
    var file: String
    /// The key path with the 1-based column of each step.
    var steps: [(step: Step, column: Int)]
    /// The new value.
    var value: DocNode

    /// Where step `i` is written.
    func location(ofStep i: Int) -> SourceLocation {
        SourceLocation(file: file, line: 1, column: i < steps.count ? steps[i].column : 1)
    }
}

enum Overrides {
    /// The pseudo-file name for an override's locations.
    static func file(for raw: String) -> String { "<--set \(raw)>" }

    // MARK: - Parsing

    /// Parses `KEY=VALUE`, recording a diagnostic and returning nil when it is malformed.
    static func parse(_ raw: String, log: inout DiagnosticLog) -> Override? {
        let file = file(for: raw)
        let characters = Array(raw)
        guard let equals = characters.firstIndex(of: "=") else {
            log.error(SourceLocation(file: file, line: 1, column: 1),
                      "malformed --set '\(raw)': expected KEY=VALUE, such as physics.dt=0.002")
            return nil
        }
        guard let steps = parsePath(Array(characters[..<equals]), raw: raw, file: file, log: &log) else { return nil }

        let valueText = String(characters[(equals + 1)...])
        let placement = Document.Placement(file: file, columnOffset: equals + 1)
        switch Document.parse(valueText, placement: placement, log: &log) {
        case .syntaxError(let diagnostic):
            log.error(diagnostic.location, "the value in --set '\(raw)' is not valid YAML: \(diagnostic.message)")
            return nil
        case .document(let node):
            let value = node ?? .scalar(DocScalar(text: "", kind: .null,
                                                  location: SourceLocation(file: file, line: 1, column: equals + 2)))
            return Override(raw: raw, file: file, steps: steps, value: value)
        }
    }

    /// Parses `a.b[0].c` into steps; names may hold any character but `.`, `[`, `]` and spaces around them are trimmed.
    private static func parsePath(_ key: [Character], raw: String, file: String, log: inout DiagnosticLog)
        -> [(step: Override.Step, column: Int)]? {
        func fail(_ column: Int, _ message: String) -> [(step: Override.Step, column: Int)]? {
            log.error(SourceLocation(file: file, line: 1, column: column), "malformed key path in --set '\(raw)': \(message)")
            return nil
        }
        var steps: [(step: Override.Step, column: Int)] = []
        var i = 0
        while i < key.count, key[i] == " " { i += 1 }
        var end = key.count
        while end > i, key[end - 1] == " " { end -= 1 }
        if i == end { return fail(1, "the key is empty; expected KEY=VALUE, such as physics.dt=0.002") }
        var expectName = true
        while i < end {
            if expectName {
                let start = i
                while i < end, key[i] != ".", key[i] != "[", key[i] != "]" { i += 1 }
                let name = String(key[start..<i])
                if name.isEmpty { return fail(start + 1, "expected a key name at column \(start + 1)") }
                steps.append((.key(name), start + 1))
                expectName = false
            } else if key[i] == "." {
                i += 1
                if i == end { return fail(i + 1, "the key path ends with '.'") }
                expectName = true
            } else if key[i] == "[" {
                let start = i
                i += 1
                let digitsStart = i
                while i < end, key[i].isASCII, key[i].isNumber { i += 1 }
                guard i < end, key[i] == "]", i > digitsStart, let index = Int(String(key[digitsStart..<i])) else {
                    return fail(start + 1, "expected a list index such as [0] at column \(start + 1)")
                }
                steps.append((.index(index), start + 1))
                i += 1
            } else {
                return fail(i + 1, "unexpected '\(key[i])' at column \(i + 1)")
            }
        }
        return steps
    }

    // MARK: - Applying

    /// Applies `override` to the document root, checking its key path against the schema.
    static func apply(_ override: Override, to root: inout DocNode, log: inout DiagnosticLog) {
        var applier = Applier(override: override)
        if let updated = applier.set(0, in: root, shape: .map(Keys.top), path: "") { root = updated }
        log.append(contentsOf: ScenarioErrors(applier.log.items))
    }
}

/// Walks the document and the key shapes together, building the updated document.
private struct Applier {
    let override: Override
    var log = DiagnosticLog()

    init(override: Override) { self.override = override }

    /// The node at `path` with the override's steps from `i` on applied; nil after reporting a problem.
    mutating func set(_ i: Int, in node: DocNode?, shape: KeyShape, path: String) -> DocNode? {
        guard i < override.steps.count else { return override.value }
        let location = override.location(ofStep: i)
        let here = path.isEmpty ? "the top level" : path
        switch override.steps[i].step {
        case .key(let name):
            guard case .map(let mapShape) = shape else {
                if case .list = shape { return fail(location, "\(here) is a list; pick an item, as in \(path)[0].\(name)") }
                return fail(location, "\(here) is a single value and has no key '\(name)'")
            }
            guard let childShape = mapShape.shape(for: name) else {
                return fail(location, "unknown key '\(name)' \(Reader.place(path))" + Suggest.hint(for: name, in: mapShape.keys, what: "keys"))
            }
            var map: DocMap
            switch node {
            case nil: map = DocMap(entries: [], location: location)
            case .map(let existing)?: map = existing
            case let other?: return fail(location, "cannot set \(Reader.join(path, name)): \(here) in the scenario is \(other.what), not a mapping")
            }
            let childPath = Reader.join(path, name)
            let index = map.index(of: name)
            guard let child = set(i + 1, in: index.map { map.entries[$0].value }, shape: childShape, path: childPath) else {
                return nil
            }
            if let index {
                map.entries[index].value = child
            } else {
                map.entries.append(DocEntry(key: name, keyLocation: location, value: child))
            }
            return .map(map)
        case .index(let index):
            let itemShape: KeyShape
            switch shape {
            case .list(let inner): itemShape = inner
            case .vector: itemShape = .leaf
            default: return fail(location, "\(here) is not a list, so it has no item [\(index)]")
            }
            var items: [DocNode]
            var listLocation = location
            switch node {
            case nil: items = []
            case .list(let existing, let at)?: items = existing; listLocation = at
            case let other?: return fail(location, "cannot set \(path)[\(index)]: \(here) in the scenario is \(other.what), not a list")
            }
            guard index <= items.count else {
                return fail(location, "\(path)[\(index)] does not exist: \(here) has \(items.count) item\(items.count == 1 ? "" : "s"), so the next one to add is [\(items.count)]")
            }
            let existing = index < items.count ? items[index] : nil
            guard let child = set(i + 1, in: existing, shape: itemShape, path: "\(path)[\(index)]") else { return nil }
            if index < items.count { items[index] = child } else { items.append(child) }
            return .list(items, listLocation)
        }
    }

    private mutating func fail(_ location: SourceLocation, _ message: String) -> DocNode? {
        log.error(location, "--set \(override.raw): \(message)")
        return nil
    }
}

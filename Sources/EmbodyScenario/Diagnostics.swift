// MARK: - Diagnostics
//
// Loading never stops at the first problem: every reader appends to a DiagnosticLog, and the loader
// throws all of them at once as ScenarioErrors, sorted by line and column like a compiler would.

import EmbodyModel

/// One problem in a scenario, located at the offending key or value.
public struct ScenarioDiagnostic: Hashable, Sendable, CustomStringConvertible {
    /// Where the offending key or value is (file, 1-based line and column; 0 when unknown).
    public var location: SourceLocation
    /// What is wrong, written for people.
    public var message: String

    /// Creates a diagnostic at `location`.
    public init(location: SourceLocation, message: String) {
        self.location = location; self.message = message
    }

    /// The compiler-style line `file:line:column: error: message`.
    public var description: String { "\(location): error: \(message)" }
}

/// Every problem found while loading a scenario, sorted by line then column (grouped by file).
public struct ScenarioErrors: Error, Equatable, Sendable, CustomStringConvertible {
    /// The problems, sorted by line then column (ties keep the order they were found in).
    public var diagnostics: [ScenarioDiagnostic]

    /// Creates the error from diagnostics, sorting them by line then column and dropping exact repeats.
    ///
    /// When diagnostics come from several files (the scenario and `<--set …>` overrides), each file's
    /// diagnostics stay together, files in the order they first appear.
    public init(_ diagnostics: [ScenarioDiagnostic]) {
        var unique: [ScenarioDiagnostic] = []
        var fileRank: [String: Int] = [:]
        var seen = Set<ScenarioDiagnostic>()  // a set, not a scan: linear in the number of problems
        for diagnostic in diagnostics where seen.insert(diagnostic).inserted {
            unique.append(diagnostic)
            if fileRank[diagnostic.location.file] == nil { fileRank[diagnostic.location.file] = fileRank.count }
        }
        self.diagnostics = unique.enumerated().sorted { a, b in
            let (la, lb) = (a.element.location, b.element.location)
            let (ra, rb) = (fileRank[la.file] ?? 0, fileRank[lb.file] ?? 0)
            if ra != rb { return ra < rb }
            if la.line != lb.line { return la.line < lb.line }
            if la.column != lb.column { return la.column < lb.column }
            return a.offset < b.offset
        }.map(\.element)
    }

    /// Creates the error from a single diagnostic.
    public init(_ diagnostic: ScenarioDiagnostic) {
        self.init([diagnostic])
    }

    /// One `file:line:column: error: message` line per diagnostic, the first `ScenarioLimits.maxDiagnostics` of
    /// them, then how many more there are.
    public var description: String {
        let shown = diagnostics.prefix(ScenarioLimits.maxDiagnostics).map(\.description)
        let more = diagnostics.count - shown.count
        return (shown + (more > 0 ? ["… and \(more) more problems"] : [])).joined(separator: "\n")
    }
}

// MARK: - Collecting

/// An append-only list of problems found so far.
struct DiagnosticLog {
    private(set) var items: [ScenarioDiagnostic] = []

    /// Records a problem at `location`.
    mutating func error(_ location: SourceLocation, _ message: String) {
        items.append(ScenarioDiagnostic(location: location, message: message))
    }

    /// Records every problem of `errors`.
    mutating func append(contentsOf errors: ScenarioErrors) {
        items.append(contentsOf: errors.diagnostics)
    }

    /// Whether nothing has been recorded.
    var isEmpty: Bool { items.isEmpty }
}

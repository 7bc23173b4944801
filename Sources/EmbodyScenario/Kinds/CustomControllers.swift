// MARK: - `custom`: Swift controllers registered by name
//
// `controller: { type: custom, name: my_pd, parameters: { stiffness: 300 } }` runs a controller written in a
// package of the user's own and registered under `name` by that program (`ControllerRegistry.register` in
// EmbodyRuntime; docs/controllers-in-swift.md). The registration declares the controller's law and each of its
// parameters (key, unit, range, default, meaning); this file holds those declarations, so that the loader
// checks `controller.parameters` against them exactly as it checks a built-in kind's keys: an unknown key is an
// error at its line with the nearest declared key suggested, a value out of range is an error at its value, a
// missing required key is reported, and an unregistered name is an error at the name listing the registered ones.
//
// The declarations are process-wide: a program registers its controllers once, before it loads scenarios, and
// every load (run, validate, replay, sweep workers, which are the same program) sees the same table. The plain
// `embody` program registers none, so it refuses `type: custom` with a message that says how to register one.

import EmbodyModel
import Foundation

/// One number a registered controller reads from `controller.parameters`.
public struct CustomParameter: Equatable, Sendable {
    /// The key as written in a scenario (letters, digits and '_', starting with a letter).
    public var key: String
    /// The unit, such as "N·m/rad" ("" for none).
    public var unit: String
    /// The allowed values, inclusive; a value outside is an error at the value.
    public var range: ClosedRange<Double>
    /// The value when the key is not given, or nil when the key is required.
    public var defaultValue: Double?
    /// What the parameter means, one sentence.
    public var meaning: String

    /// Declares a parameter: `key`, its `unit`, its allowed `range` (inclusive), its default (nil: required) and its meaning.
    public init(_ key: String, unit: String = "", range: ClosedRange<Double> = -Double.greatestFiniteMagnitude...Double.greatestFiniteMagnitude,
                default defaultValue: Double? = nil, _ meaning: String) {
        self.key = key; self.unit = unit; self.range = range; self.defaultValue = defaultValue; self.meaning = meaning
    }

    /// The range as messages and `embody list` write it ("number in [0, 1000]").
    public var typeText: String {
        let low = range.lowerBound, high = range.upperBound
        let lowOpen = low <= -Double.greatestFiniteMagnitude, highOpen = high >= Double.greatestFiniteMagnitude
        switch (lowOpen, highOpen) {
        case (true, true): return "number"
        case (false, true): return "number ≥ \(Reader.format(low))"
        case (true, false): return "number ≤ \(Reader.format(high))"
        case (false, false): return "number in [\(Reader.format(low)), \(Reader.format(high))]"
        }
    }
}

/// What a program declares when it registers a Swift controller: its name, its law and its parameters.
public struct CustomControllerDeclaration: Equatable, Sendable {
    /// The name scenarios give as `controller.name`.
    public var name: String
    /// The control law as a formula, such as "τ = kp (q* − q) − kd q̇".
    public var law: String
    /// The numbers the controller reads from `controller.parameters`, in documentation order.
    public var parameters: [CustomParameter]
    /// Whether the runtime builds the robot's dynamics terms (M, h, g, Jacobians) for it.
    public var needsDynamics: Bool

    /// Creates a declaration.
    public init(name: String, law: String, parameters: [CustomParameter] = [], needsDynamics: Bool = false) {
        self.name = name; self.law = law; self.parameters = parameters; self.needsDynamics = needsDynamics
    }

    /// What is wrong with the declaration itself (a programming mistake in the registering program), or nil.
    func problem() -> String? {
        func isIdentifier(_ s: String) -> Bool {
            guard let first = s.unicodeScalars.first, ("a"..."z").contains(first) || ("A"..."Z").contains(first) else { return false }
            return s.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }
        }
        guard isIdentifier(name), name.count <= 64 else {
            return "the controller name '\(name)' must be 1 to 64 letters, digits or '_', starting with a letter"
        }
        var seen: [String] = []
        for p in parameters {
            guard isIdentifier(p.key), p.key.count <= 64 else {
                return "controller '\(name)': the parameter key '\(p.key)' must be 1 to 64 letters, digits or '_', starting with a letter"
            }
            guard !seen.contains(p.key) else { return "controller '\(name)' declares the parameter '\(p.key)' twice" }
            seen.append(p.key)
            guard !p.range.lowerBound.isNaN, !p.range.upperBound.isNaN else {
                return "controller '\(name)': the range of parameter '\(p.key)' must not contain NaN"
            }
            if let d = p.defaultValue, !(d.isFinite && p.range.contains(d)) {
                return "controller '\(name)': the default \(Reader.format(d)) of parameter '\(p.key)' is outside its range \(p.typeText)"
            }
        }
        return nil
    }
}

/// A registration refused: the name is taken, or the declaration is malformed.
public struct RegistrationError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The message, written for people.
    public var message: String
    public var description: String { message }
    /// Creates an error.
    public init(_ message: String) { self.message = message }
}

/// The process-wide table of registered controller declarations the loader checks `type: custom` against.
/// Written only by `ControllerRegistry.register` in EmbodyRuntime (which also keeps the controllers' builders).
package final class CustomControllerCatalog: @unchecked Sendable {
    /// The one table of this process.
    package static let shared = CustomControllerCatalog()

    private let lock = NSLock()
    private var declarations: [CustomControllerDeclaration] = []

    private init() {}

    /// Adds a declaration; refuses a malformed one, or a name already registered.
    package func declare(_ declaration: CustomControllerDeclaration) throws(RegistrationError) {
        if let problem = declaration.problem() { throw RegistrationError(problem) }
        lock.lock(); defer { lock.unlock() }
        guard !declarations.contains(where: { $0.name == declaration.name }) else {
            throw RegistrationError("a controller named '\(declaration.name)' is already registered; each name is registered once")
        }
        declarations.append(declaration)
    }

    /// The declaration registered as `name`, if any.
    package func declaration(named name: String) -> CustomControllerDeclaration? {
        lock.lock(); defer { lock.unlock() }
        return declarations.first { $0.name == name }
    }

    /// Every registered name, sorted.
    package var names: [String] {
        lock.lock(); defer { lock.unlock() }
        return declarations.map(\.name).sorted()
    }
}

/// `custom`: the registered controller's name and the values of its declared parameters, read at load.
public struct CustomControllerParameters: Equatable, Sendable, KindParameters {
    /// The registered name (`controller.name`).
    public var name = ""
    /// The declared parameter keys, in declaration order.
    public var parameterKeys: [String] = []
    /// Each declared parameter's value (given, or its default), in the units the registration declares, in key order.
    public var parameterValues: [Double] = []
    /// Whether the registration asks for the robot's dynamics terms.
    public var needsDynamics = false

    /// No controller named yet.
    public init() {}

    /// The value of the declared parameter `key`, or nil when the registration declares no such key.
    public subscript(key: String) -> Double? {
        parameterKeys.firstIndex(of: key).map { parameterValues[$0] }
    }

    /// The keys every custom controller shares: none; its own come from its registration.
    static var keys: [KindKey<Self>] { [] }
}

// MARK: - Reading `type: custom`

extension Reader {
    /// Reads `controller.name` and `controller.parameters` of a `type: custom` controller against its registration.
    mutating func readCustomController(_ view: MapView, into spec: inout ControllerSpec) {
        var p = CustomControllerParameters()
        defer { spec.kind = .custom(p) }
        guard let nameField = require(view, "name", example: "name: my_pd (the name a program of your own registers)"),
              let name = string(nameField) else { return }
        p.name = name
        let catalog = CustomControllerCatalog.shared
        guard let declaration = catalog.declaration(named: name) else {
            let registered = catalog.names
            if registered.isEmpty {
                log.error(nameField.location, "controller type custom runs a Swift controller registered by a program of your own, and this program has none registered, so '\(name)' cannot run here; register it with ControllerRegistry.register(name: \"\(name)\", …) and run the scenario with that program (docs/controllers-in-swift.md)")
            } else {
                let near = Suggest.nearest(to: name, in: registered).map { "; did you mean '\($0)'?" } ?? ""
                log.error(nameField.location, "no Swift controller named '\(name)' is registered\(near) (registered: \(registered.joined(separator: ", ")))")
            }
            return
        }
        p.needsDynamics = declaration.needsDynamics
        p.parameterKeys = declaration.parameters.map(\.key)
        p.parameterValues = declaration.parameters.map { $0.defaultValue ?? 0 }
        var parameters: MapView?
        if let field = view.field("parameters") {
            guard let opened = map(field, shape: Keys.parameters, example: "{ \(p.parameterKeys.first ?? "gain"): 1 }") else { return }
            parameters = opened
            checkKindKeys(opened, common: [], usedBy: "controller '\(name)'", keys: p.parameterKeys, allKinds: [])
        }
        for (i, declared) in declaration.parameters.enumerated() {
            guard let field = parameters?.field(declared.key) else {
                if declared.defaultValue == nil {
                    log.error(parameters?.anchor ?? view.anchor, "missing required key 'controller.parameters.\(declared.key)' of controller '\(name)': \(declared.meaning) (\(declared.typeText)\((declared.unit.isEmpty ? "" : ", \(declared.unit)")))")
                }
                continue
            }
            guard let value = number(field, unit: declared.unit) else { continue }
            guard declared.range.contains(value) else {
                log.error(field.location, "\(field.path) must be a \(declared.typeText)\((declared.unit.isEmpty ? "" : ", \(declared.unit)")) (the range controller '\(name)' declares), found \(Reader.format(value))")
                continue
            }
            p.parameterValues[i] = value
        }
    }
}

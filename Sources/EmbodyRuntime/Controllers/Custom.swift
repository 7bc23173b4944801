// MARK: - custom: Swift controllers registered by a program of the user's own
//
// `ControllerRegistry.register(name:law:parameters:needsDynamics:make:)` declares a controller (its law and its
// parameters, which the scenario loader checks `controller.parameters` against; CustomControllers.swift in
// EmbodyScenario) and keeps the closure that builds it. A `type: custom` scenario is then built here, at load,
// like every other kind: the controller sits in the same slot of the same tick, so metrics, recording and
// `replay --verify` treat it exactly as a built-in one. docs/controllers-in-swift.md walks through an example.

import EmbodyControl
import EmbodyModel
import EmbodyScenario
import Foundation

/// What a registered controller is built from, fixed at load: the robot, the scenario's gains and torque limits,
/// the declared parameters' values and, when the registration asks for them, the robot's dynamics terms.
public struct CustomControllerContext {
    /// The registered name (`controller.name`).
    public let name: String
    /// The robot's movable joints, in q order (the order of `RobotState.q` and of the torques).
    public let jointNames: [String]
    /// The robot's link names, in simulator link order.
    public let linkNames: [String]
    /// `controller.gains` resolved per joint in q order (N·m/rad, N·m·s/rad, N·m/(rad·s); per m for prismatic joints).
    public let gains: JointGains
    /// Per-joint torque limits in N·m or N (the URDF effort limits times `torque_limit_scale`); the runtime clamps to them.
    public let torqueLimits: [Double]
    /// The declared parameters' values, given or defaulted, range-checked at load.
    public let parameters: CustomControllerParameters
    /// The dynamics terms (M, h, g, Jacobians), present when the registration set `needsDynamics`.
    public let dynamics: (any RobotDynamics)?

    /// The number of joint coordinates.
    public var dof: Int { jointNames.count }

    /// The value of the declared parameter `key`, in its declared unit; asking for a key the registration does not
    /// declare is an error of the registering program (reported, never a trap).
    public func parameter(_ key: String) throws(RuntimeError) -> Double {
        guard let value = parameters[key] else {
            throw RuntimeError("controller '\(name)' reads the parameter '\(key)', which its registration does not declare (declared: \(parameters.parameterKeys.isEmpty ? "none" : parameters.parameterKeys.joined(separator: ", ")))",
                               invalidInput: false)
        }
        return value
    }

    /// The dynamics terms, or an error of the registering program when it did not register with `needsDynamics: true`.
    public func requireDynamics() throws(RuntimeError) -> any RobotDynamics {
        guard let dynamics else {
            throw RuntimeError("controller '\(name)' uses the dynamics terms but was registered without needsDynamics: true",
                               invalidInput: false)
        }
        return dynamics
    }
}

/// The Swift controllers this program can run as `controller: { type: custom, name: … }`.
///
/// A program registers each controller once, before it loads a scenario (typically first thing in `main.swift`,
/// then `EmbodyCLI.main()` for the whole command line). The table is process-wide: every scenario load, run,
/// replay and sweep worker of the program sees it. Registering never changes what the built-in kinds do.
public enum ControllerRegistry {
    /// Builds the controller for one run from its context; called once per run, at load, never in the tick.
    /// A thrown error stops the load with the controller's name and the error's text (exit 1).
    public typealias Builder = @Sendable (CustomControllerContext) throws -> any Controller

    /// Registers the controller `name`: its `law` as a formula (kept with the declaration, `declaration(named:)`), the
    /// numbers it reads from `controller.parameters` (each with unit, range and default, checked at load like a
    /// built-in kind's keys), whether it needs the dynamics terms, and the closure that builds it.
    ///
    /// Throws when `name` is already registered or the declaration is malformed (a bad key, a default outside its range).
    public static func register(name: String, law: String, parameters: [CustomParameter] = [], needsDynamics: Bool = false,
                                make: @escaping Builder) throws(RegistrationError) {
        // The builder is stored first, under the table's lock, so that a declaration the loader can see always
        // has its builder; a refused declaration takes its builder back out.
        guard table.insert(name: name, builder: make) else {
            throw RegistrationError("a controller named '\(name)' is already registered; each name is registered once")
        }
        do {
            try CustomControllerCatalog.shared.declare(CustomControllerDeclaration(name: name, law: law, parameters: parameters,
                                                                                   needsDynamics: needsDynamics))
        } catch {
            table.remove(name: name)
            throw error
        }
    }

    /// The registered names, sorted.
    public static var registeredNames: [String] { CustomControllerCatalog.shared.names }

    /// The declaration registered as `name`, if any.
    public static func declaration(named name: String) -> CustomControllerDeclaration? {
        CustomControllerCatalog.shared.declaration(named: name)
    }

    static func builder(named name: String) -> Builder? { table.builder(named: name) }

    private static let table = BuilderTable()

    /// The builders by name, behind a lock.
    private final class BuilderTable: @unchecked Sendable {
        private let lock = NSLock()
        private var builders: [(name: String, builder: Builder)] = []

        func insert(name: String, builder: @escaping Builder) -> Bool {
            lock.lock(); defer { lock.unlock() }
            guard !builders.contains(where: { $0.name == name }) else { return false }
            builders.append((name, builder))
            return true
        }

        func remove(name: String) {
            lock.lock(); defer { lock.unlock() }
            builders.removeAll { $0.name == name }
        }

        func builder(named name: String) -> Builder? {
            lock.lock(); defer { lock.unlock() }
            return builders.first { $0.name == name }?.builder
        }
    }
}

extension CustomControllerParameters {
    /// `custom`: the registered controller's own law, built by its registered closure.
    func makeController(_ context: ControllerContext) throws(RuntimeError) -> Controller {
        // The loader has checked the name against the declarations; a builder can only be missing if a scenario
        // was loaded in another process (or built by hand) and handed here.
        guard let build = ControllerRegistry.builder(named: name) else {
            let registered = ControllerRegistry.registeredNames
            throw RuntimeError("\(context.spec.location): no Swift controller named '\(name)' is registered in this program (registered: \(registered.isEmpty ? "none" : registered.joined(separator: ", "))); see docs/controllers-in-swift.md")
        }
        let custom = CustomControllerContext(name: name, jointNames: context.jointNames, linkNames: context.linkNames,
                                             gains: context.gains, torqueLimits: context.torqueLimits, parameters: self,
                                             dynamics: needsDynamics ? try context.dynamics() : nil)
        do {
            return try build(custom)
        } catch let error as RuntimeError {
            throw error
        } catch {
            throw RuntimeError("\(context.spec.location): controller '\(name)' could not be built: \(error)")
        }
    }
}

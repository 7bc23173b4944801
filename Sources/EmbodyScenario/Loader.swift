// MARK: - Loading a scenario
//
// load → read the file; parse → compose the document, apply overrides, read every section, resolve
// and load the URDF, check names against the model, then either return the scenario or throw every
// problem found, sorted by position.

import EmbodyModel
import Foundation

/// Loads scenario files (YAML or JSON) into checked scenarios.
public enum ScenarioLoader {
    /// Loads, overrides (each "key.path=value", YAML scalar or flow value; list indices as key[0]), validates (including the URDF: the model is loaded with URDFLoader to check joint and link names), and returns the scenario with the loaded robot model.
    /// `packagePaths` (the CLI's `--package-path`) are searched for `package://` meshes after `robot.package_paths`.
    public static func load(path: String, overrides: [String] = [],
                            packagePaths: [String] = []) throws(ScenarioErrors) -> (Scenario, RobotModel) {
        let location = SourceLocation(file: path, line: 0)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw ScenarioErrors(ScenarioDiagnostic(location: location, message: "scenario file '\(path)' does not exist"))
        }
        guard !isDirectory.boolValue else {
            throw ScenarioErrors(ScenarioDiagnostic(location: location, message: "'\(path)' is a directory, not a scenario file"))
        }
        if let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int,
           size > ScenarioLimits.maxFileBytes {
            throw ScenarioErrors(ScenarioDiagnostic(location: location, message: "scenario file '\(path)' is \(size) bytes, more than the \(ScenarioLimits.maxFileBytes) bytes Embody reads"))
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ScenarioErrors(ScenarioDiagnostic(location: location, message: "scenario file '\(path)' cannot be read"))
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ScenarioErrors(ScenarioDiagnostic(location: location, message: "scenario file '\(path)' is not UTF-8 text"))
        }
        return try parse(text: text, path: path, overrides: overrides, packagePaths: packagePaths)
    }

    /// Parses scenario text said to come from `path` (which names the file in messages and anchors the relative URDF path), then applies `overrides` and validates like `load(path:overrides:)`.
    public static func parse(text: String, path: String, overrides: [String] = [],
                             packagePaths: [String] = []) throws(ScenarioErrors) -> (Scenario, RobotModel) {
        var log = DiagnosticLog()
        if text.utf8.count > ScenarioLimits.maxFileBytes {
            throw ScenarioErrors(ScenarioDiagnostic(location: SourceLocation(file: path, line: 1, column: 1),
                                                    message: "the scenario text is \(text.utf8.count) bytes, more than the \(ScenarioLimits.maxFileBytes) bytes Embody reads"))
        }

        // MARK: Document and overrides
        var root: DocNode
        switch Document.parse(text, placement: Document.Placement(file: path), log: &log) {
        case .syntaxError(let syntaxError):
            throw ScenarioErrors(syntaxError)
        case .document(let node):
            root = node ?? .map(DocMap(entries: [], location: SourceLocation(file: path, line: 1, column: 1)))
        }
        for raw in overrides {
            guard let override = Overrides.parse(raw, log: &log) else { continue }
            Overrides.apply(override, to: &root, log: &log)
        }

        // MARK: Sections
        var reader = Reader()
        var draft = reader.readScenario(root, file: path)
        var readerLog = reader.log.items

        // MARK: Robot model
        var model: RobotModel?
        if let urdfLocation = draft.urdfLocation {
            let urdf = draft.scenario.robot.urdf
            let key = draft.robotKey
            switch resolveURDF(urdf, scenarioPath: path) {
            case .found(let resolved):
                draft.scenario.robot.urdfPath = resolved
                let folder = (absolutePath(path) as NSString).deletingLastPathComponent
                draft.scenario.robot.packagePaths = draft.scenario.robot.packagePaths.map {
                    let expanded = ($0 as NSString).expandingTildeInPath
                    return expanded.hasPrefix("/") ? expanded : standardized(folder + "/" + expanded)
                }
                let options = ModelLoadOptions(packagePaths: draft.scenario.robot.packagePaths + packagePaths)
                do {
                    // robot.mjcf insists on MuJoCo's format; robot.urdf also takes a <mujoco> file.
                    model = key == "mjcf" ? try MJCFLoader.load(path: resolved) : try URDFLoader.load(path: resolved, options: options)
                } catch {
                    log.error(urdfLocation, "robot.\(key) '\(urdf)' failed to load: \(error.description)")
                }
            case .directory(let folder):
                draft.scenario.robot.urdfPath = folder
                log.error(urdfLocation, "robot.\(key): \(folder) is a directory, not a \(key == "mjcf" ? "MJCF" : "URDF") file")
            case .missing(let tried):
                draft.scenario.robot.urdfPath = tried.first ?? urdf
                let also = tried.dropFirst().map { " (also looked for \($0))" }.joined()
                log.error(urdfLocation, "robot.\(key): the file \(tried.first ?? urdf) does not exist\(also)")
            }
        }
        // An MJCF model's <option> timestep and gravity (and the substeps its joint damping needs) stand in
        // for physics keys the scenario leaves out; the sections are read again so rates and sensors see them.
        if let defaults = model?.physicsDefaults {
            let injected = physicsDefaultOverrides(defaults, document: root)
            if !injected.isEmpty {
                for raw in injected {
                    if let override = Overrides.parse(raw, log: &log) { Overrides.apply(override, to: &root, log: &log) }
                }
                let urdfPath = draft.scenario.robot.urdfPath
                var again = Reader()
                draft = again.readScenario(root, file: path)
                draft.scenario.robot.urdfPath = urdfPath
                readerLog = again.log.items
            }
        }
        log.append(contentsOf: ScenarioErrors(readerLog))
        do {  // the documented caps, on the values the readers accepted
            var limits = LimitChecks(root: root, fallback: draft.rootLocation)
            limits.run(draft.scenario)
            log.append(contentsOf: ScenarioErrors(limits.log.items))
        }
        draft.scenario.sourcePath = absolutePath(path)
        draft.scenario.sourceText = text
        draft.scenario.overrides = overrides
        if let model {
            var checks = ModelChecks(model: model)
            checks.run(&draft)
            log.append(contentsOf: ScenarioErrors(checks.log.items))
        }
        if var loaded = model, log.isEmpty {
            placeAndWarn(&draft.scenario, &loaded, at: draft.urdfLocation ?? draft.rootLocation)
            model = loaded
        }

        guard let model else {
            if log.isEmpty { log.error(draft.rootLocation, "the robot model could not be loaded") }
            throw ScenarioErrors(log.items)
        }
        guard log.isEmpty else { throw ScenarioErrors(log.items) }
        return (draft.scenario, model)
    }

    // MARK: - Model physics defaults

    /// `physics.KEY=VALUE` overrides for the keys of a model's physics defaults that the document does not
    /// set: gravity and substeps; dt only when 1/timestep is a whole number of Hz (Embody's rule) that every
    /// rate the document gives divides, else the scenario keeps its default step.
    static func physicsDefaultOverrides(_ defaults: PhysicsDefaults, document: DocNode) -> [String] {
        guard case .map(let top) = document else { return [] }
        var physics: DocMap?
        if let entry = top["physics"] {
            guard case .map(let map) = entry.value else { return [] }  // already an error of its own
            physics = map
        }
        var out: [String] = []
        if physics?["dt"] == nil, let rate = PhysicsSpec.rate(forTimeStep: defaults.timestep) {
            var ratesDivide = true
            if let entry = top["rates"], case .map(let rates) = entry.value {
                for item in rates.entries {
                    guard case .scalar(let scalar) = item.value, let hz = Int(scalar.text), hz > 0, rate % hz == 0 else {
                        ratesDivide = false; continue
                    }
                }
            }
            if ratesDivide { out.append("physics.dt=\(defaults.timestep)") }
        }
        if physics?["gravity"] == nil {
            let g = defaults.gravity
            out.append("physics.gravity=[\(g.x), \(g.y), \(g.z)]")
        }
        if physics?["substeps"] == nil, defaults.substeps > 1 {
            out.append("physics.substeps=\(defaults.substeps)")
        }
        return out
    }

    // MARK: - Placement

    /// Resolves `base.position: [x, y, auto]` and warns (in the model's warnings) about joints whose initial q, given
    /// or the default 0, lies outside their limits.
    static func placeAndWarn(_ scenario: inout Scenario, _ model: inout RobotModel, at location: SourceLocation) {
        var q = [Double](repeating: 0, count: model.dof)
        for value in scenario.robot.initialQ {
            if let k = model.coordinateIndex(ofJoint: value.name) { q[k] = value.value }
        }
        for violation in model.limitViolations(q: q) {
            model.warnings.append(ModelWarning(location: location, message: "robot.initial.q: \(violation)"))
        }
        guard scenario.robot.base.autoHeight else { return }
        let r = scenario.robot.base.rpy
        let upright = Transform(xyz: .zero, rpy: Vector3(r[0], r[1], r[2]))
        if let lowest = model.lowestCollisionPoint(q: q, root: upright) {
            scenario.robot.base.position[2] = BaseSpec.autoClearance - lowest.z
        } else {
            model.warnings.append(ModelWarning(location: location,
                                               message: "robot.base.position: 'auto' height needs collision geometry, and the robot has none; z = 0 is used"))
        }
    }

    // MARK: - Paths

    /// Where a URDF path points.
    enum URDFResolution: Equatable {
        case found(String)
        case missing(tried: [String])
        /// The first candidate that exists is a directory.
        case directory(String)
    }

    /// Resolves a URDF path: absolute as is; relative against the scenario's folder, then its `robots/` subfolder.
    static func resolveURDF(_ urdf: String, scenarioPath: String) -> URDFResolution {
        let expanded = (urdf as NSString).expandingTildeInPath
        let candidates: [String]
        if expanded.hasPrefix("/") {
            candidates = [standardized(expanded)]
        } else {
            let folder = (absolutePath(scenarioPath) as NSString).deletingLastPathComponent
            candidates = [standardized(folder + "/" + expanded), standardized(folder + "/robots/" + expanded)]
        }
        var directory: String?
        for candidate in candidates {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: candidate, isDirectory: &isDirectory) {
                if !isDirectory.boolValue { return .found(candidate) }
                if directory == nil { directory = candidate }
            }
        }
        if let directory { return .directory(directory) }
        return .missing(tried: candidates)
    }

    /// `path` made absolute against the current directory and standardized.
    static func absolutePath(_ path: String) -> String {
        let expanded = (path as NSString).expandingTildeInPath
        if expanded.hasPrefix("/") { return standardized(expanded) }
        return standardized(FileManager.default.currentDirectoryPath + "/" + expanded)
    }

    private static func standardized(_ path: String) -> String {
        URL(fileURLWithPath: path).standardizedFileURL.path
    }
}

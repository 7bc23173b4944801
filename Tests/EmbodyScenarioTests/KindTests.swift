// MARK: - Kinds: tests generated from the kinds themselves
//
// Every controller, sensor and task kind is visited through `CaseIterable` and its own key list, so a new
// kind or a new key is tested without editing this file: each key misspelled is rejected at its line and
// column with the key as the suggestion, each key given a value of the wrong shape is reported at that key
// (so the reader reads every key it documents), and docs/scenarios.md shows exactly what the kinds define.

import EmbodyModel
import Foundation
import Testing
@testable import EmbodyScenario

@Suite("Kinds")
struct KindTests {
    // MARK: - Misspelled keys

    /// A realistic misspelling: the character before the last dropped ("i_limit" → "i_limt"), or for keys of
    /// fewer than four characters the last one doubled ("q" → "qq").
    static func misspell(_ key: String) -> String {
        guard key.count >= 4 else { return key + String(key.last!) }
        var characters = Array(key)
        characters.remove(at: characters.count - 2)
        return String(characters)
    }

    /// Values the required keys of the kinds are given in these tests, by key (the robots are arm7 for
    /// controllers and tasks, the humanoid for sensors).
    static let requiredValues: [String: String] = [
        "link": "hand", "joint": "left_ankle_roll", "width": "8", "height": "6",
        "waypoints": "[{ at: 0.5, q: { joint_1: 0.1 } }]", "amplitude": "{ joint_1: 0.1 }", "frequency": "1",
        "targets": "[{ position: [0.4, 0, 0.5], hold: 0.5 }]", "goal": "{ joint_1: 0.1 }", "object": "cube",
        "commands": "[{ at: 0.5, vx: 0.2 }]",
    ]

    /// The required keys of a kind with their test values, one per line at `indent`.
    static func requiredLines(_ kind: KindDescription, indent: String, robot: String) -> String {
        kind.keys.filter(\.required).map { key in
            var value = requiredValues[key.key] ?? "1"
            if key.key == "link" && robot == "humanoid" { value = "left_foot" }
            return "\(indent)\(key.key): \(value)\n"
        }.joined()
    }

    /// The Swift controller a `custom` controller section names in these tests: its declared parameters stand
    /// for the kind's keys, so that they are misspelled and mistyped like every other kind's (registered once per
    /// process; the name is unique to this file).
    static let customDeclaration: CustomControllerDeclaration = {
        let declaration = CustomControllerDeclaration(
            name: "kinds_test", law: "τ = gain (q* − q) − damping q̇",
            parameters: [CustomParameter("gain", unit: "N·m/rad", range: 0...1000, default: 10, "Stiffness."),
                         CustomParameter("damping_ratio", range: 0...5, default: 1, "Damping ratio.")])
        do { try CustomControllerCatalog.shared.declare(declaration) } catch { Issue.record("\(error)") }
        return declaration
    }()

    /// The keys a controller kind accepts in `controller.parameters`: its own, or for `custom` the test declaration's.
    static func controllerKeys(_ name: ControllerKind.Name) -> [String] {
        name == .custom ? customDeclaration.parameters.map(\.key) : name.description.keyNames
    }

    /// A controller section of type `name` whose parameters hold `line`.
    static func controllerScenario(_ name: ControllerKind.Name, parameter line: String) -> String {
        _ = customDeclaration
        if name == .wholeBody {
            // A biped with feet and a torso; whole_body takes no joint gains.
            return """
            name: kinds
            duration: 1.0
            robot: { urdf: robots/humanoid.urdf, base: { position: [0, 0, 0.921] } }
            controller:
              type: whole_body
              parameters:
                \(line)

            """
        }
        return """
        name: kinds
        duration: 1.0
        robot: { urdf: robots/arm7.urdf, base: { fixed: true } }
        controller:
          type: \(name.rawValue)
          gains: { kp: 100, kd: 1 }
        \(name == .osc ? "  ee_link: ee_link\n" : "")\(name == .custom ? "  name: kinds_test\n" : "")  parameters:
            \(line)

        """
    }

    /// A humanoid with one sensor of type `name`: its required keys, then `line`.
    static func sensorScenario(_ name: SensorKind.Name, extra line: String) -> String {
        minimalHumanoid + "sensors:\n  - name: probe\n    type: \(name.rawValue)\n"
            + requiredLines(name.description, indent: "    ", robot: "humanoid") + "    \(line)\n"
    }

    /// An arm with a cube on a table and a task of type `name`: its required keys, then `line`.
    static func taskScenario(_ name: TaskKind.Name, extra line: String) -> String {
        """
        name: kinds
        duration: 1.0
        robot: { urdf: robots/arm7.urdf, base: { fixed: true } }
        world: { objects: [{ name: cube, shape: { box: [0.05, 0.05, 0.05] }, mass: 0.2, position: [0.5, 0, 0.025] }] }
        controller: { type: \(name == .eeTargets ? "osc, ee_link: ee_link" : "pd"), gains: { kp: 100, kd: 1 } }
        task:
          type: \(name.rawValue)

        """ + requiredLines(name.description, indent: "  ", robot: "arm") + "  \(line)\n"
    }

    /// Every scenario this suite builds, with the key each one misspells and where: one per key of every
    /// kind (and one made-up key for a kind without keys).
    static var misspellings: [(what: String, text: String, typo: String, key: String?)] {
        var cases: [(String, String, String, String?)] = []
        for name in ControllerKind.Name.allCases {
            let keys = controllerKeys(name)
            for key in keys { cases.append(("controller \(name.rawValue)", controllerScenario(name, parameter: "\(misspell(key)): 1"), misspell(key), key)) }
            if keys.isEmpty { cases.append(("controller \(name.rawValue)", controllerScenario(name, parameter: "gain_scale: 1"), "gain_scale", nil)) }
        }
        for name in SensorKind.Name.allCases {
            for key in name.description.keyNames {
                cases.append(("sensor \(name.rawValue)", sensorScenario(name, extra: "\(misspell(key)): 1"), misspell(key), key))
            }
        }
        for name in TaskKind.Name.allCases {
            for key in name.description.keyNames {
                cases.append(("task \(name.rawValue)", taskScenario(name, extra: "\(misspell(key)): 1"), misspell(key), key))
            }
        }
        return cases
    }

    @Test("the scenarios these tests start from load, for every kind")
    func startingPointsLoad() {
        for name in ControllerKind.Name.allCases {
            let text = Self.controllerScenario(name, parameter: "{}").replacingOccurrences(of: "  parameters:\n    {}\n", with: "")
            if case .failure(let e) = load(text) { Issue.record("controller \(name.rawValue): \(e)") }
        }
        for name in SensorKind.Name.allCases {
            if case .failure(let e) = load(Self.sensorScenario(name, extra: "rate: 1000")) { Issue.record("sensor \(name.rawValue): \(e)") }
        }
        for name in TaskKind.Name.allCases {
            if case .failure(let e) = load(Self.taskScenario(name, extra: "")) { Issue.record("task \(name.rawValue): \(e)") }
        }
    }

    @Test("a misspelled key of every controller, sensor and task kind is rejected at its line and column, with the key suggested")
    func misspelledKeysAreRejected() {
        let cases = Self.misspellings
        #expect(cases.count >= 40)   // 7 controller (custom with the test declaration's keys), 6 sensor and 7 task kinds; most have several keys
        for c in cases {
            let found = diagnostics(c.text).filter { $0.message.contains("'\(c.typo)'") }
            guard found.count == 1, let d = found.first else {
                Issue.record("\(c.what): expected one diagnostic about '\(c.typo)', got \(diagnostics(c.text).map(\.description))")
                continue
            }
            #expect(d.message.hasPrefix("unknown key '\(c.typo)'"), "\(c.what): \(d.message)")
            if let key = c.key {
                #expect(d.message.hasSuffix("did you mean '\(key)'?"), "\(c.what): \(d.message)")
            }
            #expect(d.location.line == line(of: "\(c.typo): 1", in: c.text), "\(c.what): \(d)")
            #expect(d.location.column == column(of: "\(c.typo): 1", in: c.text), "\(c.what): \(d)")
        }
    }

    @Test("the issue's example: controller.parameters.i_limt is an error that suggests i_limit")
    func iLimitTypo() throws {
        let d = try #require(onlyDiagnostic(Self.controllerScenario(.pid, parameter: "{}"), overrides: ["controller.parameters.i_limt=5"]))
        #expect(d.message == "unknown key 'i_limt' in controller.parameters for controller type pid; did you mean 'i_limit'?")
        #expect(d.location == SourceLocation(file: "<--set controller.parameters.i_limt=5>", line: 1, column: 23))
    }

    @Test("a key of another kind names the kinds it belongs to")
    func keyOfAnotherKind() throws {
        let d = try #require(onlyDiagnostic(Self.controllerScenario(.computedTorque, parameter: "velocity_filter_hz: 50")))
        #expect(d.message == "controller.parameters.velocity_filter_hz is not used by controller type computed_torque (it belongs to pd, pid, pd_gravity)")
    }

    // MARK: - The reader reads every documented key

    @Test("every documented key is read: a value of the wrong shape is reported at that key")
    func everyKeyIsRead() {
        let wrong = "{ wrong: [1] }"
        var checked = 0
        func check(_ what: String, _ text: String, key: String) {
            let at = line(of: "\(key): \(wrong)", in: text)
            let found = diagnostics(text)
            if !found.contains(where: { $0.location.line == at }) {
                Issue.record("\(what).\(key): a wrong value was not reported at line \(at): \(found.map(\.description))")
            }
            checked += 1
        }
        for name in ControllerKind.Name.allCases {
            for key in Self.controllerKeys(name) {
                check("controller \(name.rawValue)", Self.controllerScenario(name, parameter: "\(key): \(wrong)"), key: key)
            }
        }
        for name in SensorKind.Name.allCases {
            for key in name.description.keyNames {
                let given = key == "link" ? "left_foot" : Self.requiredValues[key] ?? ""
                let text = Self.sensorScenario(name, extra: "\(key): \(wrong)")
                    .replacingOccurrences(of: "    \(key): \(given)\n", with: "")
                check("sensor \(name.rawValue)", text, key: key)
            }
        }
        for name in TaskKind.Name.allCases {
            for key in name.description.keyNames {
                var text = Self.taskScenario(name, extra: "\(key): \(wrong)")
                if let value = Self.requiredValues[key] { text = text.replacingOccurrences(of: "  \(key): \(value)\n", with: "") }
                check("task \(name.rawValue)", text, key: key)
            }
        }
        #expect(checked >= 40)
    }

    // MARK: - One source for names, metrics and docs

    @Test("the type names, metric names and key trees come from the kinds")
    func namesComeFromTheKinds() {
        #expect(ScenarioSchema.controllerTypes == ControllerKind.Name.allCases.map(\.rawValue))
        #expect(ScenarioSchema.sensorTypes == SensorKind.Name.allCases.map(\.rawValue))
        #expect(ScenarioSchema.taskTypes == TaskKind.Name.allCases.map(\.rawValue))
        for family in ScenarioSchema.KindFamily.allCases {
            for kind in ScenarioSchema.kinds(family) {
                for metric in kind.metrics { #expect(ScenarioSchema.metrics.contains(metric), "\(kind.name): \(metric)") }
            }
        }
        for name in SensorKind.Name.allCases {
            for key in name.description.keyNames { #expect(Keys.sensor.isField(key), "sensor key \(key)") }
        }
        for name in TaskKind.Name.allCases {
            for key in name.description.keyNames { #expect(Keys.task.isField(key), "task key \(key)") }
        }
    }

    @Test("docs/scenarios.md shows exactly what the kinds define (EMBODY_WRITE_DOCS=1 rewrites it)")
    func docsMatchTheKinds() throws {
        let path = repoRoot + "/docs/scenarios.md"
        var text = try String(contentsOfFile: path, encoding: .utf8)
        let write = ProcessInfo.processInfo.environment["EMBODY_WRITE_DOCS"] == "1"
        for family in ScenarioSchema.KindFamily.allCases {
            let begin = "<!-- kinds:\(family.rawValue) begin -->\n", end = "\n<!-- kinds:\(family.rawValue) end -->"
            guard let a = text.range(of: begin), let b = text.range(of: end, range: a.upperBound..<text.endIndex) else {
                Issue.record("docs/scenarios.md has no block for the \(family.rawValue) (\(begin.trimmingWhitespace) … \(end.trimmingWhitespace))")
                continue
            }
            let expected = ScenarioSchema.kindsMarkdown(family)
            if write {
                text.replaceSubrange(a.upperBound..<b.lowerBound, with: expected)
            } else {
                #expect(String(text[a.upperBound..<b.lowerBound]) == expected,
                        "docs/scenarios.md's \(family.rawValue) block differs from the kinds; run EMBODY_WRITE_DOCS=1 swift test --filter KindTests")
            }
        }
        if write { try text.write(toFile: path, atomically: true, encoding: .utf8) }
    }

    @Test("the worked example in docs/architecture.md is real code: each snippet appears verbatim in the file it names")
    func architectureSnippetsAreReal() throws {
        let doc = try String(contentsOfFile: repoRoot + "/docs/architecture.md", encoding: .utf8)
        let lines = doc.components(separatedBy: "\n")
        var checked = 0
        for (i, line) in lines.enumerated() where line.hasPrefix("<!-- code from ") {
            let path = line.dropFirst("<!-- code from ".count).replacingOccurrences(of: " -->", with: "")
            guard i + 1 < lines.count, lines[i + 1] == "```swift",
                  let end = lines[(i + 2)...].firstIndex(of: "```") else {
                Issue.record("docs/architecture.md line \(i + 1): a code marker without a swift block after it")
                continue
            }
            let snippet = lines[(i + 2)..<end].joined(separator: "\n")
            let source = try String(contentsOfFile: repoRoot + "/" + path, encoding: .utf8)
            #expect(source.contains(snippet), "docs/architecture.md line \(i + 1): the snippet is not in \(path)")
            checked += 1
        }
        #expect(checked >= 4)
    }

    // MARK: - Success criteria against the metrics a scenario produces

    @Test("a criterion on a metric the task does not produce fails validate, located at the criterion")
    func criterionOnAMetricNotProduced() throws {
        let text = Self.taskScenario(.jointSine, extra: "") + "success:\n  - { metric: rise_time, below: 0.5 }\n"
        let d = try #require(onlyDiagnostic(text))
        #expect(d.message.hasPrefix("success[0].metric rise_time is not produced by this scenario (it comes from task type hold); with task type joint_sine the metrics are final_joint_error_max, "))
        #expect(d.location.line == line(of: "- { metric: rise_time", in: text))
        // The same criterion on a hold task that steps is fine; on one that holds still there is no step.
        let step = Self.taskScenario(.hold, extra: "q: { joint_1: 0.2 }") + "success:\n  - { metric: rise_time, below: 0.5 }\n"
        #expect(loaded(step) != nil)
        let still = Self.taskScenario(.hold, extra: "") + "success:\n  - { metric: rise_time, below: 0.5 }\n"
        #expect(try #require(onlyDiagnostic(still)).message.hasPrefix("success[0].metric rise_time measures a step, but task.q holds every joint"))
        // Sensor metrics need their sensor.
        let lidar = minimalHumanoid + "success:\n  - { metric: lidar_range_error_rms, below: 0.1 }\n"
        #expect(try #require(onlyDiagnostic(lidar)).message.contains("(it comes from a lidar sensor)"))
    }

    @Test("every metric a kind says it produces is produced by a scenario with that kind")
    func producedMetricsFollowTheKinds() throws {
        for name in TaskKind.Name.allCases {
            let scenario = try #require(loaded(Self.taskScenario(name, extra: "")))
            #expect(Set(scenario.producedMetrics).isSuperset(of: ScenarioSchema.runMetrics))
            #expect(Set(scenario.producedMetrics).isSuperset(of: scenario.task.kind.metrics))
        }
        for name in SensorKind.Name.allCases {
            let scenario = try #require(loaded(Self.sensorScenario(name, extra: "rate: 1000")))
            #expect(Set(scenario.producedMetrics).isSuperset(of: name.description.metrics), "\(name.rawValue)")
        }
        for name in ControllerKind.Name.allCases where !name.description.metrics.isEmpty {
            let text = Self.controllerScenario(name, parameter: "{}").replacingOccurrences(of: "  parameters:\n    {}\n", with: "")
            let scenario = try #require(loaded(text))
            #expect(Set(scenario.producedMetrics).isSuperset(of: name.description.metrics), "\(name.rawValue)")
        }
    }
}

// MARK: - The kinds' sections of docs/scenarios.md, generated
//
// docs/scenarios.md holds one generated block per family of kinds, between the markers
// `<!-- kinds:NAME begin -->` and `<!-- kinds:NAME end -->`. A test compares each block with
// `ScenarioSchema.kindsMarkdown(_:)` and, run with EMBODY_WRITE_DOCS=1, rewrites it.

extension ScenarioSchema {
    /// The families of kinds, each documented in its own generated block of docs/scenarios.md.
    public enum KindFamily: String, CaseIterable, Sendable {
        case controllers, sensors, tasks
    }

    /// Every kind of a family, as documented.
    public static func kinds(_ family: KindFamily) -> [KindDescription] {
        switch family {
        case .controllers: ControllerKind.Name.allCases.map(\.description)
        case .sensors: SensorKind.Name.allCases.map(\.description)
        case .tasks: TaskKind.Name.allCases.map(\.description)
        }
    }

    /// Where a family's keys are written in a scenario, for the generated text.
    static func keyPlace(_ family: KindFamily) -> String {
        switch family {
        case .controllers: "`controller.parameters`"
        case .sensors: "the sensor's mapping, besides `name`, `type`, `rate` and `latency`"
        case .tasks: "the `task` mapping, besides `type`"
        }
    }

    /// The generated Markdown for a family: per kind, its summary, its keys and the metrics it produces.
    public static func kindsMarkdown(_ family: KindFamily) -> String {
        var lines: [String] = []
        lines.append("<!-- Generated from the \(family.rawValue)' kinds in Sources/EmbodyScenario/Kinds; do not edit by hand. "
                     + "KindTests checks it; `EMBODY_WRITE_DOCS=1 swift test --filter KindTests` rewrites it. -->")
        lines.append("")
        lines.append("Keys go in \(keyPlace(family)); a key of another kind, or one no kind has, is an error with the nearest valid key.")
        for kind in kinds(family) {
            lines.append("")
            lines.append("#### `\(kind.name)`")
            lines.append("")
            lines.append(kind.summary.hasSuffix(".") ? kind.summary : kind.summary + ".")
            lines.append("")
            if kind.keys.isEmpty {
                lines.append("No keys of its own.")
            } else {
                lines.append("| key | type | unit | default | required | meaning |")
                lines.append("|---|---|---|---|---|---|")
                for key in kind.keys {
                    let value = key.defaultValue.isEmpty ? "" : "`\(key.defaultValue)`"
                    lines.append("| `\(key.key)` | \(key.type) | \(key.unit) | \(value) | \(key.required ? "yes" : "no") | \(key.meaning) |")
                }
            }
            if !kind.metrics.isEmpty {
                lines.append("")
                lines.append("Metrics: " + kind.metrics.map { "`\($0)`" }.joined(separator: ", ") + ".")
            }
        }
        return lines.joined(separator: "\n")
    }
}

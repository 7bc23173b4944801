// MARK: - `embody view`: one self-contained HTML page of a recorded run
//
// The page is the template (Resources/viewer.html) with the stylesheet, the script and the run's data
// inlined: no network, no server, no external file. The data is one JSON object (`PageData`) whose bulky
// arrays are base64 Float32. Sampling (docs/viewer.md):
//   - 3D frames: every record, or every kth so that frames are at least `frameInterval` s apart (100 frames/s);
//   - plot series: at most `maxSeriesSamples` records per channel, evenly spaced, first and last included.
// Events are never sampled: every event of every record is listed.

import EmbodyModel
import EmbodyRuntime
import EmbodyScenario
import Foundation

/// What `embody run --view` knows beyond the log: the summary it just printed.
public struct ViewerSummary: Sendable {
    /// Metric values by name.
    public var metrics: [String: Double]
    /// Creates a summary from metric values.
    public init(metrics: [String: Double]) { self.metrics = metrics }
}

/// Builds viewer pages.
public enum ViewerPage {
    /// The shortest time between two 3D frames, in s (100 frames per simulated second).
    public static let frameInterval = 0.01
    /// The most samples per plotted channel.
    public static let maxSeriesSamples = 3000

    /// Reads the log at `logPath` and writes its page to `outputPath`; returns the page size in bytes.
    @discardableResult
    public static func write(logPath: String, outputPath: String, summary: ViewerSummary? = nil) throws(ViewError) -> Int {
        let run = try LoadedRun(path: logPath)
        let html = page(run, summary: summary)
        do {
            try Data(html.utf8).write(to: URL(fileURLWithPath: outputPath))
        } catch {
            throw ViewError("cannot write the viewer page '\(outputPath)': \(error.localizedDescription)")
        }
        return html.utf8.count
    }

    /// The page's HTML for a loaded run.
    public static func page(_ run: LoadedRun, summary: ViewerSummary? = nil) -> String {
        let data = pageData(run, summary: summary)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]  // slashes stay escaped, so "</script>" cannot appear
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "Infinity",
                                                                      negativeInfinity: "-Infinity", nan: "NaN")
        // "<" only occurs inside JSON strings; escaped, no "</script>" or "<!--" can end the data block early.
        let json = ((try? encoder.encode(data)).map { String(decoding: $0, as: UTF8.self) } ?? "{}")
            .replacingOccurrences(of: "<", with: "\\u003c")
        return fill(ViewerAssets.html, [
            "/*EMBODY_CSS*/": ViewerAssets.css,
            "/*EMBODY_JS*/": ViewerAssets.js,
            "/*EMBODY_DATA*/": json,
            "EMBODY_TITLE": htmlEscape("\(run.header.scenarioName) — Embody run"),
        ])
    }

    /// Replaces each placeholder's first occurrence in `template` (found in the template itself, so text inside
    /// the inserted values is never taken for a placeholder).
    static func fill(_ template: String, _ values: [String: String]) -> String {
        let found = values.keys.compactMap { key in template.range(of: key).map { (key, $0) } }
            .sorted { $0.1.lowerBound < $1.1.lowerBound }
        var out = "", at = template.startIndex
        for (key, range) in found where range.lowerBound >= at {
            out += template[at..<range.lowerBound]
            out += values[key]!
            at = range.upperBound
        }
        return out + template[at...]
    }

    // MARK: - Page data

    struct PageData: Encodable {
        var meta: Meta
        var links: [LinkJSON]
        var objects: [ObjectJSON]
        var joints: [JointJSON]
        var groups: [String: [String]]
        var frames: Frames
        var series: Series
        var events: [EventJSON]
    }

    struct Meta: Encodable {
        var scenario: String, description: String, seed: String, outcome: String, stateHash: String
        var embodyVersion: String, scenarioHash: String, dt: Double, recordEvery: Int, records: Int
        var duration: Double, truncatedTail: Bool, ground: Bool, fixedBase: Bool
        var metrics: [String: Double], criteria: [CriterionJSON]
        var frameStride: Int, seriesSamples: Int
        /// Whether the log has contact channels at all (logs written before them do not).
        var contactChannels: Bool
    }

    struct CriterionJSON: Encodable { var metric: String; var value: Double; var passed: Bool; var bound: String }
    struct LinkJSON: Encodable { var name: String; var visuals: [VisualJSON] }
    struct ObjectJSON: Encodable { var name: String; var visual: VisualJSON }
    struct JointJSON: Encodable { var name: String; var lower: Double?; var upper: Double?; var effort: Double?; var unit: String }
    struct EventJSON: Encodable { var t: Double; var kind: String; var code: Int; var value: Double; var label: String }

    struct Frames: Encodable {
        /// Frame times in s (F values).
        var t: String
        /// Link poses, F × links × 7 (x, y, z, qx, qy, qz, qw).
        var links: String
        /// Object poses, F × objects × 7.
        var objects: String
        /// Centre of mass, F × 3, m.
        var com: String
        /// Contact links' names (robot links with recorded contact channels).
        var contactLinks: [String]
        /// Per frame and contact link: force (N) then point (m), world frame: F × contactLinks × 6.
        var contacts: String
    }

    struct Series: Encodable {
        /// Sample times in s.
        var t: String
        /// Channel name → samples (same length as t).
        var channels: [String: String]
    }

    /// Everything the page shows, sampled as documented at the top of this file.
    static func pageData(_ run: LoadedRun, summary: ViewerSummary?) -> PageData {
        let h = run.header, model = run.model, scenario = run.scenario
        let n = run.records.count

        // Links and objects.
        var links: [LinkJSON] = []
        var meshBudget = VisualBudget.trianglesPerRobot
        for (i, name) in run.linkNames.enumerated() {
            let link = model.links[run.modelLinkIndex[i]]
            let shade = 0.55 + 0.25 * Double((i * 7) % 5) / 4
            var visuals: [VisualJSON] = []
            for g in link.visuals {
                let rgba: [Double] = g.rgba.map { [$0.x, $0.y, $0.z, $0.w] } ?? [shade, shade * 0.92 + 0.05, shade * 0.8 + 0.12, 1]
                let v = visualJSON(g.shape, origin: g.origin, rgba: rgba,
                                   triangleBudget: min(VisualBudget.trianglesPerMesh, max(meshBudget, 12)))
                meshBudget -= v.triangles ?? 0
                visuals.append(v)
            }
            links.append(LinkJSON(name: name, visuals: visuals))
        }
        let palette: [[Double]] = [[0.85, 0.45, 0.2, 1], [0.25, 0.6, 0.85, 1], [0.5, 0.75, 0.3, 1], [0.8, 0.3, 0.5, 1]]
        var objects: [ObjectJSON] = []
        for (k, o) in scenario.world.objects.enumerated() {
            objects.append(ObjectJSON(name: o.name, visual: visualJSON(modelShape(o.shape), origin: .identity,
                                                                      rgba: palette[k % palette.count], triangleBudget: 0)))
        }

        // Joints and groups.
        let movable = model.movableJoints
        let joints = movable.map { j in
            JointJSON(name: j.name, lower: j.type == .continuous ? nil : j.limit?.lower,
                      upper: j.type == .continuous ? nil : j.limit?.upper, effort: j.limit?.effort,
                      unit: j.type == .prismatic ? "m" : "rad")
        }

        // 3D frames.
        let recordDt = h.dt * Double(h.recordEvery)
        let stride = max(1, Int((frameInterval / recordDt).rounded(.up)))
        var frameIndices = Array(Swift.stride(from: 0, to: n, by: stride))
        if frameIndices.last != n - 1 { frameIndices.append(n - 1) }
        var times: [Double] = [], linkPoses: [Double] = [], objectPoses: [Double] = [], com: [Double] = []
        // Links with contact channels that touch something at some record (the others would draw nothing).
        let contactLinks = run.linkNames.filter { l in
            guard let i = run.contactStart[l] else { return false }
            return run.records.contains { $0.values[i] != 0 || $0.values[i + 1] != 0 || $0.values[i + 2] != 0 }
        }
        let contactStarts = contactLinks.map { run.contactStart[$0]! }
        var contacts: [Double] = []
        var poses: [Double] = []
        let masses = run.modelLinkIndex.map { model.links[$0].inertial }
        let totalMass = masses.reduce(0) { $0 + $1.mass }
        for r in frameIndices {
            times.append(run.time(r))
            run.linkPoses(r, into: &poses)
            linkPoses += poses
            var c = Vector3.zero
            for (i, inertial) in masses.enumerated() where inertial.mass > 0 {
                let pose = Transform(position: Vector3(poses[7 * i], poses[7 * i + 1], poses[7 * i + 2]),
                                     rotation: Quaternion(x: poses[7 * i + 3], y: poses[7 * i + 4], z: poses[7 * i + 5],
                                                          w: poses[7 * i + 6]))
                c += inertial.mass * pose.apply(inertial.origin.position)
            }
            com += totalMass > 0 ? [c.x / totalMass, c.y / totalMass, c.z / totalMass] : [0, 0, 0]
            for o in scenario.world.objects {
                objectPoses += packed(run.objectPose(o.name, r) ?? .identity)
            }
            let values = run.records[r].values
            for i in contactStarts { contacts += values[i..<(i + 6)] }
        }

        // Plot series.
        let samples = min(n, maxSeriesSamples)
        let seriesIndices = samples <= 1 ? [0] : (0..<samples).map { k in Int((Double(k) * Double(n - 1) / Double(samples - 1)).rounded()) }
        let wanted = h.channels.filter { c in
            ["q.", "ref.q.", "tau.", "tau_cmd.", "base.", "sensor.", "est.q."].contains { c.hasPrefix($0) }
        }
        var channels: [String: String] = [:]
        for name in wanted {
            let i = run.channelIndex[name]!
            channels[name] = base64Float32(seriesIndices.map { run.records[$0].values[i] })
        }
        // Contact force magnitude |F| (N) per link, only for links that touch something during the run.
        for (l, i) in zip(contactLinks, contactStarts) {
            let norm = seriesIndices.map { r -> Double in
                let v = run.records[r].values
                return (v[i] * v[i] + v[i + 1] * v[i + 1] + v[i + 2] * v[i + 2]).squareRoot()
            }
            if norm.contains(where: { $0 > 0 }) { channels["contact.\(l).norm"] = base64Float32(norm) }
        }
        // Base orientation as roll, pitch, yaw (rad), from the logged quaternion.
        if run.channelIndex["base.qw"] != nil {
            let rpy = seriesIndices.map { run.basePose($0).rotation.rpy }
            channels["base.roll"] = base64Float32(rpy.map(\.x))
            channels["base.pitch"] = base64Float32(rpy.map(\.y))
            channels["base.yaw"] = base64Float32(rpy.map(\.z))
        }

        // Events.
        var events: [EventJSON] = []
        var criteria: [CriterionJSON] = []
        for r in 0..<n {
            for e in run.records[r].events {
                let kind = run.kindName(e)
                var label = kind.replacingOccurrences(of: "_", with: " ")
                switch kind {
                case "disturbance_start", "disturbance_end":
                    // The disturbance that starts (or ends) nearest this record's time.
                    let t = run.time(r), start = kind == "disturbance_start"
                    if let d = scenario.disturbances.min(by: {
                        abs((start ? $0.at : $0.at + $0.duration) - t) < abs((start ? $1.at : $1.at + $1.duration) - t)
                    }) {
                        let f = (d.force[0] * d.force[0] + d.force[1] * d.force[1] + d.force[2] * d.force[2]).squareRoot()
                        label = (kind == "disturbance_start" ? "push " : "push ends ") + String(format: "%.0f N on %@", f, d.link)
                    }
                case "criterion_success", "criterion_failure":
                    let passed = kind == "criterion_success"
                    let c = Int(e.code) < scenario.success.count ? scenario.success[Int(e.code)] : nil
                    let metric = c?.metric ?? "criterion \(e.code)"
                    var bound: [String] = []
                    if let b = c?.below { bound.append("< \(b)") }
                    if let a = c?.above { bound.append("> \(a)") }
                    criteria.append(CriterionJSON(metric: metric, value: e.value, passed: passed,
                                                  bound: bound.joined(separator: " and ")))
                    label = "\(passed ? "pass" : "FAIL") \(metric)"
                default: break
                }
                events.append(EventJSON(t: run.time(r), kind: kind, code: Int(e.code), value: e.value, label: label))
            }
        }
        // As `embody replay` reads it: a diverged or cut-off run is never shown as a success.
        let outcome = Replay.outcome(eventKinds: h.eventKinds, events: events.lazy.map(\.kind), lastTick: run.records[n - 1].tick,
                                     physicsSteps: scenario.physicsSteps).rawValue.replacingOccurrences(of: "_", with: " ")
        var metrics = summary?.metrics ?? [:]
        for c in criteria where metrics[c.metric] == nil { metrics[c.metric] = c.value }

        let last = run.records[n - 1]
        let meta = Meta(scenario: h.scenarioName, description: scenario.description, seed: String(h.seed), outcome: outcome,
                        stateHash: Replay.stateHash(of: last, header: h, dof: model.dof), embodyVersion: h.embodyVersion,
                        scenarioHash: h.scenarioHash, dt: h.dt, recordEvery: h.recordEvery, records: n,
                        duration: run.time(n - 1), truncatedTail: run.truncatedTail, ground: scenario.world.ground,
                        fixedBase: run.kinematics.robot.fixedBase, metrics: metrics.filter { $0.value.isFinite },
                        criteria: criteria, frameStride: stride, seriesSamples: seriesIndices.count,
                        contactChannels: h.channels.contains { $0.hasPrefix("contact.") })
        return PageData(meta: meta, links: links, objects: objects, joints: joints, groups: scenario.robot.groups,
                        frames: Frames(t: base64Float32(times), links: base64Float32(linkPoses),
                                       objects: base64Float32(objectPoses), com: base64Float32(com),
                                       contactLinks: contactLinks, contacts: base64Float32(contacts)),
                        series: Series(t: base64Float32(seriesIndices.map { run.time($0) }), channels: channels),
                        events: events)
    }
}

/// Escapes text for HTML.
func htmlEscape(_ s: String) -> String {
    s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
        .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
}

// MARK: - `embody export LOG --format mcap`: a run as MCAP with JSON messages and JSON-schema channels
//
// Topics (docs/viewer.md):
//   /tf            foxglove.FrameTransforms  every record: each link frame and object in "world"
//   /scene         foxglove.SceneUpdate      once, at the first record: every link's and object's shapes,
//                                            locked to their frames, so Foxglove's 3D panel draws the robot
//   /joint_states  embody.JointStates        every record: q, q̇, τ applied and commanded (and q*, q̇* when logged)
//   /sensors       embody.Channels           every record, when the log has sensor channels: name → value
//   /events        embody.Event              each logged event
//   /result        embody.RunResult          once, at the last record: outcome, criteria, state hash
// Message times (log and publish) are the simulated time tick × dt, in ns.

import EmbodyModel
import EmbodyRuntime
import Foundation

/// Writes MCAP files of recorded runs.
public enum MCAPExport {
    /// Reads the log at `logPath`, writes MCAP to `outputPath` and returns the number of messages.
    @discardableResult
    public static func write(logPath: String, outputPath: String) throws(ViewError) -> Int {
        let run = try LoadedRun(path: logPath)
        let (bytes, count) = encode(run)
        do {
            try Data(bytes).write(to: URL(fileURLWithPath: outputPath))
        } catch {
            throw ViewError("cannot write '\(outputPath)': \(error.localizedDescription)")
        }
        return count
    }

    /// The MCAP bytes of a run and its message count.
    static func encode(_ run: LoadedRun) -> ([UInt8], Int) {
        var w = MCAPWriter(profile: "", library: "embody \(EmbodyVersion.current)")
        func channel(_ schema: String, _ data: String, _ topic: String) -> UInt16 {
            let id = w.addSchema(name: schema, encoding: "jsonschema", data: Array(data.utf8))
            return w.addChannel(schema: id, topic: topic, messageEncoding: "json")
        }
        let tf = channel("foxglove.FrameTransforms", MCAPSchemas.frameTransforms, "/tf")
        let scene = channel("foxglove.SceneUpdate", MCAPSchemas.sceneUpdate, "/scene")
        let joints = channel("embody.JointStates", MCAPSchemas.jointStates, "/joint_states")
        let sensorNames = run.header.channels.filter { $0.hasPrefix("sensor.") || $0.hasPrefix("true.") || $0.hasPrefix("est.") }
        let sensors = sensorNames.isEmpty ? nil : channel("embody.Channels", MCAPSchemas.channels, "/sensors")
        let events = channel("embody.Event", MCAPSchemas.event, "/events")
        let result = channel("embody.RunResult", MCAPSchemas.runResult, "/result")

        let h = run.header, model = run.model, names = run.linkNames
        let objects = run.scenario.world.objects.map(\.name)
        let jointNames = model.jointNames
        let idx = run.channelIndex
        // Channel indices per joint, looked up once (LoadedRun checked that q, qd, tau and tau_cmd exist).
        func indices(_ prefix: String) -> [Int]? {
            let found = jointNames.compactMap { idx["\(prefix).\($0)"] }
            return found.count == jointNames.count ? found : nil
        }
        let qIndex = indices("q")!, qdIndex = indices("qd")!, tauIndex = indices("tau")!, tauCmdIndex = indices("tau_cmd")!
        let refQIndex = indices("ref.q") ?? [], refQdIndex = indices("ref.qd") ?? []
        let hasRef = indices("ref.q") != nil && indices("ref.qd") != nil
        let jointNameList = "[" + jointNames.map(JSONText.string).joined(separator: ",") + "]"
        let sensorIndex = sensorNames.map { idx[$0]! }
        let page = ViewerPage.pageData(run, summary: nil)
        var poses: [Double] = []
        var count = 0
        for r in 0..<run.records.count {
            let record = run.records[r]
            let ns = nanoseconds(run.time(r))
            let stamp = "{\"sec\":\(ns / 1_000_000_000),\"nsec\":\(ns % 1_000_000_000)}"
            if r == 0 {
                w.addMessage(channel: scene, logTime: ns, data: Array(sceneUpdate(page, stamp: stamp).utf8))
                count += 1
            }
            // Link and object frames.
            run.linkPoses(r, into: &poses)
            var t = "{\"transforms\":["
            for (i, name) in names.enumerated() {
                if i > 0 { t += "," }
                t += transform(stamp, child: name, Array(poses[(7 * i)..<(7 * i + 7)]))
            }
            for o in objects {
                guard let p = run.objectPose(o, r) else { continue }
                t += "," + transform(stamp, child: "object/\(o)", packed(p))
            }
            t += "]}"
            w.addMessage(channel: tf, logTime: ns, data: Array(t.utf8))
            // Joint states.
            func list(_ indices: [Int]) -> String {
                "[" + indices.map { JSONText.number(record.values[$0]) }.joined(separator: ",") + "]"
            }
            var j = "{\"timestamp\":\(stamp),\"name\":\(jointNameList)"
            j += ",\"position\":\(list(qIndex)),\"velocity\":\(list(qdIndex)),\"effort\":\(list(tauIndex)),\"effort_commanded\":\(list(tauCmdIndex))"
            if hasRef { j += ",\"position_reference\":\(list(refQIndex)),\"velocity_reference\":\(list(refQdIndex))" }
            j += "}"
            w.addMessage(channel: joints, logTime: ns, data: Array(j.utf8))
            count += 2
            if let sensors {
                let body = zip(sensorNames, sensorIndex).map { "\(JSONText.string($0)):\(JSONText.number(record.values[$1]))" }
                    .joined(separator: ",")
                w.addMessage(channel: sensors, logTime: ns, data: Array("{\"timestamp\":\(stamp),\"values\":{\(body)}}".utf8))
                count += 1
            }
            for e in record.events {
                let m = "{\"timestamp\":\(stamp),\"kind\":\(JSONText.string(run.kindName(e))),\"code\":\(e.code),\"value\":\(JSONText.number(e.value))}"
                w.addMessage(channel: events, logTime: ns, data: Array(m.utf8))
                count += 1
            }
        }
        // The run's result, at the last record's time.
        let criteria = page.meta.criteria.map {
            "{\"metric\":\(JSONText.string($0.metric)),\"value\":\(JSONText.number($0.value)),\"passed\":\($0.passed)}"
        }.joined(separator: ",")
        let last = nanoseconds(run.time(run.records.count - 1))
        let res = "{\"timestamp\":{\"sec\":\(last / 1_000_000_000),\"nsec\":\(last % 1_000_000_000)},"
            + "\"scenario\":\(JSONText.string(h.scenarioName)),\"seed\":\(JSONText.string(String(h.seed))),"
            + "\"outcome\":\(JSONText.string(page.meta.outcome)),\"state_hash\":\(JSONText.string(page.meta.stateHash)),\"criteria\":[\(criteria)]}"
        w.addMessage(channel: result, logTime: last, data: Array(res.utf8))
        count += 1
        return (w.finish(), count)
    }

    /// Simulated seconds as ns (non-negative, rounded).
    static func nanoseconds(_ t: Double) -> UInt64 {
        t.isFinite && t > 0 ? UInt64((t * 1e9).rounded()) : 0
    }

    static func transform(_ stamp: String, child: String, _ p: [Double]) -> String {
        "{\"timestamp\":\(stamp),\"parent_frame_id\":\"world\",\"child_frame_id\":\(JSONText.string(child)),"
            + "\"translation\":{\"x\":\(JSONText.number(p[0])),\"y\":\(JSONText.number(p[1])),\"z\":\(JSONText.number(p[2]))},"
            + "\"rotation\":{\"x\":\(JSONText.number(p[3])),\"y\":\(JSONText.number(p[4])),\"z\":\(JSONText.number(p[5])),\"w\":\(JSONText.number(p[6]))}}"
    }

    /// Every link's and object's shapes as scene entities locked to their frames.
    static func sceneUpdate(_ data: ViewerPage.PageData, stamp: String) -> String {
        var entities: [String] = []
        func entity(frame: String, id: String, visuals: [VisualJSON]) -> String {
            var cubes: [String] = [], spheres: [String] = [], cylinders: [String] = [], triangles: [String] = []
            for v in visuals {
                let color = "{\"r\":\(JSONText.number(v.rgba[0])),\"g\":\(JSONText.number(v.rgba[1])),\"b\":\(JSONText.number(v.rgba[2])),\"a\":\(JSONText.number(v.rgba[3]))}"
                let o = v.origin
                let at = Transform(position: Vector3(o[0], o[1], o[2]), rotation: Quaternion(x: o[3], y: o[4], z: o[5], w: o[6]))
                func pose(_ t: Transform) -> String {
                    let p = packed(t)
                    return "{\"position\":{\"x\":\(JSONText.number(p[0])),\"y\":\(JSONText.number(p[1])),\"z\":\(JSONText.number(p[2]))},"
                        + "\"orientation\":{\"x\":\(JSONText.number(p[3])),\"y\":\(JSONText.number(p[4])),\"z\":\(JSONText.number(p[5])),\"w\":\(JSONText.number(p[6]))}}"
                }
                func size(_ x: Double, _ y: Double, _ z: Double) -> String { "{\"x\":\(JSONText.number(x)),\"y\":\(JSONText.number(y)),\"z\":\(JSONText.number(z))}" }
                switch v.type {
                case "box":
                    let s = v.size ?? [0, 0, 0]
                    cubes.append("{\"pose\":\(pose(at)),\"size\":\(size(s[0], s[1], s[2])),\"color\":\(color)}")
                case "sphere":
                    let d = 2 * (v.radius ?? 0)
                    spheres.append("{\"pose\":\(pose(at)),\"size\":\(size(d, d, d)),\"color\":\(color)}")
                case "cylinder", "capsule":
                    let d = 2 * (v.radius ?? 0), l = v.length ?? 0
                    cylinders.append("{\"pose\":\(pose(at)),\"size\":\(size(d, d, l)),\"bottom_scale\":1,\"top_scale\":1,\"color\":\(color)}")
                    if v.type == "capsule" {   // the two caps
                        for z in [-l / 2, l / 2] {
                            spheres.append("{\"pose\":\(pose(at * Transform(position: Vector3(0, 0, z)))),\"size\":\(size(d, d, d)),\"color\":\(color)}")
                        }
                    }
                case "mesh":
                    guard let b64 = v.positions, let raw = Data(base64Encoded: b64) else { continue }
                    var points: [String] = []
                    raw.withUnsafeBytes { buf in
                        let count = buf.count / 4
                        for k in Swift.stride(from: 0, to: count - 2, by: 3) {
                            let x = Float(bitPattern: UInt32(littleEndian: buf.loadUnaligned(fromByteOffset: 4 * k, as: UInt32.self)))
                            let y = Float(bitPattern: UInt32(littleEndian: buf.loadUnaligned(fromByteOffset: 4 * k + 4, as: UInt32.self)))
                            let z = Float(bitPattern: UInt32(littleEndian: buf.loadUnaligned(fromByteOffset: 4 * k + 8, as: UInt32.self)))
                            points.append(size(Double(x), Double(y), Double(z)))
                        }
                    }
                    triangles.append("{\"pose\":\(pose(at)),\"points\":[\(points.joined(separator: ","))],\"color\":\(color),\"colors\":[],\"indices\":[]}")
                default: continue
                }
            }
            return "{\"timestamp\":\(stamp),\"frame_id\":\(JSONText.string(frame)),\"id\":\(JSONText.string(id)),"
                + "\"lifetime\":{\"sec\":0,\"nsec\":0},\"frame_locked\":true,\"metadata\":[],\"arrows\":[],"
                + "\"cubes\":[\(cubes.joined(separator: ","))],\"spheres\":[\(spheres.joined(separator: ","))],"
                + "\"cylinders\":[\(cylinders.joined(separator: ","))],\"lines\":[],"
                + "\"triangles\":[\(triangles.joined(separator: ","))],\"texts\":[],\"models\":[]}"
        }
        for l in data.links where !l.visuals.isEmpty {
            entities.append(entity(frame: l.name, id: "link/\(l.name)", visuals: l.visuals))
        }
        for o in data.objects {
            entities.append(entity(frame: "object/\(o.name)", id: "object/\(o.name)", visuals: [o.visual]))
        }
        return "{\"deletions\":[],\"entities\":[\(entities.joined(separator: ","))]}"
    }
}

import EmbodyRuntime
import Foundation
import Testing

// MARK: - Hostile input: every example of issue 11 (parts 1, 2 and 4), run through the CLI binary
//
// Each case runs `embody` as a subprocess, so that a trap cannot take the test process down, and asserts
// the documented exit code, a located message (file:line:column, or the `--set` that wrote the value),
// that the process was not killed by a signal, and that it finished within 2 s.

/// What a hostile case must show.
struct HostileOutcome {
    var result: CLIResult
    var seconds: Double
    var signaled: Bool
}

/// Runs the CLI with a hard stop after 30 s, and times it.
func runHostile(_ arguments: [String]) throws -> HostileOutcome {
    let process = Process()
    process.executableURL = embodyExecutable()
    process.arguments = arguments
    var env = ProcessInfo.processInfo.environment
    env["EMBODY_SCENARIOS"] = repoRoot.appendingPathComponent("Scenarios").path
    env["SWIFT_BACKTRACE"] = "enable=no"  // a trap is a failure; no need to wait for its backtrace
    process.environment = env
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    let start = Date()
    try process.run()
    let deadline = DispatchTime.now() + 30
    DispatchQueue.global().asyncAfter(deadline: deadline) { if process.isRunning { process.terminate() } }
    let o = out.fileHandleForReading.readDataToEndOfFile()
    let e = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    let seconds = Date().timeIntervalSince(start)
    return HostileOutcome(result: CLIResult(status: process.terminationStatus, stdout: String(decoding: o, as: UTF8.self),
                                            stderr: String(decoding: e, as: UTF8.self)),
                          seconds: seconds, signaled: process.terminationReason == .uncaughtSignal)
}

/// Asserts the exit code, no trap, completion within 2 s, and (when given) that the output contains each of
/// `contains`; returns the combined output for further checks.
@discardableResult
func expectHostile(_ arguments: [String], exit: Int32, contains: [String] = [], excludes: [String] = ["SIMD3<", "DecodingError", "Fatal error"],
                   sourceLocation: Testing.SourceLocation = #_sourceLocation) throws -> String {
    let h = try runHostile(arguments)
    let text = h.result.stdout + h.result.stderr
    #expect(!h.signaled, "embody \(arguments.joined(separator: " ")) died of a signal: \(text.suffix(400))", sourceLocation: sourceLocation)
    #expect(h.result.status == exit, "embody \(arguments.joined(separator: " ")) exited \(h.result.status), want \(exit): \(text.suffix(600))",
            sourceLocation: sourceLocation)
    #expect(h.seconds < 2, "embody \(arguments.joined(separator: " ")) took \(h.seconds) s", sourceLocation: sourceLocation)
    for c in contains { #expect(text.contains(c), "missing '\(c)' in: \(text.suffix(600))", sourceLocation: sourceLocation) }
    for c in excludes { #expect(!text.contains(c), "found '\(c)' in: \(text.suffix(600))", sourceLocation: sourceLocation) }
    return text
}

/// A scratch directory holding a copy of the arm with one edit, and a scenario using it.
struct ScratchRobot {
    let folder: String
    init(edit: (String) -> String, controller: String = "pd") throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("embody-hostile-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder + "/robots", withIntermediateDirectories: true)
        let urdf = try String(contentsOfFile: repoRoot.appendingPathComponent("Scenarios/robots/arm7.urdf").path, encoding: .utf8)
        try edit(urdf).write(toFile: folder + "/robots/arm.urdf", atomically: true, encoding: .utf8)
        var scenario = try String(contentsOfFile: bundledScenario("arm-hold"), encoding: .utf8)
        scenario = scenario.replacingOccurrences(of: "robots/arm7.urdf", with: "robots/arm.urdf")
            .replacingOccurrences(of: "type: pd\n", with: "type: \(controller)\n")
        try scenario.write(toFile: folder + "/scenario.yaml", atomically: true, encoding: .utf8)
    }
    var scenario: String { folder + "/scenario.yaml" }
    var urdf: String { folder + "/robots/arm.urdf" }
    func remove() { try? FileManager.default.removeItem(atPath: folder) }

    /// The 1-based line of the first line containing `text` in the URDF.
    func line(of text: String) throws -> Int {
        let lines = try String(contentsOfFile: urdf, encoding: .utf8).components(separatedBy: "\n")
        return (lines.firstIndex { $0.contains(text) } ?? -1) + 1
    }
}

/// Replaces the attribute `name="…"` inside the element that starts at the first `start` after `anchor`.
func editLink(_ urdf: String, link: String, _ transform: (String) -> String) -> String {
    guard let a = urdf.range(of: "<link name=\"\(link)\""), let b = urdf.range(of: "</link>", range: a.upperBound..<urdf.endIndex)
    else { return urdf }
    return String(urdf[..<a.lowerBound]) + transform(String(urdf[a.lowerBound..<b.lowerBound])) + String(urdf[b.lowerBound...])
}

func replacingAttribute(_ text: String, _ name: String, with value: String) -> String {
    guard let r = text.range(of: "\(name)=\"[^\"]*\"", options: .regularExpression) else { return text }
    return text.replacingCharacters(in: r, with: "\(name)=\"\(value)\"")
}

@Suite("Hostile input", .serialized)
struct HostileInputTests {
    // MARK: 1. A run that blows up is never a success

    @Test func hugeGravityDivergesUnderPD() throws {
        try expectHostile(["run", "arm-hold", "--json", "--set", "physics.gravity=[0,0,-1.7e308]"], exit: 2,
                          contains: ["\"outcome\":\"diverged\"", "\"success\":false"])
    }

    @Test func hugeGravityDivergesUnderGravityCompensation() throws {
        try expectHostile(["run", "arm-gravity-comp", "--json", "--set", "physics.gravity=[0,0,-1.7e308]"], exit: 2,
                          contains: ["\"outcome\":\"diverged\""])
    }

    @Test func aTimeStepFarTooLargeDiverges() throws {
        try expectHostile(["run", "humanoid-stand", "--set", "physics.dt=0.1", "--set", "rates.control=10",
                           "--set", "rates.perception=10", "--set", "rates.planning=10"], exit: 2,
                          contains: ["DIVERGED at tick"])
    }

    @Test(arguments: ["pd", "computed_torque"])
    func aLinkMassOf1e308Diverges(controller: String) throws {
        let robot = try ScratchRobot(edit: { editLink($0, link: "link_3") { replacingAttribute($0, "value", with: "1e308") } },
                                     controller: controller)
        defer { robot.remove() }
        try expectHostile(["run", robot.scenario, "--json"], exit: 2, contains: ["\"outcome\":\"diverged\""])
    }

    // MARK: 2. Every number is range-checked

    @Test func aSensorRateOf1e19() throws {
        try expectHostile(["validate", "humanoid-imu-stand", "--set", "sensors[0].rate=1e19"], exit: 1,
                          contains: ["<--set sensors[0].rate=1e19>:1:17: error:"])
    }

    @Test func aTaskCameraWidthOf1e19() throws {
        try expectHostile(["validate", "arm-perceive-reach", "--set", "task.camera.width=1e19"], exit: 1,
                          contains: ["<--set task.camera.width=1e19>:1:19: error:"])
    }

    @Test(arguments: ["run", "validate"])
    func aDisturbanceDurationOf1e17(command: String) throws {
        try expectHostile([command, "humanoid-push", "--set", "disturbances[0].duration=1e17"], exit: 1,
                          contains: ["<--set disturbances[0].duration=1e17>:1:26: error:", "longer than the whole run"])
    }

    @Test func anEndEffectorHoldOf1e300() throws {
        try expectHostile(["run", "arm-reach-cartesian", "--set", "task.targets[0].hold=1e300"], exit: 1,
                          contains: ["<--set task.targets[0].hold=1e300>:1:22: error:"])
    }

    @Test func benchWithTheLargestTickCount() throws {
        try expectHostile(["bench", "arm-hold", "--ticks", "9223372036854775807"], exit: 1,
                          contains: ["--ticks must be between 1 and 2147483647"])
    }

    @Test func anEncoderResolutionOf5eMinus324() throws {
        try expectHostile(["run", "humanoid-imu-stand", "--set", "sensors[1].resolution=5e-324"], exit: 1,
                          contains: ["<--set sensors[1].resolution=5e-324>:1:23: error:", "finer than 1e-12"])
    }

    @Test func aMillionByMillionTaskCamera() throws {
        try expectHostile(["run", "arm-perceive-reach", "--set", "task.camera.width=1000000",
                           "--set", "task.camera.height=1000000"], exit: 1,
                          contains: ["<--set task.camera.width=1000000>:1:19: error:", "1920×1080"])
    }

    @Test(arguments: ["1e16", "1e-9", "1e300"])
    func aDurationGivingNoStepsOrTooMany(duration: String) throws {
        try expectHostile(["run", "arm-hold", "--set", "duration=\(duration)"], exit: 1,
                          contains: ["<--set duration=\(duration)>:1:10: error: duration"])
    }

    @Test func aTaskCameraFieldOfViewOf1e300() throws {
        try expectHostile(["run", "arm-perceive-reach", "--set", "task.camera.fov=1e300"], exit: 1,
                          contains: ["<--set task.camera.fov=1e300>:1:17: error:", "between 0 and π"])
    }

    @Test func aTaskCameraTargetEqualToItsPosition() throws {
        let text = try expectHostile(["run", "arm-perceive-reach", "--set", "task.camera.position=[0.5,0,1]",
                                      "--set", "task.camera.target=[0.5,0,1]"], exit: 1,
                                     contains: ["<--set task.camera.target=[0.5,0,1]>:1:", "must differ from task.camera.position"])
        #expect(!text.contains("SIMD3"))
    }

    @Test func anObjectOutOfTheCamerasView() throws {
        try expectHostile(["run", "arm-perceive-reach", "--set", "task.camera.target=[3,3,0]"], exit: 1,
                          contains: ["arm-perceive-reach.yaml:", "the camera sees no"])
    }

    @Test func anUnreachableHeightAboveTheObject() throws {
        try expectHostile(["run", "arm-perceive-reach", "--set", "task.above=10"], exit: 1,
                          contains: ["arm-perceive-reach.yaml:", "no joint solution reaches [", "out of the arm's reach"])
    }

    @Test(arguments: ["validate", "inspect"])
    func aMasslessLinkOnAMovingJoint(command: String) throws {
        let robot = try ScratchRobot(edit: { editLink($0, link: "finger_left") { replacingAttribute($0, "value", with: "0") } })
        defer { robot.remove() }
        let line = try robot.line(of: "<link name=\"finger_left\"")
        try expectHostile([command, command == "validate" ? robot.scenario : robot.urdf], exit: 1,
                          contains: ["arm.urdf:\(line):3: error:", "link 'finger_left'", "no mass"])
    }

    @Test(arguments: ["validate", "inspect"])
    func anInertiaThatIsNotPositiveDefinite(command: String) throws {
        let robot = try ScratchRobot(edit: { editLink($0, link: "link_3") { replacingAttribute($0, "ixy", with: "0.1") } })
        defer { robot.remove() }
        let line = try robot.line(of: "<link name=\"link_3\"")
        try expectHostile([command, command == "validate" ? robot.scenario : robot.urdf], exit: 1,
                          contains: ["arm.urdf:\(line):3: error:", "link 'link_3'", "not positive semi-definite"])
    }

    /// 2³¹ and 2³² + 1 no longer silently become the same solver setting.
    @Test(arguments: ["2147483648", "4294967297"])
    func solverIterationsBeyondTheCap(iterations: String) throws {
        try expectHostile(["run", "arm-hold", "--set", "physics.solver_iterations=\(iterations)"], exit: 1,
                          contains: ["<--set physics.solver_iterations=\(iterations)>:1:", "more than the 10000"])
    }

    @Test func absurdSubstepsAndLatencies() throws {
        try expectHostile(["run", "arm-hold", "--set", "physics.substeps=100000000"], exit: 1, contains: ["physics.substeps"])
        try expectHostile(["run", "humanoid-imu-stand", "--set", "sensors[1].latency=100000000"], exit: 1,
                          contains: ["<--set sensors[1].latency=100000000>:1:"])
    }

    // MARK: 4. Resources and parsers

    /// 341 bytes whose nine levels of aliases would expand to 9⁹ values.
    @Test func aYAMLAliasBomb() throws {
        var text = "a: &a [x, x, x, x, x, x, x, x, x]\n"
        var previous = "a"
        for name in ["b", "c", "d", "e", "f", "g", "h", "i", "j"] {
            text += "\(name): &\(name) [" + Array(repeating: "*\(previous)", count: 9).joined(separator: ", ") + "]\n"
            previous = name
        }
        let path = temporaryPath("yaml")
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        try expectHostile(["validate", path], exit: 1, contains: ["\(path):", "aliases"])
    }

    @Test func twoHundredThousandUnknownKeys() throws {
        let path = temporaryPath("yaml")
        try (0..<200_000).map { "k\($0): \($0)\n" }.joined().write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        try expectHostile(["validate", path], exit: 1, contains: ["\(path)", "more than the 262144 bytes"])
    }

    /// Within the size cap, thousands of unknown keys are each reported (the first 100 printed).
    @Test func fourThousandUnknownKeys() throws {
        let path = temporaryPath("yaml")
        try (0..<4_000).map { "k\($0): \($0)\n" }.joined().write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        try expectHostile(["validate", path], exit: 1, contains: ["\(path):1:1: error: unknown key 'k0'", "more problems"])
    }

    /// 100,000 elements on one line: as fast as on separate lines (once quadratic in the line's length).
    @Test func aURDFWithOneHundredThousandElementsOnOneLine() throws {
        let urdf = try String(contentsOfFile: repoRoot.appendingPathComponent("Scenarios/robots/arm7.urdf").path, encoding: .utf8)
        let end = urdf.range(of: "</robot>")!
        let extra = String(repeating: "<foo a=\"1\"/>", count: 100_000)
        let oneLine = (String(urdf[..<end.lowerBound]) + extra + String(urdf[end.lowerBound...])).replacingOccurrences(of: "\n", with: " ")
        let manyLines = String(urdf[..<end.lowerBound]) + extra.replacingOccurrences(of: "<foo", with: "\n<foo") + String(urdf[end.lowerBound...])
        let a = temporaryPath("urdf"), b = temporaryPath("urdf")
        try oneLine.write(toFile: a, atomically: true, encoding: .utf8)
        try manyLines.write(toFile: b, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: a); try? FileManager.default.removeItem(atPath: b) }
        let one = try runHostile(["inspect", a]), many = try runHostile(["inspect", b])
        #expect(one.result.status == 0 && many.result.status == 0, "\(one.result.stderr.suffix(300))")
        #expect(!one.signaled)
        #expect(one.seconds < 3 * many.seconds + 0.5, "one line \(one.seconds) s, separate lines \(many.seconds) s")
    }

    @Test func anXMLEntityBomb() throws {
        let bomb = """
        <?xml version="1.0"?>
        <!DOCTYPE robot [
          <!ENTITY a "aaaaaaaaaa">
          <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
          <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
          <!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
          <!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">
          <!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">
          <!ENTITY g "&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;">
          <!ENTITY h "&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;">
          <!ENTITY i "&h;&h;&h;&h;&h;&h;&h;&h;&h;&h;">
        ]>
        <robot name="&i;"><link name="base"/></robot>
        """
        let path = temporaryPath("urdf")
        try bomb.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        try expectHostile(["inspect", path], exit: 1, contains: ["\(path):"], excludes: ["error code", "Fatal error"])
    }

    @Test func aRobotURDFThatIsADirectory() throws {
        let robot = try ScratchRobot(edit: { $0 })
        defer { robot.remove() }
        try FileManager.default.removeItem(atPath: robot.urdf)
        try FileManager.default.createDirectory(atPath: robot.urdf, withIntermediateDirectories: true)
        try expectHostile(["validate", robot.scenario], exit: 1, contains: ["scenario.yaml:16:", "is a directory"])
    }

    @Test func negativeJobs() throws {
        try expectHostile(["run", "arm-hold", "arm-hold", "--jobs", "-1"], exit: 1,
                          contains: ["--jobs -1", "must not be negative"], excludes: ["Missing value"])
    }

    @Test func aMistypedSubcommand() throws {
        try expectHostile(["rn"], exit: 1, contains: ["did you mean 'embody run'?"], excludes: ["Unexpected argument"])
    }

    // MARK: replay

    /// Records arm-hold for 0.2 s and returns the log's path, header and records.
    func recorded() throws -> (path: String, header: LogHeader, records: [LogRecord]) {
        let path = temporaryPath("embodylog")
        let r = try embody(["run", "arm-hold", "--set", "duration=0.2", "--record", path])
        #expect(r.status == 0, "\(r.stderr)")
        let reader = try LogReader(path: path)
        return (path, reader.header, try reader.readAll())
    }

    /// Writes `records` under `header` with valid checksums.
    func rewrite(_ path: String, header: LogHeader, records: [LogRecord]) throws {
        try? FileManager.default.removeItem(atPath: path)
        let writer = try LogWriter(path: path, header: header, maxEventsPerRecord: 64)
        for r in records { try writer.append(tick: r.tick, values: r.values, events: r.events) }
        try writer.close()
    }

    @Test func replayOfALogWithoutItsFinalRecordIsIncomplete() throws {
        let (path, header, records) = try recorded()
        defer { try? FileManager.default.removeItem(atPath: path) }
        try rewrite(path, header: header, records: Array(records.dropLast()))
        try expectHostile(["replay", path], exit: 2, contains: ["INCOMPLETE", "criteria not evaluated"])
        let text = try expectHostile(["replay", path, "--json"], exit: 2, contains: ["\"outcome\":\"incomplete\""])
        #expect(!text.contains("\"passed\""), "an incomplete log's criteria are not evaluated")
    }

    @Test func replayOfACriterionEventWithCodeMinusOne() throws {
        let (path, header, records) = try recorded()
        defer { try? FileManager.default.removeItem(atPath: path) }
        var edited = records
        let last = edited.count - 1
        edited[last].events = edited[last].events.map { e in
            var e = e
            if header.eventKinds[Int(e.kind)].hasPrefix("criterion") { e.code = -1 }
            return e
        }
        try rewrite(path, header: header, records: edited)
        try expectHostile(["replay", path], exit: 1, contains: ["\(path):", "criterion event", "-1"])
    }

    @Test func replayOfFewerChannelsThanJoints() throws {
        let (path, header, records) = try recorded()
        defer { try? FileManager.default.removeItem(atPath: path) }
        var short = header
        short.channels = Array(header.channels.prefix(3))
        try rewrite(path, header: short, records: records.map { LogRecord(tick: $0.tick, values: Array($0.values.prefix(3)), events: $0.events) })
        try expectHostile(["replay", path], exit: 1, contains: ["\(path):", "fewer than"])
    }

    /// A header whose JSON lacks a key: a sentence, never Swift's DecodingError dump.
    @Test func replayOfAHeaderWithAMissingKey() throws {
        let json = Array("{\"formatVersion\":1}".utf8)
        var bytes = Array("EMBODYLOG\n".utf8)
        for v in [UInt32(1), UInt32(json.count)] { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }
        bytes += json
        withUnsafeBytes(of: LogCRC32.checksum(json).littleEndian) { bytes += $0 }
        let path = temporaryPath("embodylog")
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        try expectHostile(["replay", path], exit: 1, contains: ["is missing"],
                          excludes: ["DecodingError", "keyNotFound", "CodingKeys", "Fatal error"])
    }
}

// MARK: - The C ABI: libembody, declared in include/embody.h
//
// Exported C functions (`@_cdecl`, prefix `embody_`) over EmbodyRuntime's `Simulation`, for Python (ctypes) and
// any other host. The header documents every function with units and sizes; this file keeps the promises:
//
//  - An opaque handle (`embody_sim`) owns one Simulation and its buffers. Status codes come back from every
//    function that can fail, and the message from `embody_last_error(handle)` (`embody_open` and `embody_replay`
//    write theirs into a buffer the caller passes, as MuJoCo's loaders do).
//  - Nothing traps across the boundary: every pointer, size and number is checked before use, errors are
//    Swift errors turned into statuses, and non-finite host torques are refused before they reach the loop.
//  - Zero copy: the state buffers (`embody_q_buffer` …) are allocated when the handle opens and stay at the same
//    address until it closes, across steps, resets and `embody_record`; each step refreshes them.
//  - `embody_step` allocates nothing in steady state (LoopTests' malloc counter checks it).

#if canImport(Glibc)
import Glibc
#endif
import EmbodyModel
import EmbodyRuntime
import EmbodyScenario
import Foundation

// MARK: - Status codes (embody.h's embody_status)

let statusOK: Int32 = 0
/// A null pointer, a size that does not match, a number out of range or not finite.
let statusInvalidArgument: Int32 = 1
/// A scenario, override, model or log that does not load.
let statusInvalidInput: Int32 = 2
/// A call that the handle's state does not allow (stepping a finished run, recording after tick 0, …).
let statusInvalidState: Int32 = 3
/// Embody itself failed (a log that cannot be written, dynamics that cannot be built).
let statusInternal: Int32 = 4

/// A failure to hand back as a status and a message.
struct HostError: Error {
    var status: Int32
    var message: String
    init(_ status: Int32, _ message: String) { self.status = status; self.message = message }
    init(_ error: RuntimeError) {
        status = error.isInvalidInput ? statusInvalidInput : statusInternal
        message = error.message
    }
}

/// The monotonic clock in ns.
func wallNanoseconds() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
}

/// The calling thread's CPU time in ns.
func threadCPUNanoseconds() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
    return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
}

/// Where this library lies, so that bundled scenario names resolve next to an installed or built libembody as
/// they do next to the embody binary (`<prefix>/lib/libembody.so` → `<prefix>/share/embody/Scenarios`).
func libraryURL() -> URL? {
    // dladdr(3), looked up at run time: Glibc's Swift module hides it behind _GNU_SOURCE. Its Dl_info is four
    // pointers: the file name, its base address, the nearest symbol's name and address.
    typealias Function = @convention(c) (UnsafeRawPointer, UnsafeMutableRawPointer) -> Int32
    guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "dladdr") else { return nil }
    let function = unsafeBitCast(symbol, to: Function.self)
    var info: (UnsafePointer<CChar>?, UnsafeRawPointer?, UnsafePointer<CChar>?, UnsafeRawPointer?) = (nil, nil, nil, nil)
    guard withUnsafeMutablePointer(to: &info, { function(#dsohandle, UnsafeMutableRawPointer($0)) }) != 0,
          let name = info.0 else { return nil }
    return URL(fileURLWithPath: String(cString: name))
}

/// A NUL-terminated C string at a stable address, valid until the next `set` or until its owner goes.
final class CText {
    private var storage: UnsafeMutablePointer<CChar>
    init(_ s: String = "") { storage = strdup(s) ?? strdup("")! }
    deinit { free(storage) }
    func set(_ s: String) {
        free(storage)
        storage = strdup(s) ?? strdup("")!
    }
    var pointer: UnsafePointer<CChar> { UnsafePointer(storage) }
}

/// The version string `embody_version` returns.
nonisolated(unsafe) let versionText = CText(EmbodyVersion.current)

// MARK: - The handle

/// One loaded scenario and the buffers a host reads and writes. Buffers are allocated once, at open.
final class Session {
    let path: String
    let baseOverrides: [String]
    var seedOverride: UInt64?
    var scenario: Scenario
    var model: RobotModel
    var sim: Simulation
    var recordPath: String?
    var recordEvery = 1
    /// The summary JSON once the run has finished (`embody_run`); stepping is refused from then on.
    var summary: CText?
    let dof: Int
    let channelCount: Int
    /// Zero-copy buffers, stable for the handle's life.
    let q, qd, base, tauCommanded, tauApplied, hostTorques, channels: UnsafeMutablePointer<Double>
    var channelScratch: [Double]
    let channelNames = CText(), jointNames = CText(), lastError = CText(), metricsJSON = CText()
    /// Wall time spent stepping since the last reset, ns (the summary's `wall_time`).
    var wallNs: UInt64 = 0
    /// The thread's CPU clock at open or the last reset, ns: the summary's `cpu_time` is the thread CPU time from
    /// there to the end of the run, the host's own work between steps included (read twice per run, not per step:
    /// the CPU clock is a system call).
    var cpuStartNs: UInt64 = 0
    /// The external controller, when the scenario has one (looked up once per build, not per step).
    var external: ExternalController?

    init(path: String, overrides: [String], seed: UInt64?) throws(HostError) {
        self.path = path
        baseOverrides = overrides
        seedOverride = seed
        (scenario, model) = try Session.load(path: path, overrides: overrides + (seed.map { ["seed=\($0)"] } ?? []))
        do { sim = try Simulation(scenario: scenario, model: model) } catch { throw HostError(error) }
        dof = sim.dof
        channelCount = sim.channelNames.count
        // q and q̇ share one block, q̇ right after q, so that a host can treat [q, q̇] as one vector.
        q = .allocate(capacity: max(2 * dof, 1)); qd = q + dof
        base = .allocate(capacity: 13)
        tauCommanded = .allocate(capacity: max(dof, 1)); tauApplied = .allocate(capacity: max(dof, 1))
        hostTorques = .allocate(capacity: max(dof, 1))
        channels = .allocate(capacity: max(channelCount, 1))
        hostTorques.initialize(repeating: 0, count: max(dof, 1))
        channels.initialize(repeating: 0, count: max(channelCount, 1))
        channelScratch = [Double](repeating: 0, count: channelCount)
        external = sim.externalController
        cpuStartNs = threadCPUNanoseconds()
        channelNames.set(sim.channelNames.joined(separator: "\n"))
        jointNames.set(model.jointNames.joined(separator: "\n"))
        refresh()
    }

    deinit {
        for p in [q, base, tauCommanded, tauApplied, hostTorques, channels] { p.deallocate() }  // qd lies in q's block
    }

    static func load(path: String, overrides: [String]) throws(HostError) -> (Scenario, RobotModel) {
        do {
            return try ScenarioLoader.load(path: path, overrides: overrides)
        } catch {
            throw HostError(statusInvalidInput, "\(path) is not a valid scenario:\n\(error.description)")
        }
    }

    /// Rebuilds the simulation at tick 0 (reloading the file when the seed changes), recording when asked.
    func rebuild(seed: UInt64?) throws(HostError) {
        if let seed, seed != scenario.seed {
            let loaded = try Session.load(path: path, overrides: baseOverrides + ["seed=\(seed)"])
            guard loaded.1.jointNames == model.jointNames else {
                throw HostError(statusInvalidInput, "\(path) changed on disk since it was opened: its joints differ")
            }
            (scenario, model) = loaded
            seedOverride = seed
        }
        var options = RunOptions()
        options.recordPath = recordPath
        options.recordEvery = recordEvery
        let next: Simulation
        do { next = try Simulation(scenario: scenario, model: model, options: options) } catch { throw HostError(error) }
        guard next.channelNames.count == channelCount else {
            throw HostError(statusInternal, "the rebuilt simulation records \(next.channelNames.count) channels, not \(channelCount)")
        }
        sim = next
        external = next.externalController
        summary = nil
        wallNs = 0
        cpuStartNs = threadCPUNanoseconds()
        refresh()
    }

    /// Copies the state after a step into the zero-copy buffers; allocates nothing.
    func refresh() {
        sim.readJointState(q: q, qd: qd)
        sim.readBaseState(base)
        sim.readTorques(commanded: tauCommanded, applied: tauApplied)
    }

    /// Hands the host's torques to an external controller, refusing non-finite ones.
    func loadHostTorques() throws(HostError) {
        guard let external else { return }
        // One pass without a branch per joint: x · 0 is ±0 for a finite x and NaN for ±∞ or NaN, so the sum is
        // finite exactly when every torque is. The loop that names the culprit runs only on that path.
        var probe = 0.0
        for i in 0..<dof { probe += hostTorques[i] * 0 }
        if !probe.isFinite {
            for i in 0..<dof where !hostTorques[i].isFinite {
                throw HostError(statusInvalidArgument, "torque \(i) (joint \(model.jointNames[i])) is \(hostTorques[i]); torques must be finite (N·m or N)")
            }
        }
        external.setTorques(hostTorques)
    }

    func step(_ ticks: Int) throws(HostError) -> Int {
        guard summary == nil else {
            throw HostError(statusInvalidState, "the run has finished (embody_run returned its summary); reset it to start again")
        }
        try loadHostTorques()
        let wall0 = wallNanoseconds()
        var done = 0
        while done < ticks && !sim.isFinished {
            do { try sim.step() } catch {
                refresh()
                throw HostError(error)
            }
            done += 1
        }
        wallNs &+= wallNanoseconds() &- wall0
        refresh()
        return done
    }

    func run() throws(HostError) {
        if summary != nil { return }
        _ = try step(Int.max)
        let result: RunSummary
        do { result = try sim.finish(wallTime: Double(wallNs) / 1e9) } catch { throw HostError(error) }
        var object = result.jsonObject()
        let cpu = Double(threadCPUNanoseconds() &- cpuStartNs) / 1e9
        object["cpu_time"] = cpu
        object["steps_per_cpu_second"] = cpu > 0 ? Double(result.steps) / cpu : 0
        summary = CText(jsonText(object))
    }
}

/// An object as one line of JSON, keys sorted, as `embody run --json` prints it.
func jsonText(_ object: [String: Any]) -> String {
    guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else { return "{}" }
    return String(decoding: data, as: UTF8.self)
}

// MARK: - Helpers at the boundary

/// The session behind a handle (nil for a null handle).
@inline(__always) func session(_ handle: OpaquePointer?) -> Session? {
    guard let handle else { return nil }
    return Unmanaged<Session>.fromOpaque(UnsafeRawPointer(handle)).takeUnretainedValue()
}

/// Runs `body` on a handle's session; a null handle is an invalid argument, a thrown error sets the last error.
@inline(__always) func withSession(_ handle: OpaquePointer?, _ body: (Session) throws(HostError) -> Void) -> Int32 {
    guard let s = session(handle) else { return statusInvalidArgument }
    do {
        try body(s)
        return statusOK
    } catch {
        s.lastError.set(error.message)
        return error.status
    }
}

/// Copies `message` into a caller's buffer of `capacity` bytes (truncated, always NUL-terminated when capacity > 0).
func writeMessage(_ message: String, to buffer: UnsafeMutablePointer<CChar>?, capacity: Int) {
    guard let buffer, capacity > 0 else { return }
    let bytes = Array(message.utf8)
    let n = min(bytes.count, capacity - 1)
    for i in 0..<n { buffer[i] = CChar(bitPattern: bytes[i]) }
    buffer[n] = 0
}

/// Copies `count` doubles from `source` into a caller's buffer after checking it.
func copyOut(_ source: UnsafePointer<Double>, count: Int, to out: UnsafeMutablePointer<Double>?, capacity: Int,
             what: String) throws(HostError) {
    guard let out else { throw HostError(statusInvalidArgument, "\(what): the output buffer is NULL") }
    guard capacity >= count else {
        throw HostError(statusInvalidArgument, "\(what): the output buffer holds \(capacity) values; \(count) are needed")
    }
    for i in 0..<count { out[i] = source[i] }
}

// MARK: - Exported functions

@_cdecl("embody_version")
public func embody_version() -> UnsafePointer<CChar> { versionText.pointer }

@_cdecl("embody_open")
public func embody_open(_ scenario: UnsafePointer<CChar>?, _ overrides: UnsafePointer<UnsafePointer<CChar>?>?,
                        _ overrideCount: Int32, _ seed: UnsafePointer<UInt64>?, _ out: UnsafeMutablePointer<OpaquePointer?>?,
                        _ error: UnsafeMutablePointer<CChar>?, _ errorCapacity: Int) -> Int32 {
    func fail(_ status: Int32, _ message: String) -> Int32 {
        writeMessage(message, to: error, capacity: errorCapacity)
        return status
    }
    guard let out else { return fail(statusInvalidArgument, "embody_open: the handle pointer is NULL") }
    out.pointee = nil
    guard let scenario else { return fail(statusInvalidArgument, "embody_open: the scenario is NULL") }
    guard overrideCount >= 0, overrideCount <= 10_000 else {
        return fail(statusInvalidArgument, "embody_open: override_count must be 0…10000, got \(overrideCount)")
    }
    guard overrideCount == 0 || overrides != nil else {
        return fail(statusInvalidArgument, "embody_open: overrides is NULL but override_count is \(overrideCount)")
    }
    var list: [String] = []
    for i in 0..<Int(overrideCount) {
        guard let o = overrides![i] else { return fail(statusInvalidArgument, "embody_open: override \(i) is NULL") }
        list.append(String(cString: o))
    }
    let argument = String(cString: scenario)
    guard let path = BundledScenarios.resolve(argument, executable: libraryURL()) else {
        let known = BundledScenarios.all(executable: libraryURL()).map { URL(fileURLWithPath: $0).deletingPathExtension().lastPathComponent }
        return fail(statusInvalidInput, "no scenario file or bundled scenario named '\(argument)'"
                    + (known.isEmpty ? " (\(BundledScenarios.notFoundMessage))" : "; bundled: \(known.joined(separator: ", "))"))
    }
    do {
        let s = try Session(path: path, overrides: list, seed: seed?.pointee)
        out.pointee = OpaquePointer(Unmanaged.passRetained(s).toOpaque())
        return statusOK
    } catch {
        return fail(error.status, error.message)
    }
}

@_cdecl("embody_close")
public func embody_close(_ handle: OpaquePointer?) {
    guard let handle else { return }
    Unmanaged<Session>.fromOpaque(UnsafeRawPointer(handle)).release()
}

@_cdecl("embody_last_error")
public func embody_last_error(_ handle: OpaquePointer?) -> UnsafePointer<CChar>? {
    session(handle)?.lastError.pointer
}

@_cdecl("embody_reset")
public func embody_reset(_ handle: OpaquePointer?, _ seed: UnsafePointer<UInt64>?) -> Int32 {
    withSession(handle) { s throws(HostError) in try s.rebuild(seed: seed?.pointee) }
}

@_cdecl("embody_step")
public func embody_step(_ handle: OpaquePointer?, _ ticks: Int64, _ stepped: UnsafeMutablePointer<Int64>?) -> Int32 {
    withSession(handle) { s throws(HostError) in
        guard ticks >= 0 else { throw HostError(statusInvalidArgument, "embody_step: ticks must be ≥ 0, got \(ticks)") }
        let n = try s.step(Int(ticks))
        stepped?.pointee = Int64(n)
    }
}

/// One tick, the Python loop's call: `embody_step(sim, 1, &stepped)` with one argument instead of three, and the
/// answer as the return value (ctypes converts each argument and reads an out-parameter at a cost per call).
@_cdecl("embody_step1")
public func embody_step1(_ handle: OpaquePointer?) -> Int64 {
    guard let s = session(handle) else { return -Int64(statusInvalidArgument) }
    do {
        return Int64(try s.step(1))
    } catch {
        s.lastError.set(error.message)
        return -Int64(error.status)
    }
}

@_cdecl("embody_run")
public func embody_run(_ handle: OpaquePointer?) -> Int32 {
    withSession(handle) { s throws(HostError) in try s.run() }
}

@_cdecl("embody_summary_json")
public func embody_summary_json(_ handle: OpaquePointer?) -> UnsafePointer<CChar>? {
    session(handle)?.summary?.pointer
}

@_cdecl("embody_record")
public func embody_record(_ handle: OpaquePointer?, _ path: UnsafePointer<CChar>?, _ every: Int32) -> Int32 {
    withSession(handle) { s throws(HostError) in
        guard let path else { throw HostError(statusInvalidArgument, "embody_record: the path is NULL") }
        guard every >= 1 else { throw HostError(statusInvalidArgument, "embody_record: every must be at least 1, got \(every)") }
        guard s.sim.tick == 0, s.summary == nil else {
            throw HostError(statusInvalidState, "embody_record: a log starts at tick 0, and this run is at tick \(s.sim.tick); reset it first")
        }
        let previous = (s.recordPath, s.recordEvery)
        s.recordPath = String(cString: path)
        s.recordEvery = Int(every)
        do throws(HostError) { try s.rebuild(seed: nil) } catch {
            (s.recordPath, s.recordEvery) = previous
            throw error
        }
    }
}

@_cdecl("embody_stop_recording")
public func embody_stop_recording(_ handle: OpaquePointer?) -> Int32 {
    withSession(handle) { s throws(HostError) in s.recordPath = nil }
}

// MARK: Sizes and times

@_cdecl("embody_dof")
public func embody_dof(_ handle: OpaquePointer?) -> Int32 { Int32(session(handle)?.dof ?? -1) }

@_cdecl("embody_tick")
public func embody_tick(_ handle: OpaquePointer?) -> Int64 { Int64(session(handle)?.sim.tick ?? -1) }

@_cdecl("embody_duration_ticks")
public func embody_duration_ticks(_ handle: OpaquePointer?) -> Int64 { Int64(session(handle)?.sim.durationTicks ?? -1) }

@_cdecl("embody_dt")
public func embody_dt(_ handle: OpaquePointer?) -> Double { session(handle)?.sim.dt ?? .nan }

@_cdecl("embody_control_every")
public func embody_control_every(_ handle: OpaquePointer?) -> Int32 { Int32(session(handle)?.sim.periods.control ?? -1) }

@_cdecl("embody_seed")
public func embody_seed(_ handle: OpaquePointer?) -> UInt64 { session(handle)?.scenario.seed ?? 0 }

/// Bit 0: finished (duration reached, fell or diverged); bit 1: fell; bit 2: diverged; bit 3: summary taken.
@_cdecl("embody_flags")
public func embody_flags(_ handle: OpaquePointer?) -> Int32 {
    guard let s = session(handle) else { return -1 }
    var f: Int32 = 0
    if s.sim.isFinished { f |= 1 }
    if s.sim.fell { f |= 2 }
    if s.sim.hasDiverged { f |= 4 }
    if s.summary != nil { f |= 8 }
    return f
}

@_cdecl("embody_uses_external_controller")
public func embody_uses_external_controller(_ handle: OpaquePointer?) -> Int32 {
    guard let s = session(handle) else { return -1 }
    return s.sim.externalController != nil ? 1 : 0
}

@_cdecl("embody_joint_names")
public func embody_joint_names(_ handle: OpaquePointer?) -> UnsafePointer<CChar>? { session(handle)?.jointNames.pointer }

@_cdecl("embody_channel_names")
public func embody_channel_names(_ handle: OpaquePointer?) -> UnsafePointer<CChar>? { session(handle)?.channelNames.pointer }

@_cdecl("embody_channel_count")
public func embody_channel_count(_ handle: OpaquePointer?) -> Int32 { Int32(session(handle)?.channelCount ?? -1) }

// MARK: Zero-copy buffers

@_cdecl("embody_q_buffer")
public func embody_q_buffer(_ handle: OpaquePointer?) -> UnsafePointer<Double>? { session(handle).map { UnsafePointer($0.q) } }

@_cdecl("embody_qd_buffer")
public func embody_qd_buffer(_ handle: OpaquePointer?) -> UnsafePointer<Double>? { session(handle).map { UnsafePointer($0.qd) } }

@_cdecl("embody_base_buffer")
public func embody_base_buffer(_ handle: OpaquePointer?) -> UnsafePointer<Double>? { session(handle).map { UnsafePointer($0.base) } }

@_cdecl("embody_tau_commanded_buffer")
public func embody_tau_commanded_buffer(_ handle: OpaquePointer?) -> UnsafePointer<Double>? {
    session(handle).map { UnsafePointer($0.tauCommanded) }
}

@_cdecl("embody_tau_applied_buffer")
public func embody_tau_applied_buffer(_ handle: OpaquePointer?) -> UnsafePointer<Double>? {
    session(handle).map { UnsafePointer($0.tauApplied) }
}

@_cdecl("embody_torque_buffer")
public func embody_torque_buffer(_ handle: OpaquePointer?) -> UnsafeMutablePointer<Double>? { session(handle)?.hostTorques }

@_cdecl("embody_channels_buffer")
public func embody_channels_buffer(_ handle: OpaquePointer?) -> UnsafePointer<Double>? {
    session(handle).map { UnsafePointer($0.channels) }
}

@_cdecl("embody_refresh_channels")
public func embody_refresh_channels(_ handle: OpaquePointer?) -> Int32 {
    withSession(handle) { s throws(HostError) in
        s.sim.recordValues(into: &s.channelScratch)
        for i in 0..<s.channelCount { s.channels[i] = s.channelScratch[i] }
    }
}

// MARK: Reads into the caller's buffers

@_cdecl("embody_get_q")
public func embody_get_q(_ handle: OpaquePointer?, _ out: UnsafeMutablePointer<Double>?, _ capacity: Int32) -> Int32 {
    withSession(handle) { s throws(HostError) in try copyOut(s.q, count: s.dof, to: out, capacity: Int(capacity), what: "embody_get_q") }
}

@_cdecl("embody_get_qd")
public func embody_get_qd(_ handle: OpaquePointer?, _ out: UnsafeMutablePointer<Double>?, _ capacity: Int32) -> Int32 {
    withSession(handle) { s throws(HostError) in try copyOut(s.qd, count: s.dof, to: out, capacity: Int(capacity), what: "embody_get_qd") }
}

@_cdecl("embody_get_base")
public func embody_get_base(_ handle: OpaquePointer?, _ out: UnsafeMutablePointer<Double>?, _ capacity: Int32) -> Int32 {
    withSession(handle) { s throws(HostError) in try copyOut(s.base, count: 13, to: out, capacity: Int(capacity), what: "embody_get_base") }
}

@_cdecl("embody_get_channels")
public func embody_get_channels(_ handle: OpaquePointer?, _ out: UnsafeMutablePointer<Double>?, _ capacity: Int32) -> Int32 {
    withSession(handle) { s throws(HostError) in
        s.sim.recordValues(into: &s.channelScratch)
        for i in 0..<s.channelCount { s.channels[i] = s.channelScratch[i] }
        try copyOut(s.channels, count: s.channelCount, to: out, capacity: Int(capacity), what: "embody_get_channels")
    }
}

@_cdecl("embody_get_contacts")
public func embody_get_contacts(_ handle: OpaquePointer?, _ out: UnsafeMutablePointer<Double>?, _ capacity: Int32,
                                _ count: UnsafeMutablePointer<Int32>?) -> Int32 {
    withSession(handle) { s throws(HostError) in
        guard capacity >= 0 else { throw HostError(statusInvalidArgument, "embody_get_contacts: capacity must be ≥ 0, got \(capacity)") }
        guard capacity == 0 || out != nil else { throw HostError(statusInvalidArgument, "embody_get_contacts: the output buffer is NULL") }
        guard let count else { throw HostError(statusInvalidArgument, "embody_get_contacts: count is NULL") }
        count.pointee = Int32(clamping: s.sim.readContacts(out, capacity: Int(capacity)))
    }
}

@_cdecl("embody_state_hash")
public func embody_state_hash(_ handle: OpaquePointer?, _ out: UnsafeMutablePointer<UInt64>?) -> Int32 {
    withSession(handle) { s throws(HostError) in
        guard let out else { throw HostError(statusInvalidArgument, "embody_state_hash: out is NULL") }
        out.pointee = s.sim.stateHash
    }
}

@_cdecl("embody_metrics_json")
public func embody_metrics_json(_ handle: OpaquePointer?) -> UnsafePointer<CChar>? {
    guard let s = session(handle) else { return nil }
    s.metricsJSON.set(jsonText(s.sim.metricValues().mapValues { $0.isFinite ? $0 as Any : NSNull() }))
    return s.metricsJSON.pointer
}

// MARK: Writes

@_cdecl("embody_set_torques")
public func embody_set_torques(_ handle: OpaquePointer?, _ torques: UnsafePointer<Double>?, _ count: Int32) -> Int32 {
    withSession(handle) { s throws(HostError) in
        guard s.sim.externalController != nil else {
            throw HostError(statusInvalidState, "embody_set_torques: the scenario's controller is \(s.scenario.controller.kind.name.rawValue), not external; open it with the override controller.type=external to command torques")
        }
        guard let torques else { throw HostError(statusInvalidArgument, "embody_set_torques: torques is NULL") }
        guard Int(count) == s.dof else {
            throw HostError(statusInvalidArgument, "embody_set_torques: \(count) torques given; the robot has \(s.dof) joints")
        }
        for i in 0..<s.dof where !torques[i].isFinite {
            throw HostError(statusInvalidArgument, "embody_set_torques: torque \(i) (joint \(s.model.jointNames[i])) is \(torques[i]); torques must be finite (N·m or N)")
        }
        for i in 0..<s.dof { s.hostTorques[i] = torques[i] }
    }
}

@_cdecl("embody_set_reference")
public func embody_set_reference(_ handle: OpaquePointer?, _ q: UnsafePointer<Double>?, _ qd: UnsafePointer<Double>?,
                                 _ count: Int32) -> Int32 {
    withSession(handle) { s throws(HostError) in
        guard s.sim.externalController == nil else {
            throw HostError(statusInvalidState, "embody_set_reference: the external controller takes torques, not a reference; use embody_set_torques")
        }
        guard let q else { throw HostError(statusInvalidArgument, "embody_set_reference: q is NULL") }
        guard Int(count) == s.dof else {
            throw HostError(statusInvalidArgument, "embody_set_reference: \(count) values given; the robot has \(s.dof) joints")
        }
        var zeros = [Double](repeating: 0, count: s.dof)
        for i in 0..<s.dof where !q[i].isFinite || !(qd?[i].isFinite ?? true) {
            throw HostError(statusInvalidArgument, "embody_set_reference: the reference of joint \(i) (\(s.model.jointNames[i])) is not finite")
        }
        do throws(RuntimeError) {
            if let qd { try s.sim.setHostReference(q: q, qd: qd) } else {
                try zeros.withUnsafeMutableBufferPointer { z throws(RuntimeError) in try s.sim.setHostReference(q: q, qd: z.baseAddress!) }
            }
        } catch { throw HostError(statusInvalidState, "embody_set_reference: \(error.message)") }
    }
}

@_cdecl("embody_clear_reference")
public func embody_clear_reference(_ handle: OpaquePointer?) -> Int32 {
    withSession(handle) { s throws(HostError) in s.sim.clearHostReference() }
}

// MARK: Logs

@_cdecl("embody_replay")
public func embody_replay(_ path: UnsafePointer<CChar>?, _ verify: Int32, _ out: UnsafeMutablePointer<CChar>?, _ capacity: Int,
                          _ needed: UnsafeMutablePointer<Int>?) -> Int32 {
    func answer(_ status: Int32, _ text: String) -> Int32 {
        let size = text.utf8.count + 1
        needed?.pointee = size
        writeMessage(text, to: out, capacity: capacity)
        if status == statusOK && capacity < size { return statusInvalidArgument }
        return status
    }
    guard let path else { return answer(statusInvalidArgument, "embody_replay: the path is NULL") }
    let log = String(cString: path)
    if verify != 0 {
        do {
            let report = try EmbodyRuntime.Replay.verify(path: log)
            var o: [String: Any] = ["log": log, "records_checked": report.recordsChecked,
                                    "identical": report.divergence == nil, "truncated_tail": report.truncatedTail]
            if let d = report.divergence {
                o["diverged_at_tick"] = d.tick
                o["diverged_channel"] = d.channel
                o["message"] = d.description
            }
            return answer(statusOK, jsonText(o))
        } catch {
            return answer(error.isInvalidInput ? statusInvalidInput : statusInternal, error.message)
        }
    }
    do {
        let run = try EmbodyRuntime.Replay.read(path: log)
        let h = run.header
        let kinds = h.eventKinds
        let events = run.events.lazy.map { Int($0.event.kind) < kinds.count ? kinds[Int($0.event.kind)] : "" }
        let lastTick = run.last?.tick ?? 0
        var physicsSteps = Int.max
        if let (scenario, _) = try? EmbodyRuntime.Replay.scenario(of: h) { physicsSteps = scenario.physicsSteps }
        let outcome = EmbodyRuntime.Replay.outcome(eventKinds: kinds, events: events, lastTick: lastTick, physicsSteps: physicsSteps)
        let o: [String: Any] = ["log": log, "scenario": h.scenarioName, "seed": h.seed, "records": run.records,
                                "steps": lastTick, "sim_time": Double(lastTick) * h.dt, "outcome": outcome.rawValue,
                                "success": outcome == .success, "channels": h.channels, "truncated_tail": run.truncatedTail,
                                "embody_version": h.embodyVersion, "scenario_hash": h.scenarioHash]
        return answer(statusOK, jsonText(o))
    } catch {
        return answer(statusInvalidInput, error.description)
    }
}

// MARK: Limits

@_cdecl("embody_get_limits")
public func embody_get_limits(_ handle: OpaquePointer?, _ lower: UnsafeMutablePointer<Double>?, _ upper: UnsafeMutablePointer<Double>?,
                              _ effort: UnsafeMutablePointer<Double>?, _ capacity: Int32) -> Int32 {
    withSession(handle) { s throws(HostError) in
        guard let lower, let upper, let effort else { throw HostError(statusInvalidArgument, "embody_get_limits: an output buffer is NULL") }
        guard Int(capacity) >= s.dof else {
            throw HostError(statusInvalidArgument, "embody_get_limits: the buffers hold \(capacity) values; \(s.dof) are needed")
        }
        let joints = s.model.movableJoints
        for i in 0..<s.dof {
            let j = joints[i]
            if j.type != .continuous, let l = j.limit, l.lower <= l.upper {
                lower[i] = l.lower; upper[i] = l.upper
            } else {
                lower[i] = -.infinity; upper[i] = .infinity
            }
            effort[i] = s.sim.effortLimits[i]
        }
    }
}

@_cdecl("embody_fixed_base")
public func embody_fixed_base(_ handle: OpaquePointer?) -> Int32 {
    guard let s = session(handle) else { return -1 }
    return s.sim.robot.fixedBase ? 1 : 0
}

// MARK: - Running a simulation: headless as fast as possible, or paced in real time

#if canImport(Glibc)
import Glibc
#endif
import Histogram

/// Real-time pacing settings (`--realtime`, `--rt-priority`, `--cpu`, `--lock-memory`).
public struct RealtimeOptions: Sendable {
    /// SCHED_FIFO priority 1…99, if requested.
    public var priority: Int? = nil
    /// The CPU to pin the loop to, if requested.
    public var cpu: Int? = nil
    /// Lock all current and future memory (mlockall) before the loop.
    public var lockMemory = false

    /// Creates options with no priority, affinity or memory locking.
    public init() {}
}

/// Timing of a paced run: cycle time and wake-up jitter percentiles in ns, and missed deadlines.
public struct RealtimeStats: Sendable {
    /// Cycle time (the work of one tick) in ns at p50, p90, p99, p99.9 and max.
    public var cycle: [String: UInt64]
    /// Wake-up jitter (actual wake − deadline) in ns at p50, p90, p99, p99.9 and max.
    public var jitter: [String: UInt64]
    /// Ticks whose work ended after the next deadline; the loop skipped ahead instead of catching up.
    public var missedDeadlines: Int
    /// The number of paced ticks.
    public var ticks: Int
    /// The period in ns.
    public var periodNanoseconds: UInt64
    /// Settings that could not be applied, as warnings for people.
    public var warnings: [String]

    /// The statistics as a table for people.
    public func text() -> String {
        let keys = ["p50", "p90", "p99", "p99.9", "max"]
        func row(_ name: String, _ v: [String: UInt64]) -> String {
            name + keys.map { k in " \(k)=\(String(format: "%.1f", Double(v[k] ?? 0) / 1000))µs" }.joined()
        }
        return ["realtime   period \(String(format: "%.1f", Double(periodNanoseconds) / 1000)) µs, \(ticks) ticks, \(missedDeadlines) missed deadlines",
                row("cycle     ", cycle), row("jitter    ", jitter)].joined(separator: "\n")
    }

    /// The statistics as a JSON-ready object.
    public func jsonObject() -> [String: Any] {
        ["cycle_ns": cycle, "jitter_ns": jitter, "missed_deadlines": missedDeadlines, "ticks": ticks,
         "period_ns": periodNanoseconds]
    }
}

/// sched_setaffinity(2), looked up at run time: Glibc's Swift module hides it behind _GNU_SOURCE.
func setAffinity(_ set: inout cpu_set_t) -> Int32 {
    typealias Function = @convention(c) (pid_t, Int, UnsafeRawPointer) -> Int32
    guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "sched_setaffinity") else {
        errno = ENOSYS
        return -1
    }
    let function = unsafeBitCast(symbol, to: Function.self)
    return withUnsafePointer(to: &set) { function(0, MemoryLayout<cpu_set_t>.size, UnsafeRawPointer($0)) }
}

/// The monotonic clock in ns.
@inline(__always) func monotonicNanoseconds() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
}

/// Drives a Simulation to its end.
public enum Runner {
    /// Runs headless, as fast as possible; `progress` receives the completed fraction now and then.
    public static func run(_ sim: Simulation, progress: ((Double) -> Void)? = nil) throws(RuntimeError) -> RunSummary {
        let start = monotonicNanoseconds()
        let reportEvery = max(1, sim.durationTicks / 100)
        while !sim.isFinished {
            try sim.step()
            if let progress, sim.tick % reportEvery == 0 { progress(Double(sim.tick) / Double(sim.durationTicks)) }
        }
        let wall = Double(monotonicNanoseconds() - start) / 1e9
        return try sim.finish(wallTime: wall)
    }

    /// Runs paced against CLOCK_MONOTONIC with absolute deadlines, one tick per period of dt; an overrun is
    /// counted and the loop skips ahead to the next future deadline rather than catching up.
    public static func runRealtime(_ sim: Simulation, options: RealtimeOptions,
                                   progress: ((Double) -> Void)? = nil) throws(RuntimeError) -> (RunSummary, RealtimeStats) {
        var warnings: [String] = []
        applySchedulingOptions(options, warnings: &warnings)
        let period = UInt64((sim.dt * 1e9).rounded())
        var cycles = Histogram<UInt64>(highestTrackableValue: 60_000_000_000, numberOfSignificantValueDigits: .three)
        var jitters = Histogram<UInt64>(highestTrackableValue: 60_000_000_000, numberOfSignificantValueDigits: .three)
        var missed = 0, paced = 0
        let reportEvery = max(1, sim.durationTicks / 100)
        let start = monotonicNanoseconds()
        var deadline = start + period
        while !sim.isFinished {
            var ts = timespec(tv_sec: Int(deadline / 1_000_000_000), tv_nsec: Int(deadline % 1_000_000_000))
            while clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nil) == EINTR {}
            let wake = monotonicNanoseconds()
            _ = jitters.record(wake > deadline ? wake - deadline : 0)
            try sim.step()
            let done = monotonicNanoseconds()
            _ = cycles.record(done - wake)
            paced += 1
            deadline += period
            if done > deadline {
                missed += 1
                deadline += ((done - deadline) / period + 1) * period
            }
            if let progress, sim.tick % reportEvery == 0 { progress(Double(sim.tick) / Double(sim.durationTicks)) }
        }
        let wall = Double(monotonicNanoseconds() - start) / 1e9
        func percentiles(_ h: Histogram<UInt64>) -> [String: UInt64] {
            ["p50": h.valueAtPercentile(50), "p90": h.valueAtPercentile(90), "p99": h.valueAtPercentile(99),
             "p99.9": h.valueAtPercentile(99.9), "max": h.max]
        }
        let stats = RealtimeStats(cycle: percentiles(cycles), jitter: percentiles(jitters), missedDeadlines: missed,
                                  ticks: paced, periodNanoseconds: period, warnings: warnings)
        return (try sim.finish(wallTime: wall), stats)
    }

    /// Applies SCHED_FIFO priority, CPU affinity and mlockall where permitted; otherwise adds a warning.
    static func applySchedulingOptions(_ options: RealtimeOptions, warnings: inout [String]) {
        if let priority = options.priority {
            var param = sched_param(sched_priority: Int32(priority))
            if sched_setscheduler(0, SCHED_FIFO, &param) != 0 {
                warnings.append("could not set SCHED_FIFO priority \(priority): \(String(cString: strerror(errno))); continuing with the default scheduler")
            }
        }
        if let cpu = options.cpu {
            var set = cpu_set_t()
            withUnsafeMutableBytes(of: &set) { raw in
                let words = raw.bindMemory(to: UInt.self)
                let bits = UInt.bitWidth
                if cpu >= 0 && cpu / bits < words.count { words[cpu / bits] |= 1 << UInt(cpu % bits) }
            }
            if cpu < 0 || setAffinity(&set) != 0 {
                warnings.append("could not pin to CPU \(cpu): \(String(cString: strerror(errno))); continuing unpinned")
            }
        }
        if options.lockMemory && mlockall(MCL_CURRENT | MCL_FUTURE) != 0 {
            warnings.append("could not lock memory (mlockall): \(String(cString: strerror(errno))); continuing unlocked")
        }
    }
}

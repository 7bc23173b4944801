// MARK: - Running a simulation: headless as fast as possible, or paced in real time

#if canImport(Glibc)
import Glibc
#endif
import Histogram

/// Real-time pacing settings (`--realtime`, `--rt-priority`, `--cpu`, `--lock-memory`, `--spin-us`,
/// `--timer-slack-ns`).
public struct RealtimeOptions: Sendable {
    /// SCHED_FIFO priority 1…99, if requested.
    public var priority: Int? = nil
    /// The CPU to pin the loop to, if requested.
    public var cpu: Int? = nil
    /// Lock all current and future memory (mlockall) before the loop.
    public var lockMemory = false
    /// How long before each deadline the loop stops sleeping and spins on the clock, ns (`--spin-us`): it sleeps
    /// until deadline − spin, then reads the clock until the deadline. 0 sleeps all the way. The cost is a core
    /// kept busy for up to spin / period of the time; a spin of a whole period or more never sleeps.
    public var spinNanoseconds: UInt64 = 0
    /// The thread's timer slack during the loop, ns (`--timer-slack-ns`, prctl PR_SET_TIMERSLACK): how late the
    /// kernel may end a sleep so as to batch wake-ups. Linux's default is 50,000 ns; 1 is its minimum and the
    /// default here (0 asks the kernel for the process's default, which the statistics then report). nil leaves
    /// the thread's own. The previous value is restored after the loop.
    public var timerSlackNanoseconds: UInt64? = 1

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
    /// The spin before each deadline, ns (0: none).
    public var spinNanoseconds: UInt64 = 0
    /// The thread's timer slack during the loop as the kernel reported it back, ns (nil if it could not be read).
    public var timerSlackNanoseconds: UInt64? = nil
    /// Settings that could not be applied, as warnings for people.
    public var warnings: [String]

    /// The statistics as a table for people.
    public func text() -> String {
        let keys = ["p50", "p90", "p99", "p99.9", "max"]
        func row(_ name: String, _ v: [String: UInt64]) -> String {
            name + keys.map { k in " \(k)=\(String(format: "%.1f", Double(v[k] ?? 0) / 1000))µs" }.joined()
        }
        let slack = timerSlackNanoseconds.map { "timer slack \($0) ns" } ?? "timer slack unknown"
        let spin = spinNanoseconds > 0 ? ", spin \(String(format: "%.1f", Double(spinNanoseconds) / 1000)) µs" : ""
        return ["realtime   period \(String(format: "%.1f", Double(periodNanoseconds) / 1000)) µs, \(ticks) ticks, \(missedDeadlines) missed deadlines, \(slack)\(spin)",
                row("cycle     ", cycle), row("jitter    ", jitter)].joined(separator: "\n")
    }

    /// The statistics as a JSON-ready object.
    public func jsonObject() -> [String: Any] {
        var object: [String: Any] = ["cycle_ns": cycle, "jitter_ns": jitter, "missed_deadlines": missedDeadlines,
                                     "ticks": ticks, "period_ns": periodNanoseconds, "spin_ns": spinNanoseconds]
        if let timerSlackNanoseconds { object["timer_slack_ns"] = timerSlackNanoseconds }
        return object
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

/// prctl(2) with one integer argument, looked up at run time: Swift does not import C's variadic functions.
/// Returns prctl's result (for PR_GET_TIMERSLACK, the slack in ns), or −1 with errno set.
func processControl(_ option: Int32, _ argument: UInt) -> Int {
    typealias Function = @convention(c) (Int32, UInt, UInt, UInt, UInt) -> Int32
    guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "prctl") else {
        errno = ENOSYS
        return -1
    }
    return Int(unsafeBitCast(symbol, to: Function.self)(option, argument, 0, 0, 0))
}

/// prctl options (linux/prctl.h).
let prSetTimerSlack: Int32 = 29, prGetTimerSlack: Int32 = 30

/// The calling thread's timer slack in ns, or nil when it cannot be read.
public func currentTimerSlackNanoseconds() -> UInt64? {
    let slack = processControl(prGetTimerSlack, 0)
    return slack >= 0 ? UInt64(slack) : nil
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
        let previousSlack = currentTimerSlackNanoseconds()
        if let slack = options.timerSlackNanoseconds, processControl(prSetTimerSlack, UInt(slack)) != 0 {
            warnings.append("could not set the timer slack to \(slack) ns: \(String(cString: strerror(errno))); continuing with \(previousSlack.map { "\($0) ns" } ?? "the thread's own")")
        }
        defer {
            if options.timerSlackNanoseconds != nil, let previousSlack { _ = processControl(prSetTimerSlack, UInt(previousSlack)) }
        }
        let slackInLoop = currentTimerSlackNanoseconds()
        let period = UInt64((sim.dt * 1e9).rounded())
        let spin = options.spinNanoseconds
        if spin >= period {
            warnings.append("a spin of \(String(format: "%g", Double(spin) / 1000)) µs is not below the period of \(String(format: "%g", Double(period) / 1000)) µs: the loop never sleeps and keeps a core busy")
        }
        var cycles = Histogram<UInt64>(highestTrackableValue: 60_000_000_000, numberOfSignificantValueDigits: .three)
        var jitters = Histogram<UInt64>(highestTrackableValue: 60_000_000_000, numberOfSignificantValueDigits: .three)
        var missed = 0, paced = 0
        let reportEvery = max(1, sim.durationTicks / 100)
        let start = monotonicNanoseconds()
        var deadline = start + period
        while !sim.isFinished {
            // Sleep until the deadline, or until `spin` before it; then read the clock until the deadline (with no
            // spin the sleep has already reached it, and the loop below does not run).
            let sleepUntil = deadline - min(spin, deadline)
            if spin == 0 || monotonicNanoseconds() < sleepUntil {
                var ts = timespec(tv_sec: Int(sleepUntil / 1_000_000_000), tv_nsec: Int(sleepUntil % 1_000_000_000))
                while clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nil) == EINTR {}
            }
            var wake = monotonicNanoseconds()
            while wake < deadline { wake = monotonicNanoseconds() }
            _ = jitters.record(wake - deadline)
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
                                  ticks: paced, periodNanoseconds: period, spinNanoseconds: spin,
                                  timerSlackNanoseconds: slackInLoop, warnings: warnings)
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

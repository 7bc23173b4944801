import EmbodyRuntime
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

// MARK: - Real-time pacing: timer slack and the spin before each deadline (docs/runtime.md)

@Suite("Real-time pacing")
struct RealtimeTests {
    /// The calling thread's CPU time in s.
    static func threadCPUSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    /// A paced run of `ticks` ticks of arm-hold at 1 kHz; returns its statistics and the share of one core it used
    /// (thread CPU time ÷ wall time).
    static func pacedRun(ticks: Int, options: RealtimeOptions) throws -> (RealtimeStats, Double) {
        let (scenario, model) = try loadBundled("arm-hold", overrides: ["duration=\(Double(ticks) / 1000)"])
        let sim = try Simulation(scenario: scenario, model: model)
        let wall = Date(), cpu = threadCPUSeconds()
        let (summary, stats) = try Runner.runRealtime(sim, options: options)
        let share = (threadCPUSeconds() - cpu) / Date().timeIntervalSince(wall)
        #expect(summary.steps == ticks && stats.ticks == ticks)
        return (stats, share)
    }

    /// The loop runs with the timer slack asked for (1 ns, Linux's minimum, unless told otherwise), read back
    /// from the kernel, and the thread gets its own slack back afterwards.
    @Test func timerSlackIsSetForTheLoopAndRestored() throws {
        let before = try #require(currentTimerSlackNanoseconds())
        let (minimum, _) = try Self.pacedRun(ticks: 20, options: RealtimeOptions())
        #expect(minimum.timerSlackNanoseconds == 1)
        #expect(currentTimerSlackNanoseconds() == before)
        var options = RealtimeOptions()
        options.timerSlackNanoseconds = 50_000
        let (linuxDefault, _) = try Self.pacedRun(ticks: 20, options: options)
        #expect(linuxDefault.timerSlackNanoseconds == 50_000)
        #expect(linuxDefault.jsonObject()["timer_slack_ns"] as? UInt64 == 50_000)
        options.timerSlackNanoseconds = nil
        let (own, _) = try Self.pacedRun(ticks: 20, options: options)
        #expect(own.timerSlackNanoseconds == before)
        #expect(currentTimerSlackNanoseconds() == before)
        #expect(minimum.text().contains("timer slack 1 ns"), "\(minimum.text())")
    }

    /// With a spin the loop keeps its core busy for the last part of every period (its CPU share rises from the
    /// tick's few percent to about spin / period) and still takes every tick on time; no spin, no busy core.
    @Test func spinKeepsTheCoreBusyBeforeEachDeadline() throws {
        let (sleeping, sleepingShare) = try Self.pacedRun(ticks: 300, options: RealtimeOptions())
        var options = RealtimeOptions()
        options.spinNanoseconds = 500_000
        let (spinning, spinningShare) = try Self.pacedRun(ticks: 300, options: options)
        #expect(sleeping.spinNanoseconds == 0 && spinning.spinNanoseconds == 500_000)
        #expect(spinning.text().contains("spin 500.0 µs"), "\(spinning.text())")
        // About 0.5 ideally; the bound leaves room for a loaded machine, where the thread waits for a core.
        #expect(spinningShare >= 0.1, "a 500 µs spin per 1 ms period used \(spinningShare) of a core")
        #expect(spinningShare >= 2 * sleepingShare, "spinning \(spinningShare), sleeping \(sleepingShare)")
        #expect(spinning.warnings.isEmpty && sleeping.warnings.isEmpty)
    }

    /// A spin of a whole period or more never sleeps; the run says so.
    @Test func aSpinOfAWholePeriodIsReported() throws {
        var options = RealtimeOptions()
        options.spinNanoseconds = 1_000_000
        let (stats, _) = try Self.pacedRun(ticks: 10, options: options)
        #expect(stats.warnings.contains { $0.contains("never sleeps") }, "\(stats.warnings)")
    }
}

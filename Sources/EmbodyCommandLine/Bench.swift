import ArgumentParser
import EmbodyScenario
import EmbodyRuntime
import Foundation

// MARK: - bench

/// `embody bench`: steps per second, real-time factor, phase shares and the tick/step ratio per scenario.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure scenarios: steps/s, real-time factor, per-phase shares, and a full tick against a bare physics step.",
        discussion: """
        For each scenario, runs the full loop and, in alternating blocks, an identical world stepped bare \
        (World.step with the loop's torques replayed), so the ratio compares like with like on the same \
        trajectory; a third pass times each phase. With no scenario, measures every bundled scenario. \
        Exit codes: 0 measured; 1 invalid input; 3 internal error (including a bare world that diverged \
        from the loop's). See docs/benchmarks.md.
        """)

    @Argument(help: "Scenario files or bundled scenario names (default: every bundled scenario).")
    var scenarios: [String] = []

    @OptionGroup var overrideOptions: OverrideOptions

    @Flag(help: "Print one JSON object per scenario, one per line, on stdout.")
    var json = false

    @Option(help: "Measured ticks per pass.")
    var ticks: Int = 2000

    @Option(help: "Untimed ticks before measuring.")
    var warmup: Int = 100

    @Option(help: "Alternating blocks of full ticks and bare steps.")
    var blocks: Int = 10

    @Flag(help: "Skip the per-phase timing pass.")
    var noPhases = false

    func validate() throws {
        if ticks < 1 || ticks > ScenarioLimits.maxSteps {
            throw ValidationError("--ticks must be between 1 and \(ScenarioLimits.maxSteps), found \(ticks)")
        }
        if warmup < 0 || warmup > ScenarioLimits.maxSteps {
            throw ValidationError("--warmup must be between 0 and \(ScenarioLimits.maxSteps), found \(warmup)")
        }
        if blocks < 1 || blocks > ticks { throw ValidationError("--blocks must be between 1 and --ticks") }
    }

    func run() throws {
        var names = scenarios
        if names.isEmpty {
            names = BundledScenarios.all()
            if names.isEmpty {
                throw CLIError(.invalidInput, BundledScenarios.notFoundMessage)
            }
        }
        // Resolve every argument first, so a typo fails before minutes of measuring.
        let paths = try names.map(resolveScenarioPath)
        var options = BenchOptions()
        options.ticks = ticks
        options.warmupTicks = warmup
        options.blocks = blocks
        options.phases = !noPhases
        var diverged: [String] = []
        for (i, path) in paths.enumerated() {
            let result: BenchResult
            do {
                result = try TickBenchmark.measure(path: path, overrides: overrideOptions.overrides, options: options)
            } catch {
                throw CLIError(error)
            }
            if json {
                printJSON(result.jsonObject())
            } else {
                if i > 0 { print("") }
                print(result.text())
            }
            if !result.identicalTrajectory { diverged.append(result.scenario) }
        }
        if !diverged.isEmpty {
            throw CLIError(.internalError, "the bare world diverged from the loop's in \(diverged.joined(separator: ", ")): "
                           + "the tick changes the world in a way bench does not replay, so the ratio is not like for like")
        }
    }
}

// MARK: - The child process: run one trial and print its metrics as one JSON line
//
//   embody-exercise-runner --exercise N --seed S --exercises DIR [--variant NAME]
//   embody-exercise-runner --identify
//
// Prints {"metrics": {...}, "problem": null|"..."} on stdout and exits 0; on invalid input it prints a
// message for people on stderr and exits 1. Non-finite metric values are written as null.
// `--identify` prints {"sources": "<the Exercises directory it was compiled from>", "solutions": "student"|
// "reference"}: the grader refuses to grade a runner built from other sources than the ones it was asked to.

import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// What a runner says about itself: the Exercises directory whose sources it was compiled from.
public struct RunnerIdentity: Sendable, Equatable {
    /// The Exercises directory its `main.swift` sat in at compile time (absolute).
    public var exercisesDirectory: String
    /// "student" (Exercises/Runner) or "reference" (Exercises/Reference).
    public var solutions: String

    /// Creates an identity.
    public init(exercisesDirectory: String, solutions: String) {
        self.exercisesDirectory = exercisesDirectory
        self.solutions = solutions
    }

    /// The identity of a runner whose `main.swift` is `mainFile` (Exercises/Runner/main.swift or Exercises/Reference/main.swift).
    public init(mainFile: String) {
        let folder = URL(fileURLWithPath: mainFile).deletingLastPathComponent()
        exercisesDirectory = folder.deletingLastPathComponent().standardizedFileURL.path
        solutions = folder.lastPathComponent == "Reference" ? "reference" : "student"
    }

    /// The JSON line `--identify` prints.
    public var jsonLine: String {
        let object: [String: Any] = ["sources": exercisesDirectory, "solutions": solutions]
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    /// Parses the JSON line `--identify` prints; nil when it is not one.
    public init?(jsonLine: String) {
        guard let object = try? JSONSerialization.jsonObject(with: Data(jsonLine.utf8)) as? [String: Any],
              let sources = object["sources"] as? String, let solutions = object["solutions"] as? String else { return nil }
        self.init(exercisesDirectory: sources, solutions: solutions)
    }
}

/// The entry point of the runner executables that hold student or reference code.
public enum ExerciseRunnerMain {
    /// Parses the arguments, runs one trial with `solutions` and exits; `variants` are extra solution sets
    /// selectable with `--variant NAME`. `mainFile` is the caller's own path, fixed at compile time: leave it out.
    public static func main(solutions: SolutionSet, variants: [String: SolutionSet] = [:],
                            mainFile: String = #filePath) -> Never {
        var args = Array(CommandLine.arguments.dropFirst())
        if args == ["--identify"] {
            print(RunnerIdentity(mainFile: mainFile).jsonLine)
            exit(0)
        }
        var exercise: Int?, seed: UInt64?, directory: String?, variant: String?, gains: String?
        while !args.isEmpty {
            let key = args.removeFirst()
            guard let value = args.first else { fail("\(key) needs a value") }
            args.removeFirst()
            switch key {
            case "--exercise": exercise = Int(value)
            case "--seed": seed = UInt64(value)
            case "--exercises": directory = value
            case "--variant": variant = value
            case "--gains": gains = value
            default: fail("unknown option \(key); usage: --exercise N --seed S --exercises DIR [--variant NAME] [--gains FILE], or --identify")
            }
        }
        guard let exercise, let seed, let directory else {
            fail("usage: --exercise N --seed S --exercises DIR [--variant NAME] [--gains FILE], or --identify")
        }
        var set = solutions
        if let variant {
            guard let v = variants[variant] else { fail("no solution variant named '\(variant)'") }
            set = v
        }
        if let gains { set.pdTuningGains = gains }
        do {
            emit(try Trials.run(exercise: exercise, seed: seed, exercisesDirectory: directory, solutions: set))
        } catch {
            fail("\(error)")
        }
    }

    /// Runs one trial of an exercise graded from a parameter file alone (no Swift to build): the grader runs
    /// it in a child process of its own executable. `gains` is relative to the Exercises directory.
    public static func parameterTrial(exercise: Int, seed: UInt64, exercisesDirectory: String, gains: String) -> Never {
        do {
            emit(try Trials.parameterTrial(exercise: exercise, seed: seed, exercisesDirectory: exercisesDirectory,
                                           gains: gains))
        } catch {
            fail("\(error)")
        }
    }

    /// Prints the trial's one JSON line and exits 0.
    static func emit(_ outcome: TrialOutcome) -> Never {
        var metrics: [String: Any] = [:]
        for (k, v) in outcome.metrics { metrics[k] = v.isFinite ? v : NSNull() }
        let object: [String: Any] = ["metrics": metrics, "problem": outcome.problem ?? NSNull()]
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else {
            fail("cannot encode the trial's metrics")
        }
        FileHandle.standardOutput.write(data + Data("\n".utf8))
        exit(0)
    }

    static func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("embody-exercise-runner: \(message)\n".utf8))
        exit(1)
    }
}

// MARK: - The child process: run one trial and print its metrics as one JSON line
//
//   embody-exercise-runner --exercise N --seed S --exercises DIR
//
// Prints {"metrics": {...}, "problem": null|"..."} on stdout and exits 0; on invalid input it prints a
// message for people on stderr and exits 1. Non-finite metric values are written as null.

import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The entry point of the runner executables that hold student or reference code.
public enum ExerciseRunnerMain {
    /// Parses the arguments, runs one trial with `solutions` and exits; `variants` are extra solution sets selectable with `--variant NAME`.
    public static func main(solutions: SolutionSet, variants: [String: SolutionSet] = [:]) -> Never {
        var args = Array(CommandLine.arguments.dropFirst())
        var exercise: Int?, seed: UInt64?, directory: String?, variant: String?
        while !args.isEmpty {
            let key = args.removeFirst()
            guard let value = args.first else { fail("\(key) needs a value") }
            args.removeFirst()
            switch key {
            case "--exercise": exercise = Int(value)
            case "--seed": seed = UInt64(value)
            case "--exercises": directory = value
            case "--variant": variant = value
            default: fail("unknown option \(key); usage: --exercise N --seed S --exercises DIR [--variant NAME]")
            }
        }
        guard let exercise, let seed, let directory else {
            fail("usage: --exercise N --seed S --exercises DIR [--variant NAME]")
        }
        var set = solutions
        if let variant {
            guard let v = variants[variant] else { fail("no solution variant named '\(variant)'") }
            set = v
        }
        do {
            let outcome = try Trials.run(exercise: exercise, seed: seed, exercisesDirectory: directory, solutions: set)
            var metrics: [String: Any] = [:]
            for (k, v) in outcome.metrics { metrics[k] = v.isFinite ? v : NSNull() }
            let object: [String: Any] = ["metrics": metrics, "problem": outcome.problem ?? NSNull()]
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            FileHandle.standardOutput.write(data + Data("\n".utf8))
            exit(0)
        } catch {
            fail("\(error)")
        }
    }

    static func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("embody-exercise-runner: \(message)\n".utf8))
        exit(1)
    }
}

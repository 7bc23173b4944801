// MARK: - Seeds: visible ones, and secret ones derived from an instructor's salt

import EmbodyModel
import Foundation

/// A deterministic 64-bit generator (SplitMix64) for exercise variations; the same seed gives the same draws.
public struct ExerciseRandom: Sendable {
    private var generator: SplitMix64

    /// Creates a generator from a seed.
    public init(seed: UInt64) { generator = SplitMix64(seed: seed) }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 { generator.next() }

    /// A uniform draw in [a, b).
    public mutating func uniform(_ a: Double, _ b: Double) -> Double {
        a + (b - a) * Double(next() >> 11) / Double(1 << 53)
    }
}

/// One seed a trial runs with, and whether it is secret (then only its position is ever shown).
public struct TrialSeed: Sendable, Equatable {
    /// The seed value.
    public var value: UInt64
    /// Whether it derives from the secret salt.
    public var secret: Bool
    /// The 1-based index among the secret seeds, for labels.
    public var secretIndex: Int

    /// Creates a seed.
    public init(value: UInt64, secret: Bool, secretIndex: Int) {
        self.value = value
        self.secret = secret
        self.secretIndex = secretIndex
    }

    /// How the seed is named on a scorecard: the value when visible, "secret seed k" otherwise.
    public var label: String { secret ? "secret seed \(secretIndex)" : "seed \(value)" }
}

/// The seeds of an exercise: the visible ones, plus secret ones when an instructor sets a salt.
public enum SeedPlan {
    /// The environment variable that holds the secret salt.
    public static let saltVariable = "EMBODY_SECRET_SALT"
    /// The environment variable naming a file whose contents are the secret salt.
    public static let saltFileVariable = "EMBODY_SECRET_SALT_FILE"

    /// The salt from `EMBODY_SECRET_SALT`, or the file named by `EMBODY_SECRET_SALT_FILE`, or `file`; nil when none is set.
    public static func salt(environment: [String: String] = ProcessInfo.processInfo.environment,
                            file: String? = nil) -> String? {
        if let s = environment[saltVariable], !s.isEmpty { return s }
        for path in [file, environment[saltFileVariable]].compactMap({ $0 }) {
            if let text = try? String(contentsOfFile: path, encoding: .utf8) {
                let s = text.trimmingCharacters(in: .whitespacesAndNewlines)
                if !s.isEmpty { return s }
            }
        }
        return nil
    }

    /// The seeds for `exercise`: the visible ones, then `secretSeedCount` derived from the salt (FNV-1a, then SplitMix64).
    public static func seeds(for exercise: Exercise, salt: String?) -> [TrialSeed] {
        var list = exercise.visibleSeeds.map { TrialSeed(value: $0, secret: false, secretIndex: 0) }
        guard let salt else { return list }
        var random = ExerciseRandom(seed: RandomStreams.fnv1a("\(salt)/exercise-\(exercise.number)"))
        for k in 1...max(1, exercise.secretSeedCount) {
            list.append(TrialSeed(value: random.next() % 1_000_000_007, secret: true, secretIndex: k))
        }
        return list
    }
}

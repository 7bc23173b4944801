import EmbodyExercises
import Foundation
import Testing

// MARK: - The grader discriminates: an almost-right solution loses exactly the check meant to catch its defect

/// An almost-right solution (Exercises/Reference/NearMisses.swift, or a gains file for exercise 1), and the
/// check that must catch it.
struct NearMiss: CustomTestStringConvertible, Sendable {
    var exercise: Int
    /// The reference runner's `--variant`, or nil for a gains file.
    var variant: String?
    /// For exercise 1: the gains file, relative to the Exercises directory.
    var gains: String?
    /// The names of the checks that must lose all their points: one, except where checks measure the same
    /// event (in exercise 8 a fall is also the largest shove not survived, and lying down at the end; in exercise 9
    /// a fall also ends the walk short, tracks the CoM badly and leaves no ZMP margin).
    var caughtBy: [String]
    var testDescription: String { "exercise \(exercise): \(variant ?? gains ?? "?") loses \(caughtBy.joined(separator: ", "))" }
}

let nearMisses: [NearMiss] = [
    NearMiss(exercise: 1, gains: "Reference/01-pd-tuning-gains-saturating.yaml", caughtBy: ["no torque saturation"]),
    NearMiss(exercise: 1, gains: "Reference/01-pd-tuning-gains-underdamped.yaml", caughtBy: ["overshoot"]),
    NearMiss(exercise: 2, variant: "weak-joint-pd", caughtBy: ["final posture error"]),
    NearMiss(exercise: 3, variant: "half-gravity", caughtBy: ["posture drift (5 postures)"]),
    NearMiss(exercise: 4, variant: "unscaled-quintic", caughtBy: ["quintic boundary and shape"]),
    NearMiss(exercise: 4, variant: "biasless-computed-torque", caughtBy: ["tracking RMS error"]),
    NearMiss(exercise: 5, variant: "sign-flipped-ik", caughtBy: ["end-effector error (3 targets)"]),
    NearMiss(exercise: 6, variant: "unweighted-cart-lqr", caughtBy: ["cart back home"]),
    NearMiss(exercise: 7, variant: "slow-filter", caughtBy: ["tilt error RMS"]),
    NearMiss(exercise: 8, variant: "centred-sole-balance",
             caughtBy: ["largest shove survived", "never falls (all five shoves)", "upright at the end"]),
    NearMiss(exercise: 9, variant: "fixed-weight-preview", caughtBy: ["preview gains"]),
    NearMiss(exercise: 9, variant: "short-sighted-preview",
             caughtBy: ["planned ZMP follows the reference", "walks the distance", "never falls", "CoM tracking", "ZMP margin"]),
    NearMiss(exercise: 9, variant: "position-only-preview",
             caughtBy: ["walks the distance", "never falls", "CoM tracking", "ZMP margin"]),
]

@Suite("The grader discriminates")
struct DiscriminationTests {
    @Test("every exercise has a near miss", arguments: Catalog.exercises.map(\.number))
    func everyExerciseHasANearMiss(number: Int) {
        #expect(nearMisses.contains { $0.exercise == number })
    }

    @Test("a near miss loses the check that should catch it and keeps the others", arguments: nearMisses)
    func nearMissLosesOnlyItsCheck(_ miss: NearMiss) throws {
        let exercise = try #require(Catalog.find(String(miss.exercise)))
        for name in miss.caughtBy { #expect(exercise.checks.contains { $0.name == name }, "no check named \(name)") }
        #expect(miss.caughtBy.count < exercise.checks.count, "some check must keep its points")
        var o = options(reference: true, variant: miss.variant)
        o.gains = miss.gains
        let result = Grader.grade(exercise, options: o)
        let text = Scorecard.text(result)
        for check in result.checks {
            if miss.caughtBy.contains(check.check.name) {
                #expect(check.score == 0 && check.passedSeeds == 0, "\(text)")
                #expect(check.messages.contains { $0.hasPrefix("hint: ") }, "a measured failure gets the hint")
                #expect(!check.messages.contains { $0.contains("crashed") || $0.contains("time limit") })
            } else {
                #expect(check.score == check.check.points, "“\(check.check.name)” should keep its points:\n\(text)")
            }
        }
    }
}

@testable import EmbodyExercises
import Foundation
import Testing

// MARK: - Scoring rules, on hand-made trial reports (no child processes)

/// A one-check exercise for scoring tests.
func exercise(_ comparison: Comparison, threshold: Double, points: Double = 6, weight: Double = 1) -> Exercise {
    Exercise(number: 99, folder: "99-test", title: "scoring", studentFile: "x.swift", weight: weight, checks: [
        Check(name: "c", metric: "m", unit: "u", comparison: comparison, threshold: threshold, points: points, hint: "h"),
        Check(name: "other", metric: "n", unit: "u", comparison: .below, threshold: 1, points: 4, hint: "h2"),
    ])
}

func report(_ seed: UInt64, _ metrics: [String: Double]?, message: String? = nil) -> TrialReport {
    TrialReport(seed: TrialSeed(value: seed, secret: false, secretIndex: 0), metrics: metrics, message: message, wallTime: 0)
}

@Suite("Scoring rules")
struct ScoringTests {
    @Test func partialCreditIsAnEqualShareOfThePointsPerPassingSeed() {
        let e = exercise(.below, threshold: 1)
        let r = Grader.score(e, reports: [report(1, ["m": 0.5, "n": 0]), report(2, ["m": 2, "n": 0]),
                                          report(3, ["m": 0.9, "n": 0])], secret: false)
        #expect(abs(r.checks[0].score - 4) < 1e-12)          // 2 of 3 seeds × 6 points
        #expect(r.checks[0].passedSeeds == 2 && r.checks[0].totalSeeds == 3 && !r.checks[0].passed)
        #expect(r.checks[1].score == 4 && r.checks[1].passed)
        #expect(abs(r.score - 8) < 1e-12 && r.maxScore == 10)
        #expect(r.checks[0].messages.contains { $0.hasPrefix("seed 2: measured 2 u") })
        #expect(r.checks[0].messages.contains("hint: h"))
        #expect(!r.checks[1].messages.contains { $0.contains("hint") })
    }

    @Test func theScorecardShowsTheWorstSeed() {
        let below = Grader.score(exercise(.below, threshold: 10), reports: [report(1, ["m": 3, "n": 0]), report(2, ["m": 7, "n": 0]),
                                                                           report(3, ["m": 5, "n": 0])], secret: false)
        #expect(below.checks[0].value == 7)                    // the largest, for a "below" check
        let above = Grader.score(exercise(.above, threshold: 1), reports: [report(1, ["m": 3, "n": 0]), report(2, ["m": 7, "n": 0]),
                                                                          report(3, ["m": 5, "n": 0])], secret: false)
        #expect(above.checks[0].value == 3)                    // the smallest, for an "above" check
        #expect(Scorecard.text(below).contains("[PASS] c") && Scorecard.text(below).contains(" 7 u"))
    }

    @Test func nanNeverPassesAndShowsAsTheWorstValue() {
        for comparison in [Comparison.below, .above] {
            #expect(!comparison.passes(.nan, 1))
            let r = Grader.score(exercise(comparison, threshold: 1),
                                 reports: [report(1, ["m": comparison == .below ? 0 : 2, "n": 0]), report(2, ["m": .nan, "n": 0])],
                                 secret: false)
            #expect(r.checks[0].passedSeeds == 1)
            #expect(r.checks[0].score == 3)
            #expect(r.checks[0].value == (comparison == .below ? .infinity : -.infinity), "\(comparison)")
            #expect(r.checks[0].messages.contains { $0.contains("seed 2: measured n/a") })
        }
        // A metric the trial did not report counts as NaN; a trial with no metrics at all scores 0 with its reason.
        let missing = Grader.score(exercise(.below, threshold: 1), reports: [report(1, ["n": 0])], secret: false)
        #expect(missing.checks[0].score == 0 && missing.checks[1].score == 4)
        let crashed = Grader.score(exercise(.below, threshold: 1), reports: [report(1, nil, message: "your code crashed")],
                                   secret: false)
        #expect(crashed.score == 0 && crashed.checks[0].value.isNaN)
        #expect(crashed.checks.allSatisfy { $0.messages == ["seed 1: your code crashed"] })
        #expect(Scorecard.jsonObject(crashed)["checks"].map { ($0 as! [[String: Any]])[0]["value"] is NSNull } == true)
    }

    @Test func aboveChecksPassStrictlyAboveTheThreshold() {
        #expect(Comparison.above.passes(150.001, 150))
        #expect(!Comparison.above.passes(150, 150))
        #expect(!Comparison.above.passes(120, 150))
        #expect(Comparison.below.passes(0.49, 0.5) && !Comparison.below.passes(0.5, 0.5))
        let r = Grader.score(exercise(.above, threshold: 150), reports: [report(1, ["m": 200, "n": 0]), report(2, ["m": 150, "n": 0])],
                             secret: false)
        #expect(r.checks[0].score == 3 && r.checks[0].value == 150)
        #expect(Scorecard.text(r).contains("> 150 u"))
        // The real above check: exercise 8's largest shove survived.
        let balance = Catalog.exercises[7]
        #expect(balance.checks[0].comparison == .above && balance.checks[0].metric == "largest_push_survived")
    }

    @Test func theEmbodyIndexWeighsEachExerciseByItsWeight() {
        // Full marks on exercise 1 (weight 1) only, then on exercise 8 (weight 3) only, then half on 6 (weight 3).
        let total = Catalog.exercises.reduce(0) { $0 + $1.weight }
        #expect(total == 18.5)
        func results(_ fractions: [Int: Double]) -> [ExerciseResult] {
            Catalog.exercises.map { e in
                var r = Grader.score(e, reports: [], secret: false)
                let f = fractions[e.number] ?? 0
                r.checks = r.checks.map { c in var c = c; c.score = c.check.points * f; return c }
                return r
            }
        }
        let one = Scorecard.embodyIndex(results([1: 1]))
        let eight = Scorecard.embodyIndex(results([8: 1]))
        let halfSix = Scorecard.embodyIndex(results([6: 0.5]))
        /// The index for `earned` weighted points out of 18.5, rounded to 0.01 as Scorecard rounds it.
        func expected(_ earned: Double) -> Double {
            let percent: Double = 100 * earned / 18.5
            return (percent * 100).rounded() / 100
        }
        #expect(one == expected(1) && one == 5.41)
        #expect(eight == expected(3) && eight == 16.22)
        #expect(halfSix == expected(1.5))
        #expect(eight > one * 2.9, "the weights, not the number of exercises, decide")
        let mixed = Scorecard.embodyIndex(results([1: 1, 2: 0.5, 5: 0.25, 8: 1]))
        #expect(mixed == expected(1 + 0.5 + 0.5 + 3))
        #expect(Scorecard.embodyIndex(results([:])) == 0)
        #expect(Scorecard.embodyIndex(results(Dictionary(uniqueKeysWithValues: (1...9).map { ($0, 1.0) }))) == 100)
        // An exercise that was not graded counts as 0: the index is over the whole catalogue.
        let last = Catalog.exercises[Catalog.exercises.count - 1]
        #expect(Scorecard.embodyIndex(Array(results([last.number: 1]).suffix(1))) == expected(last.weight))
    }
}

// MARK: - Crash reports and build failures, on sample text

@Suite("Messages for people")
struct MessageTests {
    @Test func aCrashQuotesTheFatalErrorAndTheStudentsFileAndLine() {
        let stderr = """
            Swift/ContiguousArrayBuffer.swift:692: Fatal error: Index out of range

            *** Signal 4: Backtracing from 0x7f4bd4d6df7f... done ***
            Thread 0 "runner" crashed:
              0      0x00007f4bd4d6df7f closure #1 in _assertionFailure(_:_:file:line:flags:) + 623 in libswiftCore.so
              2 [ra] 0x00007f4bd54eef65 specialized Array.subscript.getter + 84 in libswiftSwiftOnoneSupport.so
              3 [ra] 0x00005583b0390fc1 JointPD.torques(_:) + 32 in runner at /home/st/embody/Exercises/02-joint-pd/JointPD.swift:17:37
              4 [ra] 0x00005583b0391100 StudentControllerAdapter.compute + 223 in runner at /home/st/embody/Sources/EmbodyExercises/StudentAPI.swift:280:7
            """
        let d = Grader.detail(stderr, exercisesDirectory: "/home/st/embody/Exercises")
        #expect(d == " at 02-joint-pd/JointPD.swift:17; Swift/ContiguousArrayBuffer.swift:692: Fatal error: Index out of range")
        #expect(!d.contains("0x"))
        // No frame in the student's files (a release build without debug information): the Fatal error line alone.
        #expect(Grader.detail("x.swift:3: Fatal error: boom\n*** Signal 4\n  1 [ra] 0x1 f + 2 in r",
                              exercisesDirectory: "/e") == ": x.swift:3: Fatal error: boom")
        #expect(Grader.detail("embody-exercise-runner: bad input\n", exercisesDirectory: "/e") == ": embody-exercise-runner: bad input")
    }

    @Test func buildFailuresSayWhatTheyAre() {
        let dir = "/home/st/embody/Exercises"
        let compile = """
            [3/9] Compiling embody_exercise_runner JointPD.swift
            /home/st/embody/Exercises/02-joint-pd/JointPD.swift:12:9: error: cannot find 'kq' in scope
             10 |     func torques(_ state: JointState) -> [Double] {
             11 |         var tau = [Double]()
            error: fatalError
            """
        let a = BuildDiagnosis.explain(output: compile, packageRoot: "/home/st/embody", exercisesDirectory: dir)
        #expect(a.hasPrefix("your code does not compile:\n/home/st/embody/Exercises/02-joint-pd/JointPD.swift:12:9: error: cannot find 'kq'"))
        // What swift build prints in a copy of a package made with its .build folder (measured with Swift 6.3.1).
        let stale = """
            error: emit-module command failed with exit code 1 (use -v to see invocation)
            <unknown>:0: error: precompiled file '/home/st/embody/.build/x86_64-unknown-linux-gnu/debug/ModuleCache/TXB5/SwiftShims-2WTE.pcm' was compiled with module cache path '/old/place/.build/x86_64-unknown-linux-gnu/debug/ModuleCache/TXB5', but the path is currently '/home/st/embody/.build/x86_64-unknown-linux-gnu/debug/ModuleCache/TXB5'
            <unknown>:0: error: missing required module 'SwiftShims'
            """
        let b = BuildDiagnosis.explain(output: stale, packageRoot: "/home/st/embody", exercisesDirectory: dir)
        #expect(b.contains("not in your code") && b.contains("rm -rf /home/st/embody/.build") && b.contains("was compiled with module cache path"))
        let manifest = "error: Invalid manifest (compiled with: …)\n/home/st/embody/Package.swift:3:1: error: expected expression"
        #expect(BuildDiagnosis.explain(output: manifest, packageRoot: "/home/st/embody", exercisesDirectory: dir)
                    .hasPrefix("the package manifest /home/st/embody/Package.swift does not load"))
        let other = "/home/st/embody/Sources/EmbodyModel/URDFLoader.swift:5:1: error: expected declaration"
        let d = BuildDiagnosis.explain(output: other, packageRoot: "/home/st/embody", exercisesDirectory: dir)
        #expect(d.contains("outside your files") && d.contains("URDFLoader.swift:5:1"))
        #expect(BuildDiagnosis.noPackage(exercisesDirectory: "/x/Exercises", packageRoot: "/x").contains("no Package.swift in /x"))
    }
}

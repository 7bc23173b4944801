@testable import EmbodyExercises
import EmbodyLocomotion
import EmbodyModel
import Foundation
import Testing

// MARK: - Exercise 9: the pieces of the walking trial, in process (the graded walks are in FairnessTests and
// DiscriminationTests, through the runners)

/// A source that writes a fixed reference: the CoM at (99, 99, 0.8) moving at (9, 9, 0.1), the ZMP at (7, 7, 0.01).
final class FixedSource: WalkingReferenceSource {
    var resets = 0
    func update(_ measurement: WalkingMeasurement, reference: inout WalkingReference) {
        reference.comPosition = Vector3(99, 99, 0.8)
        reference.comVelocity = Vector3(9, 9, 0.1)
        reference.comAcceleration = Vector3(9, 9, 0.2)
        reference.zmp = Vector3(7, 7, 0.01)
    }
    func reset() { resets += 1 }
}

/// A plan that returns no rows.
enum EmptyPlan: StudentZMPPreview {
    static func gains(_ setup: PreviewSetup) -> PreviewGains {
        PreviewGains(integral: 0, state: [0, 0, 0], preview: Array(repeating: 0, count: setup.previewSteps))
    }
    static func comTrajectory(zmpReference: [[Double]], initialCoM: [Double], setup: PreviewSetup,
                              gains: PreviewGains) -> [[Double]] { [] }
}

@Suite("Exercise 9: the walking trial's parts")
struct WalkingExerciseTests {
    let setup = PreviewSetup(dt: 0.005, comHeight: 0.78, gravity: 9.81, previewSteps: 320, trackingWeight: 1, jerkWeight: 1e-6)

    @Test func theGradersGainsAreThePreviewControllersAndTheErrorMeasureCatchesDefects() throws {
        let exact = try Trials.exactGains(setup)
        #expect(exact.preview.count == 320 && exact.state.count == 3)
        // docs/locomotion.md: G_i = 621.16 for dt 5 ms, z_c 0.8 m (scipy); for 0.78 m it is of that size and positive.
        #expect(exact.integral > 500 && exact.integral < 800, "\(exact.integral)")
        #expect(Trials.gainError(exact, exact: exact) == 0)
        var off = exact
        off.preview[200] *= 1.01
        let e = Trials.gainError(off, exact: exact)
        let expected = 0.01 * abs(exact.preview[200]) / exact.preview.map(abs).max()!
        #expect(e > 0 && abs(e - expected) < 1e-12 * expected, "\(e) vs \(expected)")
        off = exact
        off.state[1] = .nan
        #expect(Trials.gainError(off, exact: exact) == .infinity)
        off = exact
        off.preview.removeLast()
        #expect(Trials.gainError(off, exact: exact) == .infinity)
        // Another cost changes the gains by far more than the check's 1e-3.
        var other = setup
        other.jerkWeight = 1e-5
        #expect(Trials.gainError(try Trials.exactGains(other), exact: exact) > 0.01)
    }

    @Test func theCoMIsPlayedBackUnderConstantJerkBetweenSamples() {
        // x(t) = t³ on x, y = 1 + 2t − t²: sampled every 5 ms with exact derivatives, both are reproduced between samples.
        let dt = Trials.walkPlanPeriod
        let rows = (0..<11).map { k -> [Double] in
            let t = Double(k) * dt
            return [t * t * t, 1 + 2 * t - t * t, 3 * t * t, 2 - 2 * t, 6 * t, -2]
        }
        let inner = FixedSource()
        let source = PlannedCoMSource(inner: inner, rows: rows, dt: dt, zmpFactor: 0.78 / 9.81)
        var reference = WalkingReference(dof: 3)
        var measurement = WalkingMeasurement(dof: 3)
        for t in [0.0, 0.0012, 0.0173, 0.049] {
            measurement.state.time = t
            source.update(measurement, reference: &reference)
            #expect(abs(reference.comPosition.x - t * t * t) < 1e-12)
            #expect(abs(reference.comPosition.y - (1 + 2 * t - t * t)) < 1e-12)
            #expect(abs(reference.comVelocity.x - 3 * t * t) < 1e-12 && abs(reference.comVelocity.y - (2 - 2 * t)) < 1e-12)
            #expect(abs(reference.comAcceleration.x - 6 * t) < 1e-12 && abs(reference.comAcceleration.y + 2) < 1e-12)
            // The height and the rest stay the inner source's; the ZMP is the plan's.
            #expect(reference.comPosition.z == 0.8 && reference.comVelocity.z == 0.1 && reference.comAcceleration.z == 0.2)
            #expect(abs(reference.zmp.x - (t * t * t - 0.78 / 9.81 * 6 * t)) < 1e-12 && reference.zmp.z == 0.01)
        }
        // After the last sample: at rest on the last position.
        measurement.state.time = 1
        source.update(measurement, reference: &reference)
        #expect(reference.comPosition.x == rows[10][0] && reference.comVelocity.x == 0 && reference.comAcceleration.y == 0)
        source.reset()
        #expect(inner.resets == 1)
    }

    @Test func thePlannedZMPIsTheZMPOfThePositions() {
        // For p_ref = A sin Ωt the LIPM's bounded response is x = p_ref ω²/(ω² + Ω²): its ZMP x − ẍ/ω² is p_ref. The
        // reference itself as the plan (x = p_ref, ẍ = 0 claimed) has the ZMP p_ref (1 + Ω²/ω²) of its positions.
        let dt = Trials.walkPlanPeriod, f = 0.78 / 9.81, w2 = 1 / f
        let amplitude = 0.1, frequency = 2 * Double.pi * 1.0   // 400 samples: two whole periods
        let n = 400
        var plan: [[Double]] = [], naive: [[Double]] = [], reference: [[Double]] = []
        for k in 0..<n {
            let p = amplitude * sin(frequency * Double(k) * dt)
            let x = p * w2 / (w2 + frequency * frequency)
            plan.append([x, 0, 0, 0, 0, 0])   // derivatives deliberately zero: only the positions count
            naive.append([p, 0, 0, 0, 0, 0])
            reference.append([p, 0])
        }
        let good = Trials.plannedZMPError(plan, reference: reference, factor: f)
        #expect(good < 1e-3, "\(good)")     // one-sided differences at the two ends
        let bad = Trials.plannedZMPError(naive, reference: reference, factor: f)
        let expected = amplitude * frequency * frequency / w2 / 2.0.squareRoot()   // RMS of p Ω²/ω²
        #expect(abs(bad - expected) < 0.02 * expected, "\(bad) vs \(expected)")
        #expect(Trials.plannedZMPError([[0, 0, 0, 0, 0, 0]], reference: [[0, 0]], factor: f) == .infinity)
    }

    @Test func theReferenceStartsAtTheCoMAndBlendsIntoTheTimelines() {
        let left = Foothold(position: Vector3(0.04, 0.09, 0), yaw: 0), right = Foothold(position: Vector3(0.04, -0.09, 0), yaw: 0)
        let timeline = WalkingTimeline(capacity: 4, standingAt: left, right)
        let c0 = SIMD2(0.002, 0.001)
        let samples = Trials.zmpReference(timeline, initialCoM: c0, samples: 400)
        #expect(samples.count == 400)
        #expect(abs(samples[0][0] - c0.x) < 1e-15 && abs(samples[0][1] - c0.y) < 1e-15)
        let blendEnd = Int(Trials.walkBlendTime / Trials.walkPlanPeriod)
        for k in blendEnd..<400 { #expect(abs(samples[k][0] - 0.04) < 1e-12 && abs(samples[k][1]) < 1e-12) }
        for k in 1..<blendEnd { #expect(samples[k][0] >= samples[k - 1][0] - 1e-15) }   // monotone, no overshoot
    }

    @Test func aPlanOfTheWrongLengthIsReportedAndNothingWalks() throws {
        let solutions = SolutionSet(pdTuningGains: "01-pd-tuning/gains.yaml", jointPD: LimpController.self,
                                    gravityCompensation: LimpController.self, quintic: NoTrajectory.self,
                                    computedTorque: LimpController.self, inverseKinematics: NoIK.self,
                                    cartPole: LimpController.self, tiltEstimator: NoTilt.self,
                                    balance: LimpController.self, walking: EmptyPlan.self)
        let outcome = try Trials.run(exercise: 9, seed: 101, exercisesDirectory: exercisesDirectory, solutions: solutions)
        #expect(outcome.problem?.contains("returned 0 rows") == true, "\(outcome.problem ?? "nil")")
        #expect(outcome.metrics["falls"] == 1 && outcome.metrics["walk_distance"] == 0)
        #expect(outcome.metrics["gain_error"] == 1)   // zero gains: the error is the whole gain
        #expect(outcome.metrics["planned_zmp_error_rms"] == .infinity)
    }

    @Test func aPlanIsCheckedRowByRow() {
        let row = [0.0, 0, 0, 0, 0, 0]
        #expect(Trials.planProblem([row, row], count: 2) == nil)
        #expect(Trials.planProblem([row], count: 2)?.contains("returned 1 rows; the ZMP reference asks for 2") == true)
        #expect(Trials.planProblem([row, [0, 0, 0]], count: 2)?.contains("row 1 has 3 values, not 6") == true)
        #expect(Trials.planProblem([row, row, [0, .nan, 0, 0, 0, 0]], count: 3)?.contains("row 2 (t = 0.01 s) is not finite") == true)
    }

    @Test func aScenarioThatDoesNotWalkIsRejected() throws {
        // Exercise 8's scenario (a `hold` task under pd) in exercise 9's folder.
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ex9-\(UUID().uuidString)")
        let folder = dir.appendingPathComponent("09-humanoid-walk")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let urdf = repoRoot.appendingPathComponent("Scenarios/robots/humanoid.urdf").path
        let text = try String(contentsOfFile: balanceScenario, encoding: .utf8)
            .replacingOccurrences(of: "../../Scenarios/robots/humanoid.urdf", with: urdf)
        try text.write(to: folder.appendingPathComponent("scenario.yaml"), atomically: true, encoding: .utf8)
        #expect {
            _ = try Trials.run(exercise: 9, seed: 101, exercisesDirectory: dir.path, solutions: balanceSolutions(LimpController.self))
        } throws: { error in
            "\(error)".contains("type: walk") && "\(error)".contains("whole_body")
        }
    }
}

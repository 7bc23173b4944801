// The reference runner: grades the reference solutions in this folder (`embody exercise check N --reference`).

import EmbodyExercises

let reference = SolutionSet(
    pdTuningGains: "Reference/01-pd-tuning-gains.yaml",
    jointPD: JointPD.self,
    gravityCompensation: GravityCompensation.self,
    quintic: Quintic.self,
    computedTorque: ComputedTorque.self,
    inverseKinematics: DampedLeastSquaresIK.self,
    cartPole: CartPoleLQR.self,
    tiltEstimator: ComplementaryFilter.self,
    balance: BalanceController.self)
var crashing = reference
crashing.jointPD = CrashingPD.self
var looping = reference
looping.jointPD = LoopingPD.self

ExerciseRunnerMain.main(solutions: reference, variants: ["crashing": crashing, "looping": looping])

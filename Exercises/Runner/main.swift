// The students' runner: grades the code in Exercises/NN-*/ (built by `embody exercise check`).
// Do not edit: the grader calls it with --exercise N --seed S --exercises DIR.

import EmbodyExercises

ExerciseRunnerMain.main(solutions: SolutionSet(
    pdTuningGains: "01-pd-tuning/gains.yaml",
    jointPD: JointPD.self,
    gravityCompensation: GravityCompensation.self,
    quintic: Quintic.self,
    computedTorque: ComputedTorque.self,
    inverseKinematics: DampedLeastSquaresIK.self,
    cartPole: CartPoleLQR.self,
    tiltEstimator: ComplementaryFilter.self,
    balance: BalanceController.self,
    walking: ZMPPreview.self))

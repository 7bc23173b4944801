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
    balance: BalanceController.self,
    walking: ZMPPreview.self)
var crashing = reference
crashing.jointPD = CrashingPD.self
var looping = reference
looping.jointPD = LoopingPD.self
var indexCrash = reference
indexCrash.jointPD = IndexCrashPD.self

/// The reference with one part replaced: the near misses of NearMisses.swift.
@MainActor func with(_ change: (inout SolutionSet) -> Void) -> SolutionSet {
    var set = reference
    change(&set)
    return set
}

ExerciseRunnerMain.main(solutions: reference, variants: [
    "crashing": crashing, "looping": looping, "index-crash": indexCrash,
    "weak-joint-pd": with { $0.jointPD = WeakJointPD.self },
    "half-gravity": with { $0.gravityCompensation = HalfGravityCompensation.self },
    "unscaled-quintic": with { $0.quintic = UnscaledQuintic.self },
    "biasless-computed-torque": with { $0.computedTorque = BiaslessComputedTorque.self },
    "sign-flipped-ik": with { $0.inverseKinematics = SignFlippedIK.self },
    "unweighted-cart-lqr": with { $0.cartPole = UnweightedCartLQR.self },
    "slow-filter": with { $0.tiltEstimator = SlowFilter.self },
    "centred-sole-balance": with { $0.balance = CentredSoleBalance.self },
    "fixed-weight-preview": with { $0.walking = FixedWeightPreview.self },
    "short-sighted-preview": with { $0.walking = ShortSightedPreview.self },
    "position-only-preview": with { $0.walking = PositionOnlyPreview.self },
])

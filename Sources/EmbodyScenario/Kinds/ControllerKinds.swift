// MARK: - Controller kinds
//
// `controller.type` picks a case of `ControllerKind`; the case carries that controller's parameters,
// read from `controller.parameters`. Each parameter struct lists its keys once (see KindKeys.swift). The
// runtime builds each kind in its own file under Sources/EmbodyRuntime/Controllers/.

import EmbodyModel

/// The joint controller a scenario asks for, with its own parameters.
public enum ControllerKind: Equatable, Sendable {
    /// τ = kp (q* − q) − kd q̇; with any ki > 0 it is the `pid` law.
    case pd(PIDParameters)
    /// τ = kp e + ki ∫e dt − kd q̇, with the integral clamped and anti-windup.
    case pid(PIDParameters)
    /// τ = kp (q* − q) − kd q̇ + g(q).
    case pdGravity(PDGravityParameters)
    /// τ = M(q)(q̈* + kp e + kd ė) + h(q, q̇).
    case computedTorque(ComputedTorqueParameters)
    /// Tan, Liu & Turk (2011): PD on the next step's state with q̈ solved implicitly.
    case stablePD(StablePDParameters)
    /// Operational-space control of an end-effector link, with the joint gains as the null-space posture task.
    case osc(OperationalSpaceParameters)
    /// A Swift controller registered by name in a program of the user's own (CustomControllers.swift); its law is the registered one.
    case custom(CustomControllerParameters)
    /// τ = τ_host: the torques a host program (the C ABI, Python) wrote, held since the last control tick.
    case external(ExternalParameters)
    /// Task-space inverse dynamics of a floating-base biped as a quadratic program per tick (docs/locomotion.md).
    case wholeBody(WholeBodyControllerParameters)

    /// The controller types `controller.type` accepts, as written.
    public enum Name: String, CaseIterable, Sendable {
        case pd, pid
        case pdGravity = "pd_gravity"
        case computedTorque = "computed_torque"
        case stablePD = "stable_pd"
        case osc
        case custom
        case external
        case wholeBody = "whole_body"
    }

    /// This kind's name.
    public var name: Name {
        switch self {
        case .pd: .pd
        case .pid: .pid
        case .pdGravity: .pdGravity
        case .computedTorque: .computedTorque
        case .stablePD: .stablePD
        case .osc: .osc
        case .custom: .custom
        case .external: .external
        case .wholeBody: .wholeBody
        }
    }

    /// The kind named `name` with every default parameter.
    public init(defaultsFor name: Name) {
        switch name {
        case .pd: self = .pd(PIDParameters())
        case .pid: self = .pid(PIDParameters())
        case .pdGravity: self = .pdGravity(PDGravityParameters())
        case .computedTorque: self = .computedTorque(ComputedTorqueParameters())
        case .stablePD: self = .stablePD(StablePDParameters())
        case .osc: self = .osc(OperationalSpaceParameters())
        case .custom: self = .custom(CustomControllerParameters())
        case .external: self = .external(ExternalParameters())
        case .wholeBody: self = .wholeBody(WholeBodyControllerParameters())
        }
    }

    /// Whether the runtime builds the robot's dynamics terms (M, h, g, Jacobians) for this kind.
    public var needsDynamics: Bool {
        switch self {
        case .pd, .pid, .external: false
        case .pdGravity, .computedTorque, .stablePD, .osc, .wholeBody: true
        case .custom(let p): p.needsDynamics
        }
    }
}

extension ControllerKind.Name {
    /// The documentation of this controller type: its law, its `controller.parameters` keys, its metrics.
    public var description: KindDescription {
        switch self {
        case .pd: KindDescription(name: rawValue, summary: "τ = kp (q* − q) − kd q̇ (the `pid` law when any ki > 0)",
                                  keys: PIDParameters.keyDescriptions, metrics: [])
        case .pid: KindDescription(name: rawValue, summary: "τ = kp e + ki ∫e dt − kd q̇, e = q* − q, with anti-windup",
                                   keys: PIDParameters.keyDescriptions, metrics: [])
        case .pdGravity: KindDescription(name: rawValue, summary: "τ = kp (q* − q) − kd q̇ + g(q)",
                                         keys: PDGravityParameters.keyDescriptions, metrics: [])
        case .computedTorque: KindDescription(name: rawValue, summary: "τ = M(q)(q̈* + kp e + kd ė) + h(q, q̇); gains in 1/s² and 1/s",
                                              keys: ComputedTorqueParameters.keyDescriptions, metrics: [])
        case .stablePD: KindDescription(name: rawValue, summary: "Tan, Liu & Turk (2011): PD on the next step's state, q̈ solved implicitly",
                                        keys: StablePDParameters.keyDescriptions, metrics: [])
        case .osc: KindDescription(name: rawValue,
                                   summary: "τ = Jᵀ Λ (ẍ* + Kp eₓ + Kd ėₓ) + h + (I − Jᵀ J̄ᵀ)(kp (q* − q) − kd q̇); needs `controller.ee_link`",
                                   keys: OperationalSpaceParameters.keyDescriptions, metrics: [])
        case .custom: KindDescription(name: rawValue,
                                      summary: "The law of the Swift controller registered as `controller.name` in a program of your own (docs/controllers-in-swift.md); its `controller.parameters` are the numbers that registration declares, range-checked",
                                      keys: CustomControllerParameters.keyDescriptions, metrics: [])
        case .external: KindDescription(name: rawValue,
                                        summary: "τ = τ_host, the torques the host program (C ABI, Python) wrote, held since the last control tick; 0 until written. `replay --verify` replays the logged τ",
                                        keys: ExternalParameters.keyDescriptions, metrics: [])
        case .wholeBody: KindDescription(name: rawValue,
                                         summary: "Task-space inverse dynamics by quadratic programming each tick (floating base): min Σ w‖A v̇ − b‖² over v̇ and the soles' corner forces, s.t. the floating-base equations of motion, rigid stance feet, friction pyramids, f_min and torque limits; τ = M_j v̇ + h_j − (J_cᵀ f)_j. Tasks: CoM, torso orientation, pelvis (floating base) orientation, swing feet, posture, each a PD acceleration (docs/locomotion.md). Follows the task's walking reference, or stands",
                                         keys: WholeBodyControllerParameters.keyDescriptions, metrics: WholeBodyControllerParameters.metrics)
        }
    }

    /// The key tree of this type's `controller.parameters`.
    var parameterShape: MapShape {
        switch self {
        case .pd, .pid: PIDParameters.mapShape
        case .pdGravity: PDGravityParameters.mapShape
        case .computedTorque: ComputedTorqueParameters.mapShape
        case .stablePD: StablePDParameters.mapShape
        case .osc: OperationalSpaceParameters.mapShape
        case .custom: CustomControllerParameters.mapShape
        case .external: ExternalParameters.mapShape
        case .wholeBody: WholeBodyControllerParameters.mapShape
        }
    }
}

// MARK: - Parameters of each kind

/// `pd` and `pid`: the velocity filter, the integral bound and anti-windup (these two apply once some ki > 0).
public struct PIDParameters: Equatable, Sendable, KindParameters {
    /// The cutoff in Hz of a first-order low-pass filter on q̇, or nil for the measured q̇.
    public var velocityFilterHz: Double?
    /// The bound on |∫e dt| per joint, rad·s (m·s for prismatic joints).
    public var iLimit = Double.infinity
    /// Whether the integral stops growing while the torque is saturated.
    public var antiWindup = true

    /// The defaults: no filter, no integral bound, anti-windup on.
    public init() {}

    static var keys: [KindKey<Self>] {
        let d = Self()
        return [
            .optionalNumber("velocity_filter_hz", \.velocityFilterHz, unit: "Hz", .positive, "Cutoff of a first-order low-pass filter on q̇."),
            .custom("i_limit", type: "number ≥ 0", unit: "rad·s", defaultValue: "none", "Bound on the magnitude of each joint's ∫e dt (m·s for prismatic joints).") { reader, field, p in
                if let v = reader.number(field, unit: "rad·s", .nonNegative) { p.iLimit = v }
            },
            .flag("anti_windup", \.antiWindup, "Stop integrating while the torque is saturated.", defaults: d),
        ]
    }
}

/// `pd_gravity`: the velocity filter.
public struct PDGravityParameters: Equatable, Sendable, KindParameters {
    /// The cutoff in Hz of a first-order low-pass filter on q̇, or nil for the measured q̇.
    public var velocityFilterHz: Double?

    /// The defaults: no filter.
    public init() {}

    static var keys: [KindKey<Self>] {
        [.optionalNumber("velocity_filter_hz", \.velocityFilterHz, unit: "Hz", .positive, "Cutoff of a first-order low-pass filter on q̇.")]
    }
}

/// `computed_torque`: no parameters besides the gains.
public struct ComputedTorqueParameters: Equatable, Sendable, KindParameters {
    /// No parameters.
    public init() {}
    static var keys: [KindKey<Self>] { [] }
}

/// `stable_pd`: no parameters besides the gains.
public struct StablePDParameters: Equatable, Sendable, KindParameters {
    /// No parameters.
    public init() {}
    static var keys: [KindKey<Self>] { [] }
}

/// `external`: no parameters; the torques come from the host program at run time (docs/python.md).
public struct ExternalParameters: Equatable, Sendable, KindParameters {
    /// No parameters.
    public init() {}
    static var keys: [KindKey<Self>] { [] }
}

/// `osc`: the end-effector task's gains, point and options (the joint gains are the null-space posture task's).
public struct OperationalSpaceParameters: Equatable, Sendable, KindParameters {
    /// The controlled link (`controller.ee_link`, required).
    public var eeLink = ""
    /// Position stiffness Kp in 1/s² (the task-space law is mass-normalized by Λ).
    public var eeKp = 400.0
    /// Position damping Kd in 1/s.
    public var eeKd = 40.0
    /// Orientation stiffness in 1/s².
    public var eeRotKp = 400.0
    /// Orientation damping in 1/s.
    public var eeRotKd = 40.0
    /// Whether orientation is controlled too (false: position only).
    public var eeOrientation = true
    /// The controlled point in the link frame, m.
    public var eePoint: [Double] = [0, 0, 0]
    /// λ² of the damped inverse of J M⁻¹ Jᵀ, dimensionless.
    public var eeDamping = 1e-4
    /// Whether J̇ q̇ is compensated.
    public var eeJdot = true

    /// The defaults of docs/scenarios.md.
    public init() {}

    static var keys: [KindKey<Self>] {
        let d = Self()
        return [
            .number("ee_kp", \.eeKp, unit: "1/s²", .nonNegative, "Position stiffness of the end-effector task.", defaults: d),
            .number("ee_kd", \.eeKd, unit: "1/s", .nonNegative, "Position damping of the end-effector task.", defaults: d),
            .number("ee_rot_kp", \.eeRotKp, unit: "1/s²", .nonNegative, "Orientation stiffness.", defaults: d),
            .number("ee_rot_kd", \.eeRotKd, unit: "1/s", .nonNegative, "Orientation damping.", defaults: d),
            .flag("ee_orientation", \.eeOrientation, "Control orientation too (false: position only).", defaults: d),
            .custom("ee_point_x", type: "number", unit: "m", defaultValue: "0", "The controlled point's x in the link frame.") { r, f, p in
                if let v = r.number(f, unit: "m") { p.eePoint[0] = v }
            },
            .custom("ee_point_y", type: "number", unit: "m", defaultValue: "0", "The controlled point's y in the link frame.") { r, f, p in
                if let v = r.number(f, unit: "m") { p.eePoint[1] = v }
            },
            .custom("ee_point_z", type: "number", unit: "m", defaultValue: "0", "The controlled point's z in the link frame.") { r, f, p in
                if let v = r.number(f, unit: "m") { p.eePoint[2] = v }
            },
            .number("ee_damping", \.eeDamping, .positive, "λ² of the damped inverse of J M⁻¹ Jᵀ.", defaults: d),
            .flag("ee_jdot", \.eeJdot, "Compensate J̇ q̇.", defaults: d),
        ]
    }
}

/// `whole_body`: the links it controls, each task's PD gains (1/s², 1/s) and weight, and the contact model.
public struct WholeBodyControllerParameters: Equatable, Sendable, KindParameters {
    /// The left and right foot links (their collision boxes, or contact spheres, give the soles) and the torso link.
    public var leftFoot = "left_foot", rightFoot = "right_foot", torsoLink = "torso"
    /// Where each link name was written, when it was.
    public var leftFootLocation: SourceLocation?, rightFootLocation: SourceLocation?, torsoLinkLocation: SourceLocation?
    /// Centre-of-mass task.
    public var comKp = 40.0, comKd = 12.6, comWeight = 10.0
    /// Torso orientation task.
    public var torsoKp = 100.0, torsoKd = 20.0, torsoWeight = 1.0
    /// Pelvis (floating base) orientation task.
    public var pelvisKp = 100.0, pelvisKd = 20.0, pelvisWeight = 1.0
    /// Swing-foot pose task.
    public var swingKp = 400.0, swingKd = 40.0, swingWeight = 10.0
    /// Posture task.
    public var postureKp = 30.0, postureKd = 11.0, postureWeight = 1e-3
    /// Damping of a stance foot's velocity in its rigid-contact rows, 1/s.
    public var contactKd = 10.0
    /// Regularization of v̇ and of the contact forces.
    public var accelerationRegularization = 1e-5, forceRegularization = 1e-7
    /// The friction coefficient μ (the pyramid is inscribed: μ/√2) and the least normal force of a stance foot, N.
    public var friction = 0.7, minNormalForce = 10.0

    /// The metrics a run with this controller produces.
    public static let metrics = ["wbc_qp_failures", "wbc_qp_iterations_max"]

    /// The defaults of docs/scenarios.md (those of `WholeBodyParameters` in EmbodyLocomotion).
    public init() {}

    static var keys: [KindKey<Self>] {
        let d = Self()
        func link(_ key: String, _ path: WritableKeyPath<Self, String>, _ location: WritableKeyPath<Self, SourceLocation?>,
                  _ meaning: String) -> KindKey<Self> {
            .custom(key, type: "string", defaultValue: d[keyPath: path], meaning) { r, f, p in
                if let v = r.string(f) { p[keyPath: path] = v; p[keyPath: location] = f.location }
            }
        }
        return [
            link("left_foot", \.leftFoot, \.leftFootLocation, "The left foot link; the sole is the bottom face of its collision box, or the lowest points of its contact spheres."),
            link("right_foot", \.rightFoot, \.rightFootLocation, "The right foot link; the sole is the bottom face of its collision box, or the lowest points of its contact spheres."),
            link("torso_link", \.torsoLink, \.torsoLinkLocation, "The link whose orientation the torso task holds."),
            .number("com_kp", \.comKp, unit: "1/s²", .nonNegative, "Stiffness of the centre-of-mass task.", defaults: d),
            .number("com_kd", \.comKd, unit: "1/s", .nonNegative, "Damping of the centre-of-mass task.", defaults: d),
            .number("com_weight", \.comWeight, unit: "s⁴/m²", .nonNegative, "Weight of the centre-of-mass task.", defaults: d),
            .number("torso_kp", \.torsoKp, unit: "1/s²", .nonNegative, "Stiffness of the torso orientation task.", defaults: d),
            .number("torso_kd", \.torsoKd, unit: "1/s", .nonNegative, "Damping of the torso orientation task.", defaults: d),
            .number("torso_weight", \.torsoWeight, unit: "s⁴/rad²", .nonNegative, "Weight of the torso orientation task.", defaults: d),
            .number("pelvis_kp", \.pelvisKp, unit: "1/s²", .nonNegative, "Stiffness of the pelvis (floating base) orientation task.", defaults: d),
            .number("pelvis_kd", \.pelvisKd, unit: "1/s", .nonNegative, "Damping of the pelvis orientation task.", defaults: d),
            .number("pelvis_weight", \.pelvisWeight, unit: "s⁴/rad²", .nonNegative, "Weight of the pelvis orientation task (0: off).", defaults: d),
            .number("swing_kp", \.swingKp, unit: "1/s²", .nonNegative, "Stiffness of the swing-foot pose task.", defaults: d),
            .number("swing_kd", \.swingKd, unit: "1/s", .nonNegative, "Damping of the swing-foot pose task.", defaults: d),
            .number("swing_weight", \.swingWeight, .nonNegative, "Weight of the swing-foot pose task (per (m/s²)² and (rad/s²)²).", defaults: d),
            .number("posture_kp", \.postureKp, unit: "1/s²", .nonNegative, "Stiffness of the posture task (every joint).", defaults: d),
            .number("posture_kd", \.postureKd, unit: "1/s", .nonNegative, "Damping of the posture task.", defaults: d),
            .number("posture_weight", \.postureWeight, unit: "s⁴/rad²", .nonNegative, "Weight of the posture task.", defaults: d),
            .number("contact_kd", \.contactKd, unit: "1/s", .nonNegative, "Damping of a stance foot's velocity in its rigid-contact rows.", defaults: d),
            .number("acceleration_regularization", \.accelerationRegularization, .positive, "Weight ε_a of ‖v̇‖² in the cost.", defaults: d),
            .number("force_regularization", \.forceRegularization, unit: "1/N²", .positive, "Weight ε_f of the corner forces' ‖f‖² in the cost.", defaults: d),
            .number("friction", \.friction, .positive, "Friction coefficient μ of the contact model (the pyramid uses μ/√2).", defaults: d),
            .number("min_normal_force", \.minNormalForce, unit: "N", .nonNegative, "Least normal force of a stance foot.", defaults: d),
        ]
    }
}

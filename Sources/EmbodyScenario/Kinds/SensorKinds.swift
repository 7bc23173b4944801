// MARK: - Sensor kinds
//
// `sensors[].type` picks a case of `SensorKind`; the case carries that sensor's own keys. Keys every sensor
// has (`name`, `type`, `rate`, `latency`) live on `SensorSpec`. The runtime builds each kind in its own
// file under Sources/EmbodyRuntime/Sensors/.

import EmbodyModel

/// A declared sensor's kind, with its own parameters.
public enum SensorKind: Equatable, Sendable {
    /// Joint positions with noise and quantization.
    case jointEncoders(JointEncoderParameters)
    /// An accelerometer and gyroscope on a link.
    case imu(ImuParameters)
    /// The wrench across a joint.
    case forceTorque(ForceTorqueParameters)
    /// Normal force and centre of pressure on a link.
    case contact(ContactParameters)
    /// A z-depth image by ray casting.
    case depthCamera(DepthCameraParameters)
    /// Ranges along channels × samples beams.
    case lidar(LidarParameters)

    /// The sensor types `sensors[].type` accepts, as written.
    public enum Name: String, CaseIterable, Sendable {
        case jointEncoders = "joint_encoders"
        case imu
        case forceTorque = "force_torque"
        case contact
        case depthCamera = "depth_camera"
        case lidar
    }

    /// This kind's name.
    public var name: Name {
        switch self {
        case .jointEncoders: .jointEncoders
        case .imu: .imu
        case .forceTorque: .forceTorque
        case .contact: .contact
        case .depthCamera: .depthCamera
        case .lidar: .lidar
        }
    }

    /// The kind named `name` with every default parameter.
    public init(defaultsFor name: Name) {
        switch name {
        case .jointEncoders: self = .jointEncoders(JointEncoderParameters())
        case .imu: self = .imu(ImuParameters())
        case .forceTorque: self = .forceTorque(ForceTorqueParameters())
        case .contact: self = .contact(ContactParameters())
        case .depthCamera: self = .depthCamera(DepthCameraParameters())
        case .lidar: self = .lidar(LidarParameters())
        }
    }

    /// The robot link the sensor is mounted on, and where that name is written; nil for a world-mounted
    /// camera or lidar and for sensors without a link.
    public var link: (name: String, location: SourceLocation)? {
        switch self {
        case .jointEncoders, .forceTorque: nil
        case .imu(let p): p.link.isEmpty ? nil : (p.link, p.linkLocation)
        case .contact(let p): p.link.isEmpty ? nil : (p.link, p.linkLocation)
        case .depthCamera(let p): p.link.map { ($0, p.linkLocation) }
        case .lidar(let p): p.link.map { ($0, p.linkLocation) }
        }
    }
}

extension SensorKind.Name {
    /// The documentation of this sensor type: what it measures, its keys, its metrics.
    public var description: KindDescription {
        switch self {
        case .jointEncoders:
            KindDescription(name: rawValue, summary: "Joint positions q̃ = quantize(q + n), n ~ N(0, noise²); feeds the estimate with a filtered q̇",
                            keys: JointEncoderParameters.keyDescriptions, metrics: ["joint_position_estimate_error_rms"])
        case .imu:
            KindDescription(name: rawValue, summary: "Specific force and angular velocity in the link frame, with noise and bias; on a floating base it feeds a complementary filter for the base orientation, or, with joint encoders and a walk or stand task, leg odometry for the base's orientation, position and velocity",
                            keys: ImuParameters.keyDescriptions, metrics: ["base_orientation_error", "base_orientation_error_max", "base_position_error", "base_position_error_max"])
        case .forceTorque:
            KindDescription(name: rawValue, summary: "The wrench the joint's child side receives, in the child link's frame, with noise and bias",
                            keys: ForceTorqueParameters.keyDescriptions, metrics: ["force_error_rms", "torque_error_rms"])
        case .contact:
            KindDescription(name: rawValue, summary: "The total normal force on the link and its centre of pressure, with noise",
                            keys: ContactParameters.keyDescriptions, metrics: ["contact_force_error_rms", "cop_error_rms"])
        case .depthCamera:
            KindDescription(name: rawValue, summary: "A pinhole z-depth image by ray casting, σ(z) = noise + noise_quadratic·z²",
                            keys: DepthCameraParameters.keyDescriptions, metrics: ["depth_error_rms", "depth_valid_fraction"])
        case .lidar:
            KindDescription(name: rawValue, summary: "Ranges along channels × samples beams, with Gaussian range noise",
                            keys: LidarParameters.keyDescriptions, metrics: ["lidar_range_error_rms"])
        }
    }

    /// The key tree of this sensor type's own keys.
    var shape: MapShape {
        switch self {
        case .jointEncoders: JointEncoderParameters.mapShape
        case .imu: ImuParameters.mapShape
        case .forceTorque: ForceTorqueParameters.mapShape
        case .contact: ContactParameters.mapShape
        case .depthCamera: DepthCameraParameters.mapShape
        case .lidar: LidarParameters.mapShape
        }
    }
}

// MARK: - Shared keys

extension KindKey {
    /// A robot link's name with where it is written (checked against the model later).
    static func link(_ path: WritableKeyPath<Owner, String>, _ location: WritableKeyPath<Owner, SourceLocation>,
                     example: String, _ meaning: String) -> KindKey {
        .custom("link", type: "string", required: true, example: "link: \(example)", meaning) { reader, field, owner in
            if let name = reader.string(field) { owner[keyPath: path] = name; owner[keyPath: location] = field.location }
        }
    }

    /// An optional robot link's name with where it is written.
    static func optionalLink(_ path: WritableKeyPath<Owner, String?>, _ location: WritableKeyPath<Owner, SourceLocation>,
                             _ meaning: String) -> KindKey {
        .custom("link", type: "string", defaultValue: "none (the world)", meaning) { reader, field, owner in
            if let name = reader.string(field) { owner[keyPath: path] = name; owner[keyPath: location] = field.location }
        }
    }

    /// A camera's or lidar's mount: `xyz`/`rpy`, or `eye`/`target`/`up`.
    static func mount(_ path: WritableKeyPath<Owner, SensorMountSpec>) -> KindKey {
        .custom("mount", type: "`{ xyz, rpy }` or `{ eye, target, up }`", unit: "m; rad", defaultValue: "{ xyz: [0, 0, 0], rpy: [0, 0, 0] }",
                shape: .map(Keys.sensorMount),
                "The sensor frame in its link's frame (the world's without `link`); `eye`/`target`/`up` aim it.") { reader, field, owner in
            if let mount = reader.readMount(field) { owner[keyPath: path] = mount }
        }
    }
}

private let nowhere = SourceLocation(file: "", line: 0)

// MARK: - Parameters of each kind

/// `joint_encoders`: position noise and quantization for every joint.
public struct JointEncoderParameters: Equatable, Sendable, KindParameters {
    /// Position noise σ, rad or m.
    public var noise = 0.0
    /// Quantization step, rad or m (0: none).
    public var resolution = 0.0

    /// No noise, no quantization.
    public init() {}

    static var keys: [KindKey<Self>] {
        let d = Self()
        return [
            .number("noise", \.noise, unit: "rad or m", .nonNegative, "Position noise σ.", defaults: d),
            .number("resolution", \.resolution, unit: "rad or m", .nonNegative, "Quantization step (0: none).", defaults: d),
        ]
    }
}

/// `imu`: the link it sits on (at the link frame), noise and biases.
public struct ImuParameters: Equatable, Sendable, KindParameters {
    /// The link the IMU is mounted on.
    public var link = ""
    /// Where `link` is written.
    public var linkLocation = nowhere
    /// Accelerometer noise σ, m/s².
    public var noise = 0.0
    /// Gyroscope noise σ, rad/s.
    public var gyroNoise = 0.0
    /// Constant accelerometer bias, m/s², sensor frame.
    public var accelBias: [Double] = [0, 0, 0]
    /// Constant gyroscope bias, rad/s, sensor frame.
    public var gyroBias: [Double] = [0, 0, 0]
    /// Whether the accelerometer reads the mean specific force since the last sample (else the sample step's).
    public var accelAverage = false

    /// No noise, no bias, no link yet.
    public init() {}

    static var keys: [KindKey<Self>] {
        let d = Self()
        return [
            .link(\.link, \.linkLocation, example: "pelvis", "The link it is mounted on, at the link frame."),
            .number("noise", \.noise, unit: "m/s²", .nonNegative, "Accelerometer noise σ.", defaults: d),
            .number("gyro_noise", \.gyroNoise, unit: "rad/s", .nonNegative, "Gyroscope noise σ.", defaults: d),
            .vector("accel_bias", \.accelBias, count: 3, unit: "m/s²", .any, "Constant accelerometer bias, sensor frame.", defaults: d),
            .vector("gyro_bias", \.gyroBias, count: 3, unit: "rad/s", .any, "Constant gyroscope bias, sensor frame.", defaults: d),
            .flag("accel_average", \.accelAverage, "The accelerometer reads the mean specific force over the physics steps since the last sample (an anti-aliasing filter: an impact between samples is neither missed nor held for a whole period) instead of the sample step's alone; the gyroscope reads the sample step's angular velocity either way.", defaults: d),
        ]
    }
}

/// `force_torque`: the joint across which the wrench on its child side is measured, noise and biases.
public struct ForceTorqueParameters: Equatable, Sendable, KindParameters {
    /// The joint (movable or fixed).
    public var joint = ""
    /// Where `joint` is written.
    public var jointLocation = nowhere
    /// Force noise σ, N.
    public var forceNoise = 0.0
    /// Torque noise σ, N·m.
    public var torqueNoise = 0.0
    /// Constant force bias, N, sensor frame.
    public var forceBias: [Double] = [0, 0, 0]
    /// Constant torque bias, N·m, sensor frame.
    public var torqueBias: [Double] = [0, 0, 0]

    /// No noise, no bias, no joint yet.
    public init() {}

    static var keys: [KindKey<Self>] {
        let d = Self()
        return [
            .custom("joint", type: "string", required: true, example: "joint: joint_7", "The joint (movable or fixed) whose child side's wrench is measured.") { r, f, p in
                if let name = r.string(f) { p.joint = name; p.jointLocation = f.location }
            },
            .number("force_noise", \.forceNoise, unit: "N", .nonNegative, "Force noise σ.", defaults: d),
            .number("torque_noise", \.torqueNoise, unit: "N·m", .nonNegative, "Torque noise σ.", defaults: d),
            .vector("force_bias", \.forceBias, count: 3, unit: "N", .any, "Constant force bias, sensor frame.", defaults: d),
            .vector("torque_bias", \.torqueBias, count: 3, unit: "N·m", .any, "Constant torque bias, sensor frame.", defaults: d),
        ]
    }
}

/// `contact`: the link, noise and the in-contact threshold.
public struct ContactParameters: Equatable, Sendable, KindParameters {
    /// The link whose contacts are summed.
    public var link = ""
    /// Where `link` is written.
    public var linkLocation = nowhere
    /// Normal-force noise σ, N.
    public var forceNoise = 0.0
    /// Centre-of-pressure noise σ, m, along the link's x and y axes.
    public var copNoise = 0.0
    /// The normal force in N above which the link reads as in contact.
    public var threshold = 1.0

    /// No noise, a 1 N threshold, no link yet.
    public init() {}

    static var keys: [KindKey<Self>] {
        let d = Self()
        return [
            .link(\.link, \.linkLocation, example: "left_foot", "The link whose contacts are summed."),
            .number("force_noise", \.forceNoise, unit: "N", .nonNegative, "Normal-force noise σ.", defaults: d),
            .number("cop_noise", \.copNoise, unit: "m", .nonNegative, "Centre-of-pressure noise σ along the link's x and y.", defaults: d),
            .number("threshold", \.threshold, unit: "N", .nonNegative, "Normal force above which the link reads as in contact.", defaults: d),
        ]
    }
}

/// `depth_camera`: the mount, the image (size, intrinsics from `fov` or given, range) and the noise model.
public struct DepthCameraParameters: Equatable, Sendable, KindParameters {
    /// The link it is mounted on, or nil for a camera fixed in the world.
    public var link: String?
    /// Where `link` is written.
    public var linkLocation = nowhere
    /// The sensor frame in its link's frame (or the world's).
    public var mount = SensorMountSpec()
    /// The image size, intrinsics and range.
    public var image = DepthCameraSpec(width: 1, height: 1, fov: 1.0)
    /// Constant depth-noise σ, m.
    public var noise = 0.0
    /// The quadratic depth-noise coefficient in 1/m (σ(z) = noise + noiseQuadratic·z²).
    public var noiseQuadratic = 0.0
    /// Depth quantization step, m (0: none).
    public var resolution = 0.0
    /// Whether rays pass through the robot (false: the robot is seen).
    public var ignoreRobot = false

    /// A 1 × 1 image until width and height are read.
    public init() {}

    static var keys: [KindKey<Self>] {
        let d = Self()
        func px(_ key: String, _ meaning: String, _ write: @escaping (inout Self, Double) -> Void, bound: Bound = .any) -> KindKey<Self> {
            .custom(key, type: "number" + bound.typeSuffix, unit: "px", defaultValue: "from `fov`", meaning) { r, f, p in
                if let v = r.number(f, unit: "px", bound) { write(&p, v) }
            }
        }
        return [
            .optionalLink(\.link, \.linkLocation, "The link it is mounted on; without it the camera is fixed in the world."),
            .mount(\.mount),
            .custom("width", type: "whole number > 0", unit: "px", required: true, example: "width: 160", "Image width (width × height ≤ 1920 × 1080).") { r, f, p in
                if let v = r.integer(f, unit: "px", .positive) { p.image.width = v }
            },
            .custom("height", type: "whole number > 0", unit: "px", required: true, example: "height: 120", "Image height.") { r, f, p in
                if let v = r.integer(f, unit: "px", .positive) { p.image.height = v }
            },
            .custom("fov", type: "number in (0, π)", unit: "rad", defaultValue: "1.0", "Horizontal field of view; or give fx, fy, cx, cy.") { r, f, p in
                guard let fov = r.number(f, unit: "rad") else { return }
                if fov > 0 && fov < Double.pi {
                    p.image.fov = fov
                } else {
                    let degrees = fov > Double.pi && fov < 180
                        ? "; angles are in radians, so \(Reader.format(fov))° would be \(Reader.format((fov * Double.pi / 180 * 1e4).rounded() / 1e4)) rad" : ""
                    r.log.error(f.location, "\(f.path) must be between 0 and π rad (0° and 180°, both excluded), found \(Reader.format(fov))\(degrees)")
                }
            },
            px("fx", "Focal length along x (with fy, cx, cy instead of fov).", { $0.image.fx = $1 }, bound: .positive),
            px("fy", "Focal length along y.", { $0.image.fy = $1 }, bound: .positive),
            px("cx", "Principal point x.", { $0.image.cx = $1 }),
            px("cy", "Principal point y.", { $0.image.cy = $1 }),
            .custom("near", type: "number ≥ 0", unit: "m", defaultValue: "0.1", "Depths nearer than this read as invalid.") { r, f, p in
                if let v = r.number(f, unit: "m", .nonNegative) { p.image.near = v }
            },
            .custom("far", type: "number > 0", unit: "m", defaultValue: "10", "Depths farther than this read as invalid.") { r, f, p in
                if let v = r.number(f, unit: "m", .positive) { p.image.far = v }
            },
            .number("noise", \.noise, unit: "m", .nonNegative, "Constant depth-noise σ.", defaults: d),
            .number("noise_quadratic", \.noiseQuadratic, unit: "1/m", .nonNegative, "σ(z) = noise + noise_quadratic·z².", defaults: d),
            .number("resolution", \.resolution, unit: "m", .nonNegative, "Depth quantization step (0: none).", defaults: d),
            .flag("ignore_robot", \.ignoreRobot, "Rays pass through the robot.", defaults: d),
        ]
    }
}

/// `lidar`: the mount, the beams and range, and the range noise.
public struct LidarParameters: Equatable, Sendable, KindParameters {
    /// The link it is mounted on, or nil for a lidar fixed in the world.
    public var link: String?
    /// Where `link` is written.
    public var linkLocation = nowhere
    /// The sensor frame in its link's frame (or the world's).
    public var mount = SensorMountSpec()
    /// The beams and range.
    public var beams = LidarSpec()
    /// Range noise σ, m.
    public var noise = 0.0
    /// Whether rays pass through the robot (false: the robot is seen).
    public var ignoreRobot = false

    /// The default 16 × 360 lidar.
    public init() {}

    static var keys: [KindKey<Self>] {
        let d = Self()
        return [
            .optionalLink(\.link, \.linkLocation, "The link it is mounted on; without it the lidar is fixed in the world."),
            .mount(\.mount),
            .custom("channels", type: "whole number ≥ 1", defaultValue: "16", "Vertical channels (channels × samples ≤ 1920 × 1080).") { r, f, p in
                if let v = r.integer(f, .atLeast(1)) { p.beams.channels = v }
            },
            .custom("samples", type: "whole number ≥ 1", defaultValue: "360", "Samples per channel.") { r, f, p in
                if let v = r.integer(f, .atLeast(1)) { p.beams.samples = v }
            },
            .custom("vertical", type: "list of 2 numbers in [−π/2, π/2]", unit: "rad", defaultValue: "[-0.26, 0.26]",
                    shape: .vector, "Lowest and highest channel elevation.") { r, f, p in
                guard let v = r.vector(f, count: 2, unit: "rad", .between(-Double.pi / 2, Double.pi / 2)) else { return }
                if v[0] > v[1] {
                    r.log.error(f.location, "\(f.path) is [lowest, highest] elevation; \(Reader.format(v[0])) is above \(Reader.format(v[1]))")
                } else {
                    p.beams.vertical = v
                }
            },
            .custom("horizontal_fov", type: "number in (0, 2π]", unit: "rad", defaultValue: "2π", "Horizontal field of view.") { r, f, p in
                guard let v = r.number(f, unit: "rad", .positive) else { return }
                if v > 2 * Double.pi + 1e-12 {
                    r.log.error(f.location, "\(f.path) must be at most 2π rad (a full turn), found \(Reader.format(v)); angles are in radians")
                } else {
                    p.beams.horizontalFov = v
                }
            },
            .custom("horizontal_start", type: "number", unit: "rad", defaultValue: "−π", "The first sample's azimuth.") { r, f, p in
                if let v = r.number(f, unit: "rad") { p.beams.horizontalStart = v }
            },
            .custom("range", type: "list of 2 numbers ≥ 0", unit: "m", defaultValue: "[0.05, 20]", shape: .vector,
                    "Nearest and farthest returns kept.") { r, f, p in
                guard let v = r.vector(f, count: 2, unit: "m", .nonNegative) else { return }
                if v[1] <= v[0] {
                    r.log.error(f.location, "\(f.path) is [min, max] in m; max \(Reader.format(v[1])) must be greater than min \(Reader.format(v[0]))")
                } else {
                    p.beams.range = v
                }
            },
            .number("noise", \.noise, unit: "m", .nonNegative, "Range noise σ.", defaults: d),
            .flag("ignore_robot", \.ignoreRobot, "Rays pass through the robot.", defaults: d),
        ]
    }
}

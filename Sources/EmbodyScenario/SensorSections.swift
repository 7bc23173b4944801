// MARK: - The `sensors` section
//
// Each sensor type uses its own keys besides name, type, rate and latency; a key of another type is an
// error, not silently ignored. Names of links and joints are checked against the robot later, in
// ModelChecks.swift; everything else (sizes, ranges, angles, mounts) is checked here.

import EmbodyModel

extension Reader {
    /// The keys each sensor type uses besides `name`, `type`, `rate` and `latency`.
    static let sensorKeys: [String: [String]] = [
        "joint_encoders": ["noise", "resolution"],
        "imu": ["link", "noise", "gyro_noise", "accel_bias", "gyro_bias"],
        "force_torque": ["joint", "force_noise", "torque_noise", "force_bias", "torque_bias"],
        "contact": ["link", "force_noise", "cop_noise", "threshold"],
        "depth_camera": ["link", "mount", "width", "height", "fov", "fx", "fy", "cx", "cy", "near", "far", "noise",
                         "noise_quadratic", "resolution", "ignore_robot"],
        "lidar": ["link", "mount", "channels", "samples", "vertical", "horizontal_fov", "horizontal_start", "range",
                  "noise", "ignore_robot"],
    ]

    /// Reads `sensors`: a list of sensors, each checked for its own type's keys.
    mutating func readSensors(_ field: Field?, physicsRate: Int) -> [SensorSpec] {
        let example = "{ name: imu, type: imu, link: pelvis, rate: 500, noise: 0.05, gyro_noise: 0.005 }"
        var sensors: [SensorSpec] = []
        for item in list(field, example: "[\(example)]") ?? [] {
            guard let view = map(item, shape: Keys.sensor, example: example) else { continue }
            let name = string(require(view, "name", example: "name: imu"))
            let type = choice(require(view, "type", example: "type: imu"), among: ScenarioSchema.sensorTypes, what: "sensor type")
            guard let name, let type else { continue }
            if sensors.contains(where: { $0.name == name }) {
                log.error(item.location, "two sensors are named '\(name)'; sensor names must be unique")
            }
            var spec = SensorSpec(name: name, type: type, location: item.location)
            let used = Set(["name", "type", "rate", "latency"] + (Reader.sensorKeys[type] ?? []))
            for entry in view.map.entries where Keys.sensor.isField(entry.key) && !used.contains(entry.key) {
                let owners = Reader.sensorKeys.filter { $0.value.contains(entry.key) }.map(\.key).sorted()
                log.error(entry.keyLocation, "\(Reader.join(item.path, entry.key)) is not used by \(type) sensors (it belongs to \(owners.joined(separator: ", ")))")
            }
            if let rateField = view.field("rate"), let rate = number(rateField, unit: "Hz", .positive) {
                if rate != rate.rounded() || physicsRate <= 0 || physicsRate % Int(rate) != 0 {
                    let divisors = rate == rate.rounded() && rate < 1e9 ? Reader.nearestDivisors(of: physicsRate, around: Int(rate)) : []
                    let hint = divisors.isEmpty ? "" : "; use a divisor such as \(divisors.map(String.init).joined(separator: " or "))"
                    log.error(rateField.location, "\(rateField.path) \(Reader.format(rate)) Hz does not divide the physics rate \(physicsRate) Hz\(hint)")
                } else {
                    spec.rate = Int(rate)
                }
            }
            if let latencyField = view.field("latency"), let latency = number(latencyField, unit: "ticks", .nonNegative) {
                if latency != latency.rounded() || latency > 1e9 {
                    log.error(latencyField.location, "\(latencyField.path) must be a whole number of physics ticks, found \(Reader.format(latency))")
                } else {
                    spec.latency = Int(latency)
                }
            }
            let linkField = ["imu", "contact"].contains(type) ? require(view, "link", example: "link: \(type == "imu" ? "pelvis" : "left_foot")")
                : (used.contains("link") ? view.field("link") : nil)
            if let linkField, let link = string(linkField) {
                spec.link = link
                spec.linkLocation = linkField.location
            }
            switch type {
            case "joint_encoders":
                if let v = number(view.field("noise"), unit: "rad or m", .nonNegative) { spec.noise = v }
                if let v = number(view.field("resolution"), unit: "rad or m", .nonNegative) { spec.resolution = v }
            case "imu":
                if let v = number(view.field("noise"), unit: "m/s²", .nonNegative) { spec.noise = v }
                if let v = number(view.field("gyro_noise"), unit: "rad/s", .nonNegative) { spec.gyroNoise = v }
                if let v = vector(view.field("accel_bias"), count: 3, unit: "m/s²") { spec.accelBias = v }
                if let v = vector(view.field("gyro_bias"), count: 3, unit: "rad/s") { spec.gyroBias = v }
            case "force_torque":
                if let jointField = require(view, "joint", example: "joint: joint_7"), let joint = string(jointField) {
                    spec.joint = joint
                    spec.jointLocation = jointField.location
                }
                if let v = number(view.field("force_noise"), unit: "N", .nonNegative) { spec.forceNoise = v }
                if let v = number(view.field("torque_noise"), unit: "N·m", .nonNegative) { spec.torqueNoise = v }
                if let v = vector(view.field("force_bias"), count: 3, unit: "N") { spec.forceBias = v }
                if let v = vector(view.field("torque_bias"), count: 3, unit: "N·m") { spec.torqueBias = v }
            case "contact":
                if let v = number(view.field("force_noise"), unit: "N", .nonNegative) { spec.forceNoise = v }
                if let v = number(view.field("cop_noise"), unit: "m", .nonNegative) { spec.copNoise = v }
                if let v = number(view.field("threshold"), unit: "N", .nonNegative) { spec.threshold = v }
            case "depth_camera":
                if let m = view.field("mount"), let mount = readMount(m) { spec.mount = mount }
                spec.camera = readCamera(view, item: item)
                if let v = number(view.field("noise"), unit: "m", .nonNegative) { spec.noise = v }
                if let v = number(view.field("noise_quadratic"), unit: "1/m", .nonNegative) { spec.noiseQuadratic = v }
                if let v = number(view.field("resolution"), unit: "m", .nonNegative) { spec.resolution = v }
                if let v = bool(view.field("ignore_robot")) { spec.ignoreRobot = v }
            default:  // lidar
                if let m = view.field("mount"), let mount = readMount(m) { spec.mount = mount }
                spec.lidar = readLidar(view)
                if let v = number(view.field("noise"), unit: "m", .nonNegative) { spec.noise = v }
                if let v = bool(view.field("ignore_robot")) { spec.ignoreRobot = v }
            }
            sensors.append(spec)
        }
        return sensors
    }

    /// A depth camera's size, intrinsics and range.
    private mutating func readCamera(_ view: MapView, item: Field) -> DepthCameraSpec {
        let widthField = require(view, "width", example: "width: 160")
        let width = integer(widthField, unit: "px", .positive)
        let height = integer(require(view, "height", example: "height: 120"), unit: "px", .positive)
        var spec = DepthCameraSpec(width: width ?? 1, height: height ?? 1, fov: nil)
        if let width, let height, let widthField, width * height > ScenarioSchema.maxSensorRays {
            log.error(widthField.location, "\(item.path): a \(width)×\(height) image has \(width * height) pixels, more than the 1920×1080 = \(ScenarioSchema.maxSensorRays) a depth camera may have")
        }
        let intrinsicKeys = ["fx", "fy", "cx", "cy"]
        let givenIntrinsics = intrinsicKeys.filter { view.field($0) != nil }
        let fovField = view.field("fov")
        if let fovField {
            if let first = givenIntrinsics.first, let f = view.field(first) {
                log.error(f.keyLocation, "\(item.path): give either fov or fx, fy, cx, cy, not both")
            }
            if let fov = number(fovField, unit: "rad") {
                if fov > 0 && fov < Double.pi {
                    spec.fov = fov
                } else {
                    let degrees = fov > Double.pi && fov < 180
                        ? "; angles are in radians, so \(Reader.format(fov))° would be \(Reader.format((fov * Double.pi / 180 * 1e4).rounded() / 1e4)) rad" : ""
                    log.error(fovField.location, "\(fovField.path) must be between 0 and π rad (0° and 180°, both excluded), found \(Reader.format(fov))\(degrees)")
                }
            }
        } else if givenIntrinsics.isEmpty {
            spec.fov = 1.0
        } else {
            if givenIntrinsics.count < 4 {
                let missing = intrinsicKeys.filter { !givenIntrinsics.contains($0) }
                log.error(view.field(givenIntrinsics[0])?.keyLocation ?? item.location,
                          "\(item.path): fx, fy, cx and cy go together; missing \(missing.joined(separator: ", "))")
            }
            spec.fx = number(view.field("fx"), unit: "px", .positive)
            spec.fy = number(view.field("fy"), unit: "px", .positive)
            spec.cx = number(view.field("cx"), unit: "px")
            spec.cy = number(view.field("cy"), unit: "px")
        }
        let near = number(view.field("near"), unit: "m", .nonNegative)
        let farField = view.field("far")
        let far = number(farField, unit: "m", .positive)
        if let near { spec.near = near }
        if let far { spec.far = far }
        if spec.far <= spec.near {
            log.error(farField?.location ?? view.field("near")?.location ?? item.location,
                      "\(item.path): far (\(Reader.format(spec.far)) m) must be greater than near (\(Reader.format(spec.near)) m)")
        }
        return spec
    }

    /// A lidar's beams and range.
    private mutating func readLidar(_ view: MapView) -> LidarSpec {
        var spec = LidarSpec()
        let channelsField = view.field("channels")
        if let v = integer(channelsField, .atLeast(1)) { spec.channels = v }
        if let v = integer(view.field("samples"), .atLeast(1)) { spec.samples = v }
        if spec.channels * spec.samples > ScenarioSchema.maxSensorRays {
            log.error(channelsField?.location ?? view.field("samples")?.location ?? view.anchor,
                      "\(view.path): \(spec.channels) channels × \(spec.samples) samples is \(spec.channels * spec.samples) rays, more than the \(ScenarioSchema.maxSensorRays) a lidar scan may cast")
        }
        if let f = view.field("vertical"), let v = vector(f, count: 2, unit: "rad", .between(-Double.pi / 2, Double.pi / 2)) {
            if v[0] > v[1] {
                log.error(f.location, "\(f.path) is [lowest, highest] elevation; \(Reader.format(v[0])) is above \(Reader.format(v[1]))")
            } else {
                spec.vertical = v
            }
        }
        if let f = view.field("horizontal_fov"), let v = number(f, unit: "rad", .positive) {
            if v > 2 * Double.pi + 1e-12 {
                log.error(f.location, "\(f.path) must be at most 2π rad (a full turn), found \(Reader.format(v)); angles are in radians")
            } else {
                spec.horizontalFov = v
            }
        }
        if let v = number(view.field("horizontal_start"), unit: "rad") { spec.horizontalStart = v }
        if let f = view.field("range"), let v = vector(f, count: 2, unit: "m", .nonNegative) {
            if v[1] <= v[0] {
                log.error(f.location, "\(f.path) is [min, max] in m; max \(Reader.format(v[1])) must be greater than min \(Reader.format(v[0]))")
            } else {
                spec.range = v
            }
        }
        return spec
    }

    /// A sensor mount: `xyz` and `rpy`, or `eye`, `target` and optionally `up`.
    private mutating func readMount(_ field: Field) -> SensorMountSpec? {
        guard let view = map(field, shape: Keys.sensorMount, example: "{ xyz: [0, 0, 0.1], rpy: [0, 0, 0] } or { eye: [1, 0, 1], target: [0, 0, 0] }") else {
            return nil
        }
        var mount = SensorMountSpec()
        let eyeField = view.field("eye"), targetField = view.field("target")
        let lookAt = eyeField != nil || targetField != nil
        if lookAt {
            for key in ["xyz", "rpy"] {
                if let f = view.field(key) { log.error(f.keyLocation, "\(field.path): give either xyz and rpy, or eye and target, not both") }
            }
            let eye = vector(eyeField ?? require(view, "eye", example: "eye: [1, 0, 1]"), count: 3, unit: "m")
            let target = vector(targetField ?? require(view, "target", example: "target: [0, 0, 0]"), count: 3, unit: "m")
            let up = vector(view.field("up"), count: 3)
            guard let eye, let target else { return nil }
            let d = Vector3(target[0] - eye[0], target[1] - eye[1], target[2] - eye[2])
            guard length(d) > 1e-9 else {
                log.error(targetField?.location ?? field.location, "\(field.path).target must differ from eye")
                return nil
            }
            let u = up.map { Vector3($0[0], $0[1], $0[2]) } ?? Vector3(0, 0, 1)
            if length(cross(d, u)) <= 1e-9 * length(d) * max(length(u), 1e-300) {
                log.error(view.field("up")?.location ?? (targetField?.location ?? field.location),
                          "\(field.path): up \(up.map { "\($0)" } ?? "[0, 0, 1]") is parallel to the view direction from eye to target; give an up that is not")
                return nil
            }
            mount.xyz = eye
            mount.target = target
            if let up { mount.up = up }
        } else {
            if let f = view.field("up") { log.error(f.keyLocation, "\(field.path).up is only used with eye and target") }
            if let v = vector(view.field("xyz"), count: 3, unit: "m") { mount.xyz = v }
            if let v = vector(view.field("rpy"), count: 3, unit: "rad") { mount.rpy = v }
        }
        return mount
    }
}

// MARK: - The `sensors` section
//
// Each sensor type uses its own keys besides name, type, rate and latency; a key of another type is an
// error, not silently ignored. Names of links and joints are checked against the robot later, in
// ModelChecks.swift; everything else (sizes, ranges, angles, mounts) is checked here.

import EmbodyModel

extension Reader {
    /// The keys every sensor has, besides its kind's own.
    static let commonSensorKeys = ["name", "type", "rate", "latency"]

    /// Reads `sensors`: a list of sensors, each checked for its own type's keys.
    mutating func readSensors(_ field: Field?, physicsRate: Int) -> [SensorSpec] {
        let example = "{ name: imu, type: imu, link: pelvis, rate: 500, noise: 0.05, gyro_noise: 0.005 }"
        var sensors: [SensorSpec] = []
        for item in list(field, example: "[\(example)]") ?? [] {
            // Keys are checked against the sensor's own kind below (against every kind's when the type is unknown).
            guard let view = map(item, shape: Keys.anyKeys, example: example) else { continue }
            let name = string(require(view, "name", example: "name: imu"))
            let type = choice(require(view, "type", example: "type: imu"), among: ScenarioSchema.sensorTypes, what: "sensor type")
                .flatMap(SensorKind.Name.init(rawValue:))
            guard let name, let type else {
                checkKindKeys(view, common: Keys.sensor.keys, usedBy: "sensors", keys: [], allKinds: [])
                continue
            }
            if sensors.contains(where: { $0.name == name }) {
                log.error(item.location, "two sensors are named '\(name)'; sensor names must be unique")
            }
            checkKindKeys(view, common: Reader.commonSensorKeys, usedBy: "\(type.rawValue) sensors",
                          keys: type.description.keyNames,
                          allKinds: SensorKind.Name.allCases.map { ($0.rawValue, $0.description.keyNames) })
            var spec = SensorSpec(name: name, kind: SensorKind(defaultsFor: type), location: item.location)
            if let rateField = view.field("rate"), let rate = number(rateField, unit: "Hz", .positive) {
                if rate != rate.rounded() || rate > 1e9 || physicsRate <= 0 || physicsRate % Int(rate) != 0 {
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
            switch spec.kind {
            case .jointEncoders(var p):
                read(JointEncoderParameters.self, from: view, into: &p); spec.kind = .jointEncoders(p)
            case .imu(var p):
                read(ImuParameters.self, from: view, into: &p); spec.kind = .imu(p)
            case .forceTorque(var p):
                read(ForceTorqueParameters.self, from: view, into: &p); spec.kind = .forceTorque(p)
            case .contact(var p):
                read(ContactParameters.self, from: view, into: &p); spec.kind = .contact(p)
            case .depthCamera(var p):
                readDepthCamera(view, item: item, into: &p); spec.kind = .depthCamera(p)
            case .lidar(var p):
                read(LidarParameters.self, from: view, into: &p)
                let rays = p.beams.channels * p.beams.samples
                if rays > ScenarioSchema.maxSensorRays {
                    log.error(view.field("channels")?.location ?? view.field("samples")?.location ?? view.anchor,
                              "\(view.path): \(p.beams.channels) channels × \(p.beams.samples) samples is \(rays) rays, more than the \(ScenarioSchema.maxSensorRays) a lidar scan may cast")
                }
                spec.kind = .lidar(p)
            }
            sensors.append(spec)
        }
        return sensors
    }

    /// A depth camera's keys, then the checks across them: the pixel cap, fov or intrinsics, near below far.
    private mutating func readDepthCamera(_ view: MapView, item: Field, into p: inout DepthCameraParameters) {
        read(DepthCameraParameters.self, from: view, into: &p)
        let width = p.image.width, height = p.image.height
        if let widthField = view.field("width"), view.field("height") != nil, width.multipliedReportingOverflow(by: height).overflow
            || width * height > ScenarioSchema.maxSensorRays {
            let pixels = width.multipliedReportingOverflow(by: height).overflow ? "more than \(Int.max)" : "\(width * height)"
            log.error(widthField.location, "\(item.path): a \(width)×\(height) image has \(pixels) pixels, more than the 1920×1080 = \(ScenarioSchema.maxSensorRays) a depth camera may have")
        }
        let intrinsicKeys = ["fx", "fy", "cx", "cy"]
        let givenIntrinsics = intrinsicKeys.filter { view.field($0) != nil }
        if view.field("fov") != nil {
            if let first = givenIntrinsics.first, let f = view.field(first) {
                log.error(f.keyLocation, "\(item.path): give either fov or fx, fy, cx, cy, not both")
            }
        } else if !givenIntrinsics.isEmpty {
            p.image.fov = nil
            if givenIntrinsics.count < 4 {
                let missing = intrinsicKeys.filter { !givenIntrinsics.contains($0) }
                log.error(view.field(givenIntrinsics[0])?.keyLocation ?? item.location,
                          "\(item.path): fx, fy, cx and cy go together; missing \(missing.joined(separator: ", "))")
            }
        }
        if p.image.far <= p.image.near {
            log.error(view.field("far")?.location ?? view.field("near")?.location ?? item.location,
                      "\(item.path): far (\(Reader.format(p.image.far)) m) must be greater than near (\(Reader.format(p.image.near)) m)")
        }
    }

    /// A sensor mount: `xyz` and `rpy`, or `eye`, `target` and optionally `up`.
    mutating func readMount(_ field: Field) -> SensorMountSpec? {
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

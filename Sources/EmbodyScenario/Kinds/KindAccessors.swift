// MARK: - A kind's parameters, or nil when it is another kind
//
// `if case .hold(let p) = task.kind` written once per kind, for code (and tests) that asks one question of a
// kind it does not switch over.

extension TaskKind {
    /// The `hold` task's parameters, or nil for another kind.
    public var hold: HoldTask? { if case .hold(let p) = self { p } else { nil } }
    /// The waypoints of a `joint_waypoints` or `joint_trajectory` task, or nil for another kind.
    public var waypoints: WaypointsTask? {
        switch self {
        case .jointWaypoints(let p), .jointTrajectory(let p): p
        default: nil
        }
    }
    /// The `joint_sine` task's parameters, or nil for another kind.
    public var sine: SineTask? { if case .jointSine(let p) = self { p } else { nil } }
    /// The `ee_targets` task's parameters, or nil for another kind.
    public var eeTargets: EndEffectorTargetsTask? { if case .eeTargets(let p) = self { p } else { nil } }
    /// The `reach_object` task's parameters, or nil for another kind.
    public var reachObject: ReachObjectTask? { if case .reachObject(let p) = self { p } else { nil } }
    /// The `walk` task's parameters, or nil for another kind.
    public var walk: WalkTask? { if case .walk(let p) = self { p } else { nil } }
    /// The `stand` task's parameters, or nil for another kind.
    public var stand: StandTask? { if case .stand(let p) = self { p } else { nil } }
}

extension SensorKind {
    /// The `contact` sensor's parameters, or nil for another kind.
    public var contact: ContactParameters? { if case .contact(let p) = self { p } else { nil } }
    /// The `force_torque` sensor's parameters, or nil for another kind.
    public var forceTorque: ForceTorqueParameters? { if case .forceTorque(let p) = self { p } else { nil } }
    /// The `depth_camera` sensor's parameters, or nil for another kind.
    public var depthCamera: DepthCameraParameters? { if case .depthCamera(let p) = self { p } else { nil } }
    /// The `lidar` sensor's parameters, or nil for another kind.
    public var lidar: LidarParameters? { if case .lidar(let p) = self { p } else { nil } }
}

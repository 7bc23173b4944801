// MARK: - Test helpers: a kind's parameters, or nil when it is another kind

import EmbodyScenario

extension TaskKind {
    var hold: HoldTask? { if case .hold(let p) = self { return p } else { return nil } }
    var waypoints: WaypointsTask? {
        switch self {
        case .jointWaypoints(let p), .jointTrajectory(let p): return p
        default: return nil
        }
    }
    var sine: SineTask? { if case .jointSine(let p) = self { return p } else { return nil } }
    var eeTargets: EndEffectorTargetsTask? { if case .eeTargets(let p) = self { return p } else { return nil } }
    var reachObject: ReachObjectTask? { if case .reachObject(let p) = self { return p } else { return nil } }
}

extension SensorKind {
    var contact: ContactParameters? { if case .contact(let p) = self { return p } else { return nil } }
    var forceTorque: ForceTorqueParameters? { if case .forceTorque(let p) = self { return p } else { return nil } }
    var depthCamera: DepthCameraParameters? { if case .depthCamera(let p) = self { return p } else { return nil } }
    var lidar: LidarParameters? { if case .lidar(let p) = self { return p } else { return nil } }
}

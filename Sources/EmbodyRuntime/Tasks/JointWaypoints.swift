// MARK: - joint_waypoints: targets that jump at waypoint times

import EmbodyScenario

extension WaypointsTask {
    /// `joint_waypoints`: the posture of each waypoint from its tick on.
    func makeWaypointsTask(_ c: TaskContext) -> TaskSetup {
        let (ticks, _, postures) = postures(c)
        return TaskSetup(reference: .postures(Array(zip(ticks, postures)).map { (tick: $0.0, q: $0.1) }))
    }

    /// The initial posture at tick 0, then each waypoint after tick 0 with its tick, time (s) and posture (the
    /// scenario's own definition of the targets at its time, `TaskSpec.targets(at:jointNames:initialQ:)`).
    func postures(_ c: TaskContext) -> (ticks: [Int], times: [Double], postures: [[Double]]) {
        let names = c.model.jointNames
        let task = TaskSpec(kind: .jointWaypoints(self))
        var ticks = [0], times = [0.0]
        var postures = [task.targets(at: 0, jointNames: names, initialQ: c.initialQ)]
        for w in waypoints where c.timing.tick(atSeconds: w.at) > 0 {
            ticks.append(c.timing.tick(atSeconds: w.at))
            times.append(w.at)
            postures.append(task.targets(at: w.at, jointNames: names, initialQ: c.initialQ))
        }
        return (ticks, times, postures)
    }
}

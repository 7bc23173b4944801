// MARK: - hold: a fixed posture

import EmbodyScenario

extension HoldTask {
    /// `hold`: `q` by joint name, the initial q elsewhere, from tick 0.
    func makeTask(_ c: TaskContext) -> TaskSetup {
        let target = TaskSpec(kind: .hold(self)).targets(at: 0, jointNames: c.model.jointNames, initialQ: c.initialQ)
        return TaskSetup(reference: .postures([(tick: 0, q: target)]))
    }
}

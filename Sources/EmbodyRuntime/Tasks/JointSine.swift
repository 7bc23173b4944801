// MARK: - joint_sine: q*(t) = q₀ + A (1 − cos 2πft)

import EmbodyScenario

extension SineTask {
    /// `joint_sine`: amplitudes in rad or m by joint about the initial q, at `frequency` Hz.
    func makeTask(_ c: TaskContext) throws(RuntimeError) -> TaskSetup {
        var a = [Double](repeating: 0, count: c.initialQ.count)
        for v in amplitude {
            guard let i = c.model.coordinateIndex(ofJoint: v.name) else {
                throw RuntimeError("\(v.location): the robot has no joint '\(v.name)'")
            }
            a[i] = v.value
        }
        return TaskSetup(reference: .sine(center: c.initialQ, amplitude: a, omega: 2 * Double.pi * frequency))
    }
}

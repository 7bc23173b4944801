// MARK: - joint_encoders: joint positions with noise and quantization

import EmbodyPerception
import EmbodyScenario

extension JointEncoderParameters {
    /// The encoders of all `dof` joints: q̃ = quantize(q + n), n ~ N(0, noise²), on `timing`.
    func makeSensor(dof: Int, timing: SensorTiming, seed: UInt64) throws -> JointEncoderSensor {
        try JointEncoderSensor(configuration: JointEncoderConfiguration(
            dof: dof, timing: timing, resolution: resolution, noiseStdDev: noise, seed: seed))
    }
}

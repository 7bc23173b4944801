// MARK: - imu: specific force and angular velocity at a link frame

import EmbodyModel
import EmbodyPerception
import EmbodyScenario

extension ImuParameters {
    /// The IMU with its noise σ (m/s², rad/s) and constant biases, sensing specific force against `gravity` (m/s²).
    func makeSensor(timing: SensorTiming, seed: UInt64, gravity: Vector3) throws -> ImuSensor {
        var c = ImuConfiguration(timing: timing, seed: seed)
        c.gravity = gravity
        c.accelerometerNoiseStdDev = noise
        c.gyroscopeNoiseStdDev = gyroNoise
        c.accelerometerBias = Vector3(accelBias[0], accelBias[1], accelBias[2])
        c.gyroscopeBias = Vector3(gyroBias[0], gyroBias[1], gyroBias[2])
        c.averagesSpecificForce = accelAverage
        return try ImuSensor(configuration: c)
    }
}

// Exercise 7: tilt estimation with a complementary filter, written by you.
//
// Edit this file, then run `embody exercise check 7`. update is called once per 1 ms tick with one IMU
// sample in the body frame of link_2: gyro (rad/s, with an unknown constant bias and noise) and accel
// (specific force, m/s², with noise). Return roll φ and pitch θ in rad (ZYX Euler angles).

import EmbodyExercises
import Foundation

/// A complementary filter: integrate the gyro for the fast part, trust the accelerometer for the slow part.
final class ComplementaryFilter: StudentTiltEstimator {
    var roll = 0.0, pitch = 0.0

    init() {}

    func update(gyro: [Double], accel: [Double], dt: Double) -> (roll: Double, pitch: Double) {
        // Gyro only: drifts with the bias, and never learns the initial tilt.
        // TODO: compute the accelerometer's roll = atan2(a_y, a_z) and pitch = atan2(−a_x, √(a_y² + a_z²)),
        // use the Euler-rate kinematics for φ̇ and θ̇, and blend: x ← α (x + ẋ Δt) + (1 − α) x_acc.
        roll += gyro[0] * dt
        pitch += gyro[1] * dt
        return (roll, pitch)
    }
}

// MARK: - EmbodyLocomotion: legged locomotion without Bullet
//
// Walking pattern generation (the linear inverted pendulum with ZMP preview control), footstep planning,
// swing-foot trajectories, capture points and whole-body control by quadratic programming. Like
// EmbodyControl and EmbodyPlanning, this module sees robots only through EmbodyModel's `RobotDynamics`
// protocol and plain state; EmbodyRuntime wires it to the simulation. docs/locomotion.md describes the
// methods, their laws, parameters and units.

import EmbodyModel

/// Standard gravity used by the walking pattern generator when a scenario does not set one, m/s².
public let locomotionDefaultGravity = 9.81

#!/usr/bin/env python3
"""Reference run for Embody's sliding-box parity test: a box on the ground under tilted gravity, in PyBullet.

A 1 kg cube of 0.2 m rests on the ground (its centre at z = 0.1 m) with friction 0.5 on a ground of friction 0.8
(Bullet multiplies them: μ = 0.4), no restitution and no damping. Gravity of 9.81 m/s² is tilted by θ about
the y axis, g = (9.81 sin θ, 0, −9.81 cos θ), which is the same as an incline of angle θ. Both the box and the
ground are rigid bodies (`useMaximalCoordinates=True`), as Embody's bodies and ground are. Writes JSON: for
each θ, the box's pose (x, y, z, qx, qy, qz, qw) and linear and angular velocity every 100 ticks of 1 ms, up
to 1 s.

Usage: pybullet_slide.py OUT.json
"""
import json
import math
import sys

import pybullet as p

ANGLES_DEG = [10.0, 20.0, 24.0, 30.0, 45.0]


def main():
    out = {"dt": 0.001, "mass": 1.0, "half_extent": 0.1, "friction": 0.5, "ground_friction": 0.8, "runs": []}
    for degrees in ANGLES_DEG:
        p.connect(p.DIRECT)
        theta = math.radians(degrees)
        gravity = [9.81 * math.sin(theta), 0.0, -9.81 * math.cos(theta)]
        p.setGravity(*gravity)
        p.setTimeStep(out["dt"])
        ground = p.createMultiBody(0, p.createCollisionShape(p.GEOM_PLANE), useMaximalCoordinates=True)
        box = p.createMultiBody(out["mass"], p.createCollisionShape(p.GEOM_BOX, halfExtents=[out["half_extent"]] * 3),
                                basePosition=[0, 0, out["half_extent"]], useMaximalCoordinates=True)
        p.changeDynamics(ground, -1, lateralFriction=out["ground_friction"], restitution=0)
        p.changeDynamics(box, -1, lateralFriction=out["friction"], restitution=0, linearDamping=0, angularDamping=0)
        samples = []
        for tick in range(1, 1001):
            p.stepSimulation()
            if tick % 100 == 0:
                position, orientation = p.getBasePositionAndOrientation(box)
                linear, angular = p.getBaseVelocity(box)
                samples.append({"tick": tick, "pose": list(position) + list(orientation),
                                "twist": list(linear) + list(angular)})
        out["runs"].append({"degrees": degrees, "gravity": gravity, "samples": samples})
        p.disconnect()
    with open(sys.argv[1], "w") as f:
        json.dump(out, f)


if __name__ == "__main__":
    main()

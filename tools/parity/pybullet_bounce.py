#!/usr/bin/env python3
"""Reference run for Embody's bouncing-ball parity test: a ball dropped on the ground in PyBullet.

A 0.5 kg ball of radius 0.05 m with restitution 0.8 and friction 0.8 is released at rest with its bottom 1 m
above a ground with restitution 0.9 and friction 1 (Bullet multiplies restitutions: e = 0.72), no damping.
Both are rigid bodies (`useMaximalCoordinates=True`), as Embody's ball and ground are. Writes JSON: the
ball's height z (m) after every tick of 1 ms for 2 s.

Usage: pybullet_bounce.py OUT.json
"""
import json
import sys

import pybullet as p


def main():
    out = {"dt": 0.001, "mass": 0.5, "radius": 0.05, "drop": 1.0, "restitution": 0.8, "ground_restitution": 0.9,
           "friction": 0.8, "ground_friction": 1.0, "z": []}
    p.connect(p.DIRECT)
    p.setGravity(0, 0, -9.81)
    p.setTimeStep(out["dt"])
    ground = p.createMultiBody(0, p.createCollisionShape(p.GEOM_PLANE), useMaximalCoordinates=True)
    ball = p.createMultiBody(out["mass"], p.createCollisionShape(p.GEOM_SPHERE, radius=out["radius"]),
                             basePosition=[0, 0, out["drop"] + out["radius"]], useMaximalCoordinates=True)
    p.changeDynamics(ground, -1, restitution=out["ground_restitution"], lateralFriction=out["ground_friction"])
    p.changeDynamics(ball, -1, restitution=out["restitution"], lateralFriction=out["friction"], linearDamping=0,
                     angularDamping=0)
    for _ in range(2000):
        p.stepSimulation()
        out["z"].append(p.getBasePositionAndOrientation(ball)[0][2])
    with open(sys.argv[1], "w") as f:
        json.dump(out, f)


if __name__ == "__main__":
    main()

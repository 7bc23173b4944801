#!/usr/bin/env python3
"""Reference run for Embody's dynamics-parity test: the same Bullet engine, driven by PyBullet.

Loads a fixed-base arm URDF from pybullet_data (kuka_iiwa/model.urdf by default) with its inertia taken
from the file, disables PyBullet's default velocity motors, sets link damping to 0 (the URDF's joint
damping stays, and Embody applies it too), mounts it upside down 2 m above the origin so that it hangs
and swings without reaching its joint limits, and drives it for 2 s at 1 kHz with an open-loop torque
sequence of sinusoids, identical numbers on both sides. Writes JSON: the URDF path, dt, the initial state, the
torques of every tick and the joint angles and velocities every 100 ticks and at the end.

Usage: pybullet_arm.py OUT.json [--urdf kuka_iiwa/model.urdf] [--seconds 2]
"""
import argparse
import json
import math

import pybullet as p
import pybullet_data


BASE_POSITION = [0.0, 0.0, 2.0]
BASE_ORIENTATION = [1.0, 0.0, 0.0, 0.0]  # x, y, z, w: half a turn about x, so the arm hangs down


def torque(t, j):
    """The open-loop torque on joint j at time t, N·m: a sinusoid per joint."""
    amplitude = [4.0, 30.0, 2.0, 12.0, 0.5, 3.0, 0.2][j % 7]
    return amplitude * math.sin((1.5 + 0.6 * j) * t + 0.4 * j)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--urdf", default="kuka_iiwa/model.urdf")
    ap.add_argument("--seconds", type=float, default=2.0)
    args = ap.parse_args()

    dt = 1e-3
    ticks = int(round(args.seconds / dt))
    client = p.connect(p.DIRECT)
    p.setAdditionalSearchPath(pybullet_data.getDataPath())
    p.setGravity(0, 0, -9.81)
    p.setTimeStep(dt)
    robot = p.loadURDF(args.urdf, BASE_POSITION, BASE_ORIENTATION, useFixedBase=True,
                       flags=p.URDF_USE_INERTIA_FROM_FILE)
    movable = [j for j in range(p.getNumJoints(robot)) if p.getJointInfo(robot, j)[2] in (p.JOINT_REVOLUTE, p.JOINT_PRISMATIC)]
    names = [p.getJointInfo(robot, j)[1].decode() for j in movable]
    damping = [p.getJointInfo(robot, j)[6] for j in movable]
    n = len(movable)
    # No hidden motors, no link damping.
    p.setJointMotorControlArray(robot, movable, p.VELOCITY_CONTROL, forces=[0.0] * n)
    for link in range(-1, p.getNumJoints(robot)):
        p.changeDynamics(robot, link, linearDamping=0.0, angularDamping=0.0)

    q0 = [0.2 * math.cos(k) for k in range(n)]
    qd0 = [0.5 * math.sin(k) for k in range(n)]
    for k, j in enumerate(movable):
        p.resetJointState(robot, j, q0[k], qd0[k])

    torques = [[torque(tick * dt, k) for k in range(n)] for tick in range(ticks)]

    samples = []
    for tick in range(ticks):
        p.setJointMotorControlArray(robot, movable, p.TORQUE_CONTROL, forces=torques[tick])
        p.stepSimulation()
        if (tick + 1) % 100 == 0:
            states = p.getJointStates(robot, movable)
            samples.append({"tick": tick + 1, "q": [s[0] for s in states], "qd": [s[1] for s in states]})
    p.disconnect(client)

    with open(args.out, "w") as f:
        json.dump({
            "urdf": pybullet_data.getDataPath() + "/" + args.urdf,
            "dt": dt,
            "joint_names": names,
            "joint_damping": damping,
            "base_position": BASE_POSITION,
            "base_orientation": BASE_ORIENTATION,
            "q0": q0,
            "qd0": qd0,
            "torques": torques,
            "samples": samples,
            "pybullet_version": p.getAPIVersion(),
        }, f)


if __name__ == "__main__":
    main()

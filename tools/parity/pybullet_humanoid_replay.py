#!/usr/bin/env python3
"""Replays an Embody humanoid run's applied torques open loop in PyBullet and reports how far apart they are.

A measurement, not a test (issue 14 item 0, the contact-rich parity that is not pinned yet; docs/physics.md):

  embody run humanoid-stand --record stand.log && embody export stand.log --format csv --output stand.csv
  python3 tools/parity/pybullet_humanoid_replay.py stand.csv [--ticks 2000]

PyBullet loads the same Scenarios/robots/humanoid.urdf (inertia from the file, implicit cylinders), floating
at the scenario's start pose, on a GEOM_PLANE ground that is a rigid body as Embody's is (a multibody plane
gives the same numbers), with friction 1 on every link and the ground, no
restitution, rolling or spinning friction, no link damping and no velocity motors; its solver settings are
PyBullet's defaults, which Embody copies. Each tick it applies the torques Embody applied (the log's tau.*
columns) and compares q and q̇ with the log's. Open loop, a standing robot is unstable, so the runs part once
a difference has grown: the interesting number is when they first differ and by how much.
"""
import argparse
import csv
import os

import pybullet as p

URDF = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "Scenarios", "robots", "humanoid.urdf")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("csv", help="`embody export --format csv` of a humanoid-stand or humanoid-push log")
    ap.add_argument("--ticks", type=int, default=2000)
    args = ap.parse_args()
    with open(args.csv) as f:
        rows = list(csv.reader(f))
    col = {h.split(" ")[0]: i for i, h in enumerate(rows[0])}
    data = [[float(x) if x else 0.0 for x in r] for r in rows[1:]]
    p.connect(p.DIRECT)
    p.setGravity(0, 0, -9.81)
    p.setTimeStep(0.001)
    plane = p.createMultiBody(0, p.createCollisionShape(p.GEOM_PLANE), useMaximalCoordinates=True)
    start = [data[0][col["base.x"]], data[0][col["base.y"]], data[0][col["base.z"]]]
    robot = p.loadURDF(URDF, start, [0, 0, 0, 1], flags=p.URDF_USE_INERTIA_FROM_FILE | p.URDF_USE_IMPLICIT_CYLINDER)
    movable = [j for j in range(p.getNumJoints(robot)) if p.getJointInfo(robot, j)[2] == p.JOINT_REVOLUTE]
    names = [p.getJointInfo(robot, j)[1].decode() for j in movable]
    p.setJointMotorControlArray(robot, movable, p.VELOCITY_CONTROL, forces=[0.0] * len(movable))
    for link in range(-1, p.getNumJoints(robot)):
        p.changeDynamics(robot, link, linearDamping=0, angularDamping=0, lateralFriction=1.0, restitution=0,
                         rollingFriction=0, spinningFriction=0)
    p.changeDynamics(plane, -1, lateralFriction=1.0, restitution=0, rollingFriction=0, spinningFriction=0)
    first = None
    for k in range(1, min(args.ticks, len(data) - 1) + 1):
        p.setJointMotorControlArray(robot, movable, p.TORQUE_CONTROL, forces=[data[k][col["tau." + n]] for n in names])
        p.stepSimulation()
        states = p.getJointStates(robot, movable)
        dq = max(abs(states[i][0] - data[k][col["q." + n]]) for i, n in enumerate(names))
        dqd = max(abs(states[i][1] - data[k][col["qd." + n]]) for i, n in enumerate(names))
        if first is None and (dq > 0 or dqd > 0):
            first = k
            print(f"first difference at tick {k}: |Δq| {dq:.3g} rad, |Δq̇| {dqd:.3g} rad/s, "
                  f"{len(p.getContactPoints(robot, plane))} contact points in PyBullet")
        if k in (10, 100, 500, 1000, 2000, 5000):
            z = p.getBasePositionAndOrientation(robot)[0][2]
            print(f"tick {k}: |Δq| {dq:.3g} rad, |Δq̇| {dqd:.3g} rad/s; pelvis z PyBullet {z:.6f} m, Embody "
                  f"{data[k][col['base.z']]:.6f} m")
    if first is None:
        print("bit-identical over the whole replay")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Reference facts for Embody's robot-corpus test: what PyBullet says about each URDF.

For every URDF in a corpus (example-robot-data 6.0.0 or pybullet_data's robots), loads it in PyBullet
(DIRECT, URDF_USE_INERTIA_FROM_FILE, fixed base off) and records whether it loaded, the number of
non-fixed joints (PyBullet's actuated DoF; it ignores <mimic>, so mimic joints count), the total mass
PyBullet uses, and the names of links without <inertial>, which PyBullet gives a 1 kg default mass.

Usage: pybullet_corpus.py OUT.json (--example-robot-data | --pybullet-data)
Writes JSON: {"root": DIR, "robots": [{"urdf": PATH, "loaded": bool, "error": str, "dof": int,
"mass": kg, "no_inertial": [link, ...]}]}, sorted by path.
"""
import argparse
import glob
import json
import os
import sys
import xml.etree.ElementTree as ET

import pybullet as p
import pybullet_data

# pybullet_data's robot descriptions (its other URDFs are objects, terrain and scenery). Left out: husky/husky.urdf,
# whose <origin xyz="$(optenv HUSKY_IMU_XYZ 0.19 0 0.149)"> is unexpanded xacro (PyBullet reads it as zeros; Embody
# refuses it with the line), and humanoid/nao.urdf, which this pybullet_data does not ship.
PYBULLET_DATA_ROBOTS = [
    "franka_panda/panda.urdf", "xarm/xarm6_robot.urdf", "xarm/xarm6_with_gripper.urdf",
    "laikago/laikago.urdf", "laikago/laikago_toes.urdf", "laikago/laikago_toes_zup.urdf",
    "a1/a1.urdf", "kuka_iiwa/model.urdf", "kuka_iiwa/model_free_base.urdf", "r2d2.urdf",
    "racecar/racecar.urdf", "quadruped/minitaur.urdf", "quadruped/spirit40.urdf",
    "aliengo/aliengo.urdf", "mini_cheetah/mini_cheetah.urdf", "biped/biped2d_pybullet.urdf",
    "cartpole.urdf", "TwoJointRobot_w_fixedJoints.urdf",
]


def example_robot_data_root():
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import example_robot_data_root
    return example_robot_data_root.root()


def no_inertial_links(path):
    try:
        root = ET.parse(path).getroot()
    except Exception:
        return []
    return [l.get("name") for l in root.findall("link") if l.find("inertial") is None]


def facts(path):
    p.resetSimulation()
    entry = {"urdf": path, "loaded": False, "error": "", "dof": 0, "mass": 0.0, "no_inertial": no_inertial_links(path)}
    try:
        body = p.loadURDF(path, useFixedBase=False, flags=p.URDF_USE_INERTIA_FROM_FILE)
    except Exception as e:  # pybullet raises p.error
        entry["error"] = str(e)
        return entry
    entry["loaded"] = True
    n = p.getNumJoints(body)
    entry["dof"] = sum(1 for j in range(n) if p.getJointInfo(body, j)[2] != p.JOINT_FIXED)
    entry["mass"] = sum(p.getDynamicsInfo(body, link)[0] for link in range(-1, n))
    return entry


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--example-robot-data", action="store_true")
    which.add_argument("--pybullet-data", action="store_true")
    args = parser.parse_args()
    if args.example_robot_data:
        root = example_robot_data_root()
        paths = sorted(glob.glob(os.path.join(root, "**", "*.urdf"), recursive=True))
    else:
        root = pybullet_data.getDataPath()
        paths = [os.path.join(root, r) for r in PYBULLET_DATA_ROBOTS if os.path.exists(os.path.join(root, r))]
    p.connect(p.DIRECT)
    robots = [facts(path) for path in paths]
    with open(args.out, "w") as f:
        json.dump({"root": root, "robots": robots}, f, indent=1)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""MuJoCo's own compiled numbers for the MJCF test corpus, written as JSON for Embody's tests.

The corpus is dm_control's suite (humanoid, walker, cheetah, hopper, quadruped), unpacked from the
dm-control wheel by scripts/mjcf-corpus.sh into .corpus/mjcf, and Gymnasium's ant and humanoid from the
installed gymnasium package. Nothing of it is committed.

For each model this compiles the file with the `mujoco` package, puts it at qpos0 (mj_forward), and
records, for the robot (the first top-level body's tree, which is what Embody loads) and for the whole
model: body count (the world body included), DoF (nv), total mass, and per body its mass, its centre of
mass in the world and its inertia tensor in world axes; per hinge or slide joint its range, damping,
armature and frictionloss; per motor its joint and its force bound |gear| * max|ctrlrange|.

Usage: mujoco_reference.py OUT.json   (exit 1, with the reason, when the corpus or mujoco is missing)
"""
import importlib.util
import json
import os
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DM_CONTROL_VERSION = "1.0.52"


def fail(message):
    print(f"mujoco_reference: {message}", file=sys.stderr)
    sys.exit(1)


def corpus():
    """(label, path) of every model, or exit 1 naming what is missing and how to install it."""
    suite = os.path.join(ROOT, ".corpus", "mjcf", f"dm_control-{DM_CONTROL_VERSION}", "dm_control", "suite")
    if not os.path.isdir(suite):
        fail(f"dm_control's suite models are missing ({suite}); run `bash scripts/mjcf-corpus.sh` (make test does)")
    spec = importlib.util.find_spec("gymnasium")
    if spec is None or not spec.submodule_search_locations:
        fail("the gymnasium package is not installed; run `bash scripts/mjcf-corpus.sh` (make test does)")
    gym = os.path.join(list(spec.submodule_search_locations)[0], "envs", "mujoco", "assets")
    # The models issue 12 names first, then every other model of both packages (lqr.xml is a template
    # that dm_control fills in with code, so it holds no body).
    models = [(f"dm_control/{n}", os.path.join(suite, f"{n}.xml"))
              for n in ("humanoid", "walker", "cheetah", "hopper", "quadruped")]
    models += [(f"gymnasium/{n}", os.path.join(gym, f"{n}.xml")) for n in ("ant", "humanoid")]
    models += [(f"dm_control/{n}", os.path.join(suite, f"{n}.xml"))
               for n in ("acrobot", "ball_in_cup", "cartpole", "dog", "finger", "fish", "humanoid_CMU",
                         "manipulator", "pendulum", "point_mass", "reacher", "stacker", "swimmer")]
    models += [(f"gymnasium/{n}", os.path.join(gym, f"{n}.xml"))
               for n in ("half_cheetah", "hopper", "humanoidstandup", "inverted_double_pendulum",
                         "inverted_pendulum", "point", "pusher", "pusher_v5", "reacher", "swimmer",
                         "walker2d", "walker2d_v5")]
    for label, path in models:
        if not os.path.isfile(path):
            fail(f"{label} is missing ({path})")
    return models


def reference(mujoco, np, label, path):
    m = mujoco.MjModel.from_xml_path(path)
    d = mujoco.MjData(m)
    mujoco.mj_forward(m, d)  # MjData starts at qpos0
    root = next(b for b in range(1, m.nbody) if m.body_parentid[b] == 0)
    in_robot = [b == 0 or m.body_rootid[b] == root for b in range(m.nbody)]
    bodies = []
    for b in range(m.nbody):
        if not in_robot[b]:
            continue
        r = d.ximat[b].reshape(3, 3)
        inertia = r @ np.diag(m.body_inertia[b]) @ r.T
        bodies.append({
            "name": mujoco.mj_id2name(m, mujoco.mjtObj.mjOBJ_BODY, b) or "",
            "mass": float(m.body_mass[b]),
            "com": [float(x) for x in d.xipos[b]],
            "inertia": [[float(x) for x in row] for row in inertia],
        })
    joints = []
    for j in range(m.njnt):
        if not in_robot[m.jnt_bodyid[j]] or m.jnt_type[j] not in (mujoco.mjtJoint.mjJNT_HINGE, mujoco.mjtJoint.mjJNT_SLIDE):
            continue
        dof = m.jnt_dofadr[j]
        joints.append({
            "name": mujoco.mj_id2name(m, mujoco.mjtObj.mjOBJ_JOINT, j) or "",
            "limited": bool(m.jnt_limited[j]),
            "range": [float(m.jnt_range[j][0] - m.qpos0[m.jnt_qposadr[j]]), float(m.jnt_range[j][1] - m.qpos0[m.jnt_qposadr[j]])],
            "damping": float(m.dof_damping[dof]),
            "armature": float(m.dof_armature[dof]),
            "frictionloss": float(m.dof_frictionloss[dof]),
        })
    motors = []
    for a in range(m.nu):
        if m.actuator_trntype[a] != mujoco.mjtTrn.mjTRN_JOINT or m.actuator_biastype[a] != mujoco.mjtBias.mjBIAS_NONE:
            continue
        j = m.actuator_trnid[a][0]
        bound = abs(m.actuator_gear[a][0] * m.actuator_gainprm[a][0])
        bound *= max(abs(m.actuator_ctrlrange[a][0]), abs(m.actuator_ctrlrange[a][1])) if m.actuator_ctrllimited[a] else float("inf")
        motors.append({"joint": mujoco.mj_id2name(m, mujoco.mjtObj.mjOBJ_JOINT, j), "effort": bound})
    robot_dofs = sum(1 for k in range(m.nv) if in_robot[m.dof_bodyid[k]])
    return {
        "label": label,
        "path": path,
        "timestep": float(m.opt.timestep),
        "gravity": [float(x) for x in m.opt.gravity],
        "model_body_count": int(m.nbody),
        "model_dof": int(m.nv),
        "model_total_mass": float(mujoco.mj_getTotalmass(m)),
        "body_count": len(bodies),
        "dof": robot_dofs,
        "total_mass": float(sum(b["mass"] for b in bodies)),
        "bodies": bodies,
        "joints": joints,
        "motors": motors,
    }


def main():
    if len(sys.argv) != 2:
        fail("usage: mujoco_reference.py OUT.json")
    try:
        import mujoco
        import numpy as np
    except ImportError as e:
        fail(f"cannot import mujoco ({e}); run `bash scripts/mjcf-corpus.sh` (make test does)")
    out = os.path.abspath(sys.argv[1])
    models = corpus()
    # MuJoCo appends its warnings (such as cheetah's deprecated settotalmass) to MUJOCO_LOG.TXT in the
    # current folder; compile from a temporary one so nothing lands in the repository.
    with tempfile.TemporaryDirectory() as scratch:
        os.chdir(scratch)
        models = [reference(mujoco, np, label, path) for label, path in models]
    with open(out, "w") as f:
        json.dump({"mujoco_version": mujoco.__version__, "models": models}, f, indent=1)


if __name__ == "__main__":
    main()

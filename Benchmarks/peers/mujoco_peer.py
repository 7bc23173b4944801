#!/usr/bin/env python3
"""Embody's humanoid against MuJoCo's: real-time factor at each engine's usual step.

MuJoCo's wheel ships no humanoid model, so the script takes dm_control's suite humanoid
(dm_control/suite/humanoid.xml: 21 hinge joints plus a free joint, capsules, timestep 5 ms) from an
installed dm_control, or else from the dm-control wheel, downloaded once with
`pip download --no-deps` into ~/.cache/embody-peers and read without installing it.

  MuJoCo, passive      mj_step in C (nstep) with zero controls, after 2 s of settling: the engine alone.
  MuJoCo, PD in Python every step: ctrl = clip((kp (0 − q) − kd q̇) / gear) → mj_step, the same loop
                       shape as Embody's PD tick (MuJoCo's humanoid cannot stand on a joint PD alone, so
                       it ends on the floor: that is said in the table).
  Embody               `embody bench humanoid-stand --set controller.type=pd` (dt 1 ms, joint PD in
                       Swift, standing on two feet).

The three run alternately, ROUNDS times, in one session; medians are reported, in simulated seconds
per second of thread CPU time.

Usage: mujoco_peer.py [--rounds 5] [--seconds 10] [--write-docs]
"""

import argparse
import glob
import os
import subprocess
import sys
import time
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

CACHE = os.path.join(os.path.expanduser("~"), ".cache", "embody-peers")


def humanoid_xml(mujoco):
    """The path of a MuJoCo humanoid model and where it came from."""
    here = os.path.dirname(mujoco.__file__)
    for path in glob.glob(os.path.join(here, "**", "humanoid*.xml"), recursive=True):
        return path, f"mujoco {mujoco.__version__} wheel"
    try:
        import dm_control
        path = os.path.join(os.path.dirname(dm_control.__file__), "suite", "humanoid.xml")
        if os.path.exists(path):
            return path, "installed dm_control"
    except ImportError:
        pass
    folder = os.path.join(CACHE, "dm_control")
    path = os.path.join(folder, "dm_control", "suite", "humanoid.xml")
    if not os.path.exists(path):
        os.makedirs(CACHE, exist_ok=True)
        print("downloading the dm-control wheel (no dependencies) for its humanoid.xml", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check",
                        "--no-deps", "-d", CACHE, "dm-control"], check=True)
        wheels = sorted(glob.glob(os.path.join(CACHE, "dm_control-*.whl")))
        if not wheels:
            raise RuntimeError("pip downloaded no dm_control wheel")
        with zipfile.ZipFile(wheels[-1]) as z:
            for name in z.namelist():
                if name.startswith("dm_control/suite/") and name.endswith(".xml") and name.count("/") <= 3:
                    z.extract(name, folder)
    wheel = sorted(glob.glob(os.path.join(CACHE, "dm_control-*.whl")))
    origin = os.path.basename(wheel[-1]).split("-py")[0] if wheel else "dm_control"
    return path, f"{origin} wheel, suite/humanoid.xml"


class MuJoCoHumanoid:
    def __init__(self, mujoco, np, path):
        self.mj, self.np = mujoco, np
        self.model = mujoco.MjModel.from_xml_path(path)
        self.data = mujoco.MjData(self.model)
        m = self.model
        self.dt = m.opt.timestep
        # Actuated hinge joints: position and velocity addresses, and each motor's gear.
        self.qadr = np.array([m.jnt_qposadr[m.actuator_trnid[a, 0]] for a in range(m.nu)])
        self.vadr = np.array([m.jnt_dofadr[m.actuator_trnid[a, 0]] for a in range(m.nu)])
        self.gear = np.array([m.actuator_gear[a, 0] for a in range(m.nu)])
        self.kp, self.kd = 200.0, 5.0

    def reset(self):
        self.mj.mj_resetData(self.model, self.data)

    def passive(self, steps):
        self.data.ctrl[:] = 0
        start = time.thread_time()
        self.mj.mj_step(self.model, self.data, nstep=steps)
        return time.thread_time() - start

    def pd(self, steps):
        np, mj, m, d = self.np, self.mj, self.model, self.data
        qadr, vadr, gear, kp, kd = self.qadr, self.vadr, self.gear, self.kp, self.kd
        start = time.thread_time()
        for _ in range(steps):
            d.ctrl[:] = np.clip((kp * (0.0 - d.qpos[qadr]) - kd * d.qvel[vadr]) / gear, -1.0, 1.0)
            mj.mj_step(m, d)
        return time.thread_time() - start

    def torso_height(self):
        return float(self.data.qpos[2])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--seconds", type=float, default=10.0, help="simulated seconds per measurement")
    ap.add_argument("--write-docs", action="store_true", help="rewrite the mujoco section of docs/performance.md")
    args = ap.parse_args()

    mujoco = common.require("mujoco", "mujoco")
    np = common.require("numpy", "numpy")
    common.quiet_check()
    m = common.machine()
    path, origin = humanoid_xml(mujoco)
    h = MuJoCoHumanoid(mujoco, np, path)
    mj_steps = int(round(args.seconds / h.dt))
    settle = int(round(2.0 / h.dt))
    embody_ticks = int(round(args.seconds / 0.001))
    passive, pd, embody, heights = [], [], [], []
    for r in range(args.rounds):
        h.reset()
        h.passive(settle)
        passive.append(mj_steps * h.dt / h.passive(mj_steps))
        h.reset()
        h.pd(settle)
        pd.append(mj_steps * h.dt / h.pd(mj_steps))
        heights.append(h.torso_height())
        b = common.embody_bench("humanoid-stand", embody_ticks, warmup=200, overrides=["controller.type=pd"])
        embody.append(0.001 / (b["tick_cpu_ns"] * 1e-9))
        print(f"round {r + 1}: MuJoCo passive {passive[-1]:.0f}×, MuJoCo PD {pd[-1]:.0f}×, Embody {embody[-1]:.1f}× real time",
              file=sys.stderr)
    mid = common.median
    lines = [
        f"Measured {common.machine_line(m)}; `python3 Benchmarks/peers/mujoco_peer.py --rounds {args.rounds} "
        f"--seconds {args.seconds:g}` (MuJoCo {mujoco.__version__}, model from the {origin}; "
        f"{args.rounds} alternating rounds of {args.seconds:g} simulated s, medians; simulated seconds per second "
        "of thread CPU time, which time slices lost to other processes do not distort).", "",
        "| engine, model | step | loop | real-time factor | steps/s | note |",
        "|---|---:|---|---:|---:|---|",
        f"| Embody, humanoid-stand (humanoid.urdf, 21 DoF + floating base) | 1 ms | PD in Swift, full tick | "
        f"**{mid(embody):.1f}×** | {mid(embody) / 0.001:,.0f} | stands on two feet |",
        f"| MuJoCo, dm_control humanoid (21 DoF + free joint) | {h.dt * 1000:g} ms | PD in Python, every step | "
        f"**{mid(pd):.0f}×** | {mid(pd) / h.dt:,.0f} | falls: torso at {mid(heights):.2f} m after the run |",
        f"| MuJoCo, dm_control humanoid | {h.dt * 1000:g} ms | none (mj_step, nstep, zero controls) | "
        f"{mid(passive):.0f}× | {mid(passive) / h.dt:,.0f} | lying on the floor |",
        "",
        f"MuJoCo runs {mid(pd) / mid(embody):.0f}× Embody's real-time factor at their usual steps "
        f"({mid(pd) * 0.001 / h.dt / mid(embody):.1f}× per step at equal step counts). The models differ (MuJoCo's "
        "humanoid has frictionless `condim=1` capsule contacts, soft constraints and a 5× longer step; Embody's "
        "uses Bullet's Featherstone multibody with 50 sequential-impulse iterations and friction), so this is a "
        "cost-of-a-simulated-second comparison, not a like-for-like engine benchmark.",
    ]
    text = "\n".join(lines)
    print(text)
    if args.write_docs:
        common.write_section("mujoco", text)


if __name__ == "__main__":
    main()

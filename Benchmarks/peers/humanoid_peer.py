#!/usr/bin/env python3
"""Embody against MuJoCo on the same humanoid, the same control law and the same step: speed and fidelity.

Both engines simulate Embody's own `Scenarios/robots/humanoid.urdf` (21 hinge joints, 50.7 kg):

  Embody   the release `embody`: `embody bench humanoid-stand` for the speed (the full tick: sense, PD plus
           gravity compensation in Swift, Bullet step), `embody run humanoid-stand|humanoid-push --record`
           and `embody export` (its frame.* and contact.* channels) for the fidelity (the same deterministic
           trajectory). Once per contact/limit solver (`--set physics.solver=…`): `bullet`, Bullet's multibody
           sequential impulses (PyBullet's), and `constraint_space`, Embody's solver on A = J M⁻¹ Jᵀ.
  MuJoCo   the URDF through MuJoCo's own URDF import (`MjSpec.from_file`), a free joint on the pelvis at the
           scenario's start pose and a ground plane; contacts only between the robot and the ground (Embody's
           self-collision is off); the law computed every step in Python between `mj_step1` and `mj_step2`.

The law and gains are read from the scenario files: τ = clip(kp (q* − q) − kd q̇ + g(q), ±effort) with q* = 0,
the gains per joint group (legs, torso, arms, neck, by joint name as Embody groups them) and g(q) the joint rows
of the floating-base gravity vector (MuJoCo: m_total J_com(q)ᵀ g from `mj_jacSubtreeCom` of the root, which is the
same quantity). The push is the scenario's: 60 N along +x on the torso's centre of mass for 0.1 s at t = 3 s.

Speed: steps per second of thread CPU time, after the same warm-up, alternating rounds (Embody with each solver,
MuJoCo with each variant, Embody, …) in one run, medians. MuJoCo's loop includes Python; its engine time alone
(`mj_step1` + `mj_step2`, timed per call) is reported beside it, and the ratio is given against both.

Fidelity, computed by the same Python code from each engine's per-step trajectory:
  pelvis drift   the pelvis height at the end of the 10 s stand minus at t = 1 s (after the 1 mm drop settles),
                 and the settled height minus the nominal 0.920 m (feet exactly on the ground at q = 0);
  force error    the sum of the contact forces' vertical components on the robot against m·g: RMS and
                 largest |ΣFz − m g| / (m g) over t ∈ [1 s, end];
  foot slip      the largest horizontal distance of either foot frame from where it was at t = 0.5 s;
  penetration    the deepest foot-box corner below z = 0 after t = 0.5 s (the same geometric measure in both);
  push           on the push run: fell or stood, the lowest pelvis height, the largest pelvis excursion along x
                 after the push and where it ended, the foot slip.

Walking: MuJoCo cannot run Embody's walking controller, so the walking scenarios get Embody's rows alone (`embody
bench`: the full tick, the bare physics step with the run's torques replayed, and the control and physics shares),
with the bare step set against MuJoCo's standing step for scale.

Usage: humanoid_peer.py [--rounds 5] [--seconds 10] [--dt 0.001,0.002] [--solvers bullet,constraint_space]
                        [--write-docs] [--check]
  --solvers  the Embody solvers to measure, each in its own rows (default: both).
  --check runs only the fidelity runs (no timing) and exits 1 unless every engine (Embody with each solver,
  MuJoCo) stands, takes the push and its fidelity numbers lie in the ranges asserted below: a cheap
  correctness check of this script.
"""

import argparse
import csv
import math
import os
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

URDF = os.path.join(common.ROOT, "Scenarios", "robots", "humanoid.urdf")
STAND = os.path.join(common.ROOT, "Scenarios", "humanoid-stand.yaml")
PUSH = os.path.join(common.ROOT, "Scenarios", "humanoid-push.yaml")
FEET = ("left_foot", "right_foot")
NOMINAL_PELVIS_Z = 0.920  # m: the pelvis origin above the soles at q = 0 (Scenarios/robots/README.md)

# The ranges --check asserts for either engine (dt 1 ms and 2 ms). They are loose on purpose: they catch a
# script that measures the wrong thing (a robot that fell, forces off by a factor, a unit slip), not an engine
# that is 10% worse than the other, which is what the table is for.
CHECK = {"drift_m": 0.005, "sink_m": 0.01, "force_rms": 0.05, "slip_m": 0.005, "penetration_m": 0.005,
         "push_min_height_m": 0.85}


# MARK: - the model and the law, read from the repository's files

class Model:
    """What both sides need from the URDF and the scenarios: joints in order, effort limits, foot boxes,
    gains per joint, the start pose, the push."""

    def __init__(self, yaml):
        root = ET.parse(URDF).getroot()
        self.joints, self.effort = [], {}
        for j in root.findall("joint"):
            if j.get("type") in ("revolute", "prismatic", "continuous"):
                name = j.get("name")
                self.joints.append(name)
                lim = j.find("limit")
                self.effort[name] = float(lim.get("effort")) if lim is not None and lim.get("effort") else math.inf
        # Foot collision boxes: link-frame offset (xyz, no rotation in this model) and half sizes.
        self.feet = {}
        for link in root.findall("link"):
            if link.get("name") in FEET:
                col = link.find("collision")
                xyz = [float(v) for v in col.find("origin").get("xyz").split()]
                rpy = [float(v) for v in col.find("origin").get("rpy", "0 0 0").split()]
                if any(abs(v) > 0 for v in rpy):
                    raise RuntimeError("humanoid.urdf: a rotated foot collision box is not supported here")
                size = [float(v) for v in col.find("geometry").find("box").get("size").split()]
                self.feet[link.get("name")] = (xyz, [s / 2 for s in size])
        self.mass = sum(float(l.find("inertial").find("mass").get("value")) for l in root.findall("link")
                        if l.find("inertial") is not None)
        with open(STAND) as f:
            stand = yaml.safe_load(f)
        with open(PUSH) as f:
            push = yaml.safe_load(f)
        if stand["controller"]["type"] != "pd_gravity" or stand["task"]["type"] != "hold":
            raise RuntimeError("humanoid-stand.yaml no longer holds q = 0 with pd_gravity; update this script")
        if stand["controller"]["gains"] != push["controller"]["gains"]:
            raise RuntimeError("humanoid-stand and humanoid-push no longer share their gains; update this script")
        gains = stand["controller"]["gains"]
        self.kp, self.kd = [], []
        for name in self.joints:
            g = gains[group(name)]
            self.kp.append(float(g["kp"]))
            self.kd.append(float(g["kd"]))
        self.start = stand["robot"]["base"]["position"]
        self.gravity = stand["physics"]["gravity"]
        self.ground_friction = float(stand["world"]["ground_friction"])
        d = push["disturbances"][0]
        self.push = {"at": float(d["at"]), "duration": float(d["duration"]), "link": d["link"],
                     "force": [float(v) for v in d["force"]], "seconds": float(push["duration"])}
        self.stand_seconds = float(stand["duration"])


def group(joint):
    """Embody's built-in gain groups by joint name (docs/scenarios.md): legs, torso, arms, neck."""
    for key, g in (("hip", "legs"), ("knee", "legs"), ("ankle", "legs"), ("torso", "torso"),
                   ("shoulder", "arms"), ("elbow", "arms"), ("neck", "neck")):
        if key in joint:
            return g
    raise RuntimeError(f"joint {joint} is in no gain group")


# MARK: - fidelity, the same code for both engines

def corners_min_z(pos, rot, box):
    """The lowest z of a box's corners: link frame origin `pos`, rotation `rot` (3×3 rows), box (offset, half)."""
    (c, h) = box
    lowest = math.inf
    for sx in (-1, 1):
        for sy in (-1, 1):
            for sz in (-1, 1):
                p = (c[0] + sx * h[0], c[1] + sy * h[1], c[2] + sz * h[2])
                z = pos[2] + rot[2][0] * p[0] + rot[2][1] * p[1] + rot[2][2] * p[2]
                lowest = min(lowest, z)
    return lowest


class Trace:
    """Per-step samples: time, pelvis position, each foot's frame origin and lowest corner, ΣFz on the robot."""

    def __init__(self):
        self.t, self.pelvis, self.feet, self.low, self.fz = [], [], [], [], []

    def add(self, t, pelvis, feet, low, fz):
        self.t.append(t); self.pelvis.append(pelvis); self.feet.append(feet); self.low.append(low); self.fz.append(fz)

    def at(self, seconds):
        """The index of the first sample at or after `seconds`."""
        for i, t in enumerate(self.t):
            if t >= seconds - 1e-9:
                return i
        return len(self.t) - 1


def stand_fidelity(tr, weight):
    i1, i05 = tr.at(1.0), tr.at(0.5)
    z = [p[2] for p in tr.pelvis]
    err = [(f - weight) / weight for f in tr.fz[i1:]]
    return {
        "drift_m": z[-1] - z[i1],
        "sink_m": z[i1] - NOMINAL_PELVIS_Z,
        "force_rms": math.sqrt(sum(e * e for e in err) / len(err)),
        "force_max": max(abs(e) for e in err),
        "slip_m": slip(tr, i05),
        "penetration_m": max(0.0, -min(tr.low[i05:])),
        "stood": min(z) > 0.8,
        "final_z": z[-1],
    }


def slip(tr, i0):
    worst = 0.0
    for f in range(len(FEET)):
        x0, y0 = tr.feet[i0][f][0], tr.feet[i0][f][1]
        for sample in tr.feet[i0:]:
            worst = max(worst, math.hypot(sample[f][0] - x0, sample[f][1] - y0))
    return worst


def push_fidelity(tr, at):
    """The push run: x excursions of the pelvis relative to where it stood when the push began."""
    ip = tr.at(at)
    x0 = tr.pelvis[ip][0]
    z = [p[2] for p in tr.pelvis]
    dx = [p[0] - x0 for p in tr.pelvis[ip:]]
    last = [p[0] - x0 for p in tr.pelvis[tr.at(tr.t[-1] - 1.0):]]
    return {"stood": min(z) > 0.6, "min_z": min(z[ip:]), "forward": max(dx), "back": min(dx),
            "sway_end": (max(last) - min(last)) / 2, "slip_m": slip(tr, tr.at(0.5))}


# MARK: - MuJoCo

class MuJoCoHumanoid:
    def __init__(self, mujoco, np, model, dt, implicit_kd=False):
        """`implicit_kd`: the law's −kd q̇ becomes joint damping kd, which MuJoCo's implicitfast integrator
        integrates implicitly (its usual remedy for stiff damping); otherwise the law is applied as it is."""
        self.mj, self.np, self.model_info = mujoco, np, model
        spec = mujoco.MjSpec.from_file(URDF)
        spec.option.timestep = dt
        if implicit_kd:
            spec.option.integrator = mujoco.mjtIntegrator.mjINT_IMPLICITFAST
            for j in spec.joints:
                if j.name in model.joints:
                    j.damping = [model.kd[model.joints.index(j.name)], 0, 0]  # MuJoCo 4: linear coefficient first
        spec.option.gravity = model.gravity
        root = spec.worldbody.first_body()
        if root.name != "pelvis":
            raise RuntimeError(f"MuJoCo's URDF import made {root.name} the root, not pelvis")
        root.pos = model.start
        root.add_freejoint()
        # Contacts robot–ground only (Embody's self-collision is off): robot geoms have contype 1 and
        # conaffinity 0, the ground contype 0 and conaffinity 1.
        for g in spec.geoms:
            g.contype, g.conaffinity = 1, 0
            g.friction = [1.0, g.friction[1], g.friction[2]]
        ground = spec.worldbody.add_geom(type=mujoco.mjtGeom.mjGEOM_PLANE, size=[0, 0, 1])
        ground.contype, ground.conaffinity = 0, 1
        ground.friction = [model.ground_friction, 0.005, 0.0001]
        self.m = spec.compile()
        self.d = mujoco.MjData(self.m)
        m = self.m
        if abs(sum(m.body_mass) - model.mass) > 1e-9:
            raise RuntimeError(f"MuJoCo's model weighs {sum(m.body_mass)} kg, the URDF {model.mass} kg")
        names = [m.joint(j).name for j in range(m.njnt)]
        self.qadr = np.array([m.jnt_qposadr[names.index(n)] for n in model.joints])
        self.vadr = np.array([m.jnt_dofadr[names.index(n)] for n in model.joints])
        self.kp = np.array(model.kp)
        self.kd = np.zeros(len(model.kd)) if implicit_kd else np.array(model.kd)
        self.effort = np.array([model.effort[n] for n in model.joints])
        self.gvec = np.array(model.gravity) * float(sum(m.body_mass))
        self.jac = np.zeros((3, m.nv))
        self.pelvis = m.body("pelvis").id
        self.torso = m.body(model.push["link"]).id
        self.feet = [m.body(f).id for f in FEET]
        self.dt = dt

    def reset(self):
        self.mj.mj_resetData(self.m, self.d)

    def law(self):
        """τ for the current state; mj_step1 has computed the positions this needs (subtree CoM)."""
        np, m, d = self.np, self.m, self.d
        self.mj.mj_jacSubtreeCom(m, d, self.jac, self.pelvis)
        g = -(self.jac.T @ self.gvec)[self.vadr]  # compensation: minus the generalized gravity force
        tau = self.kp * (0.0 - d.qpos[self.qadr]) - self.kd * d.qvel[self.vadr] + g
        d.qfrc_applied[self.vadr] = np.clip(tau, -self.effort, self.effort)

    def run_timed(self, steps):
        """`steps` steps of the PD loop; returns the thread CPU seconds they took."""
        mj, m, d, law = self.mj, self.m, self.d, self.law
        start = time.thread_time()
        for _ in range(steps):
            mj.mj_step1(m, d)
            law()
            mj.mj_step2(m, d)
        return time.thread_time() - start

    def law_only(self, steps):
        """Thread CPU seconds of `steps` evaluations of the law (Python, NumPy, mj_jacSubtreeCom) on the current
        state without stepping: what the loop costs beyond MuJoCo's step (mj_step1 + mj_step2)."""
        law = self.law
        start = time.thread_time()
        for _ in range(steps):
            law()
        return time.thread_time() - start

    def run_traced(self, seconds, push=None):
        """Runs `seconds` with the law (and the push, if given) and returns a Trace sampled every step."""
        np, mj, m, d = self.np, self.mj, self.m, self.d
        self.reset()
        tr = Trace()
        steps = int(round(seconds / self.dt))
        boxes = [self.model_info.feet[f] for f in FEET]
        force = np.zeros(6)
        for k in range(steps):
            if push is not None:
                t = k * self.dt
                on = push["at"] - 1e-9 <= t < push["at"] + push["duration"] - 1e-9
                d.xfrc_applied[self.torso, :3] = push["force"] if on else 0.0
            mj.mj_step1(m, d)
            self.law()
            mj.mj_step2(m, d)
            # After the step: positions of the new state and the contact forces solved in this step.
            mj.mj_kinematics(m, d)
            fz = 0.0
            for i in range(d.ncon):
                mj.mj_contactForce(m, d, i, force)
                frame = d.contact[i].frame  # rows: normal, tangent 1, tangent 2 (world)
                fz += force[0] * frame[2] + force[1] * frame[5] + force[2] * frame[8]
            feet = [tuple(d.xpos[b]) for b in self.feet]
            low = min(corners_min_z(d.xpos[b], d.xmat[b].reshape(3, 3), box) for b, box in zip(self.feet, boxes))
            tr.add((k + 1) * self.dt, tuple(d.qpos[:3]), feet, low, abs(fz))
        return tr


# MARK: - Embody

def embody_env():
    return dict(os.environ, EMBODY_SCENARIOS=os.path.join(common.ROOT, "Scenarios"))


def dt_overrides(dt):
    if abs(dt - 0.001) < 1e-12:
        return []
    rate = int(round(1.0 / dt))
    return ["physics.dt=%g" % dt, "rates.control=%d" % rate]


# Embody's contact/limit solvers (the scenario key physics.solver), each measured in its own rows.
SOLVERS = ("bullet", "constraint_space")


def embody_engine(solver):
    """The engine's name in the tables for Embody with `solver`."""
    return f"Embody, solver {solver}"


def embody_overrides(dt, solver):
    """The --set overrides of an Embody run: the step, and the solver named explicitly (bullet too, so that every
    row says which solver it measured whatever the default)."""
    return dt_overrides(dt) + [f"physics.solver={solver}"]


def embody_traced(model, scenario, dt, solver, tmp):
    """Runs the scenario with a recording, exports it with link poses, and returns (Trace, the run's JSON)."""
    import json
    exe = common.embody_binary()
    log = os.path.join(tmp, f"{scenario}-{solver}.log")
    out = os.path.join(tmp, f"{scenario}-{solver}.csv")
    cmd = [exe, "run", scenario, "--record", log, "--json"]
    for o in embody_overrides(dt, solver):
        cmd += ["--set", o]
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=embody_env())
    if r.returncode not in (0, 2):
        raise RuntimeError(f"`{' '.join(cmd)}` exited {r.returncode}:\n{r.stderr}")
    summary = json.loads(r.stdout.splitlines()[0])
    cmd = [exe, "export", log, "--format", "csv", "--output", out]
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=embody_env())
    if r.returncode != 0:
        raise RuntimeError(f"`{' '.join(cmd)}` exited {r.returncode}:\n{r.stderr}")
    tr = Trace()
    with open(out) as f:
        rows = csv.reader(f)
        header = next(rows)
        col = {name.split(" ")[0]: i for i, name in enumerate(header)}

        def c(name):
            if name not in col:
                raise RuntimeError(f"the exported log has no column {name} (columns: {', '.join(header[:12])}, …)")
            return col[name]
        t_col = c("t")
        base = [c("base.x"), c("base.y"), c("base.z")]
        foot_cols = [[c(f"frame.{f}.{a}") for a in ("x", "y", "z", "qx", "qy", "qz", "qw")] for f in FEET]
        fz_cols = [col[n] for n in col if n.startswith("contact.") and n.endswith(".fz")]
        boxes = [model.feet[f] for f in FEET]
        for row in rows:
            v = [float(x) if x else 0.0 for x in row]
            feet, low = [], math.inf
            for fc, box in zip(foot_cols, boxes):
                p = [v[i] for i in fc[:3]]
                qx, qy, qz, qw = (v[i] for i in fc[3:])
                rot = quat_rows(qx, qy, qz, qw)
                feet.append(tuple(p))
                low = min(low, corners_min_z(p, rot, box))
            tr.add(v[t_col], tuple(v[i] for i in base), feet, low, sum(v[i] for i in fz_cols))
    return tr, summary


def quat_rows(x, y, z, w):
    return [[1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
            [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
            [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)]]


def embody_speed(dt, ticks, solver):
    b = common.embody_bench("humanoid-stand", ticks, warmup=200, overrides=embody_overrides(dt, solver))
    return 1.0 / (b["tick_cpu_ns"] * 1e-9), b


# MARK: - the run

# The MuJoCo variants of the tables: the law as it is, and kd as implicit joint damping. Embody's rows are one per
# solver (SOLVERS, embody_engine).
MUJOCO_VARIANTS = [("MuJoCo", False), ("MuJoCo, kd implicit", True)]

def fidelity_runs(mujoco, np, yaml, model, dts, solvers):
    """Every engine's stand and push runs at each dt: {(engine, dt): (stand, push, extra)}."""
    weight = model.mass * abs(model.gravity[2])
    out = {}
    with tempfile.TemporaryDirectory(prefix="embody-humanoid-peer-") as tmp:
        for dt in dts:
            for solver in solvers:
                tr, summary = embody_traced(model, "humanoid-stand", dt, solver, tmp)
                trp, summary_push = embody_traced(model, "humanoid-push", dt, solver, tmp)
                out[(embody_engine(solver), dt)] = (
                    stand_fidelity(tr, weight), push_fidelity(trp, model.push["at"]),
                    {"result": summary.get("result"), "push_result": summary_push.get("result")})
            for engine, implicit in MUJOCO_VARIANTS:
                h = MuJoCoHumanoid(mujoco, np, model, dt, implicit_kd=implicit)
                out[(engine, dt)] = (stand_fidelity(h.run_traced(model.stand_seconds), weight),
                                     push_fidelity(h.run_traced(model.push["seconds"], model.push), model.push["at"]),
                                     {})
    return out


def check(fid, dts):
    """--check: every engine stands and takes the push at 1 ms, with fidelity in the CHECK ranges."""
    failures = []
    for (engine, dt), (s, p, _) in sorted(fid.items()):
        if dt != 0.001:
            continue  # MuJoCo with the explicit law falls at 2 ms: that is a finding for the table, not a bug
        tag = f"{engine} at dt {dt * 1000:g} ms"
        if not s["stood"]:
            failures.append(f"{tag}: fell while standing (pelvis at {s['final_z']:.3f} m)")
        if not p["stood"] or p["min_z"] < CHECK["push_min_height_m"]:
            failures.append(f"{tag}: the push brought the pelvis down to {p['min_z']:.3f} m")
        for key in ("drift_m", "sink_m", "force_rms", "slip_m", "penetration_m"):
            if not abs(s[key]) <= CHECK[key]:  # also catches NaN
                failures.append(f"{tag}: {key} = {s[key]:.3g}, outside ±{CHECK[key]:g}")
        if not 0.005 < p["forward"] < 0.1:
            failures.append(f"{tag}: the push moved the pelvis forward by {p['forward']:.3g} m (expected a visible, "
                            "bounded sway along the push)")
    return failures


def mm(x):
    text = f"{x * 1000:.3f} mm"
    return text[1:] if text.startswith("-0.000 ") else text  # no negative zero


# The walking scenarios: MuJoCo cannot run Embody's walking controller, so these rows are Embody's alone, with its
# bare physics step beside MuJoCo's standing step for scale.
WALKING = ("humanoid-walk", "humanoid-walk-turn", "humanoid-walk-rough", "humanoid-walk-push", "humanoid-step-recover")
WALKING_WARMUP, WALKING_TICKS = 2000, 3000  # after the first 2 s (walking starts at 1 s): 3 s of steps, ≈ 5 steps


def walking_rows(solvers, mujoco_step):
    """`embody bench` on every walking scenario with each solver: the full tick, the bare step with the run's torques
    replayed, and where the tick's time goes. `mujoco_step` is MuJoCo's standing step alone at 1 ms (steps/s) or
    None."""
    rows = []
    for name in WALKING:
        for solver in solvers:
            b = common.embody_bench(name, WALKING_TICKS, warmup=WALKING_WARMUP, phases=True, blocks=10,
                                    overrides=[f"physics.solver={solver}"])
            if not b["identical_trajectory"]:
                raise RuntimeError(f"{name} ({solver}): the bare world diverged from the loop's")
            tick = 1e9 / b["tick_cpu_ns"]
            bare = 1e9 / b["step_cpu_ns"]
            ph = b["phases"]
            scale = f"{bare / mujoco_step:.2f}×" if mujoco_step else "—"
            rows.append(f"| {name} | `{solver}` | {tick:,.0f} steps/s ({tick * b['dt']:.1f}× real time) | "
                        f"{bare:,.0f} steps/s | {scale} | {ph['control']:.0%} | {ph['physics']:.0%} |")
            print(f"{name} ({solver}): tick {tick:,.0f}, bare step {bare:,.0f} steps/s", file=sys.stderr)
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--seconds", type=float, default=10.0, help="simulated seconds per timed measurement")
    ap.add_argument("--dt", default="0.001,0.002", help="comma-separated steps in s")
    ap.add_argument("--write-docs", action="store_true", help="rewrite the humanoid section of docs/performance.md")
    ap.add_argument("--solvers", default=",".join(SOLVERS),
                    help="comma-separated Embody solvers (physics.solver), each in its own rows; default: all")
    ap.add_argument("--check", action="store_true", help="fidelity runs only; exit 1 unless every engine stands")
    args = ap.parse_args()
    dts = [float(x) for x in args.dt.split(",")]
    solvers = [x.strip() for x in args.solvers.split(",") if x.strip()]
    if not solvers or any(s not in SOLVERS for s in solvers) or len(set(solvers)) != len(solvers):
        sys.exit(f"humanoid_peer.py: --solvers takes distinct names among {', '.join(SOLVERS)}")
    for dt in dts:
        if not 1e-4 <= dt <= 0.01 or abs(round(1 / dt) * dt - 1) > 1e-9:
            sys.exit(f"humanoid_peer.py: --dt {dt:g} must lie in [0.1 ms, 10 ms] and divide 1 s")
    if args.rounds < 1 or not 0.1 <= args.seconds <= 100:
        sys.exit("humanoid_peer.py: --rounds must be ≥ 1 and --seconds in [0.1, 100]")

    mujoco = common.require("mujoco", "mujoco")
    np = common.require("numpy", "numpy")
    yaml = common.require("yaml", "pyyaml")
    model = Model(yaml)
    fid = fidelity_runs(mujoco, np, yaml, model, dts, solvers)
    if args.check:
        failures = check(fid, dts)
        for (engine, dt), (s, p, _) in sorted(fid.items()):
            print(f"{engine} dt {dt * 1000:g} ms: stood {s['stood']}, drift {mm(s['drift_m'])}, force RMS "
                  f"{s['force_rms']:.2e}, slip {mm(s['slip_m'])}, penetration {mm(s['penetration_m'])}; push: stood "
                  f"{p['stood']}, min z {p['min_z']:.4f} m, forward {mm(p['forward'])}, back {mm(p['back'])}, "
                  f"sway in the last second ±{mm(p['sway_end'])}")
        for f in failures:
            print(f"humanoid_peer.py --check: {f}", file=sys.stderr)
        sys.exit(1 if failures else 0)

    common.quiet_check()
    m = common.machine()
    speed = {}
    for dt in dts:
        steps = int(round(args.seconds / dt))
        sims = [MuJoCoHumanoid(mujoco, np, model, dt, implicit_kd=implicit) for _, implicit in MUJOCO_VARIANTS]
        emb, loops, alone = {s: [] for s in solvers}, [[] for _ in sims], [[] for _ in sims]
        for r in range(args.rounds):
            for solver in solvers:
                rate, _ = embody_speed(dt, steps, solver)
                emb[solver].append(rate)
            for h, lo, al in zip(sims, loops, alone):
                h.reset()
                h.run_timed(200)  # the same warm-up as embody bench's
                loop = h.run_timed(steps)
                law = h.law_only(steps)
                lo.append(steps / loop)
                al.append(steps / max(loop - law, 1e-12))
            print(f"dt {dt * 1000:g} ms, round {r + 1}: "
                  + ", ".join(f"{embody_engine(s)} {emb[s][-1]:,.0f}" for s in solvers) + ", "
                  + ", ".join(f"{e} loop {lo[-1]:,.0f} (step alone {al[-1]:,.0f})"
                              for (e, _), lo, al in zip(MUJOCO_VARIANTS, loops, alone)) + " steps/s", file=sys.stderr)
        speed[dt] = (emb, loops, alone)

    mid = common.median
    command = f"python3 Benchmarks/peers/humanoid_peer.py --rounds {args.rounds} --seconds {args.seconds:g}"
    if dts != [0.001, 0.002]:
        command += " --dt " + ",".join("%g" % dt for dt in dts)
    if solvers != list(SOLVERS):
        command += " --solvers " + ",".join(solvers)
    lines = [
        f"Measured {common.machine_line(m)}; `{command}` (MuJoCo {mujoco.__version__}, NumPy {np.__version__}; "
        f"the same Scenarios/robots/humanoid.urdf in both, {model.mass:g} kg; Embody with each contact/limit solver "
        f"(`physics.solver`: {', '.join(f'`{s}`' for s in solvers)}); rounds alternate "
        f"{', '.join(f'Embody with `{s}`' for s in solvers)} and the MuJoCo variants, "
        f"{args.seconds:g} simulated s each after 200 warm-up steps; medians; steps per second of thread CPU time).",
        "",
        "| dt | Embody solver | MuJoCo variant | Embody, full tick (`embody bench humanoid-stand`) "
        "| MuJoCo, loop with the law in Python "
        "| MuJoCo, `mj_step1` + `mj_step2` alone | **Embody / MuJoCo step** | Embody / MuJoCo loop "
        "| per-round spread Embody / MuJoCo loop | MuJoCo's robot |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    spread = lambda xs: (max(xs) - min(xs)) / mid(xs)  # noqa: E731
    for dt in dts:
        emb, loops, alone = speed[dt]
        for solver in solvers:
            e = emb[solver]
            for (engine, _), lo, al in zip(MUJOCO_VARIANTS, loops, alone):
                stood = ("stands" if fid[(engine, dt)][0]["stood"]
                         else "**falls** (the timing is of a robot on the floor)")
                lines.append(f"| {dt * 1000:g} ms | `{solver}` | {engine} | {mid(e):,.0f} steps/s | "
                             f"{mid(lo):,.0f} steps/s | {mid(al):,.0f} steps/s | **{mid(e) / mid(al):.2f}×** | {mid(e) / mid(lo):.2f}× | "
                             f"{spread(e):.0%} / {spread(lo):.0%} | {stood} |")
    if len(solvers) > 1:
        # Each round's own ratio against the first solver (bullet by default): the solvers ran a few seconds apart
        # in the same round, so a slow drift of the machine's speed cancels in the pair.
        base = solvers[0]
        parts = []
        for dt in dts:
            emb = speed[dt][0]
            for solver in solvers[1:]:
                paired = sorted(a / b for a, b in zip(emb[solver], emb[base]))
                parts.append(f"`{solver}` / `{base}` at {dt * 1000:g} ms: "
                             f"**{mid(emb[solver]) / mid(emb[base]):.2f}×** (per round {mid(paired):.2f}×, {paired[0]:.2f}–{paired[-1]:.2f})")
        lines += ["", "Embody's full tick, one solver against the other (steps/s, ratio of the medians; in brackets "
                  "the per-round ratios of the same round's runs: median, min–max): " + "; ".join(parts) + "."]
    lines += [
        "",
        "Fidelity on the same runs (both engines are deterministic: the recorded runs repeat the timed trajectories), "
        "computed by the same code from each engine's per-step trajectory:",
        "",
        "| dt | engine | stands 10 s | pelvis drift, 1 → 10 s | settled pelvis − 0.920 m | ΣFz vs m·g: RMS (largest) "
        "| foot slip | deepest penetration | 60 N push: outcome | lowest pelvis | pelvis x: forward, back "
        "| sway in the last 1 s | foot slip in the push |",
        "|---|---|---|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|",
    ]
    for dt in dts:
        for engine in [embody_engine(s) for s in solvers] + [e for e, _ in MUJOCO_VARIANTS]:
            s, p, _ = fid[(engine, dt)]
            if not s["stood"]:
                lines.append(f"| {dt * 1000:g} ms | {engine} | **fell** (pelvis at {s['final_z']:.2f} m) | | | | | | "
                             f"{'stood' if p['stood'] else 'fell'} | {p['min_z']:.3f} m | | | |")
                continue
            lines.append(
                f"| {dt * 1000:g} ms | {engine} | yes | {mm(s['drift_m'])} | {mm(s['sink_m'])} | "
                f"{s['force_rms']:.1e} ({s['force_max']:.1e}) | {mm(s['slip_m'])} | {mm(s['penetration_m'])} | "
                f"{'stood' if p['stood'] else '**fell**'} | {p['min_z']:.4f} m | +{mm(p['forward'])}, {mm(p['back'])} | "
                f"±{mm(p['sway_end'])} | {mm(p['slip_m'])} |")
    mujoco_step = mid(speed[0.001][2][0]) if 0.001 in speed else None
    lines += [
        "",
        f"The walking scenarios (`embody bench NAME --ticks {WALKING_TICKS} --warmup {WALKING_WARMUP}`: {WALKING_TICKS / 1000:g} s "
        f"of walking after the first {WALKING_WARMUP / 1000:g} s, CPU time, medians of alternating blocks). MuJoCo cannot run "
        "Embody's walking controller, so there is no like-for-like pair here; the bare step (the same run's torques "
        "replayed into `World.step`, bit for bit the same trajectory) is set against MuJoCo's standing step alone "
        "above, for scale:",
        "",
        "| scenario | Embody solver | full tick | bare physics step | bare step / MuJoCo's standing step (1 ms) "
        "| control's share of the tick | physics' share |",
        "|---|---|---:|---:|---:|---:|---:|",
    ] + walking_rows(solvers, mujoco_step)
    text = "\n".join(lines)
    print(text)
    if args.write_docs:
        common.write_section("humanoid", text)


if __name__ == "__main__":
    main()

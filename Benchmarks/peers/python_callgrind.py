#!/usr/bin/env python3
"""Where the Python PD loop's work goes, in instructions (issue 17): PyBullet's loop against Embody's, under callgrind.

python_peer.py measures the two loops in time; time on a shared 2-core machine moves by ±10% between runs. This
script counts instructions instead (`valgrind --tool=callgrind`, which does not depend on load or clock), for the
same two loops on the same scenario as python_peer.py (kuka_iiwa/model.urdf, dt 1 ms, the same gains and target):

  PyBullet  getJointStates → τ (a list comprehension) → setJointMotorControlArray(TORQUE_CONTROL) → stepSimulation
  Embody    np.dot + np.add into the zero-copy `sim.torques` → `sim.step()` (the `external` controller; `step`
            is the C method of python/embody/_fastcall.c, built in place first, as python_peer.py does)

Each loop runs in a child process under callgrind twice, with N and 2N steps after the same warm-up; the
difference divided by N is the loop's cost per step, free of start-up and loading. The profile of the longer run
then splits a step into the engine's parts (Bullet's collision detection, forward dynamics and constraint solver,
integration), each side's own work around the engine (PyBullet's API and command processing; Embody's tick:
sensing, metrics, the divergence monitor, …), and the boundary (ctypes and the interpreter, NumPy).

Needs valgrind and the release library (`swift build -c release --product EmbodyC`); valgrind 3.19 cannot read the
DWARF 5 that Swift emits, so the library is copied without debug info first. Usage:
  python_callgrind.py [--steps 2000] [--require-ratio R]

With --require-ratio R it exits 1 when Embody's loop does not take at least R times fewer instructions per step
than PyBullet's (CI runs it with 2.0: instruction counts do not depend on the machine's load, time does).
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

WARMUP = 200
LIBRARY = os.path.join(common.ROOT, ".build", "release", "libEmbodyC.so")

# (label, a substring of the function's name in callgrind_annotate's output). Inclusive counts, per step.
PYBULLET_PARTS = [
    ("stepSimulation (the API call)", "pybullet.c:pybullet_stepSimulation"),
    ("  Bullet's step (btDiscreteDynamicsWorld::stepSimulation)", "btDiscreteDynamicsWorld::stepSimulation("),
    ("    collision detection", "btCollisionWorld::performDiscreteCollisionDetection()"),
    ("      of which AABB updates (broadphase)", "btCollisionWorld::updateSingleAabb("),
    ("    forward dynamics (ABA, solveExternalForces)", "btMultiBodyDynamicsWorld::solveExternalForces("),
    ("    constraints and islands (solveConstraints − forward dynamics)", "btMultiBodyDynamicsWorld::solveConstraints("),
    ("    integration", "btMultiBodyDynamicsWorld::integrateTransforms("),
    ("getJointStates", "pybullet.c:pybullet_getJointStates"),
    ("setJointMotorControlArray", "pybullet.c:pybullet_setJointMotorControlArray"),
]
EMBODY_PARTS = [
    ("embody_step1 (the C entry)", "embody_step1"),
    ("  Session.step (host torques in, state buffers out)", "7SessionC4stepyS2iAA9HostErrorVYKF"),
    ("    Simulation.step (the tick)", "13EmbodyRuntime10SimulationC4stepyyAA0B5ErrorVYKF"),
    ("      World.step (the engine)", "13EmbodyPhysics5WorldC4step2dt8substepsySd_SitF"),
    ("        Bullet's step (btDiscreteDynamicsWorld::stepSimulation)", "btDiscreteDynamicsWorld::stepSimulation("),
    ("          collision detection", "btCollisionWorld::performDiscreteCollisionDetection()"),
    ("            of which AABB updates (broadphase)", "btCollisionWorld::updateSingleAabb("),
    ("          forward dynamics (ABA, solveExternalForces)", "btMultiBodyDynamicsWorld::solveExternalForces("),
    # Embody's world overrides solveConstraints (the idle-solver skip, CShims/CBullet/internal.hpp).
    ("          constraints and islands (solveConstraints − forward dynamics)", "DiscreteMultiBodyWorld::solveConstraints("),
    ("          integration", "btMultiBodyDynamicsWorld::integrateTransforms("),
    ("      divergence monitor", "17DivergenceMonitorC5check5state4tick"),
    ("      task reference (control and metrics)", "8TaskPlanC9reference6atTick4into"),
    ("      sensing (q, q̇ from the engine)", "10SimulationC5sense4into"),
    ("      metrics", "18MetricsAccumulatorC10accumulate5state"),
    ("      sensors and estimate (none declared: estimate = truth)", "11SensorSuiteC6update4tick5robot5truth8estimate"),
    ("      external controller (τ = τ_host)", "18ExternalControllerC0A7Control0D0AadEP14computeTorques"),
    ("      torques to the engine, applied torques back", "13EmbodyPhysics5RobotC10setTorques"),
    ("    host torques in (finite check, copy)", "7SessionC15loadHostTorques"),
]


def child(kind, steps):
    """Runs one loop: WARMUP steps, then `steps` more (the parent runs this under callgrind)."""
    sys.path.insert(0, os.path.join(common.ROOT, "python"))
    import numpy as np
    import pybullet_data
    import pybullet_peer
    urdf = os.path.join(pybullet_data.getDataPath(), "kuka_iiwa", "model.urdf")
    gains, target_map = pybullet_peer.KUKA_GAINS, pybullet_peer.KUKA_TARGET
    if kind == "pybullet":
        import pybullet as p
        loop = pybullet_peer.PyBulletLoop(p, urdf, gains, target_map)
        loop.pd_steps(WARMUP)
        loop.pd_steps(steps)
        print(f"max |q* - q| {loop.max_error():.6e}")
        return
    import embody
    import embody.simulation
    if not embody.simulation.FASTCALL:
        sys.exit("embody._fastcall did not import")
    folder = tempfile.mkdtemp(prefix="embody-python-callgrind-")
    scenario = os.path.join(folder, "kuka.yaml")
    with open(scenario, "w") as f:
        f.write(pybullet_peer.scenario_yaml("python-peer-kuka", urdf, gains, target_map))
    sim = embody.Simulation(scenario, overrides={"controller.type": "external"})
    kp = np.array([gains[j][0] for j in sim.joint_names], dtype=float)
    kd = np.array([gains[j][1] for j in sim.joint_names], dtype=float)
    target = np.array([target_map.get(j, 0.0) for j in sim.joint_names])
    gain, bias = np.hstack([np.diag(-kp), np.diag(-kd)]), kp * target
    x, out, step, dot, add = sim.state, sim.torques, sim.step, np.dot, np.add
    for count in (WARMUP, steps):   # the loop of python_peer.py's embody_pd_loop, zero-copy path
        for _ in range(count):
            dot(gain, x, out=out)
            add(out, bias, out=out)
            step()
    print(f"max |q* - q| {float(np.max(np.abs(target - sim.q))):.6e}")
    sim.close()
    shutil.rmtree(folder, ignore_errors=True)


def callgrind(kind, steps, folder, env):
    """Instruction total of one child run and the path of its profile."""
    out = os.path.join(folder, f"{kind}-{steps}.callgrind")
    cmd = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", sys.executable, os.path.abspath(__file__),
           "--child", kind, str(steps)]
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    if r.returncode != 0:
        sys.exit(f"callgrind run failed ({' '.join(cmd)}):\n{r.stderr[-2000:]}")
    total = re.search(r"Collected : (\d+)", r.stderr)
    if not total:
        sys.exit(f"no instruction total in callgrind's output:\n{r.stderr[-2000:]}")
    error = re.search(r"max \|q\* - q\| (\S+)", r.stdout)
    return int(total.group(1)), out, float(error.group(1)) if error else float("nan")


def inclusive(profile):
    """Function name → inclusive instruction count, from callgrind_annotate."""
    r = subprocess.run(["callgrind_annotate", "--inclusive=yes", "--threshold=100", profile],
                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, check=True)
    counts = {}
    for line in r.stdout.splitlines():
        m = re.match(r"\s*([\d,]+)\s+\([^)]*\)\s+(.*)$", line)
        if m:
            counts.setdefault(m.group(2), int(m.group(1).replace(",", "")))
    return counts


def lookup(counts, pattern):
    hits = [v for name, v in counts.items() if pattern in name and "'2" not in name.split(" ")[0]]
    return max(hits) if hits else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--steps", type=int, default=2000)
    ap.add_argument("--require-ratio", type=float, default=None,
                    help="exit 1 unless PyBullet's instructions per step ÷ Embody's is at least this")
    ap.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.child[0], int(args.child[1]))
        return
    if shutil.which("valgrind") is None:
        sys.exit("valgrind is not installed; run `bash scripts/setup.sh`")
    common.require("pybullet", "pybullet==3.2.7")
    common.require("numpy", "numpy")
    if not os.path.exists(LIBRARY):
        subprocess.run([common.SWIFT, "build", "-c", "release", "--product", "EmbodyC"], cwd=common.ROOT, check=True)
    common.build_python_extension()
    folder = tempfile.mkdtemp(prefix="embody-python-callgrind-")
    stripped = os.path.join(folder, "libEmbodyC.so")
    for tool in ("objcopy", "llvm-objcopy"):
        if shutil.which(tool) and subprocess.run([tool, "--strip-debug", LIBRARY, stripped]).returncode == 0:
            break
    else:
        sys.exit("cannot strip debug info from libEmbodyC.so (neither objcopy nor llvm-objcopy worked)")
    # Fixed hash seeds and one BLAS thread: the interpreter's and OpenBLAS's own work then repeats run to run.
    env = dict(os.environ, EMBODY_LIBRARY=stripped, PYTHONHASHSEED="0", OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    n = args.steps
    per_step, profiles, errors = {}, {}, {}
    for kind in ("pybullet", "embody"):
        short, _, _ = callgrind(kind, n, folder, env)
        long, profile, error = callgrind(kind, 2 * n, folder, env)
        per_step[kind] = (long - short) / n
        profiles[kind] = inclusive(profile)
        errors[kind] = error
    calls = WARMUP + 2 * n   # loop steps in the longer run (every part below runs once per step)

    def rows(kind, parts):
        counts = profiles[kind]
        values = [(label, lookup(counts, pattern) / calls) for label, pattern in parts]
        fixed = []
        for i, (label, v) in enumerate(values):
            if "solveConstraints − forward dynamics" in label:
                v -= values[i - 1][1]   # solveConstraints includes solveExternalForces
            fixed.append((label, v))
        return fixed

    print(f"Instructions per step of the Python PD loop on kuka_iiwa (callgrind, slope between {n} and {2 * n} "
          f"steps after {WARMUP} of warm-up; `python3 Benchmarks/peers/python_callgrind.py --steps {n}`):\n")
    print(f"| loop | instructions per step | against PyBullet | max \\|q* − q\\| at the end |")
    print("|---|---:|---:|---:|")
    print(f"| PyBullet | {per_step['pybullet']:,.0f} | 1 | {errors['pybullet']:.2e} rad |")
    print(f"| Embody (zero copy, `sim.step()`) | {per_step['embody']:,.0f} | "
          f"**{per_step['pybullet'] / per_step['embody']:.2f}×** fewer | {errors['embody']:.2e} rad |")
    for kind, parts, entry in (("pybullet", PYBULLET_PARTS, None), ("embody", EMBODY_PARTS, 0)):
        values = rows(kind, parts)
        print(f"\n{'PyBullet' if kind == 'pybullet' else 'Embody'} per step (inclusive):\n")
        print("| part | instructions |")
        print("|---|---:|")
        for label, v in values:
            depth = (len(label) - len(label.lstrip())) // 2
            print(f"| {'&nbsp;&nbsp;' * depth}{label.strip()} | {v:,.0f} |")
        accounted = values[0][1] if kind == "embody" else sum(v for label, v in values if not label.startswith(" "))
        print(f"| the rest: the Python interpreter, {'NumPy, the C step method' if kind == 'embody' else 'the list comprehension'} "
              f"| {per_step[kind] - accounted:,.0f} |")
    shutil.rmtree(folder, ignore_errors=True)
    if args.require_ratio is not None:
        ratio = per_step["pybullet"] / per_step["embody"]
        verdict = "holds" if ratio >= args.require_ratio else "FAILS"
        print(f"\ncheck: Embody's loop takes {ratio:.2f}× fewer instructions per step than PyBullet's; the "
              f"requirement of at least {args.require_ratio:.2f}× {verdict}")
        if ratio < args.require_ratio:
            sys.exit(1)


if __name__ == "__main__":
    main()

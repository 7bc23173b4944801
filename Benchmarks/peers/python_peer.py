#!/usr/bin/env python3
"""Embody from Python against PyBullet from Python, and the Python boundary's own cost (issue 17).

Measured side by side in one session, alternating rounds, medians (per second of thread CPU time, the wall clock
next to it):

  1. A PD loop in Python on pybullet_data's kuka_iiwa/model.urdf, dt 1 ms, the gains and targets of
     pybullet_peer.py; every step reads the state, computes τ = kp (q* − q) − kd q̇ in NumPy, hands τ over, steps:
       PyBullet  getJointStates → τ (a list comprehension, as pybullet_peer.py) → setJointMotorControlArray → stepSimulation
       Embody    τ = K [q, q̇] + kp q* with NumPy on the zero-copy views, written into `sim.torques` (the
                 zero-copy path) or handed to `sim.set_torques` (the checked copy) → `sim.step()` (the C method
                 of python/embody/_fastcall.c; a third loop steps through ctypes alone, as the package does
                 without that extension)
     Target: Embody ≥ 2× PyBullet. Fidelity next to it: both loops' largest |q* − q| at the end.
  2. `Simulation.step(1000)` with the scenario's built-in PD controller against the CLI's `embody run --json`
     steps_per_second on the same scenario (Scenarios/arm-hold.yaml, 5 s). Target: within 10%.
  3. The boundary's cost per call in µs: a bare ctypes call (`embody_tick`), `step()` on a finished run (the
     one-tick entry the loop uses, without the tick), `step(0)` (the general step entry with its
     torque check and buffer refresh, no tick), `set_torques`, and a Python controller's cost per control tick
     (`run(controller=…)` against the built-in PD on the same scenario).

Needs the release library and CLI (`swift build -c release --product EmbodyC --product embody`; built when
missing). Usage: python_peer.py [--rounds 5] [--steps 10000] [--write-docs]
"""

import argparse
import ctypes
import json
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402
import pybullet_peer  # noqa: E402

WARMUP = 200
LIBRARY = os.path.join(common.ROOT, ".build", "release", "libEmbodyC.so")


def release_library():
    """The package from the checkout's python/, on the release library, with its C step built in place (as
    `pip install ./python` builds it)."""
    if not os.path.exists(LIBRARY):
        print("building the release libEmbodyC.so", file=sys.stderr)
        subprocess.run([common.SWIFT, "build", "-c", "release", "--product", "EmbodyC"], cwd=common.ROOT, check=True)
    common.build_python_extension()
    os.environ["EMBODY_LIBRARY"] = LIBRARY
    sys.path.insert(0, os.path.join(common.ROOT, "python"))
    import embody
    import embody.simulation
    assert embody.library_path == LIBRARY, embody.library_path
    if not embody.simulation.FASTCALL:
        sys.exit("embody._fastcall did not import (EMBODY_PYTHON_FASTCALL=0, or the build above failed)")
    return embody


def embody_pd_loop(sim, np, kp, kd, target, steps, zero_copy, ctypes_only=False):
    """`steps` PD steps in Python on an external-controller Simulation; returns (wall s, thread CPU s). With
    `ctypes_only`, each step goes through ctypes (`_step_general`, what `step` is without the C extension)."""
    n = sim.dof
    gain = np.hstack([np.diag(-kp), np.diag(-kd)])  # τ = K [q, q̇] + kp q*
    bias = kp * target
    x, out, step = sim.state, sim.torques, (sim._step_general if ctypes_only else sim.step)
    scratch = np.zeros(n)
    dot, add = np.dot, np.add
    wall, cpu = time.perf_counter(), time.thread_time()
    if zero_copy:
        for _ in range(steps):
            dot(gain, x, out=out)
            add(out, bias, out=out)
            step()
    else:
        set_torques = sim.set_torques
        for _ in range(steps):
            dot(gain, x, out=scratch)
            add(scratch, bias, out=scratch)
            set_torques(scratch)
            step()
    return time.perf_counter() - wall, time.thread_time() - cpu


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--steps", type=int, default=10000)
    ap.add_argument("--write-docs", action="store_true", help="rewrite the python section of docs/performance.md")
    args = ap.parse_args()

    p = common.require("pybullet", "pybullet==3.2.7")
    pybullet_data = common.require("pybullet_data", "pybullet==3.2.7")
    np = common.require("numpy", "numpy")
    embody = release_library()
    cli = common.embody_binary()
    common.quiet_check()
    m = common.machine()
    mid = common.median

    # 1. The PD loop on kuka_iiwa.
    urdf = os.path.join(pybullet_data.getDataPath(), "kuka_iiwa", "model.urdf")
    gains, target_map = pybullet_peer.KUKA_GAINS, pybullet_peer.KUKA_TARGET
    tmp = tempfile.mkdtemp(prefix="embody-python-peer-")
    scenario = os.path.join(tmp, "kuka.yaml")
    with open(scenario, "w") as f:
        f.write(pybullet_peer.scenario_yaml("python-peer-kuka", urdf, gains, target_map))
    loop = pybullet_peer.PyBulletLoop(p, urdf, gains, target_map)
    # Long enough for every loop of every round (three Embody loops per round): a run that reached its end would
    # step no more and make the rates meaningless.
    ticks = 3 * args.rounds * args.steps + WARMUP
    sim = embody.Simulation(scenario, overrides={"controller.type": "external",
                                                 "duration": (ticks + 1000) * pybullet_peer.DT})
    kp = np.array([gains[j][0] for j in sim.joint_names], dtype=float)
    kd = np.array([gains[j][1] for j in sim.joint_names], dtype=float)
    target = np.array([target_map.get(j, 0.0) for j in sim.joint_names])
    loop.pd_steps(WARMUP)
    embody_pd_loop(sim, np, kp, kd, target, WARMUP, True)
    py_cpu, py_wall, zc_cpu, zc_wall, st_cpu, st_wall, ct_cpu, ct_wall = [], [], [], [], [], [], [], []
    for r in range(args.rounds):
        wall, cpu = loop.pd_steps(args.steps)
        py_cpu.append(args.steps / cpu); py_wall.append(args.steps / wall)
        wall, cpu = embody_pd_loop(sim, np, kp, kd, target, args.steps, True)
        zc_cpu.append(args.steps / cpu); zc_wall.append(args.steps / wall)
        wall, cpu = embody_pd_loop(sim, np, kp, kd, target, args.steps, False)
        st_cpu.append(args.steps / cpu); st_wall.append(args.steps / wall)
        wall, cpu = embody_pd_loop(sim, np, kp, kd, target, args.steps, True, ctypes_only=True)
        ct_cpu.append(args.steps / cpu); ct_wall.append(args.steps / wall)
        print(f"PD loop round {r + 1}: PyBullet {py_cpu[-1]:,.0f}, Embody {zc_cpu[-1]:,.0f} (zero copy), "
              f"{st_cpu[-1]:,.0f} (set_torques), {ct_cpu[-1]:,.0f} (ctypes only) steps per CPU second",
              file=sys.stderr)
    # Where Embody's loop goes, per step: the tick alone (`embody bench`, thread CPU, the same scenario with its
    # built-in PD, which holds the same posture: with the external controller and no host the arm would fall), the
    # step call's own cost (`step()` without a tick: boundary, torque check, buffer refresh) and the two NumPy calls
    # of the PD law.
    tick_ns = [common.embody_bench(scenario, args.steps, warmup=WARMUP)["tick_cpu_ns"] for _ in range(3)]
    gain_, bias_, out_ = np.hstack([np.diag(-kp), np.diag(-kd)]), kp * target, np.zeros(sim.dof)
    x_ = np.zeros(2 * sim.dof)
    t = time.thread_time()
    for _ in range(args.steps):
        np.dot(gain_, x_, out=out_)
        np.add(out_, bias_, out=out_)
    numpy_us = (time.thread_time() - t) / args.steps * 1e6
    # The loop's own call without the tick: `step()` (the C method calling embody_step1: host torques checked and
    # copied in, state buffers refreshed) on a run that has reached its end, where it takes no tick and returns 0.
    done = embody.Simulation(scenario, overrides={"controller.type": "external", "duration": pybullet_peer.DT})
    done.step()
    assert done.step() == 0
    t = time.thread_time()
    for _ in range(args.steps):
        done.step()
    call_us = (time.thread_time() - t) / args.steps * 1e6
    done.close()
    if sim.finished or sim.tick != ticks:
        sys.exit(f"the PD loops took {sim.tick} ticks, not {ticks}: the run ended early")
    py_ctrl = [loop.control_only(args.steps) / args.steps * 1e6 for _ in range(3)]
    py_error = loop.max_error()
    em_error = float(np.max(np.abs(target - sim.q)))
    p.disconnect(loop.client)
    sim.close()
    paired = sorted(e / q for e, q in zip(zc_cpu, py_cpu))

    # 2. step(1000) with the built-in controller against the CLI, on arm-hold.
    env = dict(os.environ, EMBODY_SCENARIOS=os.path.join(common.ROOT, "Scenarios"))
    arm = embody.Simulation("arm-hold")
    cli_rate, py_rate, hashes = [], [], set()
    for r in range(args.rounds):
        out = subprocess.run([cli, "run", "arm-hold", "--json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True, env=env, check=True).stdout
        s = json.loads(out)
        cli_rate.append(s["steps_per_second"])
        arm.reset()
        wall = time.perf_counter()
        while arm.step(1000):
            pass
        py_rate.append(arm.tick / (time.perf_counter() - wall))
        summary = arm.run()
        hashes.add((s["state_hash"], summary["state_hash"]))
        print(f"step(1000) round {r + 1}: CLI {cli_rate[-1]:,.0f}, Python {py_rate[-1]:,.0f} steps/s", file=sys.stderr)
    same_bits = all(a == b for a, b in hashes)

    # 3. The cost of one call across the boundary.
    calls = 200000
    lib = embody._lib
    h = arm._handle
    tick = lib.embody_tick
    t = time.perf_counter()
    for _ in range(calls):
        tick(h)
    bare_us = (time.perf_counter() - t) / calls * 1e6
    ext = embody.Simulation("arm-hold", overrides={"controller.type": "external"})
    t = time.perf_counter()
    for _ in range(calls):
        ext.step(0)
    step0_us = (time.perf_counter() - t) / calls * 1e6
    ended = embody.Simulation("arm-hold", overrides={"controller.type": "external", "duration": 0.001})
    ended.step()
    t = time.perf_counter()
    for _ in range(calls):
        ended.step()   # the loop's one-tick entry (embody_step1) on a finished run: everything but the tick
    step1_us = (time.perf_counter() - t) / calls * 1e6
    general = ended._step_general
    t = time.perf_counter()
    for _ in range(calls):
        general()      # the same through ctypes, as without the C extension
    step1_ctypes_us = (time.perf_counter() - t) / calls * 1e6
    ended.close()
    zeros = np.zeros(ext.dof)
    t = time.perf_counter()
    for _ in range(calls):
        ext.set_torques(zeros)
    set_us = (time.perf_counter() - t) / calls * 1e6
    ext.close()
    # A Python controller (the slow path) against the built-in PD, on arm-hold with the same gains as arm-hold's PD.
    builtin, python = [], []
    hold = embody.Simulation("arm-hold")
    kp_a = np.array([pybullet_peer.ARM7_GAINS[j][0] for j in hold.joint_names])
    kd_a = np.array([pybullet_peer.ARM7_GAINS[j][1] for j in hold.joint_names])
    q_a = np.array(hold.q)
    for r in range(args.rounds):
        hold.reset()
        t = time.perf_counter()
        hold.run()
        builtin.append((time.perf_counter() - t) / hold.duration_ticks)
        pysim = embody.Simulation("arm-hold", controller=lambda s: kp_a * (q_a - s.q) - kd_a * s.qd)
        t = time.perf_counter()
        pysim.run()
        python.append((time.perf_counter() - t) / pysim.duration_ticks)
        pysim.close()
    hold.close()
    arm.close()
    controller_us = (mid(python) - mid(builtin)) * 1e6

    ratio = mid(zc_cpu) / mid(py_cpu)
    ratio_set = mid(st_cpu) / mid(py_cpu)
    ratio_ctypes = mid(ct_cpu) / mid(py_cpu)
    step_ratio = mid(py_rate) / mid(cli_rate)
    lines = [f"Measured {common.machine_line(m)}; `python3 Benchmarks/peers/python_peer.py --rounds {args.rounds} "
             f"--steps {args.steps}` (release libEmbodyC.so and embody, PyBullet {p.getAPIVersion()}, NumPy "
             f"{np.__version__}, alternating rounds, medians).", "",
             "A PD loop in Python on kuka_iiwa/model.urdf (dt 1 ms; read the state, τ in NumPy, hand τ over, step):", "",
             "| loop | steps/s (CPU) | steps/s (wall) | against PyBullet (CPU) | max \\|q* − q\\| at the end |",
             "|---|---:|---:|---:|---:|",
             f"| PyBullet: getJointStates, τ in Python, setJointMotorControlArray, stepSimulation | {mid(py_cpu):,.0f} | "
             f"{mid(py_wall):,.0f} | 1 | {py_error:.2e} rad |",
             f"| Embody: τ = K [q, q̇] + kp q* into `sim.torques` (zero copy), `sim.step()` | {mid(zc_cpu):,.0f} | "
             f"{mid(zc_wall):,.0f} | **{ratio:.2f}×** (per round {paired[0]:.2f}–{paired[-1]:.2f}) | {em_error:.2e} rad |",
             f"| Embody: the same τ through `sim.set_torques(τ)`, `sim.step()` | {mid(st_cpu):,.0f} | {mid(st_wall):,.0f} | "
             f"**{ratio_set:.2f}×** | (same law) |",
             f"| Embody: zero copy, each `step()` through ctypes (the package without its C extension) | "
             f"{mid(ct_cpu):,.0f} | {mid(ct_wall):,.0f} | {ratio_ctypes:.2f}× | (same law) |",
             "",
             f"Where the time goes, per step (thread CPU): PyBullet's loop {1e6 / mid(py_cpu):.1f} µs, of which its "
             f"Python and API work without `stepSimulation` {mid(py_ctrl):.1f} µs; Embody's loop {1e6 / mid(zc_cpu):.1f} µs: "
             f"the tick alone {mid(tick_ns) / 1000:.1f} µs (`embody bench`, the built-in PD), the step call's own "
             f"cost {call_us:.1f} µs (`step()` on a finished run: no tick), the PD law's two NumPy calls {numpy_us:.1f} µs. With the tick as it is, "
             f"the loop could be at most {(1e6 / mid(py_cpu)) / (mid(tick_ns) / 1000):.2f}× PyBullet's even if Python "
             f"and the boundary cost nothing.",
             "",
             f"Target (at least 2× PyBullet's loop): **{'MET' if ratio >= 2 else 'MISSED'}** with the zero-copy "
             f"path ({ratio:.2f}×), **{'MET' if ratio_set >= 2 else 'MISSED'}** through `set_torques` ({ratio_set:.2f}×).",
             "",
             f"`Simulation.step(1000)` with arm-hold's built-in PD: **{mid(py_rate):,.0f} steps/s** against the CLI's "
             f"`embody run arm-hold --json` {mid(cli_rate):,.0f} steps/s (wall clock, both the loop alone): "
             f"**{step_ratio:.2f}×**; target within 10%: **{'MET' if step_ratio >= 0.9 else 'MISSED'}**. Final "
             f"state hashes {'identical' if same_bits else 'DIFFERENT'} between the two.",
             "",
             "The boundary's cost per call (wall clock, mean over "
             f"{calls:,} calls): a bare ctypes call (`embody_tick`) **{bare_us:.2f} µs**; `step()` (the one-tick entry "
             f"`embody_step1` the loop uses, called by the C method of `embody._fastcall`, on a finished run: torque "
             f"check, no tick, buffer refresh) **{step1_us:.2f} µs**, and **{step1_ctypes_us:.2f} µs** through ctypes "
             f"(without the extension); `step(0)` (the general entry `embody_step`, the same work) "
             f"**{step0_us:.2f} µs**; `set_torques` (checks and copies 9 "
             f"values) **{set_us:.2f} µs**. A Python controller (`run(controller=…)`, a PD law in NumPy called "
             f"each control tick) costs **{controller_us:.1f} µs per control tick** more than the built-in PD "
             f"on arm-hold ({mid(builtin) * 1e6:.1f} µs against {mid(python) * 1e6:.1f} µs per tick)."]
    text = "\n".join(lines)
    print(text)
    if args.write_docs:
        common.write_section("python", text)


if __name__ == "__main__":
    main()

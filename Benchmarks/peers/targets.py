#!/usr/bin/env python3
"""The four performance targets, measured side by side in one run.

  1. a full PD-only tick costs at most 5% more than a bare Bullet step on the same world
     (`embody bench` with `controller.type=pd` on the arm and humanoid scenarios: the tick/step ratio,
     alternating blocks, same trajectory);
  2. at least 2× PyBullet's steps/s on the same URDF and PD law (Benchmarks/peers/pybullet_peer.py's loops);
  3. 0 mallocs in a steady-state tick (package-benchmark's `mallocs-*` benchmarks, thresholds check);
  4. batch efficiency ≥ 90% on 2 cores (2 runs on 2 threads against 1 run alone).

Every measurement alternates its two sides in rounds. With --write-docs the table replaces the
`targets` section of docs/performance.md.

Usage: targets.py [--rounds 5] [--skip-mallocs] [--write-docs]
"""

import argparse
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402
import pybullet_peer  # noqa: E402

SCENARIOS = ["arm-hold", "arm-joint-waypoints", "humanoid-stand", "humanoid-push"]


def tick_ratios(rounds):
    """The median tick/step ratio per bundled scenario over `rounds` runs of `embody bench`."""
    out = {}
    for name in SCENARIOS:
        ratios, walls, tick, step = [], [], [], []
        for _ in range(rounds):
            # A PD-only tick, whatever controller the bundled scenario uses.
            b = common.embody_bench(name, 2000, warmup=200, phases=True, blocks=20, overrides=["controller.type=pd"])
            if not b["identical_trajectory"]:
                raise RuntimeError(f"{name}: the bare world diverged from the loop's")
            ratios.append(b["tick_to_step_cpu_ratio"])
            walls.append(b["tick_to_step_ratio"])
            tick.append(b["tick_cpu_ns"])
            step.append(b["step_cpu_ns"])
            phases = b["phases"]
        out[name] = (common.median(ratios), min(ratios), max(ratios), common.median(tick), common.median(step), phases,
                     common.median(walls))
        print(f"{name}: tick/step {out[name][0]:.3f}", file=sys.stderr)
    return out


def pybullet_ratios(rounds, steps):
    p = common.require("pybullet", "pybullet==3.2.7")
    data = common.require("pybullet_data", "pybullet==3.2.7")
    robots = [("kuka_iiwa/model.urdf", os.path.join(data.getDataPath(), "kuka_iiwa", "model.urdf"),
               pybullet_peer.KUKA_GAINS, pybullet_peer.KUKA_TARGET),
              ("arm7.urdf", os.path.join(common.ROOT, "Scenarios", "robots", "arm7.urdf"),
               pybullet_peer.ARM7_GAINS, pybullet_peer.ARM7_TARGET)]
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        for i, (label, urdf, gains, target) in enumerate(robots):
            scenario = os.path.join(tmp, f"peer{i}.yaml")
            with open(scenario, "w") as f:
                f.write(pybullet_peer.scenario_yaml(f"peer{i}", urdf, gains, target))
            loop = pybullet_peer.PyBulletLoop(p, urdf, gains, target)
            loop.pd_steps(pybullet_peer.WARMUP)
            py, em = [], []
            for _ in range(rounds):
                py.append(steps / loop.pd_steps(steps)[1])
                em.append(1e9 / common.embody_bench(scenario, steps, warmup=pybullet_peer.WARMUP)["tick_cpu_ns"])
            p.disconnect(loop.client)
            out[label] = (common.median(em) / common.median(py), common.median(py), common.median(em))
            print(f"{label}: Embody/PyBullet {out[label][0]:.2f}", file=sys.stderr)
    return out


def batch_efficiency(rounds, seconds):
    """Per scenario: (wall efficiency, CPU efficiency, steps/s alone, mean steps/s of 2 on 2 threads)."""
    out = {}
    for name in ["humanoid-stand", "arm-hold"]:
        one, two, one_cpu, two_cpu = [], [], [], []
        for _ in range(rounds):
            alone = common.embody_batch([name], 1, [f"duration={seconds}"])[0]
            one.append(alone["steps_per_second"])
            one_cpu.append(alone["steps_per_cpu_second"])
            runs = common.embody_batch([name, name], 2, [f"duration={seconds}"])
            two.append(sum(r["steps_per_second"] for r in runs) / 2)
            two_cpu.append(sum(r["steps_per_cpu_second"] for r in runs) / 2)
        mid = common.median
        out[name] = (mid(two) / mid(one), mid(two_cpu) / mid(one_cpu), mid(one), mid(two))
        print(f"{name}: batch efficiency {out[name][0] * 100:.0f}% wall, {out[name][1] * 100:.0f}% CPU", file=sys.stderr)
    return out


def malloc_check():
    """Runs the suite's zero-malloc benchmarks; returns (passed, summary)."""
    folder = os.path.join(common.ROOT, "Benchmarks")
    r = subprocess.run([common.SWIFT, "package", "benchmark", "thresholds", "check", "--no-progress",
                        "--filter", "mallocs-.*"], cwd=folder, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True)
    verdict = [line for line in r.stdout.splitlines() if "thresholds" in line and "baseline" in line]
    return r.returncode == 0, (verdict[-1].strip() if verdict else f"exit {r.returncode}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--steps", type=int, default=10000, help="steps per PyBullet/Embody round")
    ap.add_argument("--seconds", type=float, default=5.0, help="simulated seconds per batch run")
    ap.add_argument("--skip-mallocs", action="store_true", help="skip the package-benchmark malloc check")
    ap.add_argument("--write-docs", action="store_true")
    args = ap.parse_args()
    common.quiet_check()
    m = common.machine()
    mallocs = (None, "not run (--skip-mallocs); run `make bench-suite`") if args.skip_mallocs else malloc_check()
    ratios = tick_ratios(args.rounds)
    peers = pybullet_ratios(args.rounds, args.steps)
    batch = batch_efficiency(args.rounds, args.seconds)

    def verdict(ok):
        return "**met**" if ok else "**MISSED**"

    worst = max(v[0] for v in ratios.values())
    quiet = m["load"] < 1.0
    batch_ok = all((v[0] if quiet else v[1]) >= 0.9 for v in batch.values())
    lines = [f"Measured {common.machine_line(m)}; `python3 Benchmarks/peers/targets.py --rounds {args.rounds}`. "
             "Times are thread CPU time unless marked wall: on a shared machine the wall clock also counts time "
             "slices given to other processes.", "",
             "| target | measured | verdict |", "|---|---|---|",
             "| full PD tick ≤ 1.05 × bare Bullet step, same world (CPU time) | "
             + ", ".join(f"{n} {v[0]:.3f}" for n, v in ratios.items()) + f" | {verdict(worst <= 1.05)} |",
             "| ≥ 2× PyBullet's steps/s, same URDF and PD law | "
             + ", ".join(f"{n} {v[0]:.2f}×" for n, v in peers.items())
             + f" | {verdict(all(v[0] >= 2 for v in peers.values()))} |",
             f"| 0 mallocs in a steady-state tick | {mallocs[1]} | "
             + ("not measured |" if mallocs[0] is None else f"{verdict(mallocs[0])} |"),
             "| batch efficiency ≥ 90% on 2 cores | "
             + ", ".join(f"{n} {v[0] * 100:.0f}% wall, {v[1] * 100:.0f}% CPU" for n, v in batch.items())
             + f" | {verdict(batch_ok)}{'' if quiet else ' (CPU; the wall clock was not measurable: load ' + format(m['load'], '.1f') + ')'} |",
             "",
             "| scenario | tick/step, CPU: median (min–max) | tick/step, wall | full tick (CPU) | bare step (CPU) | physics share of the tick |",
             "|---|---:|---:|---:|---:|---:|"]
    for n, (med, lo, hi, tick, step, phases, wall) in ratios.items():
        lines.append(f"| {n} | {med:.3f} ({lo:.3f}–{hi:.3f}) | {wall:.3f} | {tick / 1000:.1f} µs | {step / 1000:.1f} µs | "
                     f"{phases.get('physics', 0) * 100:.1f}% |")
    lines += ["", "| robot | PyBullet, PD in Python | Embody, full PD tick | ratio |", "|---|---:|---:|---:|"]
    for n, (ratio, py, em) in peers.items():
        lines.append(f"| {n} | {py:,.0f} steps/s | {em:,.0f} steps/s | {ratio:.2f}× |")
    lines += ["", "| scenario | 1 run alone (wall) | 2 runs on 2 threads, mean per run (wall) | efficiency, wall | efficiency, CPU |",
              "|---|---:|---:|---:|---:|"]
    for n, (eff, eff_cpu, one, two) in batch.items():
        lines.append(f"| {n} | {one:,.0f} steps/s | {two:,.0f} steps/s | {eff * 100:.0f}% | {eff_cpu * 100:.0f}% |")
    text = "\n".join(lines)
    print(text)
    if args.write_docs:
        common.write_section("targets", text)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Wake-up jitter of `embody run --realtime` at 1 kHz (issue 14 item 4), for the settings that move it.

Runs `embody run arm-hold --realtime --set duration=S --json` (release build) under each configuration below,
rounds alternating between configurations, and reports the medians over rounds of the wake-up jitter (actual
wake − deadline) at p50, p99 and p99.9, its largest value over all rounds, the tick's own work (cycle p50),
missed deadlines and the share of a core the loop used (thread CPU time ÷ wall time: what a spin costs).

  timer slack 50 µs            --timer-slack-ns 50000: Linux's default, what the loop ran with before
  timer slack 1 ns             no option: the minimum, the default now
  RT, timer slack 50 µs        --rt-priority 50 --cpu 1 --lock-memory --timer-slack-ns 50000
  RT                           --rt-priority 50 --cpu 1 --lock-memory (the kernel gives SCHED_FIFO threads no slack)
  RT, spin 20 µs / 50 µs       … --spin-us 20 / 50: sleep until 20 / 50 µs before the deadline, then spin on the clock
  spin 50 µs                   --spin-us 50 without RT priority

Target (the issue): p99 ≤ 50 µs at 1 kHz with RT priority on this machine. Reported, not asserted: the machine is
shared, and jitter is what other work on it does to the loop. Usage:
  realtime_jitter.py [--rounds 3] [--seconds 10] [--write-docs]
"""

import argparse
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

RT = ["--rt-priority", "50", "--cpu", "1", "--lock-memory"]
RT_LABEL, RT_SPIN_LABEL = "RT priority 50, CPU 1, mlockall", "RT …, `--spin-us 20`"  # the rows the target reads
CONFIGURATIONS = [
    ("timer slack 50 µs (Linux's default; before)", ["--timer-slack-ns", "50000"]),
    ("timer slack 1 ns (the default now)", []),
    ("RT priority 50, CPU 1, mlockall; timer slack 50 µs", RT + ["--timer-slack-ns", "50000"]),
    (RT_LABEL, RT),
    (RT_SPIN_LABEL, RT + ["--spin-us", "20"]),
    ("RT …, `--spin-us 50`", RT + ["--spin-us", "50"]),
    ("`--spin-us 50`, no RT priority", ["--spin-us", "50"]),
]


def run(cli, seconds, options):
    env = dict(os.environ, EMBODY_SCENARIOS=os.path.join(common.ROOT, "Scenarios"))
    r = subprocess.run([cli, "run", "arm-hold", "--realtime", "--set", f"duration={seconds}", "--json", *options],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    if r.returncode not in (0, 2):
        sys.exit(f"embody run failed ({r.returncode}): {r.stderr[-2000:]}")
    s = json.loads(r.stdout)
    rt = s["realtime"]
    warnings = [line for line in r.stderr.splitlines() if "warning" in line]
    return {"jitter": rt["jitter_ns"], "cycle": rt["cycle_ns"], "missed": rt["missed_deadlines"],
            "ticks": rt["ticks"], "slack": rt.get("timer_slack_ns"), "share": s["cpu_time"] / s["wall_time"],
            "warnings": warnings}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--write-docs", action="store_true", help="rewrite the jitter section of docs/performance.md")
    args = ap.parse_args()
    if args.rounds < 1 or not (0.1 <= args.seconds <= 600):
        sys.exit("--rounds must be at least 1 and --seconds between 0.1 and 600")
    cli = common.embody_binary()
    common.quiet_check()
    m = common.machine()
    results = {label: [] for label, _ in CONFIGURATIONS}
    for r in range(args.rounds):
        for label, options in CONFIGURATIONS:
            results[label].append(run(cli, args.seconds, options))
            j = results[label][-1]["jitter"]
            print(f"round {r + 1}: {label}: jitter p50 {j['p50'] / 1000:.1f} µs, p99 {j['p99'] / 1000:.1f} µs, "
                  f"p99.9 {j['p99.9'] / 1000:.1f} µs", file=sys.stderr)
    mid = common.median
    us = lambda ns: f"{ns / 1000:.2f}" if ns < 10_000 else f"{ns / 1000:.1f}"  # noqa: E731
    rows = ["| configuration | timer slack in the loop | jitter p50 | p99 | p99.9 | max | cycle p50 | missed deadlines | core used |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    summary = {}
    for label, _ in CONFIGURATIONS:
        rs = results[label]
        p50 = mid([x["jitter"]["p50"] for x in rs])
        p99 = mid([x["jitter"]["p99"] for x in rs])
        p999 = mid([x["jitter"]["p99.9"] for x in rs])
        worst = max(x["jitter"]["max"] for x in rs)
        summary[label] = p99
        slack = rs[0]["slack"]
        rows.append(f"| {label} | {'?' if slack is None else f'{slack:,} ns'} | {us(p50)} µs | **{us(p99)} µs** | "
                    f"{us(p999)} µs | {us(worst)} µs | {us(mid([x['cycle']['p50'] for x in rs]))} µs | "
                    f"{sum(x['missed'] for x in rs)} of {sum(x['ticks'] for x in rs):,} | "
                    f"{100 * mid([x['share'] for x in rs]):.0f}% |")
    warnings = sorted({w for rs in results.values() for x in rs for w in x["warnings"]})
    rt, rt_spin = summary[RT_LABEL], summary[RT_SPIN_LABEL]
    lines = [f"Measured {common.machine_line(m)}; `python3 Benchmarks/peers/realtime_jitter.py --rounds {args.rounds} "
             f"--seconds {args.seconds:g}` (release `embody run arm-hold --realtime`, 1 kHz, {args.seconds:g} s per run, "
             f"rounds alternating between the configurations; medians over rounds, the max over all of them).", "",
             *rows, "",
             f"Target (p99 ≤ 50 µs at 1 kHz with RT priority): **{'MET' if rt <= 50_000 else 'MISSED'}** by the "
             f"default settings ({us(rt)} µs), **{'MET' if rt_spin <= 50_000 else 'MISSED'}** with a 20 µs spin "
             f"({us(rt_spin)} µs)."]
    if warnings:
        lines += ["", "Warnings from the runs: " + "; ".join(w.replace("embody: warning: ", "") for w in warnings) + "."]
    text = "\n".join(lines)
    print(text)
    if args.write_docs:
        common.write_section("jitter", text)


if __name__ == "__main__":
    main()

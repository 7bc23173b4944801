#!/usr/bin/env python3
"""Deterministic performance gate: counts the instructions of fixed workloads under callgrind.

Each workload is `embody bench SCENARIO --ticks N ...` on a release build, run under
`valgrind --tool=callgrind`. Instruction counts do not depend on the machine's load or clock, so a
2% tolerance catches real regressions on a busy 2-core CI machine where wall-clock timings cannot.

  scripts/callgrind-gate.py check      compare with Benchmarks/baselines/callgrind.json (make bench-check)
  scripts/callgrind-gate.py baseline   rewrite the baselines (make bench-baseline)

check exits 1 on a regression beyond the tolerance (and 1 when something cannot be measured); an
improvement beyond the tolerance passes, with a suggestion to re-baseline. See docs/performance.md.
"""

import argparse
import concurrent.futures
import datetime
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BASELINES = os.path.join(ROOT, "Benchmarks", "baselines", "callgrind.json")
EMBODY = os.path.join(ROOT, ".build", "release", "embody")
SWIFT = "/opt/swift/usr/bin/swift" if os.path.exists("/opt/swift/usr/bin/swift") else "swift"
TOLERANCE = 0.02

# The fixed workloads: every bundled scenario, measured by `embody bench` (full loop, bare replay and
# phase pass) with fixed tick counts. Changing one changes its count: re-baseline in the same commit.
WORKLOADS = {
    "arm-hold": ["bench", "arm-hold", "--ticks", "2000", "--warmup", "100"],
    "arm-joint-waypoints": ["bench", "arm-joint-waypoints", "--ticks", "2000", "--warmup", "100"],
    "humanoid-stand": ["bench", "humanoid-stand", "--ticks", "1000", "--warmup", "100"],
    "humanoid-push": ["bench", "humanoid-push", "--ticks", "1000", "--warmup", "100"],
    "arm-gravity-comp": ["bench", "arm-gravity-comp", "--ticks", "2000", "--warmup", "100"],
    "arm-reach-cartesian": ["bench", "arm-reach-cartesian", "--ticks", "2000", "--warmup", "100"],
    "arm-track-sine": ["bench", "arm-track-sine", "--ticks", "2000", "--warmup", "100"],
    "arm-obstacle": ["bench", "arm-obstacle", "--ticks", "2000", "--warmup", "100"],
    "humanoid-imu-stand": ["bench", "humanoid-imu-stand", "--ticks", "1000", "--warmup", "100"],
    "arm-reach-ik": ["bench", "arm-reach-ik", "--ticks", "2000", "--warmup", "100"],
    "humanoid-sensors": ["bench", "humanoid-sensors", "--ticks", "1000", "--warmup", "100"],
    "arm-perceive-reach": ["bench", "arm-perceive-reach", "--ticks", "2000", "--warmup", "100"],
}


def fail(message):
    print(f"bench-check: {message}", file=sys.stderr)
    sys.exit(1)


def build():
    """Builds the release embody; its output goes to stderr so the table stays readable."""
    r = subprocess.run([SWIFT, "build", "-c", "release", "--product", "embody"], cwd=ROOT,
                       stdout=sys.stderr, stderr=sys.stderr)
    if r.returncode != 0:
        fail("the release build of embody failed")


def stripped_copy(folder):
    """A copy of embody without debug info: valgrind 3.19 cannot read the DWARF 5 that Swift 6.3 emits
    ("Possibly corrupted debuginfo file ... Giving up"). Symbols stay, so callgrind_annotate still names functions."""
    copy = os.path.join(folder, "embody")
    for tool in ["/opt/swift/usr/bin/llvm-objcopy", shutil.which("llvm-objcopy"), shutil.which("objcopy")]:
        if tool and os.access(tool, os.X_OK):
            r = subprocess.run([tool, "--strip-debug", EMBODY, copy], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            if r.returncode == 0:
                return copy
    fail("cannot strip debug info from embody: neither llvm-objcopy (Swift toolchain) nor objcopy (binutils) worked")


def count(name, args, binary):
    """Runs one workload under callgrind and returns its total instruction count (Ir)."""
    with tempfile.TemporaryDirectory(prefix="embody-callgrind-") as tmp:
        out = os.path.join(tmp, "callgrind.out")
        env = dict(os.environ)
        env["SWIFT_DETERMINISTIC_HASHING"] = "1"   # Swift's per-process hash seed would vary the counts
        env["EMBODY_SCENARIOS"] = os.path.join(ROOT, "Scenarios")
        env.pop("GLIBC_TUNABLES", None)
        cmd = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", "--dump-line=no",
               "--compress-strings=no", binary] + args + ["--json"]
        r = subprocess.run(cmd, cwd=tmp, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if r.returncode != 0:
            fail(f"{name}: `{' '.join(cmd)}` exited {r.returncode}:\n{r.stderr[-2000:]}")
        with open(out) as f:
            for line in f:
                if line.startswith("totals:") or line.startswith("summary:"):
                    return int(line.split()[1])
        fail(f"{name}: no totals line in the callgrind output")


def measure(names):
    """Counts every named workload, two at a time (each valgrind process is single-threaded)."""
    workers = max(1, min(2, os.cpu_count() or 1))
    with tempfile.TemporaryDirectory(prefix="embody-gate-") as folder:
        binary = stripped_copy(folder)
        with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
            futures = {n: pool.submit(count, n, WORKLOADS[n], binary) for n in names}
            return {n: futures[n].result() for n in names}


def tool_versions():
    def first_line(cmd):
        try:
            return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True).stdout.splitlines()[0]
        except (OSError, IndexError):
            return "unknown"
    cpu = "unknown"
    try:
        for line in subprocess.run(["lscpu"], stdout=subprocess.PIPE, text=True).stdout.splitlines():
            if line.startswith("Model name:"):
                cpu = line.split(":", 1)[1].strip()
    except OSError:
        pass
    return {"valgrind": first_line(["valgrind", "--version"]), "swift": first_line([SWIFT, "--version"]),
            "cpu": cpu, "machine": platform.machine()}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["check", "baseline"])
    parser.add_argument("--no-build", action="store_true", help="use the existing .build/release/embody")
    parser.add_argument("--only", action="append", choices=sorted(WORKLOADS), help="measure only this workload")
    opts = parser.parse_args()

    if shutil.which("valgrind") is None:
        fail("valgrind is not installed; run `bash scripts/setup.sh` (it installs Debian's valgrind)")
    if not opts.no_build:
        build()
    if not os.access(EMBODY, os.X_OK):
        fail(f"{EMBODY} does not exist; build it with `swift build -c release --product embody`")
    names = opts.only or list(WORKLOADS)

    if opts.command == "baseline":
        counts = measure(names)
        previous = {}
        if os.path.exists(BASELINES) and opts.only:
            with open(BASELINES) as f:
                previous = json.load(f).get("workloads", {})
        workloads = dict(previous)
        for n in names:
            workloads[n] = {"command": ["embody"] + WORKLOADS[n], "instructions": counts[n]}
        doc = {"tolerance": TOLERANCE, "recorded": datetime.date.today().isoformat(), "tools": tool_versions(),
               "note": "Instruction counts (callgrind Ir) of release builds; rewrite with `make bench-baseline`.",
               "workloads": workloads}
        os.makedirs(os.path.dirname(BASELINES), exist_ok=True)
        with open(BASELINES, "w") as f:
            json.dump(doc, f, indent=2, sort_keys=True)
            f.write("\n")
        for n in names:
            print(f"{n:<22} {counts[n]:>16,}")
        print(f"bench-baseline: rewrote {os.path.relpath(BASELINES, ROOT)} ({len(names)} workloads); commit it with the change that moved the counts")
        return

    if not os.path.exists(BASELINES):
        fail(f"no baselines at {os.path.relpath(BASELINES, ROOT)}; record them with `make bench-baseline`")
    with open(BASELINES) as f:
        doc = json.load(f)
    tolerance = float(doc.get("tolerance", TOLERANCE))
    baseline = doc.get("workloads", {})
    missing = [n for n in names if n not in baseline]
    if missing:
        fail(f"no baseline for {', '.join(missing)}; record it with `make bench-baseline`")
    counts = measure(names)

    regressions, improvements = [], []
    print(f"{'workload':<22} {'baseline':>16} {'now':>16} {'change':>9}")
    for n in names:
        base, now = baseline[n]["instructions"], counts[n]
        change = (now - base) / base
        verdict = ""
        if change > tolerance:
            regressions.append(n)
            verdict = "  REGRESSION"
        elif change < -tolerance:
            improvements.append(n)
            verdict = "  improvement"
        print(f"{n:<22} {base:>16,} {now:>16,} {change * 100:>+8.2f}%{verdict}")
    print(f"(instructions, callgrind; tolerance ±{tolerance * 100:g}%)")
    if improvements:
        print(f"bench-check: {', '.join(improvements)} got faster than the tolerance; "
              "if that is expected, record new baselines with `make bench-baseline` and commit them")
    if regressions:
        print(f"bench-check: FAILED: {', '.join(regressions)} execute more than {tolerance * 100:g}% more instructions "
              "than the baseline; profile with `callgrind_annotate` (docs/performance.md), or re-baseline if intended",
              file=sys.stderr)
        sys.exit(1)
    print(f"bench-check: {len(names)} passed, 0 failed")


if __name__ == "__main__":
    main()

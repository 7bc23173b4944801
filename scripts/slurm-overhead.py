#!/usr/bin/env python3
"""Measures the CPU time the Slurm path adds to a 60-run sweep against `--jobs 2` (docs/cluster.md, §7).

Usage: scripts/slurm-overhead.py [ROUNDS [DURATION_S [RUNS_PER_TASK]]] (defaults 3, 5, 5).
Needs a running cluster (scripts/slurm-up.sh) and a release build (swift build -c release --product embody).
CPU time, not wall time: the machine is shared. Local: user + sys of `embody sweep --jobs 2` and every
process it waited for. Slurm: user + sys of the submitting `embody sweep --slurm --wait` (with sbatch),
plus every array task's own and its worker's CPU time (slurm/tasks-0-task-T.json), plus what slurmctld
and slurmd (with the step daemons they reaped) spent meanwhile. Prints a Markdown table.
"""

import glob
import json
import os
import atexit
import resource
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EMBODY = os.path.join(ROOT, ".build", "release", "embody")
ENV = dict(os.environ, EMBODY_SCENARIOS=os.path.join(ROOT, "Scenarios"))
TICK = os.sysconf("SC_CLK_TCK")
STUDY = """\
name: overhead
scenarios: [humanoid-imu-stand]
set: { duration: DURATION }
grid:
  controller.gains.legs.kp: [1000, 1500, 2000]
  sensors[0].noise: [0, 0.02, 0.05, 0.1]
seeds: 1..5
"""


def daemon_cpu():
    total = 0.0
    for name in ["slurmctld", "slurmd"]:
        for pid in subprocess.run(["pgrep", "-x", name], capture_output=True, text=True).stdout.split():
            fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
            total += sum(int(x) for x in fields[11:15]) / TICK  # utime stime cutime cstime
    return total


def children_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def main():
    work = tempfile.mkdtemp(prefix="embody-overhead-")
    atexit.register(shutil.rmtree, work, True)
    study = os.path.join(work, "study.yaml")
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    duration = sys.argv[2] if len(sys.argv) > 2 else "5"
    per_task = sys.argv[3] if len(sys.argv) > 3 else "5"
    open(study, "w").write(STUDY.replace("DURATION", duration))
    print(f"60 runs of humanoid-imu-stand, {duration} s simulated each; {per_task} runs per array task")
    print()
    local, slurm = [], []
    for i in range(rounds):
        before = children_cpu()
        subprocess.run([EMBODY, "sweep", study, "--jobs", "2", "--results", f"{work}/local{i}"], env=ENV,
                       capture_output=True, check=False)
        local.append(children_cpu() - before)

        before, daemons = children_cpu(), daemon_cpu()
        folder = f"{work}/slurm{i}"
        subprocess.run([EMBODY, "sweep", study, "--slurm", "--wait", "--runs-per-task", per_task, "--results", folder],
                       env=ENV, capture_output=True, check=False)
        submit = children_cpu() - before
        daemons = daemon_cpu() - daemons
        tasks = [json.load(open(p)) for p in glob.glob(f"{folder}/slurm/tasks-0-task-*.json")]
        assert len(tasks) == 60 // int(per_task), f"{len(tasks)} task records"
        task_cpu = sum(t["cpu_time_self"] + t["cpu_time_children"] for t in tasks)
        slurm.append((submit, task_cpu, daemons))
        hashes = {}
        for kind, f in [("local", f"{work}/local{i}"), ("slurm", folder)]:
            out = subprocess.run([EMBODY, "collect", f, "--format", "json"], env=ENV, capture_output=True, text=True).stdout
            hashes[kind] = [r["state_hash"] for r in json.loads(out)["runs"]]
        assert hashes["local"] == hashes["slurm"], "state hashes differ"
    print(f"| round | `--jobs 2` CPU s | Slurm: submit + sbatch | Slurm: {60 // int(per_task)} tasks | Slurm: daemons | Slurm total | overhead |")
    print("|---|---|---|---|---|---|---|")
    for i, (l, (s, t, d)) in enumerate(zip(local, slurm)):
        total = s + t + d
        print(f"| {i + 1} | {l:.2f} | {s:.2f} | {t:.2f} | {d:.2f} | {total:.2f} | {(total / l - 1) * 100:+.1f}% |")
    lt = sum(local)
    st = sum(s + t + d for s, t, d in slurm)
    print(f"| all | {lt:.2f} | | | | {st:.2f} | {(st / lt - 1) * 100:+.1f}% |")


if __name__ == "__main__":
    main()

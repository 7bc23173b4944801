"""Shared helpers for the peer and scaling scripts: installing Python packages on demand, finding the
release `embody`, running `embody bench`, describing the machine, and rewriting marked sections of
docs/performance.md."""

import datetime
import importlib
import json
import os
import re
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# EMBODY_BINARY points the scripts at another embody (e.g. a stable copy while the build directory is in use).
EMBODY = os.environ.get("EMBODY_BINARY") or os.path.join(ROOT, ".build", "release", "embody")
PERFORMANCE_DOC = os.path.join(ROOT, "docs", "performance.md")
SWIFT = "/opt/swift/usr/bin/swift" if os.path.exists("/opt/swift/usr/bin/swift") else "swift"


def require(module, requirement):
    """Imports `module`, installing `requirement` from PyPI with pip first when it is missing."""
    try:
        return importlib.import_module(module)
    except ImportError:
        print(f"installing {requirement} from PyPI", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", requirement],
                       check=True)
        importlib.invalidate_caches()
        return importlib.import_module(module)


def embody_binary():
    """The release embody (or $EMBODY_BINARY), built first when missing."""
    if os.environ.get("EMBODY_BINARY") and not os.access(EMBODY, os.X_OK):
        sys.exit(f"EMBODY_BINARY={EMBODY} is not an executable")
    if not os.access(EMBODY, os.X_OK):
        print("building the release embody", file=sys.stderr)
        subprocess.run([SWIFT, "build", "-c", "release", "--product", "embody"], cwd=ROOT, check=True)
    return EMBODY


def build_python_extension():
    """Builds the package's C step (python/embody/_fastcall.c) in place, next to its source, as `pip install
    ./python` builds it into the installed copy; for the scripts that import the package from the checkout."""
    r = subprocess.run([sys.executable, "setup.py", "-q", "build_ext", "--inplace"], cwd=os.path.join(ROOT, "python"),
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if r.returncode != 0:
        sys.exit(f"building python/embody/_fastcall.c failed:\n{r.stdout[-3000:]}")


def embody_bench(scenario, ticks, warmup=200, overrides=(), phases=False, blocks=10):
    """Runs `embody bench` on one scenario and returns its JSON object."""
    cmd = [embody_binary(), "bench", scenario, "--json", "--ticks", str(ticks), "--warmup", str(warmup),
           "--blocks", str(blocks)]
    if not phases:
        cmd.append("--no-phases")
    for o in overrides:
        cmd += ["--set", o]
    env = dict(os.environ, EMBODY_SCENARIOS=os.path.join(ROOT, "Scenarios"))
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    if r.returncode != 0:
        raise RuntimeError(f"`{' '.join(cmd)}` exited {r.returncode}:\n{r.stderr}")
    return json.loads(r.stdout.splitlines()[0])


def embody_batch(scenarios, jobs, overrides=()):
    """Runs `embody run ... --jobs N --json` and returns one summary per run, in order."""
    cmd = [embody_binary(), "run"] + list(scenarios) + ["--jobs", str(jobs), "--json"]
    for o in overrides:
        cmd += ["--set", o]
    env = dict(os.environ, EMBODY_SCENARIOS=os.path.join(ROOT, "Scenarios"))
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    if r.returncode not in (0, 2):
        raise RuntimeError(f"`{' '.join(cmd)}` exited {r.returncode}:\n{r.stderr}")
    return [json.loads(line) for line in r.stdout.splitlines() if line.strip()]


def machine():
    """The CPU model, core count, load average and date, for the record."""
    model, cores, threads = "unknown", os.cpu_count(), None
    try:
        out = subprocess.run(["lscpu"], stdout=subprocess.PIPE, text=True).stdout
        for line in out.splitlines():
            key, _, value = line.partition(":")
            if key.strip() == "Model name":
                model = value.strip()
            if key.strip() == "Thread(s) per core":
                threads = value.strip()
    except OSError:
        pass
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return {"cpu": model, "cores": cores, "threads_per_core": threads,
            "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "load": load}


def machine_line(m):
    return (f"{m['date']} on {m['cpu']}, {m['cores']} cores ({m['threads_per_core']} thread(s) per core); "
            f"load average {m['load']:.2f} when the run started")


def quiet_check(limit=0.7):
    """Warns when other work is running: timings on a loaded 2-core machine are not worth recording."""
    load = os.getloadavg()[0]
    if load > limit:
        print(f"warning: the 1-minute load average is {load:.2f}; other processes will distort the timings",
              file=sys.stderr)


def median(xs):
    return statistics.median(xs)


def write_section(name, markdown):
    """Replaces the text between `<!-- BEGIN name -->` and `<!-- END name -->` in docs/performance.md."""
    with open(PERFORMANCE_DOC) as f:
        text = f.read()
    begin, end = f"<!-- BEGIN {name} -->", f"<!-- END {name} -->"
    pattern = re.compile(re.escape(begin) + r".*?" + re.escape(end), re.S)
    if not pattern.search(text):
        raise RuntimeError(f"docs/performance.md has no {begin} … {end} section")
    text = pattern.sub(lambda _: f"{begin}\n{markdown.rstrip()}\n{end}", text)
    with open(PERFORMANCE_DOC, "w") as f:
        f.write(text)
    print(f"rewrote the '{name}' section of docs/performance.md", file=sys.stderr)

"""Sweeps end to end: Slurm job arrays, collect's statistics, JUnit XML and baselines (docs/cluster.md).

Run with `make test-cluster` (scripts/cluster-tests.sh). The Slurm test needs a running cluster
(scripts/slurm-up.sh); without one it is skipped with a message, unless EMBODY_REQUIRE_SLURM=1 (CI),
where a missing cluster is a failure.
"""

import json
import math
import os
import shutil
import subprocess
import tempfile
import time

import pytest
from scipy.stats import norm

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EMBODY = os.environ.get("EMBODY", os.path.join(ROOT, ".build", "debug", "embody"))
ENV = dict(os.environ, EMBODY_SCENARIOS=os.path.join(ROOT, "Scenarios"))


def embody(*args, cwd=None, check=None):
    r = subprocess.run([EMBODY, *args], capture_output=True, text=True, env=ENV, cwd=cwd, timeout=900)
    if check is not None:
        assert r.returncode == check, f"embody {' '.join(args)} exited {r.returncode}:\n{r.stderr}"
    return r


@pytest.fixture
def workdir():
    d = tempfile.mkdtemp(prefix="embody-cluster-")
    yield d
    shutil.rmtree(d, ignore_errors=True)


# The study: 3 × 4 points × 5 seeds = 60 runs of a humanoid standing on an IMU with noise, so the
# seeds change the runs. Short runs keep the test quick.
STUDY = """\
name: imu-gains
scenarios: [humanoid-imu-stand]
set: { duration: 0.3 }
grid:
  controller.gains.legs.kp: [1000, 1500, 2000]
  sensors[0].noise: [0, 0.02, 0.05, 0.1]
seeds: 1..5
"""


def slurm_available():
    """(True, "") when a cluster answers and its node accepts jobs, else (False, why)."""
    if shutil.which("sbatch") is None:
        return False, "sbatch is not installed"
    try:
        r = subprocess.run(["sinfo", "-h", "-N", "-o", "%T"], capture_output=True, text=True, timeout=20)
    except Exception as e:  # noqa: BLE001 - any failure means no cluster
        return False, f"sinfo failed: {e}"
    state = r.stdout.strip().splitlines()[0] if r.stdout.strip() else ""
    if r.returncode != 0 or not state.startswith(("idle", "mixed", "alloc")):
        return False, f"no Slurm node accepts jobs (sinfo: {state or r.stderr.strip()}); run scripts/slurm-up.sh as root"
    return True, ""


def require_slurm():
    ok, why = slurm_available()
    if not ok:
        if os.environ.get("EMBODY_REQUIRE_SLURM") == "1":
            pytest.fail(f"EMBODY_REQUIRE_SLURM=1 but Slurm is not usable: {why}")
        pytest.skip(f"SKIPPED, not passed: Slurm is not available on this machine: {why}")


def collect_json(folder):
    r = embody("collect", folder, "--format", "json")
    return r.returncode, json.loads(r.stdout)


def wait_for_job(job, timeout=600):
    deadline = time.time() + timeout
    while time.time() < deadline:
        r = subprocess.run(["squeue", "-h", "-j", job], capture_output=True, text=True)
        if r.returncode == 0 and not r.stdout.strip():
            return
        if r.returncode != 0 and "Invalid job id" in r.stderr:
            return
        time.sleep(0.5)
    pytest.fail(f"job {job} did not end within {timeout} s")


# MARK: - Slurm


def test_slurm_job_array_matches_local_runs_and_resumes_a_cancelled_task(workdir):
    require_slurm()
    study = os.path.join(workdir, "study.yaml")
    with open(study, "w") as f:
        f.write(STUDY)
    listing = embody("sweep", study, "--list", check=0).stdout.strip().splitlines()
    assert len(listing) == 60

    # The array: 12 tasks of 5 runs.
    cluster = os.path.join(workdir, "cluster")
    r = embody("sweep", study, "--slurm", "--results", cluster, "--runs-per-task", "5", "--time", "00:10:00", check=0)
    job = r.stdout.strip()
    assert job.isdigit(), r.stdout + r.stderr
    with open(os.path.join(cluster, "slurm", "tasks-0.json")) as f:
        tasks = json.load(f)["tasks"]
    assert len(tasks) == 12 and all(len(t) == 5 for t in tasks)
    script = open(os.path.join(cluster, "slurm", "submit-0.sh")).read()
    assert "#SBATCH --array=0-11" in script and "#SBATCH --time=00:10:00" in script

    # Cancel task 7 once its first run has a result: the task is then mid-way through its slice.
    victim = 7
    first = os.path.join(cluster, "runs", "%06d.json" % tasks[victim][0])
    deadline = time.time() + 600
    while not os.path.exists(first):
        assert time.time() < deadline, "task 7 never started"
        time.sleep(0.01)
    subprocess.run(["scancel", f"{job}_{victim}"], check=True)
    wait_for_job(job)

    status, collected = collect_json(cluster)
    assert status == 2, "collect exits 2 while runs are missing"
    assert collected["missing"], "the cancelled task left no missing run (it finished before scancel)"
    assert set(collected["missing"]) <= set(tasks[victim]), collected["missing"]
    assert tasks[victim][0] not in collected["missing"]
    assert collected["failed"] == []
    # No half-written result: every file in runs/ that collect would read is complete JSON.
    for name in os.listdir(os.path.join(cluster, "runs")):
        if name.endswith(".json"):
            with open(os.path.join(cluster, "runs", name)) as f:
                json.load(f)

    # --resume submits only the missing runs, and waits.
    r = embody("sweep", "--resume", cluster, "--slurm", "--wait", "--runs-per-task", "5")
    assert r.returncode in (0, 2), r.stderr
    assert f"{len(collected['missing'])} missing and 0 failed runs to run again" in r.stderr
    with open(os.path.join(cluster, "slurm", "tasks-1.json")) as f:
        assert sorted(sum(json.load(f)["tasks"], [])) == sorted(collected["missing"])
    status, collected = collect_json(cluster)
    assert collected["missing"] == [] and collected["failed"] == []
    assert status == 0

    # The same study locally on 2 processes: every run's state hash is the same.
    local = os.path.join(workdir, "local")
    r = embody("sweep", study, "--jobs", "2", "--results", local)
    assert r.returncode in (0, 2) and "60 runs:" in r.stderr, r.stderr  # 2: some short runs fail their criteria
    _, here = collect_json(local)
    cluster_hashes = {row["index"]: row["state_hash"] for row in collected["runs"]}
    local_hashes = {row["index"]: row["state_hash"] for row in here["runs"]}
    assert len(cluster_hashes) == 60 and cluster_hashes == local_hashes
    # The seeds matter in this study (sensor noise), so the comparison is not of 12 identical hashes.
    assert len(set(cluster_hashes.values())) > 12


# MARK: - collect's statistics


def wilson(successes, n, z):
    p = successes / n
    center = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return center - half, center + half


def test_collect_statistics_and_wilson_intervals_match_an_independent_computation(workdir):
    # Seeds change the orientation error; a threshold near its median makes some seeds pass and others fail.
    study = os.path.join(workdir, "study.yaml")
    with open(study, "w") as f:
        f.write("""\
name: stats
scenarios: [humanoid-imu-stand]
set: { duration: 0.3 }
grid:
  sensors[0].noise: [0.05, 0.3]
  success[1].below: [0.05, 0.2]
seeds: 1..6
""")
    results = os.path.join(workdir, "r")
    r = embody("sweep", study, "--jobs", "2", "--results", results)
    assert r.returncode in (0, 2), r.stderr
    runs = [json.loads(line) for line in embody("collect", results, "--format", "jsonl", check=0).stdout.splitlines()]
    points = [json.loads(line) for line in
              embody("collect", results, "--format", "jsonl", "--points", check=0).stdout.splitlines()]
    assert len(runs) == 24 and len(points) == 4
    z = norm.ppf(0.975)
    rates = set()
    for p in points:
        mine = [row for row in runs if row["point"] == p["point"]]
        assert len(mine) == 6 and p["runs"] == 6 and p["finished"] == 6
        k = sum(1 for row in mine if row["success"])
        assert p["successes"] == k
        assert p["success_rate"] == pytest.approx(k / 6, abs=1e-15)
        low, high = wilson(k, 6, z)
        assert p["success_ci95_low"] == pytest.approx(max(0, low), abs=1e-12)
        assert p["success_ci95_high"] == pytest.approx(min(1, high), abs=1e-12)
        rates.add(k)
        for metric in ["base_orientation_error", "base_height_min"]:
            values = [row[metric] for row in mine]
            mean = sum(values) / len(values)
            std = math.sqrt(sum((v - mean) ** 2 for v in values) / (len(values) - 1))
            assert p[f"{metric}.mean"] == pytest.approx(mean, rel=1e-12, abs=1e-15)
            assert p[f"{metric}.std"] == pytest.approx(std, rel=1e-9, abs=1e-15)
            assert p[f"{metric}.min"] == min(values) and p[f"{metric}.max"] == max(values)
    # At least one point has a success rate strictly between 0 and 1, where the interval is not trivial.
    assert any(0 < k < 6 for k in rates), f"success counts per point: {sorted(rates)}"
    # The CSV has the same rows, one per run, with a column per override and the seed.
    csv_text = embody("collect", results, "--format", "csv", check=0).stdout.splitlines()
    header = csv_text[0].split(",")
    for column in ["index", "sensors[0].noise", "success[1].below", "seed", "outcome", "state_hash", "base_height_min"]:
        assert column in header
    assert len(csv_text) == 25


def test_wilson_interval_known_values():
    # Wilson (1927), as tabulated by Newcombe (1998), method 3: 81/263 → 0.2553 to 0.3662; 0/10 → 0 to 0.2775.
    low, high = wilson(81, 263, norm.ppf(0.975))
    assert (round(low, 4), round(high, 4)) == (0.2553, 0.3662)
    low, high = wilson(0, 10, norm.ppf(0.975))
    assert round(high, 4) == 0.2775 and abs(low) < 1e-12


# MARK: - JUnit XML


def test_junit_xml_is_read_by_junitparser(workdir):
    from junitparser import Error, Failure, JUnitXml

    path = os.path.join(workdir, "report.xml")
    r = embody("run", "arm-hold", "--set", "duration=0.3", "--sweep", "success[0].below=1,0.0000000001",
               "--junit", path)
    assert r.returncode == 2, r.stderr
    xml = JUnitXml.fromfile(path)
    suites = list(xml)
    assert len(suites) == 2
    cases = [c for s in suites for c in s]
    # One test case per run for its outcome, and one per criterion.
    assert len(cases) == 4
    failed = [c for c in cases if any(isinstance(x, Failure) for x in c.result)]
    assert len(failed) == 1
    failure = next(x for x in failed[0].result if isinstance(x, Failure))
    assert "criterion final_joint_error_max" == failed[0].name
    assert "wanted < 1e-10" in failure.message and "final_joint_error_max = " in failure.message
    assert xml.failures == 1 and xml.errors == 0 and xml.tests == 4
    assert not any(isinstance(x, Error) for c in cases for x in c.result)


# MARK: - Baselines


def test_baseline_passes_unchanged_and_names_a_regressing_metric(workdir):
    base = os.path.join(workdir, "baseline.json")
    embody("run", "arm-hold", "--set", "duration=0.5", "--write-baseline", base, check=0)
    with open(base) as f:
        b = json.load(f)
    assert b["format"] == "embody-baseline" and "arm-hold" in b["runs"]
    # Unchanged: exit 0, no regression.
    r = embody("run", "arm-hold", "--set", "duration=0.5", "--baseline", base)
    assert r.returncode == 0, r.stderr
    assert "0 regressions" in r.stderr
    # A softer shoulder (kp 4000 → 3000 N·m/rad): the hold error grows past the tolerance, the criterion still passes.
    r = embody("run", "arm-hold", "--set", "duration=0.5", "--set", "controller.gains.joint_2.kp=3000",
               "--baseline", base)
    assert r.returncode == 2, r.stderr
    assert "REGRESSION: arm-hold: metric final_joint_error_max" in r.stderr, r.stderr
    # A per-metric tolerance wide enough accepts the change for that metric.
    b["tolerances"]["metrics"] = {m: {"relative": 1e6} for m in b["runs"]["arm-hold"]["metrics"]}
    with open(base, "w") as f:
        json.dump(b, f)
    r = embody("run", "arm-hold", "--set", "duration=0.5", "--set", "controller.gains.joint_2.kp=3000",
               "--baseline", base)
    assert r.returncode == 0, r.stderr


# MARK: - Instruction budgets


def test_instruction_budget_fails_the_run_above_it(workdir):
    if shutil.which("valgrind") is None:
        if os.environ.get("EMBODY_REQUIRE_SLURM") == "1":
            pytest.fail("valgrind is missing in CI (scripts/setup.sh installs it)")
        pytest.skip("SKIPPED, not passed: valgrind is not installed")
    r = embody("run", "arm-hold", "--set", "duration=0.01", "--max-instructions", "100000000000", "--json", check=0)
    short = json.loads(r.stdout)
    assert short["instructions"] > 1_000_000 and short["instruction_budget"] == 100_000_000_000
    # A budget 10% above the short run: the short run passes again, the 30× longer one is over it.
    junit = os.path.join(workdir, "budget.xml")
    r = embody("run", "arm-hold", "--sweep", "duration=0.01,0.3", "--max-instructions", str(int(short["instructions"] * 1.1)),
               "--json", "--junit", junit)
    assert r.returncode == 2, r.stderr
    runs = [json.loads(line) for line in r.stdout.splitlines()]
    assert [o.get("over_instruction_budget", False) for o in runs] == [False, True]
    assert runs[1]["instructions"] > runs[0]["instructions"]
    assert abs(runs[0]["instructions"] - short["instructions"]) < 0.01 * short["instructions"]
    assert "1 over the instruction budget" in r.stderr
    from junitparser import Failure, JUnitXml
    failures = [x for s in JUnitXml.fromfile(junit) for c in s for x in c.result
                if isinstance(x, Failure) and c.name == "instruction budget"]
    assert len(failures) == 1 and "wanted at most" in failures[0].message

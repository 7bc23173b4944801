#!/usr/bin/env python3
"""A log written before the plot channels existed (Tests/Fixtures/logs, recorded by Embody at commit dbfd606)
still replays, verifies, exports and views. Run from the repository root (the log names its scenario relatively).
Usage: test_old_log.py EMBODY_BINARY OUT_DIR
"""
import csv
import json
import os
import subprocess
import sys

from checks import check, finish, page_data

LOG = "Tests/Fixtures/logs/arm-track-sine-before-plot-channels.emblog"
def main():
    embody, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    r = subprocess.run([embody, "replay", LOG, "--json"], capture_output=True, text=True)
    check(r.returncode == 0 and json.loads(r.stdout)["records"] == 51, f"replay reads the old log ({r.returncode}) {r.stderr[:200]}")
    r = subprocess.run([embody, "replay", LOG, "--verify"], capture_output=True, text=True)
    check(r.returncode == 0 and "51 records replayed bit-identically" in r.stdout, f"replay --verify matches it bit for bit: {r.stdout.strip()} {r.stderr[:300]}")
    csv_path = os.path.join(out, "old.csv")
    r = subprocess.run([embody, "export", LOG, "-o", csv_path], capture_output=True, text=True)
    check(r.returncode == 0, f"export csv ({r.stderr.strip()})")
    with open(csv_path, newline="") as f:
        head = next(csv.reader(f))
    check(head[:3] == ["tick", "t [s]", "q.joint_1 [rad]"] and not any(h.startswith("ref.") for h in head),
          f"CSV columns carry units and no plot channels: {head[:3]}")
    html = os.path.join(out, "old.html")
    r = subprocess.run([embody, "view", LOG, "-o", html], capture_output=True, text=True)
    check(r.returncode == 0 and os.path.getsize(html) > 10000, f"view writes a page ({r.stderr.strip()})")
    data = page_data(html)
    check("q.joint_1" in data["series"]["channels"] and not any(k.startswith("ref.") for k in data["series"]["channels"]),
          "the page plots q without reference channels")
    check(data["frames"]["contactLinks"] == [], "and has no contact channels")
    r = subprocess.run([embody, "export", LOG, "--format", "mcap", "-o", os.path.join(out, "old.mcap")], capture_output=True, text=True)
    check(r.returncode == 0, f"export mcap ({r.stderr.strip()})")
    finish("old-log")


if __name__ == "__main__":
    main()

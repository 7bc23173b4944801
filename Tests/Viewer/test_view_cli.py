#!/usr/bin/env python3
"""`embody run … --view`: one run writes its page; a batch writes a page per run and an index comparing them.
Also: a progress line on a terminal, never with --json. Usage: test_view_cli.py EMBODY_BINARY OUT_DIR
"""
import json
import os
import subprocess
import sys

from checks import check, finish, page_data

def main():
    embody, out = sys.argv[1], os.path.abspath(sys.argv[2])
    os.makedirs(out, exist_ok=True)
    page = os.path.join(out, "hold.html")
    r = subprocess.run([embody, "run", "arm-hold", "--set", "duration=0.3", "--json", "--view", page], capture_output=True, text=True)
    check(r.returncode == 0 and os.path.exists(page), f"run --view FILE.html writes the page ({r.returncode}) {r.stderr.strip()[:300]}")
    check(json.loads(r.stdout)["scenario"] == "arm-hold" and "\r" not in r.stderr, "--json stdout is one object; no progress line")
    d = page_data(page)
    check(d["meta"]["scenario"] == "arm-hold" and "final_joint_error_max" in d["meta"]["metrics"],
          "the page carries every metric of the run's summary")
    r = subprocess.run([embody, "run", "arm-hold", "--set", "duration=0.2", "--view"], capture_output=True, text=True, cwd=out)
    check(r.returncode == 0 and os.path.exists(os.path.join(out, "arm-hold.html")), "run --view names the page after the scenario")
    check(not [f for f in os.listdir("/tmp") if f.startswith("embody-view-") and f.endswith(".emblog")],
          "the temporary log is removed")
    folder = os.path.join(out, "batch")
    r = subprocess.run([embody, "run", "arm-hold", "--seeds", "1..2", "--sweep", "duration=0.2,0.3", "--view=" + folder],
                       capture_output=True, text=True)
    check(r.returncode == 0, f"batch --view=DIR ({r.returncode}) {r.stderr.strip()[-300:]}")
    pages = sorted(f for f in os.listdir(folder) if f.endswith(".html")) if os.path.isdir(folder) else []
    check(pages == ["index.html", "run-1.html", "run-2.html", "run-3.html", "run-4.html"], f"one page per run and index.html: {pages}")
    if "index.html" in pages:
        runs = page_data(os.path.join(folder, "index.html"))
        check(len(runs) == 4 and all(r["page"] and r["metrics"] and r["channels"].get("q.joint_1") for r in runs),
              "the index lists every run with its metrics, page and channels")
        check(len({r["title"] for r in runs}) == 4, f"runs are told apart by their variation: {[r['title'] for r in runs]}")
    # Progress on a terminal (a pty from util-linux's `script`): shown for a plain run, never with --json.
    def on_tty(args):
        cmd = " ".join([embody, "run", "arm-hold", "--set", "duration=2"] + args)
        return subprocess.run(["script", "-qec", cmd, "/dev/null"], capture_output=True).stdout
    check(b"\r[" in on_tty([]), "a run on a terminal shows a progress line")
    check(b"\r[" not in on_tty(["--json"]), "a --json run on a terminal shows none")
    check(b"\r[" not in on_tty(["--seeds", "1..2"]), "a batch on a terminal shows none")
    finish("--view")


if __name__ == "__main__":
    main()

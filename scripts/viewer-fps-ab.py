#!/usr/bin/env python3
"""A/B frame-rate measurement of viewer pages (docs/viewer.md, "Frame rate"), for a shared, loaded machine.

Plays each page in headless Chromium on SwiftShader at 1280×720 (the browser test's flags, Tests/Viewer/cdp.py),
alternating the pages' order round by round, and reports per page the frames per second and the CPU time of all
Chromium processes per frame (from /proc; steadier than frames/s when other processes compete for the cores).
Each measurement: a fresh tab, 1 s of playback to warm up, then `embodyViewer.measureFps(MS)` from t = 0.
A page without `embodyViewer` must define `window.measureFps(ms)` (a minimal comparison page).

Usage: viewer-fps-ab.py ROUNDS MS PAGE.html [PAGE.html ...]
Environment: NICE=-10 runs Chromium at that niceness (root only); EXTRA_FLAGS adds Chromium flags.
"""
import os
import re
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "Viewer"))
import cdp  # noqa: E402
from cdp import Browser, Page  # noqa: E402


def process_tree_cpu(root):
    """CPU jiffies (user + system) of `root` and its descendants, by pid."""
    parent_of = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                st = open(f"/proc/{d}/stat").read()
                parent_of[int(d)] = int(st[st.rfind(")") + 2:].split()[1])
            except OSError:
                pass
    children = {}
    for pid, ppid in parent_of.items():
        children.setdefault(ppid, []).append(pid)
    out, todo = {}, [root]
    while todo:
        pid = todo.pop()
        try:
            st = open(f"/proc/{pid}/stat").read()
            f = st[st.rfind(")") + 2:].split()
            out[pid] = int(f[11]) + int(f[12])
        except OSError:
            pass
        todo += children.get(pid, [])
    return out


def kind(pid):
    try:
        m = re.search(r"--type=(\S+)", open(f"/proc/{pid}/cmdline").read().replace("\0", " "))
        return m.group(1) if m else "browser"
    except OSError:
        return "?"


def main():
    rounds, ms, pages = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3:]
    extra, nice = os.environ.get("EXTRA_FLAGS", "").split(), os.environ.get("NICE")
    if extra or nice:
        popen = cdp.subprocess.Popen
        cdp.subprocess.Popen = lambda args, **kw: popen((["nice", "-n", nice] if nice else []) + args[:-1] + extra + args[-1:], **kw)
    browser = Browser()
    tck = os.sysconf("SC_CLK_TCK")
    fps, cpu = {p: [] for p in pages}, {p: [] for p in pages}

    def tabs():
        return [t["targetId"] for t in browser.send("Target.getTargets")["targetInfos"] if t["type"] == "page"]
    try:
        for r in range(rounds):
            for p in (pages if r % 2 == 0 else pages[::-1]):
                before = set(tabs())
                page = Page(browser, 1280, 720)
                tab = (set(tabs()) - before).pop()
                for t in before:   # only one tab open while measuring
                    try:
                        browser.send("Target.closeTarget", {"targetId": t})
                    except RuntimeError:
                        pass
                url = "file://" + os.path.abspath(p) + "#t=0"
                page.send("Page.navigate", {"url": url})
                viewer = False
                for _ in range(300):
                    viewer = page.eval("!!(window.embodyViewer && window.embodyViewer.ready)")
                    if viewer or page.eval("typeof window.measureFps === 'function'"):
                        break
                    time.sleep(0.1)
                else:
                    raise RuntimeError(f"{p}: neither embodyViewer nor measureFps appeared within 30 s")
                call = "embodyViewer.measureFps" if viewer else "measureFps"
                page.eval(f"{call}(1000)", await_promise=True)
                if viewer:
                    page.eval("embodyViewer.seek(0)")
                c0 = process_tree_cpu(browser.proc.pid)
                f = page.eval(f"{call}({ms})", await_promise=True)
                c1 = process_tree_cpu(browser.proc.pid)
                by_kind = {}
                for pid, v in c1.items():
                    by_kind[kind(pid)] = by_kind.get(kind(pid), 0) + (v - c0.get(pid, 0)) / tck
                per_frame = 1000 * sum(by_kind.values()) / max(1, f["frames"])
                fps[p].append(round(f["fps"], 1))
                cpu[p].append(round(per_frame, 1))
                errors = page.errors()
                print(f"round {r} {os.path.basename(p)}: {f['fps']:.1f} frames/s, {per_frame:.1f} CPU ms/frame "
                      f"({', '.join(f'{k} {v:.2f} s' for k, v in sorted(by_kind.items()) if v)}), "
                      f"load {os.getloadavg()[0]:.1f}{' ERRORS ' + str(errors[:2]) if errors else ''}", flush=True)
                browser.send("Target.closeTarget", {"targetId": tab})
    finally:
        browser.close()
    for p in pages:
        a, c = sorted(fps[p]), sorted(cpu[p])
        print(f"{os.path.basename(p):32s} frames/s median {a[len(a) // 2]:5.1f} {a}   CPU ms/frame median {c[len(c) // 2]:5.1f} {c}")


if __name__ == "__main__":
    main()

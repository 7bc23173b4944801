#!/usr/bin/env python3
"""The viewer page in a real browser: headless Chromium, WebGL through SwiftShader (docs/viewer.md).

For a humanoid-push recording (10 s at 1 kHz) and an arm recording, checks:
  - no console error or exception, and the page requests no URL but itself;
  - the #t= fragment opens the page paused at that time;
  - screenshots at two times differ where the robot (with its shadow) is, and nowhere else;
  - the robot's pixels stand where its link origins project (the page's camera, projected here; link
    positions from Embody's forward kinematics via `embody export --link-poses`);
  - every plot is drawn (coloured lines inside its frame);
  - seeking to t moves the 3D view and every plot cursor together, and the clock and scrubber show t;
  - the humanoid page is at most 5 MB; frames per second while playing at 1280×720 are measured and reported.
Usage: test_viewer_browser.py EMBODY_BINARY OUT_DIR   (writes OUT_DIR/viewer-results.json and screenshots)
"""
import csv
import json
import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cdp import Browser, Page  # noqa: E402
from checks import check, finish, run  # noqa: E402
import png  # noqa: E402


def check_transport(page, name, when):
    """Paused, the clock shows the time exactly, and the scrubber's thumb (a layer moved by a transform) and the
    range input's value stand at the same fraction of the run as the time."""
    tr = page.eval("""(() => {
        const st = embodyViewer.state(), s = document.getElementById('scrub'), th = document.getElementById('thumb');
        const a = s.getBoundingClientRect(), b = th.getBoundingClientRect();
        return {t: st.t, playing: st.playing, clock: document.getElementById('clock').textContent, value: +s.value,
                left: a.left, width: a.width, thumb: (b.left + b.right) / 2, end: st.end};
    })()""")
    check(not tr["playing"] and tr["clock"] == f"{tr['t']:.3f} s", f"{name}: {when}, the clock shows {tr['clock']!r} at t = {tr['t']}")
    fraction = tr["t"] / tr["end"] if tr["end"] > 0 else 0
    check(abs(tr["thumb"] - (tr["left"] + fraction * tr["width"])) <= 1.5,
          f"{name}: {when}, the scrubber's thumb at x = {tr['thumb']:.1f} for t = {tr['t']} (expected {tr['left'] + fraction * tr['width']:.1f})")
    check(abs(tr["value"] - 1000 * fraction) <= 1, f"{name}: {when}, the scrubber's value {tr['value']} for fraction {fraction:.4f}")


def link_positions(embody, log, out_dir):
    """Link frame origins (world, m) by record time, from Embody's forward kinematics."""
    path = os.path.join(out_dir, os.path.basename(log) + ".links.csv")
    run([embody, "export", log, "--format", "csv", "--link-poses", "--no-units", "-o", path])
    rows = {}
    with open(path, newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        links = sorted({h.split(".")[1] for h in header if h.startswith("link.")}, key=lambda l: header.index(f"link.{l}.x"))
        cols = {l: header.index(f"link.{l}.x") for l in links}
        for r in reader:
            t = float(r[1])
            rows[round(t, 6)] = {l: tuple(float(r[c + k]) for k in range(3)) for l, c in cols.items()}
    return rows


def at_time(rows, t):
    key = min(rows, key=lambda k: abs(k - t))
    return rows[key]


def project(cam, p):
    """Pixel (x, y) in the canvas of world point p for the page's camera (lookAt + perspective, as in OpenGL)."""
    e, c, u = cam["eye"], cam["target"], cam["up"]
    f = [c[i] - e[i] for i in range(3)]
    n = math.sqrt(sum(v * v for v in f))
    f = [v / n for v in f]
    s = [f[1] * u[2] - f[2] * u[1], f[2] * u[0] - f[0] * u[2], f[0] * u[1] - f[1] * u[0]]
    n = math.sqrt(sum(v * v for v in s))
    s = [v / n for v in s]
    up = [s[1] * f[2] - s[2] * f[1], s[2] * f[0] - s[0] * f[2], s[0] * f[1] - s[1] * f[0]]
    d = [p[i] - e[i] for i in range(3)]
    x, y, z = sum(s[i] * d[i] for i in range(3)), sum(up[i] * d[i] for i in range(3)), sum(f[i] * d[i] for i in range(3))
    w, h = cam["rect"][2], cam["rect"][3]
    k = 1 / math.tan(cam["fovy"] / 2)
    ndc_x, ndc_y = k * x / (z * w / h), k * y / z
    return ((ndc_x + 1) / 2 * w, (1 - ndc_y) / 2 * h)


def shot(page, rect):
    w, h, rows = png.decode(page.screenshot(clip=rect))
    return w, h, rows


def differs(a, b, x, y, tol=10):
    i = 3 * x
    return max(abs(a[y][i + k] - b[y][i + k]) for k in range(3)) > tol


def mask(a, b, w, h):
    return [[differs(a, b, x, y) for x in range(w)] for y in range(h)]


def dilate(m, w, h, r):
    out = [[False] * w for _ in range(h)]
    for y in range(h):
        for x in range(w):
            if m[y][x]:
                for yy in range(max(0, y - r), min(h, y + r + 1)):
                    row = out[yy]
                    for xx in range(max(0, x - r), min(w, x + r + 1)):
                        row[xx] = True
    return out


def near(m, w, h, px, py, r):
    x0, y0 = int(round(px)), int(round(py))
    return any(m[y][x] for y in range(max(0, y0 - r), min(h, y0 + r + 1)) for x in range(max(0, x0 - r), min(w, x0 + r + 1)))


PALETTE = [tuple(int(c[i:i + 2], 16) for i in (1, 3, 5)) for c in
           ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf']]


def is_line_colour(px):
    """A pixel of a plot line: a palette colour, or a palette colour blended over the white plot background by
    anti-aliasing, as where a 1 px line falls between two pixel rows and colours both half (at least 35% of the
    colour, the same fraction in every channel to within 0.08; the grey grid and frame are no such blend)."""
    if any(max(abs(px[k] - c[k]) for k in range(3)) <= 24 for c in PALETTE):
        return True
    for c in PALETTE:
        alphas = [(255 - px[k]) / (255 - c[k]) for k in range(3) if c[k] < 200]
        if alphas and min(alphas) >= 0.35 and max(alphas) - min(alphas) <= 0.08 and max(alphas) <= 1.05:
            # channels where the colour is near white must stay near white too
            if all(px[k] >= 255 - 0.6 * (255 - c[k]) - 24 for k in range(3) if c[k] >= 200):
                return True
    return False


def line_colour_self_check():
    """The detector above: a half-blended line pixel counts; white, the grid, the frame and the cursor do not."""
    orange = PALETTE[1]
    half = tuple(round(255 - 0.5 * (255 - v)) for v in orange)
    check(is_line_colour(bytes(orange)) and is_line_colour(bytes(half)), f"line colours: {orange} and its half blend {half}")
    for not_line in [(255, 255, 255), (227, 230, 234), (154, 163, 174), (255, 45, 85), (254, 254, 254)]:
        check(not is_line_colour(bytes(not_line)), f"line colours: {not_line} is not a line colour")


def p_top(p):
    return int(p["y1"]) + 1


def p_bottom(p):
    return int(p["y0"])


def check_page(browser, name, html, log, embody, out_dir, t1, t2, camera, links_to_check, results):
    print(f"{name}: {html}", flush=True)
    page = Page(browser, 1280, 720)
    url = "file://" + os.path.abspath(html)
    page.navigate(url + f"#t={t1}")
    open_ms = page.eval("window.embodyViewer ? embodyViewer.openMs : null")
    reported = isinstance(open_ms, (int, float))
    check(reported, f"{name}: the page reports its open time, navigation start to the first frame drawn "
                    f"({round(open_ms) if reported else repr(open_ms)} ms)")
    if reported:
        results[name]["open_ms"] = round(open_ms)
    st = page.eval("embodyViewer.state()")
    check(abs(st["t"] - t1) < 1e-9 and not st["playing"], f"{name}: #t={t1} opens the page paused at {t1} s (got {st['t']})")
    page.eval(f"embodyViewer.setCamera({json.dumps(camera)})")
    page.eval("embodyViewer.setVisible({overlays: false})")
    cam = page.eval("embodyViewer.camera()")
    rect = [int(v) for v in cam["rect"]]
    rows = link_positions(embody, log, out_dir)

    shots = {}
    for t in (t1, t2):
        page.eval(f"embodyViewer.seek({t})")
        shots[t] = shot(page, rect)
        page.eval("embodyViewer.setVisible({robot: false})")
        shots[(t, "empty")] = shot(page, rect)
        page.eval("embodyViewer.setVisible({robot: true})")
    w, h, a1 = shots[t1]
    _, _, a2 = shots[t2]
    _, _, e1 = shots[(t1, "empty")]
    _, _, e2 = shots[(t2, "empty")]
    robot1, robot2 = mask(a1, e1, w, h), mask(a2, e2, w, h)
    moved = mask(a1, a2, w, h)
    n_moved = sum(map(sum, moved))
    allowed = dilate([[robot1[y][x] or robot2[y][x] for x in range(w)] for y in range(h)], w, h, 1)
    outside = sum(1 for y in range(h) for x in range(w) if moved[y][x] and not allowed[y][x])
    check(n_moved >= 20, f"{name}: screenshots at {t1} s and {t2} s differ ({n_moved} pixels)")
    check(outside == 0, f"{name}: they differ only where the robot or its shadow is ({outside} pixels elsewhere)")
    results[name]["pixels_changed"] = n_moved

    # Projection: each checked link's origin lands on robot pixels at its own time; a point 0.6 m beside it does not.
    for t, robot in ((t1, robot1), (t2, robot2)):
        pos = at_time(rows, t)
        for link in links_to_check:
            px, py = project(cam, pos[link])
            check(0 <= px < w and 0 <= py < h and near(robot, w, h, px, py, 2),
                  f"{name}: at {t} s link '{link}' projects to ({px:.0f}, {py:.0f}) on robot pixels")
        # A point 1 m to the camera's right of the first link is not robot pixels (the check can fail).
        right = [-math.sin(camera["yaw"]), math.cos(camera["yaw"]), 0]
        off = [pos[links_to_check[0]][k] + right[k] for k in range(3)]
        ox, oy = project(cam, off)
        check(0 <= ox < w and 0 <= oy < h and not near(robot, w, h, ox, oy, 0),
              f"{name}: a point 1 m right of '{links_to_check[0]}' ({ox:.0f}, {oy:.0f}) is not robot pixels")

    # Plots drawn: coloured (not grey) pixels inside each plot frame; and seeking moves every cursor with the 3D view.
    events = page.eval("embodyViewer.events.map(e => e.t)")
    for t in (t1, t2):
        page.eval(f"embodyViewer.seek({t})")
        st = page.eval("embodyViewer.state()")
        check(abs(st["frameTime"] - t) <= 0.0101, f"{name}: seek({t}) shows the 3D frame at {st['frameTime']:.4f} s")
        check_transport(page, name, f"seek({t})")
        for p in st["plots"]:
            page.eval(f"document.querySelectorAll('.plot')[{st['plots'].index(p)}].scrollIntoView()")
            p = page.eval("embodyViewer.state()")["plots"][st["plots"].index(p)]
            r = [int(round(v)) for v in p["rect"]]
            pw, ph, img = shot(page, r)
            expected = p["x0"] + (t - p["t0"]) / (p["t1"] - p["t0"]) * (p["x1"] - p["x0"])
            cursor_cols = [x for x in range(pw) if sum(1 for y in range(ph) if img[y][3 * x:3 * x + 3] == bytes([255, 45, 85])) > ph // 3]
            check(cursor_cols and abs(sum(cursor_cols) / len(cursor_cols) - expected) <= 1.5,
                  f"{name}: plot '{p['title']}' cursor at x={cursor_cols[:3]} for t={t} (expected {expected:.1f})")
            # Pixels of the line colours, away from the cursor and the event marks (which are drawn in every plot).
            skip = set()
            for c in cursor_cols + [round(p["x0"] + (e - p["t0"]) / (p["t1"] - p["t0"]) * (p["x1"] - p["x0"])) for e in events]:
                skip.update(range(c - 2, c + 3))
            coloured = sum(1 for y in range(p_top(p), p_bottom(p)) for x in range(int(p["x0"]) + 1, min(pw, int(p["x1"])))
                           if x not in skip and is_line_colour(img[y][3 * x:3 * x + 3]))
            check(p["lines"] > 0 and coloured > 150, f"{name}: plot '{p['title']}' is drawn ({p['lines']} lines, {coloured} coloured pixels)")
        # The 3D view at t matches the forward kinematics at t, not at the other time, for a link that moved.
    pos1, pos2 = at_time(rows, t1), at_time(rows, t2)
    mover = max(links_to_check, key=lambda l: math.dist(project(cam, pos1[l]), project(cam, pos2[l])))
    d = math.dist(project(cam, pos1[mover]), project(cam, pos2[mover]))
    results[name]["largest_link_motion_px"] = round(d, 1)

    # Screenshots for the docs, with overlays, at the later time.
    page.eval("embodyViewer.setVisible({overlays: true}); document.getElementById('side').scrollTop = 0")
    page.eval(f"embodyViewer.seek({t2})")
    with open(os.path.join(out_dir, f"{name}.png"), "wb") as f:
        f.write(page.screenshot())

    fps = page.eval("embodyViewer.measureFps(5000)", await_promise=True)
    results[name]["fps_1280x720"] = round(fps["fps"], 1)
    results[name]["frame_interval_ms"] = {"p99": round(fps["p99Ms"], 1), "longest": round(fps["longestMs"], 1),
                                          "late": fps["late"]}
    load = results[name]["load_average"] = round(os.getloadavg()[0], 2)
    print(f"  measured {fps['fps']:.1f} frames/s while playing ({fps['frames']} frames in 5 s; frame interval p99 "
          f"{fps['p99Ms']:.1f} ms, longest {fps['longestMs']:.1f} ms, {fps['late']} over 25 ms; load average "
          f"{load:.2f})", flush=True)

    check_transport(page, name, "after playing")

    errors = page.errors()
    check(not errors, f"{name}: no console error or exception {errors[:3]}")
    others = [u for u in page.requests() if u.split("#")[0] != url]
    check(not others, f"{name}: the page requests no URL but itself {others[:5]}")


def main():
    embody, out_dir = sys.argv[1], sys.argv[2]
    os.makedirs(out_dir, exist_ok=True)
    results = {}
    pages = []
    hum_log = os.path.join(out_dir, "humanoid-push.emblog")
    run([embody, "run", "humanoid-push", "--set", "duration=10", "--record", hum_log])
    arm_log = os.path.join(out_dir, "arm-track-sine.emblog")
    run([embody, "run", "arm-track-sine", "--record", arm_log])
    for name, log in (("humanoid-push", hum_log), ("arm-track-sine", arm_log)):
        html = os.path.join(out_dir, name + ".html")
        run([embody, "view", log, "-o", html])
        size = os.path.getsize(html)
        results[name] = {"page_bytes": size}
        pages.append((name, html, log))
    check(results["humanoid-push"]["page_bytes"] <= 5_000_000,
          f"humanoid-push, 10 s at 1 kHz: page is {results['humanoid-push']['page_bytes'] / 1e6:.2f} MB (at most 5 MB)")

    line_colour_self_check()
    browser = Browser()
    try:
        check_page(browser, "humanoid-push", pages[0][1], hum_log, embody, out_dir, 2.9, 3.2,
                   {"target": [0, 0, 0.75], "yaw": -1.2, "pitch": 0.25, "distance": 2.6},
                   ["torso", "pelvis", "left_shin", "right_thigh"], results)
        check_page(browser, "arm-track-sine", pages[1][1], arm_log, embody, out_dir, 0.2, 0.5,
                   {"target": [0.2, 0, 0.5], "yaw": -1.0, "pitch": 0.35, "distance": 2.4},
                   ["link_3", "link_5", "link_7"], results)
        # The batch index written by test_view_cli.py: loads cleanly, offline, and draws its overlay.
        index = os.path.join(out_dir, "batch", "index.html")
        check(os.path.exists(index), f"the batch index page exists ({index})")
        if os.path.exists(index):
            page = Page(browser, 1280, 720)
            url = "file://" + os.path.abspath(index)
            page.send("Page.navigate", {"url": url})
            for _ in range(100):
                if page.eval("window.embodyIndex && window.embodyIndex.ready === true"):
                    break
                import time
                time.sleep(0.1)
            info = page.eval("window.embodyIndex")
            check(info and info["runs"] == 4 and info["channels"] > 0, f"batch index: {info}")
            check(not page.errors(), f"batch index: no console error {page.errors()[:3]}")
            others = [u for u in page.requests() if u.split("#")[0] != url and not u.startswith("file://" + os.path.dirname(os.path.abspath(index)) + "/run-")]
            check(not others and not [u for u in page.requests() if not u.startswith("file://")], f"batch index: no request {others[:5]}")
    finally:
        browser.close()
    with open(os.path.join(out_dir, "viewer-results.json"), "w") as f:
        json.dump(results, f, indent=2)
    print(json.dumps(results, indent=2))
    finish("viewer")


if __name__ == "__main__":
    main()

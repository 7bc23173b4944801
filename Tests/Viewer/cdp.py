"""A small Chrome DevTools Protocol client over --remote-debugging-pipe (standard library only).

Chromium reads NUL-terminated JSON commands on file descriptor 3 and writes replies and events on 4.
"""
import json
import os
import shutil
import subprocess
import tempfile
import time


class Browser:
    def __init__(self, width=1280, height=720):
        exe = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
        if not exe:
            raise RuntimeError("no chromium on PATH: install it with `apt-get install -y chromium` (scripts/viewer-tests.sh does)")
        self.profile = tempfile.mkdtemp(prefix="embody-cdp-")
        to_child, self._w = os.pipe()      # we write commands, chromium reads fd 3
        self._r, from_child = os.pipe()    # chromium writes fd 4, we read
        args = [exe, "--headless", "--no-sandbox", "--enable-unsafe-swiftshader", "--use-angle=swiftshader",
                "--remote-debugging-pipe", f"--user-data-dir={self.profile}", f"--window-size={width},{height}",
                "--no-first-run", "--no-default-browser-check", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--hide-scrollbars", "--mute-audio",
                "--force-device-scale-factor=1", "--disable-background-timer-throttling",
                "--disable-renderer-backgrounding", "--disable-backgrounding-occluded-windows", "about:blank"]

        def fds():
            os.dup2(to_child, 3)
            os.dup2(from_child, 4)

        self.proc = subprocess.Popen(args, pass_fds=(3, 4), preexec_fn=fds, stdout=subprocess.DEVNULL,
                                     stderr=open(os.path.join(self.profile, "stderr.txt"), "wb"))
        os.close(to_child)
        os.close(from_child)
        self._buf = b""
        self._id = 0
        self.events = []

    def _read_message(self, timeout):
        deadline = time.time() + timeout
        while b"\0" not in self._buf:
            if time.time() > deadline:
                raise TimeoutError("no message from chromium")
            import select
            ready, _, _ = select.select([self._r], [], [], max(0.0, deadline - time.time()))
            if ready:
                chunk = os.read(self._r, 1 << 20)
                if not chunk:
                    raise RuntimeError("chromium closed the DevTools pipe")
                self._buf += chunk
        msg, self._buf = self._buf.split(b"\0", 1)
        return json.loads(msg)

    def send(self, method, params=None, session=None, timeout=60):
        self._id += 1
        msg = {"id": self._id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self._w, json.dumps(msg).encode() + b"\0")
        while True:
            m = self._read_message(timeout)
            if m.get("id") == self._id:
                if "error" in m:
                    raise RuntimeError(f"{method}: {m['error']}")
                return m.get("result", {})
            self.events.append(m)

    def pump(self, seconds):
        """Collects events for `seconds`."""
        end = time.time() + seconds
        while time.time() < end:
            try:
                self.events.append(self._read_message(max(0.01, end - time.time())))
            except TimeoutError:
                break

    def close(self):
        try:
            self.send("Browser.close", timeout=5)
        except Exception:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self.profile, ignore_errors=True)


class Page:
    """A tab attached with a flat session; records console errors, exceptions and every request."""

    def __init__(self, browser, width=1280, height=720):
        self.b = browser
        target = browser.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = browser.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        browser.send("Target.activateTarget", {"targetId": target})
        # Headless Chromium draws its toolbar inside --window-size, so a 1280×720 window shows only 1280×633 of
        # the page, and what lies below is laid out (the metrics override) but never drawn. Grow the window by
        # the toolbar's height, so that the page is drawn at the whole width × height, as a user would see it.
        toolbar = browser.send("Runtime.evaluate", {"expression": "outerHeight - innerHeight", "returnByValue": True},
                               session=self.session)["result"].get("value", 0)
        window = browser.send("Browser.getWindowForTarget", {"targetId": target})["windowId"]
        browser.send("Browser.setWindowBounds", {"windowId": window, "bounds": {"width": width, "height": height + toolbar}})
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.send(f"{domain}.enable")
        self.send("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})
        self.send("Emulation.setFocusEmulationEnabled", {"enabled": True})

    def send(self, method, params=None, timeout=60):
        return self.b.send(method, params, session=self.session, timeout=timeout)

    def navigate(self, url, timeout=60):
        self.send("Page.navigate", {"url": url})
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.eval("window.embodyViewer && window.embodyViewer.ready === true") is True:
                return
            if self.errors():
                return
            time.sleep(0.2)
        raise TimeoutError(f"the page {url} did not become ready")

    def eval(self, expression, await_promise=False, timeout=120):
        r = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                           "awaitPromise": await_promise}, timeout=timeout)
        if "exceptionDetails" in r:
            raise RuntimeError(f"{expression}: {r['exceptionDetails']}")
        return r["result"].get("value")

    def screenshot(self, clip=None):
        import base64
        params = {"format": "png"}
        if clip:
            params["clip"] = {"x": clip[0], "y": clip[1], "width": clip[2], "height": clip[3], "scale": 1}
        return base64.b64decode(self.send("Page.captureScreenshot", params)["data"])

    def _mine(self):
        return [e for e in self.b.events if e.get("sessionId") == self.session]

    def errors(self):
        out = []
        for e in self._mine():
            m, p = e.get("method"), e.get("params", {})
            if m == "Runtime.exceptionThrown":
                out.append("exception: " + json.dumps(p.get("exceptionDetails", {}))[:500])
            elif m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
                out.append("console.error: " + json.dumps(p.get("args", []))[:500])
            elif m == "Log.entryAdded" and p.get("entry", {}).get("level") == "error":
                out.append("log error: " + p["entry"].get("text", "")[:500] + " " + p["entry"].get("url", ""))
        return out

    def requests(self):
        return [e["params"]["request"]["url"] for e in self._mine() if e.get("method") == "Network.requestWillBeSent"]

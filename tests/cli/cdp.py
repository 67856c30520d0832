"""A headless Chromium driven through the DevTools protocol over a pipe (--remote-debugging-pipe), with the
standard library only: open a page, collect what its console reports, evaluate an expression in it, take a
full-page screenshot. The browser runs in a process group of its own with a temporary profile; close()
ends it and checks that none of its processes is left (killing the group if the browser does not exit)."""
import base64
import json
import os
import select
import shutil
import signal
import subprocess
import tempfile
import time


def find_chromium():
    """The Chromium executable, or None: $PARLAB_CHROMIUM, then chromium, chromium-browser on PATH."""
    for name in (os.environ.get("PARLAB_CHROMIUM"), "chromium", "chromium-browser"):
        if name and shutil.which(name):
            return shutil.which(name)
    return None


class Browser:
    def __init__(self, exe, timeout=30):
        self.profile = tempfile.mkdtemp(prefix="parlab-chromium-")
        self.timeout = timeout
        cmd_r, self.cmd_w = os.pipe()   # we write commands, the browser reads them on its fd 3
        self.out_r, out_w = os.pipe()   # the browser writes replies and events on its fd 4
        flags = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--no-default-browser-check",
                 "--disable-extensions", "--disable-background-networking", "--hide-scrollbars",
                 "--user-data-dir=" + self.profile, "--remote-debugging-pipe", "about:blank"]
        shell = 'exec "$0" "$@" 3<&%d 4>&%d' % (cmd_r, out_w)
        self.proc = subprocess.Popen(["sh", "-c", shell, exe] + flags, pass_fds=(cmd_r, out_w),
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL, start_new_session=True)
        os.close(cmd_r)
        os.close(out_w)
        self.buf, self.next_id, self.events, self.session = b"", 0, [], None

    def _read_message(self, deadline):
        while b"\0" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.out_r], [], [], left)[0]:
                raise TimeoutError("chromium did not answer in time")
            chunk = os.read(self.out_r, 1 << 20)
            if not chunk:
                raise EOFError("chromium closed its DevTools pipe")
            self.buf += chunk
        msg, self.buf = self.buf.split(b"\0", 1)
        return json.loads(msg)

    def send(self, method, params=None, session=True):
        """Sends one command (to the page's session unless session=False) and returns its result."""
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session and self.session:
            msg["sessionId"] = self.session
        os.write(self.cmd_w, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + self.timeout
        while True:
            reply = self._read_message(deadline)
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError("%s: %s" % (method, reply["error"]))
                return reply.get("result", {})
            self.events.append(reply)

    def wait_event(self, method, seconds):
        """Waits for an event of the page's session; False when none came in time."""
        deadline = time.monotonic() + seconds
        while True:
            for e in self.events:
                if e.get("method") == method and e.get("sessionId") == self.session:
                    return True
            try:
                self.events.append(self._read_message(deadline))
            except TimeoutError:
                return False

    def open(self, url):
        """Opens url in a new page, with its console watched, and waits for its load event."""
        target = self.send("Target.createTarget", {"url": "about:blank"}, session=False)["targetId"]
        self.session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True},
                                 session=False)["sessionId"]
        for domain in ("Runtime", "Log", "Page"):
            self.send(domain + ".enable")
        self.send("Emulation.setDeviceMetricsOverride", {"width": 1200, "height": 900, "deviceScaleFactor": 1,
                                                         "mobile": False})
        self.events = []
        self.send("Page.navigate", {"url": url})
        if not self.wait_event("Page.loadEventFired", self.timeout):
            raise TimeoutError("the page did not finish loading: " + url)
        self.wait_event("never", 0.5)   # late console messages

    def console_errors(self):
        """Errors and warnings the page's console reported: console calls, exceptions, browser log."""
        found = []
        for e in self.events:
            if e.get("sessionId") != self.session:
                continue
            m, p = e.get("method"), e.get("params", {})
            if m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "warning", "assert"):
                found.append("console.%s: %s" % (p["type"], " ".join(str(a.get("value", a.get("description")))
                                                                    for a in p.get("args", []))))
            elif m == "Runtime.exceptionThrown":
                found.append("exception: %s" % p.get("exceptionDetails", {}).get("text"))
            elif m == "Log.entryAdded" and p.get("entry", {}).get("level") in ("error", "warning"):
                found.append("%s: %s" % (p["entry"]["level"], p["entry"].get("text")))
        return found

    def evaluate(self, expression):
        """The value of a JavaScript expression in the page (JSON-able values only)."""
        r = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        if "exceptionDetails" in r:
            raise RuntimeError("evaluate: %s" % r["exceptionDetails"])
        return r["result"].get("value")

    def screenshot(self, path):
        """A PNG of the whole page, not only the window; returns (width, height) in CSS pixels."""
        size = self.send("Page.getLayoutMetrics")["cssContentSize"]
        w, h = int(size["width"]), int(size["height"])
        shot = self.send("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True,
                                                    "clip": {"x": 0, "y": 0, "width": w, "height": h, "scale": 1},
                                                    "optimizeForSpeed": True})
        with open(path, "wb") as f:
            f.write(base64.b64decode(shot["data"]))
        return w, h

    def close(self):
        """Closes the browser; raises if any of its processes is still there after killing the group."""
        try:
            self.send("Browser.close", session=False)
        except Exception:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
        left = self._group_alive(5)
        if left:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self._group_alive(5)
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        for fd in (self.cmd_w, self.out_r):
            os.close(fd)
        shutil.rmtree(self.profile, True)
        if left:
            raise RuntimeError("chromium left processes behind after Browser.close")

    def _group_alive(self, seconds):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                os.killpg(self.proc.pid, 0)
            except ProcessLookupError:
                return False
            time.sleep(0.1)
        return True

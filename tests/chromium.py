"""A headless Chromium driven over the DevTools protocol on a pipe (``--remote-debugging-pipe``): standard
library only, no websocket client, no webdriver.

``Browser().load(path, width, height)`` opens a local file and returns a :class:`Page` with the console
errors, uncaught exceptions and log errors it raised, every URL it requested, the page's scroll size, and
helpers to evaluate JavaScript and take a PNG screenshot. Used by tests/test_draw_browser.py; run this
module to screenshot files by hand: ``python tests/chromium.py out_dir file.svg file.html …``.
"""

from __future__ import annotations

import base64
import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run",
         "--disable-component-update", "--disable-sync", "--hide-scrollbars", "--mute-audio",
         "--disable-extensions", "--disable-default-apps", "--remote-debugging-pipe"]


def find() -> str | None:
    """Debian's chromium (or another Chromium/Chrome on PATH)."""
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        path = shutil.which(name)
        if path:
            return path
    return None


class BrowserError(RuntimeError):
    pass


@dataclass
class Page:
    browser: Browser
    session: str
    console_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    def evaluate(self, expression: str):
        result = self.browser.call("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                                        "awaitPromise": True}, self.session)
        if "exceptionDetails" in result:
            raise BrowserError(f"evaluate failed: {result['exceptionDetails']}")
        return result["result"].get("value")

    def screenshot(self, path: Path, width: int, height: int, scale: float = 1) -> None:
        data = self.browser.call("Page.captureScreenshot", {
            "format": "png", "captureBeyondViewport": True,
            "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": scale}}, self.session)["data"]
        path.write_bytes(base64.b64decode(data))


class Browser:
    def __init__(self, executable: str | None = None, timeout: float = 60.0):
        self.executable = executable or find()
        if not self.executable:
            raise BrowserError("no chromium on PATH")
        self.timeout = timeout
        self.profile = tempfile.mkdtemp(prefix="convcalc-chromium-")
        to_child_r, self._to_child = os.pipe()
        self._from_child, from_child_w = os.pipe()

        def wire():  # the protocol pipe is fd 3 (commands in) and fd 4 (answers out) in the browser
            a, b = os.dup(to_child_r), os.dup(from_child_w)  # above 4 first: the pipes may be 3 or 4 already
            os.dup2(a, 3)
            os.dup2(b, 4)

        self.proc = subprocess.Popen([self.executable, *FLAGS, f"--user-data-dir={self.profile}", "about:blank"],
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                     preexec_fn=wire, close_fds=False)
        os.close(to_child_r)
        os.close(from_child_w)
        self._buffer = b""
        self._next = 0
        self.events: list[dict] = []

    # - the protocol -
    def send(self, method: str, params: dict | None = None, session: str | None = None) -> int:
        self._next += 1
        msg = {"id": self._next, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self._to_child, json.dumps(msg).encode() + b"\0")
        return self._next

    def _read(self, deadline: float) -> dict:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise BrowserError("chromium did not answer in time")
            ready, _, _ = select.select([self._from_child], [], [], left)
            if ready:
                chunk = os.read(self._from_child, 1 << 20)
                if not chunk:
                    err = self.proc.stderr.read().decode(errors="replace")[-2000:] if self.proc.stderr else ""
                    raise BrowserError(f"chromium closed the pipe: {err}")
                self._buffer += chunk
        raw, _, self._buffer = self._buffer.partition(b"\0")
        return json.loads(raw)

    def call(self, method: str, params: dict | None = None, session: str | None = None) -> dict:
        ident = self.send(method, params, session)
        deadline = time.monotonic() + self.timeout
        while True:
            msg = self._read(deadline)
            if msg.get("id") == ident:
                if "error" in msg:
                    raise BrowserError(f"{method}: {msg['error']}")
                return msg.get("result", {})
            self.events.append(msg)

    def wait_for(self, method: str, session: str, timeout: float | None = None) -> dict:
        deadline = time.monotonic() + (timeout or self.timeout)
        for i, msg in enumerate(self.events):
            if msg.get("method") == method and msg.get("sessionId") == session:
                return self.events.pop(i)
        while True:
            msg = self._read(deadline)
            if msg.get("method") == method and msg.get("sessionId") == session:
                return msg
            self.events.append(msg)

    # - pages -
    def load(self, path: Path, width: int = 1200, height: int = 800, settle: float = 0.3) -> Page:
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.call(f"{domain}.enable", {}, session)
        self.call("Emulation.setDeviceMetricsOverride", {"width": width, "height": height, "deviceScaleFactor": 1,
                                                         "mobile": False}, session)
        self.call("Page.navigate", {"url": Path(path).resolve().as_uri()}, session)
        self.wait_for("Page.loadEventFired", session)
        time.sleep(settle)
        self.call("Runtime.evaluate", {"expression": "1"}, session)  # drain events raised while loading
        page = Page(self, session)
        for msg in self.events:
            if msg.get("sessionId") != session:
                continue
            method, params = msg.get("method"), msg.get("params", {})
            if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert", "warning"):
                page.console_errors.append(" ".join(str(a.get("value", a.get("description", "")))
                                                    for a in params.get("args", [])))
            elif method == "Runtime.exceptionThrown":
                details = params.get("exceptionDetails", {})
                page.console_errors.append(details.get("exception", {}).get("description") or details.get("text", ""))
            elif method == "Log.entryAdded" and params.get("entry", {}).get("level") in ("error", "warning"):
                page.console_errors.append(params["entry"].get("text", ""))
            elif method == "Network.requestWillBeSent":
                page.requests.append(params.get("request", {}).get("url", ""))
        self.events = [m for m in self.events if m.get("sessionId") != session]
        return page

    def close(self) -> None:
        try:
            self.send("Browser.close")
            self.proc.wait(timeout=10)
        except Exception:  # noqa: BLE001 - closing anyway
            self.proc.kill()
            self.proc.wait()
        finally:
            if self.proc.stderr:
                self.proc.stderr.close()
            os.close(self._to_child)
            os.close(self._from_child)
            shutil.rmtree(self.profile, ignore_errors=True)

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def svg_size(path: Path) -> tuple[int, int]:
    """The width and height an SVG file asks for, rounded up."""
    import math
    import xml.etree.ElementTree as ET

    root = ET.parse(path).getroot()
    def px(v: str) -> int:
        return math.ceil(float(v[:-2]) * (4 / 3 if v.endswith("pt") else 1) if v.endswith(("pt", "px")) else float(v))

    return px(root.get("width")), px(root.get("height"))


def page_size(page: Page) -> tuple[int, int]:
    return tuple(page.evaluate("[document.documentElement.scrollWidth, document.documentElement.scrollHeight]"))


if __name__ == "__main__":
    import sys

    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    with Browser() as browser:
        for name in sys.argv[2:]:
            w, h = svg_size(Path(name)) if name.endswith(".svg") else (1400, 900)
            page = browser.load(Path(name), w, h)
            if not name.endswith(".svg"):
                w, h = page_size(page)
            target = out / (Path(name).name + ".png")
            page.screenshot(target, min(w, 6000), min(h, 12000))
            print(target, w, h, "errors:", page.console_errors, "requests:",
                  [r for r in page.requests if not r.startswith("file:")])

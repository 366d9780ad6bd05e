"""Our page in the ``web`` benchmarks: ``symphony web`` in a subprocess, and the driver that
opens the big file in its page, types in its middle, scrolls and sweeps it, reading the page's
``window.symphony`` hooks (WEB_DESIGN.md) and the core's own times from the server's
``web_stats``, asked through the page's connection (``symphony.app.request``; one page at a
time drives the core, so the benchmark cannot open a socket of its own beside it)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from typing import Any

from ._web_browser import (KEY_INTERVAL_S, KEYS, POLL_MS, SCROLL_FRAMES, SCROLL_JS, SCROLL_LINES, SWEEP_STEPS, WARMUP_KEYS, Figures,
                           PageSource)

__all__ = ["FLOOR_JS", "SymphonyDriver", "WebServer"]

_URL = re.compile(r"at (http://\S+)")
_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class WebServer:
    """``symphony web --no-open --no-tasks --port 0 --token T FILE`` in a subprocess; ``url``
    is the page's address it printed."""

    def __init__(self, path: str, token: str = "bench-token-0123456789") -> None:
        self.token = token
        env = dict(os.environ, PYTHONPATH=_ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
        self.cwd = tempfile.mkdtemp(prefix="symphony-web-bench-")
        argv = [sys.executable, "-m", "symphony", "web", "--no-open", "--no-tasks", "--port", "0",
                "--token", token, path]
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
                                     cwd=self.cwd)
        self.output: list[str] = []
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.output.append(line)
            found = _URL.search(line)
            if found:
                self.url = found.group(1)
                break
        else:
            self.stop()
            raise RuntimeError(f"symphony web did not start: {''.join(self.output)}")
        self._drain = threading.Thread(target=self._read, daemon=True, name="symphony-web-output")
        self._drain.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.output.append(line)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(30)
        if getattr(self, "_drain", None) is not None:
            self._drain.join(10)
        shutil.rmtree(self.cwd, ignore_errors=True)


#: A bare page of the protocol: its own WebSocket to the server, a textarea whose keydown sends
#: ``insert`` (the text itself is refused in ``beforeinput``, so the keystroke changes nothing
#: on screen), and ``window.__floor``: ms from each keydown to the next ``update`` received.
FLOOR_JS = """async ({token}) => {
  document.body.innerHTML = "<textarea id='floor'></textarea>";
  const ws = new WebSocket(`ws://${location.host}/ws?token=${token}`);
  window.__floor = [];
  let pending = null, id = 0, seq = 0;
  const waiting = new Map();
  ws.onmessage = (e) => {
    const m = JSON.parse(e.data);
    if (m.method === "update" && pending !== null) { window.__floor.push(performance.now() - pending); pending = null; }
    if (m.id !== undefined && waiting.has(m.id)) { waiting.get(m.id)(m.result); waiting.delete(m.id); }
  };
  await new Promise((r) => { ws.onopen = r; });
  const request = (method, params) => new Promise((r) => {
    waiting.set(++id, r);
    ws.send(JSON.stringify({jsonrpc: "2.0", id, method, params}));
  });
  const hello = await request("web_hello", {client: "bench-floor", server: null});
  const view = hello.views[0].view_id;
  const ta = document.getElementById("floor");
  ta.addEventListener("beforeinput", (e) => e.preventDefault());
  ta.addEventListener("keydown", () => {
    pending = performance.now();
    ws.send(JSON.stringify({jsonrpc: "2.0", method: "edit", seq: ++seq,
                            params: {view_id: view, method: "insert", params: {chars: "x"}}}));
  });
  ta.focus();
}"""


class SymphonyDriver:
    """Our page on a ``symphony web`` server that has the file on its command line."""

    name = "symphony"

    def __init__(self, browser: PageSource, path: str) -> None:
        self.path = path
        self.browser = browser
        self.server = WebServer(path)
        self.page = browser.new_page()

    def _eval(self, js: str, arg: Any = None) -> Any:
        return self.page.evaluate(js, arg)

    def open(self) -> Figures:
        """Load the page (it opens the file of ``web_session``); wait for the first screen."""
        self.page.goto(self.server.url)
        self.page.wait_for_function("() => window.symphony && window.symphony.connected", timeout=120_000,
                                    polling=50)
        self._eval("() => window.symphony.ready")
        self.page.wait_for_function(
            "() => { const f = window.symphony.metrics.firstScreen; return f && f.painted !== null; }",
            timeout=600_000, polling=50)
        first = self._eval("() => window.symphony.metrics.firstScreen")
        self._eval("() => window.symphony.whenIdle()")
        self.view = self._eval("() => window.symphony.activeView()")
        stats = self._stats()
        self.lines = int(self._eval("(v) => window.symphony.views().find((w) => w.view_id === v).lines", self.view))
        return {"first_screen_ms": first["painted"] - first["sent"],
                "first_screen_with_load_ms": first["painted"] - first["sent"],
                "first_update_ms": first["firstUpdate"] - first["sent"],
                "core_first_update_ms": float(stats["first_update_ms"].get(self.view, float("nan")))}

    def _stats(self) -> Any:
        return self._eval("() => window.symphony.app.request('web_stats', {})")

    def type_keys(self, keys: int = KEYS, warmup: int = WARMUP_KEYS) -> Figures:
        """``keys`` keystrokes (after ``warmup`` ones) in the middle of the file, each waited for
        until painted; the core's edit -> update times of the same keystrokes from ``web_stats``."""
        middle = self.lines // 2
        self._eval("([v, line]) => window.symphony.app.edit(v, 'goto_line', {line})", [self.view, middle])
        self._eval("() => window.symphony.whenIdle()")
        self._eval("() => window.symphony.app.focusEditor()")
        self._type(warmup)
        self._eval("() => window.symphony.whenIdle()")
        before = self._stats()["edit_to_update_ms"]
        echo_js = "() => window.symphony.echo ? window.symphony.echo() : {}"
        echo_before = self._eval(echo_js)
        self._eval("() => window.symphony.resetMetrics()")
        self._type(keys)
        self._eval("() => window.symphony.whenIdle()")
        after = self._stats()["edit_to_update_ms"]
        core = after[len(before):] if len(after) < 1000 else after[-keys:]
        page = self._eval("() => window.symphony.metrics.keyToPaint.slice()")
        extra = self._eval("() => (window.symphony.metrics.keyToUpdate || []).slice()")
        confirm = self._eval("() => (window.symphony.metrics.keyToConfirm || []).slice()")
        echo_after = self._eval(echo_js)
        echo = {k: v - echo_before.get(k, 0) for k, v in echo_after.items()}  # the measured keys only
        return {"key_to_paint": page, "core_edit_to_update": core, "key_to_update": extra,
                "key_to_confirm": confirm, "echo": echo}

    def _type(self, n: int) -> None:
        """``n`` keys, each waited for until painted and (with local echo) until the core's
        update of it is painted too, so every key is measured on its own."""
        count = self._eval("() => window.symphony.metrics.keyToPaint.length")
        confirmed = self._eval("() => (window.symphony.metrics.keyToConfirm || []).length")
        for i in range(n):
            self.page.keyboard.press("x" if i % 20 else "y")
            count += 1
            confirmed += 1
            self.page.wait_for_function(
                "([n, c]) => { const m = window.symphony.metrics; return m.keyToPaint.length >= n &&"
                " (!m.keyToConfirm || m.keyToConfirm.length >= c); }",
                arg=[count, confirmed], timeout=60_000, polling=POLL_MS)
            time.sleep(KEY_INTERVAL_S)

    def scroll(self, frames: int = SCROLL_FRAMES) -> Figures:
        """``frames`` frames from the top, ``scrollBy(SCROLL_LINES)`` once a frame."""
        self._eval("() => window.symphony.scrollTo(0)")
        self._eval("() => window.symphony.whenIdle()")
        self._eval("() => { window.__benchScroll = (n) => window.symphony.scrollBy(n); }")
        out = self._eval(SCROLL_JS, {"frames": frames, "lines": SCROLL_LINES, "hook": "__benchScroll"})
        self._eval("() => window.symphony.whenIdle()")
        return out

    def sweep(self, steps: int = SWEEP_STEPS) -> None:
        """Visit the whole file, top to bottom, in ``steps`` jumps, each painted."""
        for k in range(steps + 1):
            self._eval("(line) => window.symphony.scrollTo(line)", int(k * self.lines / steps))
            self._eval("() => window.symphony.whenIdle()")

    def socket_floor(self, keys: int = KEYS, warmup: int = WARMUP_KEYS) -> list[float]:
        """The same keystrokes' round trip through a bare WebSocket page in the same browser
        (``FLOOR_JS``): what any page on this server and browser pays. It takes over from our
        page (one page at a time), so it comes last."""
        page = self.browser.new_page()  # a fresh context: no token in its storage, our page stays idle
        try:
            page.goto(self.server.url.split("#")[0])
            page.evaluate(FLOOR_JS, {"token": self.server.token})
            for n in range(1, keys + warmup + 1):
                page.keyboard.press("x")
                page.wait_for_function("(n) => window.__floor.length >= n", arg=n, timeout=60_000,
                                       polling=POLL_MS)
                time.sleep(KEY_INTERVAL_S)
            return list(page.evaluate("() => window.__floor.slice()"))[warmup:]
        finally:
            page.context.close()

    def close(self) -> None:
        try:
            self.page.context.close()
        finally:
            self.server.stop()

"""The browser of the ``web`` benchmarks: Debian's Chromium driven by Playwright for Python
(sync API, the system browser through ``executable_path``: never ``playwright install``), and
what both editors' drivers share: the scroll loop, the heap reading, the sizes of the runs."""

from __future__ import annotations

import os
import shutil
from typing import Any, Protocol

from ._editor_client import percentile

__all__ = ["CHROMIUM_ARGS", "KEYS", "KEY_INTERVAL_S", "POLL_MS", "SCROLL_FRAMES", "SCROLL_JS", "SCROLL_LINES", "SWEEP_STEPS",
           "UNTHROTTLED_ARGS", "WARMUP_KEYS", "Browser", "Figures", "PageSource", "chromium_path", "file_mb", "heap",
           "open_page", "renderer_mb", "summary"]

#: The flags Chromium needs here: no sandbox as root, no GPU, no traffic of its own.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic", "--disable-dev-shm-usage"]
#: Frames as fast as the page can make them, not at the display's 60 Hz: a frame interval is
#: then the work of that frame (with vsync every interval is at least 16.7 ms).
UNTHROTTLED_ARGS = ["--disable-gpu-vsync", "--disable-frame-rate-limit"]
VIEWPORT = {"width": 1200, "height": 800}

KEYS = 300          # measured keystrokes, in the middle of the file
WARMUP_KEYS = 20
SCROLL_FRAMES = 600
SCROLL_LINES = 60   # lines a frame
SWEEP_STEPS = 100   # positions visited from the top to the bottom of the file, for memory
#: How often (ms) Playwright looks whether a keystroke was painted. Its default, every
#: animation frame, keeps the page's main thread busy (unthrottled, all the time) and
#: delayed our page's WebSocket messages by about 10 ms; a timer is nearly free.
POLL_MS = 5
#: The pause after a keystroke is painted, before the next one: at most 20 keys a second,
#: faster than a fast typist. (The wait for the paint polls the page every ``POLL_MS``; each
#: poll is a task on the page's thread, which can delay an update arriving meanwhile.)
KEY_INTERVAL_S = 0.05

#: What a session measured: name -> number (ms, MB, counts) or list of samples.
Figures = dict[str, Any]


def chromium_path() -> str | None:
    """Debian's Chromium (``$SYMPHONY_CHROMIUM`` to use another), if installed."""
    path = os.environ.get("SYMPHONY_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not path and os.path.exists("/usr/bin/chromium"):
        path = "/usr/bin/chromium"
    return path or None


def file_mb() -> int:
    """The size of the benchmark file in MB (``$SYMPHONY_BENCH_MB``, default 100)."""
    return int(os.environ.get("SYMPHONY_BENCH_MB", "100"))


def summary(samples: list[float]) -> dict[str, float]:
    """p50, p95, p99 and the count of a list of samples."""
    if not samples:
        return {"p50": float("nan"), "p95": float("nan"), "p99": float("nan"), "n": 0}
    return {"p50": percentile(samples, 0.50), "p95": percentile(samples, 0.95), "p99": percentile(samples, 0.99),
            "n": len(samples)}


class PageSource(Protocol):
    """Where a driver gets its page: ``Browser``, or a test's wrapper of its own browser."""

    def new_page(self) -> Any: ...


def open_page(browser: Any) -> Any:
    """A page of a Playwright ``browser`` in a context of its own (the viewport of the runs);
    uncaught exceptions and a crash are recorded in its ``errors`` list."""
    context = browser.new_context(viewport=VIEWPORT)
    page: Any = context.new_page()
    page.errors = []
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    page.on("crash", lambda *_: page.errors.append("the tab crashed"))
    return page


class Browser:
    """Headless Chromium through Playwright's sync API (never ``playwright install``: the
    system browser is used through ``executable_path``)."""

    def __init__(self, extra_args: list[str] | None = None) -> None:
        path = chromium_path()
        if path is None:
            raise NotImplementedError("no chromium (apt-get install chromium)")
        try:
            from playwright.sync_api import sync_playwright
        except ImportError:
            raise NotImplementedError("playwright is not installed (pip install -e '.[dev]')") from None
        self._pw = sync_playwright().start()
        try:
            self.browser: Any = self._pw.chromium.launch(executable_path=path, headless=True,
                                                    args=CHROMIUM_ARGS + (extra_args or []))
        except BaseException:
            self._pw.stop()
            raise

    def new_page(self) -> Any:
        """A page in a context of its own (``open_page``)."""
        return open_page(self.browser)

    def close(self) -> None:
        try:
            self.browser.close()
        finally:
            self._pw.stop()


def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="utf-8", errors="replace") as f:
                parent = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(parent, []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def renderer_mb() -> float:
    """The private memory (MB, clean + dirty, from ``smaps_rollup``) of the largest Chromium
    renderer process started by this process: the page's own process when one page is open.
    It counts what the JS heap figure leaves out: strings Blink keeps outside V8's heap (a
    fetched text is one), the DOM, layers. NaN where /proc cannot tell."""
    sizes = []
    for pid in _descendants(os.getpid()):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                if b"--type=renderer" not in f.read():
                    continue
            private = 0
            with open(f"/proc/{pid}/smaps_rollup", encoding="utf-8") as f:
                for line in f:
                    if line.startswith(("Private_Clean:", "Private_Dirty:")):
                        private += int(line.split()[1]) * 1024
        except (OSError, ValueError):
            continue
        sizes.append(private / 1e6)
    return max(sizes, default=float("nan"))


def heap(page: Any) -> dict[str, float]:
    """The page's JS heap in MB after a full garbage collection, its DOM element count, and
    its renderer process's private memory in MB (``renderer_mb``)."""
    cdp = page.context.new_cdp_session(page)
    try:
        cdp.send("Performance.enable")
        cdp.send("HeapProfiler.collectGarbage")
        metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
    finally:
        cdp.detach()
    return {"heap_mb": metrics.get("JSHeapUsedSize", 0.0) / 1e6,
            "dom_nodes": float(page.evaluate("() => document.getElementsByTagName('*').length")),
            "renderer_mb": renderer_mb()}


#: ``frames`` animation frames, each calling ``window[hook](lines)``: the intervals between the
#: frames as this loop sees them (``loop``, the same for both editors), our page's own
#: ``metrics.frames`` and ``renderMs`` when it is ours, and how many of the painted lines were
#: still blank (not yet sent by the core) over all frames.
SCROLL_JS = """async ({frames, lines, hook}) => {
  const ts = [];
  let blank = 0, shown = 0;
  const s = window.symphony;
  if (s) s.resetMetrics();
  for (let i = 0; i < frames; i++) {
    await new Promise((r) => requestAnimationFrame(r));
    ts.push(performance.now());
    if (s) {
      const vis = s.visibleLines();
      shown += vis.length;
      for (const t of vis) if (t === null) blank++;
    }
    window[hook](lines);
  }
  await new Promise((r) => requestAnimationFrame(r));
  ts.push(performance.now());
  const loop = [];
  for (let i = 1; i < ts.length; i++) loop.push(ts[i] - ts[i - 1]);
  const page = s ? s.metrics.frames.slice() : [];
  const render = s && s.metrics.renderMs ? s.metrics.renderMs.slice() : [];
  return {loop, page, render, blank, shown};
}"""

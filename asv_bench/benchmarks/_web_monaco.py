"""The peer of the ``web`` benchmarks: Monaco, the editor of VS Code, in the same Chromium.

Monaco comes from the npm registry (``npm install monaco-editor@MONACO_VERSION`` into
``~/.cache/symphony-bench/monaco``, or ``$SYMPHONY_BENCH_MONACO_DIR``, on first use; without
npm or the registry the Monaco rows are skipped). A static page served on 127.0.0.1 from a
thread loads its AMD build (``min/vs/loader.js``, no bundler), creates an editor with the
defaults a user gets (minimap off: our page draws none), fetches the benchmark file from the
same server and makes it the editor's model. It measures what our page measures, the same way:

- keystroke: ``performance.now()`` in a capturing ``keydown`` listener, to the
  ``requestAnimationFrame`` callback requested in ``onDidChangeModelContent`` (Monaco renders
  in an animation frame requested before it, so that callback runs after the new text is drawn);
- first screen: from creating the model of the fetched text (and, for the "with load" figure,
  from the fetch) to the first animation frame with text in ``.view-line``;
- scrolling: ``editor.setScrollTop`` by 60 line heights once a frame;
- memory: the JS heap and the DOM element count, as for our page.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from ._web_browser import (KEY_INTERVAL_S, KEYS, POLL_MS, SCROLL_FRAMES, SCROLL_JS, SCROLL_LINES, SWEEP_STEPS, WARMUP_KEYS, Figures,
                           PageSource)

__all__ = ["MONACO_VERSION", "MonacoDriver", "StaticSite", "monaco_dir"]

#: The Monaco release measured (its AMD build is deprecated but still shipped).
MONACO_VERSION = "0.58.0"

_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>Monaco benchmark</title>
<style>html, body { margin: 0; height: 100%; overflow: hidden; } #ed { position: absolute; inset: 0; }</style>
</head><body><div id="ed"></div>
<script src="monaco/min/vs/loader.js"></script>
<script>
require.config({ paths: { vs: "monaco/min/vs" } });
const bench = window.bench = { keyToPaint: [], pending: [], ready: false, editor: null, error: null };
window.addEventListener("keydown", () => { bench.pending.push(performance.now()); }, true);
require(["vs/editor/editor.main"], () => {
  bench.editor = monaco.editor.create(document.getElementById("ed"),
    { value: "", language: "plaintext", minimap: { enabled: false } });
  bench.editor.onDidChangeModelContent(() => {
    const keys = bench.pending.splice(0);
    if (!keys.length) return;
    requestAnimationFrame(() => {
      const now = performance.now();
      for (const t of keys) bench.keyToPaint.push(now - t);
    });
  });
  bench.ready = true;
}, (err) => { bench.error = String(err); });
</script></body></html>
"""

_OPEN_JS = """async (url) => {
  const t0 = performance.now();
  const text = await (await fetch(url)).text();
  const t1 = performance.now();
  const model = monaco.editor.createModel(text, "plaintext");
  bench.editor.setModel(model);
  const t2 = performance.now();
  for (;;) {
    await new Promise((r) => requestAnimationFrame(r));
    const line = document.querySelector("#ed .view-lines .view-line");
    if (line && line.textContent.length) break;
  }
  const t3 = performance.now();
  return {fetch_ms: t1 - t0, model_ms: t2 - t1, first_screen_ms: t3 - t1, first_screen_with_load_ms: t3 - t0,
          lines: model.getLineCount()};
}"""

_SWEEP_JS = """async (steps) => {
  const ed = bench.editor;
  const height = ed.getScrollHeight();
  for (let k = 0; k <= steps; k++) {
    ed.setScrollTop(k * height / steps);
    await new Promise((r) => requestAnimationFrame(r));
    await new Promise((r) => requestAnimationFrame(r));
  }
}"""


def _cache_dir() -> str:
    return os.environ.get("SYMPHONY_BENCH_MONACO_DIR") or os.path.join(
        os.path.expanduser("~"), ".cache", "symphony-bench", "monaco")


def monaco_dir(install: bool = True) -> str:
    """The ``monaco-editor`` package directory, installed with npm on first use (unless not
    ``install``); raises NotImplementedError (the benchmark is skipped) when it is not there
    and cannot be installed."""
    cache = _cache_dir()
    root = os.path.join(cache, "node_modules", "monaco-editor")

    def installed() -> bool:
        try:
            with open(os.path.join(root, "package.json"), encoding="utf-8") as f:
                version = json.load(f).get("version")
        except (OSError, ValueError):
            return False
        return version == MONACO_VERSION and os.path.isfile(os.path.join(root, "min", "vs", "loader.js"))

    if installed():
        return root
    if not install:
        raise NotImplementedError(f"monaco-editor {MONACO_VERSION} is not installed in {cache}")
    npm = shutil.which("npm")
    if npm is None:
        raise NotImplementedError("no npm to install monaco-editor")
    os.makedirs(cache, exist_ok=True)
    try:
        done = subprocess.run([npm, "install", "--prefix", cache, "--no-audit", "--no-fund", "--ignore-scripts",
                               "--no-save", f"monaco-editor@{MONACO_VERSION}"],
                              capture_output=True, text=True, timeout=600)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise NotImplementedError(f"npm install monaco-editor failed: {exc}") from None
    if done.returncode != 0 or not installed():
        raise NotImplementedError(f"npm install monaco-editor failed: {(done.stderr or done.stdout)[-300:]}")
    return root


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        pass


class StaticSite:
    """A directory of links served by ``http.server`` on 127.0.0.1 from a thread: ``files``
    maps a name in the site to a file or directory on disk; ``pages`` a name to its text."""

    def __init__(self, files: dict[str, str], pages: dict[str, str]) -> None:
        self.dir = tempfile.mkdtemp(prefix="symphony-web-bench-site-")
        for name, target in files.items():
            os.symlink(target, os.path.join(self.dir, name))
        for name, text in pages.items():
            with open(os.path.join(self.dir, name), "w", encoding="utf-8") as f:
                f.write(text)
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=self.dir))
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True, name="monaco-site")
        self.thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(10)
        shutil.rmtree(self.dir, ignore_errors=True)


class MonacoDriver:
    """The Monaco page, driven as ``_web_page.SymphonyDriver`` drives ours."""

    name = "monaco"

    def __init__(self, browser: PageSource, path: str, root: str) -> None:
        self.site = StaticSite({"monaco": root, "file.txt": path}, {"index.html": _PAGE})
        try:
            self.page = browser.new_page()
        except BaseException:
            self.site.stop()
            raise

    def _eval(self, js: str, arg: Any = None) -> Any:
        return self.page.evaluate(js, arg)

    def open(self) -> Figures:
        self.page.goto(self.site.url + "index.html")
        self.page.wait_for_function("() => window.bench && (window.bench.ready || window.bench.error)",
                                    timeout=120_000, polling=50)
        error = self._eval("() => window.bench.error")
        if error:
            raise RuntimeError(f"Monaco did not load: {error}")
        out = self._eval(_OPEN_JS, self.site.url + "file.txt")
        self.lines = int(out.pop("lines"))
        return out

    def type_keys(self, keys: int = KEYS, warmup: int = WARMUP_KEYS) -> Figures:
        middle = self.lines // 2
        self._eval("""(line) => {
            const ed = bench.editor;
            ed.setPosition({lineNumber: line, column: 1});
            ed.revealLineInCenter(line);
            ed.focus();
        }""", middle)
        self._idle()
        self._type(warmup)
        self._idle()
        self._eval("() => { bench.keyToPaint.length = 0; }")
        self._type(keys)
        return {"key_to_paint": self._eval("() => bench.keyToPaint.slice()")}

    def _idle(self) -> None:
        self._eval("() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))")

    def _type(self, n: int) -> None:
        count = self._eval("() => bench.keyToPaint.length")
        for i in range(n):
            self.page.keyboard.press("x" if i % 20 else "y")
            count += 1
            self.page.wait_for_function("(n) => bench.keyToPaint.length >= n", arg=count, timeout=60_000,
                                        polling=POLL_MS)
            time.sleep(KEY_INTERVAL_S)

    def scroll(self, frames: int = SCROLL_FRAMES) -> Figures:
        self._eval("""() => {
            const ed = bench.editor;
            const lh = ed.getOption(monaco.editor.EditorOption.lineHeight);
            ed.setScrollTop(0);
            window.__benchScroll = (n) => ed.setScrollTop(ed.getScrollTop() + n * lh);
        }""")
        self._idle()
        out = self._eval(SCROLL_JS, {"frames": frames, "lines": SCROLL_LINES, "hook": "__benchScroll"})
        self._idle()
        return out

    def sweep(self, steps: int = SWEEP_STEPS) -> None:
        self._eval(_SWEEP_JS, steps)

    def close(self) -> None:
        try:
            self.page.context.close()
        finally:
            self.site.stop()

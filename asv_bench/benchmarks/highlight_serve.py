"""Highlighting through ``symphony serve`` as a user runs it (the bundled plugins on), against
the same core with plugins off, in the same run.

- ``HighlightedTyping``: keystroke-to-``update`` in a 100 MB Python file (the standard
  library's source, repeated), typed in the middle of the first screen: the frontend's update
  is timed, while the highlighter follows each edit in its own process (and colours the rest
  of the file in the background). Typing starts ``SETTLE`` seconds after the first coloured
  screen, once the plugins have started and read the file (their start is not typing's
  cost); ``INSERTS`` keystrokes, so that the p99 is not one stray sample. Both cores run at
  once and are typed into in turn. Target: p99 at most 1.2x typing with highlighting off.
- ``HighlightedOpen``: opening a 10 MB Python file, to the first ``update`` whose screen
  carries syntax styles, against the first (plain) ``update`` of the core without plugins.
  Target: at most 1.5x.

``SYMPHONY_BENCH_MB`` sets the typing file's size (default 100).
"""

from __future__ import annotations

import os
import sys
import tempfile
import threading
import time
from typing import Any

from ._editor_client import Core, percentile
from .highlight import BIG_MB, MB, python_text

INSERTS = 1000
SETTLE = 2.0
ON = [sys.executable, "-m", "symphony", "serve"]
OFF = [sys.executable, "-m", "symphony", "serve", "--no-plugins"]


def python_file(megabytes: int) -> str:
    path = os.path.join(tempfile.gettempdir(), f"symphony-bench-{megabytes}mb.py")
    if not os.path.exists(path) or os.path.getsize(path) < megabytes * MB * 0.99:
        with open(path + ".tmp", "w", encoding="utf-8") as f:
            f.write(python_text(megabytes * MB))
        os.replace(path + ".tmp", path)
    return path


class StyledCore(Core):
    """A ``Core`` that also notes when an ``update`` first carries a syntax style (id >= 2)."""

    def __init__(self, argv: list[str]) -> None:
        self.styled = threading.Event()
        super().__init__(argv)

    def _on_notification(self, method: str, params: Any) -> None:
        if method == "update" and not self.styled.is_set():
            for op in params["update"]["ops"]:
                for line in op.get("lines") or ():
                    if any(sid >= 2 for sid in (line.get("styles") or [])[2::3]):
                        self.styled.set()
        super()._on_notification(method, params)


_TYPING: dict[str, list[float]] = {}


def typing_samples() -> dict[str, list[float]]:
    if _TYPING:
        return _TYPING
    path = python_file(BIG_MB)
    cores = {}
    try:
        for impl, argv in (("symphony", ON), ("no-highlight", OFF)):
            core = cores[impl] = StyledCore(argv)
            core.open(path)
            core.edit("goto_line", {"line": 30})
            if impl == "symphony":
                core.styled.wait(600)
            core.settle(0.3)
            if impl == "symphony":
                time.sleep(SETTLE)
            for _ in range(20):
                core.keystroke()
        for impl in cores:
            _TYPING[impl] = []
        for i in range(INSERTS):
            for impl, core in cores.items():
                _TYPING[impl].append(core.keystroke("x" if i % 20 else "\n") * 1e3)
    finally:
        for core in cores.values():
            core.close()
    return _TYPING


class HighlightedTyping:
    """Typing in a 100 MB Python file with the highlighter on, and with plugins off."""

    params = [["symphony", "no-highlight"]]
    param_names = ["impl"]
    unit = "ms"
    repeat = 1
    timeout = 1800

    def setup(self, impl: str) -> None:
        self.samples = typing_samples()[impl]

    def track_keystroke_p50(self, impl: str) -> float:
        return percentile(self.samples, 0.50)

    def track_keystroke_p99(self, impl: str) -> float:
        return percentile(self.samples, 0.99)
    track_keystroke_p99.target = 1.2  # type: ignore[attr-defined]


class HighlightedOpen:
    """Opening a 10 MB Python file: the first highlighted screen, and the first plain one."""

    params = [["symphony", "plain"]]
    param_names = ["impl"]
    unit = "ms"
    repeat = 1
    timeout = 900

    def track_first_screen(self, impl: str) -> float:
        path = python_file(10)
        core = StyledCore(ON if impl == "symphony" else OFF)
        try:
            t = time.perf_counter()
            first = core.open(path)
            if impl == "symphony":
                core.styled.wait(600)
                return (time.perf_counter() - t) * 1e3
            return first * 1e3
        finally:
            core.close()
    track_first_screen.target = 1.5  # type: ignore[attr-defined]

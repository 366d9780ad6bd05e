"""One measuring session of an editor in the browser, run once per process: the ``web``
benchmark classes read its figures in ``setup`` (a session opens a 100MB file in a tab, too
costly to repeat per figure). Under ``asv run``, a process per benchmark, each benchmark runs
its own session."""

from __future__ import annotations

import json
import os
import sys
import time
from typing import Any, Callable

from ._editor_client import big_file
from ._web_browser import (KEYS, SCROLL_FRAMES, SWEEP_STEPS, UNTHROTTLED_ARGS, WARMUP_KEYS, Browser, Figures, file_mb,
                           heap)
from ._web_monaco import MonacoDriver, monaco_dir
from ._web_page import SymphonyDriver

__all__ = ["drive", "session"]

_SESSIONS: dict[tuple[str, str], Figures | BaseException] = {}


def drive(driver: Any, keys: int = KEYS, warmup: int = WARMUP_KEYS, frames: int = SCROLL_FRAMES,
          steps: int = SWEEP_STEPS) -> Figures:
    """Open, type ``keys`` keys (after ``warmup``), scroll ``frames`` frames, sweep the file in
    ``steps`` jumps: every figure of one editor (its driver) on one file."""
    figures: Figures = {"impl": driver.name}
    figures.update(driver.open())
    figures["heap_open"] = heap(driver.page)
    figures.update(driver.type_keys(keys, warmup))
    figures["scroll"] = driver.scroll(frames)
    driver.sweep(steps)
    figures["heap_after"] = heap(driver.page)
    figures["errors"] = list(driver.page.errors)
    if hasattr(driver, "socket_floor"):  # last: it takes the server over from the page
        figures["socket_floor"] = driver.socket_floor(keys, warmup)
    return figures


def _run(impl: str, frames: str) -> Figures:
    make: Callable[[Browser, str], Any]
    if impl == "symphony":
        make = SymphonyDriver
    else:
        root = monaco_dir()  # NotImplementedError without npm or the registry

        def make(browser: Browser, path: str) -> Any:
            return MonacoDriver(browser, path, root)
    browser = Browser(UNTHROTTLED_ARGS if frames == "unthrottled" else None)
    try:
        mb = file_mb()
        while True:
            path = big_file(mb)
            driver = make(browser, path)
            started = time.perf_counter()
            try:
                figures = drive(driver)
            except Exception as exc:  # noqa: BLE001 - the peer may not hold the file: halve it
                if impl == "symphony" or mb <= 1:
                    raise
                print(f"    {impl} failed at {mb} MB ({exc!r:.200}); trying {mb // 2} MB", file=sys.stderr)
                mb //= 2
                continue
            finally:
                driver.close()
            figures["file_mb"] = os.path.getsize(path) / 1e6
            figures["session_s"] = time.perf_counter() - started
            return figures
    finally:
        browser.close()


def _dump(impl: str, frames: str, figures: Any) -> None:
    folder = os.environ.get("SYMPHONY_BENCH_WEB_DUMP")
    if folder:
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, f"web-{impl}-{frames}.json"), "w", encoding="utf-8") as f:
            json.dump(figures, f)


def session(impl: str, frames: str = "vsync") -> Figures:
    """The figures of one session of ``impl`` ("symphony" or "monaco") in a Chromium whose
    frames are ``"vsync"`` (60 Hz, the default) or ``"unthrottled"``; run once per process.
    Raises what the session raised (NotImplementedError: no browser, no Monaco)."""
    key = (impl, frames)
    if key not in _SESSIONS:
        try:
            _SESSIONS[key] = _run(impl, frames)
            _dump(impl, frames, _SESSIONS[key])
        except Exception as exc:  # noqa: BLE001 - kept, so the other benchmarks of it do not run it again
            _SESSIONS[key] = exc
    got = _SESSIONS[key]
    if isinstance(got, BaseException):
        raise got
    return got

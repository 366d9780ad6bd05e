"""The browser benchmarks' harness (``python -m asv_bench web``) on a 1MB file and a few
keystrokes, so a change to the page or its hooks that breaks the benchmark is seen in the test
run, not on the day of a measurement. No timing is asserted: only that every figure is there.

Monaco's side runs only when ``monaco-editor`` is already in the benchmark's cache (the test
never installs it: that is ``python -m asv_bench web``'s first run)."""

from __future__ import annotations

import math
import types
from pathlib import Path

import pytest

from asv_bench.benchmarks._editor_client import big_file
from asv_bench.benchmarks._web_browser import open_page
from asv_bench.benchmarks._web_monaco import MonacoDriver, monaco_dir
from asv_bench.benchmarks._web_page import SymphonyDriver
from asv_bench.benchmarks._web_session import drive

STATIC = Path(__file__).resolve().parents[2] / "symphony" / "web" / "static" / "main.js"
KEYS = 5


def _check(figures: dict, keys: bool) -> None:
    assert figures["errors"] == []
    assert figures["first_screen_ms"] > 0
    assert len(figures["key_to_paint"]) == KEYS
    if keys:
        assert len(figures["core_edit_to_update"]) == KEYS
        assert len(figures["key_to_confirm"]) == KEYS
        assert figures["echo"]["predicted"] == KEYS  # typed in the middle of a line: every key echoed
        assert len(figures["socket_floor"]) == KEYS
        assert figures["core_first_update_ms"] > 0
    assert len(figures["scroll"]["loop"]) == 20
    for when in ("heap_open", "heap_after"):
        assert figures[when]["heap_mb"] > 0 and figures[when]["dom_nodes"] > 0
        assert not math.isnan(figures[when]["renderer_mb"])


def test_our_page_gives_every_figure(browser) -> None:
    if not STATIC.exists():
        pytest.skip("the page (symphony/web/static) is not there yet")
    driver = SymphonyDriver(types.SimpleNamespace(new_page=lambda: open_page(browser)), big_file(1))
    try:
        figures = drive(driver, keys=KEYS, warmup=2, frames=20, steps=3)
    finally:
        driver.close()
    _check(figures, keys=True)


def test_monaco_page_gives_every_figure(browser) -> None:
    try:
        root = monaco_dir(install=False)
    except NotImplementedError as exc:
        pytest.skip(str(exc))
    driver = MonacoDriver(types.SimpleNamespace(new_page=lambda: open_page(browser)), big_file(1), root)
    try:
        figures = drive(driver, keys=KEYS, warmup=2, frames=20, steps=3)
    finally:
        driver.close()
    _check(figures, keys=False)

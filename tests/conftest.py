"""Shared fixtures: nodes that are always stopped, and both twins of each speedup."""

from __future__ import annotations

import threading

import pytest


@pytest.fixture
def no_leaked_threads():
    """Fail the test if it leaves a thread running that it started."""
    before = set(threading.enumerate())
    yield
    import time

    deadline = time.monotonic() + 5.0
    while time.monotonic() < deadline:
        leaked = [t for t in threading.enumerate() if t not in before and t.is_alive()]
        if not leaked:
            return
        time.sleep(0.01)
    raise AssertionError(f"threads left running: {leaked}")

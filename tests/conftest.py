"""Shared fixtures: nodes that are always stopped, and both twins of each speedup."""

from __future__ import annotations

import os
import threading
import time
from typing import Callable

import pytest


@pytest.fixture(autouse=True, scope="session")
def private_symphony_home(tmp_path_factory):
    """The extension host's home and the conductor's store in a temporary directory, for this
    process and every ``symphony`` process a test starts: a test run never reads or writes
    the user's ``~/.config/symphony`` or ``~/.local/share/symphony``."""
    root = tmp_path_factory.mktemp("symphony-home")
    saved = {key: os.environ.get(key) for key in ("SYMPHONY_HOME", "SYMPHONY_CONDUCTOR_STORE")}
    os.environ["SYMPHONY_HOME"] = str(root / "home")
    os.environ["SYMPHONY_CONDUCTOR_STORE"] = str(root / "conductor")
    yield root
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


def wait_until(condition: Callable[[], object], timeout: float = 30.0, interval: float = 0.02) -> bool:
    """Poll ``condition`` until it is true or ``timeout`` seconds pass; its last truth value.

    For waiting on a state another thread or process reaches (never for a duration): the
    generous timeout only bounds a test that would otherwise hang.
    """
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() >= deadline:
            return bool(condition())
        time.sleep(interval)
    return True


@pytest.fixture
def no_leaked_threads():
    """Fail the test if it leaves a thread running that it started."""
    before = set(threading.enumerate())
    yield
    deadline = time.monotonic() + 5.0
    while time.monotonic() < deadline:
        leaked = [t for t in threading.enumerate() if t not in before and t.is_alive()]
        if not leaked:
            return
        time.sleep(0.01)
    raise AssertionError(f"threads left running: {leaked}")


@pytest.fixture
def node(no_leaked_threads):
    """A node with two dispatcher threads, stopped (and checked for leaked threads) after the test."""
    from symphony import Node

    with Node("test", threads=2) as n:
        yield n


class Gate:
    """Blocks an actor in ``on_receive`` until released, and tells the test when it is blocked."""

    def __init__(self) -> None:
        self.entered = threading.Event()
        self.release = threading.Event()

    def hold(self, timeout: float = 10.0) -> None:
        self.entered.set()
        self.release.wait(timeout)


@pytest.fixture
def gate():
    g = Gate()
    yield g
    g.release.set()

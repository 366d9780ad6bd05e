"""The ``symphony`` command, run as a real subprocess, both with and without the compiled speedups."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

import symphony


def run(*args, pure=False, timeout=120):
    env = dict(os.environ)
    env.pop("SYMPHONY_PURE_PYTHON", None)
    if pure:
        env["SYMPHONY_PURE_PYTHON"] = "1"
    return subprocess.run([sys.executable, "-m", "symphony", *args], capture_output=True, text=True,
                          env=env, timeout=timeout)


def test_version():
    out = run("--version")
    assert out.returncode == 0 and symphony.__version__ in out.stdout


@pytest.mark.parametrize("pure", [False, True], ids=["default", "pure"])
def test_info(pure):
    out = run("info", pure=pure)
    assert out.returncode == 0, out.stderr
    assert f"symphony {symphony.__version__}" in out.stdout
    assert "speedups:" in out.stdout and "transports:" in out.stdout
    if pure:
        assert "pure Python" in out.stdout


@pytest.mark.parametrize("pure", [False, True], ids=["default", "pure"])
def test_demo_runs_and_reports(pure):
    out = run("demo", "--actors", "300", "--messages", "3000", "--no-progress", pure=pure)
    assert out.returncode == 0, out.stderr
    text = out.stdout
    assert "spawned 300 actors" in text
    assert "CRITICAL#0, CRITICAL#1, CRITICAL#2, 500#0" in text and text.index("LOW#2") < text.index("BACKGROUND#0")
    assert "3 CRITICAL messages outlived their 50 ms TTL" in text
    assert "confirmed all 3,000" in text
    assert "node threads left: 0" in text


def test_bad_arguments_are_refused():
    out = run("demo", "--actors", "0")
    assert out.returncode == 2 and "--actors: must be at least 1" in out.stderr and not out.stdout
    assert run("no-such-command").returncode == 2
    assert run().returncode == 2


def test_asyncio_example_runs():
    example = os.path.join(os.path.dirname(__file__), "..", "..", "examples", "asyncio_host.py")
    out = subprocess.run([sys.executable, example], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "MessageExpired: yes" in out.stdout

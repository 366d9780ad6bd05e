"""Stores in temporary directories, always closed; writer processes killed mid-put."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest

import symphony
from symphony.artifacts import ArtifactStore

#: The folder that holds the ``symphony`` package, for child processes' import path.
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(symphony.__file__)))


def child_env() -> dict[str, str]:
    """This process's environment, with ``symphony`` (and what it imports) importable."""
    return dict(os.environ, PYTHONPATH=os.pathsep.join([ROOT, *sys.path]))


def kill_9_after(script: str, path: object, count: int) -> list[list[str]]:
    """Run ``python -c script path``; once it has printed ``count`` lines, SIGKILL it.

    Returns every line it printed (split into words), those it got out before dying too:
    what a writer acknowledged, in order.
    """
    proc = subprocess.Popen([sys.executable, "-c", script, str(path)], stdout=subprocess.PIPE, env=child_env())
    lines: list[list[str]] = []
    try:
        assert proc.stdout is not None
        while len(lines) < count:
            line = proc.stdout.readline()
            assert line, "writer died early"
            lines.append(line.decode().split())
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        if proc.stdout is not None:
            lines.extend(line.decode().split() for line in proc.stdout.read().splitlines() if line.strip())
            proc.stdout.close()
    return lines


@pytest.fixture
def store(tmp_path):
    s = ArtifactStore(tmp_path / "store", shards=3)
    yield s
    s.close()

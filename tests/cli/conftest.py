"""Run the real ``symphony`` command in a subprocess, and check how it fails."""

from __future__ import annotations

import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent.parent


def symphony(*args: str, cwd: str | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """``python -m symphony ARGS`` (in the mode the test run is in: compiled or pure)."""
    return subprocess.run([sys.executable, "-m", "symphony", *args], capture_output=True, text=True,
                          timeout=timeout, cwd=cwd or str(ROOT))


def one_line_error(out: subprocess.CompletedProcess[str], command: str, *needles: str) -> str:
    """Assert the subprocess ``out`` failed with exactly one line on stderr, prefixed
    ``symphony COMMAND:``, holding every needle and no traceback; return the line."""
    assert out.returncode != 0, (out.stdout, out.stderr)
    return one_line(out.stderr, command, *needles)


def one_line(stderr: str, command: str, *needles: str) -> str:
    """Assert ``stderr`` is one line, prefixed ``symphony COMMAND:``, holding every needle."""
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in stderr, stderr
    line = lines[0]
    assert line.startswith(f"symphony {command}: "), line
    for needle in needles:
        assert needle in line, line
    return line

"""Quality scores: the evaluator operators a template names, and a test run as one of them.

An evaluator is an operator called with ``{"output": the task's output, "task": {"kind",
"input", "context"}}`` that returns a score in [0, 1]. :class:`TestRun` is the one that
runs the project's tests: it copies the project to a temporary directory, writes the output
into the file under test, runs pytest there in a subprocess and scores the share of tests
that passed (the project itself is never touched).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any, Sequence

__all__ = ["TestRun"]

_IGNORED = shutil.ignore_patterns(".git", "__pycache__", ".venv", ".pytest_cache", "*.pyc")


class TestRun:
    """An evaluator operator: the share of ``project``'s tests that pass with the task's
    output written to ``target`` (a path relative to the project).

    Runs ``python -m pytest`` on a temporary copy (``timeout`` seconds at most; a run that
    times out scores 0). A project with no tests, or an output that is not text, scores 0.
    """

    __test__ = False  # not a pytest test class, despite its name

    def __init__(self, project: str | os.PathLike[str], target: str, *, timeout: float = 120.0,
                 python: str = sys.executable, args: Sequence[str] = ()) -> None:
        self.project = Path(project).resolve()
        if not self.project.is_dir():
            raise ValueError(f"{self.project}: not a directory")
        if Path(target).is_absolute() or ".." in Path(target).parts:
            raise ValueError(f"target must be a path inside the project, not {target!r}")
        self.target = target
        self.timeout = float(timeout)
        self.python = python
        self.args = tuple(args)

    def __call__(self, inputs: dict[str, Any]) -> float:
        output = inputs.get("output")
        if not isinstance(output, str):
            return 0.0
        with tempfile.TemporaryDirectory(prefix="symphony-testrun-") as tmp:
            copy = Path(tmp) / "project"
            shutil.copytree(self.project, copy, ignore=_IGNORED, symlinks=True)
            target = copy / self.target
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(output, encoding="utf-8")
            report = Path(tmp) / "report.xml"
            env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
            try:
                subprocess.run([self.python, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                                f"--junitxml={report}", *self.args], cwd=copy, env=env, timeout=self.timeout,
                               stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            except subprocess.TimeoutExpired:
                return 0.0
            return pass_share(report)


def pass_share(report: Path) -> float:
    """Passed over run (skipped tests left out) in a JUnit XML report; 0 without one."""
    try:
        root = ET.parse(report).getroot()
    except (OSError, ET.ParseError):
        return 0.0
    suites = [root] if root.tag == "testsuite" else list(root.iter("testsuite"))
    total = failed = 0
    for suite in suites:
        tests = int(suite.get("tests", 0))
        skipped = int(suite.get("skipped", 0))
        total += tests - skipped
        failed += int(suite.get("failures", 0)) + int(suite.get("errors", 0))
    if total <= 0:
        return 0.0
    return max(0.0, min(1.0, (total - failed) / total))

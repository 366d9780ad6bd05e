"""The install never fails for lack of a compiler: the pure-Python twins run instead."""

from __future__ import annotations

import json
import os
import pathlib
import shutil
import subprocess
import sys
import zipfile

ROOT = pathlib.Path(__file__).resolve().parent.parent


def test_wheel_builds_and_runs_without_a_compiler(tmp_path):
    src = tmp_path / "src"
    shutil.copytree(ROOT, src, ignore=shutil.ignore_patterns(
        ".git", ".venv", "build", "dist", "*.egg-info", "*.so", "*.c", "__pycache__", ".hypothesis",
        ".pytest_cache", ".asv", "results", "html"))
    env = dict(os.environ, CC="/bin/false", CXX="/bin/false")
    env.pop("SYMPHONY_PURE_PYTHON", None)
    wheels = tmp_path / "wheels"
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                            "-q", "-w", str(wheels), str(src)], capture_output=True, text=True, env=env,
                           timeout=600)
    assert build.returncode == 0, build.stdout + build.stderr
    (wheel,) = wheels.glob("symphony_aide-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "symphony/py.typed" in names and "symphony/_speedups/_rope_py.py" in names
    assert "symphony/_speedups/_hash_py.py" in names
    # transports/ is installed as symphony.transports, never as a top-level package.
    assert "symphony/transports/_sealing_py.py" in names and "symphony/transports/_sealing.pyx" in names
    assert not [n for n in names if n.startswith("transports/")]
    assert not [n for n in names if n.endswith(".so")]  # nothing compiled, and that is fine
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)],
                   check=True, capture_output=True, timeout=300)
    probe = ("import importlib.util, json, symphony, symphony._speedups as s, symphony.transports.unix; "
             "assert symphony.__file__.startswith(%r), symphony.__file__; "
             "assert importlib.util.find_spec('transports') is None; "
             "print(json.dumps([s.COMPILED, s.status(), symphony.Rope('a\\nb').line(1)]))" % str(target))
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60,
                         env=dict(os.environ, PYTHONPATH=str(target)), cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    compiled, status, line = json.loads(out.stdout)
    assert compiled is False and line == "b"
    assert set(status) == {"_envelope", "_hash", "_linebreak", "_mailbox", "_pool", "_rope"} and set(status.values()) == {"pure"}

"""``symphony dag run SPEC`` and ``symphony dag status CHECKPOINT``."""

from __future__ import annotations

import sys

import pytest

from symphony.cli import main
from symphony.cli.dag import load_spec
from symphony.errors import WorkflowError

JOBS = """
def load():
    return [1, 2, 3]

def double(xs):
    return [2 * x for x in xs]

def total(xs):
    return sum(xs)

def fail(xs):
    raise RuntimeError("nope")
"""

SPEC = """
name = "etl"
[tasks.load]
fn = "cli_jobs:load"
[tasks.double]
fn = "cli_jobs:double"
deps = ["load"]
retries = 1
[tasks.total]
fn = "cli_jobs:total"
deps = ["double"]
timeout = 30
"""


@pytest.fixture
def jobs(tmp_path, monkeypatch):
    (tmp_path / "cli_jobs.py").write_text(JOBS)
    monkeypatch.syspath_prepend(str(tmp_path))
    yield tmp_path
    sys.modules.pop("cli_jobs", None)


def test_run_then_status(jobs, capsys):
    spec = jobs / "etl.toml"
    spec.write_text(SPEC)
    ckpt = str(jobs / "ck")
    assert main(["dag", "run", str(spec), "--checkpoint", ckpt, "--no-progress"]) == 0
    assert "total\t12" in capsys.readouterr().out
    assert main(["dag", "status", ckpt]) == 0
    out = capsys.readouterr().out
    assert "etl: 3 task(s) done" in out and "double" in out
    assert main(["dag", "status", str(jobs / "nothing")]) == 1


def test_failed_run_exit_code(jobs, capsys):
    spec = jobs / "bad.toml"
    spec.write_text(SPEC.replace("cli_jobs:double", "cli_jobs:fail"))
    assert main(["dag", "run", str(spec), "--no-progress"]) == 1
    err = capsys.readouterr().err
    assert "FAILED double" in err and "SKIPPED total" in err


@pytest.mark.parametrize("text, message", [
    ("name = 'x'", "no [tasks"),
    ("[tasks.a]\nfn = 3", "needs fn"),
    ("[tasks.a]\nfn = 'cli_jobs'", "module:function"),
    ("[tasks.a]\nfn = 'cli_jobs:missing'", "cannot load"),
    ("[tasks.a]\nfn = 'cli_jobs:load'\ncolour = 1", "unknown keys"),
    ("[tasks.a]\nfn = 'cli_jobs:load'\ndeps = 'b'", "deps must be"),
    ("[tasks.a\n", "cannot read"),
])
def test_bad_specs_are_clear_errors(jobs, text, message):
    spec = jobs / "s.toml"
    spec.write_text(text)
    with pytest.raises(WorkflowError, match=message.replace("[", r"\[")):
        load_spec(str(spec))
    assert main(["dag", "run", str(spec)]) == 2

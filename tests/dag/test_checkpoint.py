"""Checkpoints: completed tasks survive kill -9 and are never run again."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

import symphony
from symphony.dag import Workflow, read_checkpoint
from symphony.errors import WorkflowFailed

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(symphony.__file__)))

TASKS = textwrap.dedent("""
    import os, time

    LOG = os.environ["CKPT_LOG"]

    def _log(line):
        with open(LOG, "a") as fh:
            fh.write(line + "\\n")
            fh.flush()
            os.fsync(fh.fileno())

    def step(name):
        def run(*inputs):
            _log("start " + name)
            if name == "t12" and os.environ.get("CKPT_BLOCK"):
                time.sleep(60)
            return sum(inputs) + int(name[1:])
        run.__qualname__ = "step." + name
        return run

    def build():
        from symphony.dag import Workflow
        wf = Workflow("crashy")
        for i in range(24):
            deps = [f"t{j}" for j in (i - 1, i - 5) if j >= 0] if i % 6 else []
            wf.add(f"t{i}", step(f"t{i}"), deps=deps)
        return wf
""")

DRIVER = textwrap.dedent("""
    import sys
    import ckpt_tasks
    ckpt_tasks.build().run(checkpoint=sys.argv[1], max_concurrency=2)
""")


def _started(log: str) -> list[str]:
    if not os.path.exists(log):
        return []
    with open(log) as fh:
        return [line.split()[1] for line in fh if line.startswith("start ")]


def test_kill_9_mid_workflow_then_resume(tmp_path):
    (tmp_path / "ckpt_tasks.py").write_text(TASKS)
    log = str(tmp_path / "runs.log")
    ckpt = str(tmp_path / "ckpt")
    env = dict(os.environ, CKPT_LOG=log, CKPT_BLOCK="1",
               PYTHONPATH=os.pathsep.join([str(tmp_path), ROOT, *sys.path]))
    proc = subprocess.Popen([sys.executable, "-c", DRIVER, ckpt], env=env)
    try:
        deadline = time.monotonic() + 30
        while "t12" not in _started(log):
            assert proc.poll() is None, "driver exited early"
            assert time.monotonic() < deadline, "t12 never started"
            time.sleep(0.02)
        time.sleep(0.2)  # let the other branch make progress, then crash hard
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    first_run = _started(log)
    recorded = set(read_checkpoint(ckpt).get("crashy", {}))
    assert recorded and "t12" not in recorded
    assert recorded <= set(first_run)

    sys.path.insert(0, str(tmp_path))
    os.environ["CKPT_LOG"] = log
    try:
        import ckpt_tasks

        results = ckpt_tasks.build().run(checkpoint=ckpt)
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("ckpt_tasks", None)
    second_run = _started(log)[len(first_run):]
    assert not recorded & set(second_run), "a task recorded as done ran again"
    in_flight = set(first_run) - recorded
    assert set(second_run) == set(results) - recorded
    assert set(second_run) & set(first_run) <= in_flight
    # results are what an uninterrupted run computes
    expected: dict[str, int] = {}
    for i in range(24):
        deps = [f"t{j}" for j in (i - 1, i - 5) if j >= 0] if i % 6 else []
        expected[f"t{i}"] = sum(expected[d] for d in deps) + i
    assert results == expected


def test_rerun_restores_and_edited_task_reruns(tmp_path):
    calls = []
    ckpt = tmp_path / "ck"

    def a():
        calls.append("a")
        return 1

    def b(x):
        calls.append("b")
        return x + 1

    wf = Workflow("w")
    wf.add("a", a)
    wf.add("b", b, deps=["a"])
    assert wf.run(checkpoint=ckpt) == {"a": 1, "b": 2}
    assert wf.run(checkpoint=ckpt) == {"a": 1, "b": 2}
    assert calls == ["a", "b"]

    def b2(x):
        calls.append("b2")
        return x + 10

    wf2 = Workflow("w")
    wf2.add("a", a)
    wf2.add("b", b2, deps=["a"])
    assert wf2.run(checkpoint=ckpt) == {"a": 1, "b": 11}
    assert calls == ["a", "b", "b2"]
    status = read_checkpoint(ckpt)
    assert set(status["w"]) == {"a", "b"}


def test_unpicklable_result_fails_that_task(tmp_path):
    wf = Workflow("lam")
    wf.add("ok", lambda: 1)
    wf.add("bad", lambda: (lambda: None))
    with pytest.raises(WorkflowFailed) as info:
        wf.run(checkpoint=tmp_path / "ck")
    assert set(info.value.failures) == {"bad"} and info.value.results == {"ok": 1}


def test_failed_task_reruns_after_fix(tmp_path):
    state = {"fail": True}

    def maybe(base):
        if state["fail"]:
            raise RuntimeError("not yet")
        return "fixed"

    wf = Workflow("fix")
    wf.add("base", lambda: 5)
    wf.add("maybe", maybe, deps=["base"])
    with pytest.raises(WorkflowFailed):
        wf.run(checkpoint=tmp_path / "ck")
    state["fail"] = False
    assert wf.run(checkpoint=tmp_path / "ck") == {"base": 5, "maybe": "fixed"}

"""Workflows: validation, results, retries, timeouts, failure propagation, cancellation, events."""

from __future__ import annotations

import threading
import time

import pytest

from symphony.dag import Workflow
from symphony.errors import (
    CycleError,
    SymphonyError,
    TaskTimeout,
    WorkflowCancelled,
    WorkflowError,
    WorkflowFailed,
)


def test_results_follow_deps_in_order(node):
    wf = Workflow("arith")
    wf.add("two", lambda: 2)
    wf.add("three", lambda: 3)
    wf.add("sub", lambda a, b: a - b, deps=["three", "two"])
    wf.add("same", lambda a, b: a * b, deps=["two", "two"])
    assert wf.run(node=node) == {"two": 2, "three": 3, "sub": 1, "same": 4}
    assert Workflow("empty").run(node=node) == {}


def test_private_node_is_stopped(no_leaked_threads):
    wf = Workflow("private")
    wf.add("a", lambda: "x")
    assert wf.run() == {"a": "x"}


def test_validation_before_anything_runs(node):
    ran = []
    wf = Workflow("bad")
    wf.add("a", lambda: ran.append("a"))
    wf.add("b", lambda a: ran.append("b"), deps=["missing"])
    with pytest.raises(WorkflowError, match="missing"):
        wf.run(node=node)
    wf = Workflow("cyclic")
    wf.add("start", lambda: ran.append("start"))
    wf.add("x", lambda s, z: None, deps=["start", "z"])
    wf.add("y", lambda x: None, deps=["x"])
    wf.add("z", lambda y: None, deps=["y"])
    with pytest.raises(CycleError) as info:
        wf.run(node=node)
    assert info.value.cycle[0] == info.value.cycle[-1]
    assert set(info.value.cycle) == {"x", "y", "z"}
    assert isinstance(info.value, WorkflowError) and isinstance(info.value, SymphonyError)
    assert ran == []
    self_loop = Workflow("self")
    self_loop.add("a", lambda a: None, deps=["a"])
    with pytest.raises(CycleError):
        self_loop.validate()


def test_add_rejects_bad_input():
    wf = Workflow("w")
    wf.add("a", lambda: 1)
    with pytest.raises(WorkflowError):
        wf.add("a", lambda: 1)
    with pytest.raises(WorkflowError):
        wf.add("b", "not callable")  # type: ignore[arg-type]
    with pytest.raises(WorkflowError):
        wf.add("c", lambda: 1, retries=-1)
    with pytest.raises(WorkflowError):
        wf.add("d", lambda: 1, timeout=0)
    with pytest.raises(WorkflowError):
        Workflow("")


def test_retries_then_success(node):
    calls = []

    def flaky():
        calls.append(time.monotonic())
        if len(calls) < 3:
            raise RuntimeError("transient")
        return "ok"

    events = []
    wf = Workflow("flaky")
    wf.add("f", flaky, retries=3)
    assert wf.run(node=node, on_event=events.append) == {"f": "ok"}
    assert len(calls) == 3
    retries = [e for e in events if e["event"] == "task.retry"]
    assert [e["attempt"] for e in retries] == [1, 2]
    assert retries[1]["delay"] == 2 * retries[0]["delay"] > 0  # exponential backoff
    assert all(isinstance(e["error"], RuntimeError) for e in retries)


def test_failure_skips_dependents_and_independent_branches_finish(node):
    def boom(_):
        raise ValueError("bad input")

    wf = Workflow("partial")
    wf.add("root", lambda: 1)
    wf.add("bad", boom, deps=["root"], retries=1)
    wf.add("after_bad", lambda b: b, deps=["bad"])
    wf.add("after_after", lambda b: b, deps=["after_bad"])
    wf.add("good", lambda r: r + 1, deps=["root"])
    wf.add("good2", lambda g: g + 1, deps=["good"])
    with pytest.raises(WorkflowFailed) as info:
        wf.run(node=node)
    err = info.value
    assert set(err.failures) == {"bad"} and isinstance(err.failures["bad"], ValueError)
    assert err.results == {"root": 1, "good": 2, "good2": 3}
    assert err.skipped == ["after_after", "after_bad"]


def test_timeout_fails_task_and_late_result_is_ignored(node):
    release = threading.Event()

    def slow():
        release.wait(5)
        return "late"

    wf = Workflow("slow")
    wf.add("slow", slow, timeout=0.1)
    wf.add("fast", lambda: "fast")
    try:
        with pytest.raises(WorkflowFailed) as info:
            wf.run(node=node)
    finally:
        release.set()
    assert isinstance(info.value.failures["slow"], TaskTimeout)
    assert isinstance(info.value.failures["slow"], TimeoutError)
    assert info.value.results == {"fast": "fast"}


def test_timeout_with_retry_succeeds(node):
    attempts = []
    release = threading.Event()

    def sometimes_slow():
        attempts.append(1)
        if len(attempts) == 1:
            release.wait(10)  # held until the run is over: only the timeout can end this attempt
            return "too late"
        return "quick"

    wf = Workflow("retry-timeout")
    wf.add("t", sometimes_slow, timeout=1.0, retries=1)  # the quick retry has a second, even on a loaded machine
    try:
        assert wf.run(node=node) == {"t": "quick"}
    finally:
        release.set()
    assert len(attempts) == 2


def test_cancel_and_status(node):
    gate = threading.Event()
    started = threading.Event()

    def blocker():
        started.set()
        gate.wait(5)
        return 1

    wf = Workflow("cancel-me")
    wf.add("block", blocker)
    wf.add("next", lambda b: b, deps=["block"])
    handle = wf.run_async(node=node)
    assert started.wait(5)
    status = handle.status()
    assert status["running"] == ["block"] and status["total"] == 2 and not status["finished"]
    handle.cancel()
    with pytest.raises(WorkflowCancelled):
        handle.result(5)
    gate.set()
    assert handle.done() and handle.status()["finished"]


def test_max_concurrency(node):
    lock = threading.Lock()
    running = [0]
    peak = [0]

    def task():
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        time.sleep(0.01)
        with lock:
            running[0] -= 1

    wf = Workflow("limited")
    for i in range(12):
        wf.add(f"t{i}", task)
    wf.run(node=node, max_concurrency=2)
    assert peak[0] <= 2


def test_events_and_progress_bar(node, capsys):
    events = []
    wf = Workflow("events")
    wf.add("a", lambda: 1)
    wf.add("b", lambda a: 1 / 0, deps=["a"])
    wf.add("c", lambda b: b, deps=["b"])
    with pytest.raises(WorkflowFailed):
        wf.run(node=node, on_event=events.append, progress=True)
    kinds = [(e["event"], e["task"]) for e in events]
    for expected in [("task.started", "a"), ("task.finished", "a"), ("task.failed", "b"),
                     ("task.skipped", "c"), ("workflow.failed", None)]:
        assert expected in kinds
    assert all(e["workflow"] == "events" for e in events)
    assert "events" in capsys.readouterr().err


def test_bus_publish_hook(node):
    published = []
    node.publish = lambda topic, payload: published.append((topic, payload["event"]))  # type: ignore[attr-defined]
    try:
        wf = Workflow("bus")
        wf.add("a", lambda: 1)
        wf.run(node=node)
    finally:
        del node.publish
    assert ("symphony.dag", "task.finished") in published


def test_many_tasks(node):
    wf = Workflow("wide")
    for i in range(2000):
        wf.add(f"t{i}", (lambda i: lambda *deps: i + sum(deps))(i),
               deps=[f"t{j}" for j in (i - 1, i - 7) if j >= 0])
    results = wf.run(node=node)
    assert len(results) == 2000 and results["t0"] == 0 and results["t1"] == 1


def test_dag_node_actors_are_spawned_per_task_and_stopped(node):
    seen: list[list[str]] = []

    def look():
        seen.append([n for n in node.names() if n.startswith("taskactor")])
        return 1

    wf = Workflow("actors")
    wf.add("a", look)
    wf.add("b", lambda a: look(), deps=["a"])
    wf.run(node=node)
    assert all(len(names) == 1 for names in seen)  # the running task's own DAG-node actor
    assert seen[0] != seen[1]
    deadline = time.monotonic() + 5
    while any(n.startswith(("taskactor", "dagtracker", "checkpointactor")) for n in node.names()):
        assert time.monotonic() < deadline
        time.sleep(0.01)

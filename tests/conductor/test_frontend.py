"""The conductor's side of the frontend protocol (TaskHooks): tasks on a view's text,
progress notifications, feedback, and extension contributions when there are none."""

from __future__ import annotations

import threading

import pytest

from symphony.conductor import ConductorTaskHooks, Step, TaskTemplate
from symphony.errors import ExtensionNotFound, TaskFailed, TaskRejected


@pytest.fixture
def hooks(conductor):
    conductor.add_agent("up", "upper", lambda r: r["input"].upper())
    conductor.add_agent("rev", "reverse", lambda r: r["inputs"]["a"][::-1])
    conductor.add_template(TaskTemplate("chain", (Step("a", capability="upper"),
                                                  Step("b", capability="reverse", deps=("a",)))))
    h = ConductorTaskHooks(conductor, timeout=30.0)
    yield h
    h.close()


def test_run_a_task_for_a_view_with_progress(hooks, store):
    sent = []
    hooks.attach(lambda method, params: sent.append((method, params)))
    assert hooks.kinds() == ["chain", "reverse", "upper"]
    result = hooks.run("view-id-1", "chain", "selected text", {"path": "a.py", "selection": "selected text"}).result(30)
    assert result["output"] == "TXET DETCELES" and set(result["steps"]) == {"a", "b"}
    assert store.stat(result["digest"]).metadata["task_id"] == result["task_id"]
    states = [(p["step"], p["state"]) for m, p in sent if m == "task_progress" and p["task_id"] == result["task_id"]]
    assert ("a", "started") in states and ("b", "finished") in states
    assert all(p["view_id"] == "view-id-1" for _, p in sent)
    hooks.feedback(result["task_id"], 0.9)
    assert store.stat(result["digest"]).ratings == {"user": 0.9}
    with pytest.raises(TaskRejected):
        hooks.feedback(result["task_id"], float("nan"))


def test_errors_come_back_through_the_future_and_the_hook_never_blocks(hooks, conductor):
    with pytest.raises(TaskRejected):
        hooks.run("v", "no-such-kind", "x", None).result(30)
    with pytest.raises(TaskRejected):
        hooks.run("v", "upper", 42, None).result(30)  # type: ignore[arg-type]
    gate = threading.Event()
    conductor.add_agent("slow", "slow", lambda r: gate.wait(30) and "done")
    future = hooks.run("v", "slow", "x", None)  # returns while the agent is still working
    assert not future.done()
    gate.set()
    assert future.result(30)["output"] == "done"
    conductor.add_agent("bad", "bad", lambda r: 1 / 0)
    with pytest.raises(TaskFailed):
        hooks.run("v", "bad", "x", None).result(30)


def test_without_extensions(hooks):
    assert hooks.contributions() == {"commands": [], "status_items": [], "panels": [], "keybindings": [],
                                     "decorations": []}
    assert hooks.status() == {}
    with pytest.raises(ExtensionNotFound):
        hooks.run_command("wordstats.count", "v", {}).result(30)

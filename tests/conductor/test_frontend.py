"""The conductor's side of the frontend protocol (symphony.rpc's TaskHooks): tasks on a view's
text with the frontend's context, progress, feedback, and extension hooks without extensions."""

from __future__ import annotations

import json
import threading

import pytest

from symphony.conductor import ConductorTaskHooks, Step, TaskTemplate
from symphony.errors import ExtensionNotFound, TaskFailed, TaskRejected

#: What XiCore sends as a task's context.
FRONTEND_CONTEXT = {"view_id": "view-id-1", "path": "/work/a.py", "files": ["/work/a.py"], "language": "python",
                    "regions": [[0, 0, 0, 13]], "selection": "selected text"}


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
    progress = []
    assert hooks.kinds() == ["chain", "reverse", "upper"]
    result = hooks.run("view-id-1", "chain", "selected text", FRONTEND_CONTEXT,
                       lambda *args: progress.append(args)).result(30)
    assert result["output"] == "TXET DETCELES" and set(result["steps"]) == {"a", "b"}
    assert store.stat(result["digest"]).metadata["task_id"] == result["task_id"]
    assert progress[0] == (result["task_id"], "chain", "submitted")
    states = [(step, state) for task_id, step, state in progress if task_id == result["task_id"]]
    assert ("a", "started") in states and ("b", "finished") in states
    assert hooks.feedback(result["task_id"], 0.9).result(30) is None
    assert store.stat(result["digest"]).ratings == {"user": 0.9}
    with pytest.raises(TaskRejected):
        hooks.feedback(result["task_id"], float("nan"))
    with pytest.raises(TaskRejected):
        hooks.feedback("no-such-task", 0.5)
    unsaved = {**FRONTEND_CONTEXT, "path": None, "files": [], "language": None}
    assert hooks.run("v", "upper", "x", unsaved, None).result(30)["output"] == "X"


def test_errors_come_back_through_the_future_and_the_hook_never_blocks(hooks, conductor):
    with pytest.raises(TaskRejected):
        hooks.run("v", "no-such-kind", "x", {}, None).result(30)
    with pytest.raises(TaskRejected):
        hooks.run("v", "upper", 42, {}, None).result(30)  # type: ignore[arg-type]
    with pytest.raises(TaskRejected):
        hooks.run("v", "upper", "x", {**FRONTEND_CONTEXT, "regions": [[0, -1, 0, 2]]}, None).result(30)
    gate = threading.Event()
    conductor.add_agent("slow", "slow", lambda r: gate.wait(30) and "done")
    future = hooks.run("v", "slow", "x", {}, None)  # returns while the agent is still working
    assert not future.done()
    gate.set()
    assert future.result(30)["output"] == "done"
    conductor.add_agent("bad", "bad", lambda r: 1 / 0)
    with pytest.raises(TaskFailed):
        hooks.run("v", "bad", "x", {}, None).result(30)


def test_without_extensions(hooks, node):
    assert hooks.contributions() == {"commands": [], "status_items": [], "panels": [], "keybindings": [],
                                     "decorations": []}
    assert hooks.status() == {}
    with pytest.raises(ExtensionNotFound):
        hooks.run_command("wordstats.count", "v", {}, {"text": "a b"}).result(30)
    seen = []
    stop = hooks.watch_status(lambda item, text: seen.append((item, text)))
    node.publish("symphony.extensions", {"event": "status", "extension": "x.y", "item": "x.words", "text": "2"})
    node.publish("symphony.extensions", {"event": "enabled", "extension": "x.y"})
    stop()
    node.publish("symphony.extensions", {"event": "status", "extension": "x.y", "item": "x.words", "text": "3"})
    assert seen == [("x.words", "2")]


def test_xi_core_runs_a_conductor_task_on_the_selection(hooks, node, store):
    from symphony.rpc import XiCore
    from tests.rpc.test_core_inline import Sent, open_view

    sent = Sent()
    core = XiCore(sent, node=node, watch_files=False, tasks=hooks)
    try:
        view = open_view(core, sent)
        core.handle_notification("edit", {"view_id": view, "method": "insert", "params": {"chars": "make me loud"}})
        assert core.handle_request("task_kinds", {}).result(30) == ["chain", "reverse", "upper"]
        result = core.handle_request("run_task", {"view_id": view, "kind": "upper"}).result(30)
        assert result["output"] == "MAKE ME LOUD"
        task_id = result["task_id"]
        sent.wait_for(lambda m, p: m == "task_progress" and p["task_id"] == task_id and p["state"] == "finished")
        assert json.loads(store.get(result["digest"]))["output"] == "MAKE ME LOUD"
        feedback = core.handle_request("task_feedback", {"task_id": task_id, "score": 1.0})
        if hasattr(feedback, "result"):
            feedback.result(30)
        assert store.stat(result["digest"]).ratings == {"user": 1.0}
    finally:
        core.close()

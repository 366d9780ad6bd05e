"""The conductor's side of the frontend protocol (symphony.rpc's TaskHooks): tasks on a view's
text with the frontend's context, progress, feedback, and extension hooks without extensions."""

from __future__ import annotations

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

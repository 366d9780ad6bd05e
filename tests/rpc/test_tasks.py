"""The task requests (``run_task``, ``task_feedback``, ``extension_contributions``...) of a real
core process serving a real ``TaskHooks`` (``demo_tasks``), driven over its JSON-RPC."""

from __future__ import annotations

import json
import queue
import sys
import time
from collections.abc import Iterator

import pytest

from symphony.rpc import MAX_TASK_INPUT, TASK_ERROR

from .xi_client import XiClient

INVALID_PARAMS = -32602


@pytest.fixture(scope="module")
def core() -> Iterator[XiClient]:
    """A core with the demo hooks; it must exit 0 when its input closes, even with a task
    still hanging, having written only strict JSON and no traceback."""
    client = XiClient([sys.executable, "-m", "tests.rpc.demo_tasks"])
    client.request("client_started", {})
    yield client
    assert client.close() == 0, client.stderr()
    assert client.bad_lines == []
    assert "Traceback" not in client.stderr(), client.stderr()


def wait_for(condition, what: str = "condition"):
    """Poll ``condition()`` until it is truthy (the timeout only ends a broken run)."""
    deadline = time.monotonic() + 30
    while True:
        value = condition()
        if value:
            return value
        assert time.monotonic() < deadline, what
        time.sleep(0.01)


def notes(client: XiClient, method: str, view: str | None = None) -> list[dict]:
    return [m["params"] for m in list(client.notifications)
            if m["method"] == method and (view is None or m["params"].get("view_id") == view)]


def error(answer: dict) -> dict:
    assert "error" in answer, answer
    return answer["error"]


def send(client: XiClient, method: str, params) -> int:
    """Send a request without waiting; returns its id (``client.responses[id]`` gets the answer)."""
    with client._lock:
        rid = client._next
        client._next += 1
        client.responses.setdefault(rid, queue.Queue())
    client.raw(json.dumps({"id": rid, "method": method, "params": params}).encode() + b"\n")
    return rid


def test_kinds_and_contributions(core):
    assert core.request("task_kinds") == ["context", "count_words", "fail", "hang", "upper"]
    contributions = core.request("extension_contributions", {})
    assert [c["id"] for c in contributions["commands"]] == ["demo.count", "demo.feedback"]
    assert contributions["keybindings"] == [{"command": "demo.count", "key": "ctrl+shift+w",
                                             "extension": "demo.words"}]


def test_a_task_runs_on_the_selection_or_else_the_whole_text(core, tmp_path):
    path = tmp_path / "words.py"
    path.write_text("one two three\nfour five\n")
    view = core.new_view(str(path))
    whole = core.request("run_task", {"view_id": view, "kind": "count_words"})
    assert whole["output"] == {"words": 5}
    assert whole["task_id"].startswith("task-")
    core.edit(view, "gesture", {"line": 1, "col": 1, "ty": "word_select"})  # "four"
    assert core.request("run_task", {"view_id": view, "kind": "count_words"})["output"] == {"words": 1}
    echoed = core.request("run_task", {"view_id": view, "kind": "context"})["output"]
    assert echoed["input"] == "four"
    assert echoed["context"] == {"view_id": view, "path": str(path), "files": [str(path)], "language": "Python",
                                 "regions": [[1, 0, 1, 4]], "selection": "four"}
    # an explicit input wins; the context still tells where the task was asked
    echoed = core.request("run_task", {"view_id": view, "kind": "context", "input": "a b"})["output"]
    assert echoed["input"] == "a b" and echoed["context"]["regions"] == [[1, 0, 1, 4]]
    assert echoed["context"]["selection"] == "four"
    # several selections: their texts, one per line
    core.edit(view, "gesture", {"line": 0, "col": 0, "ty": {"select": {"granularity": "word", "multi": True}}})
    assert core.request("run_task", {"view_id": view, "kind": "context"})["output"]["input"] == "one\nfour"
    core.edit(view, "collapse_selections")  # only a caret: the whole text, and no selection
    echoed = core.request("run_task", {"view_id": view, "kind": "context"})["output"]
    assert echoed["input"] == "one two three\nfour five\n" and echoed["context"]["selection"] == ""
    assert core.request("close_view", {"view_id": view}) is None


def test_progress_is_sent_while_a_task_runs(core):
    view = core.new_view()
    core.edit(view, "insert", {"chars": "make me loud"})
    start = len(core.notifications)
    result = core.request("run_task", {"view_id": view, "kind": "upper"})
    assert result["output"] == "MAKE ME LOUD"
    progress = [p for p in notes(core, "task_progress")[0:] if p["task_id"] == result["task_id"]]
    assert [(p["step"], p["state"]) for p in progress] == [
        ("upper", "queued"), ("split", "running"), ("split", "done"), ("upper", "running"), ("upper", "done")]
    assert all(p["view_id"] == view and p["kind"] == "upper" for p in progress)
    before_answer = [m for m in core.log if m.get("method") == "task_progress"]
    assert len(core.notifications) > start and before_answer


def test_a_failing_task_is_an_error_and_the_core_goes_on(core):
    view = core.new_view()
    core.edit(view, "insert", {"chars": "x y"})
    failed = error(core.request_raw("run_task", {"view_id": view, "kind": "fail"}))
    assert failed["code"] == TASK_ERROR
    assert failed["message"] == "RuntimeError: the agent broke" and failed["data"] == {"type": "RuntimeError"}
    assert core.request("run_task", {"view_id": view, "kind": "count_words"})["output"] == {"words": 2}


def test_a_task_that_never_finishes_holds_up_nothing(core):
    view = core.new_view()
    core.edit(view, "insert", {"chars": "still here"})
    hanging = [send(core, "run_task", {"view_id": view, "kind": "hang"}) for _ in range(6)]
    assert core.contents(view) == "still here"
    core.edit(view, "insert", {"chars": "!"})
    assert core.contents(view) == "still here!"
    assert core.request("run_task", {"view_id": view, "kind": "count_words"})["output"] == {"words": 2}
    assert core.request("task_kinds")
    assert core.request("extension_contributions")["status_items"]
    for rid in hanging:
        assert core.responses[rid].empty()  # still running: never answered with a guess


def test_feedback(core):
    view = core.new_view()
    core.edit(view, "insert", {"chars": "rate me"})
    task = core.request("run_task", {"view_id": view, "kind": "count_words"})["task_id"]
    assert core.request("task_feedback", {"task_id": task, "score": 1}) is None
    assert core.request("task_feedback", {"task_id": task, "score": 0.25}) is None
    assert core.request("run_extension_command", {"command": "demo.feedback", "view_id": view}) == {task: 0.25}
    unknown = error(core.request_raw("task_feedback", {"task_id": "task-999999", "score": 0.5}))
    assert unknown["code"] == INVALID_PARAMS and "task-999999" in unknown["message"]
    for params in ({"task_id": task}, {"task_id": task, "score": "1"}, {"task_id": task, "score": True},
                   {"task_id": task, "score": 1.5}, {"task_id": task, "score": -0.1}, {"task_id": task, "score": None},
                   {"task_id": task, "score": [1]}, {"score": 1}, {"task_id": 5, "score": 1},
                   {"task_id": "", "score": 1}, {"task_id": "t" * 5000, "score": 1}, {"task_id": "\ud800", "score": 1}):
        assert error(core.request_raw("task_feedback", params))["code"] == INVALID_PARAMS, params
    before = len(core.errors)
    for line in (b'{"id": 90001, "method": "task_feedback", "params": {"task_id": "t", "score": NaN}}\n',
                 b'{"id": 90002, "method": "task_feedback", "params": {"task_id": "t", "score": 1e999}}\n',
                 b'{"id": 90003, "method": "task_feedback", "params": {"task_id": "t", "score": -Infinity}}\n'):
        core.raw(line)
    assert core.request("task_kinds")  # every answer before it has come
    assert [e["error"]["code"] for e in core.errors[before:]] == [-32700] * 3
    assert core.request("run_extension_command", {"command": "demo.feedback", "view_id": view}) == {task: 0.25}


def test_hostile_task_requests_are_refused_and_change_nothing(core, tmp_path):
    view = core.new_view()
    core.edit(view, "insert", {"chars": "safe"})
    bad = [
        {"kind": "count_words"}, {"view_id": 5, "kind": "count_words"}, {"view_id": "view-id-999999", "kind": "upper"},
        {"view_id": view}, {"view_id": view, "kind": 3}, {"view_id": view, "kind": ""},
        {"view_id": view, "kind": "no such kind"}, {"view_id": view, "kind": ["upper"]},
        {"view_id": view, "kind": "upper", "input": 5}, {"view_id": view, "kind": "upper", "input": ["a"]},
        {"view_id": view, "kind": "upper", "input": "a\ud800b"}, {"view_id": view, "kind": "upp\udfffer"},
        {"view_id": view, "kind": "k" * 5000},
    ]
    for params in bad:
        assert error(core.request_raw("run_task", params))["code"] == INVALID_PARAMS, params
    for params in ([1, 2], "run", 7):
        assert error(core.request_raw("run_task", params))["code"] == INVALID_PARAMS, params
    huge = error(core.request_raw("run_task", {"view_id": view, "kind": "count_words", "input": "a" * (MAX_TASK_INPUT + 1)}))
    assert huge["code"] == INVALID_PARAMS and "too large" in huge["message"]
    for params in ({"view_id": view}, {"view_id": view, "command": "nope"}, {"view_id": view, "command": 1},
                   {"view_id": view, "command": "demo.count", "args": [1]},
                   {"view_id": "view-id-999999", "command": "demo.count"}, {"command": "demo.count"}):
        assert error(core.request_raw("run_extension_command", params))["code"] == INVALID_PARAMS, params
    assert core.contents(view) == "safe"
    assert core.request("run_task", {"view_id": view, "kind": "count_words"})["output"] == {"words": 1}


def test_a_document_too_large_for_a_task_asks_for_a_selection(core, tmp_path):
    path = tmp_path / "big.txt"
    path.write_text("w " * (MAX_TASK_INPUT // 2) + "end\n")
    view = core.new_view(str(path))
    refused = error(core.request_raw("run_task", {"view_id": view, "kind": "count_words"}))
    assert refused["code"] == INVALID_PARAMS and "select a part" in refused["message"]
    core.edit(view, "move_to_end_of_document")
    core.edit(view, "move_word_left_and_modify_selection")
    assert core.request("run_task", {"view_id": view, "kind": "count_words"})["output"] == {"words": 1}
    assert core.request("close_view", {"view_id": view}) is None


def test_commands_and_status_items(core):
    start = len(core.notifications)
    view = core.new_view()
    added = wait_for(lambda: [p for p in notes(core, "add_status_item", view)], "add_status_item")
    assert added == [{"view_id": view, "source": "demo.words", "key": "demo.words",
                      "value": notes(core, "add_status_item", view)[0]["value"], "alignment": "right"}]
    assert added[0]["value"].startswith("words: ")
    other = core.new_view()
    core.edit(view, "insert", {"chars": "one two three"})
    result = core.request("run_extension_command", {"command": "demo.count", "view_id": view, "args": {"n": 1}})
    assert result == {"words": 3, "args": {"n": 1}}
    for v in (view, other):  # every view shows the item
        wait_for(lambda v=v: {"view_id": v, "key": "demo.words", "value": "words: 3"}
                 in notes(core, "update_status_item", v), "update_status_item")
    third = core.new_view()  # a view opened later starts with the current text
    wait_for(lambda: [p["value"] for p in notes(core, "add_status_item", third)] == ["words: 3"])
    assert len(core.notifications) > start


@pytest.fixture
def no_tasks() -> Iterator[XiClient]:
    client = XiClient([sys.executable, "-m", "symphony", "serve", "--no-tasks"])
    yield client
    assert client.close() == 0, client.stderr()


def test_a_core_without_hooks_says_it_runs_no_tasks(no_tasks):
    xi = no_tasks
    view = xi.new_view()
    for method, params in (("task_kinds", {}), ("run_task", {"view_id": view, "kind": "x"}),
                           ("task_feedback", {"task_id": "t", "score": 1}), ("extension_contributions", None),
                           ("run_extension_command", {"command": "c", "view_id": view})):
        answer = error(xi.request_raw(method, params))
        assert answer["code"] == TASK_ERROR and "no tasks" in answer["message"], (method, answer)
    xi.edit(view, "insert", {"chars": "ok"})
    assert xi.contents(view) == "ok"

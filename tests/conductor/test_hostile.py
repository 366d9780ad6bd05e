"""Hostile input gets a typed error, changes nothing, and the conductor keeps serving; tasks
from several threads at once all complete."""

from __future__ import annotations

import threading

import pytest

from symphony.conductor import TASK_MESSAGE
from symphony.envelope import Message
from symphony.errors import ConductorError, TaskRejected


@pytest.fixture
def serving(conductor):
    conductor.add_agent("up", "upper", lambda r: r["input"].upper())
    return conductor


BAD_PAYLOADS = [
    None, "upper", 42, ["upper", "x"],
    {"kind": "upper"} | {"extra": 1},
    {"kind": 7, "input": "x"}, {"kind": None, "input": "x"}, {"kind": "", "input": "x"},
    {"kind": "has space", "input": "x"}, {"kind": "a/b", "input": "x"}, {"kind": "x" * 500, "input": "x"},
    {"kind": "upper", "input": 3}, {"kind": "upper", "input": b"bytes"}, {"kind": "upper", "input": ["x"]},
    {"kind": "upper", "input": None},
    {"kind": "upper", "input": "x", "context": "ctx"}, {"kind": "upper", "input": "x", "context": {"nope": 1}},
    {"kind": "upper", "input": "x", "context": {"files": "a.py"}},
    {"kind": "upper", "input": "x", "context": {"files": [1, 2]}},
    {"kind": "upper", "input": "x", "context": {"artifacts": ["not-a-digest"]}},
    {"kind": "upper", "input": "x", "context": {"artifacts": ["0" * 32]}},  # well formed, not in the store
    {"kind": "upper", "input": "x", "context": {"selection": 5}},
    {"kind": "upper", "input": "x", "context": {1: "x"}},
    {"kind": "unknown-kind", "input": "x"},
    {"kind": "upper", "input": "x" * (1 << 20 + 1)},
]


@pytest.mark.parametrize("payload", BAD_PAYLOADS, ids=range(len(BAD_PAYLOADS)))
def test_a_bad_task_is_rejected_nothing_is_stored_and_the_conductor_serves_on(serving, store, payload):
    before = len(store)
    with pytest.raises(TaskRejected):
        serving.ref.ask(Message(TASK_MESSAGE, payload, ttl=30.0))
    assert len(store) == before and store.names() == []
    assert serving.run("upper", "still here").output == "STILL HERE"


def test_bad_arguments_to_run(serving, store):
    with pytest.raises(TaskRejected):
        serving.run("upper", 12)
    with pytest.raises(TaskRejected):
        serving.run("upper", "x", context=["not", "a", "dict"])
    with pytest.raises(TaskRejected):
        serving.run("upper", "x", task_id="../../etc")
    with pytest.raises(TypeError):
        serving.run("upper", "x", timeout="soon")
    with pytest.raises(ValueError):
        serving.run("upper", "x", timeout=float("nan"))
    assert store.names() == []
    assert serving.run("upper", "ok").output == "OK"


def test_a_smaller_input_limit(make_conductor, store):
    conductor = make_conductor(max_input=10)
    conductor.add_agent("up", "upper", lambda r: r["input"].upper())
    with pytest.raises(TaskRejected, match="limit"):
        conductor.run("upper", "x" * 11)
    assert conductor.run("upper", "x" * 10).output == "X" * 10


def test_an_agent_raising_is_a_task_failure_not_a_crash(conductor):
    conductor.add_agent("boom", "boom", lambda r: (_ for _ in ()).throw(MemoryError("pretend")))
    conductor.add_agent("up", "upper", lambda r: r["input"].upper())
    with pytest.raises(ConductorError):
        conductor.run("boom", "x")
    assert conductor.ref.is_alive and conductor.run("upper", "y").output == "Y"


def test_several_tasks_at_once_from_several_threads(conductor, store):
    gate = threading.Barrier(4)

    def slowish(request):
        return request["input"][::-1]

    conductor.add_agent("rev1", "reverse", slowish)
    conductor.add_agent("rev2", "reverse", slowish)
    results: dict[int, object] = {}
    errors = []

    def client(n):
        try:
            gate.wait(30)
            for i in range(10):
                text = f"thread {n} task {i}"
                result = conductor.run("reverse", text)
                assert result.output == text[::-1]
                results[n * 100 + i] = result
                conductor.feedback(result.task_id, 1.0 if result.steps["reverse"].agent == "rev1" else 0.5)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert errors == [] and len(results) == 40
    assert len({r.task_id for r in results.values()}) == 40
    assert len(store.versions("conductor/reverse/reverse")) == 40
    stats = conductor.stats()
    assert sum(row["calls"] for row in stats.values()) == 40
    assert sum(row["scored"] for row in stats.values()) == 40

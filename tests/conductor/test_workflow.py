"""Tasks run on the DAG tracker: retries, cancellation, a deadline from the TTL, checkpoints."""

from __future__ import annotations

import threading

import pytest

from symphony.conductor import Step, TaskTemplate
from symphony.errors import TaskFailed
from tests.conftest import Gate, wait_until


def two_steps(kind: str, second: str, retries: int = 0) -> TaskTemplate:
    return TaskTemplate(kind, (Step("a", capability="upper"), Step("b", capability=second, deps=("a",),
                                                                   retries=retries)))


def test_a_flaky_agent_succeeds_on_retry(conductor):
    attempts = []

    def flaky(request):
        attempts.append(1)
        if len(attempts) < 3:
            raise RuntimeError("transient failure")
        return request["inputs"]["a"] + "!"

    conductor.add_agent("up", "upper", lambda r: r["input"].upper())
    conductor.add_agent("flaky", "bang", flaky)
    conductor.add_template(two_steps("t", "bang", retries=2))
    assert conductor.run("t", "hi").output == "HI!"
    assert len(attempts) == 3
    stats = conductor.stats()["flaky"]
    assert stats["calls"] == 3 and stats["failures"] == 2


def test_a_step_failing_for_good_fails_the_task_and_keeps_finished_steps(conductor, store):
    conductor.add_agent("up", "upper", lambda r: r["input"].upper())
    conductor.add_agent("broken", "bang", lambda r: 1 / 0)
    conductor.add_template(two_steps("t", "bang", retries=1))
    with pytest.raises(TaskFailed, match="ZeroDivisionError") as caught:
        conductor.run("t", "hi")
    assert set(caught.value.steps) == {"a"}
    assert store.latest("conductor/t/a") == caught.value.steps["a"]
    assert store.versions("conductor/t/b") == []
    assert conductor.stats()["broken"]["failures"] == 2
    assert conductor.run("upper", "still serving").output == "STILL SERVING"


def test_cancel_stops_a_running_task_and_stores_nothing_after(conductor, store, node):
    gate = Gate()

    def slow(request):
        gate.hold()
        return "late"

    conductor.add_agent("up", "upper", lambda r: r["input"].upper())
    conductor.add_agent("slow", "bang", slow)
    conductor.add_template(two_steps("t", "bang"))
    outcome = []
    thread = threading.Thread(target=lambda: outcome.append(_catch(lambda: conductor.run("t", "x", task_id="t1"))))
    thread.start()
    assert gate.entered.wait(30)
    conductor.cancel("t1")
    thread.join(30)
    error = outcome[0]
    assert isinstance(error, TaskFailed) and "cancelled" in str(error) and set(error.steps) == {"a"}
    dead = node.dead_letter_count
    gate.release.set()
    # the late step's outcome reaches a tracker that has gone: it is dropped, and nothing was stored
    assert wait_until(lambda: node.dead_letter_count > dead)
    assert store.versions("conductor/t/b") == []


def test_the_message_ttl_is_the_deadline(conductor, store):
    gate = Gate()

    def stuck(request):
        gate.hold(60)
        return "too late"

    conductor.add_agent("up", "upper", lambda r: r["input"].upper())
    conductor.add_agent("stuck", "bang", stuck)
    conductor.add_template(two_steps("t", "bang"))
    try:
        with pytest.raises(TaskFailed, match="out of time") as caught:
            conductor.run("t", "x", timeout=2.0)
        assert set(caught.value.steps) == {"a"} and store.latest("conductor/t/a") == caught.value.steps["a"]
    finally:
        gate.release.set()
    assert conductor.run("upper", "next").output == "NEXT"


def test_checkpoint_resumes_a_failed_task_without_redoing_finished_steps(make_conductor, tmp_path):
    conductor = make_conductor(checkpoint=tmp_path / "ckpt")
    calls = {"up": 0}
    broken = [True]

    def up(request):
        calls["up"] += 1
        return request["input"].upper()

    def second(request):
        if broken[0]:
            raise RuntimeError("down")
        return request["inputs"]["a"] + "?"

    conductor.add_agent("up", "upper", up)
    conductor.add_agent("second", "bang", second)
    conductor.add_template(two_steps("t", "bang"))
    with pytest.raises(TaskFailed) as caught:
        conductor.run("t", "x", task_id="resume1")
    broken[0] = False
    result = conductor.run("t", "x", task_id="resume1")
    assert result.output == "X?" and calls["up"] == 1
    assert result.steps["a"].digest == caught.value.steps["a"]
    assert not (tmp_path / "ckpt" / "resume1").exists()  # finished: nothing left to resume


def test_progress_and_events(conductor, capsys, monkeypatch):
    tqdm = pytest.importorskip("tqdm")
    monkeypatch.setattr(tqdm.tqdm, "monitor_interval", 0)  # no monitor thread outliving the test
    conductor.add_agent("up", "upper", lambda r: r["input"].upper())
    events = []
    conductor.run("upper", "x", progress=True, on_event=events.append)
    kinds = [e["event"] for e in events]
    assert "task.finished" in kinds and kinds[-1] == "workflow.finished"
    assert all(e["task_id"] for e in events)
    assert "conductor-upper" in capsys.readouterr().err


def _catch(fn):
    try:
        return fn()
    except Exception as exc:  # noqa: BLE001
        return exc


def test_a_raw_ask_with_ttl_gets_the_task_failure(conductor, store):
    from symphony.conductor import TASK_MESSAGE
    from symphony.envelope import Message
    from symphony.errors import MessageExpired

    gate = Gate()
    conductor.add_agent("up", "upper", lambda r: r["input"].upper())
    conductor.add_agent("stuck", "bang", lambda r: gate.hold(60) or "late")
    conductor.add_template(two_steps("t", "bang"))
    try:
        with pytest.raises((TaskFailed, MessageExpired)) as caught:
            conductor.ref.ask(Message(TASK_MESSAGE, {"kind": "t", "input": "x"}, ttl=2.0))
        if isinstance(caught.value, TaskFailed):  # the usual case: stopped just before the TTL ran out
            assert set(caught.value.steps) == {"a"}
    finally:
        gate.release.set()


@pytest.mark.parametrize("bound", [None, 0.0])
def test_exploration_can_be_bounded_per_kind(make_conductor, bound):
    options = {} if bound is None else {"exploration": {"ask": bound}}
    conductor = make_conductor(router_options=options)
    conductor.add_agent("a", "ask", lambda r: "a")
    conductor.add_agent("b", "ask", lambda r: "b")
    explored = 0
    for i in range(40):
        result = conductor.run("ask", f"question number {i} " * (i % 7))
        explored += result.steps["ask"].explored
        conductor.feedback(result.task_id, 0.6 if result.output == "b" else 0.4)
    if bound is None:
        assert explored > 0  # unbounded, the router does explore here
    else:
        assert explored == 0

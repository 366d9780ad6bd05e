"""Workflow progress reaches the node's bus: a subscriber sees every task start and finish."""

from __future__ import annotations

import threading

from symphony import Node, Workflow


def test_subscribers_see_task_events_on_the_bus(no_leaked_threads):
    events: list[dict] = []
    done = threading.Event()

    def on_publish(topic, payload):
        assert topic == "symphony.dag"
        events.append(payload)
        if payload["event"] == "workflow.finished":
            done.set()

    wf = Workflow("bus-demo")
    wf.add("a", lambda: 1)
    wf.add("b", lambda a: a + 1, deps=["a"])
    with Node("dag-bus") as node:
        node.subscribe("symphony.", on_publish)
        assert wf.run(node=node) == {"a": 1, "b": 2}
        assert done.wait(10)
    started = [e["task"] for e in events if e["event"] == "task.started"]
    finished = [e["task"] for e in events if e["event"] == "task.finished"]
    assert sorted(started) == sorted(finished) == ["a", "b"]
    assert all(e["workflow"] == "bus-demo" for e in events)

"""Opt-in message traces in the Chrome trace-event format."""

from __future__ import annotations

import json

from symphony import Actor, Node


class Echo(Actor):
    def on_receive(self, msg):
        return msg.payload


def test_trace_records_enqueue_and_handling_spans(tmp_path, no_leaked_threads):
    with Node("traced", trace=True) as node:
        ref = node.spawn(Echo, name="echo")
        ref.tell("edit", 1)
        assert ref.ask("query", 2, timeout=5) == 2
        path = tmp_path / "trace.json"
        node.write_trace(path)
    data = json.loads(path.read_text())
    events = data["traceEvents"]
    spans = [e for e in events if e["ph"] == "X"]
    assert {e["name"] for e in spans} == {"edit", "query"}
    assert all(e["cat"] == "echo" and e["dur"] >= 0 and "tid" in e and "pid" in e for e in spans)
    assert any(e["ph"] == "i" and e["name"] == "enqueue edit" for e in events)


def test_tracing_can_start_and_stop(no_leaked_threads):
    with Node() as node:
        ref = node.spawn(Echo)
        ref.ask("before")
        assert node.tracer is None
        tracer = node.start_trace()
        ref.ask("during")
        assert node.stop_trace() is tracer
        ref.ask("after")
        assert [e["name"] for e in tracer.events() if e["ph"] == "X"] == ["during"]

"""The bus: publish/subscribe across connected nodes, with the same envelopes and signatures."""

from __future__ import annotations

import os
import queue
import time

import pytest

from symphony import Actor, DeliveryError, Node

from ..conftest import wait_until
from .conftest import FAST, SECRET, listen_uri


def test_bus_across_two_processes(scheme, short_dir, peers):
    peer = peers(listen_uri(scheme, short_dir), spawn=["tests.transports._actors:BusWorker=worker"])
    got: queue.Queue = queue.Queue()
    with Node("host", secret=SECRET, transport_options=FAST) as node:
        node.subscribe("done.", lambda topic, payload: got.put((topic, payload)))
        node.connect(peer.address)
        result = None
        deadline = time.monotonic() + 20
        i = 0
        while result is None and time.monotonic() < deadline:  # the worker subscribes as it starts
            i += 1
            node.publish(f"jobs.{i}", 21)
            try:
                result = got.get(timeout=0.5)
            except queue.Empty:
                pass
        assert result is not None
        topic, payload = result
        assert topic.startswith("done.")
        assert payload["result"] == 42 and payload["pid"] != os.getpid()
        node.publish("unrelated.topic", 1)  # nobody subscribed: goes nowhere, raises nothing


class Collector(Actor):
    def __init__(self):
        self.got = []

    def on_receive(self, message):
        if message.kind == "get":
            return self.got
        self.got.append((message.kind, message.payload))
        return None


def test_bus_in_process_to_refs_and_callables(scheme, short_dir):
    with Node("a", listen=listen_uri(scheme, short_dir), secret=SECRET, transport_options=FAST) as a, \
            Node("b", secret=SECRET, transport_options=FAST) as b:
        collector = a.spawn(Collector, name="collector")
        a.subscribe("news.", collector)
        seen = queue.Queue()
        b.subscribe("news.", lambda t, p: seen.put((t, p)))
        b.connect(a.address)
        b.publish("news.one", {"n": 1})          # b -> a over the link, and b's own subscriber
        a.publish("news.two", [2])               # a -> b over the link, and a's own subscriber
        a.publish("other", 3)                    # matches nobody
        assert sorted([seen.get(timeout=10), seen.get(timeout=10)]) == [("news.one", {"n": 1}), ("news.two", [2])]
        wait_until(lambda: len(collector.ask("get")) >= 2)
        assert sorted(collector.ask("get")) == [("news.one", {"n": 1}), ("news.two", [2])]
        b.unsubscribe("news.", next(iter(b._subscribers["news."])))


def test_bus_link_needs_the_right_secret(scheme, short_dir):
    with Node("a", listen=listen_uri(scheme, short_dir), secret=SECRET, transport_options=FAST) as a, \
            Node("b", secret=b"wrong", transport_options=FAST) as b:
        with pytest.raises(DeliveryError):
            b.connect(a.address, timeout=1.0)
        assert a.transport_stats().get("bad_signature", 0) >= 1


def test_inproc_bus_and_refs():
    with Node("p", listen="inproc://bus-p") as p, Node("q", listen="inproc://bus-q") as q:
        got = queue.Queue()
        q.subscribe("t.", lambda t, v: got.put(v))
        p.publish("t.x", 5)
        assert got.get(timeout=5) == 5
        c = q.spawn(Collector, name="c")
        ref = p.ref("inproc://bus-q/c")
        assert ref == c  # the actor's own ref: no copying in-process
        ref.tell("hello", 1)
        assert ref.ask("get") == [("hello", 1)]

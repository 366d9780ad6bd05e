"""An actor may answer an ask later: ``on_receive`` returns a ``Future`` and the asker gets
what it resolves with, while the actor goes on with its next messages (Akka's ``pipeTo``)."""

from __future__ import annotations

import threading

import pytest

from symphony import Actor, Future, Node, SymphonyError


class Deferring(Actor):
    """``later`` answers when ``finish`` (or ``fail``) comes; ``ping`` answers at once."""

    def __init__(self) -> None:
        self.pending: list[Future] = []

    def on_receive(self, message):
        if message.kind == "later":
            future = Future()
            self.pending.append(future)
            return future
        if message.kind == "finish":
            for future in self.pending:
                future.set(message.payload)
            self.pending.clear()
            return None
        if message.kind == "fail":
            for future in self.pending:
                future.set_exception(KeyError(message.payload))
            self.pending.clear()
            return None
        if message.kind == "ping":
            return "pong"
        raise ValueError(message.kind)


def test_the_asker_gets_what_the_returned_future_resolves_with(node: Node):
    ref = node.spawn(Deferring)
    answers = [ref.ask_async("later", None) for _ in range(3)]
    assert ref.ask("ping", None, timeout=10) == "pong"  # the actor was not held up
    assert not any(a.done() for a in answers)
    ref.tell("finish", 42)
    assert [a.get(10) for a in answers] == [42, 42, 42]


def test_a_failure_of_the_returned_future_reaches_the_asker(node: Node):
    ref = node.spawn(Deferring)
    answer = ref.ask_async("later", None)
    ref.tell("fail", "gone")
    with pytest.raises(KeyError):
        answer.get(10)
    assert ref.ask("ping", None, timeout=10) == "pong"


def test_a_future_resolved_on_another_thread(node: Node):
    ref = node.spawn(Deferring)
    answer = ref.ask_async("later", None)
    assert ref.ask("ping", None, timeout=10) == "pong"
    t = threading.Thread(target=lambda: ref.tell("finish", "from a thread"))
    t.start()
    t.join()
    assert answer.get(10) == "from a thread"


@pytest.mark.parametrize("scheme", ["tcp", "unix"])
def test_a_deferred_reply_crosses_the_wire(node: Node, tmp_path, scheme):
    listen = "tcp://127.0.0.1:0" if scheme == "tcp" else f"unix://{tmp_path}/d.sock"
    with Node("server", listen=listen, secret=b"s" * 32) as server, \
            Node("client", secret=b"s" * 32) as client:
        server.spawn(Deferring, name="d")
        sep = "/" if scheme == "tcp" else "#"
        ref = client.ref(server.address + sep + "d")
        answer = ref.ask_async("later", None)
        assert ref.ask("ping", None, timeout=10) == "pong"
        ref.tell("finish", {"ok": [1, 2]})
        assert answer.get(10) == {"ok": [1, 2]}
        failed = ref.ask_async("later", None)
        ref.tell("fail", "x")
        with pytest.raises(SymphonyError):
            failed.get(10)

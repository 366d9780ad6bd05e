"""The dispatcher's semantics while many threads send at once: fairness between actors on a
shared thread, priority-then-arrival, TTL expiry and supervision under concurrent senders."""

from __future__ import annotations

import threading

from symphony import Actor, Message, MessageExpired, Node, Priority, Supervision


class Flood(Actor):
    """Counts ``n`` events; the first one waits at the gate; ``count`` answers the count."""

    def __init__(self, gate):
        self.gate = gate
        self.count = 0

    def on_receive(self, msg):
        if msg.kind == "count":
            return self.count
        if self.count == 0:
            self.gate.hold()
        self.count += 1


class Probe(Actor):
    """On ``probe``, records how far the flooded actor had got."""

    def __init__(self, flooded, seen):
        self.flooded = flooded
        self.seen = seen

    def on_receive(self, msg):
        self.seen.append(self.flooded._cell.actor.count)


def test_a_busy_actor_yields_its_thread_when_another_actor_waits(no_leaked_threads, gate):
    """One dispatcher thread: a run keeps going past ``throughput`` only while nothing else
    is queued, so an actor with 10,000 queued messages does not delay another one's."""
    with Node("fair", threads=1, max_threads=1) as node:
        flood = node.spawn(Flood, gate)
        seen: list[int] = []
        probe = node.spawn(Probe, flood, seen)
        for _ in range(10_000):
            flood.tell("n")
        assert gate.entered.wait(10)
        probe.tell("probe")
        gate.release.set()
        assert flood.ask("count", timeout=30) == 10_000
        probe.ask("probe", timeout=30)
        assert seen[0] < 10_000 and seen[0] <= 2 * Flood.throughput


def test_a_lone_busy_actor_keeps_its_thread(no_leaked_threads, gate):
    """With nothing else queued, 10,000 queued messages are handled in one run: the actor is
    not handed to the back of the run queue (waking a thread) every ``throughput`` messages."""
    with Node("lone", threads=1, max_threads=1) as node:
        ref = node.spawn(Flood, gate)
        cell = ref._cell
        dispatcher = node._dispatcher
        submitted: list[object] = []
        submit = dispatcher.submit

        def counting_submit(c):
            if c is cell:
                submitted.append(c)
            submit(c)

        for _ in range(10_000):
            ref.tell("n")
        assert gate.entered.wait(10)
        dispatcher.submit = counting_submit
        try:
            gate.release.set()
            assert ref.ask("count", timeout=30) == 10_000
        finally:
            dispatcher.submit = submit
        assert len(submitted) <= 1  # at most the ask's, if it came after the run ended


class Ordered(Actor):
    """Records ``(sender, i)`` payloads; ``seen`` answers them."""

    def __init__(self, gate):
        self.gate = gate
        self.seen: list = []

    def on_receive(self, msg):
        if msg.kind == "hold":
            self.gate.hold()
        elif msg.kind == "seen":
            return list(self.seen)
        else:
            self.seen.append((msg.priority, msg.payload))


def test_priority_then_arrival_with_many_senders(node, gate):
    ref = node.spawn(Ordered, gate)
    ref.tell("hold")
    assert gate.entered.wait(10)
    levels = [Priority.HIGH, Priority.NORMAL, Priority.LOW, 7]
    senders, count = 4, 400

    def send(sid):
        for i in range(count):
            ref.tell("note", (sid, i), priority=levels[(sid + i) % len(levels)])

    threads = [threading.Thread(target=send, args=(s,)) for s in range(senders)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    gate.release.set()
    seen = ref.ask("seen", priority=Priority.BACKGROUND, timeout=30)
    assert len(seen) == senders * count
    assert [p for p, _ in seen] == sorted((p for p, _ in seen), reverse=True)
    for level in levels:
        for sid in range(senders):
            mine = [i for p, (s, i) in seen if p == level and s == sid]
            assert mine == sorted(mine)


def test_expired_asks_from_many_threads_get_message_expired_and_are_never_delivered(node, gate):
    ref = node.spawn(Ordered, gate)
    ref.tell("hold")
    assert gate.entered.wait(10)
    results: dict[tuple[int, int], object] = {}
    futures = []
    lock = threading.Lock()

    def ask(sid):
        for i in range(50):
            expired = i % 2 == 0
            msg = Message("note", (sid, i), ttl=0.0 if expired else None)
            future = ref.ask_async(msg)
            with lock:
                futures.append(((sid, i), expired, future))

    threads = [threading.Thread(target=ask, args=(s,)) for s in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    gate.release.set()
    for key, expired, future in futures:
        try:
            results[key] = future.get(timeout=30)
        except MessageExpired as exc:
            results[key] = exc
        assert isinstance(results[key], MessageExpired) == expired, key
    delivered = {payload for _, payload in ref.ask("seen", timeout=30)}
    assert delivered == {key for key, expired, _ in futures if not expired}
    dead = [d for d in node.dead_letters if d.reason == "expired"]
    assert {d.message.payload for d in dead} == {key for key, expired, _ in futures if expired}


class Fragile(Actor):
    """Fails on ``boom`` (restarted each time); records every other payload it handles."""

    supervision = Supervision.RESTART
    max_restarts = 1_000
    starts = 0

    def __init__(self, handled):
        self.handled = handled
        type(self).starts += 1

    def on_receive(self, msg):
        if msg.kind == "boom":
            raise ValueError("boom")
        if msg.kind == "sync":
            return True
        self.handled.append(msg.payload)


def test_restart_under_concurrent_senders_keeps_every_other_message(node):
    handled: list = []
    Fragile.starts = 0
    ref = node.spawn(Fragile, handled)
    senders, count = 4, 500

    def send(sid):
        for i in range(count):
            if i % 50 == 49:
                ref.tell("boom")
            else:
                ref.tell("note", (sid, i))

    threads = [threading.Thread(target=send, args=(s,)) for s in range(senders)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert ref.ask("sync", timeout=30) is True
    assert ref.is_alive
    assert Fragile.starts == 1 + senders * (count // 50)
    assert len(handled) == senders * (count - count // 50)
    for sid in range(senders):
        assert [i for s, i in handled if s == sid] == [i for i in range(count) if i % 50 != 49]

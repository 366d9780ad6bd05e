"""Spawning, names, stopping, dead letters, watchers, and the node leaving nothing behind."""

from __future__ import annotations

import threading

import time

import pytest

from symphony import (Actor, ActorDead, ActorNotFound, NameTaken, Node, NodeStopped, Ref)


class Echo(Actor):
    def on_receive(self, msg):
        return msg.payload


class Lifecycle(Actor):
    def __init__(self, log, *, tag="x"):
        self.log = log
        self.tag = tag
        log.append(("init", self.actor_name))

    def on_start(self):
        self.log.append(("start", threading.current_thread().name))

    def on_stop(self):
        self.log.append(("stop", self.tag))

    def on_receive(self, msg):
        return self.tag


def test_spawn_passes_arguments_and_runs_hooks(node):
    log: list = []
    ref = node.spawn(Lifecycle, log, tag="t", name="life")
    assert ref.ask("x", timeout=5) == "t"
    assert log[0] == ("init", "life")
    assert log[1][0] == "start" and log[1][1].startswith(node.name)
    assert ref.stop(timeout=5)
    assert log[-1] == ("stop", "t")
    assert not ref.is_alive


def test_names_and_lookup(node):
    ref = node.spawn(Echo, name="echo")
    assert node.ref("echo") == ref and isinstance(ref, Ref) and hash(ref) == hash(node.ref("echo"))
    assert "echo" in node and "echo" in node.names()
    with pytest.raises(NameTaken):
        node.spawn(Echo, name="echo")
    with pytest.raises(ActorNotFound) as caught:
        node.ref("nobody")
    assert isinstance(caught.value, LookupError)
    auto = node.spawn(Echo)
    assert auto.name.startswith("echo-")
    ref.stop()
    assert "echo" not in node
    node.spawn(Echo, name="echo")  # the name is free again


@pytest.mark.parametrize("bad", ["", "a/b", 3])
def test_bad_names(node, bad):
    with pytest.raises(ValueError):
        node.spawn(Echo, name=bad)


def test_spawn_rejects_non_actors_and_constructor_errors_leave_nothing(node):
    with pytest.raises(TypeError):
        node.spawn(object)  # type: ignore[arg-type]

    class Broken(Actor):
        def __init__(self):
            raise RuntimeError("no")

    with pytest.raises(RuntimeError):
        node.spawn(Broken, name="broken")
    assert "broken" not in node


def test_pykka_style_start_is_refused():
    with pytest.raises(TypeError, match="spawn"):
        Echo.start()


def test_messages_to_a_stopped_actor_are_dead_letters(node):
    ref = node.spawn(Echo)
    ref.stop()
    ref.tell("lost", 1)
    with pytest.raises(ActorDead):
        ref.ask("lost", 2)
    with pytest.raises(ActorDead):
        ref.ask("lost", 3, timeout=1)
    reasons = [(d.message.payload, d.reason) for d in node.dead_letters]
    assert (1, "actor stopped") in reasons and (2, "actor stopped") in reasons


def test_queued_messages_go_to_dead_letters_on_stop_and_askers_learn(node, gate):
    class Holder(Actor):
        def on_receive(self, msg):
            if msg.kind == "hold":
                gate.hold()
            return msg.payload

    ref = node.spawn(Holder)
    ref.tell("hold")
    assert gate.entered.wait(5)
    pending = ref.ask_async("queued", 1)
    ref.stop(block=False)
    gate.release.set()
    with pytest.raises(ActorDead):
        pending.get(5)
    assert any(d.message.payload == 1 for d in node.dead_letters)


def test_stop_returns_after_every_watcher_has_run(node):
    """Waiting for a stop means waiting for its watchers too, even slow ones."""
    told: list = []

    def slow_watcher(ref, reason):
        time.sleep(0.2)
        told.append(reason)

    watched = node.spawn(Echo)
    watched.watch(slow_watcher)
    assert watched.stop(timeout=5)
    assert told == ["stopped"]


def test_watchers_are_told(node):
    reasons: list = []
    watched = node.spawn(Echo)

    class Watcher(Actor):
        def __init__(self):
            self.events = []

        def on_receive(self, msg):
            if msg.kind == "events":
                return self.events
            self.events.append((msg.kind, msg.payload))

    watcher = node.spawn(Watcher)
    watched.watch(lambda ref, reason: reasons.append((ref.name, reason)))
    watched.watch(watcher)
    watched.stop()
    assert reasons == [(watched.name, "stopped")]
    assert watcher.ask("events", timeout=5) == [("symphony.terminated", {"actor": watched.name, "reason": "stopped"})]
    late: list = []
    watched.watch(lambda ref, reason: late.append(reason))
    assert late == ["stopped"]
    with pytest.raises(TypeError):
        watched.watch(42)  # type: ignore[arg-type]


def test_an_actor_can_stop_itself(node):
    class Quitter(Actor):
        def on_receive(self, msg):
            self.actor_ref.stop()
            return "bye"

    ref = node.spawn(Quitter)
    assert ref.ask("x", timeout=5) == "bye"
    assert ref.node.ref  # the node is still fine
    assert ref.stop(timeout=5) is True


def test_node_stop_stops_every_actor_and_thread(no_leaked_threads):
    log: list = []
    node = Node(threads=3)
    refs = [node.spawn(Lifecycle, log, tag=i) for i in range(50)]
    assert all(r.ask("x", timeout=5) == i for i, r in enumerate(refs))
    assert node.stop(timeout=10)
    assert not any(r.is_alive for r in refs)
    assert sorted(tag for event, tag in log if event == "stop") == list(range(50))
    with pytest.raises(NodeStopped):
        node.spawn(Echo)
    assert node.stop()  # idempotent


def test_ten_thousand_actors_share_a_few_threads(no_leaked_threads):
    with Node(threads=4) as node:
        refs = [node.spawn(Echo) for _ in range(10_000)]
        assert len(node) == 10_000
        futures = [ref.ask_async("x", i) for i, ref in enumerate(refs)]
        assert [f.get(30) for f in futures] == list(range(10_000))
        assert node.threads <= 64
        assert threading.active_count() < 100


def test_on_stop_may_stop_its_own_actor_without_waiting_for_itself(node):
    class SelfStopper(Actor):
        def on_stop(self):
            assert self.actor_ref.stop(timeout=5) in (True, False)

        def on_receive(self, msg):
            return 1

    ref = node.spawn(SelfStopper)
    assert ref.ask("x") == 1
    assert ref.stop(timeout=5)

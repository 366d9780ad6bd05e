"""Shared dispatcher threads: growth when every thread is blocked, dedicated threads, shutdown."""

from __future__ import annotations

import threading

from symphony import Actor, Node


class Blocker(Actor):
    def __init__(self, gate):
        self.gate = gate

    def on_receive(self, msg):
        if msg.kind == "hold":
            self.gate.hold()
        return threading.current_thread().name


class OwnThread(Blocker):
    dedicated_thread = True


def test_pool_grows_when_every_thread_is_blocked(no_leaked_threads, gate):
    with Node(threads=1, max_threads=4) as node:
        blocked = node.spawn(Blocker, gate)
        other = node.spawn(Blocker, gate)
        blocked.tell("hold")
        assert gate.entered.wait(5)
        # The only core thread is stuck; the monitor must add one so `other` is served.
        assert other.ask("x", timeout=10)
        assert node.threads >= 2
        gate.release.set()


def test_dedicated_thread_actor_runs_on_its_own_thread(no_leaked_threads, gate):
    with Node(threads=1, max_threads=1) as node:
        own = node.spawn(OwnThread, gate, name="own")
        shared = node.spawn(Blocker, gate)
        own.tell("hold")
        assert gate.entered.wait(5)
        assert shared.ask("x", timeout=5).startswith(node.name)  # the shared thread is free
        gate.release.set()
        assert own.ask("x", timeout=5) == own.ask("x", timeout=5) == f"{node.name}-own-1"
        assert own.ask("x") == f"{node.name}-own-1"  # no inline run for dedicated actors


def test_node_stop_returns_false_when_an_actor_hangs_and_does_not_hang_itself(gate):
    node = Node(threads=1, max_threads=1)
    ref = node.spawn(Blocker, gate)
    ref.tell("hold")
    assert gate.entered.wait(5)
    assert node.stop(timeout=0.2) is False
    gate.release.set()
    assert ref.stop(timeout=5)

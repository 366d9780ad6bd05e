"""Failures reach the asker as themselves; the actor resumes, restarts or stops per its class."""

from __future__ import annotations

import logging

import pytest

from symphony import Actor, ActorDead, Supervision


class Flaky(Actor):
    starts = 0

    def __init__(self, failures):
        self.count = 0
        self.failures = failures

    def on_start(self):
        type(self).starts += 1

    def on_failure(self, exc_type, exc, tb):
        self.failures.append((exc_type, str(exc), tb is not None))

    def on_receive(self, msg):
        if msg.kind == "boom":
            raise ValueError(msg.payload)
        if msg.kind == "exit":
            raise SystemExit(3)
        self.count += 1
        return self.count


class Restarting(Flaky):
    supervision = Supervision.RESTART
    max_restarts = 2
    restart_window = 60.0


class Stopping(Flaky):
    supervision = Supervision.STOP


def test_failure_reaches_asker_and_the_actor_resumes(node):
    failures: list = []
    ref = node.spawn(Flaky, failures)
    assert ref.ask("inc") == 1
    with pytest.raises(ValueError, match="bad input"):
        ref.ask("boom", "bad input")
    assert failures == [(ValueError, "bad input", True)]
    assert ref.ask("inc") == 2  # state kept


def test_a_failed_tell_is_logged_and_the_actor_goes_on(node, caplog):
    failures: list = []
    ref = node.spawn(Flaky, failures)
    with caplog.at_level(logging.ERROR, logger="symphony.actors"):
        ref.tell("boom", "told")
        assert ref.ask("inc", timeout=5) == 1
    assert failures and "failed handling" in caplog.text


def test_restart_makes_a_fresh_instance_and_keeps_the_mailbox(node):
    failures: list = []
    Restarting.starts = 0
    ref = node.spawn(Restarting, failures, name="r")
    assert ref.ask("inc") == 1 and ref.ask("inc") == 2
    ref.tell("boom", "1")
    ref.tell("inc")  # queued behind the failure: handled by the new instance
    assert ref.ask("inc", timeout=5) == 2
    assert Restarting.starts == 2
    with pytest.raises(ValueError):
        ref.ask("boom", "2")
    assert ref.ask("inc") == 1
    with pytest.raises(ValueError):
        ref.ask("boom", "3")  # third failure within the window: it stops instead
    with pytest.raises(ActorDead):
        ref.ask("inc", timeout=5)
    assert not ref.is_alive


def test_stop_strategy(node):
    failures: list = []
    ref = node.spawn(Stopping, failures)
    reasons: list = []
    ref.watch(lambda r, reason: reasons.append(reason))
    with pytest.raises(ValueError):
        ref.ask("boom", "fatal")
    with pytest.raises(ActorDead):
        ref.ask("inc", timeout=5)
    assert reasons and reasons[0].startswith("failed")


def test_base_exceptions_stop_only_that_actor(node):
    victim = node.spawn(Flaky, [])
    bystander = node.spawn(Flaky, [])
    with pytest.raises(SystemExit):
        victim.ask("exit", timeout=5)
    with pytest.raises(ActorDead):
        victim.ask("inc", timeout=5)
    assert bystander.ask("inc", timeout=5) == 1


def test_failing_on_start_stops_the_actor(node):
    class BadStart(Actor):
        def on_start(self):
            raise RuntimeError("cannot start")

        def on_receive(self, msg):
            return "never"

    ref = node.spawn(BadStart)
    with pytest.raises(ActorDead):
        ref.ask("x", timeout=5)


def test_failing_hooks_do_not_kill_the_dispatcher(node):
    class BadHooks(Actor):
        def on_failure(self, *exc_info):
            raise RuntimeError("on_failure broke")

        def on_stop(self):
            raise RuntimeError("on_stop broke")

        def on_receive(self, msg):
            raise KeyError("x")

    ref = node.spawn(BadHooks)
    with pytest.raises(KeyError):
        ref.ask("x", timeout=5)
    ref.stop(timeout=5)
    assert node.spawn(Flaky, []).ask("inc", timeout=5) == 1

"""Futures: thread waits, asyncio awaits without blocking the loop, one resolution only."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from symphony import Actor, AskTimeout, Future, MessageExpired


class Slow(Actor):
    def on_receive(self, msg):
        if msg.kind == "fail":
            raise LookupError("missing")
        time.sleep(msg.payload or 0)
        return msg.payload


def test_await_does_not_block_the_event_loop(node):
    ref = node.spawn(Slow)

    async def main():
        ticks = 0
        pending = asyncio.ensure_future(ref.ask_async("sleep", 0.2))
        while not pending.done():
            ticks += 1
            await asyncio.sleep(0.005)
        return await pending, ticks

    value, ticks = asyncio.run(main())
    assert value == 0.2 and ticks > 1


def test_await_raises_the_actors_exception_and_expiry(node, gate):
    class Holder(Actor):
        def on_receive(self, msg):
            if msg.kind == "hold":
                gate.hold()
            elif msg.kind == "fail":
                raise LookupError("missing")
            return msg.payload

    ref = node.spawn(Holder)

    async def failing():
        return await ref.ask_async("fail")

    with pytest.raises(LookupError):
        asyncio.run(failing())
    ref.tell("hold")
    assert gate.entered.wait(5)

    async def expiring():
        return await ref.ask_async("x", 1, ttl=0.05)

    with pytest.raises(MessageExpired):
        asyncio.run(expiring())
    gate.release.set()


def test_future_resolves_once_and_wakes_every_waiter():
    future: Future[int] = Future()
    results: list = []
    waiters = [threading.Thread(target=lambda: results.append(future.get(5))) for _ in range(3)]
    for w in waiters:
        w.start()
    assert future.set(7) is True
    assert future.set(8) is False
    assert future.set_exception(RuntimeError()) is False
    for w in waiters:
        w.join()
    assert results == [7, 7, 7] and future.done() and future.exception() is None


def test_get_timeout_and_callbacks():
    future: Future[str] = Future(label="probe")
    with pytest.raises(AskTimeout, match="probe"):
        future.get(0.01)
    called: list = []
    future.add_done_callback(lambda f: called.append(f.get()))
    future.set("v")
    future.add_done_callback(lambda f: called.append("late"))
    assert called == ["v", "late"]


def test_broken_callback_does_not_break_the_resolver():
    future: Future[int] = Future()
    future.add_done_callback(lambda f: 1 / 0)
    assert future.set(1) and future.get() == 1


def test_ttl_deadline_caps_the_wait():
    future: Future[int] = Future(deadline=time.monotonic() + 0.05)
    with pytest.raises(MessageExpired):
        future.get(10)
    assert isinstance(future.exception(), MessageExpired)
    assert future.set(1) is False  # a late reply cannot undo the expiry

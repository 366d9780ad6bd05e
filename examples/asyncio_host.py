"""An asyncio host (a web server, a textual app) awaiting actors without blocking its loop.

Run: python examples/asyncio_host.py

A slow actor takes 0.3 s per request; while three requests are awaited concurrently, a
ticker coroutine keeps running on the same loop, which shows that ``await ref.ask_async(...)``
suspends the coroutine instead of blocking the event loop.
"""

from __future__ import annotations

import asyncio
import time

from symphony import Actor, MessageExpired, Node


class Slow(Actor):
    """Answers after a pause, like a model call or a file scan would."""

    def on_receive(self, msg):
        time.sleep(msg.payload)
        return f"done after {msg.payload}s"


async def ticker(stop: asyncio.Event, ticks: list[float]) -> None:
    while not stop.is_set():
        ticks.append(time.perf_counter())
        await asyncio.sleep(0.01)


async def main() -> int:
    with Node("asyncio-host", threads=3) as node:
        workers = [node.spawn(Slow) for _ in range(3)]
        stop, ticks = asyncio.Event(), []
        tick_task = asyncio.create_task(ticker(stop, ticks))
        started = time.perf_counter()
        replies = await asyncio.gather(*(w.ask_async("work", 0.3) for w in workers))
        elapsed = time.perf_counter() - started
        during = [t for t in ticks if started < t < started + elapsed]
        try:
            busy = workers[0]
            busy.tell("work", 0.3)  # keep it busy so the next message waits in its mailbox
            await busy.ask_async("work", 0.0, ttl=0.05)
            expired = "no"
        except MessageExpired:
            expired = "yes"
        stop.set()
        await tick_task
    print(f"replies: {replies}")
    print(f"3 concurrent asks of 0.3 s took {elapsed:.2f} s; the loop ticked {len(during)} times meanwhile")
    print(f"a message whose 50 ms TTL ran out while queued raised MessageExpired: {expired}")
    # Not blocked: the ticker ran while the asks were pending.
    return 0 if during and expired == "yes" else 1


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))

"""``symphony demo``: a node, thousands of actors, prioritised messages with TTLs, measured rates."""

from __future__ import annotations

import argparse
import random
import threading
import time
from typing import Any

from tqdm import tqdm

from symphony.actors import Actor, Node
from symphony.envelope import Message, Priority

from ._args import positive_int
from ._registry import register

__all__ = ["run_demo"]


class Worker(Actor):
    """Counts what it is told and answers how many it has seen."""

    def __init__(self) -> None:
        self.seen = 0

    def on_receive(self, message: Message[Any]) -> Any:
        if message.kind == "work":
            self.seen += 1
            return None
        if message.kind == "count":
            return self.seen
        return super().on_receive(message)


class Recorder(Actor):
    """Records the order messages arrive in; ``hold`` blocks it until released."""

    def __init__(self, gate: threading.Event, holding: threading.Event) -> None:
        self.gate = gate
        self.holding = holding
        self.order: list[str] = []

    def on_receive(self, message: Message[Any]) -> Any:
        if message.kind == "hold":
            self.holding.set()
            self.gate.wait(10)
        elif message.kind == "order":
            return list(self.order)
        else:
            self.order.append(message.payload)
        return None


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def run_demo(actors: int = 5000, messages: int = 200_000, progress: bool = True) -> dict[str, Any]:
    """Run the demo and return its figures (also printed)."""
    report: dict[str, Any] = {}
    with Node("demo") as node:
        print(f"Node {node.name!r}: {node.threads} dispatcher threads")

        started = time.perf_counter()
        refs = [node.spawn(Worker) for _ in tqdm(range(actors), desc="spawn actors", unit="actor",
                                                 disable=not progress, leave=False)]
        spawn_s = time.perf_counter() - started
        report["spawn_us_per_actor"] = spawn_s / actors * 1e6
        print(f"spawned {actors:,} actors in {spawn_s * 1e3:.1f} ms "
              f"({report['spawn_us_per_actor']:.1f} us each) on {node.threads} threads")

        gate, holding = threading.Event(), threading.Event()
        recorder = node.spawn(Recorder, gate, holding, name="recorder")
        recorder.tell("hold")
        holding.wait(10)
        levels = [Priority.BACKGROUND, Priority.LOW, Priority.NORMAL, Priority.HIGH, Priority.CRITICAL, 500]
        shuffler = random.Random(7)
        for i in range(3):  # each round sends every level once, in a random order of levels
            shuffler.shuffle(levels)
            for level in levels:
                recorder.tell("note", f"{getattr(level, 'name', level)}#{i}", priority=level)
            recorder.tell("note", f"short-lived#{i}", ttl=0.05, priority=Priority.CRITICAL)
        time.sleep(0.1)
        gate.set()
        order = recorder.ask("order", timeout=10, priority=Priority.BACKGROUND - 1)
        expired = [d for d in node.dead_letters if d.reason == "expired"]
        report["priority_order"] = order
        report["expired"] = len(expired)
        print("delivery order after a blocked actor was released (most urgent first, FIFO within a level):")
        print("  " + ", ".join(order))
        print(f"{len(expired)} CRITICAL messages outlived their 50 ms TTL while queued: "
              "never delivered, now dead letters")

        started = time.perf_counter()
        count = len(refs)
        for i in tqdm(range(messages), desc="tell", unit="msg", unit_scale=True, disable=not progress,
                      leave=False, mininterval=0.2):
            refs[i % count].tell("work")
        total = sum(ref.ask("count", timeout=30) for ref in refs)
        tell_s = time.perf_counter() - started
        report["tell_per_s"] = messages / tell_s
        print(f"told {messages:,} messages across {count:,} actors and confirmed all {total:,} "
              f"in {tell_s:.2f} s: {report['tell_per_s']:,.0f} messages/s")

        samples = []
        for i in tqdm(range(5000), desc="ask", unit="ask", disable=not progress, leave=False):
            t0 = time.perf_counter()
            refs[i % count].ask("count")
            samples.append(time.perf_counter() - t0)
        report["ask_p50_us"] = _percentile(samples, 0.5) * 1e6
        report["ask_p99_us"] = _percentile(samples, 0.99) * 1e6
        print(f"ask round trip: p50 {report['ask_p50_us']:.1f} us, p99 {report['ask_p99_us']:.1f} us")

        started = time.perf_counter()
    stop_s = time.perf_counter() - started
    alive = [t for t in threading.enumerate() if t.name.startswith("demo")]
    report["threads_left"] = len(alive)
    print(f"stopped {actors + 1:,} actors in {stop_s * 1e3:.0f} ms; node threads left: {len(alive)}")
    return report


def _add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--actors", type=positive_int, default=5000, help="how many actors to spawn (default 5000)")
    parser.add_argument("--messages", type=positive_int, default=200_000, help="how many messages to tell (default 200000)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bars")


def _run(args: argparse.Namespace) -> int:
    run_demo(args.actors, args.messages, progress=not args.no_progress)
    return 0


register("demo", "start a node, spawn thousands of actors, send prioritised messages with TTLs, "
         "print what happened and the rates", _add_arguments, _run)

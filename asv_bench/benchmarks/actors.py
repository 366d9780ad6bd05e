"""Symphony's actors against pykka's ``ThreadingActor`` (one OS thread per actor).

- Tell throughput: 100,000 ``tell``s to a counter, then one ``ask`` that returns once the
  counter has seen them all. Target: at least 3x pykka's rate (time ratio <= 0.33), quiet
  and ``load=busy``: two CPU-bound processes (``while True: pass``) run beside the
  benchmark on this 2-core machine, started by the first setup of a row and stopped by its
  last teardown. Under that load the process waits for a core most of the time, so the
  rate follows the CPU each message costs (both threads' CPU, not the wall clock) and each
  thread hand-off, which now waits for a core too. That is why the pooled dispatcher lost
  its lead there: per 100k tells it spent about 120 ms of CPU against pykka's 210 ms
  (1.8x), and it handed a busy actor to the back of the run queue every 128 messages,
  waking the second worker each time. Now the mailbox, the cell's enqueue and run loop
  and ``Ref.tell`` are compiled (``symphony._speedups._mailbox``), ``tell("kind")`` makes
  its Message by copying a prototype's slots, and a run keeps its thread while nothing
  else is queued: about 50 ms of CPU per 100k (pykka 190 ms), 16 runs instead of 790.
  pykka's quiet figure is bimodal on this machine (about 190 ms or about 500 ms per 100k
  across runs on one day). Compare ratios from one run only.
- Ask round trip, p50 and p99 in microseconds over a few thousand asks after warm-up.
  ``timeout=none`` is ``ref.ask("get")``: for an idle Symphony actor the asking thread runs
  the handler itself (a real feature, no thread hop); ``timeout=5`` is
  ``ref.ask("get", timeout=5)``, which always goes through a dispatcher thread. pykka does
  the same hop either way. Target: p50 no slower than pykka's (aim: half).
- Spawning: per-actor cost of ``node.spawn`` (10,000 actors) vs ``ThreadingActor.start()``
  (1,000 actors: 10,000 OS threads is too heavy for a 2-core box, and the per-actor cost
  is what is compared), the median over 5 equal batches; and the threads it takes. Target: <= 1/10 of pykka per actor, on
  at most 64 threads.
- Idle memory per actor with ``tracemalloc`` (10,000 Symphony actors, 1,000 pykka ones).
  ``tracemalloc`` sees Python allocations only: a pykka actor's thread stack (8 MB of
  virtual memory reserved by default, some of it touched) is not counted, so the peer's
  figure is a lower bound. Target: ours <= 3 KB.

Every setup starts what it needs and every teardown stops all of it.
"""

from __future__ import annotations

import gc
import statistics
import subprocess
import sys
import threading
import time
import tracemalloc
from typing import Any

import pykka

from symphony import Actor, Message, Node

TELLS = 100_000
ASKS = 3_000
ASK_WARMUP = 300
SPAWN = {"symphony": 10_000, "pykka": 1_000}
SPAWN_BATCHES = 5


class Counter(Actor):
    """Counts ``inc`` events; ``get`` returns the count."""

    def __init__(self) -> None:
        self.count = 0

    def on_receive(self, message: Any) -> Any:
        if message.kind == "inc":
            self.count += 1
            return None
        return self.count


class PykkaCounter(pykka.ThreadingActor):
    """The same counter on pykka."""

    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def on_receive(self, message: Any) -> Any:
        if message == "inc":
            self.count += 1
            return None
        return self.count


class Idle(Actor):
    """An actor that is spawned and never sent anything."""

    def on_receive(self, message: Any) -> Any:
        return None


class PykkaIdle(pykka.ThreadingActor):
    """The same on pykka."""

    def on_receive(self, message: Any) -> Any:
        return None


def _quantile(sorted_values: list[float], q: float) -> float:
    """The ``q`` quantile (nearest rank) of already sorted values."""
    index = min(len(sorted_values) - 1, max(0, round(q * len(sorted_values)) - 1))
    return sorted_values[index]


class _Busy:
    """Two CPU-bound processes beside the benchmark, shared by the setups of one row.

    ``acquire`` starts them on first use; ``release`` stops them once every user let go,
    so the implementations of a row (set up side by side) run under the same load.
    """

    SPINNERS = 2

    def __init__(self) -> None:
        self._procs: list[subprocess.Popen[bytes]] = []
        self._users = 0
        self._lock = threading.Lock()

    def acquire(self) -> None:
        with self._lock:
            self._users += 1
            if self._procs:
                return
            self._procs = [subprocess.Popen([sys.executable, "-c", "while True: pass"])
                           for _ in range(self.SPINNERS)]
        time.sleep(0.2)  # let them get going before anything is measured

    def release(self) -> None:
        with self._lock:
            self._users -= 1
            if self._users > 0:
                return
            procs, self._procs = self._procs, []
        for proc in procs:
            proc.kill()
        for proc in procs:
            proc.wait()


_busy = _Busy()


def _stop_pykka(refs: list[Any]) -> None:
    """Stop pykka actors: ask them all at once, then wait for each."""
    futures = [ref.stop(block=False) for ref in refs]
    for future in futures:
        future.get(timeout=30)


class TellThroughput:
    """100,000 ``tell``s to one counter, then ``ask("get")``. Target: <= 1/3 of pykka's time,
    quiet and busy.

    ``send=kind`` is ``ref.tell("inc")``, which builds a ``Message`` per call (the target's
    row). ``send=prebuilt`` tells one prebuilt ``Message("inc")`` every time, so the row
    shows the cost of the rest of the path; pykka sends the same string object both ways.
    ``load=busy`` runs two CPU-bound processes beside it (see ``_Busy``).
    """

    params = [["symphony", "pykka"], ["kind", "prebuilt"], ["quiet", "busy"]]
    param_names = ["impl", "send", "load"]
    number = 1
    repeat = (5, 9, 10.0)
    warmup_time = 0.0
    target = {"send=kind, load=quiet": 0.333, "send=kind, load=busy": 0.333}
    timeout = 120.0

    def setup(self, impl: str, send: str, load: str) -> None:
        self.busy = load == "busy"
        if self.busy:
            _busy.acquire()
        try:
            self._start(impl, send)
        except BaseException:
            self.teardown_load()
            raise

    def _start(self, impl: str, send: str) -> None:
        self.node: Node | None = None
        if impl == "symphony":
            self.node = Node("bench-tell")
            self.ref: Any = self.node.spawn(Counter)
            self.message: Any = Message("inc") if send == "prebuilt" else "inc"
        else:
            self.ref = PykkaCounter.start()
            self.message = "inc"
        self.sent = self.ref.ask("get")

    def time_tell_100k(self, impl: str, send: str, load: str) -> None:
        tell, message = self.ref.tell, self.message
        for _ in range(TELLS):
            tell(message)
        self.sent += TELLS
        seen = self.ref.ask("get")
        if seen != self.sent:
            raise AssertionError(f"counter saw {seen} of {self.sent} messages")

    def teardown(self, impl: str, send: str, load: str) -> None:
        try:
            if self.node is not None:
                self.node.stop()
            else:
                self.ref.stop()
        finally:
            self.teardown_load()

    def teardown_load(self) -> None:
        """Let go of the busy processes (the last user of a row stops them)."""
        if self.busy:
            self.busy = False
            _busy.release()


class AskLatency:
    """``ask("get")`` round trip to an idle counter, p50 and p99 in microseconds.

    Both implementations are set up side by side and measured in turn, three times (the
    median is kept): a thread hop on this machine takes either about 20 us or about 50 us
    depending on where the threads land, and measuring one after the other would compare
    different regimes.
    """

    params = [["symphony", "pykka"], ["none", "5"]]
    param_names = ["impl", "timeout"]
    unit = "us"
    target = 1.0
    timeout = 120.0
    interleave = True
    repeat = 3

    def setup(self, impl: str, timeout: str) -> None:
        self.node: Node | None = None
        if impl == "symphony":
            self.node = Node("bench-ask")
            self.ref: Any = self.node.spawn(Counter)
        else:
            self.ref = PykkaCounter.start()
        self.wait = None if timeout == "none" else float(timeout)

    def _latencies(self) -> list[float]:
        """Sorted round trips in microseconds, after a warm-up."""
        ask, wait, clock = self.ref.ask, self.wait, time.perf_counter
        for _ in range(ASK_WARMUP):
            ask("get", timeout=wait)
        samples = []
        for _ in range(ASKS):
            start = clock()
            ask("get", timeout=wait)
            samples.append(clock() - start)
        return sorted(s * 1e6 for s in samples)

    def track_ask_p50(self, impl: str, timeout: str) -> float:
        return _quantile(self._latencies(), 0.50)

    def track_ask_p99(self, impl: str, timeout: str) -> float:
        return _quantile(self._latencies(), 0.99)

    def teardown(self, impl: str, timeout: str) -> None:
        if self.node is not None:
            self.node.stop()
        else:
            self.ref.stop()


class Spawn:
    """Per-actor cost of spawning 10,000 Symphony actors vs starting 1,000 pykka ones, and
    the threads they run on. Target: <= 0.1x pykka per actor, on <= 64 threads."""

    params = ["symphony", "pykka"]
    param_names = ["impl"]
    timeout = 120.0

    def setup(self, impl: str) -> None:
        self.node: Node | None = None
        self.refs: list[Any] = []
        self.count = SPAWN[impl]
        self.threads_before = threading.active_count()
        if impl == "symphony":
            self.node = Node("bench-spawn")
            self.node.spawn(Idle).stop()  # warm up the code path
        else:
            PykkaIdle.start().stop()

    def _spawn(self, impl: str) -> float:
        """Spawn the actors in ``SPAWN_BATCHES`` equal batches, keeping all of them alive;
        the median seconds per actor over the batches (one slow batch on a shared machine
        does not decide the figure)."""
        per_batch = self.count // SPAWN_BATCHES
        costs = []
        for _ in range(SPAWN_BATCHES):
            start = time.perf_counter()
            batch: list[Any]
            if self.node is not None:
                spawn = self.node.spawn
                batch = [spawn(Idle) for _ in range(per_batch)]
            else:
                batch = [PykkaIdle.start() for _ in range(per_batch)]
            costs.append((time.perf_counter() - start) / per_batch)
            self.refs.extend(batch)
        if self.node is not None and len(self.node) != self.count:
            raise AssertionError(f"{len(self.node)} actors alive, expected {self.count}")
        return statistics.median(costs)

    def track_spawn_per_actor(self, impl: str) -> float:
        return self._spawn(impl) * 1e6

    track_spawn_per_actor.unit = "us"  # type: ignore[attr-defined]
    track_spawn_per_actor.target = 0.1  # type: ignore[attr-defined]

    def track_threads(self, impl: str) -> int:
        """Threads serving the actors: the node's dispatcher threads, or pykka's one per actor."""
        self._spawn(impl)
        if self.node is not None:
            return self.node.threads
        return threading.active_count() - self.threads_before

    track_threads.unit = "threads"  # type: ignore[attr-defined]
    track_threads.limit = 64  # type: ignore[attr-defined]

    def track_threads_started(self, impl: str) -> int:
        """Every thread started since before the node existed (its dispatcher's monitor too)."""
        self._spawn(impl)
        return threading.active_count() - self.threads_before

    track_threads_started.unit = "threads"  # type: ignore[attr-defined]
    track_threads_started.limit = 64  # type: ignore[attr-defined]

    def teardown(self, impl: str) -> None:
        if self.node is not None:
            self.node.stop(timeout=60)
        else:
            _stop_pykka(self.refs)
        self.refs = []


class IdleMemory:
    """Bytes per idle actor by ``tracemalloc`` (10,000 Symphony, 1,000 pykka; pykka's thread
    stacks are not Python allocations and are not counted). Target: ours <= 3 KB."""

    params = ["symphony", "pykka"]
    param_names = ["impl"]
    timeout = 120.0

    def setup(self, impl: str) -> None:
        self.node: Node | None = Node("bench-memory") if impl == "symphony" else None
        self.refs: list[Any] = []
        self.count = SPAWN[impl]

    def track_bytes_per_actor(self, impl: str) -> float:
        gc.collect()
        tracemalloc.start()
        try:
            before = tracemalloc.get_traced_memory()[0]
            if self.node is not None:
                spawn = self.node.spawn
                self.refs = [spawn(Idle) for _ in range(self.count)]
            else:
                self.refs = [PykkaIdle.start() for _ in range(self.count)]
            gc.collect()
            after = tracemalloc.get_traced_memory()[0]
        finally:
            tracemalloc.stop()
        return (after - before) / self.count

    track_bytes_per_actor.unit = "bytes"  # type: ignore[attr-defined]
    track_bytes_per_actor.limit = 3072  # type: ignore[attr-defined]

    def teardown(self, impl: str) -> None:
        if self.node is not None:
            self.node.stop(timeout=60)
        else:
            _stop_pykka(self.refs)
        self.refs = []

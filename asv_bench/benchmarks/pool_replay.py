"""The recorded request trace replayed against the live ``Pool``: GDSF + prewarming against
LRU and GDSF alone, at the same budget, in the same run.

``pool_policy`` replays ``pool_trace.json`` through the pool's policy code in simulated
time; this suite sends the same requests to a real ``Pool`` (its hit path, slow path,
loader threads, slot actors and prewarming thread), ``SPEED`` (100) times faster than
recorded. Each of the trace's 20 models is a Python callable registered in code whose
factory takes the model's recorded load time (divided by ``SPEED``) and holds a buffer of
its recorded size (divided by ``SPEED``, and declared as its memory). Requests are issued
by 16 threads at their recorded times; a pipeline step is issued its recorded gap after
the previous step got its model (closed loop). Each request acquires, calls and releases.

The prewarmer's clock-dependent settings are scaled alike: the horizon (15 s) and the
predictor's idle-time histogram (0.05 s .. 4 h) are divided by ``SPEED``.

Figures per implementation at a 6 GB (scaled: 60 MB) budget: the cold-start rate
(requests that waited for a load), p95 acquire in trace seconds (the wait times ``SPEED``)
and wasted memory in MB x s (the pool's ``wasted_memory_seconds``, scaled back). Target
(issue 17): prewarming at least 30% fewer cold starts than LRU (ratio <= 0.7 in the ``lru``
row) and fewer than GDSF alone. Thread scheduling makes a live run vary a little from run
to run, unlike the simulated replay.
"""

from __future__ import annotations

import heapq
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from ._pool_trace import load_trace

SPEED = 100.0
BUDGET_MB = 6000
WORKERS = 16
MB = 1_000_000

_RESULTS: dict[str, dict[str, float]] = {}


def _factory(size: int, load_s: float) -> Any:
    def make(manifest: Any) -> Any:
        time.sleep(load_s)
        weights = bytearray(size)
        return lambda x: len(weights) + x
    return make


def replay(impl: str, trace: dict[str, Any] | None = None, speed: float = SPEED,
           budget_mb: float = BUDGET_MB) -> dict[str, float]:
    """Run the trace against a live pool of ``impl``; cold-start rate, p95 wait, wasted MB*s."""
    from symphony import Node
    from symphony.pool import Pool, Predictor

    trace = trace or load_trace()
    models = trace["models"]
    requests = trace["requests"]
    predictor = Predictor(min_idle=0.05 / speed, max_idle=4 * 3600.0 / speed)
    options: dict[str, Any] = {"lru": {"policy": "lru", "prewarm": False}, "gdsf": {"policy": "gdsf", "prewarm": False},
                               "symphony": {"policy": "gdsf", "prewarm": True, "prewarm_horizon": 15.0 / speed,
                                            "prewarm_interval": 0.002, "predictor": predictor}}[impl]
    children: dict[int, list[int]] = {}
    for i, r in enumerate(requests):
        if len(r) == 3:
            children.setdefault(r[2], []).append(i)
    waits: list[float] = []
    lock = threading.Condition()
    due: list[tuple[float, int]] = [(r[0] / speed, i) for i, r in enumerate(requests) if len(r) == 2]
    heapq.heapify(due)
    pending = [len(requests)]
    errors: list[BaseException] = []

    with Node("bench-pool-replay") as node, Pool(node, None, budget=int(budget_mb * MB / speed), max_loading=4,
                                                  **options) as pool:
        for m in models:
            size = int(m["size_mb"] * MB / speed)
            pool.register(m["name"], _factory(size, m["load_s"] / speed), memory=size, factory=True)
        start = time.monotonic()

        def serve(i: int) -> None:
            name = models[requests[i][1]]["name"]
            try:
                t0 = time.monotonic()
                with pool.acquire(name, timeout=120) as model:
                    waits.append(time.monotonic() - t0)
                    model(1)
                served = time.monotonic() - start
            except BaseException as exc:  # noqa: BLE001 - reported after the run
                errors.append(exc)
                served = time.monotonic() - start
            with lock:
                for child in children.get(i, ()):
                    heapq.heappush(due, (served + requests[child][0] / speed, child))
                pending[0] -= 1
                lock.notify_all()

        with ThreadPoolExecutor(WORKERS, thread_name_prefix="replay") as workers:
            with lock:
                while pending[0]:
                    now = time.monotonic() - start
                    if due and due[0][0] <= now:
                        _, i = heapq.heappop(due)
                        workers.submit(serve, i)
                        continue
                    lock.wait(min(0.05, due[0][0] - now) if due else 0.05)
        stats = pool.statistics()
    if errors:
        raise errors[0]
    waits.sort()
    cold = sum(m["misses"] for m in stats["models"])
    return {"cold_start_rate": cold / len(requests),
            "p95_acquire_s": waits[int(0.95 * (len(waits) - 1))] * speed,
            "wasted_mb_s": sum(m["wasted_memory_seconds"] for m in stats["models"]) * speed * speed / MB}


def _result(impl: str) -> dict[str, float]:
    if impl not in _RESULTS:
        _RESULTS[impl] = replay(impl)
    return _RESULTS[impl]


class LiveReplay:
    """The recorded trace against the live pool, 100x faster, 6 GB budget (scaled)."""

    params = [["symphony", "lru", "gdsf"]]
    param_names = ["impl"]
    timeout = 600

    def track_cold_start_rate(self, impl: str) -> float:
        return _result(impl)["cold_start_rate"]

    track_cold_start_rate.unit = "of requests"  # type: ignore[attr-defined]
    track_cold_start_rate.target = 0.7  # type: ignore[attr-defined]  # vs LRU; vs GDSF alone the issue asks < 1

    def track_p95_acquire_s(self, impl: str) -> float:
        return _result(impl)["p95_acquire_s"]

    track_p95_acquire_s.unit = "s (trace time)"  # type: ignore[attr-defined]

    def track_wasted_mb_s(self, impl: str) -> float:
        return _result(impl)["wasted_mb_s"]

    track_wasted_mb_s.unit = "MB*s"  # type: ignore[attr-defined]


if __name__ == "__main__":
    import sys

    for name in sys.argv[1:] or ["symphony", "lru", "gdsf"]:
        print(name, replay(name))

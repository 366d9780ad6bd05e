"""DAG scheduling overhead: Symphony's tracker vs ``dask.threaded.get`` on the same graph.

A no-op workflow of N tasks, each depending on up to 3 of the 50 tasks before it (a fixed
seed, so both libraries get the identical graph), all results returned. The target: at
10,000 tasks Symphony takes at most half of Dask's time, and the per-task cost stays flat
up to 100,000 tasks.

Dask at 100,000 tasks is opt-in (``SYMPHONY_BENCH_DASK_100K=1``): measured here, one
``dask.threaded.get`` of that graph took 135 s and 19 GB of memory, which can take a shared
machine down; its setup raises ``NotImplementedError`` otherwise, which asv reports as skipped.
"""

from __future__ import annotations

import os
import random
import statistics
import time
from typing import Any


def noop(*inputs: Any) -> None:
    return None


def graph(tasks: int, seed: int = 1) -> dict[str, list[str]]:
    """Task name -> deps: up to 3 distinct tasks among the 50 before it."""
    rnd = random.Random(seed)
    out: dict[str, list[str]] = {}
    for i in range(tasks):
        k = min(i, rnd.randint(0, 3))
        out[f"t{i}"] = [f"t{j}" for j in rnd.sample(range(max(0, i - 50), i), k)] if k else []
    return out


class NoopWorkflow:
    """Run the whole graph once per call; ``track_per_task_us`` is the median over repeats."""

    params = [["symphony", "dask"], [1000, 10000, 100000]]
    param_names = ["impl", "tasks"]
    timeout = 900
    unit = "us"

    def setup(self, impl: str, tasks: int) -> None:
        if impl == "dask" and tasks > 10_000 and not os.environ.get("SYMPHONY_BENCH_DASK_100K"):
            raise NotImplementedError("dask at 100,000 tasks needs ~19 GB; set SYMPHONY_BENCH_DASK_100K=1")
        deps = graph(tasks)
        if impl == "symphony":
            from symphony import Node
            from symphony.dag import Workflow

            self.node = Node("bench-dag")
            wf = Workflow("noop")
            for name, ds in deps.items():
                wf.add(name, noop, deps=ds)
            self.wf = wf
            self.run = lambda: wf.run(node=self.node)
        else:
            from concurrent.futures import ThreadPoolExecutor

            import dask.threaded

            dsk = {name: (noop, *ds) for name, ds in deps.items()}
            keys = list(dsk)
            # dask's default pool (one thread per core) made explicit, so teardown can end it
            self.pool = ThreadPoolExecutor(os.cpu_count() or 2)
            pool = self.pool
            self.run = lambda: dask.threaded.get(dsk, keys, pool=pool)
        self.run()  # warm up

    def teardown(self, impl: str, tasks: int) -> None:
        node = getattr(self, "node", None)
        if node is not None:
            node.stop()
        pool = getattr(self, "pool", None)
        if pool is not None:
            pool.shutdown(wait=True)

    def time_run(self, impl: str, tasks: int) -> None:
        self.run()

    def track_per_task_us(self, impl: str, tasks: int) -> float:
        repeats = 5 if tasks <= 10_000 else (3 if impl == "symphony" else 1)
        samples = []
        for _ in range(repeats):
            start = time.perf_counter()
            self.run()
            samples.append((time.perf_counter() - start) / tasks * 1e6)
        return statistics.median(samples)

    track_per_task_us.unit = "us"  # type: ignore[attr-defined]
    track_per_task_us.target = {"tasks=10000": 0.5}  # type: ignore[attr-defined]

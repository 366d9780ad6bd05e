"""Quick figures for the AIDE benchmarks without asv: ``python asv_bench/aide_quick.py [--big]``.

``--big`` adds the 100,000-task workflow (Dask there only with SYMPHONY_BENCH_DASK_100K=1).

Runs each ``track_*`` of ``benchmarks/artifacts.py`` and ``benchmarks/dag.py`` once per
parameter in this process and prints benchmark, ours, peer, ratio (ours / peer).
"""

from __future__ import annotations

import os
import statistics
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "benchmarks"))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import artifacts  # noqa: E402
import dag  # noqa: E402


def measure(cls: type, method: str, *params: object) -> float:
    bench = cls()
    bench.setup(*params)
    try:
        return float(getattr(bench, method)(*params))
    finally:
        bench.teardown(*params)


def paired(cls: type, method: str, ours: str, peer: str, *params: object, rounds: int = 3) -> tuple[float, float]:
    """Medians over ``rounds`` alternating runs of ours and the peer (the disk and the CPUs
    are shared, so alternating keeps both exposed to the same noise)."""
    a, b = [], []
    for _ in range(rounds):
        a.append(measure(cls, method, ours, *params))
        b.append(measure(cls, method, peer, *params))
    return statistics.median(a), statistics.median(b)


def main() -> None:
    big = "--big" in sys.argv
    rows = []
    for cls, method in [(artifacts.PutLatency, "track_put_p50_us"), (artifacts.GetLatency, "track_get_p50_us"),
                        (artifacts.ConcurrentWriters, "track_puts_per_second")]:
        ours, peer = cls.params[0]
        a, b = paired(cls, method, ours, peer)
        rows.append((f"{cls.__name__}.{method}", a, f"{peer} {b:.1f}", a / b))
    rows.append(("EditDedup.track_added_bytes", measure(artifacts.EditDedup, "track_added_bytes", "symphony"),
                 "limit 2097152", None))
    sizes = [1000, 10000, 100000] if big else [1000, 10000]
    for tasks in sizes:
        a = measure(dag.NoopWorkflow, "track_per_task_us", "symphony", tasks)
        try:
            b = measure(dag.NoopWorkflow, "track_per_task_us", "dask", tasks)
        except NotImplementedError:
            rows.append((f"NoopWorkflow.track_per_task_us[{tasks}]", a, "dask skipped", None))
            continue
        rows.append((f"NoopWorkflow.track_per_task_us[{tasks}]", a, f"dask {b:.1f}", a / b))
    print(f"{'benchmark':45s} {'ours':>12s} {'peer':>22s} {'ratio':>7s}")
    for name, ours, peer, ratio in rows:
        print(f"{name:45s} {ours:12.1f} {peer:>22s} {'' if ratio is None else f'{ratio:7.2f}'}")


if __name__ == "__main__":
    main()

"""Eviction and prewarming on a recorded request trace: GDSF + prediction vs LRU and GDSF alone.

The trace (``pool_trace.json``, made by ``_pool_trace.py``: 20 models of 40 MB .. 1.6 GB
with load costs of 0.3 .. 7 s, eight phases of repeating pipelines, two periodic models,
a Zipf trickle; ~4,900 requests over two hours) is replayed by ``_pool_sim.py`` through
the pool's own policy code at the same memory budget for each implementation:

- ``symphony``: GDSF eviction + the ``Predictor`` and ``plan_prewarm`` (prewarming),
- ``lru``: plain LRU (Ray Serve's multiplexing policy), no prewarming,
- ``gdsf``: Greedy-Dual-Size-Frequency alone (FaasCache), no prewarming.

Figures per budget: the cold-start rate (requests that had to wait for a load, including
ones that joined a prewarm still in flight), the p95 acquire latency (seconds waited:
0 on a hit, the load's remaining time on a miss) and the wasted memory (MB x seconds a
model stayed resident after its last request). The issue's target: at the same budget,
prediction has at least 30% fewer cold starts than LRU (ratio <= 0.7 in the ``lru`` rows)
and fewer than GDSF alone (ratio < 1 in the ``gdsf`` rows). The replay is deterministic:
one run is the figure (simulated time, not this machine's).

How much rests on this one trace: ``python -m asv_bench.benchmarks.pool_policy [SEED ...]``
prints the cold starts of fresh traces from other seeds of the same generator (the
predictor's settings were chosen on the recorded trace, so other seeds are its held-out
check), with GDSF as FaasCache has it and with its frequency capped at 4.
"""

from __future__ import annotations

import sys
from typing import Any

from ._pool_sim import Result, replay
from ._pool_trace import generate, load_trace

_RESULTS: dict[tuple[str, int], Result] = {}
_TRACE: dict[str, Any] = {}


def result(impl: str, budget_mb: int) -> Result:
    """The replay of ``impl`` at ``budget_mb`` (each computed once per process)."""
    key = (impl, budget_mb)
    if key not in _RESULTS:
        if not _TRACE:
            _TRACE.update(load_trace())
        if impl == "symphony":
            _RESULTS[key] = replay(_TRACE, "gdsf", budget_mb, predict=True)
        else:
            _RESULTS[key] = replay(_TRACE, impl, budget_mb)
    return _RESULTS[key]


class PolicyReplay:
    """One replay per implementation and budget; the three track methods read it."""

    params = [["symphony", "lru", "gdsf"], [3000, 4500, 6000, 8000]]
    param_names = ["impl", "budget_mb"]
    timeout = 300

    def setup(self, impl: str, budget_mb: int) -> None:
        self.result = result(impl, budget_mb)

    def track_cold_start_rate(self, impl: str, budget_mb: int) -> float:
        return self.result.cold_start_rate

    track_cold_start_rate.unit = "of requests"  # type: ignore[attr-defined]
    track_cold_start_rate.target = 1.0  # type: ignore[attr-defined]  # vs LRU the issue asks <= 0.7

    def track_p95_acquire_s(self, impl: str, budget_mb: int) -> float:
        return self.result.p95_acquire_s

    track_p95_acquire_s.unit = "s (simulated)"  # type: ignore[attr-defined]

    def track_wasted_mb_s(self, impl: str, budget_mb: int) -> float:
        return self.result.wasted_mb_s

    track_wasted_mb_s.unit = "MB*s"  # type: ignore[attr-defined]


def held_out(seeds: list[int], budgets: tuple[int, ...] = (4500, 6000, 8000)) -> None:
    """Print cold starts per policy on traces generated from ``seeds`` (see the docstring)."""
    setups: list[tuple[str, str, bool, dict[str, Any]]] = [
        ("lru", "lru", False, {}), ("gdsf", "gdsf", False, {}), ("gdsf+predict", "gdsf", True, {}),
        ("gdsf4", "gdsf", False, {"max_frequency": 4}), ("gdsf4+predict", "gdsf", True, {"max_frequency": 4})]
    print("seed budget_mb " + " ".join(f"{name:>13}" for name, *_ in setups) + "  predict/lru predict/gdsf")
    for seed in seeds:
        trace = generate(seed=seed)
        for budget in budgets:
            cold = [replay(trace, pol, budget, predict=pr, policy_options=opts).cold_starts
                    for _, pol, pr, opts in setups]
            print(f"{seed:>4} {budget:>9} " + " ".join(f"{c:>13}" for c in cold)
                  + f"  {cold[2] / max(cold[0], 1):>11.2f} {cold[2] / max(cold[1], 1):>12.2f}")


if __name__ == "__main__":
    held_out([int(a) for a in sys.argv[1:]] or [17, 1, 2, 3, 4, 5])

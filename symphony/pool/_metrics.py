"""What the pool measures per model version, and the acquire latency distribution.

Hits are counted by the hit path itself (each lease entry counts its grants, and times one
grant in 64); misses, loads, failures and memory use are counted here, by the slow path.
*Wasted memory-seconds* are the bytes a version held times the seconds it held them
without being used: from READY to its first lease, and from its last lease to its
unloading (FaasCache's keep-alive waste).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

__all__ = ["AcquireTimes", "VersionStats", "percentile"]

#: The hit path times one grant in this many (``SlotTable.hit_samples``).
HIT_SAMPLE_EVERY = 64


@dataclass
class VersionStats:
    """Counters of one model version over the pool's life."""

    hits: int = 0
    misses: int = 0
    loads: int = 0
    failures: int = 0
    prewarms: int = 0
    prewarm_hits: int = 0
    evictions: int = 0
    load_seconds_total: float = 0.0
    last_load_seconds: float = 0.0
    wasted_memory_seconds: float = 0.0
    memory: int = 0
    measured_memory: int = 0
    #: hits already folded into ``hits`` from the entry being served now
    seen_hits: int = field(default=0, repr=False)

    def as_dict(self) -> dict[str, Any]:
        return {
            "hits": self.hits,
            "misses": self.misses,
            "loads": self.loads,
            "failures": self.failures,
            "prewarms": self.prewarms,
            "prewarm_hits": self.prewarm_hits,
            "evictions": self.evictions,
            "load_seconds_total": self.load_seconds_total,
            "last_load_seconds": self.last_load_seconds,
            "wasted_memory_seconds": self.wasted_memory_seconds,
            "memory": self.memory,
            "measured_memory": self.measured_memory,
        }


def percentile(weighted: list[tuple[float, int]], q: float) -> float:
    """The ``q`` quantile (0..1) of values given with integer weights; NaN when empty."""
    total = sum(w for _, w in weighted)
    if total == 0:
        return math.nan
    rank = q * (total - 1)
    seen = 0
    for value, weight in sorted(weighted):
        seen += weight
        if seen > rank:
            return value
    return sorted(weighted)[-1][0]


class AcquireTimes:
    """Durations of acquires that missed (each one), kept with the hit path's samples.

    Bounded: the newest ``capacity`` misses are kept.
    """

    def __init__(self, capacity: int = 4096) -> None:
        self.capacity = capacity
        self.misses: list[float] = []
        self._next = 0

    def add_miss(self, seconds: float) -> None:
        if len(self.misses) < self.capacity:
            self.misses.append(seconds)
        else:
            self.misses[self._next] = seconds
            self._next = (self._next + 1) % self.capacity

    def summary(self, hit_samples: list[float]) -> dict[str, Any]:
        """p50/p95/p99 (seconds) and counts over hits (each sample standing for 64) and misses."""
        weighted = [(s, HIT_SAMPLE_EVERY) for s in hit_samples] + [(s, 1) for s in self.misses]
        return {
            "p50": percentile(weighted, 0.50),
            "p95": percentile(weighted, 0.95),
            "p99": percentile(weighted, 0.99),
            "hit_samples": len(hit_samples),
            "misses_timed": len(self.misses),
        }

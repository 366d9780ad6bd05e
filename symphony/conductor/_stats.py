"""Per-agent statistics: calls, failures, quality and latency, with the router's regret estimate.

Counted by the conductor as steps run and scores arrive (thread-safe), saved with the policy
(``conductor/stats``) so ``symphony conductor stats`` reads them from the store later.
"""

from __future__ import annotations

import json
import math
import threading
from typing import Any

__all__ = ["AgentStats"]

_FIELDS = ("calls", "failures", "quality_sum", "quality_n", "latency_sum")


class AgentStats:
    """Counters per agent; :meth:`report` is what ``Conductor.stats()`` returns."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._agents: dict[str, dict[str, float]] = {}

    def _row(self, agent: str) -> dict[str, float]:
        row = self._agents.get(agent)
        if row is None:
            row = self._agents[agent] = dict.fromkeys(_FIELDS, 0.0)
        return row

    def call(self, agent: str, latency: float, ok: bool) -> None:
        """One request to ``agent`` that took ``latency`` seconds and succeeded or failed."""
        with self._lock:
            row = self._row(agent)
            row["calls"] += 1
            row["latency_sum"] += latency
            if not ok:
                row["failures"] += 1

    def quality(self, agent: str, score: float) -> None:
        """A quality score for a result ``agent`` made."""
        with self._lock:
            row = self._row(agent)
            row["quality_sum"] += score
            row["quality_n"] += 1

    def report(self, router_stats: dict[str, dict[str, dict[str, Any]]] | None = None) -> dict[str, dict[str, Any]]:
        """``{agent: {"calls", "failures", "mean_quality", "mean_latency", "scored", "decisions",
        "explored", "regret"}}``; means are None before anything is counted. ``regret`` sums the
        router's estimate over every step key the agent was chosen for."""
        with self._lock:
            rows = {name: dict(row) for name, row in self._agents.items()}
        out: dict[str, dict[str, Any]] = {}
        for name, row in sorted(rows.items()):
            calls = int(row["calls"])
            out[name] = {
                "calls": calls, "failures": int(row["failures"]),
                "mean_quality": row["quality_sum"] / row["quality_n"] if row["quality_n"] else None,
                "mean_latency": row["latency_sum"] / calls if calls else None,
                "scored": int(row["quality_n"]), "decisions": 0, "explored": 0, "regret": 0.0,
            }
        for per_agent in (router_stats or {}).values():
            for name, figures in per_agent.items():
                row_out = out.setdefault(name, {"calls": 0, "failures": 0, "mean_quality": None, "mean_latency": None,
                                                "scored": 0, "decisions": 0, "explored": 0, "regret": 0.0})
                row_out["decisions"] += int(figures.get("decisions", 0))
                row_out["explored"] += int(figures.get("explored", 0))
                regret = float(figures.get("regret", 0.0))
                if math.isfinite(regret):
                    row_out["regret"] += regret
        return out

    def to_bytes(self) -> bytes:
        """The counters as JSON (what is saved as ``conductor/stats``)."""
        with self._lock:
            return json.dumps(self._agents, sort_keys=True).encode()

    def restore(self, data: bytes) -> bool:
        """Load counters saved by :meth:`to_bytes`; False (and nothing changed) if they are damaged."""
        try:
            loaded = json.loads(data)
            rows = {str(name): {f: float(row[f]) for f in _FIELDS} for name, row in loaded.items()}
        except (ValueError, TypeError, KeyError, AttributeError):
            return False
        if not all(math.isfinite(v) and v >= 0 for row in rows.values() for v in row.values()):
            return False
        with self._lock:
            self._agents = rows
        return True

"""Prewarming: learn the request sequence and load the likely next model ahead of time.

A thread of the pool wakes every ``interval`` (and at once after a miss), reads the grants
the hit path logged since (in order, with their times) and the misses, feeds them to the ``Predictor``
and asks ``plan_prewarm`` whether a model not resident is likely enough to be needed soon
to load it now, and what to evict for it. The plan never evicts a model at least as likely
to be needed as the one it loads, and never one with a live lease; at most two prewarms
load at once; a prewarm is an ordinary
load (it shows as ``model.loading`` with ``cause`` "prewarm").
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from ._predictor import Predictor
from ._prewarm import plan_prewarm
from ._slot import now
from ._states import ModelState


__all__ = ["Prewarmer"]

logger = logging.getLogger("symphony.pool")

#: Prewarms loading at once that nobody waits for (the setting the policy benchmark measured).
MAX_PREWARMS = 2


class Prewarmer:
    """The pool's prewarming thread (see the module docstring)."""

    def __init__(self, pool: Any, interval: float, horizon: float = 15.0, threshold: float = 0.5,
                 predictor: Predictor | None = None) -> None:
        if not interval > 0:
            raise ValueError(f"prewarm_interval must be > 0, not {interval!r}")
        self.pool = pool
        self.interval = interval
        self.horizon = horizon
        self.threshold = threshold
        self.predictor = predictor if predictor is not None else Predictor()
        self._wake = threading.Event()
        self._stop = False
        self._missed: list[tuple[Any, float]] = []
        self._thread = threading.Thread(target=self._run, name="symphony-pool-prewarm", daemon=True)
        self._thread.start()

    def note_miss(self, key: Any) -> None:
        """A request the hit path did not grant (called under the pool's lock)."""
        self._missed.append((key, now()))
        self._wake.set()

    def stop(self) -> None:
        self._stop = True
        self._wake.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop:
            self._wake.wait(self.interval)
            self._wake.clear()
            if self._stop:
                return
            try:
                self.step()
            except Exception:  # noqa: BLE001 - a bad prediction must not stop prewarming
                logger.exception("prewarming failed")

    def step(self) -> Any:
        """Learn what was requested since the last step; start one prewarm if the plan says so."""
        pool = self.pool
        grants = pool._table.drain_grants()
        with pool._lock:
            if pool._closed:
                return None
            missed, self._missed = self._missed, []
            events = sorted(missed + grants, key=lambda e: e[1])
            for key, t in events:
                self.predictor.observe(key, t)
            if not events:
                return None
            pool._sync_hits()
            slots = pool._slots
            loading = {k for k, s in slots.items() if s.loading}
            if sum(1 for k in loading if slots[k].cause == "prewarm") >= MAX_PREWARMS:
                return None
            resident = {k: s.size for k, s in slots.items()
                        if s.state is ModelState.READY and s.entry is not None and not s.loading}
            pinned = {k for k in resident if slots[k].entry.live > 0}
            candidates = {k: pool._estimate(s.manifest) if not s.stats.memory else s.stats.memory
                          for k, s in slots.items() if not s.failed and k not in resident and k not in loading}
            costs = {k: s.stats.last_load_seconds for k, s in slots.items()}
            budget = pool.budget if pool.budget is not None else pool._used + max(candidates.values(), default=0)
            plan = plan_prewarm(self.predictor, pool.policy, sizes=resident, candidates=candidates, pinned=pinned,
                                loading=loading, budget=budget, used=pool._used, now=now(), horizon=self.horizon,
                                costs=costs, threshold=self.threshold)
            if plan is None:
                return None
            slot = slots[plan.key]
            for victim in plan.evict:
                pool._unload(slots[victim], "evicted")
            try:
                pool._start_load(slot, "prewarm")
            except Exception:  # noqa: BLE001 - no room after all: the next request loads it
                return None
            return plan

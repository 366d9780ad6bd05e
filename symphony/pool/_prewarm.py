"""Prewarm planning: which model to load ahead of its request, and what to evict for it.

``plan_prewarm`` is a pure function of the predictor, the policy and the pool's memory
picture; it changes nothing (it reads ``policy.priority`` only, never ``victims``, so
GDSF's clock does not move on a plan, carried out or not: GDSF raises its clock only for the
victims it chose itself). The pool carries a plan out like a demand load: evict the victims,
then load the model (``policy.admitted`` when it is resident).

How the pool uses it (what ``asv_bench/benchmarks/pool_policy.py`` measured): after each
request, ``predictor.observe(key, now)`` then ``plan_prewarm(..., horizon=15.0,
threshold=0.5)``, carried out while fewer than two prewarms are loading and nobody waits
for them.

Rules:
- A candidate is a known model neither resident nor loading whose need probability within
  its window (``horizon`` plus its own load time from ``costs``, so a slow model is looked
  at earlier) is at least ``threshold``. The likeliest candidate that fits is chosen.
- A plan never evicts a pinned model (live leases, loading) nor one whose need probability
  (over the candidate's window) is >= the candidate's, nor one at or above ``evict_below``
  (default ``threshold / 2``: a model nearly likely enough to be prewarmed itself is not
  churned out for another guess); among the others, the least likely go first, ties by the
  policy's lowest keep-priority.
- ``used + size - freed <= budget`` after the plan; a model larger than the budget is never
  a candidate.
"""

from __future__ import annotations

import math
from typing import Collection, Generic, Hashable, Mapping, NamedTuple, TypeVar

from ._policy import EvictionPolicy, check_sizes
from ._predictor import Predictor

__all__ = ["Prewarm", "plan_prewarm"]

K = TypeVar("K", bound=Hashable)


class Prewarm(NamedTuple, Generic[K]):
    """A plan: load ``key`` (need probability ``probability``) after evicting ``evict``."""

    key: K
    evict: list[K]
    probability: float


def _check(value: float, what: str, low: float = 0.0) -> float:
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value) or value < low:
        raise ValueError(f"{what} must be a finite number >= {low}, got {value!r}")
    return value


def plan_prewarm(predictor: Predictor, policy: EvictionPolicy, *, sizes: Mapping[K, int],
                 candidates: Mapping[K, int], pinned: Collection[K] = (),
                 loading: Collection[K] = (), budget: int, used: int, now: float,
                 horizon: float, costs: Mapping[K, float] | None = None,
                 threshold: float = 0.5, evict_below: float | None = None) -> Prewarm[K] | None:
    """The model to load ahead and what to evict for it, or None (see the module docstring).

    ``sizes``: resident key -> bytes (the evictable universe); ``candidates``: loadable key ->
    bytes (resident or loading ones are skipped); ``pinned``: keys never to evict;
    ``loading``: keys being loaded now (never candidates, never victims); ``budget`` and
    ``used``: bytes (``used`` counts resident and loading models); ``now``, ``horizon``:
    seconds; ``costs``: key -> load seconds (default 0); ``threshold``, ``evict_below``: in
    [0, 1] (see the module docstring).
    ValueError on a negative or non-finite number among them.
    """
    _check(budget, "budget")
    _check(used, "used")
    _check(now, "now", -math.inf)
    _check(horizon, "horizon")
    _check(threshold, "threshold")
    if threshold > 1.0:
        raise ValueError(f"threshold must be <= 1, got {threshold!r}")
    check_sizes(sizes)
    check_sizes(candidates)
    costs = costs or {}
    evict_below = threshold / 2 if evict_below is None else _check(evict_below, "evict_below")
    if evict_below > 1.0:
        raise ValueError(f"evict_below must be <= 1, got {evict_below!r}")
    for key, cost in costs.items():
        _check(cost, f"cost of {key!r}")
    loads = set(loading)
    keep = set(pinned) | loads
    ranked: list[tuple[float, K, float]] = []
    for key, size in candidates.items():
        if key in sizes or key in loads or size > budget:
            continue
        window = horizon + costs.get(key, 0.0)
        p = predictor.need_probability(key, now, window)
        if p >= threshold and p > 0.0:
            ranked.append((p, key, window))
    ranked.sort(key=lambda t: -t[0])  # stable: ties keep the candidates' order
    for p, key, window in ranked:
        need = used + candidates[key] - budget
        if need <= 0:
            return Prewarm(key, [], p)
        pool: list[tuple[float, float, K]] = []
        for other in sizes:
            if other in keep:
                continue
            q = predictor.need_probability(other, now, window)
            if q < p and q < evict_below:
                pool.append((q, policy.priority(other), other))
        pool.sort(key=lambda t: (t[0], t[1]))
        chosen: list[K] = []
        freed = 0
        for _, _, other in pool:
            if freed >= need:
                break
            chosen.append(other)
            freed += sizes[other]
        if freed >= need:
            return Prewarm(key, chosen, p)
    return None

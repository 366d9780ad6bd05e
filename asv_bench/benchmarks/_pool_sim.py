"""A replay of a request trace through the pool's own policy code, in simulated time.

Not a model of the policies: every decision comes from ``symphony.pool._policy`` (what to
evict on a miss: ``policy.victims``; bookkeeping: ``admitted``/``used``/``removed``), and,
with prediction on, ``symphony.pool._predictor.Predictor`` (``observe`` on each request)
and ``symphony.pool._prewarm.plan_prewarm`` (what to load ahead, what to evict for it),
with the same arguments the pool gives them. Only time is simulated: a load takes the
model's recorded load cost, requests arrive at their recorded times.

The rules of the replay:
- Memory: resident models plus models being loaded (their memory is reserved when the load
  starts) never exceed ``budget``. A model becomes resident (``admitted``) when its load ends.
- Requests arrive at their recorded times, except pipeline steps, which arrive their
  recorded gap after the previous step was served (closed loop, see ``_pool_trace``).
- A request for a resident model is a hit (acquire latency 0). Anything else is a cold
  start: it waits until its model's load ends, whether it starts that load (waiting the
  full load cost) or joins one already under way (a prewarm in flight shortens the wait).
- A miss that does not fit evicts ``policy.victims(...)`` (no model is pinned: a request
  uses its model at once). If loads in flight hold the memory, unrequested prewarms are
  cancelled first, then the miss waits for the earliest load to end.
- With prediction: after each request, ``plan_prewarm`` runs (window = ``horizon`` + the
  candidate's load cost); a plan evicts its victims and starts a load, at most
  ``max_inflight`` prewarms at a time.
- Wasted memory-seconds: for each residency, size x the time from its last request (or
  from the load's start, if it served none) until it leaves memory (or the trace ends):
  memory held that served nothing more.

The coordinator replays the same trace against the real ``Pool`` (``pool_trace.json``).
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass
from typing import Any

from symphony.pool._policy import make_policy
from symphony.pool._predictor import Predictor
from symphony.pool._prewarm import plan_prewarm

__all__ = ["Result", "replay"]

MB = 1_000_000


@dataclass
class Result:
    """What one replay measured."""

    policy: str
    budget_mb: float
    requests: int
    cold_starts: int
    p50_acquire_s: float
    p95_acquire_s: float
    wasted_mb_s: float
    loads: int
    prewarms: int
    prewarms_used: int

    @property
    def cold_start_rate(self) -> float:
        return self.cold_starts / self.requests if self.requests else 0.0


def _quantile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


class _Replay:
    def __init__(self, trace: dict[str, Any], policy: str, budget_mb: float, predict: bool,
                 horizon: float, threshold: float, max_inflight: int, evict_below: float | None,
                 policy_options: dict[str, Any]) -> None:
        self.names = [m["name"] for m in trace["models"]]
        self.size = {m["name"]: int(m["size_mb"] * MB) for m in trace["models"]}
        self.cost = {m["name"]: float(m["load_s"]) for m in trace["models"]}
        self.budget = int(budget_mb * MB)
        if max(self.size.values()) > self.budget:
            raise ValueError(f"budget {budget_mb} MB is below the largest model")
        self.policy = make_policy(policy, **policy_options)
        self.predictor = Predictor() if predict else None
        self.horizon, self.threshold, self.max_inflight = horizon, threshold, max_inflight
        self.evict_below = evict_below
        self.label = policy + "".join(f",{k}={v}" for k, v in policy_options.items()) + ("+predict" if predict else "")
        self.resident: dict[str, int] = {}
        self.last_use: dict[str, float] = {}
        self.loading: dict[str, tuple[float, bool, int]] = {}  # key -> (ends, prewarm, requests waiting)
        self.ends: list[tuple[float, str]] = []  # heap of load ends
        self.used = 0
        self.wasted = 0.0
        self.loads = self.prewarms = self.prewarms_used = 0

    # -- memory ---------------------------------------------------------------------
    def _finish_until(self, t: float) -> None:
        while self.ends and self.ends[0][0] <= t:
            end, key = heapq.heappop(self.ends)
            entry = self.loading.get(key)
            if entry is None or entry[0] != end:
                continue  # cancelled
            del self.loading[key]
            _, prewarm, waiting = entry
            self.resident[key] = self.size[key]
            self.policy.admitted(key, self.size[key], self.cost[key], end)
            for _ in range(max(0, waiting - 1)):  # the first waiter is the admission itself
                self.policy.used(key, end)
            if prewarm and waiting:
                self.policy.used(key, end)
            if waiting:
                self.last_use[key] = end

    def _evict(self, key: str, t: float) -> None:
        size = self.resident.pop(key)
        self.used -= size
        self.wasted += size / MB * max(0.0, t - self.last_use.pop(key))
        self.policy.removed(key)

    def _start(self, key: str, t: float, prewarm: bool, waiting: int) -> float:
        end = t + self.cost[key]
        self.loading[key] = (end, prewarm, waiting)
        heapq.heappush(self.ends, (end, key))
        self.used += self.size[key]
        if self.used > self.budget:  # the policy code's promise, checked on every load
            raise AssertionError(f"{self.label}: {self.used} bytes in use past the budget {self.budget}")
        self.last_use[key] = t
        self.loads += 1
        self.prewarms += prewarm
        return end

    def _make_room(self, key: str, t: float) -> float:
        """Evict for ``key``; returns when its load can start (later than ``t`` only if loads
        in flight hold the memory)."""
        while True:
            need = self.used + self.size[key] - self.budget
            if need <= 0:
                return t
            victims = self.policy.victims(need, self.resident, (), t)
            if victims is not None:
                for v in victims:
                    self._evict(v, t)
                return t
            idle = [k for k, (_, pre, waiting) in self.loading.items() if pre and not waiting]
            if idle:  # cancel an unrequested prewarm: its memory was reserved for nothing
                k = idle[0]
                del self.loading[k]
                self.used -= self.size[k]
                self.wasted += self.size[k] / MB * (t - self.last_use.pop(k))
                continue
            t = min(end for end, _, _ in self.loading.values())
            self._finish_until(t)

    # -- requests -------------------------------------------------------------------
    def request(self, t: float, key: str) -> tuple[bool, float]:
        """(cold start, acquire latency) of a request for ``key`` at ``t``."""
        self._finish_until(t)
        if key in self.resident:
            self.policy.used(key, t)
            self.last_use[key] = t
            cold, wait = False, 0.0
        elif key in self.loading:
            end, prewarm, waiting = self.loading[key]
            if prewarm and not waiting:
                self.prewarms_used += 1
            self.loading[key] = (end, prewarm, waiting + 1)
            cold, wait = True, end - t
        else:
            start = self._make_room(key, t)
            end = self._start(key, start, False, 1)
            cold, wait = True, end - t
        if self.predictor is not None:
            self.predictor.observe(key, t)
            self._prewarm(t)
        return cold, wait

    def _prewarm(self, t: float) -> None:
        assert self.predictor is not None
        while sum(1 for _, pre, w in self.loading.values() if pre and not w) < self.max_inflight:
            plan = plan_prewarm(self.predictor, self.policy, sizes=self.resident, candidates=self.size,
                                loading=self.loading, budget=self.budget, used=self.used, now=t,
                                horizon=self.horizon, costs=self.cost, threshold=self.threshold,
                                evict_below=self.evict_below)
            if plan is None:
                return
            for v in plan.evict:
                self._evict(v, t)
            self._start(plan.key, t, True, 0)

    def finish(self, t: float) -> None:
        self._finish_until(t)
        for key in list(self.resident):
            self._evict(key, t)


def replay(trace: dict[str, Any], policy: str, budget_mb: float, *, predict: bool = False,
           horizon: float = 15.0, threshold: float = 0.5, max_inflight: int = 2,
           evict_below: float | None = None, policy_options: dict[str, Any] | None = None) -> Result:
    """Replay ``trace`` (``_pool_trace.generate``'s layout) at ``budget_mb`` through ``policy``
    (``"lru"`` or ``"gdsf"``, made with ``policy_options``), with prewarming from a ``Predictor``
    when ``predict`` (``horizon``, ``threshold``, ``evict_below``: ``plan_prewarm``'s; at most
    ``max_inflight`` prewarms loading at once)."""
    sim = _Replay(trace, policy, budget_mb, predict, horizon, threshold, max_inflight, evict_below,
                  policy_options or {})
    names = sim.names
    requests = trace["requests"]
    children: dict[int, list[int]] = {}
    queue: list[tuple[float, int]] = []
    for i, req in enumerate(requests):
        if len(req) > 2:
            children.setdefault(int(req[2]), []).append(i)
        else:
            queue.append((float(req[0]), i))
    heapq.heapify(queue)
    waits: list[float] = []
    cold = 0
    last = 0.0
    while queue:
        t, i = heapq.heappop(queue)
        c, w = sim.request(t, names[int(requests[i][1])])
        cold += c
        waits.append(w)
        last = t
        for child in children.get(i, ()):  # a pipeline's next step: after this one was served
            heapq.heappush(queue, (t + w + float(requests[child][0]), child))
    sim.finish(max(last, float(trace.get("duration_s", last))))
    return Result(policy=sim.label, budget_mb=budget_mb, requests=len(waits), cold_starts=cold,
                  p50_acquire_s=_quantile(waits, 0.5), p95_acquire_s=_quantile(waits, 0.95),
                  wasted_mb_s=sim.wasted, loads=sim.loads, prewarms=sim.prewarms,
                  prewarms_used=sim.prewarms_used)

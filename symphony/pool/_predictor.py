"""Request prediction for prewarming: which model is likely to be asked for soon.

Two signals, both learnt online from the request sequence alone (``observe`` each request
in order), both with bounded memory and ageing out old behaviour:

- A first-order Markov chain over model keys: how often a request for ``b`` followed one
  for ``a`` (a pipeline ``embed -> rank -> summarise`` makes ``rank`` likely after
  ``embed``). Counts decay by ``decay`` each time their row is updated, so a pipeline that
  stopped fades; each row keeps its ``max_successors`` strongest successors.
- Per-key idle-time histograms, as in "Serverless in the Wild" (Shahrad et al., ATC'20):
  the gaps between consecutive requests for the same key, in ``bins`` log-spaced bins from
  ``min_idle`` to ``max_idle`` seconds (one bin below, one above). Bins decay by ``decay``
  per new sample. Given the time since the key's last request, the histogram says how
  likely its next request falls within the next ``horizon`` seconds (a model used every
  minute becomes likely about a minute after its last use).

``need_probability`` combines them as independent evidence (``1 - (1-p_chain)(1-p_idle)``).
At most ``max_keys`` keys are remembered (the least recently requested are forgotten).
Pure Python, not thread-safe: the pool calls it under its lock.
"""

from __future__ import annotations

import bisect
import math
from collections import OrderedDict
from typing import Hashable

__all__ = ["IdleHistogram", "Predictor"]


def _finite(value: float, what: str) -> float:
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value):
        raise ValueError(f"{what} must be a finite number, got {value!r}")
    return float(value)


class IdleHistogram:
    """Decayed counts of idle gaps in log-spaced bins (see the module docstring).

    ``edges`` are shared by every histogram of one predictor; bin ``i`` holds gaps in
    ``[edges[i-1], edges[i])`` with ``edges[-1] = 0`` below the first edge and the last bin
    open-ended. Memory is ``len(edges) + 1`` floats whatever the number of samples."""

    __slots__ = ("counts", "edges", "total")

    def __init__(self, edges: list[float]) -> None:
        self.edges = edges
        self.counts = [0.0] * (len(edges) + 1)
        self.total = 0.0

    def add(self, gap: float, decay: float) -> None:
        if decay < 1.0:
            self.counts = [c * decay for c in self.counts]
            self.total *= decay
        self.counts[bisect.bisect_right(self.edges, gap)] += 1.0
        self.total += 1.0

    def cdf(self, x: float) -> float:
        """Fraction of the weight at gaps <= ``x`` (linear inside a bin; the open bin above
        the last edge counts as reached only past twice that edge)."""
        if self.total <= 0.0 or x <= 0.0:
            return 0.0
        edges = self.edges
        i = bisect.bisect_right(edges, x)
        below = sum(self.counts[:i])
        lo = edges[i - 1] if i > 0 else 0.0
        hi = edges[i] if i < len(edges) else 2.0 * edges[-1]
        frac = min(1.0, (x - lo) / (hi - lo)) if hi > lo else 1.0
        return min(1.0, (below + self.counts[i] * frac) / self.total)

    def within(self, age: float, horizon: float) -> float:
        """P(gap <= age + horizon | gap > age): the next request comes within ``horizon``
        given ``age`` seconds already passed since the last one. 0 when the history says
        nothing about gaps this long."""
        start = self.cdf(age)
        survive = 1.0 - start
        if survive <= 1e-9:
            return 0.0
        return max(0.0, min(1.0, (self.cdf(age + horizon) - start) / survive))


class Predictor:
    """Learns from the request sequence; predicts the next request and needs within a horizon.

    Parameters: ``decay`` (per-sample decay of chain rows and histograms, 0 < decay <= 1;
    lower forgets faster), ``bins``/``min_idle``/``max_idle`` (histogram shape, seconds),
    ``max_keys`` (keys remembered), ``max_successors`` (successors kept per key),
    ``max_steps`` (chain steps looked ahead within a horizon)."""

    def __init__(self, *, decay: float = 0.95, bins: int = 48, min_idle: float = 0.05,
                 max_idle: float = 4 * 3600.0, max_keys: int = 4096, max_successors: int = 16,
                 max_steps: int = 4) -> None:
        if not 0.0 < decay <= 1.0:
            raise ValueError(f"decay must be in (0, 1], got {decay!r}")
        if bins < 2 or not 0.0 < min_idle < max_idle or max_keys < 1 or max_successors < 1 or max_steps < 1:
            raise ValueError("need bins >= 2, 0 < min_idle < max_idle, max_keys, max_successors, max_steps >= 1")
        self.decay = decay
        ratio = (max_idle / min_idle) ** (1.0 / (bins - 2))
        self._edges = [min_idle * ratio ** i for i in range(bins - 1)]
        self.max_keys = max_keys
        self.max_successors = max_successors
        self.max_steps = max_steps
        self._last_seen: OrderedDict[Hashable, float] = OrderedDict()  # least recent first
        self._hist: dict[Hashable, IdleHistogram] = {}
        self._chain: dict[Hashable, dict[Hashable, float]] = {}
        self._prev: Hashable | None = None
        self._has_prev = False
        self._prev_at = 0.0
        self._gap = 0.0  # EWMA of the gap between consecutive requests (any key)
        self.observed = 0
        self._walks: dict[int, dict[Hashable, float]] = {}  # steps -> key -> P, until the next observe

    # -- learning -----------------------------------------------------------------
    def observe(self, key: Hashable, now: float) -> None:
        """Record a request for ``key`` at ``now`` (seconds, non-decreasing; a time earlier
        than the previous request counts as the same instant)."""
        now = _finite(now, "now")
        if self._has_prev:
            now = max(now, self._prev_at)
            gap = now - self._prev_at
            self._gap = gap if self.observed == 1 else 0.9 * self._gap + 0.1 * gap
            row = self._chain.setdefault(self._prev, {})
            for succ in row:
                row[succ] *= self.decay
            row[key] = row.get(key, 0.0) + 1.0
            if len(row) > self.max_successors:  # drop the weakest other successor, not the newcomer
                del row[min((s for s in row if s != key), key=row.__getitem__)]
        last = self._last_seen.get(key)
        if last is not None:
            hist = self._hist.get(key)
            if hist is None:
                hist = self._hist[key] = IdleHistogram(self._edges)
            hist.add(now - last, self.decay)
        self._last_seen[key] = now
        self._last_seen.move_to_end(key)
        while len(self._last_seen) > self.max_keys:
            old, _ = self._last_seen.popitem(last=False)
            self._hist.pop(old, None)
            self._chain.pop(old, None)
        self._prev, self._has_prev, self._prev_at = key, True, now
        self._walks = {}
        self.observed += 1

    # -- predicting -----------------------------------------------------------------
    def transitions(self, key: Hashable) -> dict[Hashable, float]:
        """P(next request = b | this one = ``key``) for the successors remembered."""
        row = self._chain.get(key)
        if not row:
            return {}
        total = sum(row.values())
        return {b: c / total for b, c in row.items()}

    def next_likely(self, now: float, k: int = 3) -> list[tuple[Hashable, float]]:
        """The ``k`` likeliest next requests after the latest one, with their one-step Markov
        probability, likeliest first (ties in first-seen order); ``[]`` before any request."""
        _finite(now, "now")
        if not self._has_prev or k <= 0:
            return []
        probs = self.transitions(self._prev)
        return sorted(probs.items(), key=lambda kv: -kv[1])[:k]

    def chain_probability(self, key: Hashable, steps: int) -> float:
        """P(``key`` is among the next ``steps`` requests), walking the chain from the latest
        request: ``1 - prod_t (1 - P(request t = key))`` (keys with no known successors end
        the walk). One walk serves every key until the next ``observe``."""
        if not self._has_prev or steps <= 0:
            return 0.0
        return self._walk(steps).get(key, 0.0)

    def _walk(self, steps: int) -> dict[Hashable, float]:
        cached = self._walks.get(steps)
        if cached is not None:
            return cached
        dist: dict[Hashable, float] = {self._prev: 1.0}
        miss: dict[Hashable, float] = {}  # key -> P(not among the steps so far)
        for _ in range(steps):
            nxt: dict[Hashable, float] = {}
            for state, mass in dist.items():
                for succ, p in self.transitions(state).items():
                    nxt[succ] = nxt.get(succ, 0.0) + mass * p
            for succ, p in nxt.items():
                miss[succ] = miss.get(succ, 1.0) * (1.0 - min(1.0, p))
            dist = nxt
            if not dist:
                break
        table = {k: 1.0 - m for k, m in miss.items()}
        self._walks[steps] = table
        return table

    def idle_probability(self, key: Hashable, now: float, horizon: float) -> float:
        """P(``key`` is requested within ``horizon`` seconds), from its idle-time histogram and
        the time since its last request, shrunk toward 0 while it has few samples."""
        last = self._last_seen.get(key)
        hist = self._hist.get(key)
        if last is None or hist is None:
            return 0.0
        p = hist.within(max(0.0, now - last), horizon)
        return p * hist.total / (hist.total + 1.0)

    def need_probability(self, key: Hashable, now: float, horizon: float) -> float:
        """P(``key`` is requested within ``horizon`` seconds of ``now``): the chain's look-ahead
        (as many steps as requests usually arrive in ``horizon``, at most ``max_steps``) and
        the idle-time histogram, combined as independent evidence. In [0, 1]."""
        now = _finite(now, "now")
        horizon = _finite(horizon, "horizon")
        if horizon < 0:
            raise ValueError(f"horizon must be >= 0 seconds, got {horizon!r}")
        p_idle = self.idle_probability(key, now, horizon)
        p_chain = 0.0
        if self._has_prev:
            since = max(0.0, now - self._prev_at)
            span = since + horizon
            if self._gap <= 0 or span >= self._gap * self.max_steps:
                steps = self.max_steps
            else:
                steps = max(1, math.ceil(span / self._gap))
            p_chain = self.chain_probability(key, steps)
        return 1.0 - (1.0 - p_chain) * (1.0 - p_idle)

    def last_seen(self, key: Hashable) -> float | None:
        """Time of the latest request for ``key`` (None if never, or forgotten)."""
        return self._last_seen.get(key)

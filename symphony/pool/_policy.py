"""Eviction policies: which resident models to unload when a load needs memory.

A policy only keeps score; the pool tells it what happens (``admitted`` when a model
becomes resident, ``used`` on each request for a resident one, ``removed`` when it leaves
memory) and asks ``victims`` when a load would go past the budget. Policies are pure Python
and not thread-safe: the pool calls them under its own lock. Keys are any hashable (a model
name, or ``(name, version)``).

- ``LRU``: evict the model used longest ago (Ray Serve's multiplexing policy).
- ``GDSF``: Greedy-Dual-Size-Frequency, as FaasCache uses for keep-alive. Each resident
  model has a keep-priority ``H = L + frequency * cost / size`` (cost = its load time in
  seconds, size = bytes), refreshed at each use; the lowest ``H`` goes first, and the
  clock ``L`` rises to the ``H`` of each evicted model, so a model's old priority ages
  against newer ones (recency) without any decay pass. ``L`` never decreases.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from typing import Any, Collection, Hashable, Mapping, Protocol, TypeVar, runtime_checkable

__all__ = ["GDSF", "LRU", "EvictionPolicy", "check_need", "check_sizes", "make_policy"]

K = TypeVar("K", bound=Hashable)


@runtime_checkable
class EvictionPolicy(Protocol):
    """What the pool asks of an eviction policy (see the module docstring)."""

    name: str

    def admitted(self, key: Hashable, size: int, cost: float, now: float) -> None:
        """``key`` became resident: ``size`` bytes, ``cost`` seconds to load it."""

    def used(self, key: Hashable, now: float, count: int = 1) -> None:
        """``count`` requests for resident ``key``, the latest at time ``now`` (the pool folds
        the hits its compiled hit path counted into one call)."""

    def removed(self, key: Hashable) -> None:
        """``key`` is no longer resident (evicted or unloaded); unknown keys are ignored."""

    def priority(self, key: Hashable) -> float:
        """Keep-priority of ``key``: higher stays longer; ``-inf`` for a key it does not know."""

    def victims(self, need: int, sizes: Mapping[K, int], pinned: Collection[K],
                now: float) -> list[K] | None:
        """Keys of ``sizes`` (resident key -> bytes) to evict, lowest priority first, that free
        at least ``need`` bytes without touching ``pinned``; ``[]`` when ``need`` is 0, ``None``
        when the unpinned keys together hold less than ``need``. Raises ValueError on a
        negative or non-finite ``need`` or size."""


def _finite(value: float, what: str) -> float:
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value):
        raise ValueError(f"{what} must be a finite number, got {value!r}")
    return value


def _check_count(count: int) -> None:
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise ValueError(f"count must be an int >= 1, got {count!r}")


def check_need(need: int) -> int:
    """``need`` as a byte count; ValueError when it is negative, NaN or infinite."""
    _finite(need, "need")
    if need < 0:
        raise ValueError(f"need must be >= 0 bytes, got {need!r}")
    return need


def check_sizes(sizes: Mapping[K, int]) -> None:
    """ValueError when a size in ``sizes`` is negative, NaN or infinite."""
    for key, size in sizes.items():
        _finite(size, f"size of {key!r}")
        if size < 0:
            raise ValueError(f"size of {key!r} must be >= 0 bytes, got {size!r}")


def _check_admission(size: int, cost: float, now: float) -> None:
    _finite(size, "size")
    _finite(cost, "cost")
    _finite(now, "now")
    if size < 0 or cost < 0:
        raise ValueError(f"size and cost must be >= 0, got size={size!r}, cost={cost!r}")


def _pick(need: int, sizes: Mapping[K, int], order: list[K]) -> list[K] | None:
    """Walk ``order`` (every unpinned key of ``sizes``, lowest priority first) until ``need``
    bytes are freed."""
    if need == 0:
        return []
    if sum(sizes[k] for k in order) < need:
        return None
    chosen: list[K] = []
    freed = 0
    for key in order:
        chosen.append(key)
        freed += sizes[key]
        if freed >= need:
            return chosen
    return None  # pragma: no cover - the sum above says we never get here


class LRU:
    """Least recently used goes first. ``priority`` is the time of the latest use (or the
    admission), ties broken by arrival order; keys the policy never saw go before all."""

    name = "lru"

    def __init__(self) -> None:
        self._last: OrderedDict[Hashable, float] = OrderedDict()  # oldest first

    def admitted(self, key: Hashable, size: int, cost: float, now: float) -> None:
        _check_admission(size, cost, now)
        self._touch(key, now)

    def used(self, key: Hashable, now: float, count: int = 1) -> None:
        _check_count(count)
        self._touch(key, _finite(now, "now"))

    def _touch(self, key: Hashable, now: float) -> None:
        self._last[key] = now
        self._last.move_to_end(key)

    def removed(self, key: Hashable) -> None:
        self._last.pop(key, None)

    def priority(self, key: Hashable) -> float:
        return self._last.get(key, -math.inf)

    def victims(self, need: int, sizes: Mapping[K, int], pinned: Collection[K],
                now: float) -> list[K] | None:
        check_need(need)
        check_sizes(sizes)
        pins = set(pinned)
        rank = {k: i for i, k in enumerate(self._last)}
        order = [k for k in sizes if k not in pins]
        order.sort(key=lambda k: rank.get(k, -1))  # stable: unknown keys first, in sizes' order
        return _pick(need, sizes, order)


class GDSF:
    """Greedy-Dual-Size-Frequency (FaasCache): ``H = L + frequency * cost / size``.

    ``frequency`` counts the requests a model served since it became resident (1 at
    admission) and restarts when it leaves. ``L`` rises to the ``H`` of each key that
    ``removed`` reports after ``victims`` chose it (an explicit unload the policy did not
    choose leaves ``L`` alone, so unloading a precious model does not devalue all others).
    Ties in ``H`` go to the least recently used.

    ``max_frequency`` (default None: FaasCache's unbounded count) caps ``frequency``. An
    unbounded count lets a model that served thousands of requests in an earlier phase stay
    resident long after the work moved on (the clock rises only by the small ``H`` of each
    newcomer it evicts): on the phased traces of ``asv_bench/benchmarks/pool_policy.py``
    a cap of 4 cut GDSF's cold starts by about a quarter.
    """

    name = "gdsf"

    def __init__(self, max_frequency: int | None = None) -> None:
        if max_frequency is not None and (isinstance(max_frequency, bool) or not isinstance(max_frequency, int)
                                          or max_frequency < 1):
            raise ValueError(f"max_frequency must be None or an int >= 1, got {max_frequency!r}")
        self.max_frequency = max_frequency
        self.clock = 0.0  # L
        self._h: dict[Hashable, float] = {}
        self._freq: dict[Hashable, int] = {}
        self._ratio: dict[Hashable, float] = {}  # cost / size
        self._seq: dict[Hashable, int] = {}
        self._tick = 0
        self._chosen: set[Hashable] = set()

    def admitted(self, key: Hashable, size: int, cost: float, now: float) -> None:
        _check_admission(size, cost, now)
        self._ratio[key] = cost / max(size, 1)
        self._freq[key] = 0
        self._bump(key)

    def used(self, key: Hashable, now: float, count: int = 1) -> None:
        _check_count(count)
        _finite(now, "now")
        if key in self._ratio:
            self._bump(key, count)
            self._chosen.discard(key)

    def _bump(self, key: Hashable, count: int = 1) -> None:
        freq = self._freq[key] + count
        self._freq[key] = freq if self.max_frequency is None else min(freq, self.max_frequency)
        self._h[key] = self.clock + self._freq[key] * self._ratio[key]
        self._tick += 1
        self._seq[key] = self._tick

    def removed(self, key: Hashable) -> None:
        h = self._h.pop(key, None)
        if h is not None and key in self._chosen and h > self.clock:
            self.clock = h
        self._chosen.discard(key)
        self._freq.pop(key, None)
        self._ratio.pop(key, None)
        self._seq.pop(key, None)

    def priority(self, key: Hashable) -> float:
        return self._h.get(key, -math.inf)

    def frequency(self, key: Hashable) -> int:
        """Requests ``key`` served since it became resident, at most ``max_frequency`` (0 if it
        is not resident)."""
        return self._freq.get(key, 0)

    def victims(self, need: int, sizes: Mapping[K, int], pinned: Collection[K],
                now: float) -> list[K] | None:
        check_need(need)
        check_sizes(sizes)
        pins = set(pinned)
        order = [k for k in sizes if k not in pins]
        order.sort(key=lambda k: (self._h.get(k, -math.inf), self._seq.get(k, -1)))
        chosen = _pick(need, sizes, order)
        self._chosen = set(chosen or ())
        return chosen


def make_policy(name: str, **options: Any) -> EvictionPolicy:
    """A fresh policy by name: ``"lru"`` or ``"gdsf"`` (case-insensitive), with the options its
    class takes (``make_policy("gdsf", max_frequency=4)``); ValueError for another name,
    TypeError for an option the class does not take."""
    kinds: dict[str, type[LRU] | type[GDSF]] = {"lru": LRU, "gdsf": GDSF}
    try:
        kind = kinds[str(name).lower()]
    except KeyError:
        raise ValueError(f"unknown eviction policy {name!r}; expected one of {sorted(kinds)}") from None
    return kind(**options)

"""The pool's hit path: a table from model keys to loaded entries, and counted leases on them.

Pure-Python twin of ``_pool.pyx`` (same ``public_api``, same behaviour). The pool manager
(``symphony.pool``) keeps one :class:`Entry` per loaded model version, binds the keys it
answers to (``"name"`` and ``("name", version)``) in a :class:`SlotTable`, and hands out a
:class:`Lease` per ``acquire``: the model is then called directly in the caller's thread.
Everything that is not a hit (unknown key, entry retired or at its lease limit) goes to
the ``miss`` callback, which is where the pool loads, waits or fails. This module imports
nothing of ours.

Invariants:
- A key leads to at most one entry; an entry may have many keys. ``bind`` refuses a
  retired entry (``ValueError``), so once ``retire`` has returned no key leads to it.
- A lease is granted on an entry only if it is not retired and ``live < limit`` (or
  ``limit == 0``); the check and the counts (``live += 1``, ``hits += 1``, ``last_used``)
  are one atomic step: in this twin under the entry's lock, in the compiled module a
  stretch of C code that runs no Python code (so holds the GIL throughout). ``retire``
  marks the entry before it returns, under the same atomicity, so no lease is granted on
  it after ``retire`` returned, whatever other threads do.
- ``live`` never goes negative: each lease gives its count back once; a second
  ``release`` (or ``__exit__`` after ``release``) does nothing.
- An entry's ``on_drained(entry)`` is called exactly once per retired entry: when it is
  retired with no lease out (by the retiring thread, after its keys are unbound) or else
  when its last lease is released (by the releasing thread), outside any lock. An
  exception it raises propagates to that caller; the entry counts as drained all the same.
- ``drain_grants`` returns each grant once, in the order granted (per thread; across
  threads, the order the grants were logged), with its tag and time: the request sequence
  the pool's predictor learns. Only the latest 16384 since the last call are kept.
- ``hit_samples`` keeps the duration of 1 hit in every 64 (from the start of ``acquire``
  to the lease in hand), the latest 4096, for the pool's latency figures. With several
  threads the 1-in-64 count may slip here (it is not locked); the compiled module counts
  exactly.

Entry states: ``_ACTIVE`` (leases granted), ``_RETIRING`` (no new lease; keys being
unbound), ``_RETIRED`` (unbound: the last release drains it), ``_DRAINED`` (on_drained
called or being called). They only ever grow.
"""

from __future__ import annotations

import sys
import threading
import time
from collections import deque
from typing import Any, Callable, Hashable, Optional

__all__ = ["Entry", "Lease", "SlotTable"]
public_api = ["Entry", "Lease", "SlotTable"]

_ACTIVE, _RETIRING, _RETIRED, _DRAINED = 0, 1, 2, 3
#: How many hit durations ``hit_samples`` keeps, and one hit in how many is timed.
SAMPLES, SAMPLE_EVERY = 4096, 64
#: How many grants ``drain_grants`` keeps between two calls.
GRANTS = 16384

_mono = time.monotonic
_new = object.__new__


def _check_limit(limit: object) -> int:
    if isinstance(limit, bool) or not isinstance(limit, int):
        raise TypeError(f"limit must be an int, not {type(limit).__name__}")
    if limit < 0 or limit > sys.maxsize:
        raise ValueError(f"limit must be between 0 (unlimited) and {sys.maxsize}, not {limit}")
    return limit


class Entry:
    """One loaded model version as the hit path sees it: the model, its lease limit and counts.

    ``limit`` is the most leases out at once (0: unlimited). ``tag`` is the pool's own
    (what slot this is); the table never looks at it. ``on_drained(entry)`` is called once
    after the entry is retired and its last lease is back (see :meth:`SlotTable.retire`).
    """

    __slots__ = ("_model", "_limit", "_tag", "_on_drained", "_live", "_hits", "_last_used", "_first_used",
                 "_state", "_lock", "__weakref__")

    def __init__(self, model: object, limit: int = 0, tag: object = None,
                 on_drained: Optional[Callable[["Entry"], None]] = None) -> None:
        if on_drained is not None and not callable(on_drained):
            raise TypeError(f"on_drained must be callable or None, not {type(on_drained).__name__}")
        self._limit = _check_limit(limit)
        self._model = model
        self._tag = tag
        self._on_drained = on_drained
        self._live = 0
        self._hits = 0
        self._last_used = 0.0
        self._first_used = 0.0
        self._state = _ACTIVE
        self._lock = threading.Lock()

    @property
    def model(self) -> Any:
        """The model a lease hands out."""
        return self._model

    @property
    def limit(self) -> int:
        """The most leases out at once; 0 is unlimited."""
        return self._limit

    @property
    def tag(self) -> object:
        """The owner's label for this entry (the table never reads it)."""
        return self._tag

    @property
    def live(self) -> int:
        """Leases out now."""
        return self._live

    @property
    def hits(self) -> int:
        """Leases ever granted on this entry."""
        return self._hits

    @property
    def last_used(self) -> float:
        """``time.monotonic()`` of the latest grant; 0.0 if never granted."""
        return self._last_used

    @property
    def first_used(self) -> float:
        """``time.monotonic()`` of the first grant; 0.0 if never granted."""
        return self._first_used

    @property
    def retired(self) -> bool:
        """True once :meth:`SlotTable.retire` was called: no new lease is granted."""
        return self._state != _ACTIVE

    def __repr__(self) -> str:
        state = ("active", "retiring", "retired", "drained")[self._state]
        return (f"<Entry {self._model!r} tag={self._tag!r} limit={self._limit} live={self._live}"
                f" hits={self._hits} {state}>")


def _drained(entry: Entry) -> None:
    callback = entry._on_drained
    if callback is not None:
        callback(entry)


class Lease:
    """One granted use of an entry's model; give it back with :meth:`release` or ``with``.

    ``with table.acquire("m") as model: model(x)``. Leases come only from
    :meth:`SlotTable.acquire` (constructing one directly raises ``TypeError``).
    """

    __slots__ = ("_model", "_entry", "_released")
    _model: object
    _entry: Entry
    _released: bool

    def __init__(self) -> None:
        raise TypeError("leases come from SlotTable.acquire, not from Lease()")

    @property
    def model(self) -> Any:
        """The leased model (still readable after release, but no longer yours to call)."""
        return self._model

    @property
    def entry(self) -> Entry:
        """The entry the lease was granted on."""
        return self._entry

    def release(self) -> None:
        """Give the lease back; later calls do nothing. The last release of a retired
        entry calls its ``on_drained``, on this thread."""
        entry = self._entry
        with entry._lock:
            if self._released:
                return
            self._released = True
            entry._live -= 1
            if entry._live or entry._state != _RETIRED:
                return
            entry._state = _DRAINED
        _drained(entry)

    def __enter__(self) -> Any:
        return self._model

    def __exit__(self, *exc: object) -> None:
        self.release()

    def __repr__(self) -> str:
        return f"<Lease {self._model!r}{' released' if self._released else ''}>"


Miss = Callable[[Hashable, Optional[Hashable], Optional[float], bool], Optional[Lease]]


class SlotTable:
    """Keys (``name`` or ``(name, version)``) to entries, and the hit path that leases them.

    ``miss(name, version, timeout, wait)`` is called for every acquire that is not a hit;
    its result is returned (and its exception propagates). Without it a miss returns None.
    """

    __slots__ = ("_map", "_miss", "_lock", "_ticks", "_samples", "_grants")

    def __init__(self, miss: Optional[Miss] = None) -> None:
        if miss is not None and not callable(miss):
            raise TypeError(f"miss must be callable or None, not {type(miss).__name__}")
        self._map: dict[Hashable, Entry] = {}
        self._miss = miss
        #: Serialises bind, unbind and retire's unbinding (acquire does not take it).
        self._lock = threading.Lock()
        self._ticks = 0
        self._samples: deque[float] = deque(maxlen=SAMPLES)
        self._grants: deque[tuple[object, float]] = deque(maxlen=GRANTS)

    def acquire(self, name: Hashable, version: Optional[Hashable] = None, timeout: Optional[float] = None,
                wait: bool = True) -> Optional[Lease]:
        """A lease on the entry that ``name`` (or ``(name, version)``) leads to, if it is not
        retired and below its limit; else whatever ``miss`` returns (None without one).
        Raises ``TypeError`` for an unhashable key."""
        lease = self._grant(name if version is None else (name, version), True)
        if lease is not None:
            return lease
        miss = self._miss
        if miss is None:
            return None
        return miss(name, version, timeout, wait)

    def try_acquire(self, name: Hashable, version: Optional[Hashable] = None) -> Optional[Lease]:
        """``acquire`` without the miss: a lease on a hit, else None (never calls ``miss``)."""
        return self._grant(name if version is None else (name, version), False)

    def _grant(self, key: Hashable, sample: bool) -> Optional[Lease]:
        now = _mono()  # read before the lock: no call while holding it (a call may hand the GIL over)
        entry = self._map.get(key)
        if entry is None:
            return None
        with entry._lock:
            if entry._state == _ACTIVE and (entry._limit == 0 or entry._live < entry._limit):
                entry._live += 1
                if entry._hits == 0:
                    entry._first_used = now
                entry._hits += 1
                if now > entry._last_used:
                    entry._last_used = now
                granted = True
            else:
                granted = False
        if not granted:
            return None
        lease = _new(Lease)
        lease._model = entry._model
        lease._entry = entry
        lease._released = False
        self._grants.append((entry._tag, now))
        if sample:
            self._ticks = ticks = self._ticks + 1
            if not ticks % SAMPLE_EVERY:
                self._samples.append(_mono() - now)
        return lease

    def drain_grants(self) -> list[tuple[object, float]]:
        """``(tag, time.monotonic())`` of every lease granted since the last call, oldest
        first (the latest 16384 at most): the request sequence the pool learns from."""
        grants = self._grants
        out = []
        try:
            while True:
                out.append(grants.popleft())
        except IndexError:
            return out

    def bind(self, key: Hashable, entry: Entry) -> Optional[Entry]:
        """Make ``key`` lead to ``entry``; returns the entry it led to before, or None.
        Raises ``TypeError`` (not an Entry, unhashable key) or ``ValueError`` (entry retired)."""
        if not isinstance(entry, Entry):
            raise TypeError(f"bind needs an Entry, not {type(entry).__name__}")
        hash(key)
        with self._lock:
            if entry._state != _ACTIVE:
                raise ValueError(f"{entry!r} is retired and cannot be bound")
            previous = self._map.get(key)
            self._map[key] = entry
        return previous

    def unbind(self, key: Hashable, entry: Optional[Entry] = None) -> bool:
        """Remove ``key`` (only if it leads to ``entry``, when given); True if it was removed."""
        if entry is not None and not isinstance(entry, Entry):
            raise TypeError(f"unbind's entry must be an Entry or None, not {type(entry).__name__}")
        with self._lock:
            found = self._map.get(key)
            if found is None or (entry is not None and found is not entry):
                return False
            del self._map[key]
            return True

    def get(self, key: Hashable) -> Optional[Entry]:
        """The entry ``key`` leads to, or None (no lease, no counts)."""
        return self._map.get(key)

    def retire(self, entry: Entry) -> None:
        """Unbind every key leading to ``entry`` and grant no new lease on it, from now on.

        ``entry.on_drained(entry)`` is called exactly once, when no lease is out: at once
        (on this thread, after the keys are unbound) if none is, else by the thread that
        releases the last one. Retiring again does nothing more.
        """
        if not isinstance(entry, Entry):
            raise TypeError(f"retire needs an Entry, not {type(entry).__name__}")
        with entry._lock:
            first = entry._state == _ACTIVE
            if first:
                entry._state = _RETIRING
        with self._lock:
            for key in [k for k, v in self._map.items() if v is entry]:
                del self._map[key]
        if not first:
            return
        with entry._lock:
            entry._state = _RETIRED
            if entry._live:
                return
            entry._state = _DRAINED
        _drained(entry)

    def keys(self) -> list[Hashable]:
        """Every bound key."""
        return list(self._map)

    def entries(self) -> list[Entry]:
        """Every entry some key leads to, each once, in the order first bound."""
        return list(dict.fromkeys(self._map.values()))

    def __len__(self) -> int:
        return len(self._map)

    def hit_samples(self, clear: bool = False) -> list[float]:
        """Durations (seconds) of 1 hit in every 64, measured inside ``acquire``, oldest
        first (the latest 4096); ``clear`` empties the record after reading it."""
        samples = list(self._samples)
        if clear:
            self._samples.clear()
        return samples

    def __repr__(self) -> str:
        return f"<SlotTable {len(self._map)} keys>"

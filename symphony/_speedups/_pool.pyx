# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""Compiled hit path of the pool: a table from model keys to entries, and counted leases.

Twin of ``_pool_py.py`` (see there for the invariants): same ``public_api``, same
behaviour. Where the pure twin takes an entry's lock, this module runs a stretch of C code
that calls no Python code and allocates nothing, so it holds the GIL throughout and is
just as atomic: in ``acquire`` the checks (not retired, below the limit) and the counts
(``live``, ``hits``, ``last_used``); in ``release`` the count back and the "drain now?"
decision; in ``retire`` the mark and the same decision. The dict lookup before that stretch
may run a key's ``__hash__``/``__eq__`` (not for str, int or tuples of them), which is why
the checks come after it, on the entry in hand. The lease object is allocated (from a
free list) before the checks, since an allocation may run the garbage collector.
``last_used`` is read from ``clock_gettime(CLOCK_MONOTONIC)``, the clock behind
``time.monotonic()`` on Linux, so the hit path makes no Python-level call at all.

All of this rests on the GIL: the module does not declare itself free-threading
compatible, so a free-threaded CPython keeps the GIL on while it is imported.
"""

cimport cython
from cpython.object cimport PyObject
from cpython.dict cimport PyDict_GetItemWithError

import sys
import time

__all__ = ["Entry", "Lease", "SlotTable"]
public_api = ["Entry", "Lease", "SlotTable"]

cdef extern from "<time.h>" nogil:
    ctypedef long time_t
    cdef struct timespec:
        time_t tv_sec
        long tv_nsec
    int clock_gettime(int clk, timespec* tp)
    int CLOCK_MONOTONIC

cdef enum:
    ACTIVE = 0
    RETIRING = 1
    RETIRED = 2
    DRAINED = 3
    SAMPLES = 4096
    SAMPLE_MASK = 63
    GRANTS = 16384

cdef object _pymono = time.monotonic
cdef bint _c_clock = True


cdef inline double _now() noexcept nogil:
    cdef timespec ts
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return <double>ts.tv_sec + <double>ts.tv_nsec * 1e-9


cdef _init_clock():
    """Use the C clock only if it is the one ``time.monotonic()`` reads (it is on Linux)."""
    global _c_clock
    info = time.get_clock_info("monotonic")
    _c_clock = "CLOCK_MONOTONIC" in info.implementation and "RAW" not in info.implementation


_init_clock()


cdef inline double _clock():
    if _c_clock:
        return _now()
    return _pymono()


cdef object _check_limit(object limit):
    if isinstance(limit, bool) or not isinstance(limit, int):
        raise TypeError(f"limit must be an int, not {type(limit).__name__}")
    if limit < 0 or limit > sys.maxsize:
        raise ValueError(f"limit must be between 0 (unlimited) and {sys.maxsize}, not {limit}")
    return limit


cdef class Entry:
    """One loaded model version as the hit path sees it: the model, its lease limit and counts.

    ``limit`` is the most leases out at once (0: unlimited). ``tag`` is the pool's own
    (what slot this is); the table never looks at it. ``on_drained(entry)`` is called once
    after the entry is retired and its last lease is back (see :meth:`SlotTable.retire`).
    """

    cdef readonly object model
    cdef readonly Py_ssize_t limit
    cdef readonly object tag
    cdef object _on_drained
    cdef readonly Py_ssize_t live
    cdef readonly Py_ssize_t hits
    cdef readonly double last_used
    cdef readonly double first_used
    cdef int _state
    cdef object __weakref__

    def __init__(self, model, limit=0, tag=None, on_drained=None):
        if on_drained is not None and not callable(on_drained):
            raise TypeError(f"on_drained must be callable or None, not {type(on_drained).__name__}")
        self.limit = _check_limit(limit)
        self.model = model
        self.tag = tag
        self._on_drained = on_drained
        self.live = 0
        self.hits = 0
        self.last_used = 0.0
        self.first_used = 0.0
        self._state = ACTIVE

    @property
    def retired(self):
        """True once :meth:`SlotTable.retire` was called: no new lease is granted."""
        return self._state != ACTIVE

    def __repr__(self):
        state = ("active", "retiring", "retired", "drained")[self._state]
        return (f"<Entry {self.model!r} tag={self.tag!r} limit={self.limit} live={self.live}"
                f" hits={self.hits} {state}>")


cdef inline void _drained(Entry entry) except *:
    cdef object callback = entry._on_drained
    if callback is not None:
        callback(entry)


@cython.final
@cython.freelist(64)
cdef class Lease:
    """One granted use of an entry's model; give it back with :meth:`release` or ``with``.

    ``with table.acquire("m") as model: model(x)``. Leases come only from
    :meth:`SlotTable.acquire` (constructing one directly raises ``TypeError``).
    """

    cdef readonly object model
    cdef readonly Entry entry
    cdef bint _released

    def __init__(self):
        raise TypeError("leases come from SlotTable.acquire, not from Lease()")

    cdef inline void _release(self) except *:
        cdef Entry entry = self.entry
        if self._released:
            return
        self._released = True
        entry.live -= 1
        if entry.live or entry._state != RETIRED:
            return
        entry._state = DRAINED
        _drained(entry)

    def release(self):
        """Give the lease back; later calls do nothing. The last release of a retired
        entry calls its ``on_drained``, on this thread."""
        self._release()

    def __enter__(self):
        return self.model

    def __exit__(self, exc_type=None, exc=None, tb=None):
        self._release()

    def __repr__(self):
        return f"<Lease {self.model!r}{' released' if self._released else ''}>"


cdef class SlotTable:
    """Keys (``name`` or ``(name, version)``) to entries, and the hit path that leases them.

    ``miss(name, version, timeout, wait)`` is called for every acquire that is not a hit;
    its result is returned (and its exception propagates). Without it a miss returns None.
    """

    cdef dict _map
    cdef object _miss
    cdef unsigned long long _ticks
    cdef unsigned long long _taken
    cdef double _samples[SAMPLES]
    cdef list _grant_tags
    cdef double _grant_times[GRANTS]
    cdef unsigned long long _logged
    cdef unsigned long long _read

    def __init__(self, miss=None):
        if miss is not None and not callable(miss):
            raise TypeError(f"miss must be callable or None, not {type(miss).__name__}")
        self._map = {}
        self._miss = miss
        self._ticks = 0
        self._taken = 0
        self._grant_tags = [None] * GRANTS
        self._logged = 0
        self._read = 0

    def acquire(self, name, version=None, timeout=None, wait=True):
        """A lease on the entry that ``name`` (or ``(name, version)``) leads to, if it is not
        retired and below its limit; else whatever ``miss`` returns (None without one).
        Raises ``TypeError`` for an unhashable key."""
        cdef double start = 0.0
        cdef bint timed = (self._ticks & SAMPLE_MASK) == SAMPLE_MASK
        if timed:
            start = _clock()
        lease = self._grant(name if version is None else (name, version), timed, start)
        if lease is not None:
            return lease
        if self._miss is None:
            return None
        return self._miss(name, version, timeout, wait)

    def try_acquire(self, name, version=None):
        """``acquire`` without the miss: a lease on a hit, else None (never calls ``miss``)."""
        return self._grant(name if version is None else (name, version), False, 0.0)

    cdef object _grant(self, object key, bint timed, double start):
        cdef PyObject* found = PyDict_GetItemWithError(self._map, key)
        cdef Entry entry
        cdef Lease lease
        cdef double now
        cdef Py_ssize_t slot
        if found is NULL:
            return None
        entry = <Entry>found
        lease = Lease.__new__(Lease)
        # From here to the counts' end: C only, no Python code, no allocation (atomic under the GIL).
        if entry._state == ACTIVE and (entry.limit == 0 or entry.live < entry.limit):
            entry.live += 1
            now = _clock()
            if entry.hits == 0:
                entry.first_used = now
            entry.hits += 1
            entry.last_used = now
            lease.model = entry.model
            lease.entry = entry
            self._ticks += 1
            if timed:
                self._samples[self._taken % SAMPLES] = now - start
                self._taken += 1
            # the grant log (for the pool's predictor): the order of grants, not part of the counts
            slot = <Py_ssize_t>(self._logged % GRANTS)
            self._grant_times[slot] = now
            self._grant_tags[slot] = entry.tag
            self._logged += 1
            return lease
        lease._released = True  # never granted: nothing to give back
        return None

    def drain_grants(self):
        """``(tag, time.monotonic())`` of every lease granted since the last call, oldest
        first (the latest 16384 at most): the request sequence the pool learns from."""
        cdef unsigned long long end = self._logged
        cdef unsigned long long first = self._read
        cdef unsigned long long i
        if end - first > GRANTS:
            first = end - GRANTS
        grants = [(self._grant_tags[i % GRANTS], self._grant_times[i % GRANTS]) for i in range(first, end)]
        self._read = end
        return grants

    def bind(self, key, Entry entry not None):
        """Make ``key`` lead to ``entry``; returns the entry it led to before, or None.
        Raises ``TypeError`` (not an Entry, unhashable key) or ``ValueError`` (entry retired)."""
        if entry._state != ACTIVE:
            raise ValueError(f"{entry!r} is retired and cannot be bound")
        cdef object previous = self._map.get(key)
        self._map[key] = entry
        if entry._state != ACTIVE:  # retired meanwhile (a key's __eq__ ran Python code): undo
            if self._map.get(key) is entry:
                if previous is None:
                    del self._map[key]
                else:
                    self._map[key] = previous
            raise ValueError(f"{entry!r} is retired and cannot be bound")
        return previous

    def unbind(self, key, Entry entry=None):
        """Remove ``key`` (only if it leads to ``entry``, when given); True if it was removed."""
        cdef PyObject* found = PyDict_GetItemWithError(self._map, key)
        if found is NULL or (entry is not None and <object>found is not entry):
            return False
        del self._map[key]
        return True

    def get(self, key):
        """The entry ``key`` leads to, or None (no lease, no counts)."""
        cdef PyObject* found = PyDict_GetItemWithError(self._map, key)
        if found is NULL:
            return None
        return <object>found

    def retire(self, Entry entry not None):
        """Unbind every key leading to ``entry`` and grant no new lease on it, from now on.

        ``entry.on_drained(entry)`` is called exactly once, when no lease is out: at once
        (on this thread, after the keys are unbound) if none is, else by the thread that
        releases the last one. Retiring again does nothing more.
        """
        cdef bint first = entry._state == ACTIVE
        if first:
            entry._state = RETIRING
        for key, value in list(self._map.items()):
            if value is entry:
                found = PyDict_GetItemWithError(self._map, key)
                if found is not NULL and <object>found is entry:
                    del self._map[key]
        if not first:
            return
        entry._state = RETIRED
        if entry.live:
            return
        entry._state = DRAINED
        _drained(entry)

    def keys(self):
        """Every bound key."""
        return list(self._map)

    def entries(self):
        """Every entry some key leads to, each once, in the order first bound."""
        return list(dict.fromkeys(self._map.values()))

    def __len__(self):
        return len(self._map)

    def hit_samples(self, bint clear=False):
        """Durations (seconds) of 1 hit in every 64, measured inside ``acquire``, oldest
        first (the latest 4096); ``clear`` empties the record after reading it."""
        cdef unsigned long long taken = self._taken
        cdef unsigned long long first = taken - SAMPLES if taken > SAMPLES else 0
        cdef unsigned long long i
        samples = [self._samples[i % SAMPLES] for i in range(first, taken)]
        if clear:
            self._taken = 0
        return samples

    def __repr__(self):
        return f"<SlotTable {len(self._map)} keys>"

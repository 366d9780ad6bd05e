# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""Sealing and opening packets, compiled: the twin of ``_sealing_py`` (same ``public_api``,
same behaviour, same bytes on the wire).

Why compiled: every ask crosses four of these calls (seal and open on each side), and
between two socket wake-ups the CPU's caches are cold, so each interpreted line costs
several times its warm price. Here the header, the constant-time signature check and the
replay check are C; the hashing is still the hashlib objects' (OpenSSL's SHA-256).
"""

import os

import msgpack

from ._counters import Counters
# _FRAMERS: every Framer of either twin, reseeded by the one at-fork hook in _sealing_py.
from ._sealing_py import _FRAMERS, DEFAULT_MAX_FRAME, NonceWindow, hmac_sha256, key_pads

from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize, PyBytes_GET_SIZE
from cpython.dict cimport PyDict_SetDefault
from cpython.object cimport PyObject
from cpython.memoryview cimport PyMemoryView_FromMemory
from cpython.buffer cimport PyBUF_READ
from libc.stdint cimport uint64_t
from libc.string cimport memcpy

cdef extern from "<time.h>" nogil:
    ctypedef long time_t
    cdef struct timespec:
        time_t tv_sec
        long tv_nsec
    int clock_gettime(int clk_id, timespec *tp)
    int CLOCK_REALTIME

__all__ = ["DEFAULT_MAX_FRAME", "Framer", "NonceWindow", "hmac_sha256"]

public_api = ["DEFAULT_MAX_FRAME", "Framer", "NonceWindow", "hmac_sha256"]

cdef object _Packer = msgpack.Packer
cdef object _unpackb = msgpack.unpackb
cdef object _urandom = os.urandom


cdef inline double _wall() noexcept:
    """``time.time()``, without a call into Python."""
    cdef timespec ts
    clock_gettime(CLOCK_REALTIME, &ts)
    return <double>ts.tv_sec + <double>ts.tv_nsec * 1e-9


cdef inline void _put_u64(unsigned char* p, uint64_t v) noexcept:
    cdef int i
    for i in range(8):
        p[i] = <unsigned char>(v >> (56 - 8 * i))


cdef inline uint64_t _get_u64(const unsigned char* p) noexcept:
    cdef uint64_t v = 0
    cdef int i
    for i in range(8):
        v = (v << 8) | p[i]
    return v


cdef inline void _put_f64(unsigned char* p, double d) noexcept:
    cdef uint64_t bits
    memcpy(&bits, &d, 8)
    _put_u64(p, bits)


cdef inline double _get_f64(const unsigned char* p) noexcept:
    cdef uint64_t bits = _get_u64(p)
    cdef double d
    memcpy(&d, &bits, 8)
    return d


cdef class Framer:
    """Seals entries into packets and opens packets back into entries, with signing and
    replay protection when a ``secret`` is given. Counts what it drops in ``counters``.

    ``nonces`` is the ``NonceWindow`` to check and record nonces in (shared by every framer
    of a node); by default the framer has one of its own.
    """

    cdef readonly object secret
    cdef readonly object nonces
    cdef public double replay_window
    cdef public Py_ssize_t max_frame
    cdef public object counters
    cdef public dict _seen
    cdef public object _seen_order
    cdef object _inner
    cdef object _outer
    cdef uint64_t _state
    cdef object __weakref__

    def __init__(self, secret, *, replay_window=60.0, max_frame=DEFAULT_MAX_FRAME, counters=None,
                 nonces=None):
        self.secret = secret
        self.replay_window = float(replay_window)
        self.max_frame = int(max_frame)
        self.counters = counters if counters is not None else Counters()
        if nonces is None:
            nonces = NonceWindow(self.replay_window)
        else:
            nonces.widen(self.replay_window)
        self.nonces = nonces
        self._seen = nonces.seen
        self._seen_order = nonces.order
        self._inner = None
        self._outer = None
        if secret is not None:
            self._inner, self._outer = key_pads(secret)
        self._reseed()
        _FRAMERS.add(self)

    def _reseed(self):
        """A fresh nonce generator: a forked child must not repeat its parent's nonces."""
        self._state = int.from_bytes(_urandom(8), "little")

    cdef inline uint64_t _next_nonce(self) noexcept:
        # splitmix64: a bijection of a counter, so no nonce repeats within 2**64 packets.
        cdef uint64_t z
        self._state += 0x9E3779B97F4A7C15ULL
        z = self._state
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL
        return z ^ (z >> 31)

    cdef bytes _sign(self, object view):
        h = self._inner()
        h.update(view)
        o = self._outer()
        o.update(h.digest())
        return o.digest()

    def seal(self, entries):
        """The packet carrying flattened ``entries``."""
        cdef bytes body = _Packer().pack(entries)
        cdef Py_ssize_t n = PyBytes_GET_SIZE(body)
        cdef Py_ssize_t head = 0 if self._inner is None else 32
        cdef bytes out = PyBytes_FromStringAndSize(NULL, head + 16 + n)
        cdef unsigned char* p = <unsigned char*>PyBytes_AS_STRING(out)
        _put_u64(p + head, self._next_nonce())
        _put_f64(p + head + 8, _wall())
        memcpy(p + head + 16, PyBytes_AS_STRING(body), n)
        if head:
            digest = self._sign(PyMemoryView_FromMemory(<char*>p + 32, 16 + n, PyBUF_READ))
            memcpy(p, PyBytes_AS_STRING(digest), 32)
        return out

    def open(self, packet):
        """The flattened entries of a packet, or None (counted) if it must be dropped."""
        cdef bytes data
        cdef Py_ssize_t size, off, i
        cdef const unsigned char* p
        cdef const unsigned char* d
        cdef unsigned char diff = 0
        cdef double sent, now, window
        cdef object nonce, stamp
        data = packet if type(packet) is bytes else bytes(packet)
        size = PyBytes_GET_SIZE(data)
        counters = self.counters
        if size > self.max_frame:
            counters["oversized"] += 1
            return None
        p = <const unsigned char*>PyBytes_AS_STRING(data)
        if self._inner is not None:
            if size < 49:
                counters["bad_signature"] += 1
                return None
            digest = self._sign(PyMemoryView_FromMemory(<char*>p + 32, size - 32, PyBUF_READ))
            d = <const unsigned char*>PyBytes_AS_STRING(digest)
            for i in range(32):  # constant time, like hmac.compare_digest
                diff |= d[i] ^ p[i]
            if diff:
                counters["bad_signature"] += 1
                return None
            sent = _get_f64(p + 40)
            now = _wall()
            window = self.replay_window
            nonce = <object>_get_u64(p + 32)
            stamp = <object>now  # a new float: setdefault hands it back only if it was stored
            # A replay is a nonce seen before; setdefault checks and records it in one step.
            if not (now - window <= sent <= now + window) or PyDict_SetDefault(self._seen, nonce, stamp) != <PyObject*>stamp:
                counters["replayed"] += 1
                return None
            order = self._seen_order
            order.append((stamp, nonce))
            if (len(order) & 1023) == 0:
                self._forget_old(now)
            off = 48
        else:
            if size < 17:
                counters["malformed"] += 1
                return None
            off = 16
        try:
            entries = _unpackb(PyMemoryView_FromMemory(<char*>p + off, size - off, PyBUF_READ),
                               raw=False, use_list=True, strict_map_key=False)
        except Exception:  # msgpack raises many types for garbage
            counters["malformed"] += 1
            return None
        if type(entries) is not list or len(entries) % 3:
            counters["malformed"] += 1
            return None
        return entries

    def _forget_old(self, double now):
        """Forget nonces that can no longer be replayed (every 1,024 packets)."""
        self.nonces.forget_old(now)

# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""Sealing and opening packets, compiled: the twin of ``_sealing_py`` (same ``public_api``,
same behaviour, same bytes on the wire).

Why compiled: every ask crosses four of these calls (seal and open on each side), and
between two socket wake-ups the CPU's caches are cold, so each interpreted line costs
several times its warm price. Here the header, the constant-time signature check and the
replay check are C; the hashing is still the hashlib objects' (OpenSSL's SHA-256).
"""

import hashlib
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
from libc.stdint cimport uint32_t, uint64_t
from libc.string cimport memcpy, memset

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


# -- HMAC-SHA256 of a small packet with the CPU's SHA instructions ----------------------------
#
# A packet of a few hundred bytes is three or four SHA-256 blocks, a few hundred nanoseconds
# with the x86 SHA extensions; but through hashlib's objects (a copy of each keyed state, a
# digest that copies it again, five method calls) an HMAC costs several microseconds once the
# CPU's caches are cold. So where the CPU has them, packets up to ``_SMALL`` bytes are signed
# here, from the key's inner and outer states hashed once per framer (RFC 2104); other CPUs,
# and larger packets, use hashlib. Both give the same bytes as ``hmac.digest(key, data, "sha256")``.

cdef extern from *:
    """
#include <stdint.h>
#include <stddef.h>
#if (defined(__GNUC__) || defined(__clang__)) && (defined(__x86_64__) || defined(__i386__))
#include <cpuid.h>
#include <immintrin.h>
static const uint32_t symphony_sha_k[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};
/* Whether the CPU has the SHA extensions (and the SSSE3/SSE4.1 the code around them needs). */
static int symphony_sha_ni(void) {
    unsigned int a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    if (!(c & (1u << 9)) || !(c & (1u << 19))) return 0;
    if (__get_cpuid_max(0, 0) < 7) return 0;
    __cpuid_count(7, 0, a, b, c, d);
    return (b >> 29) & 1;
}
#define SYMPHONY_RND(M) \\
    msg = _mm_add_epi32(M, _mm_loadu_si128((const __m128i*)(symphony_sha_k + 4 * g))); \\
    s1 = _mm_sha256rnds2_epu32(s1, s0, msg);
#define SYMPHONY_RND2() \\
    msg = _mm_shuffle_epi32(msg, 0x0E); \\
    s0 = _mm_sha256rnds2_epu32(s0, s1, msg);
/* SHA-256 compression of nblocks 64-byte blocks into state (FIPS 180-4), with the SHA extensions. */
__attribute__((target("sha,sse4.1,ssse3")))
static void symphony_sha256_ni(uint32_t *state, const unsigned char *data, size_t nblocks) {
    const __m128i mask = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
    __m128i s0, s1, tmp, msg, m[4], abef, cdgh;
    int g;
    tmp = _mm_loadu_si128((const __m128i*)&state[0]);
    s1 = _mm_loadu_si128((const __m128i*)&state[4]);
    tmp = _mm_shuffle_epi32(tmp, 0xB1);
    s1 = _mm_shuffle_epi32(s1, 0x1B);
    s0 = _mm_alignr_epi8(tmp, s1, 8);
    s1 = _mm_blend_epi16(s1, tmp, 0xF0);
    while (nblocks--) {
        abef = s0;
        cdgh = s1;
        for (g = 0; g < 16; g++) {
            if (g < 4) {
                m[g] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i*)(data + 16 * g)), mask);
            }
            SYMPHONY_RND(m[g & 3])
            if (g >= 3 && g <= 14) {
                tmp = _mm_alignr_epi8(m[g & 3], m[(g + 3) & 3], 4);
                m[(g + 1) & 3] = _mm_add_epi32(m[(g + 1) & 3], tmp);
                m[(g + 1) & 3] = _mm_sha256msg2_epu32(m[(g + 1) & 3], m[g & 3]);
            }
            SYMPHONY_RND2()
            if (g >= 1 && g <= 12) {
                m[(g + 3) & 3] = _mm_sha256msg1_epu32(m[(g + 3) & 3], m[g & 3]);
            }
        }
        s0 = _mm_add_epi32(s0, abef);
        s1 = _mm_add_epi32(s1, cdgh);
        data += 64;
    }
    tmp = _mm_shuffle_epi32(s0, 0x1B);
    s1 = _mm_shuffle_epi32(s1, 0xB1);
    s0 = _mm_blend_epi16(tmp, s1, 0xF0);
    s1 = _mm_alignr_epi8(s1, tmp, 8);
    _mm_storeu_si128((__m128i*)&state[0], s0);
    _mm_storeu_si128((__m128i*)&state[4], s1);
}
#else
static int symphony_sha_ni(void) { return 0; }
static void symphony_sha256_ni(uint32_t *state, const unsigned char *data, size_t nblocks) {
    (void)state; (void)data; (void)nblocks;
}
#endif

    """
    int symphony_sha_ni() nogil
    void symphony_sha256_ni(uint32_t* state, const unsigned char* data, size_t nblocks) nogil

cdef bint _SHA_NI = symphony_sha_ni() != 0 and os.environ.get("SYMPHONY_NO_SHA_NI", "") in ("", "0")
cdef Py_ssize_t _SMALL = 4096
cdef uint32_t _IV[8]
_IV[:] = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]


cdef void _finish(uint32_t* state, const unsigned char* data, Py_ssize_t n, unsigned char* out) noexcept nogil:
    """Hash ``data[:n]`` into ``state`` (which has absorbed one 64-byte block, the padded key)
    and write the 32-byte digest to ``out``."""
    cdef unsigned char tail[128]
    cdef Py_ssize_t full = n - n % 64, rest = n - full, pad, i
    cdef uint64_t bits = <uint64_t>(64 + n) * 8
    if full:
        symphony_sha256_ni(state, data, full // 64)
    memcpy(tail, data + full, rest)
    tail[rest] = 0x80
    pad = 64 if rest < 56 else 128
    memset(tail + rest + 1, 0, pad - rest - 1)
    for i in range(8):
        tail[pad - 1 - i] = <unsigned char>(bits >> (8 * i))
    symphony_sha256_ni(state, tail, pad // 64)
    for i in range(8):
        out[4 * i] = <unsigned char>(state[i] >> 24)
        out[4 * i + 1] = <unsigned char>(state[i] >> 16)
        out[4 * i + 2] = <unsigned char>(state[i] >> 8)
        out[4 * i + 3] = <unsigned char>state[i]


cdef void _hmac_small(const uint32_t* inner, const uint32_t* outer, const unsigned char* data, Py_ssize_t n,
                      unsigned char* out) noexcept nogil:
    """HMAC-SHA256 of ``data[:n]`` from the key's inner and outer states, into ``out`` (32 bytes)."""
    cdef uint32_t state[8]
    cdef unsigned char digest[32]
    memcpy(state, inner, 32)
    _finish(state, data, n, digest)
    memcpy(state, outer, 32)
    _finish(state, digest, 32, out)


cdef int _key_states(secret, uint32_t* inner, uint32_t* outer) except -1:
    """The SHA-256 states after HMAC's inner and outer padded-key blocks for ``secret``."""
    cdef unsigned char block[64]
    cdef const unsigned char* k
    cdef int i
    key = secret if len(secret) <= 64 else hashlib.sha256(secret).digest()
    key = bytes(key).ljust(64, b"\0")
    k = <const unsigned char*>PyBytes_AS_STRING(key)
    for i in range(64):
        block[i] = k[i] ^ 0x36
    memcpy(inner, _IV, 32)
    symphony_sha256_ni(inner, block, 1)
    for i in range(64):
        block[i] = k[i] ^ 0x5C
    memcpy(outer, _IV, 32)
    symphony_sha256_ni(outer, block, 1)
    return 0


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
    cdef bint _fast
    cdef uint32_t _istate[8]
    cdef uint32_t _ostate[8]
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
        self._fast = False
        if secret is not None:
            self._inner, self._outer = key_pads(secret)
            if _SHA_NI:
                _key_states(secret, self._istate, self._ostate)
                self._fast = True
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
            if self._fast and 16 + n <= _SMALL:
                _hmac_small(self._istate, self._ostate, p + 32, 16 + n, p)
            else:
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
        cdef unsigned char small[32]
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
            if self._fast and size - 32 <= _SMALL:
                _hmac_small(self._istate, self._ostate, p + 32, size - 32, small)
                d = small
            else:
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

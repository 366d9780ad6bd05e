# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""Compiled content-defined chunking (FastCDC, Gear hash) and jump consistent hashing.

Twin of ``_hash_py.py`` (see there for the algorithm and its invariants): same
``public_api``, same results, byte for byte.
"""

from libc.stdint cimport uint64_t, int64_t

from ._hash_py import GEAR as _GEAR_PY

__all__ = ["GEAR", "cdc_boundaries", "jump_hash"]
public_api = ["GEAR", "cdc_boundaries", "jump_hash"]

GEAR = _GEAR_PY

cdef uint64_t _gear[256]
cdef int _k
for _k in range(256):
    _gear[_k] = <uint64_t>GEAR[_k]


def _masks(avg_size):
    bits = max(avg_size.bit_length() - 1, 2)
    strict = ((1 << (bits + 1)) - 1) << (64 - (bits + 1))
    loose = ((1 << (bits - 1)) - 1) << (64 - (bits - 1))
    return strict, loose


def cdc_boundaries(data, Py_ssize_t min_size, Py_ssize_t avg_size, Py_ssize_t max_size):
    """The end offset of each content-defined chunk of ``data`` (the last is ``len(data)``)."""
    if not (0 < min_size <= avg_size <= max_size):
        raise ValueError(f"need 0 < min_size <= avg_size <= max_size, got {min_size}, {avg_size}, {max_size}")
    cdef const unsigned char[::1] view = memoryview(data).cast("B")
    cdef Py_ssize_t total = view.shape[0]
    py_s, py_l = _masks(avg_size)
    cdef uint64_t mask_s = py_s
    cdef uint64_t mask_l = py_l
    cdef Py_ssize_t start = 0, remaining, n, normal, i, end_normal, end, cut
    cdef uint64_t h
    cdef list out = []
    while start < total:
        remaining = total - start
        if remaining <= min_size:
            out.append(total)
            break
        n = remaining if remaining < max_size else max_size
        normal = n if n < avg_size else avg_size
        h = 0
        i = start + min_size
        end_normal = start + normal
        end = start + n
        cut = -1
        with nogil:
            while i < end_normal:
                h = (h << 1) + _gear[view[i]]
                i += 1
                if not (h & mask_s):
                    cut = i
                    break
            if cut < 0:
                while i < end:
                    h = (h << 1) + _gear[view[i]]
                    i += 1
                    if not (h & mask_l):
                        cut = i
                        break
        if cut < 0:
            cut = end
        out.append(cut)
        start = cut
    return out


def jump_hash(key, long long buckets):
    """Jump consistent hash of a 64-bit ``key`` into ``[0, buckets)``."""
    if buckets < 1:
        raise ValueError(f"buckets must be >= 1, not {buckets}")
    cdef uint64_t k = <uint64_t>(key & 0xFFFFFFFFFFFFFFFF)
    cdef int64_t b = -1, j = 0
    while j < buckets:
        b = j
        k = k * 2862933555777941757ULL + 1
        j = <int64_t>((b + 1) * (<double>(1LL << 31) / <double>((k >> 33) + 1)))
    return b

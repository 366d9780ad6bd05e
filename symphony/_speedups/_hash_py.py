"""Pure-Python twin of ``_hash.pyx``: content-defined chunking and jump consistent hashing.

Same ``public_api`` and the same results as the compiled module (tests check both give
identical chunk boundaries and buckets); only slower.

Chunking is FastCDC (Xia et al., 2016) with normalized chunking: a Gear rolling hash
``h = (h << 1) + GEAR[byte]`` over 64 bits, cut where the hash's top bits are all zero.
Because the shift pushes old bytes out of the top, a cut point depends only on the last 64
bytes, so an edit moves at most the boundaries near it and the rest of the chunks (and their
digests) stay the same: that is what makes deduplication of edited artifacts work.
"""

from __future__ import annotations

__all__ = ["GEAR", "cdc_boundaries", "jump_hash"]
public_api = ["GEAR", "cdc_boundaries", "jump_hash"]

_M64 = (1 << 64) - 1


def _gear_table() -> tuple[int, ...]:
    """256 pseudo-random 64-bit values from splitmix64 with a fixed seed (never change it:
    chunk boundaries, hence stored chunk digests, depend on it)."""
    state = 0x5EED_C0DE_2026
    table = []
    for _ in range(256):
        state = (state + 0x9E3779B97F4A7C15) & _M64
        z = state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _M64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _M64
        table.append(z ^ (z >> 31))
    return tuple(table)


#: The Gear table: one 64-bit value per byte value.
GEAR: tuple[int, ...] = _gear_table()


def _masks(avg_size: int) -> tuple[int, int]:
    bits = max(avg_size.bit_length() - 1, 2)
    strict = ((1 << (bits + 1)) - 1) << (64 - (bits + 1))
    loose = ((1 << (bits - 1)) - 1) << (64 - (bits - 1))
    return strict, loose


def _check(min_size: int, avg_size: int, max_size: int) -> None:
    if not 0 < min_size <= avg_size <= max_size:
        raise ValueError(f"need 0 < min_size <= avg_size <= max_size, got {min_size}, {avg_size}, {max_size}")


def cdc_boundaries(data: bytes | bytearray | memoryview, min_size: int, avg_size: int, max_size: int) -> list[int]:
    """The end offset of each content-defined chunk of ``data`` (the last is ``len(data)``).

    Chunks are at least ``min_size`` bytes (except a short last one), at most ``max_size``,
    and ``avg_size`` on average. Empty data has no chunks.
    """
    _check(min_size, avg_size, max_size)
    view = memoryview(data).cast("B")
    total = len(view)
    mask_s, mask_l = _masks(avg_size)
    gear = GEAR
    out: list[int] = []
    start = 0
    while start < total:
        remaining = total - start
        if remaining <= min_size:
            out.append(total)
            break
        n = min(remaining, max_size)
        normal = min(n, avg_size)
        h = 0
        i = start + min_size
        end_normal = start + normal
        end = start + n
        cut = end
        while i < end_normal:
            h = ((h << 1) + gear[view[i]]) & _M64
            i += 1
            if not h & mask_s:
                cut = i
                break
        else:
            while i < end:
                h = ((h << 1) + gear[view[i]]) & _M64
                i += 1
                if not h & mask_l:
                    cut = i
                    break
        out.append(cut)
        start = cut
    return out


def jump_hash(key: int, buckets: int) -> int:
    """Jump consistent hash (Lamping and Veach, 2014) of a 64-bit ``key`` into ``[0, buckets)``.

    Growing ``buckets`` from n to n+1 moves only 1/(n+1) of the keys.
    """
    if buckets < 1:
        raise ValueError(f"buckets must be >= 1, not {buckets}")
    key &= _M64
    b, j = -1, 0
    while j < buckets:
        b = j
        key = (key * 2862933555777941757 + 1) & _M64
        j = int((b + 1) * (float(1 << 31) / float((key >> 33) + 1)))
    return b

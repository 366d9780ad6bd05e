"""``WrappedLines``: which logical lines wrap, and into how many visual lines, by line number.

A sorted map line -> breaks kept in blocks with a lazy line shift each (an edit that adds
or removes lines moves every later line in O(blocks)), and per-block prefix sums of the
extra visual lines (finding visual line ``v``, or the visual line of a logical one, is
two bisections).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from itertools import accumulate
from operator import add

from ._breaks import Breaks

__all__ = ["WrappedLines"]


class _Block:
    __slots__ = ("_cum", "_starts", "brks", "extra", "keys", "shift")

    def __init__(self, keys: list[int], brks: list[list[int]], shift: int = 0) -> None:
        self.keys = keys  # line numbers minus ``shift``
        self.brks = brks
        self.shift = shift
        self.extra = sum(map(len, brks))
        self._cum: list[int] | None = None
        self._starts: list[int] | None = None

    def touched(self) -> None:
        """Forget the prefix sums (after ``keys`` or ``brks`` changed)."""
        self._cum = None
        self._starts = None

    def cum(self) -> list[int]:
        """``cum[k]``: extra visual lines of the block's first ``k`` lines (cached)."""
        cum = self._cum
        if cum is None:
            cum = self._cum = list(accumulate(map(len, self.brks), initial=0))
        return cum

    def starts(self) -> list[int]:
        """``keys[k] + cum[k]``: increasing, so a visual line is found by bisection."""
        starts = self._starts
        if starts is None:
            starts = self._starts = list(map(add, self.keys, self.cum()))
        return starts


class WrappedLines:
    """Sorted map line -> breaks, in blocks of about ``B`` lines with a lazy line shift per
    block, so shifting every line after an edit costs O(blocks), not O(wrapped lines)."""

    B = 512

    def __init__(self) -> None:
        self.blocks: list[_Block] = []
        self._firsts: list[int] = []
        self._cum: list[int] = [0]
        self._cum_stale = False

    def _reindex(self) -> None:
        self.blocks = [b for b in self.blocks if b.keys]
        self._firsts = [b.keys[0] + b.shift for b in self.blocks]
        self._cum_stale = True

    def _sums(self) -> list[int]:
        if self._cum_stale:
            cum = [0]
            for b in self.blocks:
                cum.append(cum[-1] + b.extra)
            self._cum = cum
            self._cum_stale = False
        return self._cum

    def __len__(self) -> int:
        return sum(len(b.keys) for b in self.blocks)

    @property
    def total_extra(self) -> int:
        return self._sums()[-1]

    def _block_of(self, line: int) -> int:
        return max(0, bisect_right(self._firsts, line) - 1)

    def get(self, line: int) -> list[int] | None:
        if not self.blocks:
            return None
        b = self.blocks[self._block_of(line)]
        k = bisect_left(b.keys, line - b.shift)
        if k < len(b.keys) and b.keys[k] == line - b.shift:
            return b.brks[k]
        return None

    def set(self, line: int, brks: list[int]) -> bool:
        """Set (or with ``[]`` remove) the breaks of ``line``; True when they changed."""
        if not self.blocks:
            if not brks:
                return False
            self.blocks.append(_Block([line], [brks]))
            self._reindex()
            return True
        bi = self._block_of(line)
        b = self.blocks[bi]
        rel = line - b.shift
        k = bisect_left(b.keys, rel)
        present = k < len(b.keys) and b.keys[k] == rel
        if present and not isinstance(brks, Breaks) and len(b.brks[k]) == len(brks) and tuple(b.brks[k]) == tuple(brks):
            return False
        if not present and not brks:
            return False
        if present and brks and len(b.brks[k]) == len(brks):  # as many visual lines: the sums hold
            b.brks[k] = brks
            return True
        if present:
            b.extra -= len(b.brks[k])
            if brks:
                b.brks[k] = brks
            else:
                del b.keys[k], b.brks[k]
        else:
            b.keys.insert(k, rel)
            b.brks.insert(k, brks)
        b.extra += len(brks)
        b.touched()
        if len(b.keys) > 2 * self.B:
            half = len(b.keys) // 2
            self.blocks[bi:bi + 1] = [_Block(b.keys[:half], b.brks[:half], b.shift),
                                      _Block(b.keys[half:], b.brks[half:], b.shift)]
            self._reindex()
        elif not b.keys:
            self._reindex()
        else:
            self._firsts[bi] = b.keys[0] + b.shift
            self._cum_stale = True
        return True

    def edit(self, first: int, old_last: int, delta: int) -> None:
        """Drop lines ``first..old_last`` and move every line after them by ``delta``."""
        if not delta:  # nothing moves: only the blocks holding the dropped lines change
            self._drop(first, old_last)
            return
        for b in self.blocks:
            lo_line, hi_line = b.keys[0] + b.shift if b.keys else 0, b.keys[-1] + b.shift if b.keys else -1
            if hi_line < first:
                continue
            if lo_line > old_last:
                b.shift += delta
                continue
            lo = bisect_left(b.keys, first - b.shift)
            hi = bisect_right(b.keys, old_last - b.shift)
            tail_keys = [k + delta for k in b.keys[hi:]]
            b.extra -= sum(len(x) for x in b.brks[lo:hi])
            b.keys = b.keys[:lo] + tail_keys
            del b.brks[lo:hi]
            b.touched()
        self._reindex()

    def _drop(self, first: int, last: int) -> None:
        """Remove lines ``first..last`` (no line moves), touching only the blocks they are in."""
        if not self.blocks:
            return
        reindex = False
        for bi in range(self._block_of(first), len(self.blocks)):
            b = self.blocks[bi]
            if not b.keys or b.keys[0] + b.shift > last:
                break
            lo = bisect_left(b.keys, first - b.shift)
            hi = bisect_right(b.keys, last - b.shift)
            if hi <= lo:
                continue
            b.extra -= sum(len(x) for x in b.brks[lo:hi])
            del b.keys[lo:hi], b.brks[lo:hi]
            b.touched()
            if not b.keys or lo == 0:
                reindex = True
        if reindex:
            self._reindex()
        self._cum_stale = True

    def extra_before(self, line: int) -> int:
        """Extra visual lines of all wrapped lines before ``line``."""
        if not self.blocks:
            return 0
        bi = bisect_left(self._firsts, line) - 1
        if bi < 0:
            return 0
        b = self.blocks[bi]
        k = bisect_left(b.keys, line - b.shift)
        return self._sums()[bi] + b.cum()[k]

    def locate(self, v: int) -> tuple[int, int]:
        """``(logical line, segment)`` of visual line ``v``."""
        blocks, firsts, cum = self.blocks, self._firsts, self._sums()
        lo, hi = 0, len(blocks)
        while lo < hi:  # last block whose first line starts at or before v
            mid = (lo + hi) // 2
            if firsts[mid] + cum[mid] <= v:
                lo = mid + 1
            else:
                hi = mid
        bi = lo - 1
        if bi < 0:
            return v, 0
        b = blocks[bi]
        rel = v - cum[bi] - b.shift  # v relative to the block's lines and extras
        starts = b.starts()
        k = bisect_right(starts, rel) - 1  # the last wrapped line starting at or before v
        seg = rel - starts[k]
        n = len(b.brks[k]) + 1
        if seg < n:
            return b.keys[k] + b.shift, seg
        return b.keys[k] + b.shift + 1 + (seg - n), 0

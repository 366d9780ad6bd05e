"""Soft wrapping: which logical lines show as several visual lines, computed incrementally.

``WrapIndex`` records, for the few lines that wrap, where their visual lines start
(``breaks``); every other line is one visual line. Lines not yet looked at are listed in
``pending`` and shown unwrapped until a background step (``step``) reaches them, so
opening a 100MB file or typing in a 10MB line never waits for wrapping: an edit re-wraps
the lines it touched only when they are short (``SYNC_CHARS``), else queues them.

Invariants:

- ``lines`` maps each wrapped line to a non-empty increasing list of break offsets
  (relative to the line's start, ``0 < b < len(line)``); it is kept in blocks with a lazy
  line shift each, so an edit that adds or removes lines costs O(blocks), not O(lines).
- ``pending`` is a sorted list of disjoint half-open logical line ranges.
- Visual line ``v`` of the document is found in O(log k) for k wrapped lines.

Widths count columns: a tab advances to the next tab stop, East Asian wide and fullwidth
characters take two columns, everything else one. Breaks are at UAX #14 opportunities
(see ``_words.line_break_points``); a run with no opportunity wider than the width is cut
at the width (by grapheme cluster boundaries for non-ASCII text).
"""

from __future__ import annotations

import time
import unicodedata
from bisect import bisect_left, bisect_right
from collections.abc import Iterator, Sequence
from itertools import accumulate
from operator import add
from typing import overload

from .._rope import Rope
from ._words import grapheme_cluster_boundaries, line_break_points

__all__ = ["LONG", "SYNC_CHARS", "Breaks", "Segments", "WrapIndex", "wrap_line"]

#: Edited lines up to this many characters in total are re-wrapped on the typing path.
SYNC_CHARS = 4096
#: Lines longer than this are wrapped a piece of this size per background step.
LONG = 1 << 13


def _width(text: str, tab: int, col: int = 0) -> int:
    """Column after ``text`` starting at column ``col``."""
    if text.isascii() and "\t" not in text:
        return col + len(text)
    for ch in text:
        if ch == "\t":
            col += tab - col % tab
        elif ord(ch) < 0x1100:
            col += 1
        else:
            col += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return col


def wrap_line(text: str, width: int, tab: int = 4) -> list[int]:
    """Offsets in ``text`` where its visual lines after the first start (empty: no wrap)."""
    if width <= 0:
        return []
    if (len(text) <= width and text.isascii() and "\t" not in text) or 2 * len(text) <= width and "\t" not in text:
        return []
    if _width(text, tab) <= width:
        return []
    points = line_break_points(text)
    points.append(len(text))
    out: list[int] = []
    start = 0
    last_fit = -1
    i = 0
    while i < len(points):
        p = points[i]
        seg = text[start:p].rstrip(" ")
        if _width(seg, tab) <= width:
            last_fit = p
            i += 1
            continue
        if last_fit > start:
            out.append(last_fit)
            start = last_fit
            last_fit = -1
            continue
        # a run with no break opportunity that fits: cut at the width
        cut = start
        if text.isascii():
            cut = start + max(1, width)
        else:
            for b in grapheme_cluster_boundaries(text[start:p])[1:]:
                if _width(text[start:start + b], tab) > width and cut > start:
                    break
                cut = start + b
        if cut >= p:
            last_fit = p
            i += 1
            continue
        out.append(cut)
        start = cut
        last_fit = -1
    return [b for b in out if 0 < b < len(text)]


class Breaks(Sequence[int]):
    """The breaks of one long line, in chunks of relative offsets with a base each, so an
    edit moves every break after it in O(chunks), not O(breaks)."""

    __slots__ = ("chunks", "cum")
    CHUNK = 1024

    def __init__(self, chunks: list[tuple[int, tuple[int, ...]]]) -> None:
        self.chunks = [c for c in chunks if c[1]]
        cum = [0]
        for _, rel in self.chunks:
            cum.append(cum[-1] + len(rel))
        self.cum = cum

    @classmethod
    def of(cls, values: Sequence[int], shift: int = 0) -> Breaks:
        """Chunk ``values`` (each moved by ``shift``)."""
        if isinstance(values, Breaks):
            return cls([(base + shift, rel) for base, rel in values.chunks])
        vals = list(values)
        size = cls.CHUNK
        return cls([(shift, tuple(vals[i:i + size])) for i in range(0, len(vals), size)])

    def __len__(self) -> int:
        return self.cum[-1]

    @overload
    def __getitem__(self, i: int) -> int: ...

    @overload
    def __getitem__(self, i: slice) -> list[int]: ...

    def __getitem__(self, i: int | slice) -> int | list[int]:
        if isinstance(i, slice):
            return list(self)[i]
        if i < 0:
            i += self.cum[-1]
        if not 0 <= i < self.cum[-1]:
            raise IndexError(i)
        c = bisect_right(self.cum, i) - 1
        base, rel = self.chunks[c]
        return base + rel[i - self.cum[c]]

    def __iter__(self) -> Iterator[int]:
        for base, rel in self.chunks:
            for r in rel:
                yield base + r

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence) or len(self) != len(other):
            return False
        return all(a == b for a, b in zip(self, other))

    __hash__ = None  # type: ignore[assignment]

    def head(self, k: int) -> list[tuple[int, tuple[int, ...]]]:
        """Chunks of the first ``k`` breaks."""
        c = bisect_right(self.cum, k) - 1
        out = self.chunks[:c]
        if c < len(self.chunks) and k > self.cum[c]:
            base, rel = self.chunks[c]
            out.append((base, rel[:k - self.cum[c]]))
        return out

    def tail(self, k: int, shift: int) -> list[tuple[int, tuple[int, ...]]]:
        """Chunks of the breaks from index ``k`` on, each moved by ``shift``."""
        if k >= self.cum[-1]:
            return []
        c = bisect_right(self.cum, k) - 1
        base, rel = self.chunks[c]
        out = [(base + shift, rel[k - self.cum[c]:])]
        out += [(b + shift, r) for b, r in self.chunks[c + 1:]]
        return out


class Segments(Sequence[int]):
    """``[0, *breaks]`` without copying ``breaks`` (indexing, ``len``, ``bisect`` work)."""

    __slots__ = ("_breaks",)

    def __init__(self, breaks: Sequence[int]) -> None:
        self._breaks = breaks

    def __len__(self) -> int:
        return len(self._breaks) + 1

    @overload
    def __getitem__(self, i: int) -> int: ...

    @overload
    def __getitem__(self, i: slice) -> list[int]: ...

    def __getitem__(self, i: int | slice) -> int | list[int]:
        if isinstance(i, slice):
            return [0, *self._breaks][i]
        if i < 0:
            i += len(self._breaks) + 1
        if i == 0:
            return 0
        if i < 0:
            raise IndexError(i)
        return self._breaks[i - 1]


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


class _WrappedLines:
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


class WrapIndex:
    """The wrap state of one buffer at one width (see the module docstring)."""

    def __init__(self, width: int, tab: int, line_count: int) -> None:
        self.width = width
        self.tab = tab
        self.lines = _WrappedLines()
        self.pending: list[tuple[int, int]] = [(0, line_count)] if line_count else []
        #: progress through one long line: (line, offset reached, breaks so far)
        self._partial: tuple[int, int, list[int]] | None = None

    # -- queries --------------------------------------------------------------------------

    def vis_of_line(self, line: int) -> int:
        """Visual index of the first visual line of logical line ``line``."""
        return line + self.lines.extra_before(line)

    def total(self, line_count: int) -> int:
        """Visual lines of a document of ``line_count`` logical lines."""
        return line_count + self.lines.total_extra

    def line_of_vis(self, v: int) -> tuple[int, int]:
        """``(logical line, segment)`` of visual line ``v``."""
        return self.lines.locate(v)

    def segments(self, line: int) -> Segments:
        """Offsets (relative to the line) where each visual line of ``line`` starts: ``0``
        then the breaks, as a sequence view (no copy of a long line's breaks)."""
        return Segments(self.lines.get(line) or ())

    @property
    def done(self) -> bool:
        return not self.pending

    # -- updates --------------------------------------------------------------------------

    def _set(self, line: int, brks: list[int]) -> bool:
        # tuples of ints are untracked by the cycle collector: millions of wrapped lines
        # then add nothing to garbage-collection pauses
        if isinstance(brks, Breaks):
            return self.lines.set(line, brks)  # type: ignore[arg-type]
        if len(brks) > Breaks.CHUNK:
            return self.lines.set(line, Breaks.of(brks))  # type: ignore[arg-type]
        return self.lines.set(line, tuple(brks))  # type: ignore[arg-type]

    def _remove_pending(self, start: int, end: int) -> None:
        out: list[tuple[int, int]] = []
        for a, b in self.pending:
            if a < start:
                out.append((a, min(b, start)))
            if b > end:
                out.append((max(a, end), b))
        self.pending = [(a, b) for a, b in out if b > a]

    def _add_pending(self, start: int, end: int) -> None:
        if end <= start:
            return
        ranges = self.pending
        out: list[tuple[int, int]] = []
        for a, b in ranges:
            if b < start or a > end:
                out.append((a, b))
            else:
                start, end = min(a, start), max(b, end)
        out.append((start, end))
        out.sort()
        self.pending = out

    def on_edit(self, first: int, old_last: int, new_last: int, rope: Rope,
                span: tuple[int, int, int] | None = None) -> None:
        """Lines ``first..old_last`` became ``first..new_last``; re-wrap them now when short.

        ``span = (start, old_end, new_end)`` are the edit's offsets; an edit inside one
        long line re-wraps only around the edit (see :meth:`_rewrap_around`).
        """
        delta = new_last - old_last
        if span is not None and first == old_last == new_last:
            old_breaks = self.lines.get(first)
            line_start = rope.offset_of_line(first)
            length = (rope.offset_of_line(first + 1) - 1 if first + 1 < rope.line_count else len(rope)) - line_start
            if old_breaks and length > SYNC_CHARS:
                breaks, exact = self._rewrap_around(rope, line_start, length, old_breaks, span[0] - line_start,
                                                    span[1] - line_start, span[2] - line_start)
                self.lines.set(first, breaks)  # type: ignore[arg-type]
                if not exact or self._pending_has(first):
                    partial = self._partial
                    if partial is not None and partial[0] == first and span[0] - line_start < partial[1]:
                        self._partial = None  # the edit is in the part done: start that line again
                    self._add_pending(first, first + 1)
                return
        self.lines.edit(first, old_last, delta)
        pending: list[tuple[int, int]] = []
        for a, b in self.pending:
            if a < first:
                pending.append((a, min(b, first)))
            if b > old_last + 1:
                pending.append((max(a, old_last + 1) + delta, b + delta))
        partial = self._partial
        if partial is not None:
            if partial[0] > old_last:
                self._partial = (partial[0] + delta, partial[1], partial[2])
            elif partial[0] >= first:
                self._partial = None
        self.pending = pending
        start = rope.offset_of_line(first)
        end = rope.offset_of_line(new_last + 1) if new_last + 1 < rope.line_count else len(rope)
        if end - start <= SYNC_CHARS:
            for i, text in enumerate(rope[start:end].split("\n")[: new_last - first + 1]):
                self._set(first + i, wrap_line(text, self.width, self.tab))
        else:  # short lines are wrapped now (up to a budget), long ones get provisional breaks
            self._add_pending(first, new_last + 1)
            budget = 4 * SYNC_CHARS
            n = rope.line_count
            exact = True
            for line in range(first, min(new_last, first + 64) + 1):
                start = rope.offset_of_line(line)
                length = (rope.offset_of_line(line + 1) - 1 if line + 1 < n else len(rope)) - start
                if length <= SYNC_CHARS and length <= budget:
                    budget -= length
                    self._set(line, wrap_line(rope[start:start + length], self.width, self.tab))
                else:
                    exact = False
                    self._set(line, list(range(self.width, length, self.width)))
            if exact and new_last < first + 64:
                self._remove_pending(first, new_last + 1)

    def provisional(self, rope: Rope, first: int, last: int) -> None:
        """Give long pending lines among ``first..last`` breaks every ``width`` characters,
        so they never show (or travel to the frontend) whole until wrapped properly."""
        n = rope.line_count
        for line in range(first, min(last, n - 1) + 1):
            start = rope.offset_of_line(line)
            length = (rope.offset_of_line(line + 1) - 1 if line + 1 < n else len(rope)) - start
            if length > SYNC_CHARS and self._pending_has(line):
                self._set(line, list(range(self.width, length, self.width)))

    def _long_line_piece(self, rope: Rope, line: int, length: int) -> bool:
        """Wrap the next ``LONG`` characters of a long line; True when the line is done."""
        start = rope.offset_of_line(line)
        partial = self._partial
        pos, brks = (partial[1], partial[2]) if partial is not None and partial[0] == line else (0, [])
        end = min(length, pos + LONG)
        piece = rope[start + pos:start + end]
        found = wrap_line(piece, self.width, self.tab)
        if end >= length:
            self._partial = None
            self._set(line, brks + [pos + b for b in found])
            return True
        brks = list(brks) if partial is None or partial[0] != line else brks  # owned from here on
        if found:  # the last visual line may go on past the piece: resume from its start
            brks.extend(pos + b for b in found)
            pos += found[-1]
        else:
            pos = end
            brks.append(pos)
        self._partial = (line, pos, brks)
        return False

    def _pending_has(self, line: int) -> bool:
        return any(a <= line < b for a, b in self.pending) or (self._partial is not None and self._partial[0] == line)

    def _rewrap_around(self, rope: Rope, line_start: int, length: int, old: Sequence[int],
                       start: int, old_end: int, new_end: int) -> tuple[Sequence[int], bool]:
        """Breaks of a long line after an edit of ``[start, old_end)`` -> ``[start, new_end)``,
        and whether they are exact.

        Breaks before the edit's visual line stay; breaks after it move with the text; the
        visual lines from the edit on are wrapped again over a window of a few visual
        lines. When a new break meets a moved old one, the greedy wrap is back in step and
        the result is exact. Otherwise the window's breaks are joined to the moved ones
        (the visual line in between wrapped on its own, so every visual line still fits)
        and the caller re-wraps the whole line in the background. Cost: the window plus
        O(chunks) (:class:`Breaks`), whatever the line's length.
        """
        shift = new_end - old_end
        chunked = old if isinstance(old, Breaks) else Breaks.of(old)
        # from the visual line before the edited one: a deletion at a visual line's start
        # can pull its first word up, an inserted space can leave the line above
        k = bisect_right(chunked, start) - 2
        lo = chunked[k] if k >= 0 else 0
        before = chunked.head(k + 1) if k >= 0 else []
        cut = bisect_right(chunked, old_end)
        after = Breaks(chunked.tail(cut, shift))
        window = max(8 * self.width, 512)
        for _ in range(5):  # widen the window a few times before giving up on exactness
            hi = min(length, new_end + window)
            found = [lo + b for b in wrap_line(rope[line_start + lo:line_start + hi], self.width, self.tab)]
            if hi >= length:
                return Breaks([*before, (0, tuple(found))]), True
            for i, b in enumerate(found):
                if b > new_end:
                    m = bisect_left(after, b)
                    if m < len(after) and after[m] == b:
                        return Breaks([*before, (0, tuple(found[:i])), *after.tail(m, 0)]), True
            window *= 2
        last = found[-1] if found else lo
        m = bisect_right(after, last)
        bridge: list[int] = []
        if m < len(after):
            gap = rope[line_start + last:line_start + after[m]]
            bridge = [last + b for b in wrap_line(gap, self.width, self.tab)]
        return Breaks([*before, (0, tuple(found + bridge)), *after.tail(m, 0)]), False

    def step(self, rope: Rope, budget: float = 0.004) -> tuple[int, int] | None:
        """Wrap pending lines for about ``budget`` seconds; returns the changed line range.

        Lines longer than ``LONG`` are wrapped a piece per step, so no step takes much
        longer than ``budget`` whatever the line lengths.
        """
        if not self.pending:
            return None
        deadline = time.perf_counter() + budget
        a, b = self.pending[0]
        n = rope.line_count
        b = min(b, n)
        line = a
        changed_lo: int | None = None
        changed_hi = 0
        first_round = True
        while line < b and (first_round or time.perf_counter() < deadline):
            first_round = False
            start = rope.offset_of_line(line)
            next_start = rope.offset_of_line(line + 1) if line + 1 < n else len(rope) + 1
            length = next_start - start - 1
            if length > LONG:
                old = self.lines.get(line)
                if not self._long_line_piece(rope, line, length):
                    continue
                if self.lines.get(line) != old:
                    changed_lo = line if changed_lo is None else changed_lo
                    changed_hi = line + 1
                line += 1
                continue
            chunk_end = line + 1
            end = next_start
            while chunk_end < b and chunk_end - line < 24:
                nxt = rope.offset_of_line(chunk_end + 1) if chunk_end + 1 < n else len(rope) + 1
                if nxt - end > LONG or nxt - start > 4 * LONG:
                    break
                end = nxt
                chunk_end += 1
            texts = rope[start:min(end, len(rope))].split("\n")
            for i in range(chunk_end - line):
                if self._set(line + i, wrap_line(texts[i], self.width, self.tab)):
                    changed_lo = line + i if changed_lo is None else changed_lo
                    changed_hi = line + i + 1
            line = chunk_end
        if line >= b:
            self.pending.pop(0)
        else:
            self.pending[0] = (line, b)
        if changed_lo is None:
            return None
        return changed_lo, changed_hi

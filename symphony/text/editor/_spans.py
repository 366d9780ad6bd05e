"""``SpanStore``: spans (start, end, value) over a text, kept in step with its edits.

A plugin's syntax spans (values: indices into its scope table) and annotations (values:
JSON payloads) live here, in code points. They follow every edit as xi's
``Spans::apply_shape`` does, so colours never go stale while the plugin catches up: a span
inside a deleted range goes, a span overlapping one is cut to what is left, a span after
an edit shifts, and text inserted inside a span splits it (the new text has no span until
the plugin says so). :meth:`SpanStore.replace` is xi's ``Spans::edit``: the spans in a
range are replaced by new ones (spans crossing the range's ends are cut at them).

Layout: leaves of at most ``2 * LEAF`` spans, each holding its spans relative to its own
start, grouped in blocks of at most ``2 * BLOCK`` leaves. Finding the leaf of an offset
sums one list of block lengths and one block's leaf lengths (``accumulate`` + ``bisect``,
in C); an edit changes the leaves it touches, and everything after it moves without being
visited. So an edit costs O(blocks + BLOCK + LEAF) whatever the document's size; reading
the spans of a window costs that plus the spans in it.

Invariants: the leaves' lengths add up to ``length`` (the text's length); spans are
sorted, non-empty, non-overlapping and inside their leaf; no leaf is empty unless it is
the only one.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterator, Sequence
from itertools import accumulate
from typing import Any, Generic, TypeVar

__all__ = ["SpanStore"]

V = TypeVar("V")

#: Spans per leaf (a leaf is split past twice this).
LEAF = 64
#: Leaves per block (a block is split past twice this).
BLOCK = 128


class _Leaf:
    __slots__ = ("ends", "length", "starts", "vals")

    def __init__(self, length: int, starts: list[int] | None = None, ends: list[int] | None = None,
                 vals: list[Any] | None = None) -> None:
        self.length = length
        self.starts: list[int] = starts if starts is not None else []
        self.ends: list[int] = ends if ends is not None else []
        self.vals: list[Any] = vals if vals is not None else []

    def replace(self, s: int, e: int, ins: int) -> None:
        """Replace ``[s, e)`` (leaf offsets) by ``ins`` characters that have no span."""
        starts, ends, vals = self.starts, self.ends, self.vals
        d = ins - (e - s)
        k = bisect_right(ends, s)  # spans ending at or before s are untouched
        j = k
        n = len(starts)
        ps: list[int] = []
        pe: list[int] = []
        pv: list[Any] = []
        while j < n and starts[j] < e:  # overlapping [s, e), or (s == e) holding s inside
            a, b, v = starts[j], ends[j], vals[j]
            if a < s and b > e and ins == 0:  # cut out of the middle: the two pieces touch again
                ps.append(a)
                pe.append(b + d)
                pv.append(v)
            else:
                if a < s:
                    ps.append(a)
                    pe.append(s)
                    pv.append(v)
                if b > e:
                    ps.append(e + d)
                    pe.append(b + d)
                    pv.append(v)
            j += 1
        if j == k and not ps and not d:
            return
        if d:
            self.starts = starts[:k] + ps + [x + d for x in starts[j:]]
            self.ends = ends[:k] + pe + [x + d for x in ends[j:]]
        else:
            self.starts = starts[:k] + ps + starts[j:]
            self.ends = ends[:k] + pe + ends[j:]
        self.vals = vals[:k] + pv + vals[j:]
        self.length += d


class SpanStore(Generic[V]):
    """Non-overlapping spans with values over a text of ``length`` code points (see the module docs)."""

    def __init__(self, length: int) -> None:
        self.length = length
        self._blocks: list[list[_Leaf]] = [[_Leaf(length)]]
        self._lens: list[list[int]] = [[length]]  # leaf lengths, per block
        self._block_lens: list[int] = [length]
        self.count = 0  # spans stored (pieces)
        #: the leaf last found or edited, (block, leaf, leaf start): typing stays in one leaf,
        #: so most lookups end here (reset by any change of the leaves' layout)
        self._hint: tuple[int, int, int] | None = None

    # -- finding -----------------------------------------------------------------------

    def _locate(self, offset: int) -> tuple[int, int, int]:
        """(block, leaf, leaf start) of the leaf holding ``offset`` (the last leaf for ``length``)."""
        hint = self._hint
        if hint is not None:
            bi, li, ls = hint
            end = ls + self._lens[bi][li]
            if ls <= offset and (offset < end or offset == end == self.length):
                return hint
        bl = self._block_lens
        if len(bl) == 1:
            bi, base = 0, 0
        else:
            acc = list(accumulate(bl))
            bi = bisect_right(acc, offset)
            if bi == len(bl):
                bi -= 1
            base = acc[bi] - bl[bi]
        lens = self._lens[bi]
        acc = list(accumulate(lens))
        li = bisect_right(acc, offset - base)
        if li == len(lens):
            li -= 1
        self._hint = bi, li, base + acc[li] - lens[li]
        return self._hint

    def _walk(self, bi: int, li: int, ls: int) -> Iterator[tuple[int, int, int, _Leaf]]:
        blocks = self._blocks
        while bi < len(blocks):
            block = blocks[bi]
            while li < len(block):
                leaf = block[li]
                yield bi, li, ls, leaf
                ls += leaf.length
                li += 1
            bi += 1
            li = 0

    def _resized(self, bi: int, li: int, leaf: _Leaf) -> None:
        old = self._lens[bi][li]
        if old != leaf.length:
            self._lens[bi][li] = leaf.length
            self._block_lens[bi] += leaf.length - old

    # -- editing -----------------------------------------------------------------------

    def edit(self, start: int, end: int, ins: int) -> None:
        """Follow the text's edit: ``[start, end)`` replaced by ``ins`` new characters."""
        if not 0 <= start <= end <= self.length:
            raise ValueError(f"edit {start}..{end} out of range 0..{self.length}")
        bi, li, ls = self._locate(start)
        leaf = self._blocks[bi][li]
        le = ls + leaf.length
        gone: list[tuple[int, int]] = []
        before = len(leaf.starts)
        if end <= le:
            leaf.replace(start - ls, end - ls, ins)
            self._resized(bi, li, leaf)
            self.count += len(leaf.starts) - before
        else:
            leaf.replace(start - ls, leaf.length, ins)
            self._resized(bi, li, leaf)
            self.count += len(leaf.starts) - before
            remaining = end - le
            for bj, lj, _, other in self._walk(bi, li + 1, le):
                if remaining <= 0:
                    break
                n = len(other.starts)
                if other.length <= remaining:
                    remaining -= other.length
                    other.replace(0, other.length, 0)
                else:
                    other.replace(0, remaining, 0)
                    remaining = 0
                self.count += len(other.starts) - n
                self._resized(bj, lj, other)
                if other.length == 0:
                    gone.append((bj, lj))
        if leaf.length == 0:
            gone.append((bi, li))
        self.length += ins - (end - start)
        self._hint = (bi, li, ls) if not gone and end <= le else None
        if gone:
            self._drop(gone)

    def _drop(self, leaves: list[tuple[int, int]]) -> None:
        """Remove empty leaves (keeping at least one leaf)."""
        for bi, li in sorted(set(leaves), reverse=True):
            if len(self._blocks) == 1 and len(self._blocks[0]) == 1:
                return
            del self._blocks[bi][li]
            del self._lens[bi][li]
            if not self._blocks[bi]:
                del self._blocks[bi], self._lens[bi], self._block_lens[bi]

    def replace(self, start: int, end: int, spans: Sequence[tuple[int, int, V]]) -> None:
        """Replace the spans in ``[start, end)`` by ``spans`` (absolute offsets, sorted,
        non-overlapping, non-empty, inside the range: the caller checks)."""
        if not 0 <= start <= end <= self.length:
            raise ValueError(f"range {start}..{end} out of range 0..{self.length}")
        if start == end:
            return
        bi, li, ls = self._locate(start)
        k = 0
        firsts = [span[0] for span in spans]
        grown: list[tuple[int, int]] = []
        for bj, lj, ls, leaf in self._walk(bi, li, ls):
            if ls >= end:
                break
            le = ls + leaf.length
            s, e = max(start, ls) - ls, min(end, le) - ls
            n = len(leaf.starts)
            leaf.replace(s, e, e - s)  # clear the range (cutting spans across its ends)
            k_end = bisect_left(firsts, le, k)  # the spans starting in this leaf (or continuing)
            if k_end > k:
                chunk = spans[k:k_end]
                ns = [a - ls for a, _, _ in chunk]
                ne = [b - ls for _, b, _ in chunk]
                nv = [v for _, _, v in chunk]
                if ns[0] < 0:  # began in the leaf before
                    ns[0] = 0
                if ne[-1] > leaf.length:  # continues in the next leaf
                    ne[-1] = leaf.length
                    k = k_end - 1
                else:
                    k = k_end
                at = bisect_left(leaf.starts, ns[0])
                leaf.starts[at:at] = ns
                leaf.ends[at:at] = ne
                leaf.vals[at:at] = nv
                if len(leaf.starts) > 2 * LEAF:
                    grown.append((bj, lj))
            self.count += len(leaf.starts) - n
        if grown:
            self._hint = None
        for bj, lj in reversed(grown):
            self._split_leaf(bj, lj)

    def _split_leaf(self, bi: int, li: int) -> None:
        leaf = self._blocks[bi][li]
        starts, ends, vals = leaf.starts, leaf.ends, leaf.vals
        pieces: list[_Leaf] = []
        n = len(starts)
        cut = 0
        for i in range(0, n, LEAF):
            nxt = starts[i + LEAF] if i + LEAF < n else leaf.length
            pieces.append(_Leaf(nxt - cut, [x - cut for x in starts[i:i + LEAF]],
                                [x - cut for x in ends[i:i + LEAF]], vals[i:i + LEAF]))
            cut = nxt
        if pieces[0].length == 0 and len(pieces) > 1:  # cannot happen (spans are non-empty); be safe
            pieces.pop(0)
        self._blocks[bi][li:li + 1] = pieces
        self._lens[bi][li:li + 1] = [p.length for p in pieces]
        block = self._blocks[bi]
        if len(block) > 2 * BLOCK:
            lens = self._lens[bi]
            cuts = range(0, len(block), BLOCK)
            self._blocks[bi:bi + 1] = [block[i:i + BLOCK] for i in cuts]
            self._lens[bi:bi + 1] = [lens[i:i + BLOCK] for i in cuts]
            self._block_lens[bi:bi + 1] = [sum(lens[i:i + BLOCK]) for i in cuts]

    # -- reading -----------------------------------------------------------------------

    def query(self, start: int, end: int, clip: bool = True) -> list[tuple[int, int, V]]:
        """The spans meeting ``[start, end)``, absolute, in order, cut to the range unless
        ``clip`` is false (pieces of one span split at a leaf's end are joined again)."""
        out: list[tuple[int, int, V]] = []
        if self.count == 0 or end <= start:
            return out
        bi, li, ls = self._locate(start)
        for _, _, ls, leaf in self._walk(bi, li, ls):
            if ls >= end:
                break
            starts = leaf.starts
            if not starts:
                continue
            ends, vals = leaf.ends, leaf.vals
            j = bisect_right(ends, start - ls)
            stop = end - ls
            while j < len(starts) and starts[j] < stop:
                a = starts[j] + ls
                b = ends[j] + ls
                if clip:
                    a, b = max(a, start), min(b, end)
                v = vals[j]
                if out and out[-1][1] == a and out[-1][2] is v:
                    out[-1] = (out[-1][0], b, v)
                else:
                    out.append((a, b, v))
                j += 1
        return out

    def spans(self) -> list[tuple[int, int, V]]:
        """Every span (for tests and debugging; O(spans))."""
        return self.query(0, self.length)


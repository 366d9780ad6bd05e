"""``Breaks`` and ``Segments``: the break offsets of one long wrapped line, kept cheap to edit.

A 10MB line wrapped at 80 columns has about 125,000 breaks; ``Breaks`` keeps them in
chunks with a base offset each, so an edit moves every break after it in O(chunks), and
``Segments`` shows ``[0, *breaks]`` without copying them.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterator, Sequence
from itertools import accumulate
from typing import overload

__all__ = ["Breaks", "Segments"]


class Breaks(Sequence[int]):
    """The breaks of one long line, in chunks of relative offsets with a base each, so an
    edit moves every break after it in O(chunks), not O(breaks)."""

    __slots__ = ("chunks", "cum", "firsts")
    CHUNK = 1024

    def __init__(self, chunks: list[tuple[int, tuple[int, ...]]]) -> None:
        # adjacent chunks that fit in one are joined, so edits that each add a small chunk
        # leave at most about twice the chunks the breaks need; the smaller of the two is
        # re-based, so a join costs its size, not the chunk's
        out: list[tuple[int, tuple[int, ...]]] = []
        size = self.CHUNK
        for base, rel in chunks:
            if not rel:
                continue
            if out and len(out[-1][1]) + len(rel) <= size:
                pbase, prel = out[-1]
                d = base - pbase
                if not d:
                    out[-1] = (pbase, prel + rel)
                elif len(rel) <= len(prel):
                    out[-1] = (pbase, prel + tuple([r + d for r in rel]))
                else:
                    out[-1] = (base, tuple([r - d for r in prel]) + rel)
            else:
                out.append((base, rel))
        self._index(out)

    def _index(self, chunks: list[tuple[int, tuple[int, ...]]]) -> None:
        self.chunks = chunks
        self.cum = list(accumulate([len(rel) for _, rel in chunks], initial=0))
        #: the first break of each chunk (absolute), to find a value's chunk by bisection
        self.firsts = [base + rel[0] for base, rel in chunks]

    @classmethod
    def spliced(cls, head: list[tuple[int, tuple[int, ...]]], middle: list[tuple[int, tuple[int, ...]]],
                tail: list[tuple[int, tuple[int, ...]]]) -> Breaks:
        """``Breaks(head + middle + tail)`` where ``head`` and ``tail`` are chunks of
        ``Breaks`` (their :meth:`head` and :meth:`tail`): only the seam (the last chunk of
        ``head``, ``middle`` and the first of ``tail``) is re-chunked, into pieces of about
        ``CHUNK``; the other chunks are taken as they are. Cost: the seam plus list copies,
        and chunks never fragment however many edits hit one place."""
        parts = [(b, r) for b, r in head[-1:] + middle + tail[:1] if r]
        seam: list[tuple[int, tuple[int, ...]]] = []
        if parts:
            base = max(parts, key=lambda part: len(part[1]))[0]  # re-base all but the largest
            rel: tuple[int, ...] = ()
            for b, r in parts:
                rel += r if b == base else tuple([x + (b - base) for x in r])
            pieces = max(1, round(len(rel) / cls.CHUNK))
            size = -(-len(rel) // pieces)
            seam = [(base, rel[i:i + size]) for i in range(0, len(rel), size)]
        out = cls.__new__(cls)
        out._index(head[:-1] + seam + tail[1:])
        return out

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
            start, stop, step = i.indices(self.cum[-1])
            return self.values(start, stop) if step == 1 else list(self)[i]
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

    def bisect_left(self, x: int) -> int:
        """``bisect.bisect_left(self, x)`` in two bisections (not one ``[]`` per step)."""
        c = bisect_left(self.firsts, x) - 1
        if c < 0:
            return 0
        base, rel = self.chunks[c]
        return self.cum[c] + bisect_left(rel, x - base)

    def bisect_right(self, x: int) -> int:
        """``bisect.bisect_right(self, x)`` in two bisections."""
        c = bisect_right(self.firsts, x) - 1
        if c < 0:
            return 0
        base, rel = self.chunks[c]
        return self.cum[c] + bisect_right(rel, x - base)

    def values(self, i: int, j: int) -> list[int]:
        """``list(self)[i:j]`` (``0 <= i``), reading only the chunks those breaks lie in."""
        j = min(j, self.cum[-1])
        out: list[int] = []
        cum = self.cum
        c = bisect_right(cum, i) - 1
        while i < j:
            base, rel = self.chunks[c]
            hi = min(len(rel), j - cum[c])
            out += [base + r for r in rel[i - cum[c]:hi]]
            i = cum[c] + hi
            c += 1
        return out

    def meet(self, found: Sequence[int], floor: int) -> tuple[int, int] | None:
        """``(i, m)`` for the first ``found[i] >= floor`` (``found`` increasing) that is also
        a break here, ``self[m]``; None when there is none. Two bisections and one read of
        the chunks in between, however many breaks ``found`` has."""
        first = bisect_left(found, floor)
        if first >= len(found):
            return None
        a = self.bisect_left(found[first])
        b = self.bisect_right(found[-1])
        where = {v: a + k for k, v in enumerate(self.values(a, b))}
        for i in range(first, len(found)):
            m = where.get(found[i])
            if m is not None:
                return i, m
        return None

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
        brks = self._breaks
        if i < 0:
            i += len(brks) + 1
        if i == 0:
            return 0
        if i < 0:
            raise IndexError(i)
        if type(brks) is Breaks:  # (bisect reads a long line's segments one index at a time)
            cum = brks.cum
            if i > cum[-1]:
                raise IndexError(i)
            c = bisect_right(cum, i - 1) - 1
            base, rel = brks.chunks[c]
            return base + rel[i - 1 - cum[c]]
        return brks[i - 1]

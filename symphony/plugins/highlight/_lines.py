"""Lines and edits: which lines an edit rewrote, and a set of line ranges that follows edits.

``LineTodo`` is what the plugin still owes the core: the lines whose spans are to be (re)sent,
kept as sorted disjoint ranges and moved by each edit as the text moves.
"""

from __future__ import annotations

from ...text import Delta, Rope

__all__ = ["LineTodo", "edited_lines"]


def edited_lines(delta: Delta, old: Rope, new: Rope) -> tuple[int, int, int] | None:
    """``(first, old_last, new_last)``: ``delta`` rewrote old lines ``first..old_last`` (inclusive)
    into new lines ``first..new_last``; every line before is as it was, every line after moved by
    ``new_last - old_last``. None for a delta that changes nothing."""
    edits = delta.edits()
    if not edits:
        return None
    first = old.line_of_offset(edits[0][0])
    old_last = old.line_of_offset(edits[-1][1])
    new_last = new.line_of_offset(edits[-1][1] + delta.target_len - delta.base_len)
    return first, old_last, new_last


class LineTodo:
    """Sorted, disjoint ``[start, end)`` line ranges, moved through edits."""

    __slots__ = ("_ranges",)

    def __init__(self) -> None:
        self._ranges: list[tuple[int, int]] = []

    def __bool__(self) -> bool:
        return bool(self._ranges)

    def __repr__(self) -> str:
        return f"LineTodo({self._ranges!r})"

    @property
    def ranges(self) -> list[tuple[int, int]]:
        """The ranges, in order."""
        return list(self._ranges)

    def first(self) -> tuple[int, int] | None:
        """The first range, or None when nothing is owed."""
        return self._ranges[0] if self._ranges else None

    def clear(self) -> None:
        """Owe nothing."""
        self._ranges.clear()

    def add(self, start: int, end: int) -> None:
        """Owe lines ``[start, end)`` too."""
        if start >= end:
            return
        out: list[tuple[int, int]] = []
        for s, e in self._ranges:
            if e < start or s > end:
                out.append((s, e))
            else:
                start, end = min(s, start), max(e, end)
        out.append((start, end))
        out.sort()
        self._ranges = out

    def remove(self, start: int, end: int) -> None:
        """Lines ``[start, end)`` were sent."""
        if start >= end:
            return
        out: list[tuple[int, int]] = []
        for s, e in self._ranges:
            if e <= start or s >= end:
                out.append((s, e))
                continue
            if s < start:
                out.append((s, start))
            if e > end:
                out.append((end, e))
        self._ranges = out

    def shift(self, first: int, old_last: int, new_last: int) -> None:
        """Follow an edit that rewrote old lines ``first..old_last`` into ``first..new_last``."""
        grown = new_last - old_last
        ranges = self._ranges
        self._ranges = []
        for s, e in ranges:
            if e <= first:
                self.add(s, e)
            elif s > old_last:
                self.add(s + grown, e + grown)
            else:  # touches the rewritten lines: owe all of them, and what it owed around them
                self.add(min(s, first), max(e + grown, new_last + 1) if e > old_last else new_last + 1)

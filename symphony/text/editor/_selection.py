"""Selections: ``Region`` (one caret or selected range) and the normalizing of a set of them.

Invariants of a normalized selection (what :func:`normalize` returns and every view holds):

- regions are sorted by ``start`` and never overlap; two regions that touch stay apart
  unless one of them is a caret (a caret at a selection's edge joins it; two carets at the
  same offset become one);
- at least one region (an empty selection is never stored);
- offsets are code points into the buffer's rope, ``0 <= offset <= len(rope)``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["Region", "normalize"]


@dataclass(frozen=True, slots=True)
class Region:
    """A caret (``anchor == active``) or a selected range from ``anchor`` to ``active``.

    ``active`` is where the caret is drawn and what movement moves; ``horiz`` remembers the
    column a vertical movement started from, so moving through a short line and on to a
    long one returns to that column (it is reset by every horizontal move or edit).
    """

    anchor: int
    active: int
    horiz: int | None = None

    @property
    def start(self) -> int:
        """The smaller end."""
        return self.anchor if self.anchor < self.active else self.active

    @property
    def end(self) -> int:
        """The larger end."""
        return self.active if self.anchor < self.active else self.anchor

    @property
    def is_caret(self) -> bool:
        """True when nothing is selected."""
        return self.anchor == self.active

    @staticmethod
    def caret(offset: int) -> Region:
        """A caret at ``offset``."""
        return Region(offset, offset)


def normalize(regions: Iterable[Region]) -> list[Region]:
    """Sort ``regions`` and merge overlapping ones (the later region's direction wins)."""
    ordered = sorted(regions, key=lambda r: (r.start, r.end))
    out: list[Region] = []
    for region in ordered:
        if out:
            last = out[-1]
            if region.start < last.end or (region.start == last.end and (region.is_caret or last.is_caret)):
                start, end = last.start, max(last.end, region.end)
                if start == end:
                    out[-1] = Region(start, start, region.horiz)
                elif region.anchor <= region.active:
                    out[-1] = Region(start, end)
                else:
                    out[-1] = Region(end, start)
                continue
        out.append(region)
    return out

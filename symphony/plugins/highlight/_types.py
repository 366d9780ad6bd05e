"""What every highlighting engine gives and takes (shared by the engines and the facade)."""

from __future__ import annotations

from typing import Protocol

from ...text import Delta, Rope

__all__ = ["ScopeSpan", "Engine"]

#: ``(start, end, scope)``: code points of the whole document, ``start < end``; spans come
#: sorted and disjoint; text in no span has no scope.
ScopeSpan = tuple[int, int, str]


class Engine(Protocol):
    """One engine's highlighting of one document, kept current edit by edit."""

    @property
    def rope(self) -> Rope:
        """The text highlighted now."""
        ...

    @property
    def settled(self) -> bool:
        """False while spans are provisional (a bounded reparse gave up; ``settle`` finishes it)."""
        ...

    def edit(self, delta: Delta, new_rope: Rope, budget: float | None = None) -> tuple[int, int]:
        """Follow ``delta`` (on the current text) to ``new_rope``; the lines ``[first, end)`` of
        the new text whose spans may differ from before. Every other line's spans are the old ones,
        moved with the text (what the core does with spans it holds). ``budget`` (seconds)
        bounds the work; past it the spans stay provisional until ``settle``."""
        ...

    def settle(self) -> tuple[int, int]:
        """Finish what a budget left; the lines whose spans may differ from those given since."""
        ...

    def spans(self, start_line: int, end_line: int) -> list[ScopeSpan]:
        """The spans of lines ``[start_line, end_line)``, clipped to them."""
        ...

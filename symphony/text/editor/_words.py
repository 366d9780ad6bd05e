"""Unicode segmentation around an offset: grapheme clusters, UAX #29 words, UAX #14 breaks.

Built on ``uniseg`` (a maintained implementation of UAX #29 and UAX #14). Every function
looks only at a bounded window of text around the offset (``WINDOW`` code points), so a
10MB single line costs the same as a short one; a word longer than the window is cut at
the window's edge, which is the only place these functions differ from the standard.
"""

from __future__ import annotations

from uniseg.graphemecluster import grapheme_cluster_boundaries
from uniseg.linebreak import line_break_boundaries
from uniseg.wordbreak import word_boundaries

from .._rope import Rope

__all__ = ["WINDOW", "line_break_points", "next_grapheme", "prev_grapheme", "word_at", "word_left", "word_right"]

#: Code points looked at on each side of an offset.
WINDOW = 512


def prev_grapheme(rope: Rope, offset: int) -> int:
    """Start of the grapheme cluster before ``offset`` (0 at the start)."""
    if offset <= 0:
        return 0
    base = max(0, offset - 32)
    text = rope[base:offset]
    last = 0
    for b in grapheme_cluster_boundaries(text):
        if b < len(text):
            last = b
    return base + last


def next_grapheme(rope: Rope, offset: int) -> int:
    """End of the grapheme cluster after ``offset`` (``len(rope)`` at the end)."""
    n = len(rope)
    if offset >= n:
        return n
    text = rope[offset:min(n, offset + 32)]
    for b in grapheme_cluster_boundaries(text):
        if b > 0:
            return offset + b
    return n


def _segments(text: str) -> list[tuple[int, int]]:
    bounds = list(word_boundaries(text))
    return [(bounds[i], bounds[i + 1]) for i in range(len(bounds) - 1)]


def _is_space(seg: str) -> bool:
    return seg.isspace() or not seg


def word_right(rope: Rope, offset: int) -> int:
    """End of the next word after ``offset``, skipping whitespace first (ctrl+right)."""
    n = len(rope)
    text = rope[offset:min(n, offset + WINDOW)]
    for s, e in _segments(text):
        if not _is_space(text[s:e]):
            return offset + e
    return offset + len(text)


def word_left(rope: Rope, offset: int) -> int:
    """Start of the word before ``offset``, skipping whitespace first (ctrl+left)."""
    base = max(0, offset - WINDOW)
    text = rope[base:offset]
    for s, e in reversed(_segments(text)):
        if not _is_space(text[s:e]):
            return base + s
    return base


def word_at(rope: Rope, offset: int) -> tuple[int, int]:
    """The UAX #29 word segment holding ``offset`` (for double-click and word selection).

    At a boundary between a word and a non-word, the word wins; an offset at the end of
    the text gives the last segment.
    """
    n = len(rope)
    base = max(0, offset - WINDOW)
    text = rope[base:min(n, offset + WINDOW)]
    rel = offset - base
    best = (offset, offset)
    for s, e in _segments(text):
        if s <= rel < e or (rel == e and s < e):
            if s <= rel < e and not _is_space(text[s:e]):
                return base + s, base + e
            if best == (offset, offset) or not _is_space(text[s:e]):
                best = (base + s, base + e)
    return best


def line_break_points(text: str) -> list[int]:
    """UAX #14 break opportunities in ``text`` (offsets where a wrapped line may start)."""
    return [b for b in line_break_boundaries(text) if 0 < b < len(text)]

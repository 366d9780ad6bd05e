"""Unicode segmentation around an offset: grapheme clusters, UAX #29 words, UAX #14 breaks.

Graphemes and words use the ``regex`` module (C speed): ``\\X`` is an extended grapheme
cluster and ``\\b`` under the ``WORD`` flag is a UAX #29 default word boundary. Line break
opportunities (UAX #14) come from ICU's ``BreakIterator`` when PyICU is installed (the
``symphony-aide[icu]`` extra: ``pyicu-wheels``), else from ``uniseg`` (pure Python, about
a thousand times slower; wrapping then takes longer in the background, typing does not),
except for ASCII text: printable ASCII with tab, CR, LF, VT and FF (prose, code, minified
JSON and JavaScript, logs) is broken by a compiled scan of UAX #14's rules for those
classes (``symphony._speedups`` ``_linebreak``), held to uniseg's results by property tests.

Grapheme and word functions look only at a bounded window of text around the offset
(``WINDOW`` code points), so a 10MB single line costs the same as a short one; a word
longer than the window is cut at the window's edge, the only place they differ from the
standard.
"""

from __future__ import annotations

import re

import regex

from ..._speedups import load
from .._rope import Rope

import threading

_local = threading.local()  # one ICU BreakIterator per thread (they are not thread-safe)

try:  # ICU when available: UAX #14 at C speed
    import icu as _icu
except ImportError:  # pragma: no cover - depends on the environment
    _icu = None

__all__ = ["ICU", "WINDOW", "is_plain", "line_break_points", "plain_break_points", "next_grapheme", "prev_grapheme", "word_at", "word_left", "word_right"]

#: Code points looked at on each side of an offset.
WINDOW = 512
#: True when UAX #14 line breaks come from ICU.
ICU = _icu is not None

_linebreak = load("_linebreak")
_ASCII_BYTES = _linebreak.ASCII_BYTES

_GRAPHEME = regex.compile(r"\X", regex.DOTALL)
_WORD_BOUNDARY = regex.compile(r"\b", regex.WORD)


def grapheme_cluster_boundaries(text: str) -> list[int]:
    """Offsets where extended grapheme clusters of ``text`` start, and ``len(text)``."""
    return [0, *(m.end() for m in _GRAPHEME.finditer(text))]


def word_boundaries(text: str) -> list[int]:
    """UAX #29 word boundaries of ``text``, including 0 and ``len(text)``."""
    bounds = [m.start() for m in _WORD_BOUNDARY.finditer(text)]
    if not bounds or bounds[0] != 0:
        bounds.insert(0, 0)
    if bounds[-1] != len(text):
        bounds.append(len(text))
    return bounds


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
    bounds = word_boundaries(text)
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


#: Plain text: ASCII letters, digits, spaces and the punctuation of classes IS (``,.:;``)
#: and AL. In it, UAX #14 (15.1) breaks only after a run of spaces (LB18), except before
#: IS (LB13/LB15d) unless the IS starts a number (LB15c: ``SP ÷ IS NU``).
PLAIN_BYTES = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 ,.:;#&*<=>@^_`~"
#: Characters that take no break before them after spaces, unless a digit follows.
PLAIN_IS = ",.:;"
_PLAIN_RUN = re.compile(r" +(?:(?=[^ ,.:;])|(?=[,.:;][0-9]))")


def is_plain(text: str) -> bool:
    """True when ``text`` is plain (see ``PLAIN_BYTES``): one column a character, breaks
    only after spaces."""
    return text.isascii() and not text.encode("ascii").translate(None, PLAIN_BYTES)


def plain_break_points(text: str) -> list[int]:
    """The break opportunities of plain ``text``."""
    n = len(text)
    return [e for e in (m.end() for m in _PLAIN_RUN.finditer(text)) if e < n]


def line_break_points(text: str) -> list[int]:
    """UAX #14 break opportunities in ``text`` (offsets where a wrapped line may start).

    Plain ASCII prose and code of letters, digits, spaces and a few punctuation marks
    (most lines of most files) is found by one regex scan, the rest of ASCII by the
    ``_linebreak`` speedup; other text goes to ICU or uniseg.
    """
    if is_plain(text):
        return plain_break_points(text)
    if text.isascii():
        data = text.encode("ascii")
        if not data.translate(None, _ASCII_BYTES):
            return _linebreak.ascii_line_breaks(data)
    if _icu is not None:
        it = getattr(_local, "it", None)
        if it is None:
            it = _local.it = _icu.BreakIterator.createLineInstance(_icu.Locale.getRoot())
        it.setText(text)
        points = list(it)
        if any(ord(c) > 0xFFFF for c in text) if not text.isascii() else False:  # ICU counts UTF-16 units
            units = []
            for i, c in enumerate(text):
                units.append(i)
                if ord(c) > 0xFFFF:
                    units.append(i)
            units.append(len(text))
            points = [units[p] for p in points]
        return [p for p in points if 0 < p < len(text)]
    from uniseg.linebreak import line_break_boundaries

    return [b for b in line_break_boundaries(text) if 0 < b < len(text)]

"""``wrap_line``: where one logical line breaks into visual lines at a width (greedy).

Widths count columns: a tab advances to the next tab stop, East Asian wide and fullwidth
characters take two columns, everything else one. Breaks are at UAX #14 opportunities
(see ``_words.line_break_points``); a run with no opportunity wider than the width is cut
at the width (after the last grapheme cluster that fits, counting columns). A visual line
fits when its text without trailing spaces fits, so spaces never start a visual line.

A piece of a long line wraps as the whole line does up to the breaks :func:`settled`
counts; :func:`line_reach` says how far the decision of each break reads.

Plain ASCII (``_words.is_plain``: one column per character, breaks only after spaces)
takes a path that visits each visual line once instead of each break opportunity; the
property tests hold both paths to the same breaks.
"""

from __future__ import annotations

import re
import unicodedata

from ._words import PLAIN_IS, grapheme_cluster_boundaries, is_plain, line_break_points

_SPACES = re.compile(" *")

__all__ = ["LOOKAHEAD", "line_reach", "settled", "text_width", "wrap_line"]

#: Characters past a place that the break rules may read to decide whether a line may break
#: there (LB25's ``PR OP IS NU`` reads three ahead, a grapheme cluster's extenders a few).
LOOKAHEAD = 16


def _wrap_plain(text: str, width: int) -> list[int]:
    """``wrap_line`` of plain ASCII text (see the module docstring), one step a visual line:
    the break is after the last run of spaces that starts within the width (searched
    backwards in C), skipping runs before an IS mark that does not start a number."""
    n = len(text)
    tail_end = len(text.rstrip(" "))
    rfind = text.rfind
    spaces = _SPACES.match
    out: list[int] = []
    start = 0
    while tail_end - start > width:
        limit = start + width
        q = rfind(" ", start, limit + 1)  # the last space a visual line from start may end in
        brk = -1
        while q >= start:
            run = spaces(text, q)
            p = run.end() if run is not None else q + 1  # the end of its run: a break opportunity if ...
            if p < n and (text[p] not in PLAIN_IS or (p + 1 < n and "0" <= text[p + 1] <= "9")):
                brk = p
                break
            e = q
            while e > start and text[e - 1] == " ":
                e -= 1
            q = rfind(" ", start, e)
        start = brk if brk > start else start + max(1, width)  # no break: cut the word at the width
        out.append(start)
    return [b for b in out if 0 < b < n]


def text_width(text: str, tab: int, col: int = 0) -> int:
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


def wrap_line(text: str, width: int, tab: int = 4, before: str = "") -> list[int]:
    """Offsets in ``text`` where its visual lines after the first start (empty: no wrap).

    ``before`` is the text just before ``text`` in its line, when ``text`` is a piece of a
    longer line: some of UAX #14's rules look back past the pair they decide (a hyphen
    starts a word only after a space or the line's start, LB20a; no break in ``OP SP*``,
    LB14), so a piece wrapped without it could break where the whole line does not.
    """
    if width <= 0:
        return []
    if (len(text) <= width and text.isascii() and "\t" not in text) or 2 * len(text) <= width and "\t" not in text:
        return []
    if text_width(text, tab) <= width:
        return []
    if is_plain(text) and is_plain(before):  # plain text's breaks look back one character
        return _wrap_plain(text, width)
    if before:
        skip = len(before)
        points = [p - skip for p in line_break_points(before + text) if p > skip]
    else:
        points = line_break_points(text)
    points.append(len(text))
    out: list[int] = []
    start = 0
    last_fit = -1
    i = 0
    while i < len(points):
        p = points[i]
        seg = text[start:p].rstrip(" ")
        if text_width(seg, tab) <= width:
            last_fit = p
            i += 1
            continue
        if last_fit > start:
            out.append(last_fit)
            start = last_fit
            last_fit = -1
            continue
        # a run with no break opportunity that fits: cut at the width (after the last
        # grapheme cluster that fits, or the first), decided by the text up to the
        # cluster that does not fit, so a piece of the line cuts where the whole line does
        cut = start
        head = text[start:start + width + 1]  # (every character takes a column or more)
        if head.isascii() and "\t" not in head:  # one column and one cluster a character
            cut = start + max(1, width)
        else:
            for b in grapheme_cluster_boundaries(head if head.isascii() else text[start:p])[1:]:
                if text_width(text[start:start + b], tab) > width and cut > start:
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




def line_reach(text: str, start: int, width: int, tab: int = 4) -> int:
    """Offset of the first character of ``text`` from ``start`` on that is not a space and
    does not fit on a visual line starting at ``start`` (``len(text)`` when there is none).

    Where that visual line ends is decided by the break opportunities up to this offset
    (the last one that fits, or a cut at the width), so by the text before it and
    ``LOOKAHEAD`` characters past it: text further on cannot move that break, and an edit
    further on leaves it where it is.
    """
    seg = text[start:start + width + 1]  # every character takes a column or more
    if seg.isascii() and "\t" not in seg:
        over = start + max(1, width)
    else:
        col = 0
        over = start
        for ch in seg:
            col = text_width(ch, tab, col)
            if col > width:
                break
            over += 1
    run = _SPACES.match(text, min(over, len(text)))
    return run.end() if run is not None else len(text)


def settled(text: str, breaks: list[int], width: int, tab: int = 4) -> int:
    """How many of ``breaks`` (``wrap_line`` of ``text``, a piece of a longer line) no text
    after the piece can move: the first ``k``, each decided on a visual line whose
    :func:`line_reach` is ``LOOKAHEAD`` characters or more before the piece's end (the
    break rules there read past the piece; a piece that ends mid-word can cut it early)."""
    end = len(text) - LOOKAHEAD
    k = len(breaks)
    while k and line_reach(text, breaks[k - 2] if k > 1 else 0, width, tab) >= end:
        k -= 1
    return k

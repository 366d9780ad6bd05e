"""Visual lines as a view renders them: their texts read from the rope, and where an offset shows.

A visual line is a logical line, or with a ``WrapIndex`` one segment of a wrapped line.
:func:`read_lines` reads the texts, start offsets, line numbers and newline flags of a range
of visual lines with one rope slice per stretch of text (never per visual line);
:func:`vis_of_offset` finds the visual line an offset shows on in O(log n), so the renderer
can tell which lines a cursor or selection touches without reading the window's text.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from itertools import accumulate

from .._rope import Rope
from ._breaks import Breaks
from ._wrap import WrapIndex

__all__ = ["LONG_READ", "read_lines", "vis_of_offset", "vis_start"]

#: A window whose logical lines hold more text than this is read a visual line range at a
#: time (a long wrapped line), not as whole logical lines.
LONG_READ = 1 << 16

Lines = tuple[list[str], list[int], list[int], list[bool]]


def read_lines(rope: Rope, ws: int, we: int, wrap: WrapIndex | None) -> Lines:
    """Texts, start offsets, line numbers (1-based; negated on continuation lines) and
    has-newline flags of visual lines ``[ws, we)``, read with one rope slice."""
    n = rope.line_count
    if wrap is None:
        first, skip = ws, 0
        last = we - 1
    else:
        first, skip = wrap.line_of_vis(ws)
        last = wrap.line_of_vis(we - 1)[0]
    start_off = rope.offset_of_line(first)
    end_off = rope.offset_of_line(last + 1) if last + 1 < n else len(rope)
    if wrap is not None and end_off - start_off > LONG_READ:  # a long line: read only the visual lines shown
        return _read_segments(rope, ws, we, first, skip, wrap)
    lines = rope[start_off:end_off].split("\n")
    if last + 1 < n:
        lines.pop()  # the slice ends with the last line's "\n"
    if wrap is None:  # one visual line per line
        flags = [True] * len(lines)
        if first + len(lines) >= n:
            flags[-1] = False
        offsets = list(accumulate([len(t) + 1 for t in lines[:-1]], initial=start_off))
        return lines, offsets, list(range(first + 1, first + 1 + len(lines))), flags
    texts: list[str] = []
    starts: list[int] = []
    lns: list[int] = []
    nls: list[bool] = []
    off = start_off
    get = wrap.lines.get
    for k, text in enumerate(lines):
        line = first + k
        brks = get(line)
        if not brks:  # one visual line (most lines)
            texts.append(text)
            starts.append(off)
            lns.append(line + 1)
            nls.append(line < n - 1)
            off += len(text) + 1
            continue
        segs: Sequence[int] = [0, *brks]
        if segs[-1] >= len(text):
            segs = [b for b in segs if b < len(text)] or [0]
        end = len(segs) - 1
        for j, b in enumerate(segs):
            e = segs[j + 1] if j < end else len(text)
            texts.append(text[b:e])
            starts.append(off + b)
            lns.append(line + 1 if j == 0 else -(line + 1))
            nls.append(j == end and line < n - 1)
        off += len(text) + 1
    count = we - ws
    if skip or len(texts) > count:
        texts, starts, lns, nls = (x[skip:skip + count] for x in (texts, starts, lns, nls))  # type: ignore[assignment]
    return texts, starts, lns, nls


def _read_segments(rope: Rope, ws: int, we: int, line: int, seg: int, wrap: WrapIndex) -> Lines:
    """Like :func:`read_lines` for very long lines: reads, per logical line, only the text
    of the visual lines wanted (one rope slice each)."""
    n = rope.line_count
    texts: list[str] = []
    starts: list[int] = []
    lns: list[int] = []
    nls: list[bool] = []
    while len(texts) < we - ws and line < n:
        base = rope.offset_of_line(line)
        length = (rope.offset_of_line(line + 1) - 1 if line + 1 < n else len(rope)) - base
        brks = wrap.lines.get(line) or ()
        want = we - ws - len(texts)  # visual lines still wanted: their starts, and one end
        starts_ = ([0] if seg == 0 else []) + list(brks[max(0, seg - 1):seg - 1 + want + 1])
        segs = starts_ + [length]
        k_end = min(want, len(starts_))
        if k_end:
            a0 = segs[0]
            chunk = rope[base + a0:base + segs[k_end]]
            last_seg = len(brks)
            ln = line + 1
            more = line < n - 1
            for k in range(k_end):
                a = segs[k]
                texts.append(chunk[a - a0:segs[k + 1] - a0])
                starts.append(base + a)
                lns.append(ln if seg == 0 else -ln)
                nls.append(seg == last_seg and more)
                seg += 1
        line += 1
        seg = 0
    return texts, starts, lns, nls


def vis_start(rope: Rope, wrap: WrapIndex | None, v: int) -> tuple[int, int]:
    """``(start offset, text length)`` of visual line ``v`` (``0 <= v < total``)."""
    if wrap is None:
        start = rope.offset_of_line(v)
        end = rope.offset_of_line(v + 1) - 1 if v + 1 < rope.line_count else len(rope)
        return start, end - start
    line, seg = wrap.line_of_vis(v)
    base = rope.offset_of_line(line)
    length = (rope.offset_of_line(line + 1) - 1 if line + 1 < rope.line_count else len(rope)) - base
    if not seg:
        brks = wrap.lines.get(line)
        end = brks[0] if brks else length
        return base, min(end, length)
    segs = wrap.segments(line)
    a = segs[seg]
    b = segs[seg + 1] if seg + 1 < len(segs) else length
    return base + a, b - a


def vis_of_offset(rope: Rope, wrap: WrapIndex | None, offset: int) -> tuple[int, int]:
    """``(visual line, column)`` where ``offset`` shows: the last visual line starting at
    or before it (a caret at a wrap break starts the next visual line)."""
    line = rope.line_of_offset(offset)
    col = offset - rope.offset_of_line(line)
    if wrap is None:
        return line, col
    brks = wrap.lines.get(line)
    if not brks:
        return wrap.vis_of_line(line), col
    seg = brks.bisect_right(col) if isinstance(brks, Breaks) else bisect_right(brks, col)
    return wrap.vis_of_line(line) + seg, col - (brks[seg - 1] if seg else 0)

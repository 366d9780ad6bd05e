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

Where one line breaks is ``wrap_line``'s (``_wrap_line``); the map of wrapped lines is
``WrappedLines`` (``_wrapped_lines``) and a long line's breaks are ``Breaks`` (``_breaks``).
"""

from __future__ import annotations

import itertools
import time
from bisect import bisect_right
from collections.abc import Callable, Sequence

from .._rope import Rope
from ._breaks import Breaks, Segments
from ._wrap_line import LOOKAHEAD, line_reach, settled, wrap_line
from ._wrapped_lines import WrappedLines

__all__ = ["LONG", "RESYNC_PIECE", "REWRAP_WINDOW", "SYNC_CHARS", "WrapIndex"]

#: Edited lines up to this many characters in total are re-wrapped on the typing path.
SYNC_CHARS = 4096
#: Lines longer than this are wrapped a piece of this size per background step.
LONG = 1 << 13
#: Most characters one background step re-wraps to make a long line exact after an edit
#: (at most ``LONG``): such a step runs between keystrokes, so it is kept short.
RESYNC_PIECE = 1 << 11
#: Least characters re-wrapped after an edit in a long line before looking for the old breaks.
REWRAP_WINDOW = 512

#: Versions of every ``WrapIndex``'s breaks: unique across indexes, so a version seen by a
#: view of one index never matches another's.
_VERSIONS = itertools.count(1)


class WrapIndex:
    """The wrap state of one buffer at one width (see the module docstring)."""

    def __init__(self, width: int, tab: int, line_count: int) -> None:
        self.width = width
        self.tab = tab
        self.lines = WrappedLines()
        self.pending: list[tuple[int, int]] = [(0, line_count)] if line_count else []
        #: progress through one long line wrapped from scratch: (line, offset reached,
        #: breaks so far); until it is done the line shows provisional breaks
        self._partial: tuple[int, int, list[int]] | None = None
        #: a long line whose breaks are valid but not all greedy after a local re-wrap
        #: that did not meet the old breaks again: (line, pos, hi). Its breaks up to
        #: ``pos`` are exact, those from ``hi`` on follow each other as the greedy wrap
        #: would; a background pass re-wraps from ``pos`` until it meets one at or after
        #: ``hi`` (see :meth:`_resync_piece`)
        self._resync: tuple[int, int, int] | None = None
        #: changes with every change of the breaks (see :meth:`unchanged_segments`)
        self.version = next(_VERSIONS)
        #: the last few changes that kept most of one long line: (version before, version
        #: after, line, visual lines unchanged at the line's start, and at its end)
        self._same: list[tuple[int, int, int, int, int, bool]] = []

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

    def unchanged_segments(self, since: int) -> tuple[int, int, int, bool] | None:
        """``(line, head, tail, text_same)`` when every change of the breaks since
        ``version`` was ``since`` kept logical line ``line``'s first ``head`` and last
        ``tail`` visual lines as they were (text and extent); ``text_same`` when none of
        them was an edit of the text (only breaks moved). None otherwise."""
        line = head = tail = -1
        text_same = True
        at = since
        for a, b, ln, h, t, moved_only in self._same:  # follow the chain of changes from ``since``
            if a != at:
                continue
            if line not in (-1, ln):
                return None
            line, head, tail, at = ln, h if head < 0 else min(head, h), t if tail < 0 else min(tail, t), b
            text_same = text_same and moved_only
        if at != self.version or line < 0:
            return None
        return line, head, tail, text_same

    def _note_same(self, since: int, line: int, head: int, tail: int, moved_only: bool = False) -> None:
        """Record that the change from version ``since`` to now kept the first ``head`` and
        last ``tail`` visual lines of ``line`` (``moved_only``: the text did not change, only
        breaks). The last 16 such changes are kept; a chain of them keeps the fewest lines
        any of them kept."""
        same = self._same
        same.append((since, self.version, line, head, tail, moved_only))
        if len(same) > 16:
            del same[0]

    @property
    def done(self) -> bool:
        return not self.pending

    @property
    def settling(self) -> bool:
        """True when the only work left is making one long line's breaks exact after an
        edit (:meth:`_resync_piece`): its breaks are valid meanwhile (every visual line
        fits, those around the edit exact), so the pass may wait for typing to pause."""
        resync = self._resync
        return resync is not None and self.pending == [(resync[0], resync[0] + 1)]

    # -- updates --------------------------------------------------------------------------

    def _set(self, line: int, brks: Sequence[int]) -> bool:
        self.version = next(_VERSIONS)
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
        since = self.version
        self.version = next(_VERSIONS)
        if span is not None and first == old_last == new_last:
            old_breaks = self.lines.get(first)
            line_start = rope.offset_of_line(first)
            length = (rope.offset_of_line(first + 1) - 1 if first + 1 < rope.line_count else len(rope)) - line_start
            if old_breaks and length > SYNC_CHARS:
                head, tail = self._edit_long_line(rope, first, line_start, length, old_breaks, span)
                self._note_same(since, first, head, tail)
                return
        start = rope.offset_of_line(first)
        end = rope.offset_of_line(new_last + 1) if new_last + 1 < rope.line_count else len(rope)
        sync = end - start <= SYNC_CHARS
        if delta:
            self.lines.edit(first, old_last, delta)
        elif not sync and new_last > first + 64:  # lines not set again below lose their breaks
            self.lines.edit(first + 65, old_last, 0)
        # (otherwise every edited line is set again below, which costs less than dropping it)
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
        resync = self._resync
        if resync is not None:
            if resync[0] > old_last:
                self._resync = (resync[0] + delta, resync[1], resync[2])
            elif resync[0] >= first:
                self._resync = None  # the line is wrapped again from scratch (below)
        self.pending = pending
        if sync:
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

    def _edit_long_line(self, rope: Rope, line: int, line_start: int, length: int, old: Sequence[int],
                        span: tuple[int, int, int]) -> tuple[int, int]:
        """An edit inside one long line: re-wrap around it now; when that does not meet
        the old breaks again, keep valid breaks and let a background pass make them exact
        from the first visual line that may differ (not from the line's start). Returns the
        visual lines of the line unchanged at its start and at its end."""
        start, old_end, new_end = (x - line_start for x in span)
        shift = new_end - old_end
        breaks, exact, lo, sync, same = self._rewrap_around(rope, line_start, length, old, start, old_end, new_end)
        self.lines.set(line, breaks)  # type: ignore[arg-type]
        resync = self._resync if self._resync is not None and self._resync[0] == line else None
        if resync is None:
            if self._pending_has(line):  # wrapped from scratch in the background already
                partial = self._partial
                if partial is not None and partial[0] == line:
                    # when the edit is in (or just after) the part done, go on from before
                    # the first break it may move (as _rewrap_around does), not from the
                    # line's start, or typing would keep the pass from ending
                    done_brks = partial[2]
                    k = self._rewrap_from(rope, line_start, length, done_brks, start)
                    if k < len(done_brks) - 1:
                        if k >= 0:  # (the list is the pass's own: cut in place, not copied)
                            del done_brks[k + 1:]
                            self._partial = (line, done_brks[k], done_brks)
                        else:
                            self._partial = None
                self._add_pending(line, line + 1)
                return same
            if exact:
                return same
            pos, hi = lo, sync
        else:
            _, done, hi = resync
            # the pass has made the breaks up to ``done`` exact, but the old ones past it are
            # greedy only from themselves: it must meet them past ``done``, not before
            hi = max(hi, done + 1)
            if exact and start < done and sync - shift <= done:
                # the re-wrap from an exact break met an exact one again: every break up to
                # ``done`` is still exact, so the pass keeps its progress (typing before it
                # would otherwise send it back to the edit on every keystroke)
                pos, hi = done + shift, hi + shift
            else:
                pos = done
                if hi > start:
                    hi = max(hi + shift, new_end)
                pos = min(pos, lo)
                hi = max(hi, sync)
        self._resync = (line, pos, hi)
        self._add_pending(line, line + 1)
        return same

    def _wrap_piece(self, rope: Rope, line_start: int, lo: int, hi: int, length: int) -> tuple[list[int], int]:
        """``(breaks, exact)``: ``wrap_line`` of the piece ``[lo, hi)`` of the line of
        ``length`` characters at ``line_start`` (offsets relative to ``lo``), with the text
        before it as context for the break rules, and how many of those breaks are the
        whole line's (all when the piece ends the line; else see :func:`settled`)."""
        text = rope[line_start + lo:line_start + hi]
        if lo == 0:
            found = wrap_line(text, self.width, self.tab)
        else:
            found = wrap_line(text, self.width, self.tab, before=_context(rope, line_start, line_start + lo))
        return found, len(found) if hi >= length else settled(text, found, self.width, self.tab)

    def _reach(self, rope: Rope, line_start: int, length: int, b: int) -> int:
        """The last offset of the line at ``line_start`` that wrapping reads to decide where
        the visual line starting at ``b`` ends (:func:`line_reach` plus ``LOOKAHEAD``),
        reading only as far as it needs."""
        size = 2 * self.width + 64
        while True:
            hi = min(length, b + size)
            text = rope[line_start + b:line_start + hi]
            reach = line_reach(text, 0, self.width, self.tab)
            if reach < len(text) or hi >= length:
                return b + reach + LOOKAHEAD
            size *= 4

    def _rewrap_from(self, rope: Rope, line_start: int, length: int, brks: Sequence[int], start: int) -> int:
        """Index in ``brks`` (a long line's breaks; -1: the line's start) of the break a
        re-wrap after an edit at ``start`` must begin from: the first whose visual line
        reads text at or past ``start``. Every break up to it was decided by text before
        the edit; any after it may move (a word that now fits on the line above, a space
        that now hangs at its end, an opportunity made or moved by the edit)."""
        i = (brks.bisect_right(start) if isinstance(brks, Breaks) else bisect_right(brks, start)) - 1
        while i >= 0 and self._reach(rope, line_start, length, brks[i - 1] if i else 0) >= start:
            i -= 1
        return i

    def _resync_piece(self, rope: Rope, line: int, length: int) -> bool:
        """Re-wrap the next piece of the line being made exact (``_resync``); True when its
        breaks are exact again. Each piece is written into the line's breaks at once, so
        what shows improves as the pass goes."""
        assert self._resync is not None
        _, pos, hi = self._resync
        start = rope.offset_of_line(line)
        got = self.lines.get(line)
        cur = got if isinstance(got, Breaks) else Breaks.of(got or ())
        end = min(length, pos + max(min(LONG, RESYNC_PIECE), 4 * self.width))
        rel, exact = self._wrap_piece(rope, start, pos, end, length)
        while not exact and end < length:  # no break the rest of the line cannot move: read on
            end = min(length, pos + 2 * (end - pos))
            rel, exact = self._wrap_piece(rope, start, pos, end, length)
        found = [pos + b for b in rel]
        kept = cur.bisect_right(pos)  # the visual lines ending at or before pos stay
        head = cur.head(kept)
        # and so do those whose breaks the pass found again where they were
        prior = cur.values(kept, kept + len(found))
        q = 0
        while q < len(prior) and prior[q] == found[q]:
            q += 1
        since = self.version
        if end >= length:
            self._resync = None
            self._set(line, Breaks.spliced(head, [(0, tuple(found))], []))
            self._note_same(since, line, kept + q, 0, True)
            return True
        met = cur.meet(found[:exact], hi)
        if met is not None:  # back in step with the greedy breaks from hi on
            i, m = met
            self._resync = None
            self._set(line, Breaks.spliced(head, [(0, tuple(found[:i]))], cur.tail(m, 0)))
            self._note_same(since, line, kept + min(q, i), len(cur) - m, True)
            return True
        # every found break shows (each visual line fits); the pass goes on from the last
        # exact one, and never meets those past it (near the piece's end) as greedy ones
        m = cur.bisect_right(found[-1])
        self._set(line, Breaks.spliced(head, [(0, tuple(found))], cur.tail(m, 0)))
        self._note_same(since, line, kept + q, len(cur) - m, True)
        self._resync = (line, found[exact - 1], max(hi, found[-1] + 1))
        return False

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
        found, exact = self._wrap_piece(rope, start, pos, end, length)
        while not exact and end < length:  # no break the rest of the line cannot move: read on
            end = min(length, pos + 2 * (end - pos))
            found, exact = self._wrap_piece(rope, start, pos, end, length)
        if end >= length:
            self._partial = None
            self._set(line, brks + [pos + b for b in found])
            return True
        brks = list(brks) if partial is None or partial[0] != line else brks  # owned from here on
        # the visual lines near the piece's end may change with the text after it: resume
        # from the start of the first of them
        brks.extend(pos + b for b in found[:exact])
        pos += found[exact - 1]
        self._partial = (line, pos, brks)
        return False

    def _pending_has(self, line: int) -> bool:
        """True when ``line`` waits to be wrapped from scratch (not merely made exact)."""
        if self._resync is not None and self._resync[0] == line:
            return False
        return any(a <= line < b for a, b in self.pending) or (self._partial is not None and self._partial[0] == line)

    def _rewrap_around(self, rope: Rope, line_start: int, length: int, old: Sequence[int],
                       start: int, old_end: int, new_end: int
                       ) -> tuple[Sequence[int], bool, int, int, tuple[int, int]]:
        """``(breaks, exact, lo, sync, same)``: the breaks of a long line after an edit of
        ``[start, old_end)`` -> ``[start, new_end)``, whether they are exact, where the
        re-wrap started (a break kept from before), where it met the moved old breaks
        (or, when not exact, the first moved old break it was joined to), and how many
        visual lines at the line's start and end are unchanged (text and extent).

        Breaks decided by text before the edit stay (:meth:`_rewrap_from`); breaks after
        it move with the text; the visual lines in between are wrapped again over a window
        of a few visual lines. When a new break the text past the window cannot move
        meets a moved old one, the greedy wrap is back in step and the result is exact. Otherwise the window's breaks are joined to the moved ones
        (the visual line in between wrapped on its own, so every visual line still fits)
        and the caller makes them exact in the background. Cost: the window plus
        O(chunks) (:class:`Breaks`), whatever the line's length.
        """
        shift = new_end - old_end
        chunked = old if isinstance(old, Breaks) else Breaks.of(old)
        # from the first visual line whose end the edit may move (see _rewrap_from)
        k = self._rewrap_from(rope, line_start, length, chunked, start)
        lo = chunked[k] if k >= 0 else 0
        head = max(0, k + 1)
        before = chunked.head(k + 1) if k >= 0 else []
        # the old breaks after the edit, moved by ``shift``: ``chunked[cut:]`` (read in place)
        cut = chunked.bisect_right(old_end)
        count = len(chunked)
        window = max(8 * self.width, REWRAP_WINDOW)
        for _ in range(2):  # widen the window once before leaving exactness to the background
            hi = min(length, new_end + window)
            rel, exact = self._wrap_piece(rope, line_start, lo, hi, length)
            found = [lo + b for b in rel]
            if hi >= length:
                return Breaks.spliced(before, [(0, tuple(found))], []), True, lo, length, (head, 0)
            # (only breaks from cut on are past old_end; only the exact ones may meet them)
            met = chunked.meet([f - shift for f in found[:exact]], old_end + 1)
            if met is not None:
                i, m = met
                return (Breaks.spliced(before, [(0, tuple(found[:i]))], chunked.tail(m, shift)), True, lo, found[i],
                        (head, count - m))
            window *= 2
        last = found[-1] if found else lo
        m = max(cut, chunked.bisect_right(last - shift))
        bridge: list[int] = []
        sync = chunked[m] + shift if m < count else length
        if m < count:
            bridge = [last + b for b in self._wrap_piece(rope, line_start, last, sync, length)[0]]
        return (Breaks.spliced(before, [(0, tuple(found + bridge))], chunked.tail(m, shift)), False, lo, sync,
                (head, count - m))

    def step(self, rope: Rope, budget: float = 0.004,
             interrupt: Callable[[], bool] | None = None) -> tuple[int, int] | None:
        """Wrap pending lines for about ``budget`` seconds; returns the changed line range.

        Lines longer than ``LONG`` are wrapped a piece per step, so no step takes much
        longer than ``budget`` whatever the line lengths. ``interrupt()`` is asked after
        each piece (or batch of short lines): when it says True the step ends there, so a
        keystroke waiting behind it waits for one piece, not for the whole budget.
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
        while line < b and (first_round or (time.perf_counter() < deadline
                                            and (interrupt is None or not interrupt()))):
            first_round = False
            start = rope.offset_of_line(line)
            next_start = rope.offset_of_line(line + 1) if line + 1 < n else len(rope) + 1
            length = next_start - start - 1
            if length > LONG:
                old = self.lines.get(line)
                resync = self._resync is not None and self._resync[0] == line
                if resync and not self._resync_piece(rope, line, length):
                    changed_lo = line if changed_lo is None else changed_lo
                    changed_hi = max(changed_hi, line + 1)
                    break  # one piece a step: typing may be waiting for it to end
                if not resync and not self._long_line_piece(rope, line, length):
                    continue
                if self.lines.get(line) is not old:  # (comparing 100k breaks would cost more than re-rendering)
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
            if self._resync is not None and line <= self._resync[0] < chunk_end:
                self._resync = None  # short enough now to be wrapped whole, below
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


#: Characters of context before a piece of a line, past the spaces just before it.
CONTEXT = 16


def _context(rope: Rope, line_start: int, at: int) -> str:
    """The text before ``at`` in its line that the break rules may look back on: the run
    of spaces just before it and ``CONTEXT`` characters before that (or the line's start)."""
    back = CONTEXT
    while True:
        lo = max(line_start, at - back)
        text = rope[lo:at]
        if lo == line_start or len(text.rstrip(" \t")) >= CONTEXT:
            return text
        back *= 4

"""Incremental wrapping is exact: after any edits (and the background steps they queue),
every line breaks where wrapping the final text from scratch breaks it.

Runs on ropes of each twin of the ``_rope`` speedup (compiled and pure), with the
thresholds lowered so a few hundred characters take the long-line paths (a local re-wrap
around the edit, background pieces of a line, chunked break lists).
"""

from __future__ import annotations

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import symphony.text.editor._wrap as wrap_module
from symphony.text import Rope
from symphony.text.editor import Buffer, Region
from symphony.text.editor._wrap_line import wrap_line

EDITS = st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 6), st.text("ab x,.\n\u65e5", max_size=6),
                           st.booleans()), max_size=15)
#: Periodic text (a unit repeated) is where a re-wrap after an edit may never meet the old
#: breaks again; random text, with newlines or without, is where it usually does.
START = st.one_of(st.builds(lambda unit, n: unit * n, st.text("ab cd, ef.", min_size=3, max_size=12),
                            st.integers(10, 120)),
                  st.text("ab cd, ef.", max_size=400), st.text("ab cd, ef.\n", max_size=400))


def _from_scratch(buf: Buffer) -> list[list[int]]:
    width = buf.wrap.width if buf.wrap is not None else 0
    return [wrap_line(line, width) for line in str(buf.rope).split("\n")]


def _incremental(buf: Buffer) -> list[list[int]]:
    assert buf.wrap is not None
    return [list(buf.wrap.segments(i))[1:] for i in range(buf.rope.line_count)]


@settings(max_examples=100, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(start=START, edits=EDITS, width=st.integers(3, 16))
@example(start=" " * 68, edits=[], width=3)  # a piece of a long line with no break in it
# a break opportunity typed after a long run of spaces changes visual lines far above it
@example(start="    " * 76, edits=[(151485, 0, "\u65e5xx,", False), (626, 0, "b\nx", True),
                                   (115865, 0, ".\n\n\u65e5b", False), (25071, 0, "b", False)], width=3)
# a cut at the width in ASCII with tabs counts columns, in a piece of the line as in all of it
@example(start="1\t" * 20, edits=[(0, 0, "\u0301", False)], width=3)
def test_edits_then_background_steps_give_the_from_scratch_breaks(rope_cls, small_thresholds, start, edits, width):
    _edit_then_compare(rope_cls, start, edits, width)


def _edit_then_compare(rope_cls: type[Rope], start: str, edits: list[tuple[int, int, str, bool]], width: int) -> None:
    """Make ``edits`` in a buffer of ``start`` wrapped at ``width``; its breaks must be
    the from-scratch ones."""
    buf = Buffer(lambda m, p: None)
    buf.rope = buf.saved = rope_cls(start)
    buf.add_view("v")
    buf.config["wrap_width"] = width
    buf.configure_wrap()
    steps = 0
    for at, length, chars, settle in edits:
        n = len(buf.rope)
        s = at % (n + 1)
        buf.views["v"].regions = [Region(s, min(n, s + length))]
        buf.command("v", "insert", {"chars": chars})
        if settle:  # sometimes the background catches up between edits, sometimes not
            while buf.wrap_step():
                steps += 1
        else:
            buf.wrap_step()
    while buf.wrap_step():
        steps += 1
    assert type(buf.rope) is rope_cls
    assert buf.wrap is not None and buf.wrap.done
    assert _incremental(buf) == _from_scratch(buf)
    total = sum(len(b) + 1 for b in _from_scratch(buf))
    assert buf.wrap.total(buf.rope.line_count) == total


#: ASCII whose breaks come from the ``_linebreak`` speedup: JSON's and code's punctuation,
#: including the classes whose rules look past the pair they decide (``OP SP*`` of LB14,
#: ``SP IS NU`` of LB15c, ``PR OP IS NU`` of LB25, a word-initial hyphen of LB20a).
PUNCT = 'ab 1{}[]():,."$%-/|\t'
PUNCT_EDITS = st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 6), st.text(PUNCT + "\n", max_size=6),
                                 st.booleans()), max_size=15)
PUNCT_START = st.one_of(st.builds(lambda unit, n: unit * n, st.text(PUNCT, min_size=3, max_size=12),
                                  st.integers(10, 120)),
                        st.text(PUNCT, max_size=400), st.text(PUNCT + "\n", max_size=400))


@settings(max_examples=100, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(start=PUNCT_START, edits=PUNCT_EDITS, width=st.integers(3, 16))
# a piece of a long line that starts at a forced cut before a hyphen: not word-initial (LB20a)
@example(start="11-a" * 17, edits=[], width=3)
@example(start="( " * 3 + " " * 70 + "a" * 10, edits=[], width=3)  # no break in OP SP* (LB14)
# a break decided near a piece's end looks past it: '%(' breaks only when no digit follows (LB25)
@example(start=":%(1[" * 38, edits=[], width=3)
def test_edits_in_json_and_code_give_the_from_scratch_breaks(rope_cls, small_thresholds, start, edits, width):
    """As above, in text whose breaks follow from more than a run of spaces."""
    _edit_then_compare(rope_cls, start, edits, width)


class _OneRoundClock:
    """``time`` for the wrap module whose every reading is a second later: each background
    step does exactly its first round, so an edit lands while a pass is half done."""

    def __init__(self) -> None:
        self.now = 0.0

    def perf_counter(self) -> float:
        self.now += 1.0
        return self.now


def test_an_edit_while_a_pass_is_half_done_keeps_the_breaks_exact(rope_cls, small_thresholds, monkeypatch):
    # The second edit leaves a pass part way along the line; the third, before it, must not
    # let the pass end by meeting breaks it had not made exact yet.
    monkeypatch.setattr(wrap_module, "time", _OneRoundClock())
    _edit_then_compare(rope_cls, "aaaaaa" * 21, [(0, 0, " ", False), (2, 0, "a", False), (0, 0, "a", False)], 3)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
# a unit with no space repeats into one word far longer than the width, cut at the width
@given(unit=st.one_of(st.text("ab cd, ef.", min_size=3, max_size=12), st.text("ab,.", min_size=1, max_size=5)),
       n=st.integers(20, 120), first_steps=st.integers(1, 6),
       edits=st.lists(st.tuples(st.integers(0, 10**6), st.text("ab x,.", min_size=1, max_size=3),
                                st.integers(0, 2)), min_size=1, max_size=8),
       width=st.integers(3, 16))
# a space typed at the hard cut that ends the pass's progress hangs at the end of the line above
@example(unit="aaaa", n=20, first_steps=1, edits=[(48, " ", 0)], width=16)
def test_typing_while_a_long_line_is_first_wrapped_keeps_its_progress_exact(
        rope_cls, small_thresholds, monkeypatch, unit, n, first_steps, edits, width):
    """A long line pasted, wrapped a few pieces from scratch, then typed in before the
    piece reached (the pass goes on from before the edit, not from the line's start):
    once the background is done its breaks are the from-scratch ones, words longer than
    the width (cut at the width, across the ends of pieces) included."""
    monkeypatch.setattr(wrap_module, "time", _OneRoundClock())
    buf = Buffer(lambda m, p: None)
    buf.rope = buf.saved = rope_cls("")
    buf.add_view("v")
    buf.config["wrap_width"] = width
    buf.configure_wrap()
    buf.command("v", "insert", {"chars": unit * n})
    for _ in range(first_steps):
        buf.wrap_step()
    for at, chars, steps in edits:
        s = at % (len(buf.rope) + 1)
        buf.views["v"].regions = [Region(s, s)]
        buf.command("v", "insert", {"chars": chars})
        for _ in range(steps):
            buf.wrap_step()
    while buf.wrap_step():
        pass
    assert buf.wrap is not None and buf.wrap.done
    assert _incremental(buf) == _from_scratch(buf)

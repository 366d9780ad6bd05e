"""Wrapping: break positions, and the blocked line map against a plain dict model."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from symphony.text.editor._wrap_line import wrap_line
from symphony.text.editor._wrapped_lines import WrappedLines

OPS = st.lists(st.one_of(
    st.tuples(st.just("set"), st.integers(0, 60), st.lists(st.integers(1, 3), max_size=3)),
    st.tuples(st.just("edit"), st.integers(0, 60), st.integers(0, 5), st.integers(-5, 5)),
), max_size=40)


@settings(max_examples=200, deadline=None)
@given(OPS)
def test_blocked_map_matches_a_dict(ops):
    real = WrappedLines()
    real.B = 2
    model: dict[int, list[int]] = {}
    for op in ops:
        if op[0] == "set":
            _, line, brks = op
            real.set(line, brks)
            if brks:
                model[line] = brks
            else:
                model.pop(line, None)
        else:
            _, first, span, delta = op
            old_last = first + span
            delta = max(delta, first - old_last)  # a span cannot shrink below its first line
            real.edit(first, old_last, delta)
            model = {(k + delta if k > old_last else k): v for k, v in model.items() if not first <= k <= old_last}
        for line in range(0, 80):
            assert real.get(line) == model.get(line)
            assert real.extra_before(line) == sum(len(v) for k, v in model.items() if k < line)
        visual = []
        for line in range(80):
            visual += [(line, seg) for seg in range(len(model.get(line, [])) + 1)]
        for v, want in enumerate(visual):
            assert real.locate(v) == want


def test_breaks_follow_uax14_and_width():
    text = "The quick brown fox jumps over the lazy dog"
    pieces = [text[a:b] for a, b in zip([0, *wrap_line(text, 15)], [*wrap_line(text, 15), len(text)])]
    assert pieces == ["The quick brown ", "fox jumps over ", "the lazy dog"]
    assert wrap_line("x" * 25, 10) == [10, 20]  # no opportunity: cut at the width
    assert wrap_line("日本語" * 4, 6) == [3, 6, 9]  # wide characters take two columns
    assert wrap_line("\tab cd", 6, tab=4) == [4]
    assert wrap_line("1\t" * 3, 2, tab=4) == [1, 2, 3, 4, 5]  # a cut at the width counts a tab's columns
    assert wrap_line("short", 10) == []


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 3), st.text("ab ,\n", max_size=4)), max_size=12),
       st.integers(5, 12))
def test_local_rewrap_of_a_long_line_stays_valid_and_converges(edits, width):
    from symphony.text.editor import Buffer
    import symphony.text.editor._wrap as wrap_module
    from symphony.text.editor._breaks import Breaks

    old_sync, old_chunk = wrap_module.SYNC_CHARS, Breaks.CHUNK
    wrap_module.SYNC_CHARS = 50  # so a few hundred characters count as a long line
    Breaks.CHUNK = 4  # and its breaks are stored in many chunks
    try:
        buf = Buffer(lambda m, p: None, config={"word_wrap": True, "wrap_width": width})
        buf.add_view("v")
        buf.command("v", "insert", {"chars": "ab cd, efgh ij " * 30})
        while buf.wrap_step():
            pass
        for at, length, chars in edits:
            text = str(buf.rope)
            start = at % (len(text) + 1)
            end = min(len(text), start + length)
            line = buf.rope.line_of_offset(start)
            col = start - buf.rope.offset_of_line(line)
            buf.views["v"].regions = [__import__("symphony.text.editor", fromlist=["Region"]).Region(start, end)]
            buf.command("v", "insert", {"chars": chars})
            text = str(buf.rope)
            for i, logical in enumerate(text.split("\n")):  # every visual line fits
                b = buf.wrap.segments(i)
                for x, y in zip(b, [*b[1:], len(logical)]):
                    assert 0 <= x < y or (x == y == 0), (b, len(logical))
                    piece = logical[x:y].rstrip(" ")
                    assert len(piece) <= width or " " not in piece.strip() and "," not in piece, piece
            del line, col
        while buf.wrap_step():
            pass
        for i, logical in enumerate(str(buf.rope).split("\n")):
            assert list(buf.wrap.segments(i))[1:] == wrap_line(logical, width)
    finally:
        wrap_module.SYNC_CHARS, Breaks.CHUNK = old_sync, old_chunk


def test_chunked_breaks_behave_like_a_tuple():
    from bisect import bisect_left, bisect_right

    from symphony.text.editor._breaks import Breaks

    values = list(range(3, 400, 7))
    old_chunk = Breaks.CHUNK
    Breaks.CHUNK = 5
    try:
        b = Breaks.of(values)
        assert list(b) == values and len(b) == len(values) and b == tuple(values)
        assert [b[i] for i in range(-3, 3)] == values[-3:] + values[:3]
        for x in (0, 3, 4, 200, 399, 500):
            assert bisect_right(b, x) == bisect_right(values, x)
            assert bisect_left(b, x) == bisect_left(values, x)
        for k in range(len(values) + 1):
            assert list(Breaks(b.head(k))) == values[:k]
            assert list(Breaks(b.tail(k, 10))) == [v + 10 for v in values[k:]]
    finally:
        Breaks.CHUNK = old_chunk


@settings(max_examples=400, deadline=None)
@given(st.text("aZ09 ,.:;#_~", max_size=40))
def test_plain_ascii_breaks_are_uax14s(text):
    """The regex fast path for plain ASCII agrees with the full UAX #14 of uniseg."""
    from uniseg.linebreak import line_break_boundaries

    from symphony.text.editor._words import is_plain, line_break_points

    assert is_plain(text)
    assert line_break_points(text) == [b for b in line_break_boundaries(text) if 0 < b < len(text)]


@settings(max_examples=400, deadline=None)
@given(st.text("ab 1,.", max_size=60), st.integers(1, 12))
def test_plain_text_wraps_as_the_general_path_does(text, width):
    """The one-step-a-visual-line path for plain text gives the general path's breaks."""
    import symphony.text.editor._wrap_line as module

    fast = module.wrap_line(text, width)
    plain = module.is_plain
    module.is_plain = lambda t: False  # type: ignore[assignment]
    try:
        assert fast == module.wrap_line(text, width)
    finally:
        module.is_plain = plain

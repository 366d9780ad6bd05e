"""Wrapping: break positions, and the blocked line map against a plain dict model."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from symphony.text.editor._wrap import _WrappedLines, wrap_line

OPS = st.lists(st.one_of(
    st.tuples(st.just("set"), st.integers(0, 60), st.lists(st.integers(1, 3), max_size=3)),
    st.tuples(st.just("edit"), st.integers(0, 60), st.integers(0, 5), st.integers(-5, 5)),
), max_size=40)


@settings(max_examples=200, deadline=None)
@given(OPS)
def test_blocked_map_matches_a_dict(ops):
    real = _WrappedLines()
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
    assert wrap_line("short", 10) == []

"""Spans after any edit equal a fresh highlight of the same text, per engine and language.

And the lines an edit does not report as changed keep exactly the spans they had (moved with the
text): the plugin re-sends only the reported lines, the core moves the rest, so a wrong report
would leave stale colours on screen.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from symphony.errors import DeltaError
from symphony.plugins.highlight import Highlighter
from symphony.text import Delta, DeltaBuilder, Rope

from ._oracle import fresh, line_spans

PIECES = {
    "Python": ["def ", "f", "(x)", ":", "\n", "    ", '"""', '"', "'", "# c", "x = 1", "class A", "return ",
               "{", "}", "[", "]", "é", "😀", "\r\n", "\\", "f'{x}'", "0x1f", "import os", "\t", "@d", " "],
    "Rust": ["fn ", "main", "()", "{", "}", "\n", "let x = 1;", '"', "'a", "//", "/*", "*/", "é", "😀", "\r\n",
             "impl T for U", "#[derive(Debug)]", "r#\"", "\"#", "::", "<T>", " ", "struct S;"],
    "JSON": ["{", "}", "[", "]", '"k"', ":", ",", "1", "true", "null", '"', "\\", "\n", " ", "é", "😀", "\r\n"],
    "Go": ["func ", "main", "()", "{", "}", "\n", "x := 1", '"', "`", "//", "/*", "*/", "é", "😀", "\r\n", " "],
    "C": ["int ", "main", "()", "{", "}", "\n", "#include <x.h>", '"', "'", "//", "/*", "*/", "é", "\r\n", " "],
}

CASES = [("tree-sitter", "Python"), ("tree-sitter", "Rust"), ("tree-sitter", "JSON"),
         ("pygments", "Python"), ("pygments", "Go"), ("pygments", "C"), ("pygments", "Rust")]


def texts(language):
    return st.lists(st.sampled_from(PIECES[language]), max_size=30).map("".join)


@st.composite
def delta_on(draw, text, language):
    """One or several replacements on ``text`` (inserts, deletes, replaces; code points)."""
    n = len(text)
    cuts = sorted(draw(st.lists(st.integers(0, n), min_size=2, max_size=6)))
    b = DeltaBuilder(n)
    for i in range(0, len(cuts) - 1, 2):
        b.replace(cuts[i], cuts[i + 1], draw(texts(language).filter(lambda s: len(s) < 40)))
    return b.build()


def check_edit(h, language, engine, old_rope, delta):
    old_lines = [line_spans(h, i) for i in range(old_rope.line_count)]
    new_rope = delta.apply(old_rope)
    first, end = h.edit(delta, new_rope)
    count = new_rope.line_count
    assert 0 <= first <= end <= count
    assert h.spans(0, count) == fresh(language, new_rope, engine)
    grown = count - old_rope.line_count
    for line in range(count):
        if first <= line < end:
            continue
        old_line = line if line < first else line - grown
        assert line_spans(h, line) == old_lines[old_line], (line, first, end)
    return new_rope


@pytest.mark.parametrize("engine,language", CASES)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_spans_after_edits_equal_a_fresh_highlight(engine, language, data):
    rope = Rope(data.draw(texts(language)))
    h = Highlighter(language, rope, engine=engine)
    assert h.spans(0, rope.line_count) == fresh(language, rope, engine)
    for _ in range(data.draw(st.integers(1, 4))):
        rope = check_edit(h, language, engine, rope, data.draw(delta_on(str(rope), language)))


@pytest.mark.parametrize("engine,language", CASES)
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_a_window_of_lines_is_the_whole_highlight_clipped(engine, language, data):
    rope = Rope(data.draw(texts(language)))
    h = Highlighter(language, rope, engine=engine)
    a = data.draw(st.integers(0, rope.line_count))
    b = data.draw(st.integers(a, rope.line_count))
    lo = rope.offset_of_line(a) if a < rope.line_count else len(rope)
    hi = rope.offset_of_line(b) if b < rope.line_count else len(rope)
    whole = fresh(language, rope, engine)
    clipped = [(max(s, lo), min(e, hi), scope) for s, e, scope in whole if max(s, lo) < min(e, hi)]
    # Asked first for a window (Pygments lexes only up to it), then whole: both agree.
    assert h.spans(a, b) == clipped
    assert h.spans(0, rope.line_count) == whole


@pytest.mark.parametrize("engine,language", CASES)
def test_spans_are_sorted_disjoint_and_inside_the_text(engine, language):
    text = "".join(PIECES[language]) * 3
    spans = fresh(language, text, engine)
    assert spans
    prev_end = 0
    for s, e, scope in spans:
        assert prev_end <= s < e <= len(text) and scope
        prev_end = e


@pytest.mark.parametrize("engine", ["tree-sitter", "pygments"])
def test_typing_a_file_character_by_character_matches_a_fresh_highlight(engine):
    source = 'import os\n\ndef f(x: int) -> str:\n    """Doc é 😀."""\n    return f"{x!r}"  # done\n'
    rope = Rope("")
    h = Highlighter("Python", rope, engine=engine)
    for ch in source:
        new = rope.insert(len(rope), ch)
        h.edit(Delta.insert(len(rope), len(rope), ch), new)
        rope = new
    assert h.spans(0, rope.line_count) == fresh("Python", rope, engine)
    # and deleting it again from the front
    while len(rope):
        new = rope.delete(0, 1)
        h.edit(Delta.delete(len(rope), 0, 1), new)
        rope = new
        if len(rope) % 7 == 0:
            assert h.spans(0, rope.line_count) == fresh("Python", rope, engine)


@pytest.mark.parametrize("engine", ["tree-sitter", "pygments"])
def test_opening_a_string_recolours_what_it_reaches_and_closing_it_restores(engine):
    body = "".join(f"x{i} = {i}\n" for i in range(300))
    rope = Rope(body)
    h = Highlighter("Python", rope, engine=engine)
    before = h.spans(0, rope.line_count)
    opened = check_edit(h, "Python", engine, rope, Delta.insert(len(rope), 0, '"""'))
    if engine == "pygments":  # every later line is inside the string now (tree-sitter calls it an error)
        assert h.edit(Delta.identity(len(opened)), opened) == (0, 0)
        assert all(scope == "string.quoted" for _s, _e, scope in h.spans(0, opened.line_count))
    closed = check_edit(h, "Python", engine, opened, Delta.delete(len(opened), 0, 3))
    assert h.spans(0, closed.line_count) == before


@pytest.mark.parametrize("engine", ["tree-sitter", "pygments"])
def test_one_keystroke_reports_a_few_lines(engine):
    rope = Rope("".join(f"def f{i}(x):\n    return x + {i}\n" for i in range(500)))
    h = Highlighter("Python", rope, engine=engine)
    h.spans(0, rope.line_count)
    at = rope.offset_of_line(400) + 4
    new = rope.insert(at, "g")
    first, end = h.edit(Delta.insert(len(rope), at, "g"), new)
    assert first == 400 and end - first <= 3


@pytest.mark.parametrize("engine", ["tree-sitter", "pygments", "plain"])
def test_a_delta_that_does_not_fit_is_refused_and_changes_nothing(engine):
    rope = Rope("x = 1\n")
    h = Highlighter("Python" if engine != "plain" else "Plain Text", rope, engine=engine)
    before = h.spans(0, 2)
    with pytest.raises(DeltaError):
        h.edit(Delta.insert(3, 0, "y"), Rope("yx = 1\n"))
    if engine != "plain":
        with pytest.raises(DeltaError):
            h.edit(Delta.insert(len(rope), 0, "y"), Rope("x"))
    assert h.rope == rope and h.spans(0, 2) == before


def test_an_unknown_engine_is_refused():
    with pytest.raises(ValueError):
        Highlighter("Python", Rope(""), engine="vim")


def unreported_lines_keep_their_spans(h, old_lines, first, end):
    grown = h.rope.line_count - len(old_lines)
    for line in range(h.rope.line_count):
        if first <= line < end:
            continue
        old_line = line if line < first else line - grown
        assert line_spans(h, line) == old_lines[old_line], (line, first, end)


@pytest.mark.parametrize("language", ["Python", "Rust", "JSON"])
@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_reparse_given_up_settles_to_a_fresh_highlight(language, data):
    """budget=0 gives every reparse that reads the text up: nothing is reported (the core's
    moved spans stand) until settle(), which reports every line whose spans differ from the
    moved ones."""
    rope = Rope(data.draw(texts(language)))
    h = Highlighter(language, rope, engine="tree-sitter")
    delta = data.draw(delta_on(str(rope), language))
    old_lines = [line_spans(h, i) for i in range(rope.line_count)]
    rope = delta.apply(rope)
    first, end = h.edit(delta, rope, budget=0.0)
    if h.settled and not delta.is_identity:
        # tree-sitter reparsed without reading any text (it reused the old tree's nodes):
        # nothing to give up, and the edit reported its lines at once
        assert h.settle() == (0, 0)
    else:
        assert first == end and h.settled == delta.is_identity
        first, end = h.settle()
    assert h.settled and h.settle() == (0, 0)
    assert h.spans(0, rope.line_count) == fresh(language, rope, "tree-sitter")
    unreported_lines_keep_their_spans(h, old_lines, first, end)
    for _ in range(data.draw(st.integers(0, 3))):  # several given up in a row, then spans (settles)
        delta = data.draw(delta_on(str(rope), language))
        rope = delta.apply(rope)
        h.edit(delta, rope, budget=0.0)
    assert h.spans(0, rope.line_count) == fresh(language, rope, "tree-sitter")
    assert h.settled


def test_a_costly_reparse_is_left_for_settle():
    # An unclosed bracket near the top of a long file: error recovery runs to the end.
    body = "items = [\n    1,\n]\n" + "".join(f"def f{i}(x):\n    return [x, {i}]\n" for i in range(3000))
    rope = Rope(body)
    h = Highlighter("Python", rope)
    at = body.index("]\n")
    new = rope.delete(at, at + 1)
    assert h.edit(Delta.delete(len(rope), at, at + 1), new, budget=0.0) == (2, 2)
    assert not h.settled
    first, end = h.settle()
    assert first <= 2 < end
    assert h.spans(0, new.line_count) == fresh("Python", new, "tree-sitter")


def test_a_reparse_that_reads_nothing_is_not_given_up():
    # Deleting the "{" before "import os": tree-sitter reuses the old nodes and reads no text,
    # so even a zero budget does not stop it, and the edit reports its line at once.
    rope = Rope("{import os")
    h = Highlighter("Python", rope, engine="tree-sitter")
    delta = Delta([-1, 9])
    new = delta.apply(rope)
    first, end = h.edit(delta, new, budget=0.0)
    assert h.settled and (first, end) == (0, 1)
    assert h.spans(0, 1) == fresh("Python", new, "tree-sitter")

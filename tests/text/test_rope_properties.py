"""``Rope`` against a plain ``str`` model: random edit sequences, every query after every step."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from . import model
from .conftest import check

# Astral characters, combining marks, CRLF, lone CR, a Unicode line separator (not a break
# for us, unlike str.splitlines), Latin-1 and BMP text: every str kind and every metric.
ALPHABET = st.sampled_from(["a", "b", "\n", "\r", "\r\n", "é", "\u0301", "😀", "\U0010ffff", "中", "\u2028", " "])
TEXT = st.lists(ALPHABET, max_size=60).map("".join)


@st.composite
def edit_scripts(draw: st.DrawFn) -> tuple[str, list[tuple[float, int, str]]]:
    start = draw(st.one_of(TEXT, st.lists(ALPHABET, min_size=100, max_size=400).map("".join)))
    edits = draw(st.lists(st.tuples(st.floats(0, 1), st.integers(0, 40), TEXT), max_size=12))
    return start, edits


def assert_matches(r, s: str, data: st.DataObject) -> None:
    check(r)
    assert str(r) == s and len(r) == len(s) and r == s
    assert r.line_count == s.count("\n") + 1
    assert r.utf16_len == model.utf16(s) and r.utf8_len == model.utf8(s)
    lines = model.lines(s)
    assert list(r.lines()) == lines
    for line in {0, len(lines) - 1, data.draw(st.integers(0, len(lines) - 1))}:
        assert r.line(line) == lines[line]
        assert r.offset_of_line(line) == model.offset_of_line(s, line)
    offsets = {0, len(s), *data.draw(st.lists(st.integers(0, len(s)), max_size=6))}
    for o in offsets:
        line = model.line_of_offset(s, o)
        assert r.line_of_offset(o) == line
        assert r.line_col(o) == (line, o - model.offset_of_line(s, line))
        assert r.to_utf16(o) == model.utf16(s[:o])
        assert r.to_utf8(o) == model.utf8(s[:o])
        assert r.from_utf16(model.utf16(s[:o])) == o
        assert r.from_utf8(model.utf8(s[:o])) == o
    u = data.draw(st.integers(0, model.utf16(s)))
    assert r.from_utf16(u) == model.from_utf16(s, u)
    b = data.draw(st.integers(0, model.utf8(s)))
    assert r.from_utf8(b) == model.from_utf8(s, b)
    a = data.draw(st.integers(0, len(s)))
    z = data.draw(st.integers(a, len(s)))
    assert r[a:z] == s[a:z]
    assert r.slice(a, z) == s[a:z]
    if s:
        i = data.draw(st.integers(-len(s), len(s) - 1))
        assert r[i] == s[i]
    sub = s[a:a + data.draw(st.integers(0, 4))] if data.draw(st.booleans()) else data.draw(TEXT)
    start = data.draw(st.integers(-5, len(s) + 2))
    assert r.find(sub, start) == s.find(sub, start)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(script=edit_scripts(), data=st.data())
def test_edit_sequences_match_str(R, script, data):
    start, edits = script
    r = R(start)
    s = start
    history = [(r, s)]
    for where, length, text in edits:
        a = int(where * len(s))
        b = min(len(s), a + length)
        kind = data.draw(st.sampled_from(["replace", "insert", "delete", "concat", "split"]))
        if kind == "replace":
            r, s = r.replace(a, b, text), s[:a] + text + s[b:]
        elif kind == "insert":
            r, s = r.insert(a, text), s[:a] + text + s[a:]
        elif kind == "delete":
            r, s = r.delete(a, b), s[:a] + s[b:]
        elif kind == "concat":
            r, s = r + text, s + text
        else:
            left, right = r.split(a)
            check(left)
            check(right)
            r, s = right + left, s[a:] + s[:a]
        assert_matches(r, s, data)
        history.append((r, s))
    for old, text in history:  # persistence: no version was changed by a later edit
        assert old == text
        check(old)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(chunks=st.lists(TEXT, max_size=8))
def test_from_chunks_matches_join(R, chunks):
    r = R.from_chunks(chunks)
    check(r)
    assert r == "".join(chunks)
    assert list(r.lines()) == model.lines("".join(chunks))

"""``Rope``: cases, including the edge cases an editor's text core is known to get wrong."""

from __future__ import annotations

import pickle

import pytest

from symphony.text import Rope

from . import model
from .conftest import check

# -- building and whole text --------------------------------------------------------------


def test_empty(R):
    r = R()
    assert len(r) == 0 and str(r) == "" and r == "" and not r
    assert r.line_count == 1
    assert r.line(0) == "" and list(r.lines()) == [""]
    assert r.offset_of_line(0) == 0 and r.line_of_offset(0) == 0 and r.line_col(0) == (0, 0)
    assert r.to_utf16(0) == 0 and r.from_utf16(0) == 0 and r.to_utf8(0) == 0 and r.from_utf8(0) == 0
    assert list(r.chunks()) == [] and r.find("") == 0 and r.find("a") == -1
    check(r)


def test_line_count_rules(R):
    assert R("a").line_count == 1
    assert R("a\n").line_count == 2
    assert list(R("a\n").lines()) == ["a", ""]
    assert R("\n\n").line_count == 3
    assert list(R("a\r\nb").lines()) == ["a", "b"]
    assert list(R("a\rb").lines()) == ["a\rb"]  # a lone CR is not a break
    assert R("a\rb").line_count == 1
    assert list(R("a\r").lines()) == ["a\r"]  # no "\n" follows: the CR is text
    assert list(R("\r\n\r\n").lines()) == ["", "", ""]
    assert R("a\r\r\nb").line(0) == "a\r"  # only the CR right before LF is terminator


def test_build_from_big_str_keeps_crlf_whole(R):
    text = "ab\r\n" * 3000 + "x\r" * 2000 + "\n" * 1000
    r = R(text)
    assert r == text and len(r) == len(text)
    check(r)
    assert r.line_count == text.count("\n") + 1


def test_from_chunks_across_a_crlf(R):
    pieces = ["abc\r", "\ndef", "\r", "\n", "", "x" * 50, "\r"]
    r = R.from_chunks(pieces)
    assert r == "".join(pieces)
    check(r)
    with pytest.raises(TypeError):
        R.from_chunks(["a", b"b"])  # type: ignore[list-item]


def test_from_file_keeps_terminators(R, tmp_path):
    text = "line one\r\nline two\nthird\r" + "é😀\n" * 500
    path = tmp_path / "f.txt"
    path.write_bytes(text.encode("utf-8"))
    r = R.from_file(path, block_size=7)
    assert r == text
    check(r)
    assert R.from_file(path) == text


def test_getitem_and_slices(R):
    s = "hello\nworld😀é"
    r = R(s)
    for i in range(-len(s), len(s)):
        assert r[i] == s[i]
    for i in (len(s), -len(s) - 1, 10**9):
        with pytest.raises(IndexError):
            r[i]
    for a in range(-3, len(s) + 3):
        for b in range(-3, len(s) + 3):
            assert r[a:b] == s[a:b]
    assert r[::2] == s[::2] and r[::-1] == s[::-1]
    assert list(r) == list(s)


def test_slice_split_concat(R):
    s = "0123456789\n" * 20
    r = R(s)
    for a, b in [(0, 0), (0, len(s)), (5, 17), (len(s), len(s)), (3, 3)]:
        part = r.slice(a, b)
        assert part == s[a:b]
        check(part)
    left, right = r.split(50)
    assert left == s[:50] and right == s[50:]
    assert (left + right) == s
    assert left + "x" == s[:50] + "x"
    assert "x" + right == "x" + s[50:]
    check(left + right)
    with pytest.raises(TypeError):
        r + 5  # type: ignore[operator]


def test_concat_joins_a_split_crlf(R):
    a = R("x" * 20 + "\r")
    b = R("\n" + "y" * 20)
    joined = a + b
    assert joined == "x" * 20 + "\r\n" + "y" * 20
    check(joined)
    assert joined.line_count == 2 and joined.line(0) == "x" * 20


# -- edits ----------------------------------------------------------------------------------


def test_edits_are_persistent(R):
    s = "abc\ndef\n" * 30
    r = R(s)
    r2 = r.insert(5, "XYZ")
    r3 = r2.delete(0, 10)
    r4 = r3.replace(3, 8, "\r\n")
    assert r == s
    assert r2 == s[:5] + "XYZ" + s[5:]
    assert r3 == (s[:5] + "XYZ" + s[5:])[10:]
    assert r4 == str(r3)[:3] + "\r\n" + str(r3)[8:]
    for x in (r, r2, r3, r4):
        check(x)


def test_edit_shares_untouched_nodes(R_default):
    r = R_default("abcdefghij\n" * 200_000)
    r2 = r.insert(len(r) - 3, "x")
    old_kids = r._root.children
    new_kids = r2._root.children
    assert old_kids is not None and new_kids is not None
    assert old_kids[0] is new_kids[0]  # the first subtree is shared, not copied
    assert r == "abcdefghij\n" * 200_000


def test_insert_between_cr_and_lf(R):
    r = R("a\r\nb")
    r2 = r.insert(2, "x")
    assert list(r2.lines()) == ["a\rx", "b"]
    r3 = r2.delete(2, 3)
    assert list(r3.lines()) == ["a", "b"]
    check(r2)
    check(r3)


def test_edits_at_leaf_boundaries_keep_crlf_whole(R):
    # CR and LF brought together at every position of a multi-leaf rope
    base = "ab\rX\ncd" * 10
    for i, ch in enumerate(base):
        if ch == "X":
            r = R(base).delete(i, i + 1)
            check(r)
            assert r == base[:i] + base[i + 1:]
    r = R("ab\n" * 20)
    for i in range(len(r) + 1):
        r2 = r.insert(i, "\r")
        check(r2)
        r3 = r.insert(i, "\n")
        check(r3)


def test_single_huge_line(R_default):
    s = "x" * 300_000
    r = R_default(s)
    assert r.line_count == 1 and r.line(0) == s
    r2 = r.insert(150_000, "\n")
    assert r2.line_count == 2 and r2.line(1) == "x" * 150_000
    assert r2.offset_of_line(1) == 150_001
    check(r2)


def test_big_insert_and_delete(R):
    s = "a\nb" * 50
    r = R(s)
    big = "é😀\r\n" * 3000
    r2 = r.insert(7, big)
    assert r2 == s[:7] + big + s[7:]
    check(r2)
    r3 = r2.delete(3, len(r2) - 3)
    assert r3 == (s[:7] + big + s[7:])[:3] + (s[:7] + big + s[7:])[-3:]
    check(r3)
    assert r2.delete(0, len(r2)) == ""
    check(r2.delete(0, len(r2)))


def test_bad_input_raises_and_changes_nothing(R):
    s = "abc\ndef"
    r = R(s)
    for call in (lambda: r.insert(-1, "x"), lambda: r.insert(8, "x"), lambda: r.delete(0, 8),
                 lambda: r.slice(-1, 2), lambda: r.replace(5, 9, ""), lambda: r.offset_of_line(2),
                 lambda: r.offset_of_line(-1), lambda: r.line(2), lambda: r.line_of_offset(8),
                 lambda: r.to_utf16(-1), lambda: r.from_utf16(8), lambda: r.to_utf8(99),
                 lambda: r.from_utf8(-1), lambda: r.split(9), lambda: r.chunks(0, 99)):
        with pytest.raises(IndexError):
            call()
    with pytest.raises(ValueError):
        r.delete(3, 1)
    with pytest.raises(ValueError):
        r.slice(3, 1)
    with pytest.raises(TypeError):
        r.insert(0, 5)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        R(5)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        r.find(5)  # type: ignore[arg-type]
    assert r == s
    check(r)


# -- lines and encodings ----------------------------------------------------------------------


def test_lines_from(R):
    s = "zero\r\none\ntwo\r\n\nfour"
    r = R(s)
    assert list(r.lines()) == model.lines(s)
    assert list(r.lines(2)) == model.lines(s)[2:]
    assert list(r.lines(4)) == ["four"]
    with pytest.raises(IndexError):
        r.lines(5)
    for i in range(r.line_count):
        assert r.line(i) == model.lines(s)[i]
        assert r.offset_of_line(i) == model.offset_of_line(s, i)
    for o in range(len(s) + 1):
        line = model.line_of_offset(s, o)
        assert r.line_of_offset(o) == line
        assert r.line_col(o) == (line, o - model.offset_of_line(s, line))


def test_utf16_and_utf8(R):
    s = "a😀b\u0301é\U0010ffff\n中"
    r = R(s)
    assert r.utf16_len == model.utf16(s) and r.utf8_len == model.utf8(s)
    for o in range(len(s) + 1):
        assert r.to_utf16(o) == model.utf16(s[:o])
        assert r.to_utf8(o) == model.utf8(s[:o])
        assert r.from_utf16(r.to_utf16(o)) == o
        assert r.from_utf8(r.to_utf8(o)) == o
    assert r.from_utf16(2) == 1  # inside the surrogate pair of 😀: rounds down to its start
    for u in range(model.utf16(s) + 1):
        assert r.from_utf16(u) == model.from_utf16(s, u)
    for b in range(model.utf8(s) + 1):
        assert r.from_utf8(b) == model.from_utf8(s, b)


def test_lone_surrogates_are_counted_not_rejected(R):
    s = "a\ud83d\ude00b"  # two lone surrogates, not one astral character
    r = R(s)
    assert r.utf16_len == 4 and r.utf8_len == 8
    assert r.from_utf16(2) == 2 and r.to_utf8(2) == 4


# -- search, comparison, misc -------------------------------------------------------------------


def test_find_like_str(R):
    s = ("needle in a haystack\n" * 5) + "x" * 30 + "needle"
    r = R(s)
    for sub in ("needle", "x" * 10, "e", "", "nope", "k\nn", s, s + "!"):
        for start in (-200, -5, 0, 1, 20, len(s), len(s) + 1):
            assert r.find(sub, start) == s.find(sub, start), (sub, start)
            for end in (None, -3, 10, len(s) + 5):
                assert r.find(sub, start, end) == s.find(sub, start, end), (sub, start, end)
    assert "haystack" in r and "hay!" not in r


def test_equality_and_hash(R):
    r = R("abc\ndef")
    assert r == "abc\ndef" and r == R("abc\ndef") and r != "abc\nde" and r != R("abc\ndeg")
    assert r != 5
    assert hash(r) == hash("abc\ndef")
    assert Rope("abc\ndef") == r  # the default Rope and another twin compare by text
    assert (Rope("x") + r) == "xabc\ndef"


def test_repr_and_pickle(R):
    assert repr(R("ab")) == "Rope('ab')"
    assert "1000 chars" in repr(R("x" * 1000))
    r = R("abc\r\n" * 100)
    assert pickle.loads(pickle.dumps(r)) == r


def test_chunks_cover_the_range(R):
    s = "0123456789" * 40
    r = R(s)
    for a, b in [(0, len(s)), (3, 397), (100, 100), (0, 1), (399, 400)]:
        pieces = list(r.chunks(a, b))
        assert "".join(pieces) == s[a:b]
        assert all(pieces)


# -- cases after xi-editor's rope tests (our own code) ------------------------------------------


def test_equal_whatever_the_chunking(R):
    s = "ab\r\ncd😀\n" * 300
    built = R(s)
    for size in (1, 2, 3, 7, 64, 1000):
        streamed = R.from_chunks(s[i:i + size] for i in range(0, len(s), size))
        check(streamed)
        assert streamed == built and streamed == s
        assert [streamed.offset_of_line(i) for i in range(0, streamed.line_count, 97)] == [
            built.offset_of_line(i) for i in range(0, built.line_count, 97)]


def test_concat_trees_of_very_different_heights(R):
    small = R("x")
    big = R("0123456789\n" * 2000)
    for joined, text in ((small + big, "x" + str(big)), (big + small, str(big) + "x"),
                         (big + big, str(big) * 2), (R() + big, str(big)), (big + R(), str(big))):
        check(joined)
        assert joined == text
        assert joined.line_count == text.count("\n") + 1


def test_slice_of_slice_and_edits_at_the_ends(R):
    s = "".join(f"line {i}\n" for i in range(500))
    r = R(s)
    part = r.slice(100, 3000).slice(50, 2000)
    check(part)
    assert part == s[100:3000][50:2000]
    assert r.insert(len(r), "end") == s + "end"
    assert r.insert(0, "start") == "start" + s
    assert r.replace(0, len(r), "all") == "all"
    assert r.delete(len(r) - 1, len(r)).line_count == s.count("\n")
    assert r.offset_of_line(r.line_count - 1) == len(s)
    assert r.line_of_offset(len(s)) == r.line_count - 1


def test_many_random_edits_on_a_bigger_text(R_default):
    import random

    rng = random.Random(11)
    s = "".join(rng.choice(["word ", "\n", "\r\n", "é", "😀", "tab\t"]) for _ in range(40_000))
    r = R_default(s)
    for _ in range(300):
        a = rng.randrange(len(s) + 1)
        b = min(len(s), a + rng.choice([0, 1, 10, 5000, 20000]))
        text = rng.choice(["", "x", "\n", "\r", "\r\n", "é😀" * rng.randrange(4000)])
        r, s = r.replace(a, b, text), s[:a] + text + s[b:]
    check(r)
    assert r == s
    for o in range(0, len(s), 997):
        assert r.line_of_offset(o) == s.count("\n", 0, o)
        assert r.to_utf16(o) == len(s[:o].encode("utf-16-le")) // 2


def test_from_file_never_holds_the_text_twice(R_default, tmp_path):
    import tracemalloc

    text = "0123456789 abcdefghij\r\n" * 200_000  # 4.6 MB
    path = tmp_path / "big.txt"
    path.write_text(text, encoding="utf-8", newline="")
    size = len(text)
    del text
    tracemalloc.start()
    try:
        r = R_default.from_file(path, block_size=1 << 18)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(r) == size
    assert peak < 1.5 * size  # the rope (~1.1x) plus one block in flight, never a second copy


def test_copies_are_the_rope_itself(R):
    import copy

    r = R("abc\n" * 10)
    assert copy.copy(r) is r and copy.deepcopy(r) is r

"""``Delta``: construction, the laws undo and concurrent edits rely on, and the wire form."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from symphony.errors import DeltaError, SymphonyError
from symphony.text import Delta, DeltaBuilder, Rope, diff

from .conftest import check

TEXT = st.lists(st.sampled_from(["a", "b", "\n", "\r\n", "é", "😀"]), max_size=30).map("".join)


@st.composite
def deltas(draw: st.DrawFn, base_len: int) -> Delta:
    """A random delta on a text of length ``base_len``, recorded with a DeltaBuilder."""
    cuts = sorted(draw(st.lists(st.integers(0, base_len), max_size=8)))
    builder = DeltaBuilder(base_len)
    for a, b in zip(cuts[::2], cuts[1::2]):
        builder.replace(a, b, draw(TEXT) if draw(st.booleans()) else "")
        if draw(st.booleans()):
            builder.insert(b, draw(TEXT))
    return builder.build()


@st.composite
def text_and_delta(draw: st.DrawFn) -> tuple[str, Delta]:
    s = draw(TEXT)
    return s, draw(deltas(len(s)))


@st.composite
def text_and_two_deltas(draw: st.DrawFn) -> tuple[str, Delta, Delta]:
    s = draw(TEXT)
    return s, draw(deltas(len(s))), draw(deltas(len(s)))


def test_constructors_and_canonical_form():
    d = Delta.replace(10, 2, 5, "xy")
    assert d.ops == (2, "xy", -3, 5) and d.base_len == 10 and d.target_len == 9
    assert Delta([2, -3, "xy", 5]) == d  # insert moves before an adjacent delete
    assert Delta([1, 1, "x", "y", -1, -2, 0, 5]) == d
    assert Delta.insert(3, 3, "z").ops == (3, "z")
    assert Delta.delete(3, 0, 3).ops == (-3,)
    assert Delta.identity(4).is_identity and not d.is_identity
    assert Delta.identity(0).ops == ()
    assert d.edits() == [(2, 5, "xy")]
    assert d.apply("0123456789") == "01xy56789"
    with pytest.raises(DeltaError):
        Delta.replace(3, 2, 5, "")
    with pytest.raises(DeltaError):
        Delta([1.5])  # type: ignore[list-item]


def test_apply_checks_length():
    with pytest.raises(DeltaError) as info:
        Delta.insert(3, 0, "x").apply("ab")
    assert isinstance(info.value, SymphonyError) and isinstance(info.value, ValueError)
    with pytest.raises(DeltaError):
        Delta.identity(3).compose(Delta.identity(4))
    with pytest.raises(DeltaError):
        Delta.identity(3).transform(Delta.identity(4))
    with pytest.raises(DeltaError):
        Delta.identity(3).invert("ab")


def test_builder_rejects_out_of_order_edits():
    b = DeltaBuilder(10).replace(2, 4, "x")
    with pytest.raises(DeltaError):
        b.replace(3, 5, "y")
    with pytest.raises(DeltaError):
        b.insert(11, "y")
    b.insert(4, "z").insert(4, "w")  # same offset: recorded order is kept
    assert b.build().apply("0123456789") == "01xzw456789"


def test_map_offset():
    d = Delta.replace(10, 2, 5, "xy")  # "0123456789" -> "01xy56789"
    assert [d.map_offset(i) for i in range(11)] == [0, 1, 2, 4, 4, 4, 5, 6, 7, 8, 9]
    assert d.map_offset(2, after=True) == 4
    ins = Delta.insert(3, 1, "ab")
    assert ins.map_offset(1) == 1 and ins.map_offset(1, after=True) == 3
    with pytest.raises(DeltaError):
        d.map_offset(11)


def test_transform_tie_break():
    a = Delta.insert(2, 1, "A")
    b = Delta.insert(2, 1, "B")
    a2, b2 = a.transform(b)
    assert b2.apply(a.apply("xy")) == a2.apply(b.apply("xy")) == "xABy"
    b3, a3 = b.transform(a)
    assert a3.apply(b.apply("xy")) == "xBAy"


@settings(max_examples=80, deadline=None)
@given(text_and_delta())
def test_apply_on_rope_equals_apply_on_str(sd):
    s, d = sd
    r = Rope(s)
    out = d.apply(r)
    assert isinstance(out, Rope)
    assert out == d.apply(s)
    assert len(d.apply(s)) == d.target_len
    assert r == s  # the rope it was applied to is unchanged
    check(out)


@settings(max_examples=80, deadline=None)
@given(data=st.data(), sd=text_and_delta())
def test_compose_is_apply_twice(data, sd):
    s, a = sd
    mid = a.apply(s)
    b = data.draw(deltas(len(mid)))
    assert a.compose(b).apply(s) == b.apply(mid)
    assert a.compose(b).base_len == a.base_len and a.compose(b).target_len == b.target_len


@settings(max_examples=80, deadline=None)
@given(text_and_delta())
def test_invert_undoes(sd):
    s, d = sd
    inv = d.invert(s)
    assert inv.apply(d.apply(s)) == s
    assert d.compose(inv).apply(s) == s
    assert d.invert(Rope(s)) == inv


@settings(max_examples=80, deadline=None)
@given(text_and_two_deltas())
def test_transform_converges(sab):
    s, a, b = sab
    a2, b2 = a.transform(b)
    left = b2.apply(a.apply(s))
    assert left == a2.apply(b.apply(s))
    assert a.compose(b2).apply(s) == b.compose(a2).apply(s) == left


@settings(max_examples=80, deadline=None)
@given(TEXT, TEXT)
def test_diff_turns_one_text_into_the_other(x, y):
    d = diff(x, y)
    assert d.apply(x) == y
    assert Rope(x).diff(y).apply(Rope(x)) == y
    assert Rope(x).diff(Rope(y)) == d
    assert len(d.edits()) <= 1
    if x == y:
        assert d.is_identity


def test_diff_of_big_ropes_sharing_nodes():
    r = Rope("abc\n" * 50_000)
    r2 = r.replace(100_000, 100_010, "XYZ")
    d = r.diff(r2)
    assert d.edits() == [(100_000, 100_010, "XYZ")] or d.apply(r) == r2
    assert d.apply(r) == r2
    assert r.diff(r).is_identity


@settings(max_examples=80, deadline=None)
@given(text_and_delta())
def test_json_round_trip(sd):
    s, d = sd
    wire = json.dumps(d.to_json())
    back = Delta.from_json(json.loads(wire))
    assert back == d and hash(back) == hash(d)
    assert back.apply(s) == d.apply(s)


@pytest.mark.parametrize("bad", [
    None, [], "x", {"ops": [1]}, {"base_len": 1}, {"base_len": -1, "ops": []},
    {"base_len": 2, "ops": [1]}, {"base_len": 1, "ops": [0, 1]}, {"base_len": 1, "ops": [1, ""]},
    {"base_len": 1, "ops": [True]}, {"base_len": 1, "ops": [1.0]}, {"base_len": 1, "ops": [[1]]},
    {"base_len": True, "ops": [1]}, {"base_len": 1, "ops": "1"},
])
def test_from_json_rejects_malformed_input(bad):
    with pytest.raises(DeltaError):
        Delta.from_json(bad)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sd=text_and_delta())
def test_apply_on_every_twin(R, sd):
    s, d = sd
    r = R(s)
    out = d.apply(r)
    assert type(out) is R and out == d.apply(s)
    check(out)


@settings(max_examples=80, deadline=None)
@given(text_and_delta())
def test_map_offset_follows_kept_characters(sd):
    s, d = sd
    out = d.apply(s)
    deleted = {i for a, b, _ in d.edits() for i in range(a, b)}
    for i, ch in enumerate(s):
        if i not in deleted:
            assert out[d.map_offset(i, after=True)] == ch
    assert d.map_offset(len(s), after=True) == len(out)
    mapped = [d.map_offset(i) for i in range(len(s) + 1)]
    assert mapped == sorted(mapped)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(base=st.lists(TEXT, min_size=1, max_size=6).map("".join), data=st.data())
def test_diff_of_versions_sharing_nodes(R, base, data):
    """Versions made by edits share subtrees: the tree walk must still find the exact middle."""
    r = R(base * 5)
    s = str(r)
    other, t = r, s
    for _ in range(data.draw(st.integers(1, 3))):
        a = data.draw(st.integers(0, len(t)))
        b = data.draw(st.integers(a, len(t)))
        text = data.draw(TEXT)
        other, t = other.replace(a, b, text), t[:a] + text + t[b:]
    d = r.diff(other)
    assert d == diff(s, t)  # the same canonical delta as the plain str diff
    assert d.apply(r) == t
    assert other.diff(r).apply(other) == s


def test_diff_of_big_versions_is_quick_to_find():
    r = Rope("abcdefghij\n" * 500_000)
    r2 = r.insert(2_000_000, "XYZ").delete(4_000_000, 4_000_005)
    d = r.diff(r2)
    assert d.apply(r) == r2
    [(start, end, text)] = d.edits()
    assert start == 2_000_000 and end == 4_000_002 and text == str(r2)[2_000_000:4_000_000]

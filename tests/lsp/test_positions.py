"""Positions, incremental changes and server edits against naive models (client side, no server)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from symphony.errors import LanguageServerError
from symphony.lsp import offset_of, position_of
from symphony.lsp._documents import content_changes
from symphony.lsp._edits import text_edits_to_delta, workspace_edit_to_deltas
from symphony.text import Delta, DeltaBuilder, Rope

ENCODINGS = ["utf-16", "utf-8", "utf-32"]
# ASCII, 2- and 3-byte BMP characters, astral characters (surrogate pairs in UTF-16), newlines.
texts = st.text(alphabet=st.sampled_from(["a", "b", "é", "€", "😀", "𝄞", "\n", " "]), max_size=60)


def units(s: str, encoding: str) -> int:
    if encoding == "utf-16":
        return len(s.encode("utf-16-le")) // 2
    if encoding == "utf-8":
        return len(s.encode("utf-8"))
    return len(s)


def naive_position(text: str, offset: int, encoding: str) -> tuple[int, int]:
    line = text.count("\n", 0, offset)
    start = text.rfind("\n", 0, offset) + 1
    return line, units(text[start:offset], encoding)


def naive_offset(text: str, line: int, character: int, encoding: str) -> int:
    lines = text.split("\n")
    if line >= len(lines):
        return len(text)
    start = sum(len(x) + 1 for x in lines[:line])
    count = 0
    for i, ch in enumerate(lines[line]):
        width = units(ch, encoding)
        if count + width > character:
            return start + i  # inside (or at) this code point: its start
        count += width
    return start + len(lines[line])


@settings(max_examples=300, deadline=None)
@given(texts, st.data())
def test_position_of_matches_the_naive_model(text, data):
    rope = Rope(text)
    offset = data.draw(st.integers(0, len(text)))
    for encoding in ENCODINGS:
        assert position_of(rope, offset, encoding) == naive_position(text, offset, encoding)  # type: ignore[arg-type]


@settings(max_examples=300, deadline=None)
@given(texts, st.integers(0, 12), st.integers(0, 40))
def test_offset_of_matches_the_naive_model_and_clamps(text, line, character):
    rope = Rope(text)
    for encoding in ENCODINGS:
        assert offset_of(rope, line, character, encoding) == naive_offset(text, line, character, encoding)  # type: ignore[arg-type]


@settings(max_examples=200, deadline=None)
@given(texts, st.data())
def test_round_trip_through_positions(text, data):
    rope = Rope(text)
    offset = data.draw(st.integers(0, len(text)))
    for encoding in ENCODINGS:
        line, character = position_of(rope, offset, encoding)  # type: ignore[arg-type]
        assert offset_of(rope, line, character, encoding) == offset  # type: ignore[arg-type]


def test_astral_characters_count_two_utf16_units_and_four_utf8_bytes():
    rope = Rope("x😀y\n𝄞z")
    assert position_of(rope, 2, "utf-16") == (0, 3)
    assert position_of(rope, 2, "utf-8") == (0, 5)
    assert position_of(rope, 5, "utf-16") == (1, 2)
    assert offset_of(rope, 0, 2, "utf-16") == 1  # inside the surrogate pair: the emoji's start
    assert offset_of(rope, 0, 3, "utf-16") == 2
    assert offset_of(rope, 1, 99, "utf-16") == 6  # past the end of the line: clamped
    assert offset_of(rope, 5, 0, "utf-16") == 6  # past the last line: the end


def apply_lsp_changes(text: str, changes: list[dict], encoding: str) -> str:
    """What a server does with incremental changes: each on the result of the previous."""
    for change in changes:
        rng = change["range"]
        start = naive_offset(text, rng["start"]["line"], rng["start"]["character"], encoding)
        end = naive_offset(text, rng["end"]["line"], rng["end"]["character"], encoding)
        text = text[:start] + change["text"] + text[end:]
    return text


@st.composite
def text_and_delta(draw):
    text = draw(texts)
    builder = DeltaBuilder(len(text))
    pos = 0
    for _ in range(draw(st.integers(0, 4))):
        if pos > len(text):
            break
        start = draw(st.integers(pos, len(text)))
        end = draw(st.integers(start, len(text)))
        builder.replace(start, end, draw(texts.filter(lambda s: len(s) < 8)))
        pos = end + 1
    return text, builder.build()


@settings(max_examples=300, deadline=None)
@given(text_and_delta())
def test_incremental_changes_rebuild_the_new_text(case):
    text, delta = case
    for encoding in ENCODINGS:
        changes = content_changes(Rope(text), delta, encoding)  # type: ignore[arg-type]
        assert apply_lsp_changes(text, changes, encoding) == delta.apply(text)


def test_a_change_on_another_text_is_refused():
    with pytest.raises(LanguageServerError):
        content_changes(Rope("abc"), Delta.insert(5, 0, "x"), "utf-16")


def rng(l1, c1, l2, c2):
    return {"start": {"line": l1, "character": c1}, "end": {"line": l2, "character": c2}}


def test_text_edits_become_one_delta_on_the_original_text():
    rope = Rope("a😀b\ncd\n")
    edits = [{"range": rng(1, 0, 1, 2), "newText": "CD"}, {"range": rng(0, 3, 0, 4), "newText": "B"},
             {"range": rng(0, 0, 0, 0), "newText": ">"}, {"range": rng(0, 0, 0, 0), "newText": ">"}]
    assert text_edits_to_delta(rope, edits, "utf-16").apply("a😀b\ncd\n") == ">>a😀B\nCD\n"


@pytest.mark.parametrize("edits", [
    [{"range": rng(0, 0, 0, 2), "newText": "x"}, {"range": rng(0, 1, 0, 3), "newText": "y"}],  # overlapping
    [{"range": rng(0, 2, 0, 1), "newText": "x"}],  # backwards
    [{"range": {"start": {"line": "a"}}, "newText": "x"}],  # malformed
    [{"newText": "x"}],
    [{"range": rng(0, 0, 0, 0), "newText": 5}],
])
def test_bad_text_edits_are_refused(edits):
    with pytest.raises(LanguageServerError):
        text_edits_to_delta(Rope("abcdef"), edits, "utf-16")


def test_workspace_edit_in_both_forms_and_resource_operations_refused():
    ropes = {"file:///a": Rope("hello\n"), "file:///b": Rope("x")}
    changes = {"changes": {"file:///a": [{"range": rng(0, 0, 0, 5), "newText": "bye"}]}}
    assert workspace_edit_to_deltas(changes, ropes.__getitem__, "utf-16")["file:///a"].apply("hello\n") == "bye\n"
    document_changes = {"documentChanges": [{"textDocument": {"uri": "file:///b", "version": 1},
                                             "edits": [{"range": rng(0, 1, 0, 1), "newText": "y"}]}]}
    assert workspace_edit_to_deltas(document_changes, ropes.__getitem__, "utf-16")["file:///b"].apply("x") == "xy"
    with pytest.raises(LanguageServerError):
        workspace_edit_to_deltas({"documentChanges": [{"kind": "create", "uri": "file:///c"}]}, ropes.__getitem__,
                                 "utf-16")
    with pytest.raises(LanguageServerError):
        workspace_edit_to_deltas([], ropes.__getitem__, "utf-16")

"""The editor's reading of ``update`` annotations and status items: what it keeps, what it shows,
and that malformed input from the core is skipped, never an exception."""

from __future__ import annotations

import pytest

from symphony.cli.editor._diagnostics import Diagnostics, StatusItems


def block(ranges, payloads, kind="diagnostic"):
    return {"type": kind, "ranges": ranges, "payloads": payloads, "n": len(ranges)}


def test_rows_severity_and_the_message_at_the_caret():
    d = Diagnostics()
    d.apply([block([[0, 0, 0, 9], [0, 7, 0, 9], [2, 4, 3, 2]],
                   [{"severity": "warning", "message": "'os'  imported\nbut unused", "source": "pyflakes"},
                    {"severity": "error", "message": "bad", "source": None},
                    {"severity": "hint", "message": "long", "source": "x"}]),
             block([[5, 0, 5, 1]], [{"x": 1}], kind="lint")])
    assert d.severity(0) == "error" and d.severity(1) is None and d.severity(3) == "hint"
    assert d.severity(5) is None  # another annotation type
    assert d.at(0, 2).describe() == "warning: 'os' imported but unused (pyflakes)"
    assert d.at(0, 8).describe() == "error: bad"
    assert d.at(3, 0).columns(3, 10) == (0, 2) and d.at(2, 0).columns(2, 10) == (4, 10)
    d.apply([])  # an update whose lines hold none: they are gone
    assert d.items == [] and d.at(0, 0) is None


@pytest.mark.parametrize("annotations", [
    None, 5, "x", [None], [{"type": "diagnostic"}], [{"type": "diagnostic", "ranges": 5}],
    [block([[0, 0, 0]], [{}])], [block([[0, 0, 0, -1]], [{}])], [block([["0", 0, 0, 1]], [{}])],
    [block([[0, 0, 0, 1.5]], [{}])], [block([[0, 0, 0, True]], [{}])],
])
def test_malformed_annotations_are_skipped(annotations):
    d = Diagnostics()
    d.apply(annotations)
    assert d.items == []


def test_a_diagnostic_without_a_usable_payload_is_an_error_without_a_message():
    d = Diagnostics()
    d.apply([block([[1, 0, 1, 2], [2, 0, 2, 1]], ["not an object"])])
    assert [x.describe() for x in d.items] == ["error: ", "error: "]


def test_status_items_add_update_remove_and_bad_ones():
    items = StatusItems()
    assert items.handle("add_status_item", {"key": "lsp.diagnostics", "value": "1 warning", "alignment": "left"})
    assert items.handle("add_status_item", {"key": "words", "value": "x" * 100})
    assert items.handle("update_status_item", {"key": "lsp.diagnostics", "value": "2 errors"})
    assert items.shown() == ["2 errors", "x" * 59 + "…"]
    assert items.handle("remove_status_item", {"key": "words"})
    assert items.handle("update_status_item", {"key": 5, "value": "no"})
    assert items.handle("add_status_item", {"key": "empty", "value": None})
    assert not items.handle("alert", {"msg": "x"}) and not items.handle("add_status_item", None)
    assert items.shown() == ["2 errors"]

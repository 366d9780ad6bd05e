"""Plugins' annotations: kept like spans, and sent in ``update`` as xi's ``annotations``
(``{type, ranges: [[start_line, start_col, end_line, end_col]], payloads, n}``, UTF-8 columns)."""

from __future__ import annotations

from symphony.text.editor import Buffer


class Frontend:
    def __init__(self) -> None:
        self.updates: list[dict] = []

    def __call__(self, method: str, params: dict) -> None:
        if method == "update":
            self.updates.append(params["update"])

    def last_annotations(self) -> list[dict]:
        return [u for u in self.updates if "annotations" in u][-1]["annotations"]


def test_annotations_are_sent_mapped_through_edits_and_dropped_with_their_plugin():
    fe = Frontend()
    buf = Buffer(fe)
    buf.add_view("v")
    buf.command("v", "insert", {"chars": "import os\nx = 'é' + y\n"})
    rev = buf.revisions.rev
    assert all("annotations" not in u for u in fe.updates)  # no plugin annotations: the update is as before
    diag = {"message": "unused import", "severity": 2}
    buf.plugin_annotations("lsp", 0, len(buf.rope), [(7, 9, diag), {"start": 20, "end": 21, "data": None}],
                           "diagnostic", rev)
    n = len(fe.updates)
    assert fe.updates[-1]["ops"] == [{"op": "copy", "n": 3, "ln": 1}]  # only the annotations changed
    assert fe.last_annotations() == [{"type": "diagnostic", "ranges": [[0, 7, 0, 9], [1, 11, 1, 12]],
                                      "payloads": [diag, None], "n": 2}]
    # the user types on line 0 before the server answers again: the ranges follow the text
    buf.command("v", "gesture", {"line": 0, "col": 0, "ty": "point_select"})
    buf.command("v", "insert", {"chars": "é"})
    assert fe.last_annotations()[0]["ranges"] == [[0, 9, 0, 11], [1, 11, 1, 12]]
    assert len(fe.updates) > n
    # annotations given at the old revision are carried over that edit too
    buf.plugin_annotations("lsp", 0, 9, [(0, 6, "at rev")], "hint", rev)
    hint = [a for a in fe.last_annotations() if a["type"] == "hint"][0]
    assert hint["ranges"] == [[0, 2, 0, 8]] and hint["payloads"] == ["at rev"]
    # nothing changed: no update at all
    n = len(fe.updates)
    buf.flush()
    assert len(fe.updates) == n
    buf.plugin_gone("lsp")
    assert fe.last_annotations() == []


def test_annotations_report_visual_lines_when_wrapping():
    fe = Frontend()
    buf = Buffer(fe, config={"wrap_width": 10})
    buf.add_view("v")
    buf.command("v", "insert", {"chars": "aaaa bbbb cccc dddd\nzz"})
    buf.plugin_annotations("lsp", 0, len(buf.rope), [(10, 14, 1), (20, 22, 2)], "diagnostic", buf.revisions.rev)
    assert fe.last_annotations()[0]["ranges"] == [[1, 0, 1, 4], [2, 0, 2, 2]]

"""Plugins' scopes and spans on the frontend protocol: ``def_style`` once per style, and each
line's ``styles`` (xi's triples, UTF-8 units, start relative to the previous span's end)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from symphony.errors import PluginProtocolError
from symphony.rpc import PlainSyntax, XiCore
from symphony.text import Delta
from symphony.text.editor import Buffer, PluginEdit, StyleMap
from symphony.text.editor._styles import FIRST_STYLE
from tests.conftest import wait_until
from tests.rpc.xi_client import LineCache

COLORS = {"keyword": 0xFF0000FF, "string": 0xFF00FF00, "comment": 0xFF888888, "alias": 0xFF0000FF}


def resolver(scopes: list[str]) -> dict[str, Any]:
    last = scopes[-1] if scopes else ""
    if last == "boom":
        raise RuntimeError("a theme bug")
    if last not in COLORS:
        return {}
    return {"fg_color": COLORS[last], "italic": last == "comment" or None}


class Frontend:
    """Records what the core sends and keeps each view's line cache."""

    def __init__(self, defined: dict[int, dict] | None = None) -> None:
        self.sent: list[tuple[str, dict]] = []
        self.cache = LineCache()
        self.defined: dict[int, dict] = defined if defined is not None else {}  # shared by one connection's buffers

    def __call__(self, method: str, params: dict) -> None:
        self.sent.append((method, params))
        if method == "def_style":
            assert params["id"] not in self.defined, "def_style sent twice for one id"
            self.defined[params["id"]] = params
        if method == "update":
            for op in params["update"]["ops"]:
                for line in op.get("lines", []):
                    styles = line.get("styles", [])
                    for k in range(2, len(styles), 3):  # every id was defined before its use
                        assert styles[k] in (0, 1) or styles[k] in self.defined
            self.cache.apply(params["update"]["ops"])

    def spans(self, line: int) -> list[tuple[int, int, int]]:
        """``(start, end, style)`` in UTF-8 columns, decoded from the line's triples."""
        styles = self.cache.lines[line].styles
        out = []
        end = 0
        for k in range(0, len(styles), 3):
            start = end + styles[k]
            end = start + styles[k + 1]
            out.append((start, end, styles[k + 2]))
        return out

    def methods(self) -> list[str]:
        return [m for m, _ in self.sent]


def styled_buffer(text: str, style_map: StyleMap | None = None,
                  defined: dict[int, dict] | None = None) -> tuple[Buffer, Frontend]:
    fe = Frontend(defined)
    buf = Buffer(fe, styles=style_map if style_map is not None else StyleMap(resolver))
    buf.add_view("v")
    buf.command("v", "insert", {"chars": text})
    return buf, fe


def test_spans_become_line_styles_after_their_def_style():
    buf, fe = styled_buffer("if x:\n  s = 'é'  # c\n")
    buf.plugin_scopes("hl", [["source", "keyword"], ["source", "string"], ["source", "comment"], ["source"]])
    kinds = fe.methods()
    assert kinds.count("def_style") == 3  # "source" alone resolves to nothing: unstyled
    keyword, string, comment = FIRST_STYLE, FIRST_STYLE + 1, FIRST_STYLE + 2
    assert fe.defined[keyword] == {"id": keyword, "fg_color": COLORS["keyword"]}
    assert fe.defined[comment] == {"id": comment, "fg_color": COLORS["comment"], "italic": True}
    n_updates = kinds.count("update")
    # line 1 is "  s = 'é'  # c": 'é' is 3 code points and 4 UTF-8 bytes
    buf.plugin_spans("hl", 0, len(buf.rope), [(0, 2, 0), (12, 15, 1), (17, 20, 2), (20, 21, 3)], buf.revisions.rev)
    assert fe.methods().count("update") == n_updates + 1
    assert fe.spans(0) == [(0, 2, keyword)]
    assert fe.spans(1) == [(6, 10, string), (12, 15, comment)]
    assert fe.cache.lines[1].styles == [6, 4, string, 2, 3, comment]
    # a selection comes first, then the plugins' spans, each start relative to the last end
    buf.command("v", "gesture", {"line": 1, "col": 2, "ty": "point_select"})
    buf.command("v", "move_right_and_modify_selection", None)
    assert fe.cache.lines[1].styles == [2, 1, 0, 3, 4, string, 2, 3, comment]


def test_styles_follow_an_edit_before_the_plugin_answers_and_go_with_the_plugin():
    buf, fe = styled_buffer("let x")
    buf.plugin_scopes("hl", [["keyword"]])
    buf.plugin_spans("hl", 0, 5, [(0, 3, 0)], buf.revisions.rev)
    assert fe.spans(0) == [(0, 3, FIRST_STYLE)]
    buf.command("v", "move_to_beginning_of_document", None)
    buf.command("v", "insert", {"chars": "  "})
    assert fe.spans(0) == [(2, 5, FIRST_STYLE)]  # moved with its text: never stale
    buf.command("v", "move_right", None)
    buf.command("v", "insert", {"chars": "é"})  # inside "let": the new text is not coloured
    assert str(buf.rope) == "  léet x"
    assert fe.spans(0) == [(2, 3, FIRST_STYLE), (5, 7, FIRST_STYLE)]  # UTF-8: "é" is 2 bytes
    buf.plugin_gone("hl")
    assert fe.cache.lines[0].styles == []
    assert not buf.styles.layers


def test_no_resolver_means_no_styling_and_a_broken_resolver_styles_nothing():
    for style_map in (StyleMap(), StyleMap(resolver)):
        buf, fe = styled_buffer("abc", style_map)
        buf.plugin_scopes("hl", [["boom"], ["nothing"]])
        buf.plugin_spans("hl", 0, 3, [(0, 1, 0), (1, 2, 1)], buf.revisions.rev)
        assert "def_style" not in fe.methods()
        assert fe.cache.lines[0].styles == []
        buf.command("v", "insert", {"chars": "d"})  # and the buffer goes on
        fe.cache.check(str(buf.rope))


def test_a_style_map_gives_one_id_per_style_across_buffers_and_restyles():
    shared = StyleMap(resolver)
    defined: dict[int, dict] = {}
    one, fe1 = styled_buffer("abc", shared, defined)
    two, fe2 = styled_buffer("abc", shared, defined)
    one.plugin_scopes("hl", [["keyword"], ["alias"]])  # same fields: one id
    two.plugin_scopes("hl", [["string"], ["keyword"]])
    sent = [p for fe in (fe1, fe2) for m, p in fe.sent if m == "def_style"]
    assert [p["id"] for p in sent] == [FIRST_STYLE, FIRST_STYLE + 1]
    assert one.styles.layers["hl"].style_ids == [FIRST_STYLE, FIRST_STYLE]
    assert two.styles.layers["hl"].style_ids == [FIRST_STYLE + 1, FIRST_STYLE]
    two.plugin_spans("hl", 0, 3, [(0, 3, 1)], two.revisions.rev)
    assert fe2.spans(0) == [(0, 3, FIRST_STYLE)]
    # a theme change: a new resolver, and the lines on screen are sent again
    shared.set_resolver(lambda scopes: {"fg_color": 7})
    two.flush()
    assert fe2.spans(0) == [(0, 3, FIRST_STYLE + 2)]
    assert fe2.defined[FIRST_STYLE + 2] == {"id": FIRST_STYLE + 2, "fg_color": 7}


def test_only_the_lines_on_screen_are_styled():
    buf, fe = styled_buffer("x\n" * 5000)
    buf.plugin_scopes("hl", [["keyword"]])
    buf.plugin_spans("hl", 0, len(buf.rope), [(2 * k, 2 * k + 1, 0) for k in range(5000)], buf.revisions.rev)
    valid = fe.cache.valid()
    assert len(valid) < 200 and all(fe.spans(i) == [(0, 1, FIRST_STYLE)] for i in valid)


def test_spans_for_lines_off_screen_send_no_update():
    buf, fe = styled_buffer("x\n" * 5000)
    buf.plugin_scopes("hl", [["keyword"]])
    far = buf.rope.offset_of_line(4000)
    sent = fe.methods().count("update")
    buf.plugin_spans("hl", far, 200, [(0, 1, 0)], buf.revisions.rev)  # a highlighter's background batch
    assert fe.methods().count("update") == sent
    buf.plugin_spans("hl", 0, 2, [(0, 1, 0)], buf.revisions.rev)  # on screen: sent
    assert fe.methods().count("update") == sent + 1 and fe.spans(0) == [(0, 1, FIRST_STYLE)]
    buf.command("v", "scroll", [3990, 4010])  # scrolled there: the far spans are shown
    assert fe.spans(4000) == [(0, 1, FIRST_STYLE)]


def test_xi_core_passes_its_themes_resolver_to_every_buffer(node):
    sent: list[tuple[str, dict]] = []
    class Themed(PlainSyntax):
        def resolver(self, name):
            return resolver

    core = XiCore(lambda m, p: sent.append((m, p)), node=node, watch_files=False, syntax=Themed())
    try:
        view = core.call("new_view", {}).result
        ref = core.views[view]
        ref.ask("add_view", view)
        ref.ask("command", (view, "insert", {"chars": "fn main"}))
        ref.ask("plugin_scopes", ("hl", [["source", "keyword"]]))
        ref.ask("plugin_spans", ("hl", 0, 2, [(0, 2, 0)], 1))
        ref.ask("plugin_edit", PluginEdit("hl", 1, Delta.insert(7, 7, "()")))
        assert wait_until(lambda: any(m == "def_style" for m, _ in sent))
        defs = [p for m, p in sent if m == "def_style"]
        assert defs == [{"id": FIRST_STYLE, "fg_color": COLORS["keyword"]}]
        updates = [p["update"] for m, p in sent if m == "update"]
        assert any(line.get("styles") == [0, 2, FIRST_STYLE]
                   for u in updates for op in u["ops"] for line in op.get("lines", []))
        assert str(ref.ask("snapshot", None)) == "fn main()"
    finally:
        core.call("close_view", {"view_id": view})


STEPS = st.one_of(
    st.tuples(st.just("insert"), st.fixed_dictionaries({"chars": st.text("ké\n", min_size=1, max_size=3)})),
    st.tuples(st.sampled_from(["delete_backward", "delete_forward", "undo", "redo", "move_up", "move_down",
                               "move_left", "insert_newline", "move_right_and_modify_selection", "transpose",
                               "move_right_and_modify_selection"]), st.none()),
    st.tuples(st.just("scroll"), st.tuples(st.integers(0, 12), st.integers(1, 4)).map(lambda t: [t[0], t[0] + t[1]])),
    st.tuples(st.just("spans"), st.tuples(st.integers(0, 3), st.lists(st.integers(0, 3), max_size=6))),
)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text("kk é\n", max_size=40), st.lists(STEPS, max_size=20))
def test_every_valid_line_shows_exactly_the_stored_spans(initial, steps):
    """After any mix of edits, undo, scrolling and span updates (some at an older revision),
    each line the frontend holds has the styles of the spans stored for it (the per-line
    memo never serves a stale line)."""
    import symphony.text.editor._view as view_module
    old_margin = view_module.MARGIN
    view_module.MARGIN = 1
    try:
        buf, fe = styled_buffer(initial or "k")
        buf.plugin_scopes("hl", [["keyword"], ["string"], ["comment"], ["source"]])
        revs = [buf.revisions.rev]
        for method, params in steps:
            if method == "spans":
                back, cuts = params
                rev = revs[max(0, len(revs) - 1 - back)]
                size = buf.revisions.length_at(rev)
                points = sorted({min(c * 3, size) for c in cuts})
                spans = [(points[i], points[i + 1], points[i] % 4) for i in range(0, len(points) - 1, 2)]
                buf.plugin_spans("hl", 0, size, spans, rev)
            else:
                buf.command("v", method, params)
            revs.append(buf.revisions.rev)
            rope = buf.rope
            fe.cache.check(str(rope))
            store = buf.styles.layers["hl"]
            for i in fe.cache.valid():
                start = rope.offset_of_line(i)
                text = rope.line(i)
                want = [(len(text[:a - start].encode()), len(text[:b - start].encode()), store.style_ids[v])
                        for a, b, v in store.spans.query(start, start + len(text))
                        if store.style_ids[v] is not None]
                got = [s for s in fe.spans(i) if s[2] >= FIRST_STYLE]
                assert got == want, (i, text, got, want)
    finally:
        view_module.MARGIN = old_margin


def test_typing_over_a_selection_with_the_same_text_unstyles_it_until_the_plugin_answers():
    """The line's text is the same after the edit, but the replaced character is new text
    (xi: no span until the plugin says so): the line is restyled, not served from memory."""
    buf, fe = styled_buffer("kkk\nx")
    buf.plugin_scopes("hl", [["keyword"]])
    buf.plugin_spans("hl", 0, 3, [(0, 3, 0)], buf.revisions.rev)
    assert fe.spans(0) == [(0, 3, FIRST_STYLE)]
    buf.command("v", "gesture", {"line": 0, "col": 1, "ty": "point_select"})
    buf.command("v", "move_right_and_modify_selection", None)
    buf.command("v", "insert", {"chars": "k"})
    assert str(buf.rope) == "kkk\nx"
    assert fe.spans(0) == [(0, 1, FIRST_STYLE), (2, 3, FIRST_STYLE)]


def test_a_preview_shows_until_the_plugins_own_spans_cover_it_range_by_range():
    buf, fe = styled_buffer("let x\nlet y\n")
    rev = buf.revisions.rev
    buf.plugin_preview("hl", [["comment"], ["keyword"]], 0, 12, [(0, 3, 1), (6, 9, 1)], rev)
    comment, keyword = FIRST_STYLE, FIRST_STYLE + 1  # in the order of the preview's table
    assert fe.defined[keyword]["fg_color"] == COLORS["keyword"]
    assert fe.spans(0) == [(0, 3, keyword)] and fe.spans(1) == [(0, 3, keyword)]
    # the plugin's own table numbers scopes afresh: the preview's does not leak into it
    buf.plugin_scopes("hl", [["comment"]])
    buf.plugin_spans("hl", 0, 6, [(4, 5, 0)], rev)  # line 0 only: line 1 keeps its preview
    assert fe.spans(0) == [(4, 5, comment)]
    assert fe.spans(1) == [(0, 3, keyword)]
    buf.plugin_spans("hl", 6, 6, [], rev)
    assert fe.spans(1) == [] and "hl" not in buf.styles.previews  # covered: gone


def test_a_preview_after_the_plugins_own_spans_is_ignored_and_goes_with_the_plugin():
    buf, fe = styled_buffer("let x\n")
    rev = buf.revisions.rev
    buf.plugin_scopes("hl", [["keyword"]])
    buf.plugin_spans("hl", 0, 6, [(0, 3, 0)], rev)
    buf.plugin_preview("hl", [["comment"]], 0, 6, [(0, 5, 0)], rev)
    assert fe.spans(0) == [(0, 3, FIRST_STYLE)] and not buf.styles.previews
    buf2, fe2 = styled_buffer("let x\n")
    buf2.plugin_preview("hl", [["keyword"]], 0, 6, [(0, 3, 0)], buf2.revisions.rev)
    buf2.plugin_gone("hl")
    assert fe2.spans(0) == [] and not buf2.styles.previews


def test_a_preview_of_an_older_revision_is_carried_over_later_edits():
    buf, fe = styled_buffer("let x\n")
    rev = buf.revisions.rev
    buf.command("v", "move_to_beginning_of_document", None)
    buf.command("v", "insert", {"chars": "  "})
    buf.plugin_preview("hl", [["keyword"]], 0, 6, [(0, 3, 0)], rev)
    assert fe.spans(0) == [(2, 5, FIRST_STYLE)]


def test_a_bad_preview_is_refused_and_changes_nothing():
    buf, fe = styled_buffer("let x\n")
    rev = buf.revisions.rev
    for scopes, spans in (("keyword", [(0, 3, 0)]), ([["keyword"]], [(0, 3, 1)]), ([["keyword"]], [(0, 99, 0)]),
                          ([[1]], [(0, 3, 0)]), ([["keyword"]], "spans")):
        with pytest.raises(PluginProtocolError):
            buf.plugin_preview("hl", scopes, 0, 6, spans, rev)
    assert not buf.styles.previews and fe.spans(0) == []

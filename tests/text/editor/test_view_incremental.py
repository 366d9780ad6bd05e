"""``render`` copies the lines it does not read: the frontend cache it keeps must equal a
render from scratch after every step, texts, cursors and styles alike.

The renderer reads only changed lines, lines new to the frontend and lines with cursors or
styles (then or now), and, inside one long wrapped line, only the visual lines the wrap
says changed; everything else is copied from what it sent before. A wrong guess shows
here as a line whose text, cursor or style differs from a from-scratch render of the same
window. Small ``MARGIN`` and wrap thresholds make windows, copies and long-line pieces
small enough for a few dozen characters to exercise them.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import symphony.text.editor._view as view_module
import symphony.text.editor._wrap as wrap_module
from symphony.text.editor import Buffer
from symphony.text.editor._breaks import Breaks
from symphony.text.editor._view import View, render
from tests.rpc.xi_client import LineCache

ACTIONS = st.one_of(
    st.tuples(st.just("insert"), st.fixed_dictionaries({"chars": st.text("ab\n é ", max_size=6)})),
    st.tuples(st.sampled_from([
        "delete_backward", "delete_forward", "insert_newline", "move_left", "move_right", "move_up",
        "move_down", "add_selection_below", "undo", "redo", "select_all", "duplicate_line",
        "move_to_end_of_document", "move_to_beginning_of_document", "collapse_selections",
        "move_down_and_modify_selection", "move_word_right_and_modify_selection", "cancel_operation",
    ]), st.none()),
    st.tuples(st.just("scroll"), st.tuples(st.integers(0, 40), st.integers(1, 8)).map(lambda t: [t[0], t[0] + t[1]])),
    st.tuples(st.just("gesture"), st.fixed_dictionaries({
        "line": st.integers(0, 30), "col": st.integers(0, 40),
        "ty": st.sampled_from(["point_select", "toggle_sel", "range_select", "word_select"])})),
    st.tuples(st.just("find"), st.fixed_dictionaries({"chars": st.sampled_from(["a", "b ", "ab"]),
                                                      "case_sensitive": st.just(False)})),
    st.tuples(st.just("highlight_find"), st.fixed_dictionaries({"visible": st.booleans()})),
    st.tuples(st.just("request_lines"), st.tuples(st.integers(0, 60), st.integers(1, 20)).map(
        lambda t: [t[0], t[0] + t[1]])),
    st.tuples(st.just("wrap_step"), st.none()),
)


class Sink:
    def __init__(self) -> None:
        self.caches: dict[str, LineCache] = {}

    def __call__(self, method, params):
        if method == "update":
            self.caches.setdefault(params["view_id"], LineCache()).apply(params["update"]["ops"])


@pytest.fixture
def small_windows() -> Iterator[None]:
    saved = (view_module.MARGIN, wrap_module.SYNC_CHARS, wrap_module.LONG, wrap_module.REWRAP_WINDOW,
             Breaks.CHUNK)
    view_module.MARGIN = 1
    wrap_module.SYNC_CHARS, wrap_module.LONG, wrap_module.REWRAP_WINDOW, Breaks.CHUNK = 40, 64, 4, 4
    try:
        yield
    finally:
        (view_module.MARGIN, wrap_module.SYNC_CHARS, wrap_module.LONG, wrap_module.REWRAP_WINDOW,
         Breaks.CHUNK) = saved


def _from_scratch(buf: Buffer, view: View) -> LineCache:
    """The cache a frontend holding nothing gets for ``view``'s window now."""
    fresh = View(view.view_id, regions=view.regions, first=view.first, height=view.height,
                 requested=view.requested, query=view.query, highlight=view.highlight)
    cache = LineCache()
    ops = render(fresh, buf.rope, force=True, wrap=buf.wrap)
    assert ops is not None
    cache.apply(ops)
    return cache


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(st.text("ab \n", max_size=60), st.integers(0, 120), st.lists(ACTIONS, max_size=25),
       st.sampled_from([0, 3, 7]))
def test_kept_cache_equals_a_render_from_scratch(small_windows, initial, long_words, actions, width):
    sink = Sink()
    buf = Buffer(sink, config={"wrap_width": width})
    buf.add_view("a")
    buf.add_view("b")
    buf.command("a", "insert", {"chars": initial + "lorem ipsum " * long_words})  # a long line to wrap
    for i, (method, params) in enumerate(actions):
        if method == "wrap_step":
            buf.wrap_step()
        else:
            buf.command("ab"[i % 2], method, params)
        for vid in ("a", "b"):
            kept, fresh = sink.caches[vid], _from_scratch(buf, buf.views[vid])
            assert len(kept.lines) == len(fresh.lines)
            for k, line in enumerate(fresh.lines):
                if line is not None:
                    assert kept.lines[k] == line, (vid, k, kept.lines[k], line)

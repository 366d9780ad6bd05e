"""The plugin adapter: scopes once, the first screen at once, the rest on idle turns, edits.

The view is a recorder with the SDK View's methods, so what the adapter sends is checked
span by span (``test_highlight_serve`` runs it for real, under ``symphony serve``).
"""

from __future__ import annotations

import pytest

from symphony.plugins.highlight._plugin import QUIET
from symphony.text import Delta, Rope

from ._oracle import fresh


@pytest.fixture
def sdk_and_plugin():
    from symphony.plugins import sdk
    from symphony.plugins.highlight import HighlightPlugin

    return sdk, HighlightPlugin


class RecordingView:
    def __init__(self, text: str, path: str | None, language: str = "") -> None:
        self.view_id = "view-id-1"
        self.path = path
        self.language = language
        self.rev = 0
        self.config: dict = {}
        self.document = Rope(text)
        self.document_loaded = True
        self.buf_size = self.document.utf8_len
        self.sent: list[tuple] = []
        self.idle_asked = 0
        self.idle_delays = []
        self.scopes: list[str] = []
        self.painted = [""] * len(text)

    def add_scopes(self, scopes):
        self.sent.append(("add_scopes", scopes))
        self.scopes.extend(stack[0] for stack in scopes)

    def update_spans(self, start, length, spans, rev=None, head=None):
        self.sent.append(("update_spans", start, length, spans, rev))
        assert rev == self.rev
        self.painted[start:start + length] = [""] * length
        for sp in spans:
            self.painted[start + sp.start:start + sp.end] = [self.scopes[sp.scope_id]] * (sp.end - sp.start)

    def schedule_idle(self, delay=0.0):
        self.idle_asked += 1
        self.idle_delays.append(delay)

    def edit(self, delta):
        """The core's side of an edit: the text changes, the painted scopes move with it."""
        for start, end, text in reversed(delta.edits()):
            self.painted[start:end] = [""] * len(text)
        self.document = delta.apply(self.document)
        self.rev += 1

    def colours(self):
        return self.painted


def expected(language, rope):
    out = [""] * len(rope)
    for s, e, scope in fresh(language, rope, "tree-sitter"):
        out[s:e] = [scope] * (e - s)
    return out


def test_new_view_update_and_idle(sdk_and_plugin):
    sdk, HighlightPlugin = sdk_and_plugin
    plugin = HighlightPlugin()
    assert isinstance(plugin, sdk.Plugin) and plugin.name == "symphony-highlight"
    view = RecordingView("".join(f"def f{i}(x):\n    return x + {i}  # c\n" for i in range(200)), "a.py")
    plugin.on_new_view(view)
    assert [m[0] for m in view.sent] == ["add_scopes", "update_spans"]
    assert view.idle_asked == 1 and view.idle_delays == [0.0]  # nothing typed: the rest at once
    while view.idle_asked:
        view.idle_asked -= 1
        plugin.on_idle(view)
    assert sum(m[0] == "add_scopes" for m in view.sent) == 1
    assert view.colours() == expected("Python", view.document)

    old = view.document
    at = old.offset_of_line(3)
    delta = Delta.insert(len(old), at, '"""')
    view.edit(delta)
    plugin.on_update(view, sdk.Update(1, delta, old, "user", "insert", 1))
    # the changed lines at once, or (a reparse past its budget: machine load decides) an idle turn asked
    assert (view.sent[-1][0] == "update_spans" and view.sent[-1][4] == 1) or view.idle_asked
    while view.idle_asked:
        view.idle_asked -= 1
        plugin.on_idle(view)
    assert view.colours() == expected("Python", view.document)
    plugin.on_close(view)
    plugin.on_idle(view)  # a closed view's late idle turn is ignored


def test_lines_owed_far_from_an_edit_wait_for_the_user_to_pause(sdk_and_plugin):
    sdk, HighlightPlugin = sdk_and_plugin
    plugin = HighlightPlugin()
    view = RecordingView("x = 1\n" * 1000, "a.py")
    plugin.on_new_view(view)
    assert view.idle_delays == [0.0]  # the rest of the file at once: nobody is typing
    old = view.document
    delta = Delta.insert(len(old), 0, "y")
    view.edit(delta)
    plugin.on_update(view, sdk.Update(1, delta, old, "user", "insert", 1))
    assert view.sent[-1][0] == "update_spans"  # the edited lines at once
    assert 0 < view.idle_delays[-1] <= QUIET  # what is owed elsewhere after a pause


def test_language_from_the_core_or_detected(sdk_and_plugin):
    sdk, HighlightPlugin = sdk_and_plugin
    plugin = HighlightPlugin()
    view = RecordingView("#!/usr/bin/env python3\nx = 1\n", None, language="")
    plugin.on_new_view(view)
    assert plugin._sessions[view.view_id].language == "Python"
    view.language = "Plain Text"
    plugin.on_language_changed(view, "Python")
    assert plugin._sessions[view.view_id].language == "Plain Text"
    assert view.sent[-1][3] == []

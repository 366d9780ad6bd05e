"""A just-opened document's first screen is coloured in the core's process while its plugin starts
(``Plugin.first_screen``, registered in ``symphony.first_screens``), then handed over to the
plugin's own spans range by range; a broken hook never hurts an open."""

from __future__ import annotations

import os
import threading
from importlib.metadata import EntryPoint, EntryPoints
from typing import Any

import pytest

from symphony.plugins import Budget, BundledSyntax, PluginHost
from symphony.plugins._first_screen import first_lines
from symphony.plugins.highlight import HighlightPlugin
from symphony.plugins.highlight._session import HighlightSession
from symphony.rpc import XiCore
from symphony.text import Rope
from tests.conftest import wait_until
from tests.rpc.xi_client import LineCache

from .conftest import RecordingBufferActor

SHOWN = '''
import os
from symphony.plugins.sdk import FirstScreen, Plugin, Span

SCOPES = [["keyword.control"], ["string.quoted"]]


class Shown(Plugin):
    name = "shown"

    @classmethod
    def first_screen(cls, path, language, text, size):
        if os.environ.get("SHOWN_MODE") == "raise":
            raise RuntimeError("a bug in the hook")
        if os.environ.get("SHOWN_MODE") == "garbage":
            return FirstScreen([["keyword.control"]], [(0, 10**9, 7)])
        spans, start = [], 0
        for line in text.splitlines(keepends=True):
            spans.append((start, start + 3, 0))  # each line's first word is a keyword
            start += len(line)
        return FirstScreen(SCOPES, spans)

    def on_new_view(self, view):
        view.add_scopes(SCOPES)

    def on_command(self, view, method, params):  # "own": the plugin's own spans for line 0
        line = view.document.line(0)
        view.update_spans(0, len(line), [Span(0, 3, 1)], view.rev)
'''


class Frontend:
    def __init__(self) -> None:
        self.cache = LineCache()
        self.lock = threading.Lock()
        self.styles: set[int] = set()
        self.sent: list[tuple[str, Any]] = []

    def __call__(self, method: str, params: Any) -> None:
        with self.lock:
            self.sent.append((method, params))
            if method == "def_style":
                self.styles.add(params["id"])
            if method == "update":
                self.cache.apply(params["update"]["ops"])

    def line_styles(self, n: int) -> list[int]:
        with self.lock:
            line = self.cache.lines[n] if n < len(self.cache.lines) else None
            return list(line.styles) if line is not None else []


@pytest.fixture
def shown_core(node, tmp_path, monkeypatch):
    """A core whose only plugin is ``shown`` (an entry point in both groups), its frontend."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "shown_plugin.py").write_text(SHOWN)
    installed = EntryPoints([EntryPoint("shown", "shown_plugin:Shown", "symphony.plugins"),
                             EntryPoint("shown", "shown_plugin:Shown", "symphony.first_screens")])
    monkeypatch.setattr("symphony.plugins._catalog.entry_points", lambda: installed)
    monkeypatch.syspath_prepend(str(site))
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(site), root, os.environ.get("PYTHONPATH", "")]))
    monkeypatch.setattr("symphony.rpc._core.BufferActor", RecordingBufferActor)
    cores = []

    def make() -> tuple[XiCore, Frontend]:
        frontend = Frontend()
        core = XiCore(frontend, node=node, syntax=BundledSyntax(), plugins=lambda n: PluginHost(
            n, user_dirs=False, budget=Budget(backoff=0.01)))
        cores.append(core)
        core.call("client_started", {})
        return core, frontend

    yield make
    for core in cores:
        core.close()


def open_view(core: XiCore, path: str) -> str:
    answer = core.call("new_view", {"file_path": path})
    answer.then()
    return answer.result


def test_the_first_screen_is_coloured_before_the_plugin_speaks_then_handed_over(shown_core, tmp_path):
    core, frontend = shown_core()
    path = tmp_path / "a.txt"
    path.write_text("let x\nvar y\n")
    view = open_view(core, str(path))
    # coloured from the core's process: the plugin has sent no span (it sends one only when asked)
    assert wait_until(lambda: frontend.line_styles(0) and frontend.line_styles(1))
    keyword = frontend.line_styles(0)[2]
    assert frontend.line_styles(0) == [0, 3, keyword] and frontend.line_styles(1) == [0, 3, keyword]
    assert keyword in frontend.styles
    log = core.views[view].ask("plugin_log")
    assert [kind for kind, _ in log if kind == "plugin_spans"] == []
    # the plugin's own spans take over line 0 (numbered in its own table); line 1 keeps the preview
    assert wait_until(lambda: dict(frontend.sent).get("plugin_started"))
    core.handle_notification("plugin", {"command": "plugin_rpc", "view_id": view, "receiver": "shown",
                                        "rpc": {"method": "own", "params": {}, "rpc_type": "notification"}})
    assert wait_until(lambda: frontend.line_styles(0)[2:3] != [keyword])
    string = frontend.line_styles(0)[2]
    assert frontend.line_styles(0) == [0, 3, string] and string != keyword
    assert frontend.line_styles(1) == [0, 3, keyword]


@pytest.mark.parametrize("mode", ["raise", "garbage"])
def test_a_broken_first_screen_changes_nothing_and_the_core_keeps_serving(shown_core, tmp_path, monkeypatch,
                                                                          mode, caplog):
    monkeypatch.setenv("SHOWN_MODE", mode)
    core, frontend = shown_core()
    path = tmp_path / "a.txt"
    path.write_text("let x\n")
    view = open_view(core, str(path))
    if mode == "raise":
        assert wait_until(lambda: "first_screen failed" in caplog.text)
    else:  # refused by the buffer: spans past the text, a scope id past the table
        assert wait_until(lambda: any(kind == "plugin_preview" for kind, _ in core.views[view].ask("plugin_log")))
    core.handle_notification("edit", {"view_id": view, "method": "insert", "params": {"chars": "!"}})
    assert str(core.views[view].ask("snapshot")) == "!let x\n"
    assert frontend.line_styles(0) == []


def test_first_lines_are_whole_lines_within_the_limits():
    assert first_lines(Rope("a\nb\nc"), lines=2) == "a\nb\n"
    assert first_lines(Rope("a\nb\nc"), lines=5) == "a\nb\nc"
    assert first_lines(Rope("ab\ncd\nef\n"), lines=5, chars=7) == "ab\ncd\n"
    assert first_lines(Rope("x" * 100), chars=10) == ""
    assert first_lines(Rope("")) == ""


def test_the_highlighters_first_screen_is_its_sessions_first_screen():
    text = 'import os\n\ndef f(x):\n    """doc"""\n    return x + 1  # one\n' * 40
    found = HighlightPlugin.first_screen("/tmp/a.py", "Python", text, len(text))
    assert found is not None
    session = HighlightSession("Python", Rope(text))
    (batch,) = session.open()
    assert found.scopes == batch.new_scopes
    assert found.spans == [(batch.start + s, batch.start + e, i) for s, e, i in batch.spans]
    # the language from the path and first line when the core's guess is not one it knows
    assert HighlightPlugin.first_screen("/tmp/a.py", "Klingon", text, len(text)) == found
    assert HighlightPlugin.first_screen("/tmp/a.txt", "Plain Text", "let x\n", 6) is None
    assert HighlightPlugin.first_screen("/tmp/a.py", "Python", "", 0) is None

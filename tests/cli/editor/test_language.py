"""``symphony edit`` with the language server: the real app, a real ``symphony serve`` running its
bundled plugins, the real pylsp. Diagnostics in the gutter and the status line, status items,
hover, completion, go to definition and rename, each driven by its key."""

from __future__ import annotations

import asyncio

import pytest

from symphony.cli.editor import EditorView
from symphony.cli.editor._view import MARKER

from .conftest import GUTTER, ask, quit_editor, screen, texts, until

TEXT = "import os\n\n\ndef greet(name):\n    return name\n\n\ngreet('x')\n"


@pytest.fixture
def python_file(editor, tmp_path, monkeypatch):
    from tests.lsp.conftest import pylsp_config

    pylsp_config()  # skips without pylsp
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))  # the bundled plugins only

    def make(text, name="mod.py"):
        return editor(text, name=name)

    return make


def status(app):
    return str(app.query_one("#status").render())


def test_diagnostics_hover_definition_and_rename(python_file):
    path, app = python_file(TEXT)

    async def scenario():
        async with app.run_test(size=(80, 16)) as pilot:
            # the unused import: a marker on its line, its message while the caret is there
            await until(pilot, lambda: app.diagnostics.severity(0) == "warning")
            await until(pilot, lambda: screen(app)[0][GUTTER - 1] == MARKER)
            assert screen(app)[1][GUTTER - 1] == " "
            await until(pilot, lambda: "'os' imported but unused" in status(app))
            await until(pilot, lambda: "1 warning" in status(app))  # the plugin's status item (its own message)
            await pilot.click(EditorView, offset=(GUTTER + 1, 7))  # on "greet" in greet('x')
            await until(pilot, lambda: app.caret == (7, 1))
            assert "imported but unused" not in status(app)
            # hover: the signature, in a popup the next key closes
            await pilot.press("ctrl+k")
            await until(pilot, lambda: app.popup.kind == "hover" and "greet(name)" in app.popup.text)
            await until(pilot, lambda: any("greet(name)" in row for row in screen(app)))
            await pilot.press("escape")
            await until(pilot, lambda: not app.popup.kind)
            # go to definition: the caret jumps to the def
            await pilot.press("f12")
            await until(pilot, lambda: app.caret == (3, 4))
            # rename the parameter: every occurrence changes
            await pilot.press("right", "right", "right", "right", "right", "right", "right")
            await until(pilot, lambda: app.caret == (3, 11))
            await ask(pilot, app, "f2", "who")
            await until(pilot, lambda: texts(app)[3:5] == ["def greet(who):\n", "    return who\n"])
            await until(pilot, lambda: "renamed to who" in status(app))
            await quit_editor(pilot, app)

    asyncio.run(scenario())


def test_completion_popup_inserts_the_chosen_name(python_file):
    path, app = python_file("import os\nos.pa")

    async def scenario():
        async with app.run_test(size=(80, 20)) as pilot:
            await until(pilot, lambda: texts(app)[:2] == ["import os\n", "os.pa"] and app.view_id is not None)
            await pilot.press("ctrl+end")
            await until(pilot, lambda: app.caret == (1, 5))
            await until(pilot, lambda: "lsp" in " ".join(app.language.status.items))  # the plugin is up
            await pilot.press("ctrl+space")
            await until(pilot, lambda: app.popup.kind == "completion")
            labels = [item["label"] for item in app.popup.items]
            assert "path" in labels
            while app.popup.choice["label"] != "path":
                await pilot.press("down")
            await until(pilot, lambda: any("path" in row for row in screen(app)))
            await pilot.press("enter")
            await until(pilot, lambda: texts(app)[1:2] == ["os.path"] and not app.popup.kind)
            # Escape closes the list and inserts nothing
            await pilot.press("ctrl+space")
            await until(pilot, lambda: app.popup.kind == "completion")
            await pilot.press("escape")
            await until(pilot, lambda: not app.popup.kind)
            await pilot.press("x")
            await until(pilot, lambda: texts(app)[1:2] == ["os.pathx"])
            await quit_editor(pilot, app)

    asyncio.run(scenario())


def test_a_definition_in_another_file_is_named_and_plain_text_has_no_server(python_file, tmp_path):
    (tmp_path / "helper.py").write_text("\n\ndef thing():\n    return 1\n")
    path, app = python_file("import helper\n\nhelper.thing()\n")

    async def scenario():
        async with app.run_test(size=(100, 16)) as pilot:
            await until(pilot, lambda: texts(app)[2:3] == ["helper.thing()\n"] and app.view_id is not None)
            await until(pilot, lambda: "lsp" in " ".join(app.language.status.items))  # the plugin is up
            await pilot.click(EditorView, offset=(GUTTER + 8, 2))  # on "thing"
            await until(pilot, lambda: app.caret == (2, 8))
            await pilot.press("f12")
            await until(pilot, lambda: "helper.py:3:5" in status(app))
            assert app.caret == (2, 8)  # another file: the caret stays, the status line says where
            await quit_editor(pilot, app)

    asyncio.run(scenario())
    notes, app = python_file("", name="notes.txt")

    async def plain():
        async with app.run_test(size=(100, 16)) as pilot:
            await until(pilot, lambda: app.view_id is not None)
            await pilot.press("ctrl+space")
            await until(pilot, lambda: "no completions" in status(app) or "no language server" in status(app))
            assert not app.popup.kind
            await pilot.press("a", "ctrl+k")
            await until(pilot, lambda: texts(app)[:1] == ["a"])
            await quit_editor(pilot, app)

    asyncio.run(plain())

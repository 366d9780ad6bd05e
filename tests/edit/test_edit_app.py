"""``symphony edit`` driven by textual's pilot: type, use several cursors, save, quit."""

from __future__ import annotations

import asyncio
import os
import sys

import pytest

pytest.importorskip("textual")

from symphony.cli.editor import EditorApp  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


async def _until(pilot, condition, timeout=20.0):
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError("condition not met")
        await pilot.pause(0.02)


def _texts(app):
    return [line["text"] for line in app.cache.lines if line is not None]


#: Runs ``symphony serve`` once the file named by its argument exists.
GATED_SERVE = """import os, sys, time
while not os.path.exists(sys.argv[1]):
    time.sleep(0.01)
from symphony.cli import main
sys.exit(main(["serve"]))
"""


@pytest.fixture
def editor(tmp_path, monkeypatch):
    """Makes ``(path, app)``: a file holding ``text`` and an editor on it, its core a real ``symphony serve``.

    With ``gate``, the core starts only once that file exists.
    """
    monkeypatch.setenv("PYTHONPATH", ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))

    def make(text, gate=None):
        path = tmp_path / "notes.txt"
        path.write_text(text)
        argv = [sys.executable, "-m", "symphony", "serve"]
        if gate is not None:
            argv = [sys.executable, "-c", GATED_SERVE, str(gate)]
        return path, EditorApp(str(path), argv)

    return make


async def _quit(pilot, app):
    await pilot.press("ctrl+q")
    await _until(pilot, lambda: not app.is_running)


def test_type_save_quit(editor):
    path, app = editor("first\nsecond\n")

    async def scenario():
        async with app.run_test(size=(60, 12)) as pilot:
            await _until(pilot, lambda: _texts(app)[:2] == ["first\n", "second\n"])
            await pilot.press("h", "i", "space")
            await _until(pilot, lambda: _texts(app)[0] == "hi first\n")
            assert not app.pristine
            await pilot.press("home", "alt+down")  # a second cursor on the next line
            await pilot.press("greater_than_sign")
            await _until(pilot, lambda: _texts(app)[:2] == [">hi first\n", ">second\n"])
            await pilot.press("ctrl+z")
            await _until(pilot, lambda: _texts(app)[:2] == ["hi first\n", "second\n"])
            await pilot.press("ctrl+f", "s", "e", "c", "enter")  # find: selects "sec" in "second"
            await _until(pilot, lambda: app.matches == 1 and app.caret == (1, 3))
            from symphony.cli.editor._app import GUTTER, EditorView

            await pilot.click(EditorView, offset=(GUTTER + 2, 1))  # line 2, column 3
            await _until(pilot, lambda: app.caret == (1, 2))
            await pilot.press("ctrl+s")
            await _until(pilot, lambda: app.pristine and path.read_text() == "hi first\nsecond\n")
            assert "notes.txt" in str(app.query_one("#status").render())
            await _quit(pilot, app)
        assert app.core is None

    asyncio.run(scenario())


def test_keys_typed_while_the_file_opens_are_kept(editor, tmp_path):
    """The core shows the text before it answers ``new_view``; typing at once loses nothing."""
    gate = tmp_path / "start-the-core"
    path, app = editor("first\n", gate)

    async def scenario():
        async with app.run_test(size=(60, 12)) as pilot:
            await pilot.press("h", "i", "space", "ctrl+s")
            assert app.view_id is None  # the core has not started: these keys wait for the view
            gate.touch()
            await _until(pilot, lambda: path.read_text() == "hi first\n" and app.pristine)
            assert _texts(app)[0] == "hi first\n"
            await _quit(pilot, app)

    asyncio.run(scenario())

"""``symphony edit`` driven by textual's pilot: type, use several cursors, save, quit."""

from __future__ import annotations

import asyncio
import sys
import threading

from symphony.cli.editor import EditorView

from .conftest import GUTTER, ask, quit_editor, texts, until


def test_type_save_quit(editor):
    path, app = editor("first\nsecond\n")

    async def scenario():
        async with app.run_test(size=(60, 12)) as pilot:
            await until(pilot, lambda: texts(app)[:2] == ["first\n", "second\n"])
            await pilot.press("h", "i", "space")
            await until(pilot, lambda: texts(app)[0] == "hi first\n")
            assert not app.pristine
            await pilot.press("home", "alt+down")  # a second cursor on the next line
            await pilot.press("greater_than_sign")
            await until(pilot, lambda: texts(app)[:2] == [">hi first\n", ">second\n"])
            await pilot.press("ctrl+z")
            await until(pilot, lambda: texts(app)[:2] == ["hi first\n", "second\n"])
            await ask(pilot, app, "ctrl+f", "sec")  # find: selects "sec" in "second"
            await until(pilot, lambda: app.matches == 1 and app.caret == (1, 3))
            await pilot.click(EditorView, offset=(GUTTER + 2, 1))  # line 2, column 3
            await until(pilot, lambda: app.caret == (1, 2))
            await pilot.press("ctrl+s")
            await until(pilot, lambda: app.message.startswith("saved") and path.read_text() == "hi first\nsecond\n")
            assert app.pristine
            assert "notes.txt" in str(app.query_one("#status").render())
            await quit_editor(pilot, app)
        assert app.core is None

    asyncio.run(scenario())


def test_keys_typed_while_the_file_opens_are_kept(editor, tmp_path):
    """Keys typed before the core has opened the file are sent once it has; the save comes after them."""
    gate = tmp_path / "start-the-core"
    path, app = editor("first\n", gate)

    async def scenario():
        async with app.run_test(size=(60, 12)) as pilot:
            await pilot.press("h", "i", "space", "ctrl+s")
            assert app.view_id is None  # the core has not started: these keys wait for the view
            gate.touch()
            # the save's answer comes after the updates of the keys before it: wait for it, not the file
            await until(pilot, lambda: app.message.startswith("saved"))
            assert path.read_text() == "hi first\n"
            await until(pilot, lambda: texts(app)[:1] == ["hi first\n"] and app.pristine)
            await quit_editor(pilot, app)

    asyncio.run(scenario())


#: ``symphony serve`` behind a pipe that, when the editor closes the core's input, sends one
#: more notification (as a core does whose disk watcher fires while it shuts down).
CHATTY_SERVE = """import subprocess, sys, threading
core = subprocess.Popen([sys.executable, "-m", "symphony", "serve"], stdin=subprocess.PIPE)
for line in sys.stdin.buffer:
    core.stdin.write(line)
    core.stdin.flush()
core.stdin.close()
core.wait()
sys.stdout.write('{"method": "alert", "params": {"msg": "bye"}}\\n')
sys.stdout.flush()
"""


def test_quitting_while_the_core_talks_ends_the_reader(editor, monkeypatch):
    """A notification that arrives while the editor closes neither stalls the quit nor breaks the reader."""
    failures = []
    monkeypatch.setattr(threading, "excepthook", lambda args: failures.append(args))
    path, app = editor("text\n", argv=[sys.executable, "-c", CHATTY_SERVE])

    async def scenario():
        async with app.run_test(size=(60, 12)) as pilot:
            await until(pilot, lambda: texts(app)[:1] == ["text\n"] and app.view_id is not None)
            core = app.core
            await quit_editor(pilot, app)
        return core

    core = asyncio.run(scenario())
    assert not core._reader.is_alive()  # ended when the core closed its output, not abandoned
    assert core.proc.stdout.closed
    assert failures == []

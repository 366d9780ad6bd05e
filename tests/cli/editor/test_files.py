"""Files: saving where it cannot, a file changed on disk, and what the editor refuses to open."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys

import pytest

from .conftest import ROOT, quit_editor, screen, texts, until


def test_saving_into_a_missing_directory_names_the_file(editor, tmp_path):
    path, app = editor(None, name="missing/notes.txt")

    async def scenario():
        async with app.run_test(size=(120, 12)) as pilot:
            await until(pilot, lambda: app.view_id is not None)
            await pilot.press("a", "ctrl+s")
            await until(pilot, lambda: app.message.startswith("cannot save"))
            assert str(path) in app.message and ".~" not in app.message
            assert "no directory" in app.message
            await quit_editor(pilot, app)
        assert not path.parent.exists()

    asyncio.run(scenario())


def test_a_change_on_disk_is_shown_whole_and_saving_asks_first(editor, tmp_path):
    path, app = editor("mine\n", name="a-rather-long-file-name-for-the-status-line-to-show.txt")

    async def scenario():
        async with app.run_test(size=(100, 12)) as pilot:
            await until(pilot, lambda: texts(app)[:1] == ["mine\n"] and app.view_id is not None)
            await pilot.press("X")
            await until(pilot, lambda: not app.pristine)
            path.write_text("theirs, a longer text than before\n")
            await until(pilot, lambda: "changed on disk" in app.message)

            def alert_shown():  # the whole alert is on screen
                shown = " ".join(row.strip() for row in screen(app))
                return " ".join(app.message.split()) in " ".join(shown.split())

            await until(pilot, alert_shown)
            await pilot.press("ctrl+s")  # asks, does not overwrite
            await until(pilot, lambda: "Ctrl+S again" in app.message)
            assert path.read_text() == "theirs, a longer text than before\n"
            await pilot.press("ctrl+s")  # the second time it overwrites
            await until(pilot, lambda: app.message.startswith("saved"))
            assert path.read_text() == "Xmine\n"
            await quit_editor(pilot, app)

    asyncio.run(scenario())


def test_saving_asks_when_the_file_changed_on_disk(editor, tmp_path):
    path, app = editor("mine\n")

    async def scenario():
        async with app.run_test(size=(100, 12)) as pilot:
            await until(pilot, lambda: texts(app)[:1] == ["mine\n"] and app.view_id is not None)
            await pilot.press("X")
            await until(pilot, lambda: not app.pristine)
            path.write_text("theirs\n")
            os.utime(path, ns=(1, 1))  # a stamp that differs whatever the clock's resolution
            await pilot.press("ctrl+s")  # before or after the core reports the change: it asks
            await until(pilot, lambda: "Ctrl+S again" in app.message or "asks before overwriting" in app.message)
            assert path.read_text() == "theirs\n"
            await quit_editor(pilot, app)

    asyncio.run(scenario())


def _edit(path):
    env = {**os.environ, "PYTHONPATH": ROOT + os.pathsep + os.environ.get("PYTHONPATH", "")}
    return subprocess.run([sys.executable, "-m", "symphony", "edit", str(path)], capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, env=env, timeout=120)


@pytest.mark.parametrize("kind", ["directory", "binary", "latin-1"])
def test_symphony_edit_refuses_what_it_cannot_edit(tmp_path, kind):
    target = tmp_path / "thing"
    if kind == "directory":
        target.mkdir()
    elif kind == "binary":
        target.write_bytes(b"\x7fELF\x02\x01\x01\x00\x00\x00")
    else:
        target.write_bytes("caf\u00e9 au lait\n".encode("latin-1"))
    done = _edit(target)
    assert done.returncode == 1
    assert done.stderr.startswith("symphony edit: ") and str(target) in done.stderr
    assert {"directory": "is a directory", "binary": "binary", "latin-1": "not UTF-8"}[kind] in done.stderr
    assert "Traceback" not in done.stderr

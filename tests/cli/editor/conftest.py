"""The editor under textual's pilot, its core a real ``symphony serve`` subprocess."""

from __future__ import annotations

import asyncio
import os
import sys

import pytest

pytest.importorskip("textual")

from symphony.cli.editor import EditorApp  # noqa: E402
from symphony.cli.editor._view import GUTTER  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

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

    With ``gate``, the core starts only once that file exists; ``argv`` replaces the core's command.
    """
    monkeypatch.setenv("PYTHONPATH", ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))

    def make(text, gate=None, name="notes.txt", argv=None):
        path = tmp_path / name
        if text is not None:
            path.write_text(text)
        if argv is None:
            argv = [sys.executable, "-m", "symphony", "serve"]
            if gate is not None:
                argv = [sys.executable, "-c", GATED_SERVE, str(gate)]
        return path, EditorApp(str(path), argv)

    return make


async def until(pilot, condition, timeout=float(os.environ.get("EDIT_TEST_TIMEOUT", 60))):
    """Wait (on the app's loop) until ``condition()`` holds; the timeout only ends a broken run."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError("condition not met")
        await pilot.pause(0.02)


def texts(app):
    """The cached lines' texts (the lines the editor holds)."""
    return [line["text"] for line in app.cache.lines if line is not None]


def screen(app):
    """The editor's rows as they are on the terminal (after the last refresh)."""
    strips = app.screen._compositor.render_strips()
    return [strip.text for strip in strips]


def cursor_cells(app):
    """(row, column) of each cursor cell drawn in the text area."""
    region = app.editor_view.region
    cells = []
    for y, strip in enumerate(app.screen._compositor.render_strips()):
        if not region.y <= y < region.bottom:
            continue
        x = 0
        for seg in strip:
            style = seg.style
            if style is not None and style.reverse and style.blink:
                cells.extend((y - region.y, x + k) for k in range(len(seg.text)))
            x += len(seg.text)
    return cells


def caret_on_screen(app):
    """Whether a cursor cell is drawn at the caret's place (its row, right of the gutter)."""
    row = app.caret[0] - app.first
    return any(r == row and c >= GUTTER for r, c in cursor_cells(app))


async def quit_editor(pilot, app):
    await pilot.press("ctrl+q")
    if app.is_running and not app.pristine:
        await pilot.press("ctrl+q")
    await until(pilot, lambda: not app.is_running)


async def ask(pilot, app, key, answer):
    """Open the prompt with ``key``, type ``answer`` into it and submit; waits for each focus change
    (textual moves the focus after the key that asks for it, so typing at once could miss the prompt)."""
    prompt = app.query_one("#prompt")
    await pilot.press(key)
    await until(pilot, lambda: app.focused is prompt)
    await pilot.press(*answer)
    await until(pilot, lambda: prompt.value == answer)
    await pilot.press("enter")
    await until(pilot, lambda: app.focused is app.editor_view)

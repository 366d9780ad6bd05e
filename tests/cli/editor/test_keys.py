"""Keys: Ctrl+D adds the next match, F3/Shift+F3 as real terminals send them, the footer and the help screen."""

from __future__ import annotations

import asyncio

import pytest
from textual._xterm_parser import XTermParser

from symphony.cli.editor import EditorApp
from symphony.cli.editor._keys import HELP, LANGUAGE_KEYS, key_label

from .conftest import ask, quit_editor, screen, texts, until


def test_ctrl_d_adds_a_cursor_at_each_next_match(editor):
    path, app = editor("foo bar foo baz foo\nfoo\n")

    async def scenario():
        async with app.run_test(size=(60, 12)) as pilot:
            await until(pilot, lambda: texts(app)[:1] == ["foo bar foo baz foo\n"] and app.view_id is not None)
            await pilot.press("right")  # the caret inside the first "foo"
            await until(pilot, lambda: app.caret == (0, 1))
            await pilot.press("ctrl+d")  # selects the word
            await until(pilot, lambda: app.caret == (0, 3) and app.cache.line(0).get("styles"))
            for expected in (2, 3, 4):
                await pilot.press("ctrl+d")
                await until(pilot, lambda: app.cursors == expected)
            await pilot.press("X")
            await until(pilot, lambda: texts(app)[:2] == ["X bar X baz X\n", "X\n"])
            await quit_editor(pilot, app)

    asyncio.run(scenario())


def _events(raw):
    """The events textual's input parser makes of the bytes ``raw`` a terminal sends."""
    parser = XTermParser()
    return [*parser.feed(raw), *parser.feed("")]


#: What F3 and Shift+F3 send in each terminal.
TERMINALS = {
    "xterm": ("\x1bOR", "\x1b[1;2R"),
    "tmux": ("\x1bOR", "\x1b[1;2R"),
    "linux console": ("\x1b[[C", "\x1b[28~"),
}


@pytest.mark.parametrize("terminal", sorted(TERMINALS))
def test_f3_and_shift_f3_as_terminals_send_them(editor, terminal):
    f3, shift_f3 = TERMINALS[terminal]
    path, app = editor("ab ab ab\n")

    async def send(pilot, raw):
        for event in _events(raw):
            event.set_sender(app)
            app.post_message(event)

    async def scenario():
        async with app.run_test(size=(60, 12)) as pilot:
            await until(pilot, lambda: texts(app)[:1] == ["ab ab ab\n"])
            await ask(pilot, app, "ctrl+f", "ab")
            await until(pilot, lambda: app.caret == (0, 2))
            await send(pilot, f3)
            await until(pilot, lambda: app.caret == (0, 5))
            await send(pilot, f3)
            await until(pilot, lambda: app.caret == (0, 8))
            await send(pilot, shift_f3)
            await until(pilot, lambda: app.caret == (0, 5))  # back to the second match
            await send(pilot, shift_f3)
            await until(pilot, lambda: app.caret == (0, 2))
            await quit_editor(pilot, app)

    asyncio.run(scenario())


def test_the_footer_shows_the_main_keys(editor):
    path, app = editor("text\n")

    async def scenario():
        async with app.run_test(size=(100, 12)) as pilot:
            await until(pilot, lambda: texts(app)[:1] == ["text\n"])
            await until(pilot, lambda: all(word in screen(app)[-1] for word in ("Save", "Quit", "Find", "Help")))
            await quit_editor(pilot, app)

    asyncio.run(scenario())


def test_the_help_screen_lists_every_binding(editor):
    path, app = editor("text\n")
    listed = " / ".join(keys for keys, _ in HELP).replace(", ", " / ")
    bound = set(EditorApp.KEYMAP) | {b.key for b in EditorApp.BINDINGS} | {"ctrl+c", "ctrl+x", "ctrl+v", "ctrl+d"} \
        | set(LANGUAGE_KEYS)
    missing = [key for key in bound if key_label(key) not in listed.split(" / ")]
    assert missing == []

    async def scenario():
        async with app.run_test(size=(200, 60)) as pilot:
            await until(pilot, lambda: texts(app)[:1] == ["text\n"])
            await pilot.press("f1")
            await until(pilot, lambda: "Ctrl+D" in "\n".join(screen(app)))
            shown = "\n".join(screen(app))
            for keys, what in HELP:
                assert keys in shown and what in shown
            await pilot.press("escape")
            await until(pilot, lambda: "Ctrl+D" not in "\n".join(screen(app)) and app.focused is app.editor_view)
            await pilot.press("x")  # back to editing
            await until(pilot, lambda: texts(app)[:1] == ["xtext\n"])
            await quit_editor(pilot, app)

    asyncio.run(scenario())

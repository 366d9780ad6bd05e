"""The status line counts every cursor, not only those on screen; replace-all leaves one caret."""

from __future__ import annotations

import asyncio

from .conftest import ask, quit_editor, texts, until


def _status(app):
    return str(app.query_one("#status").render())


def test_the_status_counts_cursors_off_screen(editor):
    path, app = editor("".join(f"line {i}\n" for i in range(200)))

    async def scenario():
        async with app.run_test(size=(60, 12)) as pilot:
            await until(pilot, lambda: len(texts(app)) >= 10 and app.view_id is not None)
            for _ in range(120):  # cursors on lines 1-121; the view follows the last
                await pilot.press("alt+down")
            await until(pilot, lambda: app.caret == (120, 0) and "121 cursors" in _status(app))
            await pilot.press("escape")
            await until(pilot, lambda: app.cursors == 1 and "cursors" not in _status(app))
            await quit_editor(pilot, app)

    asyncio.run(scenario())


def test_replace_all_leaves_one_caret(editor):
    path, app = editor("".join(f"a x {i}\n" for i in range(60)))

    async def scenario():
        async with app.run_test(size=(60, 12)) as pilot:
            await until(pilot, lambda: len(texts(app)) >= 10 and app.view_id is not None)
            await ask(pilot, app, "ctrl+r", "x => yy")
            # replaced (the view has followed the last replacement, so look at any line) and one caret left
            await until(pilot, lambda: any(t.startswith("a yy ") for t in texts(app)) and app.cursors == 1)
            await pilot.press("Z")  # types once, at the one caret
            await pilot.press("ctrl+s")
            await until(pilot, lambda: app.message.startswith("saved"))
            saved = path.read_text()
            assert saved.count("Z") == 1 and saved.count("yy") == 60
            assert app.cursors == 1 and "cursors" not in _status(app)
            await quit_editor(pilot, app)

    asyncio.run(scenario())

"""The view follows the caret: long lines scroll sideways, resizes and wrap toggles keep it on screen."""

from __future__ import annotations

import asyncio

from .conftest import GUTTER, ask, caret_on_screen, quit_editor, screen, texts, until


def test_long_lines_scroll_sideways_and_keep_the_gutter(editor):
    long = "x" * 150 + "END"
    path, app = editor(f"short\n{long}\nthird\n")

    async def scenario():
        async with app.run_test(size=(60, 12)) as pilot:
            await until(pilot, lambda: len(texts(app)) >= 3)
            rows = screen(app)
            # one row per line: the long line does not spill onto the next row
            assert rows[0].startswith("     1 short")
            assert rows[1].startswith("     2 xxx")
            assert rows[2].startswith("     3 third")
            await pilot.press("down", "end")
            await until(pilot, lambda: app.caret == (1, 153) and "END" in screen(app)[1] and caret_on_screen(app))
            assert screen(app)[1].startswith("     2 ")  # the gutter stays while the text scrolls
            assert screen(app)[2].startswith("     3 ")
            await pilot.press("Z")
            await until(pilot, lambda: "ENDZ" in screen(app)[1] and caret_on_screen(app))
            await pilot.press("down")  # to the short line: the view scrolls back
            await until(pilot, lambda: app.caret == (2, 5) and "third" in screen(app)[2] and caret_on_screen(app))
            await pilot.press("up", "end", "left", "left")
            await until(pilot, lambda: app.caret == (1, 152) and caret_on_screen(app))
            await quit_editor(pilot, app)

    asyncio.run(scenario())


def test_the_caret_stays_on_screen_after_a_resize(editor):
    path, app = editor("".join(f"line {i}\n" for i in range(1, 101)))

    async def scenario():
        async with app.run_test(size=(60, 20)) as pilot:
            await until(pilot, lambda: len(texts(app)) >= 10)
            await ask(pilot, app, "ctrl+g", "51")
            await until(pilot, lambda: app.caret == (50, 0) and caret_on_screen(app))
            for size in ((60, 10), (40, 30), (80, 8)):
                await pilot.resize_terminal(*size)
                await until(pilot, lambda: app.editor_view.size.width == size[0]
                            and caret_on_screen(app) and any(r.startswith("    51 ") for r in screen(app)))
            await pilot.press("Q")
            await until(pilot, lambda: any(r.startswith("    51 Qline 51") for r in screen(app)) and caret_on_screen(app))
            await quit_editor(pilot, app)

    asyncio.run(scenario())


def test_the_caret_stays_on_screen_after_a_wrap_toggle(editor):
    # lines 1-50 are long, so wrapping moves line 51 many rows down
    text = "".join(f"line {i} " + "word " * 30 + "\n" for i in range(1, 51))
    text += "".join(f"line {i}\n" for i in range(51, 101))
    path, app = editor(text)

    def caret_row_text():
        line = app.cache.line(app.caret[0])
        return line["text"] if line else ""

    async def scenario():
        async with app.run_test(size=(60, 12)) as pilot:
            await until(pilot, lambda: len(texts(app)) >= 10)
            await ask(pilot, app, "ctrl+g", "51")
            await until(pilot, lambda: app.caret == (50, 0) and caret_on_screen(app))
            await pilot.press("ctrl+w")  # wrap on
            await until(pilot, lambda: app.word_wrap and app.caret[0] > 50 and caret_row_text() == "line 51\n"
                        and caret_on_screen(app))
            await pilot.press("Q")
            await until(pilot, lambda: caret_row_text() == "Qline 51\n" and caret_on_screen(app))
            await pilot.resize_terminal(40, 10)  # the lines wrap anew: the caret is found again
            await until(pilot, lambda: app.editor_view.size.width == 40 and caret_row_text() == "Qline 51\n"
                        and caret_on_screen(app))
            await pilot.press("ctrl+w")  # wrap off
            await until(pilot, lambda: not app.word_wrap and app.caret == (50, 1) and caret_on_screen(app))
            await pilot.press("end", "R")
            await until(pilot, lambda: caret_row_text() == "Qline 51R\n" and caret_on_screen(app))
            await quit_editor(pilot, app)

    asyncio.run(scenario())


def test_typing_after_scrolling_away_brings_the_caret_back(editor):
    path, app = editor("".join(f"line {i}\n" for i in range(1, 101)))

    async def scenario():
        async with app.run_test(size=(60, 12)) as pilot:
            await until(pilot, lambda: len(texts(app)) >= 10 and app.view_id is not None)
            await pilot.press("right", "left")  # the core has told where the caret is
            await until(pilot, lambda: app.caret == (0, 0) and caret_on_screen(app))
            app.scroll_by(60)  # the mouse wheel moves the view, not the caret
            await until(pilot, lambda: not caret_on_screen(app) and screen(app)[0].startswith("    61 "))
            await pilot.press("delete")  # an edit that leaves the caret where it is
            await until(pilot, lambda: screen(app)[app.caret[0] - app.first].startswith("     1 ine 1")
                        and caret_on_screen(app))
            await quit_editor(pilot, app)

    asyncio.run(scenario())


def test_a_caret_after_a_line_as_wide_as_the_view_is_shown_when_wrapping(editor):
    path, app = editor("x" * (60 - GUTTER) + "\nnext\n")

    async def scenario():
        async with app.run_test(size=(60, 12)) as pilot:
            await until(pilot, lambda: len(texts(app)) >= 2 and app.view_id is not None)
            await pilot.press("ctrl+w", "end")
            await until(pilot, lambda: app.word_wrap and app.caret[1] > 0 and caret_on_screen(app))
            await quit_editor(pilot, app)

    asyncio.run(scenario())

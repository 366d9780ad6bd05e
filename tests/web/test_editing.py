"""The page's editor surface in a real browser (Debian chromium under Playwright), driving a real
``symphony web`` server: typing, multi-cursor, undo/redo, IME, clipboard, mouse, save.

Every check reads the page's state through its ``window.symphony`` hooks (the painted lines and
carets), or the file on disk, after ``symphony.whenIdle()``; never a duration.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from .page_state import contents, cursors, idle, lines


def click(page: Any, row: int, col: int, *, alt: bool = False, count: int = 1) -> None:
    x, y = page.evaluate(f"symphony.pointAt({row}, {col})")
    if alt:
        page.keyboard.down("Alt")
    page.mouse.click(x, y, click_count=count)
    if alt:
        page.keyboard.up("Alt")
    idle(page)


@pytest.fixture
def open_text(web_server, page_for, tmp_path):
    """A page editing a new file holding ``text``: ``(page, path)``; the page must raise no
    uncaught exception."""
    pages = []

    def make(text: str, name: str = "doc.txt") -> tuple[Any, Path]:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        page = page_for(web_server(path))
        pages.append(page)
        idle(page)
        return page, path

    yield make
    for page in pages:
        assert page.errors == []


def test_typing_inserts_at_the_caret_and_paints_it(open_text, screenshot):
    page, _ = open_text("hello\nworld\n")
    assert lines(page)[:3] == ["hello", "world", ""]
    assert cursors(page) == [[0, 0]]
    page.keyboard.type("abc ")
    assert lines(page)[:2] == ["abc hello", "world"]
    assert cursors(page) == [[0, 4]]
    page.keyboard.press("End")
    page.keyboard.press("Enter")
    page.keyboard.type("new line")
    assert lines(page)[:3] == ["abc hello", "new line", "world"]
    assert cursors(page) == [[1, 8]]
    page.keyboard.press("Backspace")
    page.keyboard.press("Backspace")
    assert contents(page) == "abc hello\nnew li\nworld\n"
    # the page measured each key to its painted frame
    assert len(page.evaluate("symphony.metrics.keyToPaint")) >= 10
    screenshot(page, "typing")


def test_arrows_home_end_and_shift_selection(open_text):
    page, _ = open_text("one two\nthree\n")
    page.keyboard.press("End")
    assert cursors(page) == [[0, 7]]
    page.keyboard.press("ArrowDown")
    assert cursors(page) == [[1, 5]]
    page.keyboard.press("Home")
    page.keyboard.press("Shift+ArrowRight")
    page.keyboard.press("Shift+ArrowRight")
    page.keyboard.type("TH")
    assert lines(page)[:2] == ["one two", "THree"]
    page.keyboard.press("Control+Home")
    page.keyboard.press("Control+Shift+ArrowRight")
    page.keyboard.type("1")
    assert lines(page)[:2] == ["1 two", "THree"]
    page.keyboard.press("Control+a")
    page.keyboard.type("all")
    assert contents(page) == "all"


def test_tab_and_shift_tab_indent(open_text):
    page, _ = open_text("a\nb\n")
    page.keyboard.press("Tab")
    first = lines(page)[0]
    assert first is not None and first.endswith("a") and first.strip() == "a" and len(first) > 1
    page.keyboard.press("Shift+Tab")
    assert lines(page)[0] == "a"


def test_multi_cursor_by_alt_click_and_add_cursor_keys(open_text, screenshot):
    page, _ = open_text("alpha\nbeta\ngamma\ndelta\n")
    click(page, 0, 1)
    assert cursors(page) == [[0, 1]]
    click(page, 2, 3, alt=True)
    assert cursors(page) == [[0, 1], [2, 3]]
    page.keyboard.press("Control+Alt+ArrowDown")
    assert cursors(page) == [[0, 1], [2, 3], [3, 3]]
    page.keyboard.type("X")
    assert lines(page)[:4] == ["aXlpha", "beta", "gamXma", "delXta"]
    assert cursors(page) == [[0, 2], [2, 4], [3, 4]]
    screenshot(page, "multi_cursor")
    page.keyboard.press("Backspace")
    assert lines(page)[:4] == ["alpha", "beta", "gamma", "delta"]
    page.keyboard.press("Escape")  # back to one caret
    assert len(cursors(page)) == 1
    page.keyboard.press("Control+d")  # another caret below
    assert len(cursors(page)) == 2


def test_undo_and_redo(open_text):
    page, _ = open_text("base\n")
    page.keyboard.type("one ")
    assert lines(page)[0] == "one base"
    page.keyboard.press("Control+z")
    assert lines(page)[0] == "base"
    page.keyboard.press("Control+y")
    assert lines(page)[0] == "one base"
    page.keyboard.press("Control+z")
    page.keyboard.press("Control+Shift+z")
    assert lines(page)[0] == "one base"


def test_ime_composition_commits_once(open_text, screenshot):
    page, _ = open_text("end\n")
    cdp = page.context.new_cdp_session(page)
    cdp.send("Input.imeSetComposition", {"text": "に", "selectionStart": 1, "selectionEnd": 1})
    cdp.send("Input.imeSetComposition", {"text": "にほ", "selectionStart": 2, "selectionEnd": 2})
    # while composing nothing reaches the document
    assert lines(page)[0] == "end"
    screenshot(page, "ime_composing")
    cdp.send("Input.insertText", {"text": "日本"})
    assert lines(page)[0] == "日本end"
    assert cursors(page) == [[0, 6]]  # UTF-8 columns
    # a dead key then its letter (composition of "´" committed as "é")
    cdp.send("Input.imeSetComposition", {"text": "´", "selectionStart": 1, "selectionEnd": 1})
    cdp.send("Input.insertText", {"text": "é"})
    assert lines(page)[0] == "日本éend"
    page.keyboard.type("!")
    assert contents(page) == "日本é!end\n"


def test_paste_and_copy_cut_through_the_core(open_text):
    page, _ = open_text("hello world\n")
    page.evaluate("""(() => {
        const dt = new DataTransfer();
        dt.setData('text/plain', 'PASTED ');
        document.querySelector('.ed-input').dispatchEvent(
            new ClipboardEvent('paste', {clipboardData: dt, bubbles: true, cancelable: true}));
    })()""")
    assert lines(page)[0] == "PASTED hello world"
    # double click selects a word; copy takes it through the core's `copy`
    click(page, 0, 9, count=2)
    page.keyboard.press("Control+c")
    idle(page)
    assert page.evaluate("symphony.clipboard()") == "hello"
    page.keyboard.press("Control+x")
    idle(page)
    assert lines(page)[0] == "PASTED  world"
    page.keyboard.press("End")
    page.keyboard.press("Control+v")
    assert lines(page)[0] == "PASTED  worldhello"
    # a paste of several lines
    page.evaluate("symphony.paste('a\\nb')")
    assert contents(page) == "PASTED  worldhelloa\nb\n"


def test_mouse_drag_and_triple_click_select(open_text):
    page, _ = open_text("first line\nsecond line\n")
    x0, y0 = page.evaluate("symphony.pointAt(0, 0)")
    x1, y1 = page.evaluate("symphony.pointAt(0, 5)")
    page.mouse.move(x0, y0)
    page.mouse.down()
    page.mouse.move((x0 + x1) / 2, y0)
    page.mouse.move(x1, y1)
    page.mouse.up()
    idle(page)
    assert page.evaluate("symphony.app.editRequest(symphony.activeView(), 'copy')") == "first"
    assert page.locator(".ed-text span.s0").count() >= 1  # the selection is painted
    click(page, 1, 2, count=3)
    assert page.evaluate("symphony.app.editRequest(symphony.activeView(), 'copy')") == "second line\n"


def test_save_writes_the_file(open_text):
    page, path = open_text("draft\n")
    page.keyboard.type("final ")
    idle(page)
    assert page.evaluate("symphony.views()")[0]["pristine"] is False
    page.keyboard.press("Control+s")
    idle(page)
    assert path.read_text(encoding="utf-8") == "final draft\n"
    assert page.evaluate("symphony.views()")[0]["pristine"] is True


def test_syntax_styles_from_def_style(open_text, screenshot):
    page, _ = open_text("def greet(name):\n    return name  # hi\n", name="mod.py")
    page.wait_for_function("() => document.querySelectorAll('.ed-line span[class^=s]').length > 0")
    colours = page.evaluate("""[...document.querySelectorAll('.ed-line span[class^=s]')]
        .map(e => getComputedStyle(e).color)""")
    plain = page.evaluate("getComputedStyle(document.querySelector('.ed-text')).color")
    assert any(c != plain for c in colours)
    screenshot(page, "styles")


def test_app_view_state_for_the_chrome(open_text):
    page, path = open_text("héllo\nwörld\n")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("End")
    idle(page)
    state = page.evaluate("symphony.app.viewState(symphony.activeView())")
    assert state["path"] == str(path)
    assert state["pristine"] is True
    assert state["cursors"] == [[1, 5]]  # logical line, column in characters (not UTF-8 bytes)
    assert state["lineCount"] == 3
    assert state["config"]["line_ending"] == "\n"
    assert state["language"]
    assert page.evaluate("symphony.app.views()") == [page.evaluate("symphony.activeView()")]

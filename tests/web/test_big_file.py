"""A 100 MB file in the page: the right lines at the top, the middle and the end, edits far into
it, and a DOM and a line cache that stay bounded (only the screen plus a margin)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from .page_state import idle, lines

LINES = 1_000_000
WIDTH = 100  # bytes a line, with its newline: 100 MB


def line_text(i: int) -> str:
    head = f"line {i:07d} "
    return head + "abcdefghij" * ((WIDTH - 1 - len(head)) // 10) + "x" * ((WIDTH - 1 - len(head)) % 10)


@pytest.fixture(scope="module")
def big_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("big") / "big.txt"
    with path.open("w", encoding="ascii") as f:
        chunk = 10_000
        for start in range(0, LINES, chunk):
            f.write("".join(line_text(i) + "\n" for i in range(start, start + chunk)))
    assert path.stat().st_size == LINES * WIDTH
    return path


#: While scrolling, the page asks for up to this many screens more, ahead (editor.js).
LOOKAHEAD_SCREENS = 8


def assert_bounded(page: Any, *, scrolled: bool = False) -> None:
    screen = len(page.evaluate("symphony.visibleLines()"))
    assert page.evaluate("symphony.domLines()") <= 2 * screen + 10
    # the line cache: the screen, one screen of margin each side, the core's 20 lines each side
    # (after fast scrolling, the lines asked for ahead of it too)
    held = page.evaluate("symphony.heldLines()")
    assert held <= (5 + (LOOKAHEAD_SCREENS if scrolled else 0)) * screen + 100


@pytest.mark.slow
def test_100mb_file_scrolled_top_middle_end(big_file, web_server, page_for, screenshot):
    page = page_for(web_server(big_file))
    idle(page)
    views = page.evaluate("symphony.views()")
    assert views[0]["lines"] == LINES + 1  # the empty line after the last newline
    shown = lines(page)
    assert shown[0] == line_text(0) and shown[1] == line_text(1)
    screen = len(shown)
    assert screen > 10
    assert_bounded(page)

    # the middle, as the wheel scrolls
    page.evaluate(f"symphony.scrollBy({LINES // 2})")
    shown = lines(page)
    assert shown[0] == line_text(LINES // 2)
    assert shown[screen - 1] == line_text(LINES // 2 + screen - 1)
    assert_bounded(page)

    # the end
    page.evaluate(f"symphony.scrollBy({LINES * 2})")
    shown = lines(page)
    assert shown[-1] == ""
    assert shown[-2] == line_text(LINES - 1)
    assert_bounded(page)

    # the mouse wheel moves the view too
    page.evaluate("symphony.scrollTo(1000)")
    idle(page)
    x, y = page.evaluate("symphony.pointAt(1005, 0)")
    page.mouse.move(x, y)
    page.mouse.wheel(0, 20 * 10)  # ten lines
    shown = lines(page)
    assert shown[0] == line_text(1010)

    # the core moves the caret far away: the view follows it, and typing there edits that line
    view = page.evaluate("symphony.activeView()")
    page.evaluate(f"symphony.app.edit({view!r}, 'goto_line', {{line: 750000}})")
    shown = lines(page)
    assert line_text(750000) in shown
    assert [750000, 0] in page.evaluate("symphony.cursors()")
    page.keyboard.type("EDIT ")
    shown = lines(page)
    assert "EDIT " + line_text(750000) in shown
    assert_bounded(page)
    screenshot(page, "big_file")

    # scrolling 60 lines a frame, as the benchmark does: every frame measured, the DOM bounded
    page.evaluate("symphony.resetMetrics()")
    page.evaluate("""new Promise(done => {
        let n = 0;
        const step = () => { symphony.scrollBy(60); if (++n < 60) requestAnimationFrame(step); else done(); };
        requestAnimationFrame(step);
    })""")
    assert len(page.evaluate("symphony.metrics.frames")) >= 50
    shown = lines(page)
    assert shown[0] is not None and shown[0].startswith("line ")
    assert_bounded(page, scrolled=True)
    first = page.evaluate("symphony.metrics.firstScreen")
    assert first is None or first["painted"] is None or first["painted"] >= first["firstUpdate"] >= first["sent"]


def test_a_very_long_line_is_painted_around_the_caret(tmp_path, web_server, page_for):
    path = tmp_path / "long.txt"
    line = "".join(f"{i:06d}," for i in range(30_000))  # 210,000 characters
    path.write_text(line + "\nnext\n", encoding="ascii")
    page = page_for(web_server(path))
    idle(page)
    assert lines(page)[0] == line
    # the DOM holds a window of the line, not all of it
    painted = page.evaluate("document.querySelector('.ed-line:not([hidden])').textContent.length")
    assert painted < 10_000
    page.keyboard.press("End")
    idle(page)
    assert page.evaluate("symphony.cursors()")[0] == [0, len(line)]
    caret = page.evaluate("""(() => { const c = document.querySelector('.ed-line .caret').getBoundingClientRect();
        const t = document.querySelector('.ed-text').getBoundingClientRect();
        return [c.left >= t.left && c.left <= t.right, c.top >= t.top && c.bottom <= t.bottom]; })()""")
    assert caret == [True, True]
    page.keyboard.type("END")
    idle(page)
    assert lines(page)[0] == line + "END"
    # a click near the end of the line puts the caret where the click was
    x, y = page.evaluate(f"symphony.pointAt(0, {len(line) - 7})")
    page.mouse.click(x, y)
    idle(page)
    assert page.evaluate("symphony.cursors()") == [[0, len(line) - 7]]
    assert page.errors == []

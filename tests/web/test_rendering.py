"""What the page paints from the core's notifications, in a real browser: the language server's
diagnostics as wavy underlines with their message, the theme's colours, soft wrapping at the
page's own width (``measure_width`` answered with canvas widths), selections."""

from __future__ import annotations


import pytest

from .page_state import idle, lines


def test_diagnostics_are_wavy_underlines_with_their_message(tmp_path, monkeypatch, web_server, page_for, screenshot):
    from tests.lsp.conftest import pylsp_config

    pylsp_config()  # skips without pylsp
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))  # the bundled plugins only
    path = tmp_path / "mod.py"
    path.write_text("import os\n\n\ndef greet(name):\n    return name\n", encoding="utf-8")
    page = page_for(web_server(path))
    page.wait_for_function("""() => [...document.querySelectorAll('.ed-line .diag')]
        .some(e => e.title.includes('imported but unused'))""", timeout=120_000)
    diag = page.locator(".ed-line .diag[title*='imported but unused']").first
    assert "imported but unused" in (diag.get_attribute("title") or "")
    style = page.evaluate("getComputedStyle(document.querySelector('.ed-line .diag')).textDecorationLine")
    assert "underline" in style
    style = page.evaluate("getComputedStyle(document.querySelector('.ed-line .diag')).textDecorationStyle")
    assert style == "wavy"
    # on the first line, under "os" (or the whole import)
    first_line = page.locator(".ed-line:not([hidden])").first
    assert first_line.locator(".diag").count() >= 1
    diag.hover()
    screenshot(page, "diagnostic")
    # the diagnostic goes once the import is used
    page.keyboard.press("Control+End")
    page.keyboard.type("print(os.sep)\n")
    page.wait_for_function("""() => ![...document.querySelectorAll('.ed-line .diag')]
        .some(e => e.title.includes('imported but unused'))""", timeout=120_000)
    assert page.errors == []


def test_theme_colours_and_a_new_theme(tmp_path, web_server, page_for):
    path = tmp_path / "a.py"
    path.write_text("x = 1\n", encoding="utf-8")
    page = page_for(web_server(path))
    idle(page)
    background = page.evaluate("getComputedStyle(document.querySelector('.ed')).backgroundColor")
    themes = page.evaluate("new Promise(r => { const off = symphony.app.on('theme_changed', p => { off(); r(p.name); });"
                           " symphony.app.notify('set_theme', {theme_name: 'Solarized (light)'}); })")
    assert themes == "Solarized (light)"
    idle(page)
    after = page.evaluate("getComputedStyle(document.querySelector('.ed')).backgroundColor")
    assert after != background
    # light theme: a light background
    rgb = [int(v) for v in after[after.index("(") + 1:after.index(")")].split(",")[:3]]
    assert sum(rgb) > 3 * 180
    assert page.errors == []


def test_soft_wrap_fits_the_page_width(tmp_path, web_server, page_for):
    path = tmp_path / "long.txt"
    words = " ".join(f"word{i:03d}" for i in range(200))  # 1600 characters
    path.write_text(words + "\nshort\n", encoding="utf-8")
    page = page_for(web_server(path), viewport={"width": 800, "height": 600})
    idle(page)
    view = page.evaluate("symphony.activeView()")
    page.evaluate(f"symphony.app.notify('modify_user_config', {{domain: {{user_override: {view!r}}}, changes: {{word_wrap: true}}}})")
    page.wait_for_function("() => symphony.views()[0].lines > 3")
    shown = lines(page)
    rows = [row for row in shown if row and row.startswith("word")]
    assert len(rows) > 5
    assert " ".join(r.strip() for r in rows).split() == words.split()
    # each visual line fits in the text area
    width = page.evaluate("document.querySelector('.ed-text').clientWidth")
    char = page.evaluate("symphony.app.editorFont") and page.evaluate(
        "(() => { const c = document.createElement('canvas').getContext('2d'); c.font = symphony.app.editorFont;"
        " return c.measureText('0').width; })()")
    assert max(len(r.rstrip()) for r in rows) * char <= width
    assert page.errors == []


@pytest.mark.parametrize("count, expected", [(2, "beta"), (3, "alpha beta gamma\n")])
def test_double_and_triple_click_select(tmp_path, web_server, page_for, count, expected):
    path = tmp_path / "w.txt"
    path.write_text("alpha beta gamma\nnext\n", encoding="utf-8")
    page = page_for(web_server(path))
    idle(page)
    x, y = page.evaluate("symphony.pointAt(0, 8)")
    page.mouse.click(x, y, click_count=count)
    idle(page)
    assert page.evaluate("symphony.app.editRequest(symphony.activeView(), 'copy')") == expected
    assert page.locator(".ed-text span.s0").count() >= 1

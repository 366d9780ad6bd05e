"""The page's chrome in a real browser against a real ``symphony web`` server: find and replace,
go to line, tabs, the file tree, the status bar and the task palette (``symphony/web/static/
chrome*.js``). States are read from the DOM and the ``window.symphony`` hooks; every wait is for
a state, never for a duration."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conductor.conftest import iris_model_bytes, iris_repo  # noqa: F401 - fixtures

pytest.importorskip("playwright.sync_api")

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "extensions"


@pytest.fixture
def chrome_page(page_for):
    """``page_for``, and after the test: no uncaught exception on any page it opened."""
    pages: list[Any] = []

    def open_page(server: Any, **kwargs: Any) -> Any:
        page = page_for(server, **kwargs)
        pages.append(page)
        return page

    yield open_page
    for page in pages:
        assert page.errors == []


def _wait(page: Any, expression: str, arg: Any = None) -> Any:
    """Wait until the page's ``expression`` (a JS function body of ``arg``) is truthy; its value."""
    return page.wait_for_function(f"(arg) => {{ {expression} }}", arg=arg).json_value()


def _text(page: Any, selector: str) -> str:
    return page.eval_on_selector(selector, "el => el.textContent")


def _active_path(page: Any) -> str | None:
    return page.evaluate("() => { const v = symphony.activeView(); const s = symphony.views().find(x => x.view_id === v); return s ? s.path : null; }")


def _idle(page: Any) -> None:
    page.evaluate("() => symphony.whenIdle()")


def _lines(page: Any) -> list[str]:
    return page.evaluate("() => symphony.visibleLines()")


def _focus_editor(page: Any) -> None:
    page.evaluate("() => symphony.chrome.app.focusEditor()")


def test_find_and_replace_all(web_server, chrome_page, tmp_path, screenshot):
    f = tmp_path / "words.txt"
    f.write_text("alpha beta alpha\ngamma Alpha alpha\n")
    page = chrome_page(web_server(f))
    _focus_editor(page)
    page.keyboard.press("Control+h")
    page.wait_for_selector("#panel:not([hidden]) .find-panel .replace-input")
    page.fill(".find-input", "alpha")
    # case-insensitive by default: four matches, counted by the core's find_status
    _wait(page, "return document.querySelector('.find-count').dataset.matches === '4'")
    assert _text(page, ".find-count") == "4 matches"
    page.click(".find-case")  # match case: three
    _wait(page, "return document.querySelector('.find-count').dataset.matches === '3'")
    page.fill(".replace-input", "omega")
    page.click(".replace-all")
    _wait(page, "return symphony.visibleLines().join('\\n').includes('gamma Alpha omega')")
    assert _lines(page)[:2] == ["omega beta omega", "gamma Alpha omega"]
    _wait(page, "return document.querySelector('.find-count').dataset.matches === '0'")
    assert _text(page, ".find-count") == "No matches"
    screenshot(page, "chrome-find-replace")
    page.keyboard.press("Escape")
    _wait(page, "return document.getElementById('panel').hidden")
    # the keys are the editor's again: typing goes into the buffer
    page.keyboard.type("Z")
    _wait(page, "return symphony.visibleLines().some(l => l.includes('Z'))")
    assert f.read_text() == "alpha beta alpha\ngamma Alpha alpha\n"  # unsaved


def test_find_next_and_a_bad_regex(web_server, chrome_page, tmp_path):
    f = tmp_path / "find.txt"
    f.write_text("one x\ntwo x\nthree x\n")
    page = chrome_page(web_server(f))
    _focus_editor(page)
    page.keyboard.press("Control+f")
    page.wait_for_selector(".find-panel .find-input")
    assert page.eval_on_selector(".replace-row", "el => el.hidden")
    page.fill(".find-input", "x")
    _wait(page, "return document.querySelector('.find-count').dataset.matches === '3'")
    # the first match at or after the caret is selected; Enter goes to the next
    _wait(page, "const c = symphony.cursors(); return c.length === 1 && c[0][0] === 0")
    page.press(".find-input", "Enter")
    _wait(page, "const c = symphony.cursors(); return c.length === 1 && c[0][0] === 1")
    page.press(".find-input", "Shift+Enter")
    _wait(page, "const c = symphony.cursors(); return c.length === 1 && c[0][0] === 0")
    page.click(".find-regex")
    page.fill(".find-input", "(")  # not a regex: the core's alert is shown, nothing thrown
    _wait(page, "return document.querySelector('.find-count').dataset.state === 'error'")
    assert "edit find" in _text(page, ".find-count")


def test_typing_in_find_searches_the_latest_query(web_server, chrome_page, tmp_path):
    f = tmp_path / "typing.txt"
    f.write_text("ab abc abcd\n" * 50)
    page = chrome_page(web_server(f))
    _focus_editor(page)
    page.keyboard.press("Control+f")
    page.wait_for_selector(".find-panel .find-input")
    page.type(".find-input", "abcd")  # key by key: later keys may come while a search is in flight
    _wait(page, "return document.querySelector('.find-count').dataset.matches === '50'")
    page.press(".find-input", "Backspace")  # "abc"
    _wait(page, "return document.querySelector('.find-count').dataset.matches === '100'")
    page.fill(".find-input", "")
    _wait(page, "return document.querySelector('.find-count').textContent === ''")


def test_go_to_line(web_server, chrome_page, tmp_path):
    f = tmp_path / "lines.txt"
    f.write_text("".join(f"line {i}\n" for i in range(1, 201)))
    page = chrome_page(web_server(f))
    _focus_editor(page)
    page.keyboard.press("Control+g")
    page.wait_for_selector(".goto-panel .goto-input")
    page.fill(".goto-input", "150")
    page.press(".goto-input", "Enter")
    _wait(page, "const c = symphony.cursors(); return c.length === 1 && c[0][0] === 149 && c[0][1] === 0")
    _wait(page, "return document.querySelector('.st-position').dataset.line === '150'")
    assert _text(page, ".st-position") == "150:1"
    assert page.evaluate("() => document.getElementById('panel').hidden")
    _wait(page, "return symphony.visibleLines().includes('line 150')")
    # a bad number is refused in the panel, nothing sent
    page.keyboard.press("Control+g")
    page.fill(".goto-input", "abc")
    page.press(".goto-input", "Enter")
    assert page.eval_on_selector(".goto-note", "el => el.dataset.state") == "error"
    page.keyboard.press("Escape")
    _wait(page, "return document.getElementById('panel').hidden")
    assert page.evaluate("() => symphony.cursors()") == [[149, 0]]


def test_tabs_switch_edit_dirty_and_close(web_server, chrome_page, tmp_path):
    a = tmp_path / "a.txt"
    b = tmp_path / "b.txt"
    a.write_text("file a\n")
    b.write_text("file b\n")
    page = chrome_page(web_server(a, b))
    _wait(page, "return document.querySelectorAll('#tabs .tab').length === 2")
    names = page.eval_on_selector_all("#tabs .tab .tab-name", "els => els.map(e => e.textContent)")
    assert names == ["a.txt", "b.txt"]
    page.click(f"#tabs .tab[data-path='{a}']")
    _wait(page, "return symphony.visibleLines()[0] === 'file a'")
    assert page.eval_on_selector(f".tab[data-path='{a}']", "el => el.getAttribute('aria-selected')") == "true"
    page.click(f"#tabs .tab[data-path='{b}']")
    _wait(page, "return symphony.visibleLines()[0] === 'file b'")
    page.keyboard.type("B:")
    _wait(page, "return symphony.visibleLines()[0] === 'B:file b'")
    _wait(page, f"return document.querySelector(\".tab[data-path='{b}']\").classList.contains('dirty')")
    assert not page.eval_on_selector(f".tab[data-path='{a}']", "el => el.classList.contains('dirty')")
    # the edit went to b only
    page.click(f"#tabs .tab[data-path='{a}']")
    _wait(page, "return symphony.visibleLines()[0] === 'file a'")
    _idle(page)
    views = {v["path"]: v for v in page.evaluate("() => symphony.views()")}
    assert views[str(a)]["pristine"] and not views[str(b)]["pristine"]
    # Alt+PageDown / Alt+PageUp go round the tabs
    _focus_editor(page)
    page.keyboard.press("Alt+PageDown")
    _wait(page, f"return document.querySelector('.tab.active')?.dataset.path === {str(b)!r}")
    page.keyboard.press("Alt+PageDown")
    _wait(page, f"return document.querySelector('.tab.active')?.dataset.path === {str(a)!r}")
    page.keyboard.press("Alt+PageUp")
    _wait(page, f"return document.querySelector('.tab.active')?.dataset.path === {str(b)!r}")
    # closing the dirty tab asks; Cancel keeps it, Save writes and closes
    page.click(f".tab[data-path='{b}'] .tab-close")
    page.wait_for_selector(".close-confirm")
    page.click(".close-confirm .confirm-cancel")
    _wait(page, "return document.getElementById('panel').hidden")
    assert page.eval_on_selector_all("#tabs .tab", "els => els.length") == 2
    page.click(f".tab[data-path='{b}'] .tab-close")
    page.click(".close-confirm .confirm-save")
    _wait(page, "return document.querySelectorAll('#tabs .tab').length === 1")
    assert b.read_text() == "B:file b\n"
    assert [v["path"] for v in page.evaluate("() => symphony.views()")] == [str(a)]
    # a pristine tab closes at once
    page.click(f".tab[data-path='{a}'] .tab-close")
    _wait(page, "return document.querySelectorAll('#tabs .tab').length === 0")
    assert page.evaluate("() => symphony.views()") == []


def test_closing_a_dirty_tab_can_discard(web_server, chrome_page, tmp_path):
    a = tmp_path / "keep.txt"
    a.write_text("keep\n")
    page = chrome_page(web_server(a))
    _focus_editor(page)
    page.keyboard.type("x")
    _wait(page, "return document.querySelector('.tab.dirty') !== null")
    page.click(".tab .tab-close")
    page.click(".close-confirm .confirm-discard")
    _wait(page, "return document.querySelectorAll('#tabs .tab').length === 0")
    assert a.read_text() == "keep\n"


def test_file_tree_expand_and_open(web_server, chrome_page, tmp_path, screenshot):
    root = tmp_path / "project"
    (root / "src").mkdir(parents=True)
    (root / "src" / "main.py").write_text("print('hi')\n")
    (root / "README.md").write_text("# project\n")
    page = chrome_page(web_server(root))
    page.wait_for_selector("#tree:not([hidden]) .tree-root")
    page.wait_for_selector(f".tree-file[data-path='{root / 'README.md'}']")
    items = page.eval_on_selector_all(".tree-root > .tree-children > .tree-item", "els => els.map(e => e.dataset.path)")
    assert items == [str(root / "src"), str(root / "README.md")]  # directories first
    assert page.query_selector(f".tree-file[data-path='{root / 'src' / 'main.py'}']") is None  # lazy
    page.click(f".tree-dir[data-path='{root / 'src'}'] > .tree-label")
    page.wait_for_selector(f".tree-file[data-path='{root / 'src' / 'main.py'}']")
    page.click(f".tree-file[data-path='{root / 'src' / 'main.py'}'] > .tree-label")
    _wait(page, "return symphony.visibleLines()[0] === \"print('hi')\"")
    assert _active_path(page) == str(root / "src" / "main.py")
    _wait(page, f"return document.querySelector(\".tree-file.active\")?.dataset.path === {str(root / 'src' / 'main.py')!r}")
    page.click(f".tree-file[data-path='{root / 'README.md'}'] > .tree-label")
    _wait(page, "return document.querySelectorAll('#tabs .tab').length === 2")
    # a file already open is activated, not opened twice
    page.click(f".tree-file[data-path='{root / 'src' / 'main.py'}'] > .tree-label")
    _wait(page, f"return symphony.activeView() && document.querySelector('.tab.active')?.dataset.path === {str(root / 'src' / 'main.py')!r}")
    assert len(page.evaluate("() => symphony.views()")) == 2
    # collapse hides the children
    page.click(f".tree-dir[data-path='{root / 'src'}'] > .tree-label")
    assert page.eval_on_selector(f".tree-dir[data-path='{root / 'src'}']", "el => el.getAttribute('aria-expanded')") == "false"
    screenshot(page, "chrome-file-tree")


def test_no_tree_for_files(web_server, chrome_page, tmp_path):
    f = tmp_path / "solo.txt"
    f.write_text("solo\n")
    page = chrome_page(web_server(f))
    assert page.evaluate("() => document.getElementById('tree').hidden")


def test_status_bar(web_server, chrome_page, tmp_path):
    crlf = tmp_path / "dos.py"
    crlf.write_bytes(b"import os\r\nprint(os.name)\r\n")
    lf = tmp_path / "unix.txt"
    lf.write_bytes(b"one\ntwo\n")
    page = chrome_page(web_server(crlf, lf))
    page.click(f"#tabs .tab[data-path='{crlf}']")
    _wait(page, "return document.querySelector('.st-eol').textContent === 'CRLF'")
    _wait(page, "return document.querySelector('.st-language').textContent === 'Python'")
    assert _text(page, ".st-position") == "1:1"
    assert _text(page, ".st-dirty") == ""
    assert page.eval_on_selector(".st-conn", "el => el.dataset.state") == "connected"
    page.click(f"#tabs .tab[data-path='{lf}']")
    _wait(page, "return document.querySelector('.st-eol').textContent === 'LF'")
    _wait(page, "return document.querySelector('.st-language').textContent === 'Plain Text'")
    _focus_editor(page)
    page.keyboard.press("ArrowDown")
    page.keyboard.press("End")
    _wait(page, "return document.querySelector('.st-position').textContent === '2:4'")
    page.keyboard.type("!")
    _wait(page, "return document.querySelector('.st-dirty').dataset.dirty === 'true'")
    assert _text(page, ".st-position") == "2:5"
    page.click(f"#tabs .tab[data-path='{crlf}']")
    _wait(page, "return document.querySelector('.st-dirty').dataset.dirty === 'false'")


def test_status_bar_switches_line_endings_and_goes_to_line(web_server, chrome_page, tmp_path):
    f = tmp_path / "endings.txt"
    f.write_bytes(b"one\r\ntwo\r\n")
    page = chrome_page(web_server(f))
    _wait(page, "return document.querySelector('.st-eol').textContent === 'CRLF'")
    page.click(".st-eol")
    _wait(page, "return document.querySelector('.st-eol').textContent === 'LF'")
    _focus_editor(page)
    page.keyboard.type("0")
    _wait(page, "return document.querySelector('.st-dirty').dataset.dirty === 'true'")
    page.keyboard.press("Control+s")
    _wait(page, "return document.querySelector('.st-dirty').dataset.dirty === 'false'")
    assert f.read_bytes() == b"0one\ntwo\n"
    page.click(".st-position")
    page.wait_for_selector("#panel .goto-panel .goto-input")
    assert page.eval_on_selector(".goto-input", "el => el.value") == "1"
    page.fill(".goto-input", "2")
    page.press(".goto-input", "Enter")
    _wait(page, "return document.querySelector('.st-position').textContent === '2:1'")


def test_alerts_are_shown(web_server, chrome_page, tmp_path):
    f = tmp_path / "alert.txt"
    f.write_text("a\n")
    page = chrome_page(web_server(f))
    # a notification the core refuses: its alert is shown, not only logged
    page.evaluate("() => symphony.chrome.app.edit(symphony.activeView(), 'goto_line', {line: 'x'})")
    page.wait_for_selector("#panel:not([hidden]) .alert-panel")
    assert _text(page, ".alert-panel .alert-text").startswith("edit goto_line:")
    page.evaluate("() => symphony.chrome.app.edit(symphony.activeView(), 'goto_line', {})")
    _wait(page, "return document.querySelector('.alert-panel').dataset.count === '2'")
    _focus_editor(page)
    page.keyboard.press("Escape")
    _wait(page, "return document.getElementById('panel').hidden")
    page.keyboard.type("b")  # the editor still works
    _wait(page, "return symphony.visibleLines()[0] === 'ba'")


def test_status_bar_shows_the_connection(web_server, chrome_page, tmp_path):
    f = tmp_path / "c.txt"
    f.write_text("c\n")
    server = web_server(f)
    page = chrome_page(server)
    assert page.eval_on_selector(".st-conn", "el => el.dataset.state") == "connected"
    server.kill()
    _wait(page, "return document.querySelector('.st-conn').dataset.state === 'reconnecting'")
    assert _text(page, ".st-conn") == "reconnecting…"
    server.start()  # the same port and token
    _wait(page, "return document.querySelector('.st-conn').dataset.state === 'connected'")
    assert _text(page, ".st-conn") == "connected"


def _palette(page: Any) -> list[str]:
    """Open the palette, wait for the core's answers; the ids listed."""
    page.keyboard.press("Control+Shift+P")
    page.wait_for_selector("#palette:not([hidden]) .palette-input")
    _wait(page, "return document.getElementById('palette').dataset.loading === 'false'")
    return page.eval_on_selector_all(".palette-item", "els => els.map(e => e.dataset.id)")


def test_palette_runs_a_task_and_a_command(web_server, chrome_page, tmp_path, iris_repo, screenshot):  # noqa: F811
    f = tmp_path / "flower.txt"
    f.write_text("[6.9, 3.1, 5.4, 2.1]")
    server = web_server(f, args=["--no-plugins", "--conductor-store", str(tmp_path / "store"),
                                 "--ext-home", str(tmp_path / "ext-home"), "--models", str(iris_repo),
                                 "--extensions", str(EXAMPLES)])
    page = chrome_page(server)
    # the motif's status item, in the status bar once the tasks are built
    page.wait_for_selector("#status .st-item[data-key='wordstats.words']")
    ids = _palette(page)
    assert "classify" in ids and "wordstats.count" in ids and "goto" in ids
    screenshot(page, "chrome-palette")
    # a motif's command: its result in the panel, its status item updated
    page.click(".palette-item[data-id='wordstats.count']")
    _wait(page, "return document.querySelector('.task-panel')?.dataset.state === 'done'")
    assert _text(page, ".task-panel .task-title") == "Count words"
    assert '"words": 4' in _text(page, ".task-panel .task-output")
    _wait(page, "return document.querySelector(\".st-item[data-key='wordstats.words']\").textContent === 'words: 4'")
    # a task, chosen by typing
    _palette(page)
    page.fill(".palette-input", "task classify")
    assert page.eval_on_selector_all(".palette-item", "els => els.map(e => e.dataset.id)") == ["classify"]
    page.keyboard.press("Enter")
    _wait(page, "return document.querySelector('.task-panel')?.dataset.state === 'done'")
    assert page.evaluate("() => document.getElementById('palette').hidden")
    assert _text(page, ".task-panel .task-title") == "Task: classify"
    assert "virginica" in _text(page, ".task-panel .task-output")
    assert _text(page, ".task-panel .task-step[data-step='classify']").startswith("classify: by symphony.iris-instrument")
    task_id = page.eval_on_selector(".task-panel", "el => el.dataset.taskId")
    assert task_id
    # its steps' task_progress reached the status bar, then the outcome
    assert page.eval_on_selector(".st-task", "el => el.dataset.taskId") == task_id
    assert _text(page, ".st-task") == "classify: done"
    page.click(".task-panel .feedback-good")
    _wait(page, "return document.querySelector('.feedback-note').dataset.state === 'sent'")
    screenshot(page, "chrome-task-result")
    # the motif's key (ctrl+shift+w in its manifest) runs its command (a synthetic event: the
    # browser keeps the real Ctrl+Shift+W for itself)
    assert "Ctrl+Shift+W" in page.evaluate("() => symphony.chrome.tasks.boundKeys")
    page.evaluate("() => document.dispatchEvent(new KeyboardEvent('keydown', {key: 'W', ctrlKey: true, shiftKey: true, bubbles: true}))")
    _wait(page, "return document.querySelector('.task-panel .task-title')?.textContent === 'Count words'")
    _wait(page, "return document.querySelector('.task-panel')?.dataset.state === 'done'")
    # a task that fails on this text: the error answer is shown with its code, not dropped
    _focus_editor(page)
    page.keyboard.press("Control+a")
    page.keyboard.type("not a flower")
    _wait(page, "return symphony.visibleLines()[0] === 'not a flower'")
    _palette(page)
    page.fill(".palette-input", "classify")
    page.keyboard.press("Enter")
    _wait(page, "return document.querySelector('.task-panel')?.dataset.state === 'error'")
    assert page.eval_on_selector(".task-panel", "el => el.dataset.code") in ("-32002", "-32602")
    assert _text(page, ".task-panel .task-error").startswith("error -32")
    page.keyboard.press("Escape")
    _wait(page, "return document.getElementById('panel').hidden")


def test_palette_without_tasks_says_why(web_server, chrome_page, tmp_path):
    f = tmp_path / "plain.txt"
    f.write_text("plain\n")
    page = chrome_page(web_server(f))  # the fixture's default: --no-tasks
    ids = _palette(page)
    assert ids == ["find", "replace", "goto", "next-tab", "close-tab"]  # the chrome's own actions only
    note = _text(page, ".palette-notes")
    assert "-32002" in note and "no tasks" in note
    page.fill(".palette-input", "go to")
    page.keyboard.press("Enter")
    page.wait_for_selector("#panel .goto-panel .goto-input")
    page.keyboard.press("Escape")
    _wait(page, "return document.getElementById('panel').hidden")
    page.keyboard.press("F1")
    page.wait_for_selector("#palette:not([hidden])")
    page.keyboard.press("Escape")
    _wait(page, "return document.getElementById('palette').hidden")
    assert page.evaluate("() => symphony.chrome.tasks.boundKeys") == []


def test_extension_key_names(web_server, chrome_page, tmp_path):
    f = tmp_path / "k.txt"
    f.write_text("k\n")
    page = chrome_page(web_server(f))
    combos = page.evaluate("""() => import('/static/chrome_tasks.js').then(m => [
        'ctrl+shift+w', 'F5', 'alt+pagedown', 'shift+ctrl+k', 'cmd+s', 'ctrl+space', 'hyper+x', '', 5, 'ctrl+nokey', 'constructor', 'tostring+a'
    ].map(m.keyCombo))""")
    assert combos == ["Ctrl+Shift+W", "F5", "Alt+PageDown", "Ctrl+Shift+K", "Meta+S", "Ctrl+ ", None, None, None, None, None, None]

"""The page's edit journal and reconnection, in a real browser against a real ``symphony web``:
a reload mid-session, a dropped socket with keys typed meanwhile, a server killed and started
again, another tab taking over, a wrong token. Nothing typed is lost, nothing is applied twice."""

from __future__ import annotations


import pytest

from .page_state import contents, idle, lines


@pytest.fixture
def doc(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("first\nsecond\n", encoding="utf-8")
    return path


def test_reload_mid_session_keeps_unsaved_edits_once(doc, web_server, page_for):
    server = web_server(doc)
    page = page_for(server)
    idle(page)
    page.keyboard.type("abc ")
    assert lines(page)[0] == "abc first"
    view = page.evaluate("symphony.activeView()")
    page.reload()
    page.wait_for_function("() => window.symphony && window.symphony.connected")
    page.evaluate("symphony.ready")
    assert page.evaluate("symphony.activeView()") == view  # the same view, taken up again
    assert lines(page)[:2] == ["abc first", "second"]
    assert page.evaluate("symphony.cursors()") == [[0, 4]]
    page.keyboard.type("d")
    assert contents(page) == "abc dfirst\nsecond\n"
    assert doc.read_text(encoding="utf-8") == "first\nsecond\n"  # nothing saved
    assert page.errors == []


def test_keys_typed_while_the_socket_is_down_arrive_once(doc, web_server, page_for):
    page = page_for(web_server(doc))
    idle(page)
    page.keyboard.type("one ")
    idle(page)
    page.evaluate("symphony.dropConnection()")
    assert page.evaluate("symphony.connected") is False
    page.keyboard.type("two ")  # while disconnected (or reconnecting): queued in the journal
    page.wait_for_function("() => window.symphony.connected")
    page.keyboard.type("three ")
    assert contents(page) == "one two three first\nsecond\n"
    assert lines(page)[0] == "one two three first"
    assert page.errors == []


def test_server_restart_reopens_the_file_and_replays_unsaved_edits(doc, web_server, page_for, screenshot):
    server = web_server(doc)
    page = page_for(server)
    idle(page)
    page.keyboard.press("End")
    idle(page)  # a caret move while pristine: the journal starts again, the caret must not be lost
    page.keyboard.type(" edited")
    assert lines(page)[0] == "first edited"
    old_server = page.evaluate("symphony.serverId")
    server.restart()
    page.wait_for_function(f"() => window.symphony.connected && window.symphony.serverId !== {old_server!r}")
    assert lines(page)[:2] == ["first edited", "second"]
    assert doc.read_text(encoding="utf-8") == "first\nsecond\n"
    screenshot(page, "after_restart")
    page.keyboard.type("!")
    page.keyboard.press("Control+s")
    idle(page)
    assert doc.read_text(encoding="utf-8") == "first edited!\nsecond\n"
    views = page.evaluate("symphony.views()")
    assert len(views) == 1 and views[0]["pristine"] is True
    assert page.errors == []


def test_another_tab_takes_over(doc, web_server, page_for):
    server = web_server(doc)
    first = page_for(server)
    idle(first)
    first.keyboard.type("from one ")
    idle(first)
    second = page_for(server)
    idle(second)
    assert lines(second)[0] == "from one first"  # the core's view, with its unsaved edit
    first.wait_for_function("() => !window.symphony.connected")
    banner = first.locator("#banner")
    assert "another tab" in banner.inner_text()
    second.keyboard.type("two ")
    assert contents(second) == "from one two first\nsecond\n"


def test_wrong_token_is_refused_with_a_banner(doc, web_server, page_for):
    server = web_server(doc)
    page = page_for(server, url=f"{server.origin}/#token=not-the-token", wait=False)
    page.wait_for_function("() => !document.getElementById('banner').hidden")
    page.wait_for_function("() => document.getElementById('banner').textContent.includes('refused')")
    assert page.evaluate("window.symphony.connected") is False

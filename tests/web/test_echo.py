"""The page's local echo in a real browser: a typed character is painted before the core's
update comes back, the update confirms it, a core that did something else wins, and a dropped
connection loses and doubles nothing.

The core's answers are held back by routing the page's WebSocket through Playwright
(``page.route_web_socket``): frames from the server wait until the test releases them, so
"painted before the update" is a fact about the order of frames, not a duration.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from .page_state import contents, idle, lines

#: Two animation frames, then the painted lines and carets (no idle wait: the core is held).
PAINTED = """() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(() =>
  resolve({lines: symphony.visibleLines(), cursors: symphony.cursors(), echo: symphony.echo()}))))"""


class HeldSocket:
    """Routes a page's ``/ws`` through the test: frames from the server are held while
    ``hold`` is set; ``rewrite`` may change each frame from the page."""

    def __init__(self, page: Any) -> None:
        self.hold = False
        self.held: list[tuple[Any, str]] = []
        self.rewrite = lambda frame: frame
        self.sockets = 0
        self.current: Any = None
        page.route_web_socket("**/ws*", self._route)

    def _route(self, ws: Any) -> None:
        server = ws.connect_to_server()
        self.sockets += 1
        self.current = ws
        ws.on_message(lambda frame: server.send(self.rewrite(frame)))
        server.on_message(lambda frame: self._from_server(ws, frame))

    def _from_server(self, ws: Any, frame: str) -> None:
        if self.hold:
            self.held.append((ws, frame))
        else:
            ws.send(frame)

    def release(self, *, old_sockets: bool = True) -> None:
        """Send what was held (``old_sockets=False``: only the newest socket's frames)."""
        self.hold = False
        held, self.held = self.held, []
        if not old_sockets:
            held = [(ws, frame) for ws, frame in held if ws is self.current]
        for ws, frame in held:
            try:
                ws.send(frame)
            except Exception:  # noqa: BLE001 - a socket the page already dropped
                pass


@pytest.fixture
def held_page(browser, web_server, tmp_path):
    """``(page, socket, path)``: a page editing ``doc.txt`` ("hello\\nworld\\n") whose
    server frames the test can hold back."""
    path = tmp_path / "doc.txt"
    path.write_text("hello\nworld\n", encoding="utf-8")
    server = web_server(path)
    context = browser.new_context(viewport={"width": 1000, "height": 600})
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    socket = HeldSocket(page)
    page.goto(server.url)
    page.wait_for_function("() => window.symphony && window.symphony.connected", timeout=30_000)
    page.evaluate("() => window.symphony.ready")
    idle(page)
    yield page, socket, path
    socket.release()
    errors = list(page.errors)
    context.close()
    assert errors == []


def test_a_typed_character_is_painted_before_the_core_answers_and_confirmed_after(held_page, screenshot):
    page, socket, _ = held_page
    socket.hold = True
    page.keyboard.type("XY")
    shown = page.evaluate(PAINTED)
    assert shown["lines"][:2] == ["XYhello", "world"]
    assert shown["cursors"] == [[0, 2]]
    assert shown["echo"]["pending"] == 1  # every frame from the core is still held
    screenshot(page, "predicted")
    socket.release()
    assert lines(page)[:2] == ["XYhello", "world"]
    stats = page.evaluate("symphony.echo()")
    assert (stats["predicted"], stats["confirmed"], stats["dropped"], stats["pending"]) == (2, 2, 0, 0)
    assert contents(page) == "XYhello\nworld\n"


def test_the_core_wins_when_it_did_something_else(held_page):
    page, socket, _ = held_page

    def a_becomes_b(frame: str) -> str:
        msg = json.loads(frame)
        params = msg.get("params") or {}
        if msg.get("method") == "edit" and params.get("method") == "insert":
            params["params"]["chars"] = params["params"]["chars"].replace("a", "b")
        return json.dumps(msg)

    socket.rewrite = a_becomes_b
    socket.hold = True
    page.keyboard.type("aa")
    assert page.evaluate(PAINTED)["lines"][0] == "aahello"  # predicted
    socket.release()
    assert lines(page)[:2] == ["bbhello", "world"]
    assert page.evaluate("symphony.cursors()") == [[0, 2]]
    stats = page.evaluate("symphony.echo()")
    assert stats["dropped"] >= 1 and stats["pending"] == 0
    assert contents(page) == "bbhello\nworld\n"


def test_no_prediction_over_a_selection(held_page):
    page, socket, _ = held_page
    page.keyboard.press("Shift+ArrowRight")
    idle(page)
    socket.hold = True
    page.keyboard.type("Z")  # replaces the selected "h": left to the core
    assert page.evaluate(PAINTED)["lines"][0] == "hello"
    socket.release()
    assert lines(page)[0] == "Zello"
    assert page.evaluate("symphony.echo()")["predicted"] == 0
    socket.hold = True
    page.keyboard.press("End")  # the carets the page shows are stale until this update
    page.keyboard.type("!")
    socket.release()
    assert lines(page)[0] == "Zello!"  # predicted or not, the core's text stands
    assert contents(page) == "Zello!\nworld\n"


def test_a_dropped_connection_drops_predictions_and_loses_or_doubles_nothing(held_page):
    page, socket, _ = held_page
    socket.hold = True
    page.keyboard.type("Q")
    assert page.evaluate(PAINTED)["lines"][0] == "Qhello"
    page.evaluate("symphony.dropConnection()")
    shown = page.evaluate(PAINTED)
    assert shown["echo"]["pending"] == 0
    assert shown["lines"][0] == "hello", "the prediction is dropped with the connection"
    socket.release(old_sockets=False)  # the dropped socket's frames are gone with it
    page.wait_for_function("() => window.symphony.connected", timeout=30_000)
    assert socket.sockets == 2
    assert lines(page)[:2] == ["Qhello", "world"]
    page.keyboard.type("R")
    assert lines(page)[0] == "QRhello"
    assert contents(page) == "QRhello\nworld\n"

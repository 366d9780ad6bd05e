"""``TaskPanel``: the strip under the text that shows a task or command while it runs (its steps'
progress) and then its result, where the user rates it.

It takes the focus when it shows something: ``+`` rates the result good (1.0), ``-`` bad
(0.0), Up/Down/PageUp/PageDown scroll a long result, Escape closes it; any other key closes it
and goes on to the text (typing is never lost to the panel).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Static

__all__ = ["TaskPanel", "describe"]

#: Keys the panel keeps (Escape closes it, the others scroll); + and - too when there is a result to rate.
_OWN_KEYS = frozenset({"escape", "up", "down", "pageup", "pagedown", "home", "end"})
#: Longest result shown (characters); the rest is cut.
MAX_SHOWN = 20000


def describe(value: Any) -> str:
    """A result as text: a string as it is, anything else as indented JSON."""
    text = value if isinstance(value, str) else json.dumps(value, indent=2, ensure_ascii=False, default=str)
    return text if len(text) <= MAX_SHOWN else text[:MAX_SHOWN] + "\n…"


class TaskPanel(VerticalScroll):
    """What is running, or what it gave; ``on_rate(score)`` and ``on_close()`` are the app's."""

    DEFAULT_CSS = """
    TaskPanel { display: none; height: auto; max-height: 14; background: $panel; border-top: solid $accent;
                padding: 0 1; }
    TaskPanel.visible { display: block; }
    """

    BINDINGS = [Binding("plus", "rate(1.0)", "Good"), Binding("minus", "rate(0.0)", "Bad"),
                Binding("escape", "close", "Close")]

    def __init__(self, on_rate: Callable[[float], None], on_close: Callable[[], object]) -> None:
        super().__init__(id="task-panel")
        self.on_rate = on_rate
        self.on_close = on_close
        self.title = ""
        self.state = ""  # "running", "done", "failed"
        self.steps: dict[str, str] = {}
        self.body = ""
        self.note = ""
        self.rateable = False

    def compose(self) -> ComposeResult:
        yield Static(id="task-text")

    def start(self, title: str) -> None:
        """Show ``title`` as running, with no steps yet, and take the keys."""
        self.title, self.state, self.steps, self.body, self.note, self.rateable = title, "running", {}, "", "", False
        self._show()

    def progress(self, step: str, state: str) -> None:
        """Step ``step`` is now in ``state``."""
        self.steps[step] = state
        self._draw()

    def finish(self, body: str, *, rateable: bool, failed: bool = False, note: str = "") -> None:
        """Show the result (or the error) ``body``; ``rateable``: + and - rate it."""
        self.state = "failed" if failed else "done"
        self.body, self.rateable, self.note = body, rateable and not failed, note
        self._show()

    def rated(self, note: str) -> None:
        """Show how rating went (``"rated good"``, or why it failed)."""
        self.note = note
        self._draw()

    def plain(self) -> str:
        """The panel's text (what it draws)."""
        lines = [f"{self.title} ({self.state})"]
        lines += [f"  {step}: {state}" for step, state in self.steps.items()]
        if self.body:
            lines += ["", self.body]
        if self.rateable:
            lines += ["", "+ good   - bad   Escape closes"]
        elif self.state != "running":
            lines += ["", "Escape closes"]
        if self.note:
            lines.append(self.note)
        return "\n".join(lines)

    def _draw(self) -> None:
        if self.is_mounted:
            self.query_one("#task-text", Static).update(Text(self.plain()))

    def _show(self) -> None:
        self._draw()
        self.add_class("visible")
        self.focus()

    def lets_through(self, key: str) -> bool:
        """Whether ``key`` is not the panel's own (it closes the panel and goes to the text)."""
        return key not in _OWN_KEYS and not (self.rateable and key in ("plus", "minus"))

    @property
    def shown(self) -> bool:
        """Whether the panel is on the screen."""
        return self.has_class("visible")

    def action_rate(self, score: float) -> None:
        if self.rateable:
            self.on_rate(score)

    def action_close(self) -> None:
        self.remove_class("visible")
        self.on_close()

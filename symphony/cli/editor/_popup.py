"""``Popup``: a box drawn over the text near the caret, for a hover's text or a completion list.

It never takes the focus: the app keeps the keys and tells the popup what they do (Up/Down
move the choice, Enter takes it, Escape closes). It lives on the screen's overlay layer and
is placed by offset, so showing it moves nothing else.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.widgets import Static

__all__ = ["Popup"]

#: Rows of a completion list shown at once, and of a hover's text.
LIST_ROWS = 10
HOVER_ROWS = 12


class Popup(Static):
    """A hover's text or a list of completions (``kind`` ``"hover"``, ``"completion"`` or ``""``: hidden)."""

    DEFAULT_CSS = """
    Popup { layer: overlay; display: none; width: auto; max-width: 80; height: auto;
            background: $panel; border: round $accent; padding: 0 1; }
    Popup.visible { display: block; }
    """

    def __init__(self) -> None:
        super().__init__(id="popup")
        self.kind = ""
        self.items: list[dict[str, Any]] = []
        self.selected = 0
        self.text = ""

    def place(self, x: int, y: int, height: int, screen_height: int) -> None:
        """Put the box's corner below screen cell ``(x, y)``, or above it when there is no room below."""
        below = y + 1
        if below + height > screen_height and y - height >= 0:
            below = y - height
        self.styles.offset = (max(0, x), max(0, below))

    def show_hover(self, text: str) -> None:
        """Show a hover's markdown (as plain text, code fences dropped, cut to ``HOVER_ROWS`` rows)."""
        lines = [line for line in text.strip().splitlines() if not line.startswith("```")]
        if len(lines) > HOVER_ROWS:
            lines = lines[:HOVER_ROWS - 1] + ["…"]
        self.kind, self.text, self.items = "hover", "\n".join(lines), []
        self.update(Text(self.text))
        self.add_class("visible")

    def show_completions(self, items: list[dict[str, Any]]) -> None:
        """Show ``items`` (``label``, ``kind``, ``detail``), the first one chosen."""
        self.kind, self.items, self.selected = "completion", items, 0
        self._draw()
        self.add_class("visible")

    def move(self, step: int) -> None:
        """Choose the item ``step`` rows down (up when negative), wrapping around."""
        if self.items:
            self.selected = (self.selected + step) % len(self.items)
            self._draw()

    @property
    def choice(self) -> dict[str, Any] | None:
        """The item chosen now, or None."""
        return self.items[self.selected] if self.kind == "completion" and self.items else None

    def _draw(self) -> None:
        first = max(0, min(self.selected - LIST_ROWS // 2, len(self.items) - LIST_ROWS))
        out = Text(no_wrap=True, overflow="ellipsis")
        for k in range(first, min(first + LIST_ROWS, len(self.items))):
            item = self.items[k]
            if k > first:
                out.append("\n")
            kind = item.get("kind") or ""
            row = Text(f"{item.get('label', '')}")
            if kind:
                row.append(f"  {kind}", style="dim")
            if k == self.selected:
                row.stylize("reverse")
            out.append_text(row)
        self.update(out)

    def close(self) -> None:
        """Hide the popup."""
        self.kind, self.items, self.text = "", [], ""
        self.remove_class("visible")

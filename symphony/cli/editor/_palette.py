"""``PaletteScreen``: Ctrl+P's list of what can run on the selection (the conductor's task kinds and
the extensions' commands), filtered as the user types.

Type to filter (every word typed must be in the entry), Up/Down choose, Enter runs the chosen
entry, Escape closes. The screen answers the chosen :class:`Entry` (or None) to its caller.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

__all__ = ["Entry", "PaletteScreen"]


@dataclass(frozen=True)
class Entry:
    """One line of the palette: a task kind (``what == "task"``) or an extension command (``"command"``)."""

    what: str
    ident: str
    title: str
    detail: str = ""

    def matches(self, query: str) -> bool:
        """Whether every word of ``query`` is in the title, detail or id (any case)."""
        haystack = f"{self.title} {self.detail} {self.ident}".casefold()
        return all(word in haystack for word in query.casefold().split())

    def label(self) -> Text:
        out = Text(self.title)
        if self.detail:
            out.append(f"  {self.detail}", style="dim")
        return out


class PaletteScreen(ModalScreen["Entry | None"]):
    """The palette over the editor: a filter line above the entries."""

    DEFAULT_CSS = """
    PaletteScreen { align: center top; }
    PaletteScreen > Vertical { width: 70%; max-width: 90; height: auto; max-height: 80%; margin-top: 2;
                               border: round $accent; background: $surface; }
    PaletteScreen OptionList { height: auto; max-height: 16; border: none; }
    PaletteScreen #palette-empty { color: $text-muted; padding: 0 1; }
    """

    BINDINGS = [Binding("escape", "close", "Close"), Binding("up", "move(-1)", show=False),
                Binding("down", "move(1)", show=False)]

    def __init__(self, entries: list[Entry], empty: str = "nothing to run") -> None:
        super().__init__()
        self.entries = list(entries)
        self.shown: list[Entry] = []
        self.empty = empty

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Input(placeholder="run on the selection: a task or a command", id="palette-filter")
            yield OptionList(id="palette-list")
            yield Static("", id="palette-empty")

    def on_mount(self) -> None:
        self._fill("")
        self.query_one("#palette-filter", Input).focus()

    def set_entries(self, entries: list[Entry], empty: str | None = None) -> None:
        """Show ``entries`` instead (the core's fresh answer), keeping the filter."""
        self.entries = list(entries)
        if empty is not None:
            self.empty = empty
        if self.is_mounted:
            self._fill(self.query_one("#palette-filter", Input).value)

    def _fill(self, query: str) -> None:
        self.shown = [e for e in self.entries if e.matches(query)]
        options = self.query_one("#palette-list", OptionList)
        options.clear_options()
        options.add_options([Option(e.label()) for e in self.shown])
        options.highlighted = 0 if self.shown else None
        options.display = bool(self.shown)
        note = self.query_one("#palette-empty", Static)
        note.update("" if self.shown else (self.empty if not self.entries else "no match"))
        note.display = not self.shown

    def on_input_changed(self, event: Input.Changed) -> None:
        self._fill(event.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._choose(self.query_one("#palette-list", OptionList).highlighted)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self._choose(event.option_index)

    def _choose(self, index: int | None) -> None:
        if index is not None and 0 <= index < len(self.shown):
            self.dismiss(self.shown[index])

    def action_move(self, step: int) -> None:
        options = self.query_one("#palette-list", OptionList)
        if self.shown:
            options.highlighted = ((options.highlighted or 0) + step) % len(self.shown)

    def action_close(self) -> None:
        self.dismiss(None)

"""``HelpScreen``: every key of the editor, from the one table in ``_keys``."""

from __future__ import annotations

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from ._keys import HELP

__all__ = ["HelpScreen", "help_table"]


def help_table() -> Table:
    """The keys and what they do, as a two-column table."""
    table = Table(show_header=False, box=None, padding=(0, 2, 0, 0))
    table.add_column(style="bold", no_wrap=False)
    table.add_column()
    for keys, what in HELP:
        table.add_row(keys, what)
    return table


class HelpScreen(ModalScreen[None]):
    """The list of keys; Escape or Q closes it."""

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll { width: 90%; height: 90%; border: round $accent; background: $surface;
                                  padding: 0 1; }
    """

    BINDINGS = [Binding("escape,q", "close", "Close")]

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static("symphony edit: keys (Escape closes)", id="help-title")
            yield Static(help_table(), id="help-keys")

    def action_close(self) -> None:
        self.dismiss(None)

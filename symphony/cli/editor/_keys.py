"""The editor's keys: what each sends to the core, the names real terminals give them, the help text.

One table for all three, so the help screen lists every binding there is.
"""

from __future__ import annotations

from typing import Any

__all__ = ["ALIASES", "HELP", "KEYMAP", "LANGUAGE_KEYS", "key_label", "key_of_position_report"]

#: Keys that send one edit method to the core: key -> (method, params).
KEYMAP: dict[str, tuple[str, Any]] = {
    "enter": ("insert_newline", None), "backspace": ("delete_backward", None),
    "delete": ("delete_forward", None), "ctrl+backspace": ("delete_word_backward", None),
    "ctrl+delete": ("delete_word_forward", None),
    "left": ("move_left", None), "right": ("move_right", None), "up": ("move_up", None),
    "down": ("move_down", None), "shift+left": ("move_left_and_modify_selection", None),
    "shift+right": ("move_right_and_modify_selection", None),
    "shift+up": ("move_up_and_modify_selection", None), "shift+down": ("move_down_and_modify_selection", None),
    "ctrl+left": ("move_word_left", None), "ctrl+right": ("move_word_right", None),
    "ctrl+shift+left": ("move_word_left_and_modify_selection", None),
    "ctrl+shift+right": ("move_word_right_and_modify_selection", None),
    "home": ("move_to_left_end_of_line", None), "end": ("move_to_right_end_of_line", None),
    "shift+home": ("move_to_left_end_of_line_and_modify_selection", None),
    "shift+end": ("move_to_right_end_of_line_and_modify_selection", None),
    "ctrl+home": ("move_to_beginning_of_document", None), "ctrl+end": ("move_to_end_of_document", None),
    "pageup": ("scroll_page_up", None), "pagedown": ("scroll_page_down", None),
    "shift+pageup": ("page_up_and_modify_selection", None),
    "shift+pagedown": ("page_down_and_modify_selection", None),
    "ctrl+z": ("undo", None), "ctrl+y": ("redo", None), "ctrl+a": ("select_all", None),
    "tab": ("insert_tab", None), "shift+tab": ("outdent", None), "escape": ("cancel_operation", None),
    "alt+up": ("add_selection_above", None), "alt+down": ("add_selection_below", None),
    "ctrl+l": ("duplicate_line", None), "ctrl+t": ("transpose", None),
    "f3": ("find_next", {"wrap_around": True}), "shift+f3": ("find_previous", {"wrap_around": True}),
}

#: Names textual gives keys that real terminals send for another key: the name -> the key
#: meant. The Linux console sends Shift+F3 as ``ESC [28~``: textual 0.x read it as F15, newer
#: versions (their kitty-protocol parser) as the key ``"\x1c"`` (Ctrl+\\ is "ctrl+backslash").
ALIASES: dict[str, str] = {"f15": "shift+f3", "\x1c": "shift+f3", "ctrl+@": "ctrl+space", "ctrl+at": "ctrl+space"}

#: Keys that ask the language server (through the ``symphony-lsp`` plugin): key -> what they do.
#: Terminals send Ctrl+Space as NUL, which textual names ``ctrl+@`` (see ``ALIASES``).
LANGUAGE_KEYS: dict[str, str] = {"ctrl+space": "complete", "ctrl+k": "hover", "f12": "definition",
                                 "f2": "rename", "shift+f6": "rename"}

#: xterm and tmux send F3 with modifier ``m`` as ``ESC [1;<m>R``, which is also the form of a
#: cursor position report (row 1, column m): modifier -> key. A full-screen app never asks for
#: the cursor position, so such a report is a key.
_F3_WITH = {2: "shift+f3", 3: "alt+f3", 5: "ctrl+f3", 6: "ctrl+shift+f3"}


def key_of_position_report(x: int, y: int) -> str | None:
    """The key meant by a cursor position report at 0-based ``(x, y)`` (see ``_F3_WITH``), or None."""
    return _F3_WITH.get(x + 1) if y == 0 else None

#: The help screen, in order: (keys, what they do). Every key of ``KEYMAP``, of the app's
#: bindings and of the keys the app handles itself is in one of these rows.
HELP: list[tuple[str, str]] = [
    ("Ctrl+S", "save (asks first when the file changed on disk)"),
    ("Ctrl+Q", "quit (press twice to drop unsaved changes)"),
    ("F1", "this help"),
    ("Ctrl+F", "find (start with re: for a regex)"),
    ("F3 / Shift+F3", "next / previous match"),
    ("Ctrl+R", "replace all (type: find => replacement)"),
    ("Ctrl+G", "go to line"),
    ("Ctrl+P", "run a task or a command on the selection (in the result: + / - rate it, Escape closes)"),
    ("Ctrl+Space", "complete the name at the cursor (Up/Down choose, Enter or Tab inserts, Escape closes)"),
    ("Ctrl+K", "hover: what the language server says of the name at the cursor (any key closes it)"),
    ("F12", "go to the definition (in another file: where it is)"),
    ("F2 / Shift+F6", "rename the symbol at the cursor everywhere"),
    ("Ctrl+D", "select the word, then add a cursor at each next match"),
    ("Alt+Up / Alt+Down", "add a cursor above / below"),
    ("Escape", "back to one cursor"),
    ("Ctrl+W", "soft wrap on / off"),
    ("Ctrl+Z / Ctrl+Y", "undo / redo"),
    ("Ctrl+A", "select all"),
    ("Ctrl+C / Ctrl+X / Ctrl+V", "copy / cut / paste"),
    ("Ctrl+L", "duplicate line"),
    ("Ctrl+T", "transpose characters"),
    ("Tab / Shift+Tab", "indent / outdent"),
    ("Enter / Backspace / Delete", "new line / delete left / delete right"),
    ("Ctrl+Backspace / Ctrl+Delete", "delete word left / right"),
    ("Left / Right / Up / Down", "move (Shift extends the selection)"),
    ("Ctrl+Left / Ctrl+Right", "move by word (Shift extends)"),
    ("Home / End", "start / end of line (Shift extends)"),
    ("Ctrl+Home / Ctrl+End", "start / end of the document"),
    ("PageUp / PageDown", "page up / down (Shift extends)"),
    ("Shift+Left / Shift+Right / Shift+Up / Shift+Down", "extend the selection"),
    ("Ctrl+Shift+Left / Ctrl+Shift+Right", "extend the selection by word"),
    ("Shift+Home / Shift+End / Shift+PageUp / Shift+PageDown", "extend the selection"),
    ("click / Ctrl+click / drag", "place the cursor / add one / select"),
    ("double / triple click", "select the word / the line"),
]

_NAMES = {"pageup": "PageUp", "pagedown": "PageDown"}


def key_label(key: str) -> str:
    """How the help screen writes textual key name ``key`` (``ctrl+shift+left`` -> ``Ctrl+Shift+Left``)."""
    return "+".join(_NAMES.get(part, part[:1].upper() + part[1:]) for part in key.split("+"))

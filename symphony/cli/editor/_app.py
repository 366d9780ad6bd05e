"""The terminal editor behind ``symphony edit``: a textual app that is a plain xi frontend.

It starts ``symphony serve`` as a child process and speaks the frontend protocol to it
over pipes, exactly as xi's frontends drove xi-core: it never touches a buffer. Its whole
picture of the document is a line cache kept up to date by ``update`` ops alone; lines it
lacks it asks for with ``request_lines``.

Keys: type to insert; arrows, Home/End, PageUp/PageDown move (Shift extends, Ctrl moves
by word); Ctrl+S save; Ctrl+Q quit (twice with unsaved changes); Ctrl+Z/Ctrl+Y undo/redo;
Ctrl+A select all; Ctrl+C/Ctrl+X/Ctrl+V copy/cut/paste; Ctrl+D add the next match of the
selection as another cursor; Alt+Up/Alt+Down add a cursor above/below; Escape back to one
cursor; Ctrl+F find, F3/Shift+F3 next/previous; Ctrl+R replace all; Ctrl+G go to line;
Ctrl+L duplicate line; Ctrl+W soft wrap on/off; Tab/Shift+Tab indent/outdent; click to place the cursor
(Ctrl+click adds one); drag to select, double-click a word, triple-click a line.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from rich.cells import cell_len
from rich.text import Text
from textual import events
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widget import Widget
from textual.widgets import Input, Static

from ._core_client import CoreConnection

__all__ = ["EditorApp", "LineCache"]


#: Columns taken by the line-number gutter.
GUTTER = 7


class LineCache:
    """The frontend's copy of the view: one entry per line, None where it has none."""

    def __init__(self) -> None:
        self.lines: list[dict[str, Any] | None] = []

    def apply(self, ops: list[dict[str, Any]]) -> None:
        """Apply one ``update``'s ops (copy, skip, invalidate, ins, update)."""
        new: list[dict[str, Any] | None] = []
        old_ix = 0
        for op in ops:
            kind, n = op["op"], op["n"]
            if kind == "copy":
                new.extend(self.lines[old_ix:old_ix + n])
                old_ix += n
            elif kind == "skip":
                old_ix += n
            elif kind == "invalidate":
                new.extend([None] * n)
            elif kind == "ins":
                new.extend(op["lines"])
            elif kind == "update":
                for line in op["lines"]:
                    prev = self.lines[old_ix] if old_ix < len(self.lines) else None
                    old_ix += 1
                    new.append(None if prev is None else {**prev, **line})
        self.lines = new


def _char_col(text: str, col8: int) -> int:
    """Character index of UTF-8 column ``col8`` in ``text``."""
    if text.isascii():
        return min(col8, len(text))
    return len(text.encode("utf-8")[:col8].decode("utf-8", "ignore"))


class EditorView(Widget, can_focus=True):
    """Draws the visible lines from the cache, with cursors, selections and find matches."""

    DEFAULT_CSS = """
    EditorView { height: 1fr; }
    """

    def __init__(self, app_: EditorApp) -> None:
        super().__init__()
        self.editor = app_

    def render(self) -> Text:
        app = self.editor
        height = self.size.height
        out = Text(no_wrap=True, overflow="crop")
        lines = app.cache.lines
        missing = False
        for row in range(height):
            i = app.first + row
            if row:
                out.append("\n")
            if i >= len(lines):
                out.append("~", style="dim")
                continue
            line = lines[i]
            if line is None:
                missing = True
                out.append("…", style="dim")
                continue
            raw = line["text"].rstrip("\n")
            number = line.get("ln")
            gutter = f"{number:>6} " if number else "       "
            out.append(gutter, style="dim")
            if "\t" in raw:
                shown = raw.expandtabs(app.tab_size)
                if app.show_tabs:  # mark where each tab starts
                    cells = list(shown)
                    col = 0
                    for ch in raw:
                        if ch == "\t":
                            cells[col] = "→"
                            col += app.tab_size - col % app.tab_size
                        else:
                            col += 1
                    shown = "".join(cells)
                text = Text(shown)
            else:
                text = Text(raw)
            mapping = None
            if "\t" in raw:  # character index -> column after expanding tabs
                mapping, col = [], 0
                for ch in raw:
                    mapping.append(col)
                    col += app.tab_size - col % app.tab_size if ch == "\t" else 1
                mapping.append(col)
            styles = line.get("styles") or []
            end = 0
            for k in range(0, len(styles), 3):
                start = end + styles[k]
                end = start + styles[k + 1]
                a, b = _char_col(raw, start), _char_col(raw, end)
                if mapping:
                    a, b = mapping[a], mapping[b]
                text.stylize("reverse" if styles[k + 2] == 0 else "on dark_goldenrod", a, b)
            for c8 in line.get("cursor") or []:
                c = _char_col(raw, c8)
                if mapping:
                    c = mapping[c]
                if c >= len(text.plain):
                    text.append(" ")
                text.stylize("reverse blink", c, c + 1)
            if app.left:  # scrolled sideways: drop the columns left of the view
                text = text[app.left:] if app.left < len(text.plain) else Text("")
            out.append_text(text)
        if missing:
            app.request_missing()
        return out

    def on_resize(self, event: events.Resize) -> None:
        self.editor.send_scroll()

    def _position(self, x: int, y: int) -> tuple[int, int]:
        """(line, UTF-8 column) of screen cell (x, y)."""
        app = self.editor
        line = app.first + y
        col = max(0, x - GUTTER) + app.left
        cached = app.cache.lines[line] if 0 <= line < len(app.cache.lines) else None
        if cached is not None:  # screen column -> UTF-8 column
            raw = cached["text"].rstrip("\n")
            chars, width = 0, 0
            for ch in raw:
                step = app.tab_size - width % app.tab_size if ch == "\t" else cell_len(ch)
                if width + step > col:
                    break
                width += step
                chars += 1
            col = len(raw[:chars].encode("utf-8"))
        return line, col

    def on_mouse_move(self, event: events.MouseMove) -> None:
        if event.button == 1:  # dragging with the left button extends the selection
            line, col = self._position(event.x, event.y)
            self.editor.edit("drag", [line, col, 0])

    def on_mouse_down(self, event: events.MouseDown) -> None:
        line, col = self._position(event.x, event.y)
        ty = "toggle_sel" if event.ctrl else ("range_select" if event.shift else "point_select")
        self.editor.edit("gesture", {"line": line, "col": col, "ty": ty})

    def on_click(self, event: events.Click) -> None:
        chain = getattr(event, "chain", 1)
        if chain >= 2:  # double click: the word; triple: the line
            line, col = self._position(event.x, event.y)
            self.editor.edit("gesture", {"line": line, "col": col,
                                         "ty": "word_select" if chain == 2 else "line_select"})

    def on_mouse_scroll_down(self, event: events.MouseScrollDown) -> None:
        self.editor.scroll_by(3)

    def on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        self.editor.scroll_by(-3)


class EditorApp(App[None]):
    """``symphony edit FILE``."""

    CSS = """
    #status { height: 1; background: $boost; }
    #prompt { display: none; height: 3; }
    #prompt.visible { display: block; }
    """

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", priority=True),
        Binding("ctrl+q", "quit_editor", "Quit", priority=True),
        Binding("ctrl+f", "prompt('find')", "Find", priority=True),
        Binding("ctrl+r", "prompt('replace')", "Replace", priority=True),
        Binding("ctrl+g", "prompt('goto')", "Go to line", priority=True),
        Binding("ctrl+w", "toggle_wrap", "Wrap", priority=True),
    ]

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

    def __init__(self, path: str, argv: list[str] | None = None) -> None:
        super().__init__()
        self.path = os.path.abspath(path)
        self.cache = LineCache()
        self.first = 0
        self.view_id: str | None = None
        self._before_open: list[Callable[[], None]] | None = []  # what the user did before the view opened
        self.pristine = True
        self.caret = (0, 0)
        self.cursors = 1
        self.matches: int | None = None
        self.message = ""
        self.tab_size = 4
        self.show_tabs = False
        self.left = 0  # first text column shown (horizontal scrolling, wrapping off)
        self.kill_buffer = ""
        self._quit_armed = False
        self._prompt_kind = ""
        self._requested: tuple[int, int] | None = None
        self._argv = argv
        self._sent_width = 0
        self.word_wrap = False
        self.core: CoreConnection | None = None

    # -- layout ---------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Vertical():
            self.editor_view = EditorView(self)
            yield self.editor_view
            yield Input(id="prompt")
            yield Static(id="status")

    def on_mount(self) -> None:
        self.core = CoreConnection(self._from_core, self._argv, measure=cell_len)
        self.core.request("client_started", {})
        params = {"file_path": self.path}
        self.core.request("new_view", params, lambda result, error: self.call_from_thread(self._opened, result, error))
        self.editor_view.focus()
        self.refresh_status()

    def _opened(self, view_id: Any, error: Any) -> None:
        waiting, self._before_open = self._before_open or [], None
        if error:
            self.message = f"cannot open: {error.get('message')}"
            self.refresh_status()
            return
        self.view_id = view_id
        self.send_scroll()
        for action in waiting:  # keys typed while the core was still opening the file
            action()

    def _opening(self, action: Callable[[], None]) -> bool:
        """Whether the view is not open yet; if it is still opening, ``action`` runs once it is.

        The core sends the first ``update`` before it answers ``new_view``, so the user can
        see the text and type before the frontend knows its view id; those keys are kept
        and sent in order, not dropped.
        """
        if self.core is not None and self.view_id is not None:
            return False
        if self.core is not None and self._before_open is not None:
            self._before_open.append(action)
        return True

    # -- messages from the core -----------------------------------------------------------

    def _from_core(self, method: str, params: Any) -> None:
        self.call_from_thread(self._handle, method, params)

    def _handle(self, method: str, params: Any) -> None:
        if method == "update":
            self.cache.apply(params["update"]["ops"])
            self.pristine = params["update"].get("pristine", self.pristine)
            self._requested = None
            self.cursors = sum(len(line.get("cursor") or []) for line in self.cache.lines if line)
            self.editor_view.refresh()
        elif method == "scroll_to":
            self.caret = (params["line"], params["col"])
            height = max(1, self.editor_view.size.height)
            line = params["line"]
            cached = self.cache.lines[line] if 0 <= line < len(self.cache.lines) else None
            raw = cached["text"].rstrip("\n") if cached is not None else ""
            col = cell_len(raw.encode("utf-8")[:params["col"]].decode("utf-8", "ignore").expandtabs(self.tab_size))
            width = max(1, self.editor_view.size.width - GUTTER - 1)
            if col < self.left or col >= self.left + width:  # keep the caret's column in view
                self.left = max(0, col - width // 2)
                self.editor_view.refresh()
            if line < self.first or line >= self.first + height:
                self.first = max(0, line - height // 2)
                self.send_scroll()
        elif method == "config_changed":
            self.tab_size = int(params["changes"].get("tab_size", self.tab_size))
            self.show_tabs = bool(params["changes"].get("show_tabs", self.show_tabs))
            self.word_wrap = bool(params["changes"].get("word_wrap", self.word_wrap))
            self.editor_view.refresh()
        elif method == "find_status":
            queries = params.get("queries") or []
            self.matches = queries[0].get("matches") if queries else None
        elif method == "alert":
            self.message = params.get("msg", "")
        self.refresh_status()

    def refresh_status(self) -> None:
        name = os.path.basename(self.path)
        flag = "" if self.pristine else " [modified]"
        parts = [f"{name}{flag}", f"Ln {self.caret[0] + 1}, Col {self.caret[1] + 1}"]
        if self.cursors > 1:
            parts.append(f"{self.cursors} cursors")
        if self.matches is not None:
            parts.append(f"{self.matches} matches")
        if self.message:
            parts.append(self.message)
        try:
            self.query_one("#status", Static).update(Text("  |  ".join(parts)))  # not markup
        except Exception:  # noqa: BLE001 - before the layout exists
            pass

    # -- talking to the core --------------------------------------------------------------

    def edit(self, method: str, params: Any = None, callback: Callable[[Any, Any], None] | None = None) -> None:
        if self._opening(lambda: self.edit(method, params, callback)):
            return
        assert self.core is not None and self.view_id is not None
        body: dict[str, Any] = {"view_id": self.view_id, "method": method}
        if params is not None:
            body["params"] = params
        if callback is None:
            self.core.notify("edit", body)
        else:
            self.core.request("edit", body, lambda r, e: self.call_from_thread(callback, r, e))

    def send_scroll(self) -> None:
        height = max(1, self.editor_view.size.height)
        self.edit("scroll", [self.first, self.first + height])
        width = max(1, self.editor_view.size.width - GUTTER)
        if width != self._sent_width:
            self._sent_width = width
            self.edit("resize", {"width": width, "height": height})
        self.editor_view.refresh()

    def scroll_by(self, delta: int) -> None:
        self.first = max(0, min(self.first + delta, max(0, len(self.cache.lines) - 1)))
        self.send_scroll()

    def request_missing(self) -> None:
        height = max(1, self.editor_view.size.height)
        want = (self.first, self.first + height)
        if self._requested != want:
            self._requested = want
            self.edit("request_lines", list(want))

    # -- keys -----------------------------------------------------------------------------

    def on_key(self, event: events.Key) -> None:
        if self.focused is not self.editor_view:
            return
        self._quit_armed = False if event.key != "ctrl+q" else self._quit_armed
        self.message = ""
        key = event.key
        if key in self.KEYMAP:
            method, params = self.KEYMAP[key]
            self.edit(method, params)
        elif key == "ctrl+c":
            self.edit("copy", None, lambda r, e: setattr(self, "kill_buffer", r or self.kill_buffer))
        elif key == "ctrl+x":
            self.edit("cut", None, lambda r, e: setattr(self, "kill_buffer", r or self.kill_buffer))
        elif key == "ctrl+v":
            if self.kill_buffer:
                self.edit("paste", {"chars": self.kill_buffer})
        elif key == "ctrl+d":
            self.edit("selection_for_find", {"case_sensitive": True})
            self.edit("find_next", {"wrap_around": True, "allow_same": True, "modify_selection": "add"})
        elif event.character and event.is_printable:
            self.edit("insert", {"chars": event.character})
        else:
            return
        event.stop()
        event.prevent_default()

    def on_paste(self, event: events.Paste) -> None:
        self.edit("paste", {"chars": event.text})

    # -- actions --------------------------------------------------------------------------

    def action_save(self) -> None:
        if self._opening(self.action_save):
            return
        assert self.core is not None and self.view_id is not None

        def done(result: Any, error: Any) -> None:
            self.message = f"save failed: {error.get('message')}" if error else f"saved {self.path}"
            self.refresh_status()

        self.core.request("save", {"view_id": self.view_id, "file_path": self.path},
                          lambda r, e: self.call_from_thread(done, r, e))

    def action_toggle_wrap(self) -> None:
        if self._opening(self.action_toggle_wrap):
            return
        assert self.core is not None and self.view_id is not None
        self.word_wrap = not self.word_wrap
        self.core.request("modify_user_config", {"domain": {"user_override": self.view_id},
                                                 "changes": {"word_wrap": self.word_wrap, "wrap_width": 0}})
        self.message = "wrap on" if self.word_wrap else "wrap off"
        self.refresh_status()

    def action_quit_editor(self) -> None:
        if not self.pristine and not self._quit_armed:
            self._quit_armed = True
            self.message = "unsaved changes: Ctrl+Q again to quit without saving"
            self.refresh_status()
            return
        self.exit()

    def action_prompt(self, kind: str) -> None:
        prompt = self.query_one("#prompt", Input)
        self._prompt_kind = kind
        prompt.placeholder = {"find": "find (re: prefix for a regex)", "replace": "find => replacement",
                              "goto": "line number"}[kind]
        prompt.value = ""
        prompt.add_class("visible")
        prompt.focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        prompt = self.query_one("#prompt", Input)
        prompt.remove_class("visible")
        self.editor_view.focus()
        value = event.value
        if self._prompt_kind == "find" and value:
            regex = value.startswith("re:")
            self.edit("find", {"chars": value[3:] if regex else value, "case_sensitive": False, "regex": regex})
            self.edit("find_next", {"wrap_around": True, "allow_same": True})
        elif self._prompt_kind == "replace" and "=>" in value:
            find, repl = (x.strip() for x in value.split("=>", 1))
            self.edit("find", {"chars": find, "case_sensitive": True})
            self.edit("replace", {"chars": repl})
            self.edit("replace_all", {})
        elif self._prompt_kind == "goto" and value.strip().isdigit():
            self.edit("goto_line", {"line": max(0, int(value) - 1)})

    def on_unmount(self) -> None:
        if self.core is not None:
            self.core.close()
            self.core = None

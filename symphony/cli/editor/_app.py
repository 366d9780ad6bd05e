"""The terminal editor behind ``symphony edit``: a textual app that is a plain xi frontend.

It starts ``symphony serve`` as a child process and speaks the frontend protocol to it
over pipes, exactly as xi's frontends drove xi-core: it never touches a buffer. Its whole
picture of the document is a line cache kept up to date by ``update`` ops alone; lines it
lacks it asks for with ``request_lines``.

The view follows the caret (``_follow``). What plugins add is read and asked for in
``_language``: diagnostics from the ``update`` annotations (a gutter marker, the message of
the one at the caret in the status line), status items, hover, completion, go to
definition and rename (the bundled ``symphony-lsp`` plugin answers ``plugin_rpc`` requests).
Ctrl+P runs the conductor's tasks and the extensions' commands on the selection (``_tasks``).

The keys are listed in ``_keys.HELP`` (F1 shows them).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from typing import Any

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual import events
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Footer, Input, Static

from ._cache import LineCache
from ._core_client import CoreConnection
from ._diagnostics import Diagnostics
from ._follow import CaretFollowing
from ._help import HelpScreen
from ._keys import ALIASES, KEYMAP, LANGUAGE_KEYS, key_of_position_report
from ._language import LanguageFeatures, caret_cell
from ._palette import PaletteScreen
from ._popup import Popup
from ._prompt import PromptLine
from ._task_panel import TaskPanel
from ._tasks import TaskFeatures
from ._view import GUTTER, EditorView, style_of

__all__ = ["EditorApp"]


class CoreEvent(Message):
    """Something from the core (a notification or a request's answer), run on the app's loop.

    The reader thread posts these and never waits for the app, so quitting (which waits for
    the reader to end) cannot deadlock with it.
    """

    def __init__(self, fn: Callable[..., None], args: tuple[Any, ...]) -> None:
        super().__init__()
        self.fn = fn
        self.args = args


def _stamp(path: str) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size


class EditorApp(CaretFollowing, PromptLine, App[None]):
    """``symphony edit FILE``."""

    CSS = """
    Screen { layers: base overlay; }
    #status { height: auto; max-height: 3; background: $boost; }
    #prompt { display: none; height: 3; }
    #prompt.visible { display: block; }
    """

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", priority=True),
        Binding("ctrl+q", "quit_editor", "Quit", priority=True),
        Binding("ctrl+f", "prompt('find')", "Find", priority=True),
        Binding("ctrl+r", "prompt('replace')", "Replace", priority=True),
        Binding("ctrl+g", "prompt('goto')", "Go to", priority=True),
        Binding("ctrl+w", "toggle_wrap", "Wrap", priority=True, show=False),
        Binding("f1", "help", "Help", priority=True),
        Binding("ctrl+p", "palette", "Run", priority=True),
    ]

    KEYMAP = KEYMAP
    ENABLE_COMMAND_PALETTE = False  # Ctrl+P is free for the editor; F1 lists the keys

    def __init__(self, path: str, argv: list[str] | None = None) -> None:
        super().__init__()
        self.path = os.path.abspath(path)
        self.cache = LineCache()
        self.first = 0  # first visual line shown
        self.left = 0  # first text column shown (horizontal scrolling, wrapping off)
        self.view_id: str | None = None
        self._before_open: list[Callable[[], None]] | None = []  # what the user did before the view opened
        self.pristine = True
        self.caret = (0, 0)  # (visual line, UTF-8 column) of the last cursor, from scroll_to
        self.cursors = 1
        self.cursors_complete = True  # False when some cursors may lie in lines the app has not got
        self.matches: int | None = None
        self.message = ""
        self.tab_size = 4
        self.show_tabs = False
        self.syntax_styles: dict[int, Style] = {}  # def_style: style id -> terminal style
        self.word_wrap = False
        self.kill_buffer = ""
        self.core: CoreConnection | None = None
        self._quit_armed = False
        self._save_armed = False
        self._disk_changed = False
        self._disk_stamp: tuple[int, int] | None = None
        self._prompt_kind = ""
        self._requested: tuple[int, int] | None = None
        self._counting = False
        self._argv = argv
        self._sent_width = 0
        self._column_pending = False  # the caret's line was not cached: fix the column on the next update
        self._seek: tuple[int, int] | None = None  # the caret's logical (line, column) while its row is unknown
        self._seek_armed = False  # the core has applied the change that moved the rows
        self.popup = Popup()
        #: diagnostics, plugins' status items, hover, completion, definition, rename
        self.language = LanguageFeatures(self, self.popup)
        #: Ctrl+P: tasks and extension commands on the selection, their results in the panel
        self.tasks = TaskFeatures(self, TaskPanel(lambda score: self.tasks.rate(score),
                                                     lambda: self.editor_view.focus()))

    @property
    def diagnostics(self) -> Diagnostics:
        """The diagnostics of the lines held (the gutter's markers)."""
        return self.language.diagnostics

    # -- layout ---------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Vertical():
            self.editor_view = EditorView(self)
            yield self.editor_view
            yield self.tasks.panel
            self.prompt_line = Input(id="prompt")
            yield self.prompt_line
            yield Static(id="status")
            yield Footer()
        yield self.popup

    def on_mount(self) -> None:
        self._disk_stamp = _stamp(self.path)
        self.core = CoreConnection(self._from_core, self._argv, measure=cell_len)
        self.core.request("client_started", {})
        self.core.request("new_view", {"file_path": self.path}, self.answer(self._opened))
        self.editor_view.focus()
        self.refresh_status()

    def _opened(self, view_id: Any, error: Any) -> None:
        waiting, self._before_open = self._before_open or [], None
        if error:
            reason = error.get("message") if isinstance(error, dict) else error
            self.exit(return_code=1, message=f"symphony edit: cannot open {self.path}: {reason}")
            return
        self.view_id = view_id
        self.send_scroll()
        self.tasks.refresh()
        for action in waiting:  # keys typed while the core was still opening the file
            action()

    def _opening(self, action: Callable[[], None]) -> bool:
        """Whether the view is not open yet; if it is still opening, ``action`` runs once it is.

        The core may send the first ``update`` before or after it answers ``new_view``, so
        the user can see the text and type before the frontend knows its view id; those
        keys are kept and sent in order, not dropped.
        """
        if self.core is not None and self.view_id is not None:
            return False
        if self.core is not None and self._before_open is not None:
            self._before_open.append(action)
        return True

    # -- messages from the core -----------------------------------------------------------

    def _post(self, fn: Callable[..., None], *args: Any) -> None:
        """Run ``fn(*args)`` on the app's loop (called on the reader thread; never waits)."""
        try:
            self.post_message(CoreEvent(fn, args))
        except RuntimeError:  # the loop is gone: the app has ended
            pass

    def answer(self, fn: Callable[[Any, Any], None]) -> Callable[[Any, Any], None]:
        """A callback for a request's answer that runs ``fn(result, error)`` on the app's loop."""
        return lambda result, error: self._post(fn, result, error)

    def on_core_event(self, event: CoreEvent) -> None:
        if self.core is not None:
            event.fn(*event.args)

    def _from_core(self, method: str, params: Any) -> None:
        self._post(self._handle, method, params)

    def _handle(self, method: str, params: Any) -> None:
        if method == "update":
            self.cache.apply(params["update"]["ops"])
            if "annotations" in params["update"]:
                self.language.diagnostics.apply(params["update"]["annotations"])
            self.pristine = params["update"].get("pristine", self.pristine)
            if self.pristine:  # the buffer is what is on disk (loaded, saved or reloaded)
                self._disk_stamp = _stamp(self.path)
            self._requested = None
            self._count_cursors()
            if self._seek is not None and self._seek_armed:
                self._find_caret()
            elif self._column_pending:
                self.follow_caret()
            self.editor_view.refresh()
        elif method == "scroll_to":
            if self._seek is not None and self._seek_armed:  # the caret moved in the new rows: that is where it is
                self._seek, self._seek_armed = None, False
            if self._seek is None:
                self.caret = (params["line"], params["col"])
                self.follow_caret()
        elif method == "config_changed":
            changes = params.get("changes") or {}
            self.tab_size = int(changes.get("tab_size", self.tab_size))
            self.show_tabs = bool(changes.get("show_tabs", self.show_tabs))
            self.word_wrap = bool(changes.get("word_wrap", self.word_wrap))
            self.editor_view.refresh()
        elif method == "def_style" and isinstance(params, dict) and type(params.get("id")) is int:
            self.syntax_styles[params["id"]] = style_of(params)
            self.editor_view.refresh()
        elif method == "find_status":
            queries = params.get("queries") or []
            self.matches = queries[0].get("matches") if queries else None
        elif self.language.handle(method, params) or self.tasks.handle(method, params):
            pass
        elif method == "alert":
            msg = str(params.get("msg", ""))
            if "changed on disk" in msg:
                self._disk_changed = True
                msg = (f"{os.path.basename(self.path)} changed on disk and has unsaved changes here: "
                       "Ctrl+S asks before overwriting it")
            self.message = msg.replace(self.path, os.path.basename(self.path))
        self.refresh_status()

    def _count_cursors(self) -> None:
        count, complete = self.cache.cursors()
        self.cursors, self.cursors_complete = count, complete
        if count > 1 and not complete and not self._counting and self.view_id is not None:
            # cursors may lie outside the lines the app holds: ask for all of them to count
            self._counting = True
            self.edit("request_lines", [0, len(self.cache.lines)])

    def refresh_status(self) -> None:
        name = os.path.basename(self.path)
        flag = "" if self.pristine else " [modified]"
        parts = [f"{name}{flag}", f"Ln {self.caret[0] + 1}, Col {self.caret[1] + 1}"]
        if self.cursors > 1:
            parts.append(f"{self.cursors}{'' if self.cursors_complete else '+'} cursors")
        if self.matches is not None:
            parts.append(f"{self.matches} matches")
        if self.message:
            parts.append(self.message)
        else:
            diagnostic = self.language.caret_message()
            if diagnostic:
                parts.append(diagnostic)
        parts.extend(self.language.status.shown())
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
            self.core.request("edit", body, self.answer(callback))

    def send_scroll(self) -> None:
        height = max(1, self.editor_view.size.height)
        self._counting = False
        self.edit("scroll", [self.first, self.first + height])
        width = self.editor_view.text_width
        if width != self._sent_width:
            self._sent_width = width
            # lines wrap one column short of the view: the last column is for a caret after the text
            params = {"width": max(1, width - 1), "height": height}
            if self.word_wrap:  # the lines wrap anew at this width: find the caret in them after
                self._remember_caret()
                self.edit("resize", params, self._arm_seek)
            else:
                self.edit("resize", params)
        self.editor_view.refresh()

    def view_resized(self) -> None:
        if self.view_id is None:
            return
        if not self.word_wrap:
            self.follow_caret()
        self.send_scroll()

    def scroll_by(self, delta: int) -> None:
        self.first = max(0, min(self.first + delta, max(0, len(self.cache.lines) - 1)))
        self.send_scroll()

    def request_missing(self) -> None:
        height = max(1, self.editor_view.size.height)
        want = (self.first, self.first + height)
        if self._requested != want and self.view_id is not None:
            self._requested = want
            self.edit("request_lines", list(want))

    # -- keys -----------------------------------------------------------------------------

    def on_key(self, event: events.Key) -> None:
        if self.press(ALIASES.get(event.key, event.key), event.character if event.is_printable else None):
            event.stop()
            event.prevent_default()

    def on_cursor_position(self, event: events.CursorPosition) -> None:
        """xterm and tmux send Shift+F3 as ``ESC [1;2R``, which textual reads as a cursor position report."""
        key = key_of_position_report(event.x, event.y)
        if key is not None:
            self.press(key)

    def press(self, key: str, character: str | None = None) -> bool:
        """Act on textual key ``key`` (typing ``character`` if it is printable); False if it is not the editor's."""
        focused = self.focused
        if focused is self.tasks.panel and self.tasks.panel.lets_through(key):
            self.tasks.panel.action_close()  # a key that is not the result panel's closes it and goes to the text
            focused = self.editor_view
        if self.screen is not self.editor_view.screen or focused not in (self.editor_view, None):
            return False  # a prompt or the help screen has the keys (None: the focus is not set yet)
        if self.language.popup_key(key):  # the popup's own key (its others close it and go on)
            return True
        self._quit_armed = False if key != "ctrl+q" else self._quit_armed
        self._save_armed = False if key != "ctrl+s" else self._save_armed
        self.message = ""
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
            self.add_next_match()
        elif key in LANGUAGE_KEYS:
            self._language_key(LANGUAGE_KEYS[key])
        elif self.view_id is not None and self.tasks.key(key):
            pass
        elif character:
            self.edit("insert", {"chars": character})
        else:
            return False
        if self.view_id is not None:
            self.follow_caret()  # an edit where the caret is shows it, even if the view was scrolled away
        return True

    def _language_key(self, what: str) -> None:
        if self._opening(lambda: self._language_key(what)):
            return
        if what == "complete":
            self.language.complete()
        elif what == "hover":
            self.language.hover()
        elif what == "definition":
            self.language.definition()
        elif what == "rename" and self.language.start_rename():
            self.action_prompt("rename")

    def popup_origin(self) -> tuple[int, int, int]:
        """The caret's cell on the screen (x, y) and the screen's height, to place a popup by."""
        x, y = caret_cell(self, GUTTER)
        region = self.editor_view.region
        return region.x + x, region.y + y, self.size.height

    def _selection_at_caret(self) -> bool:
        line = self.cache.line(self.caret[0])
        styles = (line or {}).get("styles") or []
        end = 0
        for k in range(0, len(styles), 3):
            start = end + styles[k]
            end = start + styles[k + 1]
            if styles[k + 2] == 0 and end > start and self.caret[1] in (start, end):
                return True
        return False

    def add_next_match(self) -> None:
        """Ctrl+D: select the word at the caret; with a selection, add a cursor at its next match."""
        if self._selection_at_caret():
            self.edit("selection_for_find", {"case_sensitive": True})
            self.edit("find_next", {"wrap_around": True, "modify_selection": "add"})
        else:
            line, col = self.caret
            self.edit("gesture", {"line": line, "col": col, "ty": "multi_word_select"})

    def on_paste(self, event: events.Paste) -> None:
        self.edit("paste", {"chars": event.text})

    # -- actions --------------------------------------------------------------------------

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_palette(self) -> None:
        if self._opening(self.action_palette) or isinstance(self.screen, PaletteScreen):
            return
        palette = PaletteScreen(self.tasks.entries(), self.tasks.empty_note())
        self.push_screen(palette, self.tasks.run)
        self.tasks.refresh(lambda: palette.set_entries(self.tasks.entries(), self.tasks.empty_note()))

    def action_save(self) -> None:
        if self._opening(self.action_save):
            return
        assert self.core is not None and self.view_id is not None
        name = os.path.basename(self.path)
        changed = self._disk_changed or (not self.pristine and _stamp(self.path) != self._disk_stamp)
        if changed and not self._save_armed:
            self._save_armed = True
            self.message = f"{name} changed on disk: Ctrl+S again to overwrite it"
            self.refresh_status()
            return
        self._save_armed = False

        def done(result: Any, error: Any) -> None:
            if error:
                self.message = self._save_error(error)
            else:
                self.message = f"saved {self.path}"
                self._disk_changed = False
                self._disk_stamp = _stamp(self.path)
            self.refresh_status()

        self.core.request("save", {"view_id": self.view_id, "file_path": self.path}, self.answer(done))

    def _save_error(self, error: Any) -> str:
        """Why saving failed, naming the file the user asked for (not the temporary file)."""
        directory = os.path.dirname(self.path)
        if not os.path.isdir(directory):
            return f"cannot save {self.path}: no directory {directory}"
        if os.path.isdir(self.path):
            return f"cannot save {self.path}: it is a directory"
        if not os.access(directory, os.W_OK):
            return f"cannot save {self.path}: permission denied"
        reason = str(error.get("message") if isinstance(error, dict) else error)
        reason = re.sub(r"'[^']*\.~[^']*'", repr(self.path), reason)
        return f"cannot save {self.path}: {reason}"

    def action_toggle_wrap(self) -> None:
        if self._opening(self.action_toggle_wrap):
            return
        assert self.core is not None and self.view_id is not None
        self._remember_caret()
        self.word_wrap = not self.word_wrap
        self.left = 0
        self.core.request("modify_user_config", {"domain": {"user_override": self.view_id},
                                                 "changes": {"word_wrap": self.word_wrap, "wrap_width": 0}},
                          self.answer(self._arm_seek))
        self.message = "wrap on" if self.word_wrap else "wrap off"
        self.refresh_status()

    def action_quit_editor(self) -> None:
        if not self.pristine and not self._quit_armed:
            self._quit_armed = True
            self.message = "unsaved changes: Ctrl+Q again to quit without saving"
            self.refresh_status()
            return
        self.exit()

    def on_unmount(self) -> None:
        if self.core is not None:
            core, self.core = self.core, None
            core.close()

"""``Buffer``: one open document (rope, views, selections, undo) and every edit command.

A buffer is plain single-threaded state; :class:`symphony.text.editor.BufferActor` owns one
and runs its commands one at a time, so two views of one file always see the same text.
Commands are xi's ``edit`` methods by name (:meth:`Buffer.command`); after each, the buffer
sends every view that changed an ``update`` (and ``scroll_to`` to the view that moved)
through ``send(method, params)``.

This module holds the document itself (loading, applying edits, the update loop, undo
restore, saving); the commands are grouped by concept in their own modules, each a class
``Buffer`` inherits: ``_editing``, ``_selecting``, ``_movement``, ``_finding``,
``_recording`` and ``_scrolling`` (their shared state and helpers: ``_state``).

Invariants:

- Every view's selection is normalized (see ``_selection``) and inside the text.
- An edit command changes every region of the acting view at once, as one undo step;
  other views' regions are carried through the edit.
- ``pristine`` is true exactly when the rope is the very snapshot last loaded or saved
  (undoing back to it makes the buffer pristine again).
- Edits cost O(regions * log n) plus the text inserted; nothing on the typing path reads
  the whole document.
- Every change of the text, undo and redo included, goes through :meth:`Buffer.apply` or
  :meth:`Buffer._restore`, which tell ``edited`` (``_plugin_hooks``): one revision each.
"""

from __future__ import annotations

import os
from bisect import bisect_right
from collections.abc import Callable, Collection
from typing import Any

from ...errors import FileEncodingError, RpcError
from .._delta import Delta
from .._rope import Rope
from ._annotations import utf8_position
from ._editing import EditingCommands
from ._files import FileInfo, load_file, save_file
from ._finding import FindCommands
from ._movement import MovementCommands
from ._plugin_hooks import PluginHooks
from ._recording import NOT_RECORDED, RecordingCommands
from ._revisions import USER_PRIORITY, coarse_delta, common_prefix, delta_of
from ._scrolling import ScrollCommands
from ._selecting import SelectionCommands
from ._selection import Region, normalize
from ._state import INVALID_PARAMS, METHOD_NOT_FOUND, BufferState, Edit, Request, Send
from ._styles import StyleMap
from ._undo import History
from ._view import View, render
from ._whitespace import ensure_final_newline, trim_trailing_whitespace
from ._wrap import WrapIndex

__all__ = ["DEFAULT_CONFIG", "Buffer", "Send"]

#: Settings every buffer starts with (``config_changed`` reports them per view).
DEFAULT_CONFIG: dict[str, Any] = {
    "tab_size": 4,
    "translate_tabs_to_spaces": False,
    "autodetect_whitespace": True,
    "auto_indent": True,
    "line_ending": "\n",
    "trim_trailing_whitespace_on_save": False,
    "save_with_newline": False,
    "word_wrap": False,
    "wrap_width": 0,
    "font_face": "monospace",
    "font_size": 14,
    "use_tab_stops": True,
    "show_tabs": False,
}


class Buffer(EditingCommands, SelectionCommands, FindCommands, RecordingCommands, ScrollCommands,
             MovementCommands, PluginHooks, BufferState):
    """The state of one document and the commands that edit and move in it."""

    def __init__(self, send: Send, path: str | None = None, config: dict[str, Any] | None = None,
                 styles: StyleMap | None = None,
                 detect_language: Callable[[str | None, str], str] | None = None) -> None:
        self.send = send
        self.config = dict(DEFAULT_CONFIG)
        if config:
            self.config.update(config)
        self.info: FileInfo | None = None
        self.path = os.path.abspath(path) if path else None
        if path is not None and os.path.exists(path):
            self.rope, self.info = load_file(path)
            if self.config["autodetect_whitespace"]:
                if self.info.tabs is True:
                    self.config["translate_tabs_to_spaces"] = False
                elif self.info.indent_width:
                    self.config["translate_tabs_to_spaces"] = True
                    self.config["tab_size"] = self.info.indent_width
            self.config["line_ending"] = "\r\n" if self.info.crlf else "\n"
        else:
            self.rope = Rope("")
        self.saved: Rope = self.rope
        self.disk_gone = False
        #: the document's language (``language_changed``), from its path and first line
        self.language = (detect_language(self.path, self.rope.line(0) if len(self.rope) else "")
                         if detect_language is not None else "Plain Text")
        self.views: dict[str, View] = {}
        self.history = History()
        self._text_cache: tuple[Rope, str] | None = None
        self.kill_ring = ""
        self.recordings: dict[str, list[tuple[str, Any]]] = {}
        self.recording: str | None = None
        self.wrap: WrapIndex | None = None
        self.request: Request | None = None
        self._commands = self._command_table()
        self._init_plugins(styles)
        self.configure_wrap()

    def configure_wrap(self) -> None:
        """Start (or stop) wrapping per ``wrap_width``/``word_wrap`` and the views' widths.

        As in xi: ``wrap_width > 0`` wraps at that many columns; else ``word_wrap`` wraps at
        the width the frontend reported with ``resize``, divided by the width of one
        character as the frontend measured it (``measure_width``; a frontend that does not
        answer is taken to report its width in character cells); else no wrapping.
        """
        width = int(self.config["wrap_width"])
        if width <= 0 and self.config["word_wrap"]:
            widths = [int(v.width / (v.char_width or 1.0)) for v in self.views.values() if v.width > 0]
            width = min(widths) if widths else 0
        old = self.wrap
        if width <= 0:
            self.wrap = None
        elif old is None or old.width != width or old.tab != self.config["tab_size"]:
            self.wrap = WrapIndex(width, int(self.config["tab_size"]), self.rope.line_count)
            firsts = [v.first for v in self.views.values()] or [0]
            for first in firsts:  # long lines on screen get provisional breaks at once
                self.wrap.provisional(self.rope, max(0, first - 20), first + 120)
            if len(self.rope) <= 16 * 1024:  # a small document is wrapped before the next update
                while not self.wrap.done:
                    self.wrap.step(self.rope)
        if self.wrap is not old:
            for view in self.views.values():
                view.reset_cache()
                view.note_change(0, 0)

    def wrap_step(self, interrupt: Callable[[], bool] | None = None) -> bool:
        """Wrap some pending lines (at most about half a millisecond, and only one piece
        once ``interrupt()`` says something waits) and update the views; True while more
        remain."""
        wrap = self.wrap
        if wrap is None or wrap.done:
            return False
        changed = wrap.step(self.rope, budget=0.0005, interrupt=interrupt)
        if changed is not None:
            n = self.rope.line_count
            for view in self.views.values():
                view.note_change(changed[0], max(0, n - changed[1]))
            # an update after every step (measured: waiting 10-50 ms to batch them made
            # keystrokes slower, as the actor then held the interpreter between steps)
            self.flush()
        return not wrap.done

    @property
    def pristine(self) -> bool:
        """True when the text is what was last loaded or saved."""
        return self.rope is self.saved

    def add_view(self, view_id: str) -> View:
        """Open a view with a caret at the start; sends its config and first update."""
        view = View(view_id)
        self.views[view_id] = view
        self.send("config_changed", {"view_id": view_id, "changes": dict(self.config)})
        self.send("language_changed", {"view_id": view_id, "language_id": self.language})
        self.flush()
        return view

    def set_language(self, language: str) -> None:
        """Take ``language`` as the document's language; every view is told."""
        self.language = language
        for view_id in self.views:
            self.send("language_changed", {"view_id": view_id, "language_id": language})

    def remove_view(self, view_id: str) -> bool:
        """Close a view; returns True when it was the buffer's last one."""
        self.views.pop(view_id, None)
        return not self.views

    def cmd_resync(self, view: View, params: Any) -> None:
        """Send the view's frontend everything again (its settings, language, the whole window
        and where the caret is): a frontend that lost its line cache (a reloaded web page)
        starts afresh on the same view, its unsaved edits still here."""
        self.send("config_changed", {"view_id": view.view_id, "changes": dict(self.config)})
        self.send("language_changed", {"view_id": view.view_id, "language_id": self.language})
        view.reset_cache()
        view.fe_pristine = None
        view.last_caret = None
        self._scroll_to(view)

    def view(self, view_id: str) -> View:
        try:
            return self.views[view_id]
        except KeyError:
            raise RpcError(INVALID_PARAMS, f"no view {view_id!r}") from None

    def text(self) -> str:
        """The whole text as one ``str`` (cached per rope version; O(n) the first time)."""
        cache = self._text_cache
        if cache is None or cache[0] is not self.rope:
            cache = (self.rope, str(self.rope))
            self._text_cache = cache
        return cache[1]

    def flush(self) -> None:
        """Send each view whose frontend cache is stale an ``update`` (and ``scroll_to``)."""
        pristine = self.pristine
        styles = self.styles if self.styles.used else None
        annotations = self.annotations if self.annotations.used else None
        for view in self.views.values():
            ops = render(view, self.rope, force=view.fe_pristine is not pristine, wrap=self.wrap,
                         plugin_styles=styles)
            view.fe_pristine = pristine
            update: dict[str, Any] = {"ops": ops, "pristine": pristine}
            if annotations is not None and not annotations.add_to(update, view, self.rope, self.wrap):
                continue
            if update["ops"] is not None:
                self.send("update", {"view_id": view.view_id, "update": update})
        if self.pending_events:  # listeners (plugins) after the frontend has its update
            self.notify_listeners()

    def _scroll_to(self, view: View) -> None:
        region = view.regions[-1]
        line, col = self.rope.line_col(region.active)
        if (line, col) != view.last_caret:
            view.last_caret = (line, col)
            vline, col8 = utf8_position(self.rope, self.wrap, region.active, (line, col))
            self.send("scroll_to", {"view_id": view.view_id, "line": vline, "col": col8})

    def command(self, view_id: str, method: str, params: Any) -> Any:
        """Run edit method ``method`` for view ``view_id``; returns its result (for requests)."""
        view = self.view(view_id)
        handler = self._commands.get(method)
        if handler is None:
            raise RpcError(METHOD_NOT_FOUND, f"unknown edit method {method!r}")
        if self.recording is not None and method not in NOT_RECORDED:
            self.recordings.setdefault(self.recording, []).append((method, params))
        before = view.regions
        result = handler(view, params)
        if view.regions is not before:
            self._scroll_to(view)
        self.flush()
        return result

    def _snapshot(self) -> dict[str, list[Region]]:
        return {vid: v.regions for vid, v in self.views.items()}

    def apply(self, view: View | None, edits: list[Edit], kind: str,
              carets: Callable[[list[int]], list[Region]] | None = None, *, author: str = "user",
              priority: int = USER_PRIORITY, after_cursor: bool = False, join: bool = False) -> None:
        """Apply non-overlapping ``edits`` (sorted, in current offsets) as one undo step.

        ``carets(ends)`` gets, per edit, the new offset of the end of its inserted text and
        returns the acting view's new regions; by default each edit leaves a caret there.
        Without an acting view (a plugin's edit) every view's regions are carried; a caret
        where text is inserted goes after it, or stays before it with ``after_cursor``.
        ``join`` adds the edit to the last undo step.
        """
        edits = [e for e in edits if e[0] != e[1] or e[2]]
        if not edits:
            return
        old = self.rope
        sel_before = self._snapshot()
        rope = old
        for s, e, t in reversed(edits):
            rope = rope.replace(s, e, t)
        first_line = old.line_of_offset(edits[0][0])
        tail = old.line_count - 1 - old.line_of_offset(edits[-1][1])
        starts = [s for s, _, _ in edits]
        shifts = [0]
        for s, e, t in edits:
            shifts.append(shifts[-1] + len(t) - (e - s))
        ends = [s + shifts[k] + len(t) for k, (s, _, t) in enumerate(edits)]

        def carry(o: int) -> int:
            k = bisect_right(starts, o) - 1
            if k < 0:
                return o
            s, e, t = edits[k]
            if o >= e and not (after_cursor and o == s):
                return o + shifts[k + 1]
            return s + shifts[k] + (len(t) if o > s else 0)

        self.rope = rope
        if self.wrap is not None:
            self.wrap.on_edit(first_line, old.line_of_offset(edits[-1][1]), rope.line_of_offset(ends[-1]), rope,
                              span=(edits[0][0], edits[-1][1], ends[-1]))
        for v in self.views.values():
            if v is view:
                v.regions = normalize(carets(ends) if carets else [Region.caret(o) for o in ends])
            else:
                v.regions = normalize(Region(carry(r.anchor), carry(r.active)) for r in v.regions)
            v.note_change(first_line, tail)
        delta = delta_of(edits, len(old))
        group = self.history.record(kind, old, rope, sel_before, self._snapshot(), first_line, tail,
                                    view.view_id if view is not None else "", delta=delta, join=join)
        self.edited(old, rope, delta, kind, group, author, priority)

    def apply_delta(self, delta: Delta, kind: str, *, author: str, priority: int, after_cursor: bool,
                    join: bool) -> None:
        """Apply ``delta`` (on the current text) as :meth:`apply` does without an acting view."""
        self.apply(None, delta.edits(), kind, author=author, priority=priority, after_cursor=after_cursor,
                   join=join)

    def _restore(self, rope: Rope, sels: dict[str, list[Region]], first_line: int, tail: int,
                 delta: Delta | None = None, kind: str = "undo", group: int | None = None) -> None:
        old = self.rope
        if delta is None or delta.base_len != len(old):  # (every step has its delta; be safe)
            delta = coarse_delta(old, rope, first_line, tail)
        self.rope = rope
        if self.wrap is not None:
            self.wrap.on_edit(first_line, old.line_count - 1 - tail, rope.line_count - 1 - tail, rope)
        n = len(rope)
        for vid, v in self.views.items():
            regions = sels.get(vid)
            if regions is None:
                regions = [Region(min(r.anchor, n), min(r.active, n)) for r in v.regions]
            v.regions = normalize(regions)
            v.note_change(first_line, tail)
        self.edited(old, rope, delta, kind, group)

    def replace_selections(self, view: View, texts: list[str] | str, kind: str) -> None:
        """Replace each region by its text (one text for all, or one per region)."""
        regions = view.regions
        if isinstance(texts, str):
            texts = [texts] * len(regions)
        self.apply(view, [(r.start, r.end, t) for r, t in zip(regions, texts)], kind)

    def _command_table(self) -> dict[str, Callable[[View, Any], Any]]:
        table: dict[str, Callable[[View, Any], Any]] = {
            "insert": self.cmd_insert,
            "paste": self.cmd_paste,
            "delete_backward": lambda v, p: self.delete_by(v, "left", "delete_backward"),
            "delete_forward": lambda v, p: self.delete_by(v, "right", "delete_forward"),
            "delete_word_backward": lambda v, p: self.delete_by(v, "word_left", "delete_word"),
            "delete_word_forward": lambda v, p: self.delete_by(v, "word_right", "delete_word"),
            "delete_to_beginning_of_line": lambda v, p: self.delete_by(v, "line_start", "delete_line"),
            "delete_to_end_of_paragraph": self.cmd_kill_to_end,
            "yank": lambda v, p: self.replace_selections(v, self.kill_ring, "paste"),
            "insert_newline": self.cmd_insert_newline,
            "insert_tab": self.cmd_insert_tab,
            "select_all": self.cmd_select_all,
            "collapse_selections": self.cmd_collapse,
            "cancel_operation": self.cmd_cancel,
            "add_selection_above": lambda v, p: self.add_selection(v, -1),
            "add_selection_below": lambda v, p: self.add_selection(v, 1),
            "selection_into_lines": self.cmd_selection_into_lines,
            "duplicate_line": self.cmd_duplicate_line,
            "transpose": self.cmd_transpose,
            "uppercase": lambda v, p: self.transform(v, str.upper),
            "lowercase": lambda v, p: self.transform(v, str.lower),
            "capitalize": lambda v, p: self.transform(v, str.capitalize),
            "indent": lambda v, p: self.cmd_indent(v, True),
            "outdent": lambda v, p: self.cmd_indent(v, False),
            "copy": self.cmd_copy,
            "cut": self.cmd_cut,
            "undo": self.cmd_undo,
            "redo": self.cmd_redo,
            "goto_line": self.cmd_goto_line,
            "scroll": self.cmd_scroll,
            "resize": self.cmd_resize,
            "request_lines": self.cmd_request_lines,
            "click": self.cmd_click,
            "drag": self.cmd_drag,
            "gesture": self.cmd_gesture,
            "find": self.cmd_find,
            "find_next": lambda v, p: self.cmd_find_next(v, p, forward=True),
            "find_previous": lambda v, p: self.cmd_find_next(v, p, forward=False),
            "find_all": self.cmd_find_all,
            "multi_find": self.cmd_multi_find,
            "highlight_find": self.cmd_highlight_find,
            "selection_for_find": self.cmd_selection_for_find,
            "replace": self.cmd_replace,
            "selection_for_replace": self.cmd_selection_for_replace,
            "replace_next": self.cmd_replace_next,
            "replace_all": self.cmd_replace_all,
            "debug_get_contents": lambda v, p: str(self.rope),
            "resync": self.cmd_resync,
            "increase_number": lambda v, p: self.change_numbers(v, 1),
            "decrease_number": lambda v, p: self.change_numbers(v, -1),
            "toggle_recording": self.cmd_toggle_recording,
            "play_recording": self.cmd_play_recording,
            "clear_recording": self.cmd_clear_recording,
        }
        movements = {
            "move_left": "left", "move_right": "right", "move_up": "up", "move_down": "down",
            "move_word_left": "word_left", "move_word_right": "word_right",
            "move_to_left_end_of_line": "line_start", "move_to_right_end_of_line": "line_end",
            "move_to_beginning_of_paragraph": "line_start", "move_to_end_of_paragraph": "line_end",
            "move_to_beginning_of_document": "doc_start", "move_to_end_of_document": "doc_end",
            "scroll_page_up": "page_up", "scroll_page_down": "page_down",
        }
        for name, movement in movements.items():
            table[name] = self._mover(movement, False)
            table[name + "_and_modify_selection"] = self._mover(movement, True)
        table["page_up_and_modify_selection"] = lambda v, p: self.move(v, "page_up", True)
        table["page_down_and_modify_selection"] = lambda v, p: self.move(v, "page_down", True)
        table["move_page_up"] = table["scroll_page_up"]
        table["move_page_down"] = table["scroll_page_down"]
        return table

    def _mover(self, movement: str, extend: bool) -> Callable[[View, Any], None]:
        def run(view: View, params: Any) -> None:
            self.move(view, movement, extend)
        return run

    def save(self, path: str | None) -> None:
        """Save to ``path`` (or the buffer's own path) atomically, applying the save options."""
        target = os.path.abspath(path) if path else self.path
        if target is None:
            raise RpcError(INVALID_PARAMS, "no file path to save to")
        text = self.text()
        fixed = text
        if self.config["trim_trailing_whitespace_on_save"]:
            fixed = trim_trailing_whitespace(fixed)
        if self.config["save_with_newline"]:
            fixed = ensure_final_newline(fixed)
        if fixed != text and self.views:
            view = next(iter(self.views.values()))
            regions = view.regions
            self.history.seal()
            self.apply(view, [(0, len(self.rope), fixed)], "save_fixups",
                       carets=lambda ends: [Region(min(r.anchor, len(fixed)), min(r.active, len(fixed)))
                                            for r in regions])
            self.history.seal()
        crlf = self.config["line_ending"] == "\r\n"
        bom = self.info.bom if self.info is not None else False
        st = save_file(target, fixed, crlf=crlf, bom=bom)
        if self.info is None or self.path != target:
            self.info = FileInfo(path=target, bom=bom, crlf=crlf)
        self.path = target
        self.info.mtime_ns, self.info.size, self.info.identity = st.st_mtime_ns, st.st_size, (st.st_dev, st.st_ino)
        self.disk_gone = False
        self.saved = self.rope
        self.history.seal()
        self.flush()

    def check_disk(self, added: Collection[str] = ()) -> None:
        """Bring the buffer in line with its file after a change on disk.

        A changed file reloads when the buffer is pristine (as one undoable edit) and is
        reported when it has unsaved edits; a file that went away is reported once as
        deleted, or as renamed when one of the ``added`` paths is the same file (same
        device and inode). Each view gets a ``file_changed`` notification and the frontend
        an ``alert``; nothing on disk is touched. A report that matches what was loaded or
        saved (our own save, a touch with no change) does nothing.
        """
        if self.path is None or self.info is None:
            return
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            if not self.disk_gone:
                self.disk_gone = True
                self._file_gone(added)
            return
        except OSError:
            return
        self.disk_gone = False
        if (st.st_mtime_ns, st.st_size) == (self.info.mtime_ns, self.info.size):
            return
        self.info.mtime_ns, self.info.size = st.st_mtime_ns, st.st_size
        if not self.pristine:
            self._file_changed("modified", f"{self.path} changed on disk; the buffer has unsaved changes")
            return
        try:
            rope, info = load_file(self.path)
        except (OSError, FileEncodingError) as exc:
            self._file_changed("modified", f"{self.path} changed on disk and cannot be read again: {exc}")
            return
        self.info = info
        a, b = self.text(), str(rope)
        d_start = common_prefix(a, b)
        d_end = common_prefix(a[d_start:][::-1], b[d_start:][::-1])
        if not self.views:
            self.edited(self.rope, rope, Delta.replace(len(a), d_start, len(a) - d_end, b[d_start:len(b) - d_end]),
                        "reload", None)
        else:
            view = next(iter(self.views.values()))
            regions = view.regions
            n_new = len(rope)
            self.history.seal()
            self.apply(view, [(d_start, len(a) - d_end, b[d_start:len(b) - d_end])], "reload",
                       carets=lambda ends: [Region(min(r.anchor, n_new), min(r.active, n_new)) for r in regions])
            self.history.seal()
        self.rope = rope
        self.saved = rope
        self.flush()
        self._file_changed("reloaded", None)

    def _file_gone(self, added: Collection[str]) -> None:
        assert self.info is not None and self.path is not None
        new_path = _same_file(self.info.identity, added, os.path.dirname(self.path))
        if new_path is not None:
            self._file_changed("renamed", f"{self.path} was renamed on disk to {new_path}; "
                               "saving writes the old name again", new_path=new_path)
        else:
            self._file_changed("deleted", f"{self.path} was deleted on disk; saving writes it again")

    def _file_changed(self, change: str, alert: str | None, new_path: str | None = None) -> None:
        for view_id in self.views:
            params: dict[str, Any] = {"view_id": view_id, "path": self.path, "change": change,
                                      "pristine": self.pristine}
            if new_path is not None:
                params["new_path"] = new_path
            self.send("file_changed", params)
        if alert is not None:
            self.send("alert", {"msg": alert})


def _same_file(identity: tuple[int, int], added: Collection[str], directory: str) -> str | None:
    """The path, among ``added`` and the entries of ``directory``, of the file whose
    (device, inode) is ``identity``: where a renamed file went."""
    dev, ino = identity
    candidates = list(added)
    try:
        with os.scandir(directory) as entries:
            candidates += [e.path for e in entries if e.inode() == ino]
    except OSError:
        pass
    for path in candidates:
        try:
            st = os.stat(path)
        except OSError:
            continue
        if (st.st_dev, st.st_ino) == (dev, ino):
            return os.path.abspath(path)
    return None


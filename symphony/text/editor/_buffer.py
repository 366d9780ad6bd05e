"""``Buffer``: one open document (rope, views, selections, undo) and every edit command.

A buffer is plain single-threaded state; :class:`symphony.text.editor.BufferActor` owns one
and runs its commands one at a time, so two views of one file always see the same text.
Commands are xi's ``edit`` methods by name (:meth:`Buffer.command`); after each, the buffer
sends every view that changed an ``update`` (and ``scroll_to`` to the view that moved)
through ``send(method, params)``.

Invariants:

- Every view's selection is normalized (see ``_selection``) and inside the text.
- An edit command changes every region of the acting view at once, as one undo step;
  other views' regions are carried through the edit.
- ``pristine`` is true exactly when the rope is the very snapshot last loaded or saved
  (undoing back to it makes the buffer pristine again).
- Edits cost O(regions * log n) plus the text inserted; nothing on the typing path reads
  the whole document.
"""

from __future__ import annotations

import os
import re
from bisect import bisect_right
from collections.abc import Callable
from typing import Any

from ...errors import RpcError
from .._rope import Rope
from . import _words as words
from ._files import FileInfo, load_file, save_file
from ._find import Query, combine_queries, compile_query
from ._selection import Region, normalize
from ._undo import History
from ._view import View, render
from ._whitespace import ensure_final_newline, trim_trailing_whitespace
from ._wrap import WrapIndex

__all__ = ["DEFAULT_CONFIG", "Buffer"]

INVALID_PARAMS = -32602
#: Most lines a scroll window may span (a larger ``scroll`` is cut to this).
MAX_SCROLL_HEIGHT = 1000
METHOD_NOT_FOUND = -32601

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

Send = Callable[[str, dict[str, Any]], None]
#: ``request(method, params, on_result)``: ask the frontend; ``on_result(result)`` runs
#: later in the buffer's own context (``None`` result when the frontend answered an error).
Request = Callable[[str, Any, Callable[[Any], None]], None]
Edit = tuple[int, int, str]


def _p(params: Any, key: str, kind: type | tuple[type, ...], default: Any = ...) -> Any:
    """Parameter ``key`` of type ``kind``, or ``RpcError(-32602)``."""
    if not isinstance(params, dict):
        if default is not ...:
            return default
        raise RpcError(INVALID_PARAMS, f"params must be an object with {key!r}")
    if key not in params:
        if default is ...:
            raise RpcError(INVALID_PARAMS, f"missing parameter {key!r}")
        return default
    value = params[key]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise RpcError(INVALID_PARAMS, f"parameter {key!r} has the wrong type")
    return value


def _pair(params: Any) -> tuple[int, int]:
    if (not isinstance(params, (list, tuple)) or len(params) < 2
            or not all(isinstance(x, int) and not isinstance(x, bool) for x in params[:2])):
        raise RpcError(INVALID_PARAMS, "expected [int, int]")
    return int(params[0]), int(params[1])


class Buffer:
    """The state of one document and the commands that edit and move in it."""

    def __init__(self, send: Send, path: str | None = None, config: dict[str, Any] | None = None) -> None:
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
        self.views: dict[str, View] = {}
        self.history = History()
        self._text_cache: tuple[Rope, str] | None = None
        self.kill_ring = ""
        self.recordings: dict[str, list[tuple[str, Any]]] = {}
        self.recording: str | None = None
        self.wrap: WrapIndex | None = None
        self.request: Request | None = None
        self._commands = self._command_table()
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

    def wrap_step(self) -> bool:
        """Wrap some pending lines (a few ms) and update the views; True while more remain."""
        wrap = self.wrap
        if wrap is None or wrap.done:
            return False
        changed = wrap.step(self.rope, budget=0.001)
        if changed is not None:
            n = self.rope.line_count
            for view in self.views.values():
                view.note_change(changed[0], max(0, n - changed[1]))
            self.flush()
        return not wrap.done

    # -- views ----------------------------------------------------------------------------

    @property
    def pristine(self) -> bool:
        """True when the text is what was last loaded or saved."""
        return self.rope is self.saved

    def add_view(self, view_id: str) -> View:
        """Open a view with a caret at the start; sends its config and first update."""
        view = View(view_id)
        self.views[view_id] = view
        self.send("config_changed", {"view_id": view_id, "changes": dict(self.config)})
        self.send("language_changed", {"view_id": view_id, "language_id": "Plain Text"})
        self.flush()
        return view

    def remove_view(self, view_id: str) -> bool:
        """Close a view; returns True when it was the buffer's last one."""
        self.views.pop(view_id, None)
        return not self.views

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

    # -- the update loop ------------------------------------------------------------------

    def flush(self) -> None:
        """Send each view whose frontend cache is stale an ``update`` (and ``scroll_to``)."""
        pristine = self.pristine
        for view in self.views.values():
            ops = render(view, self.rope, force=view.fe_pristine is not pristine, wrap=self.wrap)
            view.fe_pristine = pristine
            if ops is not None:
                self.send("update", {"view_id": view.view_id, "update": {"ops": ops, "pristine": pristine}})

    def _scroll_to(self, view: View) -> None:
        region = view.regions[-1]
        line, col = self.rope.line_col(region.active)
        if (line, col) != view.last_caret:
            view.last_caret = (line, col)
            start = region.active - col
            vline = line
            if self.wrap is not None:
                segs = self.wrap.segments(line)
                k = bisect_right(segs, col) - 1 if col < _line_len(self.rope, line) else len(segs) - 1
                vline = self.wrap.vis_of_line(line) + k
                start, col = start + segs[k], col - segs[k]
            text = self.rope[start:start + col] if col else ""
            col8 = len(text.encode("utf-8", "surrogatepass")) if col else 0
            self.send("scroll_to", {"view_id": view.view_id, "line": vline, "col": col8})

    def command(self, view_id: str, method: str, params: Any) -> Any:
        """Run edit method ``method`` for view ``view_id``; returns its result (for requests)."""
        view = self.view(view_id)
        handler = self._commands.get(method)
        if handler is None:
            raise RpcError(METHOD_NOT_FOUND, f"unknown edit method {method!r}")
        if self.recording is not None and method not in _NOT_RECORDED:
            self.recordings.setdefault(self.recording, []).append((method, params))
        before = view.regions
        result = handler(view, params)
        if view.regions is not before:
            self._scroll_to(view)
        self.flush()
        return result

    # -- applying edits -------------------------------------------------------------------

    def _snapshot(self) -> dict[str, list[Region]]:
        return {vid: v.regions for vid, v in self.views.items()}

    def apply(self, view: View, edits: list[Edit], kind: str,
              carets: Callable[[list[int]], list[Region]] | None = None) -> None:
        """Apply non-overlapping ``edits`` (sorted, in current offsets) as one undo step.

        ``carets(ends)`` gets, per edit, the new offset of the end of its inserted text and
        returns the acting view's new regions; by default each edit leaves a caret there.
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
            if o >= e:
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
        self.history.record(kind, old, rope, sel_before, self._snapshot(), first_line, tail, view.view_id)

    def _restore(self, rope: Rope, sels: dict[str, list[Region]], first_line: int, tail: int) -> None:
        old = self.rope
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

    def replace_selections(self, view: View, texts: list[str] | str, kind: str) -> None:
        """Replace each region by its text (one text for all, or one per region)."""
        regions = view.regions
        if isinstance(texts, str):
            texts = [texts] * len(regions)
        self.apply(view, [(r.start, r.end, t) for r, t in zip(regions, texts)], kind)

    # -- command table --------------------------------------------------------------------

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

    # -- movement -------------------------------------------------------------------------

    def _target(self, view: View, region: Region, movement: str, extend: bool) -> Region:
        rope = self.rope
        o = region.active
        horiz = None
        if not extend and not region.is_caret and movement in ("left", "right"):
            o = region.start if movement == "left" else region.end
            return Region(o, o)
        if movement == "left":
            o = words.prev_grapheme(rope, o)
        elif movement == "right":
            o = words.next_grapheme(rope, o)
        elif movement == "word_left":
            o = words.word_left(rope, o)
        elif movement == "word_right":
            o = words.word_right(rope, o)
        elif movement == "line_start":
            line = rope.line_of_offset(o)
            o = rope.offset_of_line(line)
        elif movement == "line_end":
            line = rope.line_of_offset(o)
            o = rope.offset_of_line(line) + _line_len(rope, line)
        elif movement == "doc_start":
            o = 0
        elif movement == "doc_end":
            o = len(rope)
        elif movement in ("up", "down", "page_up", "page_down") and self.wrap is not None:
            o, horiz = self._vertical_wrapped(view, region, movement)
        elif movement in ("up", "down", "page_up", "page_down"):
            line, col = rope.line_col(o)
            horiz = region.horiz if region.horiz is not None else col
            page = max(1, (view.height or 20) - 1)
            delta = {"up": -1, "down": 1, "page_up": -page, "page_down": page}[movement]
            target = line + delta
            if target < 0:
                o, horiz = 0, None
            elif target >= rope.line_count:
                o, horiz = len(rope), None
            else:
                o = rope.offset_of_line(target) + min(horiz, _line_len(rope, target))
            if movement.startswith("page"):
                view.first = max(0, min(rope.line_count - 1, view.first + delta))
        return Region(region.anchor if extend else o, o, horiz)

    def _vertical_wrapped(self, view: View, region: Region, movement: str) -> tuple[int, int | None]:
        """Up/down/page by visual lines when wrapping is on; the column is kept visually."""
        rope = self.rope
        wrap = self.wrap
        assert wrap is not None
        line, col = rope.line_col(region.active)
        segs = wrap.segments(line)
        k = bisect_right(segs, col) - 1
        horiz = region.horiz if region.horiz is not None else col - segs[k]
        page = max(1, (view.height or 20) - 1)
        delta = {"up": -1, "down": 1, "page_up": -page, "page_down": page}[movement]
        total = wrap.total(rope.line_count)
        target = wrap.vis_of_line(line) + k + delta
        if movement.startswith("page"):
            view.first = max(0, min(total - 1, view.first + delta))
        if target < 0:
            return 0, None
        if target >= total:
            return len(rope), None
        tline, tseg = wrap.line_of_vis(target)
        tsegs = wrap.segments(tline)
        text_len = _line_len(rope, tline)
        start = tsegs[tseg]
        last = tseg == len(tsegs) - 1
        end = text_len if last else tsegs[tseg + 1] - 1
        return rope.offset_of_line(tline) + min(start + horiz, max(start, end)), horiz

    def move(self, view: View, movement: str, extend: bool) -> None:
        """Move every region (extending the selections when ``extend``); seals the undo step."""
        self.history.seal()
        view.regions = normalize(self._target(view, r, movement, extend) for r in view.regions)

    # -- edits ----------------------------------------------------------------------------

    def cmd_insert(self, view: View, params: Any) -> None:
        chars = _p(params, "chars", str).replace("\r\n", "\n")
        self.replace_selections(view, chars, "insert")

    def cmd_paste(self, view: View, params: Any) -> None:
        chars = _p(params, "chars", str).replace("\r\n", "\n")
        pieces = chars.split("\n")
        if len(view.regions) > 1 and len(pieces) == len(view.regions):
            self.replace_selections(view, pieces, "paste")
        else:
            self.replace_selections(view, chars, "paste")

    def delete_by(self, view: View, movement: str, kind: str) -> None:
        """Delete each selection, or from each caret to where ``movement`` would take it."""
        edits: list[Edit] = []
        tab = self.config["tab_size"]
        for r in view.regions:
            if not r.is_caret:
                edits.append((r.start, r.end, ""))
                continue
            if movement == "left" and self.config["translate_tabs_to_spaces"] and self.config["use_tab_stops"]:
                line, col = self.rope.line_col(r.active)
                before = self.rope[r.active - col:r.active]
                if col and before.strip(" ") == "":
                    stop = (col - 1) // tab * tab
                    edits.append((r.active - (col - stop), r.active, ""))
                    continue
            t = self._target(view, r, movement, False).active
            edits.append((min(t, r.active), max(t, r.active), ""))
        self.apply(view, _merge_edits(edits), kind)

    def cmd_kill_to_end(self, view: View, params: Any) -> None:
        edits: list[Edit] = []
        for r in view.regions:
            if not r.is_caret:
                edits.append((r.start, r.end, ""))
                continue
            end = self._target(view, r, "line_end", False).active
            if end == r.active and end < len(self.rope):
                end += 1
            edits.append((r.active, end, ""))
        merged = _merge_edits(edits)
        self.kill_ring = "".join(self.rope[s:e] for s, e, _ in merged)
        self.apply(view, merged, "delete_line")

    def cmd_insert_newline(self, view: View, params: Any) -> None:
        texts = []
        for r in view.regions:
            line = self.rope.line_of_offset(r.start)
            start = self.rope.offset_of_line(line)
            head = self.rope[start:r.start]
            indent = head[: len(head) - len(head.lstrip(" \t"))] if self.config["auto_indent"] else ""
            texts.append("\n" + indent)
        self.history.seal()
        self.replace_selections(view, texts, "newline")

    def _indent_unit(self) -> str:
        return " " * self.config["tab_size"] if self.config["translate_tabs_to_spaces"] else "\t"

    def cmd_insert_tab(self, view: View, params: Any) -> None:
        rope = self.rope
        if any(rope.line_of_offset(r.start) != rope.line_of_offset(r.end) for r in view.regions):
            self.cmd_indent(view, True)
            return
        texts = []
        for r in view.regions:
            if self.config["translate_tabs_to_spaces"]:
                tab = self.config["tab_size"]
                line = rope.line_of_offset(r.start)
                col = len(rope[rope.offset_of_line(line):r.start].expandtabs(tab))
                texts.append(" " * (tab - col % tab))
            else:
                texts.append("\t")
        self.replace_selections(view, texts, "insert")

    def _lines_of(self, view: View) -> list[int]:
        lines: list[int] = []
        for r in view.regions:
            a = self.rope.line_of_offset(r.start)
            b = self.rope.line_of_offset(r.end)
            if b > a and r.end == self.rope.offset_of_line(b):
                b -= 1
            for line in range(max(a, lines[-1] + 1 if lines else a), b + 1):
                lines.append(line)
        return lines

    def cmd_indent(self, view: View, indent: bool) -> None:
        """Indent (or outdent) every line a region touches by one indent unit; keeps selections."""
        unit = self._indent_unit()
        tab = self.config["tab_size"]
        edits: list[Edit] = []
        for line in self._lines_of(view):
            start = self.rope.offset_of_line(line)
            if indent:
                edits.append((start, start, unit))
            else:
                head = self.rope[start:start + min(tab, _line_len(self.rope, line))]
                if head.startswith("\t"):
                    edits.append((start, start + 1, ""))
                else:
                    n = len(head) - len(head.lstrip(" "))
                    if n:
                        edits.append((start, start + n, ""))
        old_regions = view.regions
        if not edits:
            return
        starts = [s for s, _, _ in edits]
        before = [0]  # total shift of the edits before index k
        for s, e, t in edits:
            before.append(before[-1] + len(t) - (e - s))

        def shift(o: int) -> int:
            k = bisect_right(starts, o) - 1
            if k < 0:
                return o
            s, e, _ = edits[k]
            # inside a removed indent: to where it started; else moved by all edits up to k
            return o + before[k + 1] if o >= e else s + before[k]

        self.history.seal()
        self.apply(view, edits, "indent",
                   carets=lambda ends: [Region(shift(r.anchor), shift(r.active)) for r in old_regions])

    def cmd_select_all(self, view: View, params: Any) -> None:
        self.history.seal()
        view.regions = [Region(0, len(self.rope))]

    def cmd_collapse(self, view: View, params: Any) -> None:
        self.history.seal()
        r = view.regions[-1]
        view.regions = [Region(r.active, r.active)]

    def cmd_cancel(self, view: View, params: Any) -> None:
        if len(view.regions) > 1 or not view.regions[0].is_caret:
            self.cmd_collapse(view, params)
        view.query = None
        for v in self.views.values():
            v.reset_cache() if v is view else None

    def add_selection(self, view: View, direction: int) -> None:
        """Add a caret (or a selection of the same columns) on the line above or below."""
        self.history.seal()
        rope = self.rope
        edge = view.regions[0] if direction < 0 else view.regions[-1]
        line_a, col_a = rope.line_col(edge.anchor)
        line_b, col_b = rope.line_col(edge.active)
        target_a, target_b = line_a + direction, line_b + direction
        if not (0 <= min(target_a, target_b) and max(target_a, target_b) < rope.line_count):
            return

        def at(line: int, col: int) -> int:
            return rope.offset_of_line(line) + min(col, _line_len(rope, line))

        view.regions = normalize([*view.regions, Region(at(target_a, col_a), at(target_b, col_b))])

    def cmd_selection_into_lines(self, view: View, params: Any) -> None:
        self.history.seal()
        out: list[Region] = []
        rope = self.rope
        for r in view.regions:
            if r.is_caret:
                out.append(r)
                continue
            a, b = rope.line_of_offset(r.start), rope.line_of_offset(r.end)
            for line in range(a, b + 1):
                ls = rope.offset_of_line(line)
                le = ls + _line_len(rope, line)
                s, e = max(ls, r.start), min(le, r.end)
                if e > s or line == a:
                    out.append(Region(s, e))
        view.regions = normalize(out)

    def cmd_duplicate_line(self, view: View, params: Any) -> None:
        edits: list[Edit] = []
        rope = self.rope
        for line in self._lines_of(view):
            ls = rope.offset_of_line(line)
            text = rope.line(line)
            edits.append((ls, ls, text + "\n"))
        offsets = [(r.anchor, r.active) for r in view.regions]
        self.history.seal()

        def keep(ends: list[int]) -> list[Region]:
            def shift(o: int) -> int:
                return o + sum(len(t) for s, _, t in edits if s <= o)
            return [Region(shift(a), shift(b)) for a, b in offsets]

        self.apply(view, edits, "duplicate", carets=keep)

    def cmd_transpose(self, view: View, params: Any) -> None:
        rope = self.rope
        regions = view.regions
        if all(not r.is_caret for r in regions) and len(regions) > 1:
            texts = [rope[r.start:r.end] for r in regions]
            texts = texts[-1:] + texts[:-1]
            self.history.seal()
            self.replace_selections(view, texts, "transpose")
            return
        edits: list[Edit] = []
        for r in regions:
            if not r.is_caret:
                continue
            o = r.active
            line, col = rope.line_col(o)
            length = _line_len(rope, line)
            if length < 2 or col == 0:
                continue
            if col == length:
                o -= 1
            a, b = rope[o - 1], rope[o]
            edits.append((o - 1, o + 1, b + a))
        self.history.seal()
        self.apply(view, _merge_edits(edits), "transpose")

    def transform(self, view: View, fn: Callable[[str], str]) -> None:
        """Replace each selection's text by ``fn`` of it (carets: the word at the caret)."""
        edits: list[Edit] = []
        spans: list[tuple[int, int]] = []
        for r in view.regions:
            s, e = (r.start, r.end) if not r.is_caret else words.word_at(self.rope, r.active)
            spans.append((s, e))
            if e > s:
                text = self.rope[s:e]
                edits.append((s, e, fn(text)))
        old = view.regions
        self.history.seal()

        def keep(ends: list[int]) -> list[Region]:
            return old  # case mapping may change lengths; then the carets are approximate
        if all(len(t) == e - s for s, e, t in edits):
            self.apply(view, edits, "transform", carets=keep)
        else:
            self.apply(view, edits, "transform")

    def cmd_copy(self, view: View, params: Any) -> str:
        return "\n".join(self.rope[r.start:r.end] for r in view.regions if not r.is_caret)

    def cmd_cut(self, view: View, params: Any) -> str:
        text = self.cmd_copy(view, params)
        self.history.seal()
        self.apply(view, [(r.start, r.end, "") for r in view.regions if not r.is_caret], "cut")
        return text

    def cmd_undo(self, view: View, params: Any) -> None:
        step = self.history.undo()
        if step is not None:
            self._restore(step.before, step.sel_before, step.first_line, step.tail_lines)

    def cmd_redo(self, view: View, params: Any) -> None:
        step = self.history.redo()
        if step is not None:
            self._restore(step.after, step.sel_after, step.first_line, step.tail_lines)

    def cmd_goto_line(self, view: View, params: Any) -> None:
        line = _p(params, "line", int)
        line = max(0, min(line, self.rope.line_count - 1))
        self.history.seal()
        o = self.rope.offset_of_line(line)
        view.regions = [Region(o, o)]

    def change_numbers(self, view: View, delta: int) -> None:
        """Add ``delta`` to the integer each region selects, or the one at or before each caret."""
        edits: list[Edit] = []
        for r in view.regions:
            line = self.rope.line_of_offset(r.start)
            ls = self.rope.offset_of_line(line)
            text = self.rope[ls:ls + _line_len(self.rope, line)]
            col = r.start - ls
            for m in _NUMBER.finditer(text):
                if (m.start() <= col <= m.end()) if r.is_caret else (m.start() <= col and r.end - ls <= m.end()):
                    edits.append((ls + m.start(), ls + m.end(), str(int(m.group()) + delta)))
                    break
        self.history.seal()
        self.apply(view, _merge_edits(edits), "number")

    def _recording_name(self, params: Any) -> str:
        name = _p(params, "recording_name", str, "DEFAULT") if isinstance(params, dict) else "DEFAULT"
        return name or "DEFAULT"

    def cmd_toggle_recording(self, view: View, params: Any) -> None:
        name = self._recording_name(params)
        if self.recording is None:
            self.recording = name
            self.recordings[name] = []
        else:
            self.recording = None

    def cmd_play_recording(self, view: View, params: Any) -> None:
        name = self._recording_name(params)
        steps = list(self.recordings.get(name, ()))
        if self.recording == name:
            raise RpcError(INVALID_PARAMS, f"recording {name!r} is still being recorded")
        self.history.seal()
        start = len(self.history.undo_stack)
        for method, params_ in steps:
            self._commands[method](view, params_)
        self.history.collapse(start)
        self.history.seal()

    def cmd_clear_recording(self, view: View, params: Any) -> None:
        name = self._recording_name(params)
        self.recordings.pop(name, None)
        if self.recording == name:
            self.recording = None

    # -- scrolling and pointer ------------------------------------------------------------

    def cmd_scroll(self, view: View, params: Any) -> None:
        first, last = _pair(params)
        view.requested = None
        view.first = max(0, first)
        view.height = max(0, min(last - first, MAX_SCROLL_HEIGHT))

    def cmd_resize(self, view: View, params: Any) -> None:
        view.width = float(_p(params, "width", (int, float)))
        _p(params, "height", (int, float), 0)  # the scroll window gives the line count
        if (self.config["word_wrap"] and self.config["wrap_width"] <= 0 and view.char_width is None
                and self.request is not None):
            view.char_width = 1.0  # until the frontend answers

            def measured(result: Any) -> None:
                try:
                    width = float(result[0][0])
                except (TypeError, ValueError, IndexError, KeyError):
                    return
                if width > 0 and view.view_id in self.views:
                    view.char_width = width
                    self.configure_wrap()

            self.request("measure_width", [{"id": 0, "strings": ["0"]}], measured)
        self.configure_wrap()

    def cmd_request_lines(self, view: View, params: Any) -> None:
        first, last = _pair(params)
        view.requested = (first, last)

    def offset_at(self, line: int, col8: int) -> int:
        """Offset of ``(line, UTF-8 column)``, clamped into the text."""
        rope = self.rope
        if line < 0:
            return 0
        seg_start = 0
        if self.wrap is not None:
            if line >= self.wrap.total(rope.line_count):
                return len(rope)
            line, seg = self.wrap.line_of_vis(line)
            segs = self.wrap.segments(line)
            seg_start = segs[seg] if seg < len(segs) else 0
            seg_end = segs[seg + 1] if seg + 1 < len(segs) else _line_len(rope, line)
            base = rope.offset_of_line(line)
            text = rope[base + seg_start:base + seg_end]
        elif line >= rope.line_count:
            return len(rope)
        else:
            text = rope.line(line)
        if col8 <= 0:
            col = 0
        elif text.isascii():
            col = min(col8, len(text))
        else:
            data = text.encode("utf-8", "surrogatepass")[:col8]
            col = len(data.decode("utf-8", "ignore"))
        return rope.offset_of_line(line) + seg_start + col

    def cmd_click(self, view: View, params: Any) -> None:
        if not isinstance(params, list) or len(params) < 4:
            raise RpcError(INVALID_PARAMS, "click takes [line, col, modifiers, count]")
        line, col = _pair(params)
        mods, count = params[2], params[3]
        if not (isinstance(mods, int) and isinstance(count, int)):
            raise RpcError(INVALID_PARAMS, "click takes [line, col, modifiers, count] as integers")
        if count == 2:
            ty = "word_select"
        elif count >= 3:
            ty = "line_select"
        elif mods & 2:
            ty = "range_select"
        elif mods & 4 or mods & 8:
            ty = "toggle_sel"
        else:
            ty = "point_select"
        self.gesture(view, line, col, ty)

    def cmd_drag(self, view: View, params: Any) -> None:
        line, col = _pair(params)
        self.gesture(view, line, col, "drag")

    def cmd_gesture(self, view: View, params: Any) -> None:
        line = _p(params, "line", int)
        col = _p(params, "col", int)
        ty = _p(params, "ty", (str, dict))
        if isinstance(ty, dict):  # newer xi: {"select": {"granularity": ..., "multi": ...}}
            if "select" in ty and isinstance(ty["select"], dict):
                granularity = ty["select"].get("granularity", "point")
                multi = bool(ty["select"].get("multi", False))
                ty = {("point", False): "point_select", ("point", True): "toggle_sel",
                      ("word", False): "word_select", ("word", True): "multi_word_select",
                      ("line", False): "line_select", ("line", True): "multi_line_select"
                      }.get((granularity, multi), "")
            elif "select_extend" in ty:
                ty = "range_select"
            else:
                ty = ""
        elif ty in ("select_extend", "drag"):
            ty = "range_select" if ty == "select_extend" else "drag"
        self.gesture(view, line, col, ty)

    def gesture(self, view: View, line: int, col: int, ty: str) -> None:
        """Point, toggle, range, word, line, multi-word and multi-line selection, and drag."""
        self.history.seal()
        o = self.offset_at(line, col)
        rope = self.rope
        if ty == "point_select":
            view.regions = [Region(o, o)]
            view.drag_anchor = o
        elif ty == "toggle_sel":
            hit = [r for r in view.regions if r.start <= o <= r.end]
            if hit and len(view.regions) > 1:
                view.regions = [r for r in view.regions if r not in hit]
            elif not hit:
                view.regions = normalize([*view.regions, Region(o, o)])
        elif ty in ("range_select", "drag"):
            last = view.regions[-1]
            anchor = view.drag_anchor if ty == "drag" and view.drag_anchor is not None else last.anchor
            view.regions = normalize([*view.regions[:-1], Region(anchor, o)])
        elif ty in ("word_select", "multi_word_select"):
            s, e = words.word_at(rope, o)
            new = Region(s, e)
            view.regions = [new] if ty == "word_select" else normalize([*view.regions, new])
        elif ty in ("line_select", "multi_line_select"):
            li = rope.line_of_offset(o)
            s = rope.offset_of_line(li)
            e = rope.offset_of_line(li + 1) if li + 1 < rope.line_count else len(rope)
            new = Region(s, e)
            view.regions = [new] if ty == "line_select" else normalize([*view.regions, new])
        else:
            raise RpcError(INVALID_PARAMS, f"unknown gesture {ty!r}")

    # -- find and replace -----------------------------------------------------------------

    def _find_status(self, view: View, count: bool = True) -> None:
        query = view.query
        queries = []
        if view.queries:
            for i, q in enumerate(view.queries):
                status = q.status(self._count(q) if count else None)
                status["id"] = i
                queries.append(status)
        elif query is not None:
            queries.append(query.status(self._count(query) if count else None))
        self.send("find_status", {"view_id": view.view_id, "queries": queries})

    def _count(self, query: Query) -> int:
        return sum(1 for m in query.pattern.finditer(self.text()) if m.end() > m.start())

    def cmd_find(self, view: View, params: Any) -> None:
        chars = _p(params, "chars", (str, type(None)), None)
        view.queries = []
        if not chars:
            view.query = None
        else:
            view.query = compile_query(chars, bool(_p(params, "case_sensitive", bool, False)),
                                       bool(_p(params, "regex", bool, False)),
                                       bool(_p(params, "whole_words", bool, False)))
        view.highlight = True
        view.reset_cache()
        self._find_status(view)

    def cmd_multi_find(self, view: View, params: Any) -> None:
        items = _p(params, "queries", list)
        queries = []
        for item in items:
            if not isinstance(item, dict) or not isinstance(item.get("chars"), str) or not item["chars"]:
                raise RpcError(INVALID_PARAMS, "each query needs non-empty chars")
            queries.append(compile_query(item["chars"], bool(item.get("case_sensitive", False)),
                                         bool(item.get("regex", False)), bool(item.get("whole_words", False))))
        view.queries = queries
        view.query = combine_queries(queries) if queries else None
        view.highlight = True
        view.reset_cache()
        self._find_status(view)

    def _require_query(self, view: View) -> Query:
        if view.query is None:
            raise RpcError(INVALID_PARAMS, "no search query: send find first")
        return view.query

    def _next_match(self, query: Query, start: int, forward: bool, wrap: bool) -> tuple[int, int] | None:
        text = self.text()
        if forward:
            for m in query.pattern.finditer(text, start):
                if m.end() > m.start():
                    return m.start(), m.end()
            if wrap:
                for m in query.pattern.finditer(text, 0, start + 1):
                    if m.end() > m.start():
                        return m.start(), m.end()
            return None
        found = None
        for m in query.pattern.finditer(text, 0, start):
            if m.end() > m.start():
                found = (m.start(), m.end())
        if found is None and wrap:
            for m in query.pattern.finditer(text, start):
                if m.end() > m.start():
                    found = (m.start(), m.end())
        return found

    def cmd_find_next(self, view: View, params: Any, forward: bool) -> None:
        query = self._require_query(view)
        wrap = bool(_p(params, "wrap_around", bool, False))
        allow_same = bool(_p(params, "allow_same", bool, False))
        mode = _p(params, "modify_selection", str, "set")
        last = view.regions[-1]
        start = (last.start if allow_same else last.end) if forward else last.start
        if not forward and allow_same:
            start = last.end
        match = self._next_match(query, start, forward, wrap)
        self.history.seal()
        if match is None or mode == "none":
            return
        new = Region(match[0], match[1])
        if mode == "set":
            view.regions = [new]
        elif mode == "add":
            view.regions = normalize([*view.regions, new])
        elif mode == "add_remove_current":
            view.regions = normalize([*view.regions[:-1], new])
        else:
            raise RpcError(INVALID_PARAMS, f"unknown modify_selection {mode!r}")
        view.regions = view.regions if view.regions[-1] == new else [r for r in view.regions if r != new] + [new]

    def cmd_find_all(self, view: View, params: Any) -> None:
        query = self._require_query(view)
        found = [Region(m.start(), m.end()) for m in query.pattern.finditer(self.text()) if m.end() > m.start()]
        self.history.seal()
        if found:
            view.regions = normalize(found)
        self._find_status(view)

    def cmd_highlight_find(self, view: View, params: Any) -> None:
        view.highlight = bool(_p(params, "visible", bool))
        view.reset_cache()

    def _selected_or_word(self, view: View) -> str:
        r = view.regions[-1]
        s, e = (r.start, r.end) if not r.is_caret else words.word_at(self.rope, r.active)
        return self.rope[s:e]

    def cmd_selection_for_find(self, view: View, params: Any) -> None:
        chars = self._selected_or_word(view)
        self.cmd_find(view, {"chars": chars, "case_sensitive": bool(_p(params, "case_sensitive", bool, False))})

    def cmd_replace(self, view: View, params: Any) -> None:
        view.replacement = _p(params, "chars", str)
        self.send("replace_status", {"view_id": view.view_id,
                                     "status": {"chars": view.replacement, "preserve_case": False}})

    def cmd_selection_for_replace(self, view: View, params: Any) -> None:
        self.cmd_replace(view, {"chars": self._selected_or_word(view)})

    def _expand(self, query: Query, m: re.Match[str], view: View) -> str:
        return m.expand(view.replacement) if query.regex else view.replacement

    def cmd_replace_next(self, view: View, params: Any) -> None:
        query = self._require_query(view)
        last = view.regions[-1]
        text = self.text()
        m = None
        for cand in query.pattern.finditer(text, last.start):
            if cand.end() > cand.start():
                m = cand
                break
        if m is None:
            for cand in query.pattern.finditer(text, 0):
                if cand.end() > cand.start():
                    m = cand
                    break
        if m is None:
            return
        self.history.seal()
        self.apply(view, [(m.start(), m.end(), self._expand(query, m, view))], "replace")
        self.history.seal()
        nxt = self._next_match(query, view.regions[-1].active, True, True)
        if nxt is not None:
            view.regions = [Region(*nxt)]
        self._find_status(view)

    def cmd_replace_all(self, view: View, params: Any) -> None:
        query = self._require_query(view)
        edits = [(m.start(), m.end(), self._expand(query, m, view))
                 for m in query.pattern.finditer(self.text()) if m.end() > m.start()]
        self.history.seal()
        self.apply(view, edits, "replace")
        self.history.seal()
        self._find_status(view)

    # -- files ----------------------------------------------------------------------------

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
        self.info.mtime_ns, self.info.size = st.st_mtime_ns, st.st_size
        self.saved = self.rope
        self.history.seal()
        self.flush()

    def check_disk(self) -> None:
        """Reload from disk when the file changed there and the buffer is pristine, else alert."""
        if self.path is None or self.info is None:
            return
        try:
            st = os.stat(self.path)
        except OSError:
            return
        if (st.st_mtime_ns, st.st_size) == (self.info.mtime_ns, self.info.size):
            return
        self.info.mtime_ns, self.info.size = st.st_mtime_ns, st.st_size
        if not self.pristine:
            self.send("alert", {"msg": f"{self.path} changed on disk; the buffer has unsaved changes"})
            return
        rope, info = load_file(self.path)
        self.info = info
        a, b = self.text(), str(rope)
        d_start = _common_prefix(a, b)
        d_end = _common_prefix(a[d_start:][::-1], b[d_start:][::-1])
        if self.views:
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


_NUMBER = re.compile(r"-?\d+")
#: Edit methods a recording does not keep (they control recording, the view, or only read).
_NOT_RECORDED = frozenset({"toggle_recording", "play_recording", "clear_recording", "scroll", "resize",
                           "request_lines", "copy", "debug_get_contents"})


def _line_len(rope: Rope, line: int) -> int:
    """Length of ``line`` without its newline, in O(log n) (no copy of a long line)."""
    start = rope.offset_of_line(line)
    if line + 1 < rope.line_count:
        return rope.offset_of_line(line + 1) - 1 - start
    return len(rope) - start


def _merge_edits(edits: list[Edit]) -> list[Edit]:
    """Sort deletions and join overlapping ones (two carets deleting the same character)."""
    out: list[Edit] = []
    for s, e, t in sorted(edits):
        if out and s < out[-1][1] or (out and s == out[-1][1] and s == e and not t):
            ps, pe, pt = out[-1]
            out[-1] = (ps, max(pe, e), pt + t)
        else:
            out.append((s, e, t))
    return out


def _common_prefix(a: str, b: str) -> int:
    """Length of the common prefix of ``a`` and ``b`` (binary search over C comparisons)."""
    lo, hi = 0, min(len(a), len(b))
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[lo:mid] == b[lo:mid]:
            lo = mid
        else:
            hi = mid - 1
    return lo

"""Selection commands: select all, collapse, multiple carets, gestures and clicks, and
where a frontend's ``(line, UTF-8 column)`` is in the text."""

from __future__ import annotations

from typing import Any

from ...errors import RpcError
from . import _words as words
from ._selection import Region, normalize
from ._state import INVALID_PARAMS, BufferState, line_len, pair, param
from ._view import View

__all__ = ["SelectionCommands"]


class SelectionCommands(BufferState):
    """The commands that set the selections, and ``offset_at``."""

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
            return rope.offset_of_line(line) + min(col, line_len(rope, line))

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
                le = ls + line_len(rope, line)
                s, e = max(ls, r.start), min(le, r.end)
                if e > s or line == a:
                    out.append(Region(s, e))
        view.regions = normalize(out)

    def cmd_goto_line(self, view: View, params: Any) -> None:
        line = param(params, "line", int)
        line = max(0, min(line, self.rope.line_count - 1))
        self.history.seal()
        o = self.rope.offset_of_line(line)
        view.regions = [Region(o, o)]

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
            seg_end = segs[seg + 1] if seg + 1 < len(segs) else line_len(rope, line)
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
        line, col = pair(params)
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
        line, col = pair(params)
        self.gesture(view, line, col, "drag")

    def cmd_gesture(self, view: View, params: Any) -> None:
        line = param(params, "line", int)
        col = param(params, "col", int)
        ty = param(params, "ty", (str, dict))
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

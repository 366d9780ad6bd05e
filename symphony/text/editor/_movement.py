"""Moving carets and selections: by grapheme, word, line end, document, and vertically
(by visual lines when wrapping is on, keeping the column)."""

from __future__ import annotations

from bisect import bisect_right

from . import _words as words
from ._selection import Region, normalize
from ._state import BufferState, line_len
from ._view import View

__all__ = ["MovementCommands"]


class MovementCommands(BufferState):
    """Where each movement takes a region, and ``move``."""

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
            o = rope.offset_of_line(line) + line_len(rope, line)
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
                o = rope.offset_of_line(target) + min(horiz, line_len(rope, target))
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
        text_len = line_len(rope, tline)
        start = tsegs[tseg]
        last = tseg == len(tsegs) - 1
        end = text_len if last else tsegs[tseg + 1] - 1
        return rope.offset_of_line(tline) + min(start + horiz, max(start, end)), horiz

    def move(self, view: View, movement: str, extend: bool) -> None:
        """Move every region (extending the selections when ``extend``); seals the undo step."""
        self.history.seal()
        view.regions = normalize(self._target(view, r, movement, extend) for r in view.regions)

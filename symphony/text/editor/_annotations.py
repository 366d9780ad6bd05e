"""Plugins' annotations (xi ``update_annotations``) and their ``annotations`` in an ``update``.

Each plugin's annotations of one type (``"diagnostic"``, ...) are spans with a JSON
payload, kept in a :class:`~symphony.text.editor._spans.SpanStore` and carried over every
edit like style spans. A view's ``update`` carries, as xi's does, the annotations meeting
the lines on screen: per store ``{"type", "ranges", "payloads", "n"}``, each range
``[start_line, start_col, end_line, end_col]`` in visual lines and UTF-8 columns (as
cursors and ``scroll_to`` are).
"""

from __future__ import annotations

from bisect import bisect_right
from typing import Any

from .._rope import Rope
from ._spans import SpanStore
from ._state import line_len
from ._view import View
from ._wrap import WrapIndex

__all__ = ["PluginAnnotations", "visual_position"]


def visual_position(rope: Rope, wrap: WrapIndex | None, offset: int,
                    line_col: tuple[int, int] | None = None) -> tuple[int, int, int]:
    """``(visual line, column in code points, offset of the visual line's start)`` of ``offset``
    (``line_col``: its logical line and column, when the caller has them)."""
    line, col = line_col if line_col is not None else rope.line_col(offset)
    start = offset - col
    if wrap is None:
        return line, col, start
    segs = wrap.segments(line)
    k = bisect_right(segs, col) - 1 if col < line_len(rope, line) else len(segs) - 1
    return wrap.vis_of_line(line) + k, col - segs[k], start + segs[k]


def utf8_position(rope: Rope, wrap: WrapIndex | None, offset: int,
                  line_col: tuple[int, int] | None = None) -> tuple[int, int]:
    """``(visual line, UTF-8 column)`` of ``offset``."""
    vline, col, start = visual_position(rope, wrap, offset, line_col)
    if not col:
        return vline, 0
    return vline, len(rope[start:start + col].encode("utf-8", "surrogatepass"))


class PluginAnnotations:
    """The annotations of one buffer's plugins, by (plugin, annotation type)."""

    def __init__(self) -> None:
        self.stores: dict[tuple[str, str], SpanStore[Any]] = {}
        #: True once any plugin sent annotations (then every update carries the field)
        self.used = False
        self.sent: dict[str, list[dict[str, Any]]] = {}  # view id -> the annotations it was sent

    def update(self, plugin: str, annotation_type: str, start: int, end: int,
               spans: list[tuple[int, int, Any]], length: int) -> None:
        """Replace the plugin's annotations of that type in ``[start, end)`` (absolute spans)."""
        store = self.stores.get((plugin, annotation_type))
        if store is None:
            store = self.stores[(plugin, annotation_type)] = SpanStore(length)
        store.replace(start, end, spans)
        self.used = True

    def edit(self, start: int, end: int, inserted: int) -> None:
        for store in self.stores.values():
            store.edit(start, end, inserted)

    def drop(self, plugin: str) -> bool:
        """Forget a plugin's annotations; True if it had any."""
        keys = [k for k in self.stores if k[0] == plugin]
        for key in keys:
            del self.stores[key]
        return bool(keys)

    def slices(self, rope: Rope, wrap: WrapIndex | None, start: int, end: int) -> list[dict[str, Any]]:
        """xi's ``annotations`` for ``[start, end]``: one slice per store with any there."""
        out: list[dict[str, Any]] = []
        for (_, kind), store in self.stores.items():
            if not store.count:
                continue
            found = store.query(start, min(end + 1, store.length), clip=False)
            if not found:
                continue
            ranges = [[*utf8_position(rope, wrap, a), *utf8_position(rope, wrap, b)] for a, b, _ in found]
            out.append({"type": kind, "ranges": ranges, "payloads": [v for _, _, v in found], "n": len(found)})
        return out

    def add_to(self, update: dict[str, Any], view: View, rope: Rope, wrap: WrapIndex | None) -> bool:
        """Put the annotations meeting the view's lines into its ``update``; False when the
        update has no ops and the annotations are what the view was last sent (send nothing)."""
        ws, we = view.valid
        n = rope.line_count
        if wrap is None:
            first, last = ws, max(ws, we - 1)
        else:
            first, last = wrap.line_of_vis(ws)[0], wrap.line_of_vis(max(ws, we - 1))[0]
        start = rope.offset_of_line(min(first, n - 1))
        end = rope.offset_of_line(last + 1) if last + 1 < n else len(rope)
        slices = self.slices(rope, wrap, start, end)
        if update["ops"] is None:
            if slices == self.sent.get(view.view_id) or view.fe_lines <= 0:
                return False
            update["ops"] = [{"op": "copy", "n": view.fe_lines, "ln": 1}]
        update["annotations"] = slices
        self.sent[view.view_id] = slices
        return True

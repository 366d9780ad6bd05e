"""Editing commands: typing, pasting, deleting, newlines and indentation, line and case
transforms, numbers, the clipboard and undo. Each is one ``apply`` (one undo step)."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable
from typing import Any

from . import _words as words
from ._selection import Region
from ._state import BufferState, Edit, line_len, merge_edits, param
from ._view import View

__all__ = ["EditingCommands"]

_NUMBER = re.compile(r"-?\d+")


class EditingCommands(BufferState):
    """The commands that change the text."""

    def cmd_insert(self, view: View, params: Any) -> None:
        chars = param(params, "chars", str).replace("\r\n", "\n")
        self.replace_selections(view, chars, "insert")

    def cmd_paste(self, view: View, params: Any) -> None:
        chars = param(params, "chars", str).replace("\r\n", "\n")
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
        self.apply(view, merge_edits(edits), kind)

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
        merged = merge_edits(edits)
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
                head = self.rope[start:start + min(tab, line_len(self.rope, line))]
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
            length = line_len(rope, line)
            if length < 2 or col == 0:
                continue
            if col == length:
                o -= 1
            a, b = rope[o - 1], rope[o]
            edits.append((o - 1, o + 1, b + a))
        self.history.seal()
        self.apply(view, merge_edits(edits), "transpose")

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
            delta = step.delta()
            delta = delta.invert(step.before) if delta is not None else None
            self._restore(step.before, step.sel_before, step.first_line, step.tail_lines, delta, "undo", step.group)

    def cmd_redo(self, view: View, params: Any) -> None:
        step = self.history.redo()
        if step is not None:
            self._restore(step.after, step.sel_after, step.first_line, step.tail_lines, step.delta(), "redo",
                          step.group)

    def change_numbers(self, view: View, delta: int) -> None:
        """Add ``delta`` to the integer each region selects, or the one at or before each caret."""
        edits: list[Edit] = []
        for r in view.regions:
            line = self.rope.line_of_offset(r.start)
            ls = self.rope.offset_of_line(line)
            text = self.rope[ls:ls + line_len(self.rope, line)]
            col = r.start - ls
            for m in _NUMBER.finditer(text):
                if (m.start() <= col <= m.end()) if r.is_caret else (m.start() <= col and r.end - ls <= m.end()):
                    edits.append((ls + m.start(), ls + m.end(), str(int(m.group()) + delta)))
                    break
        self.history.seal()
        self.apply(view, merge_edits(edits), "number")

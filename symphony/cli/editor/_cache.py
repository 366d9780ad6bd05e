"""``LineCache``: the frontend's copy of a view's lines, kept by the core's ``update`` ops alone."""

from __future__ import annotations

from typing import Any

__all__ = ["LineCache", "char_col"]


class LineCache:
    """The frontend's copy of the view: one entry per (visual) line, None where it has none.

    An entry is the core's line object: ``text``, ``ln`` (the 1-based line number, only on
    the first visual line of a logical line), ``cursor`` (UTF-8 columns) and ``styles``.
    """

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

    def line(self, row: int) -> dict[str, Any] | None:
        """The entry of visual line ``row``, or None when the cache lacks it."""
        return self.lines[row] if 0 <= row < len(self.lines) else None

    def cursors(self) -> tuple[int, bool]:
        """(cursors in the cached lines, whether every line is cached)."""
        count, complete = 0, True
        for line in self.lines:
            if line is None:
                complete = False
            else:
                count += len(line.get("cursor") or ())
        return count, complete

    def logical(self, row: int, col8: int) -> tuple[int, int] | None:
        """(logical line, UTF-8 column in it) of visual ``(row, col8)``, None when not cached."""
        offset = col8
        while True:
            line = self.line(row)
            if line is None:
                return None
            if line.get("ln"):
                return int(line["ln"]) - 1, offset
            row -= 1
            above = self.line(row)
            if above is None:
                return None
            offset += len(above["text"].encode("utf-8"))

    def visual(self, line_no: int, col8: int) -> tuple[int, int] | None:
        """Visual ``(row, col8)`` of logical ``(line_no, col8)``, None when not cached."""
        for row, line in enumerate(self.lines):
            if line is not None and line.get("ln") == line_no + 1:
                while True:
                    size = len(line["text"].rstrip("\n").encode("utf-8"))
                    nxt = self.line(row + 1)
                    if col8 <= size and (col8 < size or nxt is None or nxt.get("ln") or line["text"].endswith("\n")):
                        return row, col8
                    if nxt is None or nxt.get("ln"):
                        return row, min(col8, size)
                    col8 -= size
                    row, line = row + 1, nxt
        return None

    def known_lines(self) -> tuple[int, int, int, int] | None:
        """(first row, its line number, last row, its line number) of the cached rows with one."""
        found = [(row, int(line["ln"])) for row, line in enumerate(self.lines) if line is not None and line.get("ln")]
        if not found:
            return None
        return found[0][0], found[0][1], found[-1][0], found[-1][1]


def char_col(text: str, col8: int) -> int:
    """Character index of UTF-8 column ``col8`` in ``text``."""
    if text.isascii():
        return min(col8, len(text))
    return len(text.encode("utf-8")[:col8].decode("utf-8", "ignore"))

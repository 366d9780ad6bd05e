"""Engine 1: tree-sitter, incremental.

The document is parsed once; each edit is told to the tree (``Tree.edit`` with UTF-8 byte
offsets and row/column points), the text is parsed again with the old tree (tree-sitter reuses
every subtree the edit did not touch), and ``changed_ranges`` says where the syntax changed.
The parser reads the rope through a callback, a piece at a time: a big file is never copied
into one ``bytes``. Spans are the highlight query's captures over the lines asked for (a
``QueryCursor`` limited to their bytes), so only what is shown is queried.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ...text import Delta, Rope
from ._captures import scope_for_capture
from ._flatten import flatten
from ._grammars import Grammar
from ._types import ScopeSpan

__all__ = ["READ_CHARS", "TreeSitterEngine"]

#: Code points handed to the parser per read callback.
READ_CHARS = 16_384


def _reader(rope: Rope) -> Callable[[int, Any], bytes]:
    total = rope.utf8_len
    length = len(rope)
    from_utf8 = rope.from_utf8
    to_utf8 = rope.to_utf8

    def read(byte: int, _point: Any) -> bytes:
        if byte >= total:
            return b""
        cp = from_utf8(byte)
        data = rope[cp:min(length, cp + READ_CHARS)].encode("utf-8", "surrogatepass")
        skip = byte - to_utf8(cp)
        return data[skip:] if skip else data

    return read


class TreeSitterEngine:
    """A document's syntax tree and highlight query, kept current through edits."""

    def __init__(self, grammar: Grammar, rope: Rope) -> None:
        import tree_sitter

        self._grammar = grammar
        self._cursor_class = tree_sitter.QueryCursor
        self._parser = tree_sitter.Parser(grammar.language)
        self._ranks = {name: i for i, name in enumerate(grammar.capture_names)}
        self._rope = rope
        self._tree = self._parser.parse(_reader(rope))

    @property
    def rope(self) -> Rope:
        """The text the tree is of."""
        return self._rope

    def edit(self, delta: Delta, new_rope: Rope) -> tuple[int, int]:
        """Edit the tree, reparse with the old one; the new lines that changed text or syntax."""
        old = self._rope
        edits = delta.edits()
        if not edits:
            self._rope = new_rope
            return (0, 0)
        tree = self._tree
        # From the last edit to the first: each edit's offsets in the base text are then also
        # its offsets in the text the tree has been told of so far.
        for start, end, text in reversed(edits):
            start_byte = old.to_utf8(start)
            end_byte = old.to_utf8(end)
            start_row = old.line_of_offset(start)
            start_col = start_byte - old.to_utf8(old.offset_of_line(start_row))
            end_row = old.line_of_offset(end)
            end_col = end_byte - old.to_utf8(old.offset_of_line(end_row))
            inserted = text.encode("utf-8", "surrogatepass")
            newlines = inserted.count(b"\n")
            if newlines:
                new_row, new_col = start_row + newlines, len(inserted) - inserted.rfind(b"\n") - 1
            else:
                new_row, new_col = start_row, start_col + len(inserted)
            tree.edit(start_byte=start_byte, old_end_byte=end_byte, new_end_byte=start_byte + len(inserted),
                      start_point=(start_row, start_col), old_end_point=(end_row, end_col),
                      new_end_point=(new_row, new_col))
        new_tree = self._parser.parse(_reader(new_rope), tree)
        shift = 0
        first = last = -1
        for start, end, text in edits:
            new_start = start + shift
            new_end = new_start + len(text)
            shift += len(text) - (end - start)
            if first < 0:
                first = new_rope.line_of_offset(new_start)
            last = new_rope.line_of_offset(new_end)
        for changed in tree.changed_ranges(new_tree):
            first = min(first, changed.start_point.row)
            last = max(last, changed.end_point.row)
        self._tree = new_tree
        self._rope = new_rope
        return (first, min(last + 1, new_rope.line_count))

    def spans(self, start_line: int, end_line: int) -> list[ScopeSpan]:
        """The query's captures over lines ``[start_line, end_line)``, innermost winning."""
        rope = self._rope
        count = rope.line_count
        start_line = max(0, start_line)
        end_line = min(end_line, count)
        if start_line >= end_line:
            return []
        lo = rope.offset_of_line(start_line)
        hi = rope.offset_of_line(end_line) if end_line < count else len(rope)
        lo_b = rope.to_utf8(lo)
        hi_b = rope.to_utf8(hi)
        cursor = self._cursor_class(self._grammar.query)
        cursor.set_byte_range(lo_b, hi_b)
        items: list[tuple[int, int, int, str]] = []
        ranks = self._ranks
        for name, nodes in cursor.captures(self._tree.root_node).items():
            scope = scope_for_capture(name)
            rank = ranks[name]
            for node in nodes:
                items.append((node.start_byte, node.end_byte, rank, scope))
        flat = flatten(items, lo_b, hi_b)
        if hi_b - lo_b == hi - lo:  # ASCII: bytes are code points
            d = lo - lo_b
            return [(s + d, e + d, scope) for s, e, scope in flat] if d else flat
        from_utf8 = rope.from_utf8
        out: list[ScopeSpan] = []
        for s, e, scope in flat:
            cs, ce = from_utf8(s), from_utf8(e)
            if cs < ce:
                if out and out[-1][1] == cs and out[-1][2] == scope:
                    out[-1] = (out[-1][0], ce, scope)
                else:
                    out.append((cs, ce, scope))
        return out

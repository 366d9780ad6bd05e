"""Engine 1: tree-sitter, incremental.

The document is parsed once; each edit is told to the tree (``Tree.edit`` with UTF-8 byte
offsets and row/column points), the text is parsed again with the old tree (tree-sitter reuses
every subtree the edit did not touch), and ``changed_ranges`` says where the syntax changed.
The parser reads the rope through a callback, a piece at a time: a big file is never copied
into one ``bytes``. Spans are the highlight query's captures over the lines asked for (a
``QueryCursor`` limited to their bytes), so only what is shown is queried.

A reparse can be bounded (``edit(..., budget=)``): past the budget the edit reports no line,
so the core keeps showing the old spans moved through the edit (the colours of what was typed
come a moment late), and ``settle()``, on an idle turn, finishes the reparse and says which
lines to re-send.
"""

from __future__ import annotations

import time
from typing import Any

from ...text import Delta, Rope
from ._captures import scope_for_capture
from ._flatten import flatten
from ._grammars import Grammar
from ._lines import LineTodo, edited_lines
from ._types import ScopeSpan

__all__ = ["READ_CHARS", "READ_SLICE", "TreeSitterEngine"]

#: Code points encoded at a time from the rope for the parser.
READ_CHARS = 16_384
#: Below this many characters, an edit whose reparse has syntax errors is parsed afresh (see
#: ``TreeSitterEngine._fresh_instead``).
FRESH_ON_ERROR = 262_144
#: Bytes handed back per read callback. The binding copies what it is handed, and it reads the
#: text of every node a ``#match?``/``#eq?`` predicate tests through the same callback, a few
#: bytes each: a small slice of a cached block keeps both the parse and the queries cheap.
READ_SLICE = 1024


class _Reader:
    """The parser's view of the rope: UTF-8 pieces from a cached block, read on demand.

    One reader serves every parse of a document and is pointed at each new text before the
    parse, so the trees' predicates (which read node text through it) see the current text.
    With a ``deadline`` it answers end-of-text once the time is up: tree-sitter then finishes
    at once, and the caller throws that tree away (py-tree-sitter 0.26 has no other way to
    bound a parse).
    """

    __slots__ = ("_rope", "_total", "_block", "_start", "deadline", "aborted")

    def __init__(self, rope: Rope) -> None:
        self.deadline: float | None = None
        self.aborted = False
        self.point_at(rope)

    def point_at(self, rope: Rope) -> None:
        self._rope = rope
        self._total = rope.utf8_len
        self._block = b""
        self._start = 0

    def __call__(self, byte: int, _point: Any) -> bytes:
        if self.deadline is not None and time.perf_counter() >= self.deadline:
            self.aborted = True
            return b""
        at = byte - self._start
        block = self._block
        if not 0 <= at < len(block):
            if byte >= self._total:
                return b""
            rope = self._rope
            cp = rope.from_utf8(byte)
            # Reading on from the block's end (a parse going through new text) gets a big block;
            # a jump (a reparse checking a reused node, a predicate) a small one.
            size = READ_CHARS if byte == self._start + len(block) else READ_SLICE
            block = self._block = rope[cp:min(len(rope), cp + size)].encode("utf-8", "surrogatepass")
            self._start = rope.to_utf8(cp)
            at = byte - self._start
        return block[at:at + READ_SLICE]


class TreeSitterEngine:
    """A document's syntax tree and highlight query, kept current through edits."""

    def __init__(self, grammar: Grammar, rope: Rope) -> None:
        import tree_sitter

        self._grammar = grammar
        self._cursor_class = tree_sitter.QueryCursor
        self._parser = tree_sitter.Parser(grammar.language)
        self._ranks = {name: i for i, name in enumerate(grammar.capture_names)}
        self._rope = rope
        self._reader = _Reader(rope)
        self._tree = self._parser.parse(self._reader)
        self._stale = LineTodo()  # lines shown from an edited old tree while a reparse is owed
        self._settled = True

    @property
    def settled(self) -> bool:
        """False while the tree is the old one moved through edits (a bounded reparse gave up)."""
        return self._settled

    @property
    def rope(self) -> Rope:
        """The text the tree is of."""
        return self._rope

    def edit(self, delta: Delta, new_rope: Rope, budget: float | None = None) -> tuple[int, int]:
        """Edit the tree, reparse with the old one; the new lines that changed text or syntax.

        With ``budget`` (seconds) a reparse taking longer is given up (error recovery after an
        edit such as an unclosed bracket can cost a second on a 1 MB file): the tree stays the
        old one moved through the edit, the range is empty (the spans the core holds, moved,
        stand until then), ``settled`` turns False, and ``settle`` reparses later.
        """
        old = self._rope
        edits = delta.edits()
        if not edits:
            self._rope = new_rope
            self._reader.point_at(new_rope)
            return (0, 0)
        lines = edited_lines(delta, old, new_rope)
        assert lines is not None
        self._stale.shift(*lines)
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
        self._rope = new_rope
        reader = self._reader
        reader.point_at(new_rope)
        reader.deadline = None if budget is None else time.perf_counter() + budget
        try:
            new_tree = self._parser.parse(reader, tree)
        finally:
            reader.deadline = None
        shift = 0
        first = last = -1
        for start, end, text in edits:
            new_start = start + shift
            new_end = new_start + len(text)
            shift += len(text) - (end - start)
            if first < 0:
                first = new_rope.line_of_offset(new_start)
            last = new_rope.line_of_offset(new_end)
        if reader.aborted:
            # Nothing to send now: the core moves the spans it shows through the edit, which is
            # what the old tree moved through it would give (and querying that tree is not an
            # option: py-tree-sitter drops an edited tree's text, so its #match? predicates
            # would all pass). settle() reports these lines with whatever else changed.
            reader.aborted = False
            self._stale.add(first, last + 1)
            self._settled = False
            return (first, first)
        if self._fresh_instead(new_tree):
            return self._adopt(self._parser.parse(reader), 0, new_rope.line_count)
        return self._adopt(new_tree, first, last + 1)

    def _fresh_instead(self, new_tree: Any) -> bool:
        """Whether to parse afresh rather than keep an incremental tree that has syntax errors.

        Error recovery depends on the path: an incremental reparse of broken code can recover
        differently from a fresh parse of the same text, so the colours would differ from
        those the file gets when it is opened. Below ``FRESH_ON_ERROR`` characters a fresh
        parse costs little and the whole text is re-sent; a larger document keeps the
        incremental tree (its colours in the broken region may differ until it is reopened).
        """
        return bool(new_tree.root_node.has_error) and len(self._rope) <= FRESH_ON_ERROR

    def _adopt(self, new_tree: Any, first: int, end: int) -> tuple[int, int]:
        for changed in self._tree.changed_ranges(new_tree):
            first = min(first, changed.start_point.row)
            end = max(end, changed.end_point.row + 1)
        for s, e in self._stale.ranges:
            first, end = min(first, s), max(end, e)
        self._stale.clear()
        self._settled = True
        self._tree = new_tree
        end = min(end, self._rope.line_count)
        return (first, end) if first < end else (0, 0)

    def settle(self) -> tuple[int, int]:
        """Finish the reparse a budget gave up; the lines whose spans may differ from those shown."""
        if self._settled:
            return (0, 0)
        self._reader.point_at(self._rope)
        new_tree = self._parser.parse(self._reader, self._tree)
        if self._fresh_instead(new_tree):
            return self._adopt(self._parser.parse(self._reader), 0, self._rope.line_count)
        first = self._rope.line_count
        return self._adopt(new_tree, first, 0)

    def spans(self, start_line: int, end_line: int) -> list[ScopeSpan]:
        """The query's captures over lines ``[start_line, end_line)``, innermost winning
        (exact: a reparse a budget left is finished first)."""
        if not self._settled:
            self.settle()
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

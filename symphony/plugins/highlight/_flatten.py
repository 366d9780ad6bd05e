"""Nested captures to flat spans: the innermost capture colours each character.

Tree-sitter captures come from nodes of one tree, so their ranges nest (or are equal, when a
pattern captures a node's only child, or two patterns capture one node). The innermost wins, as
a scope stack's top does; among equal ranges the capture listed later in the query wins (the
grammar wheels' queries go from general to specific: ``(identifier) @variable`` first, then
``@constructor`` for capitalised names). A scope ``""`` (``@none``) paints no scope.
"""

from __future__ import annotations

__all__ = ["flatten"]


def flatten(items: list[tuple[int, int, int, str]], lo: int, hi: int) -> list[tuple[int, int, str]]:
    """Flat ``(start, end, scope)`` spans within ``[lo, hi)`` from ``(start, end, rank, scope)``
    captures (``rank``: the capture's place in the query). Sorted, disjoint, no empty span, and
    neighbours with one scope merged."""
    items.sort(key=lambda t: (t[0], -t[1], t[2]))
    out: list[tuple[int, int, str]] = []
    stack: list[tuple[int, str]] = []  # (end, scope), innermost last
    pos = lo

    def emit(start: int, end: int, scope: str) -> None:
        if start >= end or not scope:
            return
        if out and out[-1][1] == start and out[-1][2] == scope:
            out[-1] = (out[-1][0], end, scope)
        else:
            out.append((start, end, scope))

    for start, end, _rank, scope in items:
        if start < lo:
            start = lo
        if end > hi:
            end = hi
        if start >= end:
            continue
        while stack and stack[-1][0] <= start:
            top_end, top_scope = stack.pop()
            if pos < top_end:
                emit(pos, top_end, top_scope)
                pos = top_end
        if stack:
            if pos < start:
                emit(pos, start, stack[-1][1])
            end = min(end, stack[-1][0])  # nodes nest; keep the stack nested even if they did not
        if pos < start:
            pos = start
        stack.append((end, scope))
    while stack:
        top_end, top_scope = stack.pop()
        if pos < top_end:
            emit(pos, top_end, top_scope)
            pos = top_end
    return out

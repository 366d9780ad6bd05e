"""Helpers shared by the highlight tests: a fresh highlight of a text, spans per line."""

from __future__ import annotations

from symphony.plugins.highlight import Highlighter
from symphony.text import Rope


def fresh(language: str, text: str | Rope, engine: str) -> list[tuple[int, int, str]]:
    rope = text if isinstance(text, Rope) else Rope(text)
    h = Highlighter(language, rope, engine=engine)
    assert h.engine == engine
    return h.spans(0, rope.line_count)


def line_spans(h: Highlighter, line: int) -> list[tuple[int, int, str]]:
    """Line ``line``'s spans, relative to the line's start."""
    base = h.rope.offset_of_line(line)
    return [(s - base, e - base, scope) for s, e, scope in h.spans(line, line + 1)]

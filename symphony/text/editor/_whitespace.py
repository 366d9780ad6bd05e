"""Whitespace conventions of a document: newline style, indentation, trimming on save.

Detection looks at the text as loaded: the newline style is whichever of LF and CRLF is
more common (LF when there are none); the indentation is tabs when more indented lines
start with a tab than with spaces, else spaces of the most common width step between
consecutive indented lines (2, 4 or 8; the configured ``tab_size`` when nothing is found).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

__all__ = ["detect_indentation", "ensure_final_newline", "trim_trailing_whitespace"]

_TRAILING = re.compile(r"[ \t]+$", re.MULTILINE)


def detect_indentation(lines: Iterable[str], limit: int = 10_000) -> tuple[bool, int | None]:
    """``(uses_tabs, width)`` from up to ``limit`` lines; ``width`` is None when unknown."""
    tabs = spaces = 0
    steps: Counter[int] = Counter()
    previous = 0
    for i, line in enumerate(lines):
        if i >= limit:
            break
        if not line.strip():
            continue
        if line[0] == "\t":
            tabs += 1
            previous = 0
            continue
        width = len(line) - len(line.lstrip(" "))
        if width:
            spaces += 1
        if width > previous and width - previous in (2, 4, 8):
            steps[width - previous] += 1
        previous = width
    if tabs > spaces:
        return True, None
    if not steps:
        return False, None
    return False, steps.most_common(1)[0][0]


def trim_trailing_whitespace(text: str) -> str:
    """``text`` without spaces and tabs at the end of each line."""
    return _TRAILING.sub("", text)


def ensure_final_newline(text: str) -> str:
    """``text`` ending with ``"\\n"`` (the empty text stays empty)."""
    return text if not text or text.endswith("\n") else text + "\n"

"""Find queries: plain or regular expression, case sensitive or not, whole words or not.

A query compiles to one Python ``re`` pattern. Searching the whole text uses a ``str`` of
the rope made once per rope version (find is not on the typing path); highlighting the
visible lines searches only those lines, so an active search adds O(screen) per keystroke.
A match never spans a line break in highlights; ``find_next`` and ``find_all`` search the
whole text, so a regular expression may match across lines there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ...errors import RpcError

__all__ = ["Query", "combine_queries", "compile_query"]


@dataclass(frozen=True, slots=True)
class Query:
    """A compiled search: what the frontend asked for, and the pattern that does it."""

    chars: str
    case_sensitive: bool
    regex: bool
    whole_words: bool
    pattern: re.Pattern[str]

    def status(self, matches: int | None) -> dict[str, object]:
        """The query as ``find_status`` reports it."""
        return {"id": 0, "chars": self.chars, "case_sensitive": self.case_sensitive, "is_regex": self.regex,
                "whole_words": self.whole_words, "matches": matches}


def compile_query(chars: str, case_sensitive: bool = False, regex: bool = False,
                  whole_words: bool = False) -> Query:
    """Compile a find request; an invalid regular expression raises ``RpcError`` (-32602)."""
    source = chars if regex else re.escape(chars)
    if whole_words:
        source = rf"(?<!\w)(?:{source})(?!\w)"
    flags = re.MULTILINE | (0 if case_sensitive else re.IGNORECASE)
    try:
        pattern = re.compile(source, flags)
    except re.error as exc:
        raise RpcError(-32602, f"invalid regular expression {chars!r}: {exc}") from None
    return Query(chars, case_sensitive, regex, whole_words, pattern)


def combine_queries(queries: list[Query]) -> Query:
    """One query matching what any of ``queries`` matches (``multi_find``), each keeping its
    own case sensitivity through a scoped inline flag."""
    parts = []
    for q in queries:
        flag = "" if q.case_sensitive else "i"
        parts.append(f"(?{flag}:{q.pattern.pattern})" if flag else f"(?:{q.pattern.pattern})")
    pattern = re.compile("|".join(parts), re.MULTILINE)
    return Query(" | ".join(q.chars for q in queries), True, True, False, pattern)

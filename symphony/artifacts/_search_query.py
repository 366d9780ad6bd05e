"""The search query language, parsed once for every engine.

A query is a list of clauses separated by spaces; an artifact matches when it matches every
clause (AND), and hits are ranked by BM25. A clause is:

- ``word`` (or ``a-b/c``: a bare term of several words is the phrase of those words), matched
  in the name, the metadata and the text content;
- ``"exact phrase"``: those words, adjacent and in order;
- ``field:term`` or ``field:"a phrase"``: only in that field. ``name``, ``content`` and
  ``meta`` (any metadata key or value) are fields; any other field is a metadata key, dotted
  for nested keys (``kind:model``, ``train.epochs:5``): it matches that key's values only.
  A key no artifact has matches nothing.

Words are runs of letters and digits; everything else separates them, and case and accents
are ignored by both engines. A clause with no word in it (``--``) is dropped; a query with
no clause returns no hits. Refused with ``InvalidQuery``: a query that is not a ``str``,
that holds a lone surrogate, that is longer than ``MAX_QUERY_CHARS`` or has more than
``MAX_WORDS`` words, or an unbalanced ``"``; a ``limit`` that is not an int in
``0..MAX_LIMIT``.
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple

from ..errors import InvalidQuery

__all__ = ["FIELDS", "MAX_LIMIT", "MAX_QUERY_CHARS", "MAX_WORDS", "Clause", "check_limit", "parse", "words"]

MAX_QUERY_CHARS = 10_000
MAX_WORDS = 1_000
MAX_LIMIT = 10_000
#: The fields a clause may name besides metadata keys.
FIELDS = ("name", "content", "meta")

_WORD = re.compile(r"[^\W_]+")
_FIELD = re.compile(r"([^\W\d][\w.\-]*):(?=\S)")
_SPACE = re.compile(r"\s+")


class Clause(NamedTuple):
    """One clause: ``field`` (None: name, metadata and content; a name from ``FIELDS``; else a
    metadata key path) and its words (more than one: a phrase)."""

    field: str | None
    words: tuple[str, ...]


def words(text: str) -> list[str]:
    """The words of ``text`` as the query language sees them (letters and digits)."""
    return _WORD.findall(text)


def check_limit(limit: Any) -> int:
    """``limit`` if it is an int in ``0..MAX_LIMIT``, else ``InvalidQuery``."""
    if isinstance(limit, bool) or not isinstance(limit, int) or not 0 <= limit <= MAX_LIMIT:
        raise InvalidQuery(f"limit must be an int from 0 to {MAX_LIMIT}, not {limit!r}")
    return limit


def parse(query: Any) -> list[Clause]:
    """The clauses of ``query`` (see the module's docstring); ``InvalidQuery`` if it cannot be run."""
    if not isinstance(query, str):
        raise InvalidQuery(f"a query is a str, not {type(query).__name__}")
    if len(query) > MAX_QUERY_CHARS:
        raise InvalidQuery(f"the query has {len(query)} characters; at most {MAX_QUERY_CHARS} are allowed")
    try:
        query.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InvalidQuery(f"the query is not valid Unicode: a lone surrogate at position {exc.start}",
                           position=exc.start) from None
    clauses: list[Clause] = []
    total = 0
    pos, end = 0, len(query)
    while pos < end:
        space = _SPACE.match(query, pos)
        if space:
            pos = space.end()
            continue
        field: str | None = None
        named = _FIELD.match(query, pos)
        if named:
            field = named.group(1)
            pos = named.end()
        if query[pos] == '"':
            close = query.find('"', pos + 1)
            if close < 0:
                raise InvalidQuery(f"unbalanced '\"' at position {pos}: a phrase needs a closing quote",
                                   position=pos)
            text, pos = query[pos + 1:close], close + 1
        else:
            space = _SPACE.search(query, pos)
            stop = space.start() if space else end
            quote = query.find('"', pos, stop)
            stop = quote if quote >= 0 else stop  # a quote in a bare term starts the next clause
            text, pos = query[pos:stop], stop
        found = tuple(words(text))
        total += len(found)
        if total > MAX_WORDS:
            raise InvalidQuery(f"the query has more than {MAX_WORDS} words")
        if found:
            clauses.append(Clause(field, found))
    return clauses

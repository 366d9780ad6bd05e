"""What every search engine behind the artifact store shares: the document it indexes, the hit
it returns, the protocol it implements, and the lock that keeps forks away from engine calls.

Two engines implement :class:`SearchBackend`: tantivy (``_search_tantivy``) and SQLite FTS5
(``_search_fts5``); ``_index`` chooses one. Both index the same :class:`IndexDoc` and read the
same parsed query (``_search_query``), so they find the same artifacts; only scores differ.

Fork safety: no thread may be inside an engine when the process forks (a child would inherit
its mutexes held by a thread that does not exist there, and hang). Every engine call holds
``ENGINE_LOCK`` (via :func:`fork_safe`), which a fork takes first.
"""

from __future__ import annotations

import functools
import json
import os
import threading
from typing import Any, Callable, Iterable, NamedTuple, Protocol, TypeVar

__all__ = ["MAX_TEXT", "IndexDoc", "SearchBackend", "SearchHit", "document", "flatten_metadata", "fork_safe"]

#: Text content beyond this many bytes is not indexed (names and metadata always are).
MAX_TEXT = 4 << 20
#: Metadata leaves indexed per artifact, and the nesting depth followed (the rest is skipped).
MAX_LEAVES = 10_000
MAX_DEPTH = 32


class SearchHit(NamedTuple):
    """One search result."""

    digest: str
    name: str | None
    score: float
    """BM25 relevance, higher is better (comparable within one search only)."""
    snippet: str
    """A piece of the text content around the match, matched words in ``[...]`` ('' if none)."""


class IndexDoc(NamedTuple):
    """What is indexed for one (artifact, name) pair."""

    digest: str
    name: str
    """'' for an artifact put without a name."""
    metadata: str
    """The metadata as JSON text, for ``meta:`` and unqualified words."""
    content: str
    """The bytes as UTF-8 text; '' if binary, not UTF-8 or larger than ``MAX_TEXT``."""
    fields: tuple[tuple[str, str], ...]
    """Each metadata leaf as (dotted key path, value text), for ``key:value`` queries."""


def flatten_metadata(metadata: Any) -> tuple[tuple[str, str], ...]:
    """The leaves of ``metadata`` as (dotted key path, text): nested dicts join their keys with
    '.', list items share their list's path, numbers and booleans become their JSON text."""
    out: list[tuple[str, str]] = []

    def walk(value: Any, path: str, depth: int) -> None:
        if len(out) >= MAX_LEAVES or depth > MAX_DEPTH:
            return
        if isinstance(value, dict):
            for key, item in value.items():
                walk(item, f"{path}.{key}" if path else str(key), depth + 1)
        elif isinstance(value, (list, tuple)):
            for item in value:
                walk(item, path, depth + 1)
        elif path:
            if isinstance(value, str):
                text = value
            elif isinstance(value, (bool, int, float)) or value is None:
                text = json.dumps(value)
            else:
                text = str(value)
            out.append((path, text))

    walk(metadata, "", 0)
    return tuple(out)


def document(digest: str, name: str | None, metadata: Any, data: bytes | None) -> IndexDoc:
    """The document indexed for an artifact put under ``name`` with ``metadata`` and bytes ``data``."""
    meta_text = ""
    if metadata:
        meta_text = json.dumps(metadata, default=str, ensure_ascii=False)
    text = ""
    if data is not None and len(data) <= MAX_TEXT:
        try:
            text = bytes(data).decode("utf-8")
        except UnicodeDecodeError:
            text = ""
        if "\x00" in text:
            text = ""
    return IndexDoc(digest, name or "", meta_text, text, flatten_metadata(metadata) if metadata else ())


class SearchBackend(Protocol):
    """A full-text index of :class:`IndexDoc` keyed by (digest, name). Only one thread uses it at a time."""

    engine: str
    """``"tantivy"`` or ``"fts5"``."""

    def add(self, docs: Iterable[IndexDoc]) -> None:
        """Index ``docs``, replacing any earlier document of the same (digest, name)."""

    def remove(self, digests: Iterable[str]) -> None:
        """Drop every document of these artifacts."""

    def commit(self) -> None:
        """Make everything added or removed so far visible to ``search`` (and durable)."""

    @property
    def uncommitted(self) -> bool:
        """Whether something added or removed is not committed yet."""

    def tick(self) -> None:
        """Called about once a second while ``uncommitted``: commit, and release what other
        processes may be waiting for (tantivy's writer lock)."""

    def digests(self) -> set[str]:
        """Every artifact with a committed document."""

    def search(self, query: str, limit: int) -> list[SearchHit]:
        """The ``limit`` best committed matches of ``query``, each artifact once, best first.

        Raises ``InvalidQuery`` for a query that cannot be run (see ``_search_query``).
        """

    def close(self) -> None:
        """Commit and release the index's files."""


ENGINE_LOCK = threading.Lock()
F = TypeVar("F", bound=Callable[..., Any])


def fork_safe(method: F) -> F:
    """Run ``method`` holding the lock a fork waits for (see the module's docstring)."""

    @functools.wraps(method)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        with ENGINE_LOCK:
            return method(*args, **kwargs)

    return guarded  # type: ignore[return-value]


def _after_fork_in_child() -> None:
    global ENGINE_LOCK
    ENGINE_LOCK = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(before=lambda: ENGINE_LOCK.acquire(), after_in_parent=lambda: ENGINE_LOCK.release(),
                        after_in_child=_after_fork_in_child)

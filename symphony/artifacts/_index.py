"""The artifact store's full-text index: SQLite FTS5 over names, metadata and text content.

The index is derived data: the shards are the truth. It is updated on every ``put`` (the
document is queued and the index actor commits queued documents in one transaction), and
a ``search`` first commits whatever is queued, so a search sees every put that returned
before it. After a crash the index may lack the last documents; the store re-adds what
is missing (``reconcile``) before its first search.

Invariants:
- Only the index actor touches the SQLite connection (one thread of control at a time).
- No thread is inside SQLite when the process forks: every call holds ``_SQLITE_LOCK``,
  which a fork takes first (a child would otherwise inherit SQLite's global mutex locked
  by a thread that does not exist in the child, and hang in ``sqlite3.connect``).
- One row per (artifact, name); a search returns each artifact once, best match first.
"""

from __future__ import annotations

import functools
import json
import os
import re
import sqlite3
import threading
from collections import deque
from typing import Any, Callable, Iterable, NamedTuple, TypeVar

from ..actors import Actor

__all__ = ["IndexActor", "SearchHit", "SearchIndex", "document"]

#: Text content beyond this many bytes is not indexed (names and metadata always are).
MAX_TEXT = 4 << 20
_WORD = re.compile(r"\w+", re.UNICODE)

_SQLITE_LOCK = threading.Lock()
F = TypeVar("F", bound=Callable[..., Any])


def _fork_safe(method: F) -> F:
    """Run ``method`` holding the lock a fork waits for (see the module's invariants)."""

    @functools.wraps(method)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        with _SQLITE_LOCK:
            return method(*args, **kwargs)

    return guarded  # type: ignore[return-value]


def _after_fork_in_child() -> None:
    global _SQLITE_LOCK
    _SQLITE_LOCK = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(before=lambda: _SQLITE_LOCK.acquire(), after_in_parent=lambda: _SQLITE_LOCK.release(),
                        after_in_child=_after_fork_in_child)


class SearchHit(NamedTuple):
    """One search result."""

    digest: str
    name: str | None
    score: float
    """BM25 relevance, higher is better."""
    snippet: str


def document(digest: str, name: str | None, metadata: Any, data: bytes | None) -> tuple[str, str, str, str]:
    """The row indexed for an artifact: digest, name, flattened metadata, text content ('' if binary)."""
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
    return digest, name or "", meta_text, text


class SearchIndex:
    """An FTS5 table in one SQLite file (WAL mode)."""

    @_fork_safe
    def __init__(self, path: str) -> None:
        self.conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=NORMAL")
        self.conn.execute("CREATE VIRTUAL TABLE IF NOT EXISTS docs USING "
                          "fts5(digest UNINDEXED, name, metadata, content, tokenize='unicode61')")

    @_fork_safe
    def add(self, docs: Iterable[tuple[str, str, str, str]]) -> None:
        docs = list(docs)
        if not docs:
            return
        with self.conn:
            self.conn.execute("BEGIN")
            for doc in docs:
                exists = self.conn.execute("SELECT 1 FROM docs WHERE digest = ? AND name = ? LIMIT 1",
                                           (doc[0], doc[1])).fetchone()
                if not exists:
                    self.conn.execute("INSERT INTO docs(digest, name, metadata, content) VALUES (?, ?, ?, ?)", doc)

    @_fork_safe
    def remove(self, digests: Iterable[str]) -> None:
        with self.conn:
            self.conn.execute("BEGIN")
            self.conn.executemany("DELETE FROM docs WHERE digest = ?", [(d,) for d in digests])

    @_fork_safe
    def digests(self) -> set[str]:
        return {row[0] for row in self.conn.execute("SELECT digest FROM docs")}

    @_fork_safe
    def search(self, query: str, limit: int) -> list[SearchHit]:
        words = _WORD.findall(query)
        if not words or limit <= 0:
            return []
        match = " ".join('"' + w.replace('"', '""') + '"' for w in words)
        rows = self.conn.execute(
            "SELECT digest, name, -bm25(docs) AS score, snippet(docs, 3, '[', ']', '...', 12) "
            "FROM docs WHERE docs MATCH ? ORDER BY bm25(docs) LIMIT ?", (match, limit * 4)).fetchall()
        hits: list[SearchHit] = []
        seen: set[str] = set()
        for digest, name, score, snippet in rows:
            if digest in seen:
                continue
            seen.add(digest)
            hits.append(SearchHit(digest, name or None, float(score), snippet or ""))
            if len(hits) >= limit:
                break
        return hits

    @_fork_safe
    def close(self) -> None:
        self.conn.close()


class IndexActor(Actor):
    """Owns the :class:`SearchIndex`; queued documents are committed in one transaction per flush."""

    dedicated_thread = True

    def __init__(self, index: SearchIndex, pending: deque) -> None:
        self.index = index
        self.pending = pending

    def _flush(self) -> None:
        adds: list[tuple[str, str, str, str]] = []
        removes: list[str] = []
        while True:
            try:
                kind, item = self.pending.popleft()
            except IndexError:
                break
            if kind == "add":
                if removes:
                    self.index.remove(removes)
                    removes = []
                adds.append(item)
            else:
                if adds:
                    self.index.add(adds)
                    adds = []
                removes.append(item)
        self.index.add(adds)
        if removes:
            self.index.remove(removes)

    def on_receive(self, message: Any) -> Any:
        kind = message.kind
        self._flush()
        if kind == "flush":
            return None
        if kind == "search":
            query, limit = message.payload
            return self.index.search(query, limit)
        if kind == "digests":
            return self.index.digests()
        return super().on_receive(message)

    def on_stop(self) -> None:
        try:
            self._flush()
        finally:
            self.index.close()

"""The SQLite FTS5 search engine: the fallback when tantivy is not installed.

One SQLite file (WAL mode). ``entries`` holds one row per (digest, name); the FTS5 table
``docs`` shares its rowid and holds the text columns. Metadata key queries (``kind:model``)
read the ``fields`` column, where each word of a leaf's value is indexed as one token that
also names its key (``k<hash of the key path>x<word>``), so ``kind:model`` cannot match a
``model`` under another key. Every change commits at once (``synchronous=NORMAL``: a crash
can lose the last commits, which the store re-adds on open).
"""

from __future__ import annotations

import os
import sqlite3
from typing import Iterable

import xxhash

from ._search_api import IndexDoc, SearchHit, fork_safe
from ._search_query import Clause, check_limit, parse, words

__all__ = ["Fts5Index", "key_token", "remove_files"]

#: Bumped when the table layout changes; an index of another version is rebuilt.
VERSION = 2
_COLUMNS = {None: "{name metadata content}", "name": "name", "content": "content", "meta": "metadata"}


def key_token(path: str, word: str) -> str:
    """The token that stands for ``word`` in the value of metadata key ``path``."""
    return f"k{xxhash.xxh3_64_hexdigest(path.encode('utf-8', 'surrogatepass'))}x{word}"


def _fields_text(fields: Iterable[tuple[str, str]]) -> str:
    return "\n".join(" ".join(key_token(path, w) for w in words(value)) for path, value in fields)


def _match(clauses: list[Clause]) -> str:
    parts = []
    for clause in clauses:
        column = _COLUMNS.get(clause.field)
        if column is None:
            assert clause.field is not None
            terms = [key_token(clause.field, w) for w in clause.words]
            column = "fields"
        else:
            terms = list(clause.words)
        phrase = " ".join(terms).replace('"', '""')
        parts.append(f'{column} : "{phrase}"')
    return " AND ".join(parts)


class Fts5Index:
    """An FTS5 index in the SQLite file ``path``."""

    engine = "fts5"

    @fork_safe
    def __init__(self, path: str) -> None:
        self.path = path
        try:
            self._open()
        except sqlite3.DatabaseError:  # damaged: it is derived data, so start over
            self.conn.close()
            remove_files(path)
            self._open()

    def _open(self) -> None:
        self.conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=NORMAL")
        version = self.conn.execute("PRAGMA user_version").fetchone()[0]
        if version != VERSION:  # an older layout (or none): start over, the store re-adds everything
            self.conn.execute("DROP TABLE IF EXISTS docs")
            self.conn.execute("DROP TABLE IF EXISTS entries")
        self.conn.execute("CREATE TABLE IF NOT EXISTS entries (id INTEGER PRIMARY KEY, digest TEXT NOT NULL, "
                          "name TEXT NOT NULL, UNIQUE (digest, name))")
        self.conn.execute("CREATE VIRTUAL TABLE IF NOT EXISTS docs USING "
                          "fts5(name, metadata, content, fields, tokenize='unicode61')")
        self.conn.execute(f"PRAGMA user_version = {VERSION}")

    @property
    def uncommitted(self) -> bool:
        return False

    @fork_safe
    def add(self, docs: Iterable[IndexDoc]) -> None:
        docs = list(docs)
        if not docs:
            return
        with self.conn:
            self.conn.execute("BEGIN")
            for doc in docs:
                old = self.conn.execute("SELECT id FROM entries WHERE digest = ? AND name = ?",
                                        (doc.digest, doc.name)).fetchone()
                if old is not None:
                    self.conn.execute("DELETE FROM docs WHERE rowid = ?", old)
                    self.conn.execute("DELETE FROM entries WHERE id = ?", old)
                rowid = self.conn.execute("INSERT INTO entries(digest, name) VALUES (?, ?)",
                                          (doc.digest, doc.name)).lastrowid
                self.conn.execute("INSERT INTO docs(rowid, name, metadata, content, fields) VALUES (?, ?, ?, ?, ?)",
                                  (rowid, doc.name, doc.metadata, doc.content, _fields_text(doc.fields)))

    @fork_safe
    def remove(self, digests: Iterable[str]) -> None:
        with self.conn:
            self.conn.execute("BEGIN")
            for digest in digests:
                ids = self.conn.execute("SELECT id FROM entries WHERE digest = ?", (digest,)).fetchall()
                self.conn.executemany("DELETE FROM docs WHERE rowid = ?", ids)
                self.conn.execute("DELETE FROM entries WHERE digest = ?", (digest,))

    def commit(self) -> None:
        """Nothing to do: every change commits at once."""

    def tick(self) -> None:
        """Nothing to do: every change commits at once."""

    @fork_safe
    def digests(self) -> set[str]:
        return {row[0] for row in self.conn.execute("SELECT DISTINCT digest FROM entries")}

    def search(self, query: str, limit: int) -> list[SearchHit]:
        clauses = parse(query)
        if not clauses or check_limit(limit) == 0:
            return []
        return self._search(_match(clauses), limit)

    @fork_safe
    def _search(self, match: str, limit: int) -> list[SearchHit]:
        rows = self.conn.execute(
            "SELECT e.digest, e.name, -bm25(docs) AS score, snippet(docs, 2, '[', ']', '...', 12) "
            "FROM docs JOIN entries e ON e.id = docs.rowid WHERE docs MATCH ? ORDER BY bm25(docs) LIMIT ?",
            (match, limit * 4)).fetchall()
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

    @fork_safe
    def close(self) -> None:
        self.conn.close()


def remove_files(path: str) -> None:
    """Delete the FTS5 index at ``path`` (when another engine takes over: it would go stale)."""
    for suffix in ("", "-wal", "-shm"):
        try:
            os.remove(path + suffix)
        except FileNotFoundError:
            pass

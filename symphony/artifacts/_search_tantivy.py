"""The tantivy search engine (the ``tantivy`` package): BM25, phrases, fields, in a directory.

Schema: ``key`` (digest NUL name, one document per pair), ``digest``, ``name``, ``meta``
(the metadata as JSON text), ``content`` (stored, for snippets) and ``fields`` (a JSON field
of the flattened metadata, so ``kind:model`` is a term on the JSON path ``fields.kind``).
Every text field goes through one analyzer, ``fold``: letters and digits, lowercased, accents
folded, like FTS5's ``unicode61``.

Commits are lazy: a tantivy commit fsyncs, so committing on every put would double the
store's syncs. Added documents are committed before a search, at close, and by ``tick``
(the index actor calls it about a second after the first uncommitted change), which also
releases the writer lock so another process with the store open can index. A crash loses
only uncommitted documents, which the store re-adds on open (the index is derived data).

One ``IndexWriter`` per directory, across processes: when another process holds the lock,
adds wait in memory and are retried; a search that must commit first waits up to
``LOCK_WAIT`` seconds, then raises ``SearchUnavailable``.
"""

from __future__ import annotations

import os
import shutil
import time
from typing import Any, Iterable

import tantivy

from ..errors import SearchUnavailable
from ._search_api import IndexDoc, SearchHit, fork_safe
from ._search_query import Clause, check_limit, parse

__all__ = ["LOCK_WAIT", "TantivyIndex", "remove_files"]

#: Seconds a search waits for another process to release the writer lock.
LOCK_WAIT = 10.0
#: The writer's indexing memory; tantivy flushes a segment when it is full.
HEAP = 64 << 20
#: Bumped when the schema changes; an index of another version is rebuilt.
VERSION = 1
_TEXT_FIELDS = ("name", "meta", "content")
_FIELD_NAMES = {"name": "name", "content": "content", "meta": "meta"}


def _schema() -> Any:
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("key", tokenizer_name="raw", index_option="basic")
    builder.add_text_field("digest", stored=True, tokenizer_name="raw", index_option="basic")
    builder.add_text_field("name", stored=True, tokenizer_name="fold")
    builder.add_text_field("meta", tokenizer_name="fold")
    builder.add_text_field("content", stored=True, tokenizer_name="fold")
    builder.add_json_field("fields", tokenizer_name="fold", expand_dots_enabled=True)
    return builder.build()


def _analyzer() -> Any:
    return (tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
            .filter(tantivy.Filter.lowercase()).filter(tantivy.Filter.ascii_fold()).build())


def remove_files(path: str) -> None:
    """Delete the tantivy index directory ``path`` (when another engine takes over)."""
    shutil.rmtree(path, ignore_errors=True)


def _is_lock_busy(exc: BaseException) -> bool:
    return "LockBusy" in str(exc)


class TantivyIndex:
    """A tantivy index in the directory ``path``."""

    engine = "tantivy"

    def __init__(self, path: str) -> None:
        self.path = path
        self.schema = _schema()
        self.analyzer = _analyzer()
        self._open()
        self.writer: Any = None
        self.queued: list[tuple[str, Any]] = []  # ("add", IndexDoc) / ("remove", digest) not yet in a writer
        self.dirty = False  # the writer holds uncommitted changes
        self._seen: tuple[int, int, int] | None = None  # meta.json when the searcher was last reloaded

    @fork_safe
    def _open(self) -> None:
        version_file = os.path.join(self.path, "symphony-version")
        try:
            with open(version_file, encoding="ascii") as fh:
                current = fh.read().strip() == str(VERSION)
        except (FileNotFoundError, ValueError):
            current = False
        if not current:  # another schema (or none): start over, the store re-adds everything
            shutil.rmtree(self.path, ignore_errors=True)
        os.makedirs(self.path, exist_ok=True)
        try:
            self.index: Any = tantivy.Index(self.schema, path=self.path)
        except (ValueError, OSError):  # damaged: it is derived data, so start over
            shutil.rmtree(self.path, ignore_errors=True)
            os.makedirs(self.path)
            current = False
            self.index = tantivy.Index(self.schema, path=self.path)
        self.index.register_tokenizer("fold", self.analyzer)
        self.index.config_reader("Manual")
        if not current:
            with open(version_file, "w", encoding="ascii") as fh:
                fh.write(str(VERSION))

    # -- writing ------------------------------------------------------------------------------

    @property
    def uncommitted(self) -> bool:
        return self.dirty or bool(self.queued)

    def add(self, docs: Iterable[IndexDoc]) -> None:
        self.queued.extend(("add", doc) for doc in docs)
        self._apply()

    def remove(self, digests: Iterable[str]) -> None:
        self.queued.extend(("remove", d) for d in digests)
        self._apply()

    @fork_safe
    def _take_writer(self) -> bool:
        """Hold the writer lock (True), or False if another process has it."""
        if self.writer is None:
            try:
                self.writer = self.index.writer(HEAP, min(2, os.cpu_count() or 1))
            except ValueError as exc:
                if not _is_lock_busy(exc):
                    raise
                return False
        return True

    @fork_safe
    def _apply_queued(self) -> None:
        writer, queued = self.writer, self.queued
        self.queued = []
        for op, item in queued:
            if op == "add":
                key = f"{item.digest}\x00{item.name}"
                writer.delete_documents_by_term("key", key)
                doc = tantivy.Document(key=key, digest=item.digest, name=item.name, meta=item.metadata,
                                       content=item.content)
                if item.fields:
                    leaves: dict[str, list[str]] = {}
                    for path, value in item.fields:
                        leaves.setdefault(path, []).append(value)
                    doc.add_json("fields", leaves)
                writer.add_document(doc)
            else:
                writer.delete_documents_by_term("digest", item)
            self.dirty = True

    def _apply(self) -> bool:
        """Hand queued changes to the writer; False if another process holds the lock."""
        if not self.queued:
            return True
        if not self._take_writer():
            return False
        self._apply_queued()
        return True

    @fork_safe
    def _commit_writer(self, release: bool) -> None:
        if self.writer is not None:
            if self.dirty:
                self.writer.commit()
                self.dirty = False
            if release:
                self.writer.wait_merging_threads()
                self.writer = None
        self._reload()

    def _reload(self) -> None:
        """Point the searcher at the last commit (this process's or another's) if it changed:
        a reload throws away the searcher's warm caches, so skip it when nothing was committed."""
        try:
            info = os.stat(os.path.join(self.path, "meta.json"))
            seen = (info.st_mtime_ns, info.st_size, info.st_ino)
        except FileNotFoundError:
            seen = None
        if seen != self._seen or seen is None:
            self.index.reload()
            self._seen = seen

    def commit(self, *, wait: float | None = None) -> None:
        """Commit every change; waits up to ``wait`` s (default ``LOCK_WAIT``) for another
        process's writer lock, then raises ``SearchUnavailable``."""
        deadline = time.monotonic() + (LOCK_WAIT if wait is None else wait)
        delay = 0.005
        while not self._apply():
            if time.monotonic() >= deadline:
                raise SearchUnavailable(f"the search index {self.path} is locked by another process "
                                        f"(its writer); {len(self.queued)} changes wait")
            time.sleep(delay)
            delay = min(delay * 2, 0.1)
        try:
            self._commit_writer(False)
        except ValueError as exc:  # the engine failed to write (disk full, files removed)
            self.writer, self.dirty = None, False  # its changes are lost; the store re-adds them on open
            raise SearchUnavailable(f"the search index {self.path} could not commit: {exc}") from exc

    def tick(self) -> None:
        if self._apply():
            self._commit_writer(True)

    # -- reading ------------------------------------------------------------------------------

    def digests(self) -> set[str]:
        self.commit()
        return self._digests()

    @fork_safe
    def _digests(self) -> set[str]:
        searcher = self.index.searcher()
        if searcher.num_docs == 0:
            return set()
        terms = searcher.terms_with_prefix("digest", "", filter_query=tantivy.Query.all_query())
        return {term for term, count in terms if count}

    def _query(self, clauses: list[Clause]) -> Any:
        Query, Occur = tantivy.Query, tantivy.Occur
        musts = []
        for clause in clauses:
            tokens = [t for w in clause.words for t in self.analyzer.analyze(w)]
            if not tokens:
                continue
            if clause.field is None:
                fields = list(_TEXT_FIELDS)
            else:
                fields = [_FIELD_NAMES.get(clause.field, "fields." + clause.field)]
            per_field = [Query.term_query(self.schema, f, tokens[0]) if len(tokens) == 1
                         else Query.phrase_query(self.schema, f, tokens) for f in fields]
            one = per_field[0] if len(per_field) == 1 else Query.boolean_query(
                [(Occur.Should, q) for q in per_field])
            musts.append((Occur.Must, one))
        if not musts:
            return None
        return musts[0][1] if len(musts) == 1 else Query.boolean_query(musts)

    def search(self, query: str, limit: int) -> list[SearchHit]:
        clauses = parse(query)
        if not clauses or check_limit(limit) == 0:
            return []
        self.commit()
        return self._search(clauses, limit)

    @fork_safe
    def _search(self, clauses: list[Clause], limit: int) -> list[SearchHit]:
        try:
            query = self._query(clauses)
        except ValueError:  # a key path tantivy cannot address matches nothing
            return []
        if query is None:
            return []
        searcher = self.index.searcher()
        found = searcher.search(query, limit * 4, count=False).hits
        snippets = tantivy.SnippetGenerator.create(searcher, query, self.schema, "content")
        snippets.set_max_num_chars(80)
        hits: list[SearchHit] = []
        seen: set[str] = set()
        for score, address in found:
            doc = searcher.doc(address)
            digest = str(doc.get_first("digest"))
            if digest in seen:
                continue
            seen.add(digest)
            hits.append(SearchHit(digest, doc.get_first("name") or None, float(score),
                                  _snippet(snippets.snippet_from_doc(doc), doc.get_first("content") or "")))
            if len(hits) >= limit:
                break
        return hits

    def close(self) -> None:
        try:
            self.tick()
        finally:
            self.writer = None
            self.index = None


def _snippet(snippet: Any, content: str) -> str:
    """FTS5's snippet format: matched words in ``[...]``, '...' where text was cut (tantivy's
    ranges are byte offsets)."""
    fragment = snippet.fragment().encode("utf-8")
    if not fragment:
        return ""
    out, last = [], 0
    for r in snippet.highlighted():
        out += [fragment[last:r.start], b"[", fragment[r.start:r.end], b"]"]
        last = r.end
    out.append(fragment[last:])
    text = b"".join(out).decode("utf-8", "replace")
    span = snippet.fragment_range()
    if span.start > 0:
        text = "..." + text
    if span.end < len(content.encode("utf-8")):
        text += "..."
    return text

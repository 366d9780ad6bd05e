"""Artifact store full-text search: the tantivy engine (ours) beside SQLite FTS5, on the same
100,000 generated documents.

- ``SearchIndexing.track_index_docs_per_s``: documents indexed per second, from an empty
  index to a committed one, handed to the engine in batches of 1,000 as the store's index
  actor does. Higher is better.
- ``SearchQuery.track_query_p50_us`` / ``track_query_p99_us``: latency of one search (10 hits
  with snippets) over a mix of query shapes: a frequent word, a rare word, two words, an
  exact phrase, a ``name:`` field and a metadata key (``kind:``).

Both engines run through the same ``SearchBackend`` interface (``symphony.artifacts``'s
``_search_tantivy.TantivyIndex`` and ``_search_fts5.Fts5Index``) with the same parsed
queries, so the figures compare the engines, not two wrappers. The documents: a Zipf-
distributed vocabulary of 20,000 made-up words, 40-160 words each (about 0.6 KB), a name
and metadata of three keys.
"""

from __future__ import annotations

import atexit
import os
import random
import shutil
import statistics
import tempfile
import time
from typing import Any

N_DOCS = 100_000
BATCH = 1_000
VOCAB = 20_000
_docs: list[Any] = []
_built: dict[str, str] = {}  # impl -> directory of a complete index


def _words() -> list[str]:
    rnd = random.Random(7)
    letters = "abcdefghijklmnopqrstuvwxyz"
    seen: set[str] = set()
    out: list[str] = []
    while len(out) < VOCAB:
        word = "".join(rnd.choice(letters) for _ in range(rnd.randint(3, 10)))
        if word not in seen:
            seen.add(word)
            out.append(word)
    return out


WORDS = _words()


def documents() -> list[Any]:
    """The 100,000 documents (made once per process)."""
    if not _docs:
        from symphony.artifacts._search_api import document

        rnd = random.Random(11)
        weights = [1.0 / (rank + 1) for rank in range(VOCAB)]
        kinds = ["model", "dataset", "report", "log", "config"]
        for i in range(N_DOCS):
            text = " ".join(rnd.choices(WORDS, weights, k=rnd.randint(40, 160)))
            meta = {"kind": kinds[i % len(kinds)], "author": rnd.choice(WORDS[:200]), "step": i}
            _docs.append(document(f"{i:032x}", f"runs/{WORDS[i % 500]}/{i}", meta, text.encode()))
    return _docs


QUERIES = [
    WORDS[3],  # frequent
    WORDS[9000],  # rare
    f"{WORDS[20]} {WORDS[300]}",  # two words, both must match
    f'"{WORDS[0]} {WORDS[1]}"',  # exact phrase
    f"name:{WORDS[42]}",
    f"kind:report {WORDS[100]}",
]


def _open(impl: str, path: str) -> Any:
    if impl == "symphony":
        from symphony.artifacts._search_tantivy import TantivyIndex

        return TantivyIndex(os.path.join(path, "index.tantivy"))
    from symphony.artifacts._search_fts5 import Fts5Index

    return Fts5Index(os.path.join(path, "index.sqlite"))


def _build(impl: str) -> float:
    """Index every document into a fresh directory; returns documents per second."""
    docs = documents()
    path = tempfile.mkdtemp(prefix=f"bench-search-{impl}-")
    start = time.perf_counter()
    index = _open(impl, path)
    for i in range(0, len(docs), BATCH):
        index.add(docs[i:i + BATCH])
    index.commit()
    index.close()
    elapsed = time.perf_counter() - start
    old = _built.pop(impl, None)
    if old:
        shutil.rmtree(old, ignore_errors=True)
    _built[impl] = path
    return len(docs) / elapsed


@atexit.register
def _cleanup() -> None:
    for path in _built.values():
        shutil.rmtree(path, ignore_errors=True)


class SearchIndexing:
    params = [["symphony", "fts5"]]
    param_names = ["impl"]
    timeout = 1800
    repeat = 1
    higher_is_better = True

    def setup(self, impl: str) -> None:
        if impl == "symphony":
            try:
                import tantivy  # noqa: F401
            except ImportError:
                raise NotImplementedError("tantivy is not installed") from None
        documents()

    def track_index_docs_per_s(self, impl: str) -> float:
        return _build(impl)

    track_index_docs_per_s.unit = "docs/s"  # type: ignore[attr-defined]


class SearchQuery:
    params = [["symphony", "fts5"]]
    param_names = ["impl"]
    timeout = 1800
    repeat = 3
    rounds = 50

    def setup(self, impl: str) -> None:
        SearchIndexing().setup(impl)
        if impl not in _built:
            _build(impl)
        self.index = _open(impl, _built[impl])
        for query in QUERIES:  # warm up, and check every shape finds something
            assert self.index.search(query, 10), query

    def teardown(self, impl: str) -> None:
        self.index.close()

    def _samples(self) -> list[float]:
        samples = []
        for _ in range(self.rounds):
            for query in QUERIES:
                start = time.perf_counter()
                self.index.search(query, 10)
                samples.append(time.perf_counter() - start)
        return samples

    def track_query_p50_us(self, impl: str) -> float:
        return statistics.median(self._samples()) * 1e6

    track_query_p50_us.unit = "us"  # type: ignore[attr-defined]

    def track_query_p99_us(self, impl: str) -> float:
        ordered = sorted(self._samples())
        return ordered[int(len(ordered) * 0.99)] * 1e6

    track_query_p99_us.unit = "us"  # type: ignore[attr-defined]

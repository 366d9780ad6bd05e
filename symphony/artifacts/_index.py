"""The artifact store's full-text index: which engine, and the actor that owns it.

Engines (see ``_search_api.SearchBackend``): tantivy when the ``tantivy`` package is
installed (``pip install symphony-aide[search]``), else SQLite FTS5. ``SYMPHONY_SEARCH``
overrides the choice: ``fts5`` forces the fallback, ``tantivy`` insists on tantivy (an
``ImportError`` if it is missing). This module is the one place that chooses, like
``symphony._twins`` for the compiled speedups. Both engines take the same query language
(``_search_query``) and find the same artifacts.

The index is derived data: the shards are the truth. It is updated on every ``put`` (the
document is queued and the index actor hands queued documents to the engine in one batch),
and a ``search`` first commits whatever is queued, so a search sees every put that returned
before it. After a crash the index may lack the last documents; the store re-adds what is
missing (``reconcile``) before its first search. Opening one engine's index deletes the
other engine's (it would be stale); the store then re-adds everything.

Invariants:
- Only the index actor touches the engine (one thread of control at a time).
- No thread is inside an engine when the process forks (``_search_api.fork_safe``).
- One document per (artifact, name); a search returns each artifact once, best match first.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections import deque
from typing import Any

from ..actors import Actor, Supervision
from ..errors import SymphonyError
from . import _search_fts5
from ._search_api import MAX_TEXT, IndexDoc, SearchBackend, SearchHit, document

try:
    from . import _search_tantivy
except ImportError:  # the optional ``search`` extra is not installed
    _search_tantivy = None  # type: ignore[assignment]

__all__ = ["ENGINES", "MAX_TEXT", "IndexActor", "SearchHit", "SearchIndex", "document", "engine"]

#: The environment variable that picks the engine: ``tantivy`` or ``fts5``.
ENV = "SYMPHONY_SEARCH"
#: Every engine, best first.
ENGINES = ("tantivy", "fts5")
#: Seconds between the first uncommitted change and the actor's ``tick`` (lazy commit).
TICK = 1.0


def engine() -> str:
    """The engine a store opened now uses: ``SYMPHONY_SEARCH`` if set, else tantivy when installed, else fts5."""
    wanted = os.environ.get(ENV, "").strip().lower()
    if wanted not in ("", *ENGINES):
        raise ValueError(f"{ENV}={wanted!r}: expected one of {', '.join(ENGINES)}")
    if wanted == "tantivy" and _search_tantivy is None:
        raise ImportError(f"{ENV}=tantivy but the tantivy package is not installed (pip install tantivy)")
    if wanted:
        return wanted
    return "tantivy" if _search_tantivy is not None else "fts5"


def SearchIndex(path: str) -> SearchBackend:  # noqa: N802 - the store's name for "open the index"
    """Open the search index of a store, ``path`` being its ``index.sqlite``; tantivy keeps its
    files beside it in ``index.tantivy/``. The engine is :func:`engine`'s choice."""
    base = path[:-len(".sqlite")] if path.endswith(".sqlite") else path
    sqlite_path, tantivy_path = base + ".sqlite", base + ".tantivy"
    if engine() == "tantivy":
        assert _search_tantivy is not None
        _search_fts5.remove_files(sqlite_path)
        return _search_tantivy.TantivyIndex(tantivy_path)
    shutil.rmtree(tantivy_path, ignore_errors=True)
    return _search_fts5.Fts5Index(sqlite_path)


class IndexActor(Actor):
    """Owns a :class:`SearchBackend`; queued documents reach the engine in one batch per flush.

    Messages: ``flush`` (hand queued changes to the engine), ``search`` (payload: query,
    limit), ``digests`` (every indexed artifact), ``tick`` (lazy commit, sent by a timer
    about ``TICK`` s after the engine first holds uncommitted changes). A failing message
    (a bad query) fails that ask only: the actor resumes.
    """

    dedicated_thread = True
    supervision = Supervision.RESUME

    def __init__(self, index: SearchBackend, pending: deque) -> None:
        self.index = index
        self.pending = pending
        self._timer: threading.Timer | None = None
        self._stopping = False

    def _flush(self) -> None:
        adds: list[IndexDoc] = []
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
        if adds:
            self.index.add(adds)
        if removes:
            self.index.remove(removes)
        self._arm()

    def _arm(self) -> None:
        """Start the tick timer if the engine holds uncommitted changes and none is running."""
        if self._stopping or not self.index.uncommitted:
            return
        if self._timer is not None and self._timer.is_alive():
            return
        self._timer = threading.Timer(TICK, self._tick_later)
        self._timer.daemon = True
        self._timer.name = f"{self.actor_name}-tick"
        self._timer.start()

    def _tick_later(self) -> None:
        if not self._stopping:
            try:
                self.actor_ref.tell("tick")
            except SymphonyError:  # stopped meanwhile: on_stop commits
                pass

    def on_receive(self, message: Any) -> Any:
        kind = message.kind
        if kind == "tick":
            self._timer = None
            self._flush()
            self.index.tick()
            self._arm()
            return None
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
        self._stopping = True
        timer = self._timer
        if timer is not None:
            timer.cancel()
            if timer is not threading.current_thread():
                timer.join()
        try:
            self._flush()
        finally:
            self.index.close()

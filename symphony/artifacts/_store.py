"""``ArtifactStore``: content-addressed, durable, deduplicated storage of bytes.

The store joins its concepts, each a mixin over ``_core.StoreCore`` in its own module:
writing (``_writing``), reading and verification (``_reading``), deletion and gc
(``_collecting``), names, tags, pins, lineage and quality (``_catalog``); full-text search
is here. The invariants each keeps are in its module's docstring.

Layout on disk: ``PATH/store.json`` (format and shard count), ``PATH/shard-N/`` (one LMDB
environment per shard, see ``_env``), ``PATH/index.tantivy/`` or ``PATH/index.sqlite`` (the search
index, derived; see ``_index``).
"""

from __future__ import annotations

from ..errors import ArtifactNotFound, IntegrityError
from ._catalog import Catalog
from ._collecting import Collecting
from ._index import SearchHit, document
from ._types import ArtifactStat, GcReport, Ranked, Version

__all__ = ["ArtifactStat", "ArtifactStore", "GcReport", "Ranked", "Version"]


class ArtifactStore(Catalog, Collecting):
    """A content-addressed artifact store at ``path`` with ``shards`` LMDB shards.

    ``shards`` applies when the store is created; an existing store keeps its own count.
    One shard is the default, measured (``GroupCommitCeiling``): a shard's leader gathers
    every writer of the store about to queue an op, so 8 writers on one shard share one
    commit and one sync per round, as one raw transaction of 8 puts would; more shards
    split the same writers into smaller rounds, each paying the same two syncs (a sync
    costs nearly as much for 1 put as for 8). More shards can still help on a device that
    flushes several files in parallel.
    ``node`` hosts the shard actors, each then on a thread of its own so fsyncs never hold
    the node's shared dispatcher threads (without ``node``, a private node with a
    dispatcher thread per shard is started and stopped with the store). ``map_size`` is each
    shard's initial LMDB map; it grows with the data by itself, up to ``max_map_size`` per
    shard (beyond that a write raises ``ArtifactStoreFull``; reads go on working).
    ``index=False`` turns off the search index.
    """

    # -- search -----------------------------------------------------------------------------

    def search(self, query: str, limit: int = 10) -> list[SearchHit]:
        """Full-text search over names, metadata and text content, best (BM25) first.

        Every clause of ``query`` must match: ``word``, ``"exact phrase"``, ``name:x``,
        ``content:x``, ``meta:x`` or a metadata key, ``kind:model`` (see ``_search_query``).
        Sees every ``put`` that returned before it. Raises ``InvalidQuery`` for a query that
        cannot be run. The engine is tantivy when installed, else SQLite FTS5 (see ``_index``).
        """
        self._check()
        if self._index_ref is None:
            raise RuntimeError("this store was opened with index=False")
        if not self._reconciled:
            self._reconcile()
        return self._index_ref.ask("search", (query, limit))

    def _reconcile(self) -> None:
        """Re-add documents the index lost and drop those of deleted artifacts (it is committed
        after the shards, so a crash can lose its last changes)."""
        assert self._index_ref is not None
        indexed = self._index_ref.ask("digests")
        stored = self.digests()
        self._index_pending.extend(("remove", d) for d in indexed.difference(stored))
        missing = [d for d in stored if d not in indexed]
        if missing:
            names: dict[str, list[str | None]] = {}
            for name in self.names():
                for v in self.versions(name):
                    names.setdefault(v.digest, []).append(name)
            for digest in missing:
                try:
                    meta = self._meta(bytes.fromhex(digest))
                    data = self.get(digest) if meta["size"] <= (4 << 20) else None
                except (ArtifactNotFound, IntegrityError):
                    continue
                for label in names.get(digest, [None]):
                    self._index_pending.append(("add", document(digest, label, meta["metadata"], data)))
        self._index_ref.ask("flush")
        self._reconciled = True

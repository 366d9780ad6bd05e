"""Deleting from the artifact store: ``delete`` and ``gc``.

Nothing is evicted silently: data goes only through ``delete`` (refused while a name, tag
or pin holds the artifact) and ``gc`` (which keeps everything held and their ancestors).
Chunk refcounts are exact for completed operations and only ever too high after a crash;
``gc`` recounts them from the manifests.
"""

from __future__ import annotations

import time
from typing import Any

from ..errors import ArtifactInUse, ArtifactNotFound, IntegrityError
from ._chunking import parse_digest
from ._commit import Op
from ._reading import Reading
from ._records import REFS, chunk_entries, is_artifact_key
from ._types import GcReport
from ._writing import Writing

__all__ = ["Collecting"]


class Collecting(Writing, Reading):
    """``delete`` and ``gc``: removal of what nothing holds."""

    def _holds(self) -> dict[bytes, str]:
        """Every artifact something holds (name version, tag, pin), with what holds it."""
        held: dict[bytes, str] = {}
        for shard in self._shards:
            db = shard.env.db

            def scan(txn: Any) -> None:
                for key, value in txn.cursor(db=db["names"]):
                    held.setdefault(bytes(value[:16]), "version of " + bytes(key).split(b"\0")[0].decode())
                for key, value in txn.cursor(db=db["tags"]):
                    held.setdefault(bytes(value), f"tag {bytes(key).decode()}")
                for key, value in txn.cursor(db=db["pins"]):
                    held.setdefault(bytes(key), f"pinned ({bytes(value).decode()})")

            shard.env.read(scan)
        return held

    def delete(self, digest: str) -> int:
        """Delete an artifact now; returns the bytes freed (its chunks still used elsewhere stay).

        Raises ``ArtifactNotFound`` if it is not stored, ``ArtifactInUse`` if a named
        version, a tag or a pin holds it.
        """
        self._check()
        raw = parse_digest(digest)
        holder = self._holds().get(raw)
        if holder is not None:
            raise ArtifactInUse(f"artifact {digest} is held ({holder}); release it before deleting")
        return self._delete(raw)

    def _delete(self, raw: bytes) -> int:
        shard = self._shard(raw)
        try:
            size = self._meta(raw)["size"]
        except (ArtifactNotFound, IntegrityError):  # a damaged record can still be deleted
            size = 0
        chunk_list = shard.run(Op("delete", raw))
        if chunk_list is None:
            raise ArtifactNotFound(f"no artifact {raw.hex()}")
        freed = self._unref(chunk_list) if chunk_list else size
        if self._index_feed is not None:
            self._index_feed.add(("remove", raw.hex()))
        return freed

    def gc(self, *, grace: float = 3600.0) -> GcReport:
        """Remove what nothing references, and only that; returns what was removed.

        Kept: every named version, tagged or pinned artifact (a workflow's cached results are
        named versions), every ancestor of those (lineage), anything younger than ``grace``
        seconds (it may be about to be named). Chunks are kept while any remaining
        manifest lists them; their refcounts are recounted, which also reclaims chunks
        left behind by a crash in the middle of a put.
        """
        self._check()
        report = GcReport()
        held = set(self._holds())
        frontier = list(held)
        while frontier:
            raw = frontier.pop()
            try:
                parents = self._meta(raw)["parents"]
            except ArtifactNotFound:
                continue
            for p in parents:
                praw = bytes.fromhex(p)
                if praw not in held:
                    held.add(praw)
                    frontier.append(praw)
        cutoff = time.time() - grace
        for digest in self.digests():
            raw = bytes.fromhex(digest)
            if raw in held:
                continue
            try:
                if self._meta(raw)["created"] > cutoff:
                    continue
                report.bytes_freed += self._delete(raw)
                report.artifacts.append(digest)
            except ArtifactNotFound:
                continue
        # Recount chunk references from the manifests that remain.
        counts: dict[bytes, int] = {}
        for shard in self._shards:
            db = shard.env.db["artifacts"]

            def manifests(txn: Any, db: Any = db) -> None:
                for key, value in txn.cursor(db=db):
                    if not is_artifact_key(key):
                        continue
                    for cd, _n in chunk_entries(value) or ():
                        counts[cd] = counts.get(cd, 0) + 1

            shard.env.read(manifests)
        for shard in self._shards:
            dbs = shard.env.db

            def fix(txn: Any, dbs: dict[str, Any] = dbs) -> tuple[dict[bytes, int], int, int]:
                changes: dict[bytes, int] = {}
                removed = freed = 0
                for key, value in txn.cursor(db=dbs["refs"]):
                    cd = bytes(key)
                    stored, first = REFS.unpack(bytes(value))
                    want = counts.get(cd, 0)
                    if want == stored or (want == 0 and first > cutoff):
                        continue  # a chunk of a put still in progress is young: leave it
                    changes[cd] = want
                    if want == 0:
                        removed += 1
                        chunk = txn.get(cd, db=dbs["chunks"])
                        freed += 0 if chunk is None else len(chunk)
                return changes, removed, freed

            changes, removed, freed = shard.env.read(fix)
            if changes:
                shard.run(Op("set_refs", changes))
                report.chunks += removed
                report.bytes_freed += freed
        return report

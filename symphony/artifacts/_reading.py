"""Reading the artifact store: ``get``, ``open``, ``stat``, listing, and verification.

Every read verifies what it returns against its digest (each chunk against its own, the
whole against the artifact's); wrong bytes raise ``IntegrityError`` and are never returned.
``verify`` checks the whole store that way.
"""

from __future__ import annotations

from typing import Any, Iterator

from ..errors import ArtifactNotFound, IntegrityError
from ._chunking import parse_digest, raw_digest
from ._core import StoreCore, body_of, copy_value, manifest_of
from ._env import DB_NAMES
from ._records import is_artifact_key
from ._types import ArtifactStat

__all__ = ["Reading"]


class Reading(StoreCore):
    """Reads of artifacts, each verified against its digest."""

    def has(self, digest: str) -> bool:
        """True if an artifact with this digest is stored."""
        self._check()
        try:
            raw = parse_digest(digest)
        except ArtifactNotFound:
            return False
        return self._exists(raw)

    def __contains__(self, digest: object) -> bool:
        return isinstance(digest, str) and self.has(digest)

    def get(self, digest: str) -> bytes:
        """The artifact's bytes, verified against ``digest``.

        Raises ``ArtifactNotFound`` if it is not stored, ``IntegrityError`` if what is on
        disk does not hash to ``digest``.
        """
        self._check()
        raw = parse_digest(digest)
        chunked, data = body_of(self._value(raw), digest)
        if chunked:
            data = b"".join(self._chunk(cd, digest) for cd, _ in manifest_of(data, digest))
        if raw_digest(data) != raw:
            raise IntegrityError(f"artifact {digest} is corrupt on disk", digest=digest)
        return data

    def __getitem__(self, digest: str) -> bytes:
        return self.get(digest)

    def open(self, digest: str) -> Iterator[bytes]:
        """Stream the artifact as verified pieces (chunks of a large artifact, one piece for a small one).

        Each piece is checked before it is yielded; the whole is checked at the end.
        """
        self._check()
        raw = parse_digest(digest)
        value = self._value(raw)
        return self._stream(raw, digest, value)

    def _stream(self, raw: bytes, digest: str, value: bytes) -> Iterator[bytes]:
        import xxhash

        chunked, body = body_of(value, digest)
        if not chunked:
            if raw_digest(body) != raw:
                raise IntegrityError(f"artifact {digest} is corrupt on disk", digest=digest)
            yield body
            return
        whole = xxhash.xxh3_128()
        for cd, _ in manifest_of(body, digest):
            piece = self._chunk(cd, digest)
            whole.update(piece)
            yield piece
        if whole.digest() != raw:
            raise IntegrityError(f"artifact {digest}: its chunks do not add up to it", digest=digest)

    def stat(self, digest: str) -> ArtifactStat:
        """Size, creation time, metadata, parents, chunk count, quality and pin of an artifact."""
        self._check()
        raw = parse_digest(digest)
        meta = self._meta(raw)
        ratings = self._ratings(raw)
        quality = sum(ratings.values()) / len(ratings) if ratings else None
        shard = self._shard(raw)
        pins = shard.env.db["pins"]
        pin = shard.env.read(lambda txn: copy_value(txn.get(raw, db=pins)))
        return ArtifactStat(digest, meta["size"], meta["created"], meta["metadata"], meta["parents"],
                            meta["chunks"], quality, ratings, None if pin is None else pin.decode())

    def verify(self) -> list[str]:
        """Check every artifact and chunk in the store; returns the digests found damaged (empty: all good)."""
        self._check()
        bad: list[str] = []
        for digest in self.digests():
            try:
                for _ in self.open(digest):
                    pass
            except IntegrityError:
                bad.append(digest)
        return bad

    def digests(self) -> list[str]:
        """Every artifact digest in the store."""
        self._check()
        out: list[str] = []
        for shard in self._shards:
            db = shard.env.db["artifacts"]

            def keys(txn: Any, db: Any = db) -> list[str]:
                return [bytes(k).hex() for k in txn.cursor(db=db).iternext(values=False) if is_artifact_key(k)]

            out.extend(shard.env.read(keys))
        return out

    def __len__(self) -> int:
        total = 0
        for shard in self._shards:
            db = shard.env.db["artifacts"]

            def entries(txn: Any, db: Any = db) -> int:  # the named databases' entries are not artifacts
                return int(txn.stat(db)["entries"]) - sum(txn.get(name, db=db) is not None for name in DB_NAMES)

            total += shard.env.read(entries)
        return total

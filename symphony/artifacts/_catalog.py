"""The artifact store's catalog: names with versions, tags, pins, lineage and quality ratings.

A name, tag or label lives on the shard its hash picks (``key_shard``); a pin or rating
on its artifact's shard. A named version, tag or pin holds its artifact: ``gc`` keeps it,
``delete`` refuses it.
"""

from __future__ import annotations

import time
from typing import Any

import msgpack

from ..errors import ArtifactNotFound
from ._chunking import parse_digest
from ._commit import Op
from ._core import StoreCore, check_key, copy_value
from ._records import F64, U64
from ._types import Ranked, Version

__all__ = ["Catalog"]


class Catalog(StoreCore):
    """Names and versions, tags, pins, lineage, quality ratings."""

    def versions(self, name: str) -> list[Version]:
        """Every version of ``name``, oldest first (empty if the name was never used)."""
        self._check()
        key = check_key("name", name).encode()
        shard = self._key_shard(key)
        db = shard.env.db["names"]
        prefix = key + b"\0"

        def scan(txn: Any) -> list[Version]:
            out = []
            cursor = txn.cursor(db=db)
            if cursor.set_range(prefix):
                for k, v in cursor:
                    k = bytes(k)
                    if not k.startswith(prefix) or len(k) != len(prefix) + 8:
                        if not k.startswith(prefix):
                            break
                        continue
                    v = bytes(v)
                    out.append(Version(name, U64.unpack(k[-8:])[0], v[:16].hex(), F64.unpack(v[16:24])[0]))
            return out

        return shard.env.read(scan)

    def latest(self, name: str) -> str:
        """The digest of the newest version of ``name``; ``ArtifactNotFound`` if it has none."""
        found = self.versions(name)
        if not found:
            raise ArtifactNotFound(f"no artifact named {name!r}")
        return found[-1].digest

    def names(self, prefix: str = "") -> list[str]:
        """Every name with at least one version that starts with ``prefix``, sorted."""
        self._check()
        out: list[str] = []
        pre = prefix.encode()
        for shard in self._shards:
            db = shard.env.db["heads"]

            def scan(txn: Any, db: Any = db) -> list[str]:
                found = []
                cursor = txn.cursor(db=db)
                if cursor.set_range(pre):
                    for k in cursor.iternext(values=False):
                        k = bytes(k)
                        if not k.startswith(pre):
                            break
                        found.append(k.decode())
                return found

            out.extend(shard.env.read(scan))
        return sorted(out)

    def tag(self, label: str, digest: str | None) -> None:
        """Point ``label`` at ``digest`` (moving it if it pointed elsewhere); ``None`` removes it.

        A tagged artifact is held: ``gc`` keeps it and ``delete`` refuses it.
        """
        self._check()
        key = check_key("label", label).encode()
        raw = None
        if digest is not None:
            raw = parse_digest(digest)
            if not self._exists(raw):
                raise ArtifactNotFound(f"no artifact {digest}")
        self._key_shard(key).run(Op("tag", key, raw))

    def tagged(self, label: str) -> str:
        """The digest ``label`` points at; ``ArtifactNotFound`` if no such tag."""
        self._check()
        key = check_key("label", label).encode()
        shard = self._key_shard(key)
        db = shard.env.db["tags"]
        raw = shard.env.read(lambda txn: copy_value(txn.get(key, db=db)))
        if raw is None:
            raise ArtifactNotFound(f"no tag {label!r}")
        return raw.hex()

    def pin(self, digest: str, reason: str = "pinned") -> None:
        """Hold an artifact so ``gc`` keeps it and ``delete`` refuses it, until ``unpin``."""
        self._check()
        raw = parse_digest(digest)
        if not self._exists(raw):
            raise ArtifactNotFound(f"no artifact {digest}")
        self._shard(raw).run(Op("pin", raw, reason.encode()))

    def unpin(self, digest: str) -> None:
        """Release a pin (a no-op if the artifact was not pinned)."""
        self._check()
        raw = parse_digest(digest)
        self._shard(raw).run(Op("pin", raw, None))

    def lineage(self, digest: str) -> dict[str, list[str]]:
        """The artifact and all its ancestors, each mapped to its parents (breadth first)."""
        self._check()
        out: dict[str, list[str]] = {}
        frontier = [digest]
        while frontier:
            current = frontier.pop(0)
            if current in out:
                continue
            parents = self._meta(parse_digest(current))["parents"]
            out[current] = parents
            frontier.extend(p for p in parents if p not in out)
        return out

    # -- quality ----------------------------------------------------------------------------

    def rate(self, digest: str, score: float, *, source: str = "user") -> None:
        """Record ``source``'s quality score for an artifact (replacing that source's earlier score).

        ``stat(d).quality`` is the mean over sources; ``top`` ranks by it.
        """
        self._check()
        raw = parse_digest(digest)
        score = float(score)
        if score != score:
            raise ValueError("score must be a number, not NaN")
        if not self._exists(raw):
            raise ArtifactNotFound(f"no artifact {digest}")
        value = msgpack.packb((score, time.time()))
        self._shard(raw).run(Op("rate", raw, check_key("source", source).encode(), value))

    def top(self, name_prefix: str = "", k: int = 10) -> list[Ranked]:
        """The ``k`` best-rated named versions whose name starts with ``name_prefix``, best first.

        Only rated artifacts are ranked; an artifact under several names appears once.
        """
        self._check()
        ranked: dict[str, Ranked] = {}
        for name in self.names(name_prefix):
            for version in self.versions(name):
                if version.digest in ranked:
                    continue
                ratings = self._ratings(bytes.fromhex(version.digest))
                if ratings:
                    mean = sum(ratings.values()) / len(ratings)
                    ranked[version.digest] = Ranked(name, version.number, version.digest, mean, len(ratings))
        return sorted(ranked.values(), key=lambda r: (-r.score, -r.ratings, r.name, r.version))[:max(k, 0)]

"""The AIDE artifact store: durable, content-addressed, deduplicated, searchable.

``ArtifactStore(path)`` keeps bytes under their xxh3-128 digest in sharded LMDB
environments; concurrent writers to a shard share its commits (group commit).
Large artifacts are split by content-defined chunking so edits store little new data.
Names with versions, tags, pins, lineage, quality ratings and full-text search sit on top.
"""

from ._index import SearchHit
from ._store import ArtifactStat, ArtifactStore, GcReport, Ranked, Version

__all__ = ["ArtifactStat", "ArtifactStore", "GcReport", "Ranked", "SearchHit", "Version"]

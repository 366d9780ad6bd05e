"""Errors of the artifact store: a missing or damaged artifact, a hold that blocks a delete, a
full shard, and search.
"""

from __future__ import annotations

from ._base import SymphonyError

__all__ = [
    "ArtifactInUse",
    "ArtifactNotFound",
    "ArtifactStoreFull",
    "IntegrityError",
    "InvalidQuery",
    "SearchUnavailable",
]


class ArtifactNotFound(SymphonyError, KeyError):
    """Raised by the artifact store when no artifact (or name, or tag) matches what was asked.

    ``get``/``stat``/``delete`` of an unknown digest, ``latest`` of an unknown name. A
    ``KeyError`` so ``store.get(d)`` reads like a mapping lookup. Differs from
    :class:`IntegrityError`: here nothing is stored under that key; there, something is
    stored but its bytes are wrong.
    """

    def __str__(self) -> str:  # KeyError would show repr(args[0]); keep the plain message
        return str(self.args[0]) if self.args else ""


class IntegrityError(SymphonyError):
    """Raised when bytes read from the artifact store do not hash to the digest they are stored under.

    Every read verifies; on a mismatch the read raises this and never returns the wrong
    bytes. ``digest`` names the artifact (or chunk) whose bytes are damaged. Also raised
    when a store's record cannot be decoded, and on opening a store whose ``store.json``
    names a newer on-disk format than this version reads (nothing is written then). Differs from
    :class:`ArtifactNotFound` (nothing stored) and from a ``DecodeError`` (wire messages).
    """

    def __init__(self, message: str, *, digest: str | None = None) -> None:
        super().__init__(message)
        self.digest = digest


class ArtifactInUse(SymphonyError):
    """Raised by ``ArtifactStore.delete`` for an artifact something still holds: a named
    version, a tag or a pin. Nothing is deleted; remove the hold first (``unpin``, or delete
    without a name). ``gc`` never raises this: it just keeps such artifacts.
    """


class ArtifactStoreFull(SymphonyError, OSError):
    """Raised by an artifact store write when a shard's LMDB map cannot grow any more.

    The map grows with the data, up to the store's ``max_map_size`` per shard (or less if
    the operating system refuses to map more address space). The write changes nothing;
    reads, and writes that fit, keep working. Free space (``delete``, ``gc``) or open the
    store with a larger ``max_map_size``. An ``OSError`` because the limit is a resource one.
    """


class InvalidQuery(SymphonyError, ValueError):
    """Raised by ``ArtifactStore.search`` for a query it cannot run: not a ``str``, not valid
    Unicode (a lone surrogate), longer than the size limit, an unbalanced ``"``, a field
    query with an empty value or a field name that is not allowed, or a ``limit`` that is not
    a non-negative int. ``position`` is the offending character's index in the query, when
    one is to blame. Nothing is searched and the index is unchanged. A query that is valid but
    matches nothing is not an error: it returns no hits.
    """

    def __init__(self, message: str, *, position: int | None = None) -> None:
        super().__init__(message)
        self.position = position


class SearchUnavailable(SymphonyError):
    """Raised by ``ArtifactStore.search`` when the search index cannot be brought up to date:
    with the tantivy engine, another process holds the index's writer lock past the wait
    limit (one writer per index directory), or the engine could not write its files (disk
    full). The store itself keeps working; retry later.
    Differs from :class:`InvalidQuery`, where the query itself is at fault.
    """

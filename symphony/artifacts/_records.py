"""The writes a shard applies inside a group-committed transaction, and the records they write.

Each write is a function ``(txn, db, *args)`` over the named databases of ``_env.DB_NAMES``,
looked up by kind in ``APPLY``; a shard applies a round's writes in one transaction (see
``_shard``). They only write through ``txn``, so a round that fails is simply aborted and
retried write by write. The formats:

- ``artifacts`` (LMDB's main database): one record per artifact (``pack_record``): a tag
  byte, the length of its metadata (u32 BE), the metadata (msgpack of size, creation time,
  metadata, parents, chunk count), then the bytes of an inline artifact or the manifest
  (``pack_manifest``) of a chunked one. One record in one B-tree per put: a put writes and
  syncs two pages fewer than format 1 (records in a named ``data`` database, metadata in
  another, ``meta``), which ``_migrate`` converts on open. ``is_artifact_key`` tells the
  records from the named databases' entries when iterating.
- ``refs``: chunk digest -> reference count (u64 BE) + time first stored (f64 BE).
- ``names``: name + NUL + version (u64 BE) -> artifact digest + created (f64 BE);
  ``heads``: name -> number of versions.
"""

from __future__ import annotations

import struct
from typing import Any, Callable

import lmdb

from ._env import DIGEST_SIZE

__all__ = ["APPLY", "F64", "REFS", "U64", "chunk_entries", "is_artifact_key", "pack_inline", "pack_manifest",
           "pack_record", "record_meta", "split_record", "unpack_manifest"]

REFS = struct.Struct(">Qd")
U64 = struct.Struct(">Q")
F64 = struct.Struct(">d")
_ENTRY = struct.Struct(">16sI")
_META_LEN = struct.Struct(">I")
#: The first byte of a record: the bytes follow inline, or a manifest follows (format 1
#: used 0 and 1, without the metadata).
_INLINE, _CHUNKED = 2, 3
_HEAD = {False: b"\x02", True: b"\x03"}


def pack_manifest(entries: list[tuple[bytes, int]]) -> bytes:
    """The body of a chunked artifact's record: its (chunk digest, length) pairs."""
    return b"".join(_ENTRY.pack(cd, n) for cd, n in entries)


def unpack_manifest(body: bytes | memoryview) -> list[tuple[bytes, int]]:
    """The (chunk digest, length) pairs of a manifest written by :func:`pack_manifest`."""
    body = bytes(body)
    if len(body) % _ENTRY.size:
        raise ValueError("manifest length is not a whole number of entries")
    return list(_ENTRY.iter_unpack(body))


def pack_record(chunked: bool, meta: bytes, body: bytes | memoryview) -> bytes:
    """The ``data`` value of an artifact: its metadata (msgpack) and its bytes or, if
    ``chunked``, its manifest."""
    return b"".join((_HEAD[chunked], _META_LEN.pack(len(meta)), meta, body))


#: The head of an inline record without metadata or parents, up to its bytes: the tag, the
#: metadata's length, then the msgpack map {"size": u32, "chunks": 0, "created": f64,
#: "metadata": {}, "parents": []} with fixed-width numbers (valid msgpack, read back by
#: ``msgpack.unpackb`` like ``pack_record``'s), so one ``pack`` call encodes it.
_PLAIN_META = (b"\x85\xa4size\xce", b"\xa6chunks\x00\xa7created\xcb", b"\xa8metadata\x80\xa7parents\x90")
_PLAIN_META_LEN = sum(map(len, _PLAIN_META)) + 4 + 8
_PLAIN_HEAD = struct.Struct(f">BI{len(_PLAIN_META[0])}sI{len(_PLAIN_META[1])}sd{len(_PLAIN_META[2])}s")


def pack_inline(data: bytes, created: float) -> bytes:
    """The record of an inline artifact ``data`` put at ``created`` without metadata or
    parents: what ``pack_record(False, packb(meta), data)`` stores, in one ``pack`` call
    (this is every small put's encoding, on the writers' path)."""
    return _PLAIN_HEAD.pack(_INLINE, _PLAIN_META_LEN, _PLAIN_META[0], len(data), _PLAIN_META[1], created,
                            _PLAIN_META[2]) + data


def is_artifact_key(key: Any) -> bool:
    """Whether a key of the main database is an artifact's (not a named database's)."""
    return len(key) == DIGEST_SIZE


def split_record(value: bytes) -> tuple[bool, bytes]:
    """(chunked, body) of a record: the body is the artifact's bytes or its manifest.
    ``ValueError`` if the value is damaged."""
    tag = value[0] if value else -1
    if tag == _INLINE or tag == _CHUNKED:
        if len(value) < 5 or 5 + _META_LEN.unpack_from(value, 1)[0] > len(value):
            raise ValueError("record shorter than its metadata length says")
        return tag == _CHUNKED, value[5 + _META_LEN.unpack_from(value, 1)[0]:]
    raise ValueError(f"unknown record tag {tag}")


def chunk_entries(value: Any) -> list[tuple[bytes, int]] | None:
    """The manifest of a chunked artifact's record (any buffer), None for an inline one
    (without copying its bytes). ``ValueError`` if the value is damaged."""
    if not value or value[0] != _CHUNKED:
        return None
    return unpack_manifest(split_record(bytes(value))[1])


def record_meta(value: Any) -> bytes:
    """The packed metadata inside a record (a buffer of a read transaction). ``ValueError``
    if the value is damaged."""
    tag = value[0] if len(value) else -1
    if tag == _INLINE or tag == _CHUNKED:
        if len(value) < 5 or 5 + _META_LEN.unpack_from(value, 1)[0] > len(value):
            raise ValueError("record shorter than its metadata length says")
        return bytes(value[5:5 + _META_LEN.unpack_from(value, 1)[0]])
    raise ValueError(f"unknown record tag {tag}")



# -- the writes, each applied inside the batch's transaction --------------------------------


def _artifact(txn: lmdb.Transaction, db: dict, raw: bytes, record: bytes) -> bool:
    return bool(txn.put(raw, record, db=db["artifacts"], overwrite=False))  # False: already stored


def _chunks(txn: lmdb.Transaction, db: dict, items: list[tuple[bytes, bytes]], now: float) -> int:
    new = 0
    refs, chunks = db["refs"], db["chunks"]
    for cd, data in items:
        old = txn.get(cd, db=refs)
        if old is None:
            txn.put(cd, data, db=chunks)
            txn.put(cd, REFS.pack(1, now), db=refs)
            new += len(data)
        else:
            count, first = REFS.unpack(old)
            txn.put(cd, REFS.pack(count + 1, first), db=refs)
    return new


def _unref(txn: lmdb.Transaction, db: dict, cds: list[bytes]) -> int:
    freed = 0
    refs, chunks = db["refs"], db["chunks"]
    for cd in cds:
        old = txn.get(cd, db=refs)
        if old is None:
            continue
        count, first = REFS.unpack(old)
        if count <= 1:
            data = txn.get(cd, db=chunks)
            freed += 0 if data is None else len(data)
            txn.delete(cd, db=chunks)
            txn.delete(cd, db=refs)
        else:
            txn.put(cd, REFS.pack(count - 1, first), db=refs)
    return freed


def _version(txn: lmdb.Transaction, db: dict, name: bytes, raw: bytes, created: float) -> int:
    head = txn.get(name, db=db["heads"])
    count = 0 if head is None else U64.unpack(head)[0]
    if count:
        last = txn.get(name + b"\0" + U64.pack(count), db=db["names"])
        if last is not None and bytes(last[:16]) == raw:
            return count  # re-putting the latest content under its name adds no version
    count += 1
    txn.put(name + b"\0" + U64.pack(count), raw + F64.pack(created), db=db["names"])
    txn.put(name, U64.pack(count), db=db["heads"])
    return count


def _tag(txn: lmdb.Transaction, db: dict, label: bytes, raw: bytes | None) -> None:
    if raw is None:
        txn.delete(label, db=db["tags"])
    else:
        txn.put(label, raw, db=db["tags"])


def _pin(txn: lmdb.Transaction, db: dict, raw: bytes, reason: bytes | None) -> None:
    if reason is None:
        txn.delete(raw, db=db["pins"])
    else:
        txn.put(raw, reason, db=db["pins"])


def _rate(txn: lmdb.Transaction, db: dict, raw: bytes, source: bytes, value: bytes) -> None:
    txn.put(raw + source, value, db=db["ratings"])


def _delete(txn: lmdb.Transaction, db: dict, raw: bytes) -> list[bytes] | None:
    value = txn.get(raw, db=db["artifacts"])
    if value is None:
        return None
    try:
        chunk_list = [cd for cd, _ in chunk_entries(value) or ()]
    except ValueError:  # damaged: delete it anyway; gc's recount frees its chunks
        chunk_list = []
    txn.delete(raw, db=db["artifacts"])
    cursor = txn.cursor(db=db["ratings"])
    if cursor.set_range(raw):
        while bytes(cursor.key()[:16]) == raw:
            if not cursor.delete():
                break
    return chunk_list


def _set_refs(txn: lmdb.Transaction, db: dict, counts: dict[bytes, int]) -> None:
    for cd, count in counts.items():
        old = txn.get(cd, db=db["refs"])
        if old is None:
            continue
        if count <= 0:
            txn.delete(cd, db=db["chunks"])
            txn.delete(cd, db=db["refs"])
        else:
            txn.put(cd, REFS.pack(count, REFS.unpack(old)[1]), db=db["refs"])


#: The write functions by kind (an ``Op``'s ``kind``).
APPLY: dict[str, Callable[..., Any]] = {
    "artifact": _artifact, "chunks": _chunks, "unref": _unref, "version": _version, "tag": _tag,
    "pin": _pin, "rate": _rate, "delete": _delete, "set_refs": _set_refs,
}

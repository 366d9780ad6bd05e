"""The writes a shard applies inside a group-committed transaction, and the records they write.

Each write is a function ``(txn, db, *args)`` over the named databases of ``_env.DB_NAMES``,
looked up by kind in ``APPLY``; a shard applies a round's writes in one transaction (see
``_shard``). They only write through ``txn``, so a round that fails is simply aborted and
retried write by write. The formats:

- ``data``: ``b"\\0" + bytes`` for an inline artifact, a manifest (``pack_manifest``) for a
  chunked one; ``meta``: msgpack of its size, creation time, metadata, parents, chunk count.
- ``refs``: chunk digest -> reference count (u64 BE) + time first stored (f64 BE).
- ``names``: name + NUL + version (u64 BE) -> artifact digest + created (f64 BE);
  ``heads``: name -> number of versions.
"""

from __future__ import annotations

import struct
from typing import Any, Callable

import lmdb

__all__ = ["APPLY", "CHUNKED", "F64", "INLINE", "REFS", "U64", "pack_manifest", "unpack_manifest"]

REFS = struct.Struct(">Qd")
U64 = struct.Struct(">Q")
F64 = struct.Struct(">d")
_ENTRY = struct.Struct(">16sI")
#: The first byte of a ``data`` value: the bytes follow inline, or a chunk manifest follows.
INLINE = 0
CHUNKED = 1


def pack_manifest(entries: list[tuple[bytes, int]]) -> bytes:
    """The stored value of a chunked artifact: tag byte 1, then (chunk digest, length) pairs."""
    return b"\x01" + b"".join(_ENTRY.pack(cd, n) for cd, n in entries)


def unpack_manifest(value: bytes | memoryview) -> list[tuple[bytes, int]]:
    """The (chunk digest, length) pairs of a manifest written by :func:`pack_manifest`."""
    body = bytes(value[1:])
    if len(body) % _ENTRY.size:
        raise ValueError("manifest length is not a whole number of entries")
    return list(_ENTRY.iter_unpack(body))



# -- the writes, each applied inside the batch's transaction --------------------------------


def _artifact(txn: lmdb.Transaction, db: dict, raw: bytes, value: bytes, meta: bytes) -> bool:
    if txn.get(raw, db=db["meta"]) is not None:
        return False
    txn.put(raw, value, db=db["data"])
    txn.put(raw, meta, db=db["meta"])
    return True


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
    value = txn.get(raw, db=db["data"])
    if value is None:
        return None
    chunk_list = [cd for cd, _ in unpack_manifest(value)] if value[0] == CHUNKED else []
    txn.delete(raw, db=db["data"])
    txn.delete(raw, db=db["meta"])
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

"""Converting a shard of format 1 to format 2, in place, when a store of format 1 is opened.

Format 1 kept an artifact in two named databases: ``data`` (``b"\\0" + bytes`` or
``b"\\1" + manifest``) and ``meta`` (its packed metadata). Format 2 keeps one record per
artifact in LMDB's main database (see ``_records``). ``migrate`` moves the records over in
transactions of ``BATCH`` artifacts, each deleting what it moved: a crash in the middle
leaves every artifact in exactly one of the two places, and the next open carries on.
The store marks itself format 2 (``store.json``) only once every shard is done.
"""

from __future__ import annotations

from typing import Any

from ._env import ShardEnv
from ._records import pack_record

__all__ = ["BATCH", "migrate"]

#: Artifacts moved per write transaction.
BATCH = 1000


def migrate(env: ShardEnv) -> int:
    """Move every format-1 artifact of ``env`` into the main database; returns how many moved.

    An artifact whose format-1 metadata is missing (never written so by format 1) is moved
    with empty metadata rather than dropped: its bytes stay readable and verified.
    """
    db = env.db
    moved = 0

    def batch(txn: Any) -> int:
        cursor = txn.cursor(db=db["data"])
        keys: list[bytes] = []
        for key in cursor.iternext(values=False):
            keys.append(bytes(key))
            if len(keys) == BATCH:
                break
        for key in keys:
            value = bytes(txn.get(key, db=db["data"]))
            meta = txn.get(key, db=db["meta"])
            packed = bytes(meta) if meta is not None else b"\x80"  # msgpack {}
            txn.put(key, pack_record(value[:1] == b"\x01", packed, value[1:]), db=db["artifacts"])
            txn.delete(key, db=db["data"])
            txn.delete(key, db=db["meta"])
        return len(keys)

    while True:
        n = env.write(batch)
        moved += n
        if n < BATCH:
            break
    env.sync()
    return moved

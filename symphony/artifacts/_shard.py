"""Artifact shards: one actor per LMDB environment, group-committing every writer it has.

A write (``Op``) is appended to the shard's ``pending`` queue, then the writer asks the
shard actor to ``flush``. The actor takes *everything* pending and applies it in one
durable write transaction (one fsync), so eight concurrent writers cost about one commit,
not eight. When the ``flush`` reply arrives, the writer's op is committed: either this
flush or an earlier one (handled before it, actors handle one message at a time) took it.

Invariants:
- An op's ``result``/``error`` is set only after the transaction holding it committed
  (or definitively failed), so a writer never sees success for data not on disk.
- One bad op does not fail its neighbours: if a batch raises, each op is retried in a
  transaction of its own and only the bad one gets the error.
- Reads never go through the actor (see ``_store``): LMDB's MVCC lets them run in the
  caller's thread while the actor writes.
"""

from __future__ import annotations

import struct
from collections import deque
from typing import Any, Callable

import lmdb

from ..actors import Actor, Future, Ref
from ._env import ShardEnv

__all__ = ["DedicatedShardActor", "Op", "Shard", "ShardActor", "pack_manifest", "unpack_manifest"]

_REFS = struct.Struct(">Qd")
_U64 = struct.Struct(">Q")
_F64 = struct.Struct(">d")
_ENTRY = struct.Struct(">16sI")
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


class Op:
    """One write waiting for its shard's next group commit."""

    __slots__ = ("kind", "args", "size", "result", "error", "done", "future")

    def __init__(self, kind: str, *args: Any, size: int = 0) -> None:
        self.kind = kind
        self.args = args
        self.size = size
        self.result: Any = None
        self.error: BaseException | None = None
        self.done = False
        #: Resolved (with None) once the op is committed or has failed for good.
        self.future: Future[None] = Future()

    def outcome(self) -> Any:
        """The op's result, or raise its error (call only once its flush has been answered)."""
        if not self.done:
            raise RuntimeError(f"{self.kind} op was not committed")
        if self.error is not None:
            raise self.error
        return self.result


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
            txn.put(cd, _REFS.pack(1, now), db=refs)
            new += len(data)
        else:
            count, first = _REFS.unpack(old)
            txn.put(cd, _REFS.pack(count + 1, first), db=refs)
    return new


def _unref(txn: lmdb.Transaction, db: dict, cds: list[bytes]) -> int:
    freed = 0
    refs, chunks = db["refs"], db["chunks"]
    for cd in cds:
        old = txn.get(cd, db=refs)
        if old is None:
            continue
        count, first = _REFS.unpack(old)
        if count <= 1:
            data = txn.get(cd, db=chunks)
            freed += 0 if data is None else len(data)
            txn.delete(cd, db=chunks)
            txn.delete(cd, db=refs)
        else:
            txn.put(cd, _REFS.pack(count - 1, first), db=refs)
    return freed


def _version(txn: lmdb.Transaction, db: dict, name: bytes, raw: bytes, created: float) -> int:
    head = txn.get(name, db=db["heads"])
    count = 0 if head is None else _U64.unpack(head)[0]
    if count:
        last = txn.get(name + b"\0" + _U64.pack(count), db=db["names"])
        if last is not None and bytes(last[:16]) == raw:
            return count  # re-putting the latest content under its name adds no version
    count += 1
    txn.put(name + b"\0" + _U64.pack(count), raw + _F64.pack(created), db=db["names"])
    txn.put(name, _U64.pack(count), db=db["heads"])
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
            txn.put(cd, _REFS.pack(count, _REFS.unpack(old)[1]), db=db["refs"])


_APPLY: dict[str, Callable[..., Any]] = {
    "artifact": _artifact, "chunks": _chunks, "unref": _unref, "version": _version, "tag": _tag,
    "pin": _pin, "rate": _rate, "delete": _delete, "set_refs": _set_refs,
}


class Shard:
    """One shard of the store: its environment, its pending writes and its actor's ``Ref``."""

    __slots__ = ("index", "env", "pending", "ref", "waking")

    def __init__(self, index: int, env: ShardEnv) -> None:
        self.index = index
        self.env = env
        self.pending: deque[Op] = deque()
        self.ref: Ref | None = None
        #: True while a ``flush`` wake-up is queued and has not started draining: a writer
        #: appending meanwhile is sure to be taken by it, so it sends no wake-up of its own.
        self.waking = False

    def submit(self, op: Op) -> Future[None]:
        """Queue ``op`` for the next group commit; the returned future resolves once it is on disk.

        The ``flush`` message is only a wake-up (at most one is outstanding, see ``waking``):
        whichever flush takes the op resolves its future, so every writer of a batch wakes
        as soon as that batch is committed.
        """
        self.pending.append(op)
        if not self.waking:
            self.waking = True
            assert self.ref is not None
            self.ref.tell("flush")
        return op.future

    def run(self, op: Op) -> Any:
        """Queue ``op``, wait for its commit, return its result (or raise its error).

        The writer that sends the wake-up asks (rather than tells), so when the actor is idle
        the framework handles the flush on this thread (an inline ask), saving two thread
        hops; writers arriving meanwhile just wait for their op to be committed by it.
        """
        self.pending.append(op)
        if not self.waking:
            self.waking = True
            assert self.ref is not None
            self.ref.ask("flush")
        op.future.get()
        return op.outcome()

    def flush(self) -> int:
        """Commit everything pending in one transaction (called by the shard actor). Returns the batch size."""
        self.waking = False  # before draining: see ``waking``
        pending = self.pending
        ops: list[Op] = []
        while True:
            try:
                ops.append(pending.popleft())
            except IndexError:
                break
        if not ops:
            return 0
        db = self.env.db
        need = sum(op.size for op in ops)
        try:
            results = self.env.write(lambda txn: [_APPLY[op.kind](txn, db, *op.args) for op in ops], need=need)
        except Exception:  # noqa: BLE001 - isolate the bad op: each alone in its own transaction
            for op in ops:

                def alone(txn: lmdb.Transaction, op: Op = op) -> Any:
                    return _APPLY[op.kind](txn, db, *op.args)

                try:
                    op.result = self.env.write(alone, need=op.size)
                except Exception as exc:  # noqa: BLE001
                    op.error = exc
                op.done = True
                op.future.set(None)
            return len(ops)
        except BaseException as exc:
            for op in ops:
                op.error = exc
                op.done = True
                op.future.set(None)
            raise
        for op, result in zip(ops, results):
            op.result = result
            op.done = True
            op.future.set(None)
        return len(ops)


class ShardActor(Actor):
    """The actor owning one shard's writes: on ``flush`` it group-commits everything pending.

    It blocks in fsync. On the store's private node (a dispatcher thread per shard) it
    stays on the shared dispatcher, so an idle shard's flush runs inline on the asking
    writer's thread (see ``Shard.run``). On a node the application shares with other
    actors, the store uses :class:`DedicatedShardActor` instead, so fsyncs never hold the
    application's dispatcher threads.
    """

    def __init__(self, shard: Shard) -> None:
        self.shard = shard

    def on_receive(self, message: Any) -> Any:
        if message.kind == "flush":
            return self.shard.flush()
        return super().on_receive(message)


class DedicatedShardActor(ShardActor):
    """A :class:`ShardActor` with a thread of its own, for stores on a shared node."""

    dedicated_thread = True

"""Artifact shards: one LMDB environment each, group-committing every writer it has.

A write (``Op``) joins its shard's ``pending`` queue. Whoever holds the shard's *lead*
takes everything pending and applies it in one write transaction: eight concurrent
writers cost about one commit, not eight. The lead is held by a writer thread
(``Shard.run``: a writer that finds the shard idle leads) or by the shard actor (after
``Shard.submit``, which never blocks). A leader keeps committing rounds until its own op
is durable, then hands the lead to a writer still waiting (so the next round starts on a
thread that is waking anyway, with no dispatcher hop), to the actor, or ends it when
nothing is left.

Durability costs one sync per round, not two: environments run with LMDB's
``metasync=False`` (see ``_env``), so a commit's data sync also makes the *previous*
round's meta page durable. An op is therefore finished when the round after its own has
committed, or when the leader, finding nothing more to do, syncs explicitly.

Before a round, the leader waits (at most ``GATHER_WAIT``) for the store's writers that
are about to submit (``Writers``), so rounds do not split into two half-size cohorts.

Invariants:
- An op's ``result``/``error`` is set and ``done`` becomes True only once the transaction
  holding it is durable (or definitively failed): a writer never sees success for data
  that a power loss could take back.
- One bad op does not fail its neighbours: if a batch raises, each op is retried in a
  transaction of its own and only the bad one gets the error.
- At most one thread leads a shard at a time; while any op is pending or not yet durable,
  someone leads (``busy``).
- Reads never go through the lead (see ``_store``): LMDB's MVCC lets them run in the
  caller's thread while the leader writes.
"""

from __future__ import annotations

import struct
import threading
import time
from _thread import allocate_lock
from collections import deque
from typing import Any, Callable

import lmdb

from ..actors import Actor, Ref
from ._env import ShardEnv

__all__ = ["GATHER_WAIT", "DedicatedShardActor", "Op", "Shard", "ShardActor", "Writers", "pack_manifest",
           "unpack_manifest"]

_REFS = struct.Struct(">Qd")
_U64 = struct.Struct(">Q")
_F64 = struct.Struct(">d")
_ENTRY = struct.Struct(">16sI")
INLINE = 0
CHUNKED = 1

#: The longest a leader waits for writers about to submit before committing without them
#: (seconds). Short next to a commit (a few hundred microseconds on SSDs), so a straggler
#: costs little, long enough for a woken writer to prepare its next put.
GATHER_WAIT = 300e-6


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
    """One write waiting for its shard's group commit."""

    __slots__ = ("kind", "args", "size", "result", "error", "done", "lead", "can_lead", "counted", "_wake")

    def __init__(self, kind: str, *args: Any, size: int = 0, counted: bool = False) -> None:
        self.kind = kind
        self.args = args
        self.size = size
        self.result: Any = None
        self.error: BaseException | None = None
        #: True once the op is durable or has failed for good.
        self.done = False
        #: Set (then ``_wake`` released) when the lead is handed to this op's waiting writer.
        self.lead = False
        #: Whether this op's writer waits in ``Shard.run`` and can take the lead.
        self.can_lead = False
        #: Whether its writer is counted by the store's ``Writers`` (only for ops given to
        #: ``Shard.run``: a counted writer waits for its op).
        self.counted = counted
        self._wake = allocate_lock()
        self._wake.acquire()

    def outcome(self) -> Any:
        """The op's result, or raise its error (call only once it is done)."""
        if not self.done:
            raise RuntimeError(f"{self.kind} op was not committed")
        if self.error is not None:
            raise self.error
        return self.result

    def wait(self) -> Any:
        """Block until the op is done (for ops given to ``Shard.submit``); return its outcome."""
        if not self.done:
            self._wake.acquire()
            self._wake.release()  # done for good: let any other waiter through
        return self.outcome()

    def _finish(self, error: BaseException | None = None) -> None:
        if error is not None:
            self.error = error
        self.done = True
        self._wake.release()


class Writers:
    """The writers of one store, counted so a shard's leader can wait for those about to submit.

    ``active`` counts writers inside a counted write (``enter``/``leave``); ``waiting``
    counts their ops queued or being committed. While ``waiting < active`` some writer is
    about to submit (typically one just woken by the previous round), and a leader that
    commits now would leave it for the next round: rounds would split into two cohorts
    of half the size. ``gather`` waits until every active writer waits, or ``GATHER_WAIT``.
    A lone writer never waits: its own op makes ``waiting == active``.
    """

    __slots__ = ("_mu", "active", "waiting", "_gate")

    def __init__(self) -> None:
        self._mu = threading.Lock()
        self.active = 0
        self.waiting = 0
        self._gate: Any = None

    def enter(self) -> None:
        """A counted write begins (its ops will be marked ``counted``)."""
        with self._mu:
            self.active += 1

    def leave(self) -> None:
        """A counted write ended (returned or raised)."""
        with self._mu:
            self.active -= 1
            self._open_if_all_wait()

    def __enter__(self) -> Writers:
        """``with writers:`` brackets one counted write (``enter`` ... ``leave``)."""
        self.enter()
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.leave()

    def queued(self) -> None:
        """A counted op joined a shard's pending queue."""
        with self._mu:
            self.waiting += 1
            self._open_if_all_wait()

    def finished(self, n: int) -> None:
        """``n`` counted ops are done."""
        with self._mu:
            self.waiting -= n

    def _open_if_all_wait(self) -> None:
        gate = self._gate
        if gate is not None and self.waiting >= self.active:
            self._gate = None
            gate.release()

    def gather(self, timeout: float = GATHER_WAIT) -> None:
        """Wait until every active writer has an op queued or in commit, or ``timeout`` passes."""
        if self.waiting >= self.active:  # unlocked peek: the common case costs nothing
            return
        with self._mu:
            if self.waiting >= self.active:
                return
            gate = self._gate
            if gate is None:
                gate = self._gate = allocate_lock()
                gate.acquire()
        if gate.acquire(True, timeout):
            gate.release()  # pass the opening on to the other shards' leaders waiting on it
        else:
            with self._mu:
                if self._gate is gate:
                    self._gate = None


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
    """One shard of the store: its environment, its pending writes, its lead and its actor's ``Ref``."""

    __slots__ = ("index", "env", "pending", "ref", "writers", "_mu", "_busy", "_inflight", "_unsynced",
                 "_actor_leads", "_actor_alive", "_closed")

    def __init__(self, index: int, env: ShardEnv, writers: Writers | None = None) -> None:
        self.index = index
        self.env = env
        self.pending: deque[Op] = deque()
        self.ref: Ref | None = None
        self.writers = writers if writers is not None else Writers()
        self._mu = threading.Lock()
        #: True while someone leads (from the first queued op until nothing is pending or unsynced).
        self._busy = False
        #: Ops the leader took from ``pending`` and is committing.
        self._inflight: list[Op] = []
        #: Ops of the last committed round, durable once the next round commits (or a sync).
        self._unsynced: list[Op] = []
        #: True while the lead has been handed to the actor and its ``flush`` has not taken it.
        self._actor_leads = False
        self._actor_alive = False
        self._closed = False

    # -- writers ----------------------------------------------------------------------------

    def run(self, op: Op) -> Any:
        """Queue ``op``, wait until it is durable, return its result (or raise its error).

        If the shard is idle this thread leads: no thread hop at all for a lone writer.
        Otherwise it waits, and may be handed the lead for a later round.
        """
        op.can_lead = True
        with self._mu:
            if self._closed:
                raise ValueError("the artifact store is closed")
            self.pending.append(op)
            lead = not self._busy
            self._busy = True
        if op.counted:
            self.writers.queued()
        if not lead:
            wake = op._wake
            try:
                while True:
                    wake.acquire()
                    if op.done:
                        return op.outcome()
                    if op.lead:
                        break
            except BaseException:  # say KeyboardInterrupt: never strand a lead handed to us
                with self._mu:
                    op.can_lead = False
                    handed = op.lead
                if handed and not self._pass_lead(to_actor=True):
                    self._lead(None)
                raise
        self._lead(op)
        return op.outcome()

    def submit(self, op: Op) -> Op:
        """Queue ``op`` without waiting; ``op.wait()`` returns its outcome once it is durable.

        Used to commit to several shards in parallel: the shard actor takes the lead.
        """
        with self._mu:
            if self._closed:
                raise ValueError("the artifact store is closed")
            self.pending.append(op)
            if self._busy:
                return op
            self._busy = True
            to_actor = self._actor_alive
            if to_actor:
                self._actor_leads = True
        if to_actor:
            assert self.ref is not None
            self.ref.tell("flush")
        else:
            self._lead(None)
        return op

    # -- the lead ---------------------------------------------------------------------------

    def flush(self) -> int:
        """Take the lead handed to the actor (called by the shard actor); returns the ops finished."""
        with self._mu:
            if not self._actor_leads:
                return 0  # a stale wake-up: the lead was taken back on stop
            self._actor_leads = False
        return self._lead(None)

    def _lead(self, mine: Op | None) -> int:
        """Commit rounds until ``mine`` is durable (one round if None), then pass the lead on."""
        finished_total = 0
        try:
            while True:
                finished_total += self._round()
                if mine is not None and not mine.done:
                    continue
                if self._pass_lead(to_actor=mine is not None):
                    return finished_total
                mine = None  # nobody else can lead: go on until nothing is left
        except BaseException as exc:
            self._abandon(exc)
            raise

    def _pass_lead(self, *, to_actor: bool) -> bool:
        """Hand the lead to a waiting writer (or, with ``to_actor``, to the actor), or end it
        if nothing is left. False if nobody can take it: the caller keeps leading."""
        with self._mu:
            if not self.pending and not self._unsynced and not self._inflight:
                self._busy = False
                return True
            successor = next((op for op in self._unsynced if op.can_lead), None)
            if successor is None:
                successor = next((op for op in self.pending if op.can_lead), None)
            if successor is not None:
                successor.lead = True
            elif to_actor and self._actor_alive:
                self._actor_leads = True
            else:
                return False
        if successor is not None:
            successor._wake.release()
        else:
            assert self.ref is not None
            self.ref.tell("flush")
        return True

    def close(self) -> None:
        """Refuse new ops (``ValueError``), then wait until those queued are durable and nobody leads."""
        with self._mu:
            self._closed = True
        while self._busy:
            time.sleep(0.001)

    def _round(self) -> int:
        """Commit what is pending (after gathering); finish what became durable. Returns ops finished."""
        self.writers.gather()
        with self._mu:
            ops = self._inflight = list(self.pending)
            self.pending.clear()
        finished: list[Op] = []
        if ops:
            committed = self._commit(ops, finished)
            finished.extend(self._unsynced)  # this commit's data sync carried their meta page
            self._unsynced = committed
            self._inflight = []
        with self._mu:
            idle = not self.pending
        if idle and self._unsynced:
            try:
                self.env.sync()
            except Exception as exc:  # noqa: BLE001 - durability unknown: fail them, do not pretend
                for op in self._unsynced:
                    op.error = exc
            finished.extend(self._unsynced)
            self._unsynced = []
        self._finish_all(finished)
        return len(finished)

    def _finish_all(self, ops: list[Op], error: BaseException | None = None) -> None:
        """Finish ``ops`` (waking their writers) and uncount the counted ones."""
        counted = 0
        for op in ops:
            counted += op.counted
            op._finish(error)
        if counted:
            self.writers.finished(counted)

    def _commit(self, ops: list[Op], failed: list[Op]) -> list[Op]:
        """Apply ``ops`` in one transaction (isolating a bad one); returns those committed."""
        db = self.env.db
        try:
            if len(ops) == 1:  # the lone writer's case: no list building per round
                op = ops[0]
                apply, args = _APPLY[op.kind], op.args
                results = [self.env.write(lambda txn: apply(txn, db, *args), need=op.size)]
            else:
                results = self.env.write(lambda txn: [_APPLY[op.kind](txn, db, *op.args) for op in ops],
                                         need=sum(op.size for op in ops))
        except Exception:  # noqa: BLE001 - isolate the bad op: each alone in its own transaction
            committed = []
            for op in ops:

                def alone(txn: lmdb.Transaction, op: Op = op) -> Any:
                    return _APPLY[op.kind](txn, db, *op.args)

                try:
                    op.result = self.env.write(alone, need=op.size)
                except Exception as exc:  # noqa: BLE001
                    op.error = exc
                    failed.append(op)
                else:
                    committed.append(op)
            return committed
        for op, result in zip(ops, results):
            op.result = result
        return ops

    def _abandon(self, exc: BaseException) -> None:
        """A leader dies of ``exc`` (say KeyboardInterrupt) mid-round.

        What it was committing, or had committed but not yet synced, fails with ``exc``
        (their state is unknown to their writers). Ops still queued are untouched: the lead
        passes to one of their writers, so a bystander never sees another thread's error.
        """
        with self._mu:
            held = [op for op in self._inflight + self._unsynced if not op.done]
            self._inflight = []
            self._unsynced = []
        self._finish_all(held, exc)
        if not self._pass_lead(to_actor=True):
            with self._mu:  # nobody can take it: fail what is queued rather than strand it
                queued = list(self.pending)
                self.pending.clear()
                self._busy = False
            self._finish_all(queued, exc)

    # -- the actor's life -----------------------------------------------------------------

    def actor_started(self) -> None:
        with self._mu:
            self._actor_alive = True

    def actor_stopping(self) -> None:
        """The actor is stopping: take back a lead handed to it and finish everything."""
        with self._mu:
            self._actor_alive = False
            leads, self._actor_leads = self._actor_leads, False
        if leads:
            self._lead(None)


class ShardActor(Actor):
    """The actor of one shard: takes the lead after ``Shard.submit`` (a ``flush`` message).

    Writers in ``Shard.run`` lead on their own threads, so the actor only commits work
    nobody waits for inline. On the store's private node (a dispatcher thread per shard)
    it shares the dispatcher; on a node the application shares with other actors the
    store uses :class:`DedicatedShardActor`, so fsyncs never hold the application's
    dispatcher threads.
    """

    def __init__(self, shard: Shard) -> None:
        self.shard = shard
        shard.actor_started()

    def on_receive(self, message: Any) -> Any:
        if message.kind == "flush":
            return self.shard.flush()
        return super().on_receive(message)

    def on_stop(self) -> None:
        self.shard.actor_stopping()


class DedicatedShardActor(ShardActor):
    """A :class:`ShardActor` with a thread of its own, for stores on a shared node."""

    dedicated_thread = True

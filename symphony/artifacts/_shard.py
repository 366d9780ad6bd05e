"""Artifact shards: one LMDB environment each, group-committing every writer it has.

A write (``Op``) joins its shard's ``pending`` queue. Whoever holds the shard's *lead*
takes everything pending and applies it in one write transaction: eight concurrent
writers cost about one commit, not eight. The lead is held by a writer thread
(``Shard.run``: a writer that finds the shard idle leads) or by the shard actor (after
``Shard.submit``, which never blocks). A leader commits rounds until its own op is
durable, then hands the lead to a writer still waiting (so the next round starts on a
thread that is waking anyway, with no dispatcher hop), to the actor, or ends it when
nothing is left.

A round is one commit and one sync: environments run with LMDB's ``metasync=False`` (see
``_env``), so the commit syncs the round's data pages and the sync after it its meta page,
the same two syncs as one LMDB transaction with ``metasync`` on. Before a round the leader
gathers (``Shard._gather``): it waits, at most about a round's cost, until every writer of
the store inside a counted write (``Writers``) has queued its op. So concurrent writers move
as one cohort: all of their puts share one commit and one sync, as if one thread committed
them together.

Measured against rounds that pipeline (each commit's data sync making the previous round's
meta page durable, a round starting at once with whatever was pending): a writer of round
n then waits for round n+1's commit too, so it can only join round n+2, and 8 writers split
into two alternating cohorts of about 4 (3.7 puts per commit, measured). A sync costs
nearly the same for 4 puts as for 8: on this project's 2-core VM the cohort of 8 (7.8 puts
per commit) put 1.2-1.6x as many per second, with the search index on.

Invariants:
- An op's ``result``/``error`` is set and ``done`` becomes True only once the transaction
  holding it is durable (or definitively failed): a writer never sees success for data
  that a power loss could take back.
- One bad op does not fail its neighbours: if a batch raises, each op is retried in a
  transaction of its own and only the bad one gets the error.
- At most one thread leads a shard at a time; while any op is pending or being committed,
  someone leads (``busy``).
- Reads never go through the lead (see ``_store``): LMDB's MVCC lets them run in the
  caller's thread while the leader writes.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from typing import Any

import lmdb

from ..actors import Actor, Ref
from ._commit import GATHER_WAIT, MAX_GATHER_WAIT, Op, Writers
from ._env import ShardEnv
from ._records import APPLY

__all__ = ["DedicatedShardActor", "Shard", "ShardActor"]


class Shard:
    """One shard of the store: its environment, its pending writes, its lead and its actor's ``Ref``."""

    __slots__ = ("index", "env", "pending", "ref", "writers", "_mu", "_busy", "_inflight", "_round_time",
                 "_actor_leads", "_actor_alive", "_closed")

    def __init__(self, index: int, env: ShardEnv, writers: Writers | None = None) -> None:
        self.index = index
        self.env = env
        self.pending: deque[Op] = deque()
        self.ref: Ref | None = None
        self.writers = writers if writers is not None else Writers()
        self._mu = threading.Lock()
        #: True while someone leads (from the first queued op until nothing is pending).
        self._busy = False
        #: Ops the leader took from ``pending`` and is committing.
        self._inflight: list[Op] = []
        #: Seconds the last rounds' commit and sync took (a moving average).
        self._round_time = GATHER_WAIT
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
            if not self.pending and not self._inflight:
                self._busy = False
                return True
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
        """Gather, commit and sync one round; finish its ops. Returns ops finished.

        Before taking what is pending, the leader waits (``_gather``) until every writer of
        the store inside a counted write has queued its op: a writer whose last op just
        finished is preparing its next one, and a round holding it costs about what a
        round without it costs (a sync's price is nearly the same for 1 or 8 puts). So the
        writers move as one cohort, one commit and one sync for all of them, and no op
        waits for a later round to make it durable.
        """
        self._gather()
        with self._mu:
            ops = self._inflight = list(self.pending)
            self.pending.clear()
        if not ops:
            return 0
        failed: list[Op] = []
        start = time.perf_counter()
        if self._commit(ops, failed):
            try:
                self.env.sync()  # the commit synced its data; this makes its meta page durable
            except Exception as exc:  # noqa: BLE001 - durability unknown: fail them, do not pretend
                for op in ops:
                    if op.error is None:
                        op.error = exc
        self._round_time = (self._round_time + time.perf_counter() - start) / 2
        self._inflight = []
        self._finish_all(ops)
        return len(ops)

    def _gather(self) -> None:
        """Wait while a writer of the store is about to queue an op (``Writers``), at most
        about what a round's commit and sync cost (between ``GATHER_WAIT`` and
        ``MAX_GATHER_WAIT``): taking it into this round saves it a round of its own, and one
        that does not come costs at most about one round. A lone writer never waits."""
        writers = self.writers
        if writers.waiting >= writers.active:  # unlocked peek: ``await_all`` re-checks
            return
        deadline = time.monotonic() + min(max(self._round_time, GATHER_WAIT), MAX_GATHER_WAIT)
        while writers.waiting < writers.active:
            left = deadline - time.monotonic()
            if left <= 0:
                return
            writers.await_all(left)

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
                apply, args = APPLY[op.kind], op.args
                results = [self.env.write(lambda txn: apply(txn, db, *args), need=op.size)]
            else:
                results = self.env.write(lambda txn: [APPLY[op.kind](txn, db, *op.args) for op in ops],
                                         need=sum(op.size for op in ops))
        except Exception:  # noqa: BLE001 - isolate the bad op: each alone in its own transaction
            committed = []
            for op in ops:

                def alone(txn: lmdb.Transaction, op: Op = op) -> Any:
                    return APPLY[op.kind](txn, db, *op.args)

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
            held = [op for op in self._inflight if not op.done]
            self._inflight = []
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

"""Group-commit primitives: ``Op`` (one write waiting for its shard's round) and ``Writers``
(the store's writers, counted so a round's leader can wait for those about to submit).

See ``_shard`` for how a shard's leader commits rounds of ops.
"""

from __future__ import annotations

import threading
from _thread import allocate_lock
from typing import Any

__all__ = ["GATHER_WAIT", "MAX_GATHER_WAIT", "Op", "Writers"]

#: The shortest bound on a leader's wait for the store's writers about to queue an op
#: before it commits a round without them (seconds). The shard waits up to what its recent
#: rounds cost when that is longer (see ``Shard._gather``): a writer that does not come
#: costs at most about one round.
GATHER_WAIT = 300e-6
#: The longest such a wait gets, however slow the disk.
MAX_GATHER_WAIT = 0.01


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
    about to submit (typically one whose op the last round finished), and a leader had
    better take its op into the round it is about to commit than commit a round of its
    own for it: ``await_all`` waits until every active writer's op is queued. The gate
    opens once, when the last of them queues (or leaves), so a leader wakes once per
    round, not once per writer. A lone writer never waits: its own op makes
    ``waiting == active``.
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
            if self.waiting >= self.active:
                self._open()

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
            if self.waiting >= self.active:
                self._open()

    def finished(self, n: int) -> None:
        """``n`` counted ops are done."""
        with self._mu:
            self.waiting -= n

    def _open(self) -> None:
        gate = self._gate
        if gate is not None:
            self._gate = None
            gate.release()

    def await_all(self, timeout: float = GATHER_WAIT) -> None:
        """Wait until no active writer is about to submit (each has its op queued or has left),
        or ``timeout`` passes."""
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

"""An actor's mailbox: the most urgent message first, first-in first-out within a level.

Invariants:
- One FIFO (``deque``) per priority level, created on first use, so an idle actor owns no
  queue at all and a message costs a deque append and popleft, not a heap push and pop.
- ``_order`` lists the live levels' queues from most to least urgent. It is replaced, never
  mutated, when a level is added or removed (copy-on-write), so the consumer can walk it
  without a lock while producers append.
- The five standard levels are never removed once created: producers append to them
  without a lock (``deque.append`` is atomic). A custom level is created and appended to
  under the lock and removed when the consumer empties it, so ``priority=random()`` from
  a misbehaving sender cannot grow the mailbox's bookkeeping without bound.
- Only one consumer (the actor's current run) pops at a time.

Entries are ``(message, future_or_None)`` pairs.
"""

from __future__ import annotations

import threading
from collections import deque
from typing import Any, Iterator

from ..envelope._priority import STANDARD_PRIORITIES

__all__ = ["Mailbox"]

Entry = tuple[Any, Any]


class Mailbox:
    """Priority-then-arrival ordered queue of ``(message, future)`` entries for one actor.

    Shaped like pykka's ``ActorInbox`` (``put``, ``get``, ``empty``), but ``put`` takes the
    entry's priority and an optional bound, and ``get`` never blocks: actors run on shared
    dispatcher threads and are scheduled only when their mailbox has something.
    """

    __slots__ = ("_levels", "_standard", "_order", "_keys", "_lock", "_space")

    def __init__(self) -> None:
        self._levels: dict[int, deque[Entry]] = {}
        #: The standard levels' queues created so far: producers append to these without the lock.
        self._standard: dict[int, deque[Entry]] = {}
        self._order: tuple[deque[Entry], ...] = ()
        self._keys: tuple[int, ...] = ()
        self._lock = threading.Lock()
        #: Condition for senders blocked on a full bounded mailbox; created when first needed.
        self._space: threading.Condition | None = None

    def put(self, entry: Entry, priority: int, bound: int | None = None) -> bool:
        """Append ``entry`` at ``priority``'s level; False (nothing appended) if ``bound`` entries are queued."""
        queue = self._standard.get(priority)
        if queue is not None:
            if bound is not None:
                order = self._order
                if (len(queue) if len(order) == 1 else sum(map(len, order))) >= bound:
                    return False
            queue.append(entry)
            return True
        with self._lock:
            if bound is not None and len(self) >= bound:
                return False
            queue = self._levels.get(priority)
            if queue is None:
                queue = self._add_level(priority)
            queue.append(entry)
            return True

    def _add_level(self, priority: int) -> deque[Entry]:
        queue: deque[Entry] = deque()
        levels = dict(self._levels)
        levels[priority] = queue
        keys = tuple(sorted(levels, reverse=True))
        self._order = tuple(levels[k] for k in keys)
        self._keys = keys
        self._levels = levels
        if priority in STANDARD_PRIORITIES:
            self._standard = {**self._standard, priority: queue}
        return queue

    def get(self) -> Entry | None:
        """Remove and return the most urgent, oldest entry, or None when empty."""
        for queue in self._order:
            if queue:
                entry = queue.popleft()
                if not queue and len(self._keys) > 1:
                    self._maybe_drop_empty_custom()
                return entry
        return None

    def _maybe_drop_empty_custom(self) -> None:
        with self._lock:
            custom = [p for p, q in self._levels.items() if not q and p not in STANDARD_PRIORITIES]
            if not custom:
                return
            levels = {p: q for p, q in self._levels.items() if p not in custom}
            keys = tuple(sorted(levels, reverse=True))
            self._order = tuple(levels[k] for k in keys)
            self._keys = keys
            self._levels = levels

    def empty(self) -> bool:
        """True when no entry is queued."""
        for queue in self._order:
            if queue:
                return False
        return True

    def __len__(self) -> int:
        order = self._order
        if len(order) == 1:
            return len(order[0])
        return sum(len(q) for q in order)

    def __bool__(self) -> bool:
        return not self.empty()

    def drain(self) -> Iterator[Entry]:
        """Remove and yield every queued entry, most urgent first (used when the actor stops)."""
        while True:
            entry = self.get()
            if entry is None:
                return
            yield entry

    def levels(self) -> tuple[int, ...]:
        """The priority levels that currently have a queue, most urgent first."""
        return self._keys

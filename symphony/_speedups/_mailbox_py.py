"""An actor's mailbox and the hot paths of its cell: enqueue-and-schedule, and the run loop.

Pure-Python twin of ``_mailbox.pyx`` (same ``public_api``, same behaviour). The actor layer
builds on both names: ``symphony.actors.Mailbox`` subclasses :class:`Mailbox` (giving it
the envelope's standard priority levels) and ``symphony.actors._cell.Cell`` subclasses
:class:`CellCore` (adding lifecycle, supervision and stop). This module imports nothing
of ours; what it needs from the layers above comes in as arguments and methods.

Mailbox invariants:
- One FIFO (``deque``) per priority level, created on first use, so an idle actor owns no
  queue at all and a message costs a deque append and popleft, not a heap push and pop.
- ``_order`` lists the live levels' queues from most to least urgent. It is replaced, never
  mutated, when a level is added or removed (copy-on-write), so the consumer can walk it
  without a lock while producers append.
- The ``fixed`` levels (the envelope's standard ones) are never removed once created:
  producers append to them without a lock (``deque.append`` is atomic). Any other level
  is created and appended to under the lock and removed when the consumer empties it, so
  ``priority=random()`` from a misbehaving sender cannot grow the bookkeeping without bound.
- Only one consumer (the actor's current run) pops at a time.

Entries are ``(message, future_or_None)`` pairs.

Cell invariants (see ``symphony.actors._cell`` for the rest):
- ``scheduled`` is True while the cell is in its dispatcher's run queue or running, so at
  most one thread runs an actor at a time and messages are handled one by one, in order.
- Producers append without the lock, then schedule if ``scheduled`` was False; the end of
  a run clears ``scheduled`` under the lock before it looks at the mailbox, so a message
  appended concurrently is either seen by that look or scheduled by its producer.
- An expired message is never handed to ``on_receive``: it goes to dead letters and its
  future expires (the asker gets ``MessageExpired``).
"""

from __future__ import annotations

import threading
import time
from collections import deque
from typing import Any, Iterable, Iterator

__all__ = ["RUNNING", "STARTING", "STOPPED", "STOPPING", "UNSET", "CellCore", "EventFactory", "Mailbox",
           "RefCore"]
public_api = ["RUNNING", "STARTING", "STOPPED", "STOPPING", "UNSET", "CellCore", "EventFactory", "Mailbox",
              "RefCore"]

#: An actor's lifecycle states, in order: a cell's ``state`` only ever grows.
STARTING, RUNNING, STOPPING, STOPPED = 0, 1, 2, 3
#: The default of an optional payload argument: "not given" (None is a payload).
UNSET: Any = object()

Entry = tuple[Any, Any]
_mono = time.monotonic


class Mailbox:
    """Priority-then-arrival ordered queue of ``(message, future)`` entries for one actor.

    ``fixed`` (default: the class's ``fixed_levels``) are the priority levels that are kept
    once created (appended to without a lock); every other level is dropped when emptied.
    """

    __slots__ = ("_levels", "_fixed", "_standard", "_order", "_keys", "_lock", "_space")
    fixed_levels: frozenset[int] = frozenset()

    def __init__(self, fixed: Iterable[int] | None = None) -> None:
        self._levels: dict[int, deque[Entry]] = {}
        self._fixed: frozenset[int] = self.fixed_levels if fixed is None else frozenset(fixed)
        #: The fixed levels' queues created so far: producers append to these without the lock.
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
        if priority in self._fixed:
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
        fixed = self._fixed
        with self._lock:
            custom = [p for p, q in self._levels.items() if not q and p not in fixed]
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


class CellCore:
    """The fields and hot paths of an actor's cell; ``symphony.actors._cell.Cell`` adds the rest.

    A subclass provides ``reject(msg, future)``, ``drain_dead()``,
    ``_put_when_room(msg, future, timeout) -> bool``, ``_notify_space()``,
    ``_answer(future, result)`` and ``_failed(exc, asked)``; ``node`` provides ``_tracer``
    and ``_dead_letter(msg, reason, recipient)``; ``dispatcher`` provides ``submit(cell)``.
    """

    __slots__ = ("actor", "node", "name", "mailbox", "dispatcher", "scheduled", "state", "lock",
                 "bound", "throughput", "running_in")

    def __init__(self, node: Any, name: str, dispatcher: Any, mailbox: Mailbox, bound: int | None,
                 throughput: int) -> None:
        self.node = node
        self.name = name
        self.dispatcher = dispatcher
        self.mailbox = mailbox
        self.bound = bound
        self.throughput = throughput
        self.actor: Any = None
        self.scheduled = False
        self.state = STARTING
        self.lock = threading.Lock()
        self.running_in = 0

    def put(self, msg: Any, future: Any, block_timeout: float | None = None) -> None:
        """Enqueue ``msg`` (with the asker's ``future``, if any) and make sure the actor will run."""
        if self.state >= STOPPING:
            self.reject(msg, future)  # type: ignore[attr-defined]
            return
        if not self.mailbox.put((msg, future), msg._priority, self.bound):
            if not self._put_when_room(msg, future, block_timeout):  # type: ignore[attr-defined]
                return
        tracer = self.node._tracer
        if tracer is not None:
            tracer.instant("enqueue", self.name, msg._kind)
        if not self.scheduled:
            self.schedule()
        if self.state == STOPPED:
            self.drain_dead()  # type: ignore[attr-defined]  # the actor stopped while we appended

    def schedule(self) -> None:
        """Put the cell in its dispatcher's run queue unless it is already there or running."""
        with self.lock:
            if self.scheduled:
                return
            self.scheduled = True
        self.dispatcher.submit(self)

    def run_messages(self, limit: int, until: Any = None) -> int:
        """Handle up to ``limit`` messages, fewer if the mailbox empties, ``until`` (a future)
        is done, or the actor leaves RUNNING. Returns how many entries were taken."""
        mailbox = self.mailbox
        get = mailbox.get
        node = self.node
        tracer = node._tracer
        name = self.name
        n = 0
        while n < limit:
            if until is not None and until.done():
                break
            entry = get()
            if entry is None:
                break
            n += 1
            msg, future = entry
            if mailbox._space is not None:
                self._notify_space()  # type: ignore[attr-defined]
            deadline = msg._deadline
            if deadline is not None and _mono() >= deadline:
                node._dead_letter(msg, "expired", name)
                if future is not None:
                    future._expire()
                continue
            if tracer is not None:
                start = tracer.now()
            try:
                result = self.actor.on_receive(msg)
            except BaseException as exc:  # noqa: BLE001 - supervision decides; the thread lives on
                if future is not None:
                    future.set_exception(exc)
                self._failed(exc, future is not None)  # type: ignore[attr-defined]
            else:
                if future is not None:
                    self._answer(future, result)  # type: ignore[attr-defined]
            if tracer is not None:
                tracer.span(name, msg._kind, start)
            if self.state != RUNNING:
                break
        return n


class RefCore:
    """The fields of a ``Ref`` and its ``tell``; ``symphony.actors.Ref`` adds the rest.

    A subclass provides ``_message`` (the message class), ``_event(kind, payload)`` (makes
    an event) and ``_coerce(message, payload, options)`` (every other way to call ``tell``).
    """

    __slots__ = ("_cell", "name")
    _cell: Any
    name: str
    _message: Any
    _event: Any
    _coerce: Any

    def __init__(self, cell: Any) -> None:
        self._cell = cell
        self.name = cell.name

    def tell(self, message: Any, payload: Any = UNSET, /, **options: Any) -> None:
        """Send without waiting for an answer. A message to a stopped actor goes to dead letters.

        ``tell("kind", payload, priority=..., ttl=...)`` is shorthand for
        ``tell(Message("kind", payload, ...))`` (an EVENT). Raises ``MailboxFull`` if the
        actor's bounded mailbox is full and its overflow policy is ``"raise"`` (with
        ``"block"``, waits for room).
        """
        if message.__class__ is str and not options:
            message = self._event(message, None if payload is UNSET else payload)
        elif options or payload is not UNSET or message.__class__ is not self._message:
            message = self._coerce(message, payload, options)
        self._cell.put(message, None)


class EventFactory:
    """Makes event messages like a prototype: ``factory(kind, payload)`` is
    ``type(prototype)(kind, payload)``, every other field as the prototype has it.

    (The compiled twin copies the prototype's slots instead of running ``__init__``; here
    the class is simply called.) ``clock`` is what the compiled twin stamps ``_created`` with.
    """

    __slots__ = ("_cls",)
    compiled = False

    def __init__(self, prototype: Any, clock: Any) -> None:
        self._cls = type(prototype)

    def __call__(self, kind: str, payload: Any = None) -> Any:
        return self._cls(kind, payload)

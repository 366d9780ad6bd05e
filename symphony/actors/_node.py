"""``Node``: a process's home for actors, their dispatcher threads and their dead letters.

Invariants:
- Every thread a node starts (its dispatcher's, dedicated actors') ends in ``stop()``.
- Actor names are unique among a node's live actors; a stopped actor's name is free again.
- Dead letters keep the most recent ``dead_letter_capacity`` records; ``dead_letter_count``
  counts all of them, so a flood is visible even after old records roll off.
"""

from __future__ import annotations

import itertools
import logging
import os
import threading
import time
from collections import deque
from typing import Any, NamedTuple, TypeVar

from ..envelope._message import Message
from ..errors import ActorNotFound, NameTaken, NodeStopped
from ._actor import Actor
from ._cell import STOPPED, Cell
from ._dispatcher import Dispatcher
from ._ref import Ref
from ._trace import Tracer

__all__ = ["DeadLetter", "Node"]

logger = logging.getLogger("symphony.actors")
_node_numbers = itertools.count(1)
A = TypeVar("A", bound=Actor)


class DeadLetter(NamedTuple):
    """A message that was not delivered, and why."""

    message: Message[Any]
    """The undelivered message."""
    reason: str
    """``"expired"``, ``"actor stopped"``, ...: why it was not delivered."""
    recipient: str
    """The name of the actor it was for."""
    timestamp: float
    """When it was declared dead (UTC POSIX timestamp)."""


class Node:
    """Hosts actors on a shared pool of dispatcher threads. Use as a context manager.

    ``threads`` is the pool size (default: the number of cores); the pool grows up to
    ``max_threads`` while every thread is stuck in a blocking actor. ``trace=True`` records
    message spans for ``write_trace``.
    """

    def __init__(self, name: str | None = None, *, threads: int | None = None, max_threads: int = 64,
                 dead_letter_capacity: int = 10_000, trace: bool = False) -> None:
        self.name = name or f"node-{os.getpid()}-{next(_node_numbers)}"
        self._dispatcher = Dispatcher(threads, max_threads=max(max_threads, threads or 1), name=self.name)
        self._cells: dict[str, Cell] = {}
        self._lock = threading.Lock()
        self._counter = itertools.count(1)
        self._dead: deque[DeadLetter] = deque(maxlen=dead_letter_capacity)
        self._dead_count = 0
        self._dead_lock = threading.Lock()
        self._tracer: Tracer | None = Tracer() if trace else None
        self._stopping = False
        self._dedicated: list[Dispatcher] = []

    # -- actors ---------------------------------------------------------------------------

    def spawn(self, cls: type[A], *args: Any, name: str | None = None, **kwargs: Any) -> Ref:
        """Create an actor of class ``cls`` (constructed with ``*args, **kwargs``) and return its ``Ref``.

        Raises ``NameTaken`` if a live actor already has ``name``, ``NodeStopped`` after
        ``stop()``, and whatever the constructor raises (the actor then does not exist).
        """
        if not (isinstance(cls, type) and issubclass(cls, Actor)):
            raise TypeError(f"spawn() takes a subclass of symphony.Actor, not {cls!r}")
        if self._stopping:
            raise NodeStopped(f"node {self.name} is stopped")
        if name is None:
            name = f"{cls.__name__.lower()}-{next(self._counter)}"
        elif not isinstance(name, str) or not name or "/" in name:
            raise ValueError(f"actor name must be a non-empty str without '/', not {name!r}")
        dispatcher = self._dispatcher
        if cls.dedicated_thread:
            dispatcher = Dispatcher(1, max_threads=1, name=f"{self.name}-{name}")
        cell = Cell(self, cls, name, dispatcher, args, kwargs)
        cell.ref = Ref(cell)
        with self._lock:
            if name in self._cells:
                if dispatcher is not self._dispatcher:
                    dispatcher.shutdown()
                raise NameTaken(f"an actor named {name!r} already lives on node {self.name}")
            self._cells[name] = cell
        try:
            actor = cell.instantiate()
        except BaseException:
            with self._lock:
                self._cells.pop(name, None)
            if dispatcher is not self._dispatcher:
                dispatcher.shutdown()
            raise
        if dispatcher is not self._dispatcher:
            with self._lock:
                self._dedicated.append(dispatcher)
        actor._start_actor_loop()
        return cell.ref

    def ref(self, name: str) -> Ref:
        """The ``Ref`` of the live actor called ``name``; raises ``ActorNotFound`` if there is none."""
        cell = self._cells.get(name)
        if cell is None:
            raise ActorNotFound(f"no actor named {name!r} on node {self.name}")
        return cell.ref

    def names(self) -> list[str]:
        """The names of the live actors."""
        with self._lock:
            return list(self._cells)

    def __len__(self) -> int:
        return len(self._cells)

    def __contains__(self, name: object) -> bool:
        return name in self._cells

    def _unregister(self, cell: Cell) -> None:
        with self._lock:
            if self._cells.get(cell.name) is cell:
                del self._cells[cell.name]

    # -- dead letters ---------------------------------------------------------------------

    def _dead_letter(self, msg: Message[Any], reason: str, recipient: str) -> None:
        record = DeadLetter(msg, reason, recipient, time.time())
        with self._dead_lock:
            self._dead.append(record)
            self._dead_count += 1
        logger.debug("dead letter for %s (%s): %r", recipient, reason, msg)

    @property
    def dead_letters(self) -> list[DeadLetter]:
        """The most recent undelivered messages, oldest first."""
        with self._dead_lock:
            return list(self._dead)

    @property
    def dead_letter_count(self) -> int:
        """How many messages were declared dead since the node started."""
        return self._dead_count

    # -- tracing --------------------------------------------------------------------------

    def start_trace(self) -> Tracer:
        """Start recording message spans (a no-op if already recording); returns the tracer."""
        if self._tracer is None:
            self._tracer = Tracer()
        return self._tracer

    def stop_trace(self) -> Tracer | None:
        """Stop recording; returns the tracer with what was recorded."""
        tracer, self._tracer = self._tracer, None
        return tracer

    @property
    def tracer(self) -> Tracer | None:
        """The active tracer, or None when not tracing."""
        return self._tracer

    def write_trace(self, path: str | os.PathLike[str]) -> None:
        """Write the recorded spans to ``path`` in the Chrome trace-event format."""
        if self._tracer is None:
            raise RuntimeError("no trace recorded: create the node with trace=True or call start_trace()")
        self._tracer.write(path)

    # -- lifecycle ------------------------------------------------------------------------

    @property
    def threads(self) -> int:
        """How many shared dispatcher threads are running now."""
        return self._dispatcher.thread_count

    @property
    def is_running(self) -> bool:
        """False once ``stop()`` has been called."""
        return not self._stopping

    def stop(self, timeout: float | None = 10.0) -> bool:
        """Stop every actor (each finishes its current message), then every thread.

        Returns False if something was still running after ``timeout`` seconds (then its
        daemon thread cannot keep the process alive). Safe to call more than once.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._lock:
            self._stopping = True
            cells = list(self._cells.values())
        for cell in cells:
            cell.request_stop("node stopped")
        clean = True
        for cell in cells:
            left = None if deadline is None else max(deadline - time.monotonic(), 0.0)
            if cell.state != STOPPED and not cell.stopped_event().wait(left):
                logger.warning("actor %s did not stop within %ss", cell.name, timeout)
                clean = False
        left = None if deadline is None else max(deadline - time.monotonic(), 0.0)
        clean = self._dispatcher.shutdown(timeout=left) and clean
        with self._lock:
            dedicated, self._dedicated = self._dedicated, []
        for dispatcher in dedicated:
            left = None if deadline is None else max(deadline - time.monotonic(), 0.0)
            clean = dispatcher.shutdown(timeout=left) and clean
        return clean

    def __enter__(self) -> Node:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"<Node {self.name} actors={len(self._cells)} threads={self.threads}>"

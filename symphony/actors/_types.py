"""The concepts the actor modules share, so they import each other in one direction only.

``_ref`` talks to a :class:`Target` (a local cell or a transport's remote target), a cell
talks to its :class:`Host` (the node), and both read an actor's lifecycle ``state`` and
its ``Supervision``; none of them needs the others' modules for that. The import order
inside the package is ``_types`` <- ``_ref`` <- ``_actor`` <- ``_cell`` <- ``_node``
(as pykka keeps its shared types in ``pykka._types``).
"""

from __future__ import annotations

import enum
import threading
from typing import TYPE_CHECKING, Any, Callable, Protocol

from .. import _speedups

if TYPE_CHECKING:
    from ..envelope._message import Message
    from ._dispatcher import Dispatcher
    from ._future import Future
    from ._trace import Tracer

__all__ = ["RUNNING", "STARTING", "STOPPED", "STOPPING", "Host", "Supervision", "Target"]

_core = _speedups.load("_mailbox")
#: An actor's lifecycle states, in order: a cell's ``state`` only ever grows (defined with
#: the cell's compiled core, which reads them).
STARTING: int = _core.STARTING
RUNNING: int = _core.RUNNING
STOPPING: int = _core.STOPPING
STOPPED: int = _core.STOPPED


class Supervision(str, enum.Enum):
    """What happens to an actor after ``on_receive`` raises (Akka's directives, kept small).

    In every case the asker, if any, gets the exception and ``on_failure`` is called first.
    """

    RESUME = "resume"
    """Keep the actor and its state; handle the next message. The default."""
    RESTART = "restart"
    """Replace the actor with a fresh instance (same constructor arguments, ``on_start``
    again), keeping its mailbox and ref; after ``max_restarts`` within ``restart_window``
    seconds, stop instead."""
    STOP = "stop"
    """Stop the actor; queued messages go to dead letters and watchers are told."""


class Target(Protocol):
    """What a ``Ref`` dispatches to: a local actor's cell, or a transport's ``RemoteTarget``."""

    name: str
    node: Any

    @property
    def state(self) -> int:
        """The lifecycle state (``STARTING`` .. ``STOPPED``)."""

    @property
    def scheduled(self) -> bool:
        """True while the actor is queued to run or running (an ask then cannot run inline)."""

    @property
    def running_in(self) -> int:
        """The ident of the thread running the actor now, 0 when none is."""

    def put(self, msg: Message[Any], future: Future[Any] | None, block_timeout: float | None = None) -> None:
        """Enqueue ``msg`` (with the asker's ``future``, if any)."""

    def ask_inline(self, msg: Message[Any], future: Future[Any], timeout: float | None = None) -> bool:
        """Handle an ask on the calling thread if possible; False if not (``put`` is used then)."""

    def request_stop(self, reason: str) -> None:
        """Ask the actor to stop after the message it is handling."""

    def stopped_event(self) -> threading.Event:
        """An event set once the actor has stopped."""

    def watch(self, callback: Callable[[Any, str], None]) -> None:
        """Call ``callback(ref, reason)`` when the actor stops."""


class Host(Protocol):
    """What a cell uses of the node it lives on (``Node`` implements it)."""

    name: str
    _tracer: Tracer | None
    _dispatcher: Dispatcher

    def _dead_letter(self, msg: Message[Any], reason: str, recipient: str) -> None:
        """Record an undelivered message."""

    def _unregister(self, cell: Any) -> None:
        """Forget a stopped actor, freeing its name."""

"""``Ref``: the handle through which everyone talks to an actor.

A ``Ref`` is all a caller needs: it works the same whether the actor lives in this process
or (with a transport) on another machine. It never exposes the actor object itself, so
state is only touched by the actor's own thread of control.
"""

from __future__ import annotations

from threading import get_ident as _get_ident
from time import time as _wall
from typing import TYPE_CHECKING, Any, Callable, Union

from .. import _speedups
from ..envelope._message import Message
from ..envelope._priority import MessageType
from ..errors import ActorDead
from ._future import Future
from ._types import STOPPED, Target

if TYPE_CHECKING:
    from .._speedups._mailbox_py import UNSET as _UNSET
    from .._speedups._mailbox_py import EventFactory, RefCore
else:
    _core = _speedups.load("_mailbox")
    RefCore = _core.RefCore
    EventFactory = _core.EventFactory
    _UNSET = _core.UNSET

__all__ = ["Ref"]
_REQUEST = MessageType.REQUEST
_EVENT = MessageType.EVENT

Watcher = Union["Ref", Callable[["Ref", str], None]]


def as_message(message: Message[Any] | str, payload: Any, options: dict[str, Any],
               message_type: MessageType) -> Message[Any]:
    """The ``Message`` a ``tell``/``ask`` call means: a Message as is, or ``(kind, payload, **options)``."""
    if message.__class__ is Message:
        if payload is not _UNSET or options:
            raise TypeError("pass either a Message, or a kind with payload and options, not both")
        return message  # type: ignore[return-value]
    if isinstance(message, str):
        if "message_type" not in options:
            options["message_type"] = message_type
        return Message(message, None if payload is _UNSET else payload, **options)
    if isinstance(message, Message):
        return message
    raise TypeError(f"expected a Message or a kind string, not {type(message).__name__}")


def _as_event(message: Any, payload: Any, options: dict[str, Any]) -> Message[Any]:
    return as_message(message, payload, options, _EVENT)


class Ref(RefCore):
    """A handle to one actor: ``tell``, ``ask``, ``ask_async``, ``stop``, ``watch``.

    ``tell("kind", payload, priority=..., ttl=...)`` is shorthand for
    ``tell(Message("kind", payload, ...))``; ``tell`` sends EVENTs and ``ask`` REQUESTs.
    Refs are cheap, hashable and compare equal when they point at the same actor.

    ``tell`` (the hot path) is the speedup ``symphony._speedups._mailbox``'s ``RefCore.tell``.
    """

    __slots__ = ()
    _cell: Target
    _message = Message
    #: ``tell("kind", payload)`` builds its EVENT with this: as ``Message(kind, payload)``
    #: (``_created`` stamped with the same clock), at a fraction of the cost when compiled.
    _event = EventFactory(Message("symphony.event"), _wall)
    _coerce = staticmethod(_as_event)

    if TYPE_CHECKING:
        def __init__(self, cell: Target) -> None:
            """A ref to ``cell`` (``RefCore.__init__`` sets ``_cell`` and ``name``)."""

    if TYPE_CHECKING:
        def tell(self, message: Message[Any] | str, payload: Any = _UNSET, /, **options: Any) -> None:
            """Send without waiting for an answer (see ``RefCore.tell``)."""

    def ask_async(self, message: Message[Any] | str, payload: Any = _UNSET, /, **options: Any) -> Future[Any]:
        """Send and return a ``Future`` for the reply: ``.get(timeout)`` in a thread, ``await`` in asyncio."""
        if message.__class__ is not Message or payload is not _UNSET or options:
            message = as_message(message, payload, options, _REQUEST)
        future: Future[Any] = Future(message._deadline, message._kind)  # type: ignore[union-attr]
        self._cell.put(message, future)  # type: ignore[arg-type]
        return future

    def ask(self, message: Message[Any] | str, payload: Any = _UNSET, /, *, timeout: float | None = None,
            **options: Any) -> Any:
        """Send and wait for the reply (what ``on_receive`` returned).

        Without a ``timeout``, an ask to an idle actor is handled on the calling thread
        (still one message at a time, in order), which saves two thread wake-ups.

        Raises the actor's own exception if handling failed, ``MessageExpired`` if the
        message's TTL ran out first, ``AskTimeout`` after ``timeout`` seconds, ``ActorDead``
        if the actor is or goes away.
        """
        if message.__class__ is not Message or payload is not _UNSET or options:
            message = as_message(message, payload, options, _REQUEST)
        future: Future[Any] = Future(message._deadline, message._kind)  # type: ignore[union-attr]
        cell = self._cell
        # Without a timeout the asker may as well handle the message itself if the actor is
        # idle (it would block anyway); with one, a dispatcher thread must run it so the
        # timeout can fire while the handler runs.
        # (A remote target's ``ask_inline`` does the exchange on the calling thread, with or
        # without a timeout.)
        if cell.scheduled or not cell.ask_inline(message, future, timeout):  # type: ignore[arg-type]
            cell.put(message, future)  # type: ignore[arg-type]
        return future.get(timeout)

    def ask_if_idle(self, message: Message[Any] | str, payload: Any = _UNSET, /) -> Future[Any] | None:
        """Handle an ask on the calling thread now if the actor is in this process and idle,
        and return its future, already resolved; return None, having sent nothing, when the
        actor is busy or on another node (the caller then sends it as usual).

        Unlike ``ask``, it never waits for a busy actor, so a thread that must stay
        responsive (a protocol reader) can take the shortcut without blocking behind a long
        message; the actor still handles one message at a time, in arrival order.
        """
        cell = self._cell
        if cell.scheduled or getattr(cell, "address", None) is not None:  # busy, or remote
            return None
        if message.__class__ is not Message or payload is not _UNSET:
            message = as_message(message, payload, {}, _REQUEST)
        future: Future[Any] = Future(message._deadline, message._kind)  # type: ignore[union-attr]
        return future if cell.ask_inline(message, future) else None  # type: ignore[arg-type]

    def stop(self, *, block: bool = True, timeout: float | None = None) -> bool:
        """Stop the actor after the message it is handling; queued messages go to dead letters.

        With ``block``, waits until it has stopped (returns False if ``timeout`` passed first).
        Called from inside the actor itself, it never waits.
        """
        cell = self._cell
        cell.request_stop("stopped")
        if not block or cell.running_in == _get_ident():
            return cell.state == STOPPED
        return cell.stopped_event().wait(timeout)

    def watch(self, watcher: Watcher) -> None:
        """Be told when the actor stops: ``watcher(ref, reason)`` is called, or, if ``watcher``
        is a ``Ref``, it is told a ``"symphony.terminated"`` event with ``{"actor", "reason"}``."""
        if isinstance(watcher, Ref):
            target = watcher

            def tell_watcher(ref: Ref, reason: str) -> None:
                target.tell("symphony.terminated", {"actor": ref.name, "reason": reason})

            self._cell.watch(tell_watcher)
        elif callable(watcher):
            self._cell.watch(watcher)
        else:
            raise TypeError("watch() takes a Ref or a callable(ref, reason)")

    @property
    def is_alive(self) -> bool:
        """True until the actor has stopped."""
        return self._cell.state < STOPPED

    @property
    def node(self) -> Any:
        """The node the actor lives on."""
        return self._cell.node

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Ref) and other._cell is self._cell

    def __hash__(self) -> int:
        return id(self._cell)

    def __repr__(self) -> str:
        address = getattr(self._cell, "address", None)  # a remote target's address
        if address is not None:
            return f"<Ref {address} remote>"
        state = "alive" if self.is_alive else "dead"
        return f"<Ref {self._cell.node.name}/{self.name} {state}>"

    def _require_alive(self) -> None:
        if not self.is_alive:
            raise ActorDead(f"actor {self.name!r} has stopped")


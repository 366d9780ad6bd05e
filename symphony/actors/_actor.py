"""``Actor``: what a user subclasses, built on pykka's ``Actor`` and its extension points.

We keep pykka's hooks and their meaning (``on_start``, ``on_receive``, ``on_stop``,
``on_failure(exc_type, exc_value, traceback)``) and fill its named extension points
(``_create_actor_inbox``, ``_create_future``, ``_start_actor_loop``). We diverge where pykka
assumes a thread per actor: instead of ``_actor_loop`` blocking on its inbox, the node's
dispatcher runs an actor only while its mailbox has messages (see ``_cell``); and
construction does no per-actor ``uuid4``/``Event``/global-registry work, which is what
makes ten thousand actors cheap.
"""

from __future__ import annotations

import logging
import threading
import uuid
from typing import TYPE_CHECKING, Any, ClassVar, Literal, Protocol

import pykka

from ._future import Future
from ._mailbox import Mailbox
from ._types import Supervision

if TYPE_CHECKING:
    from types import TracebackType

    from ..envelope import Message
    from ._ref import Ref

__all__ = ["Actor", "Supervision"]

logger = logging.getLogger("symphony.actors")


class Runtime(Protocol):
    """What an ``Actor`` uses of the runtime that runs it (the node's ``Cell`` implements it)."""

    name: str
    node: Any
    mailbox: Mailbox
    ref: Ref

    def start(self) -> None:
        """Begin running the actor (``on_start``, then its messages)."""

    def request_stop(self, reason: str) -> None:
        """Stop the actor after the message it is handling."""

    def stopped_event(self) -> threading.Event:
        """An event set once the actor has stopped."""


class Actor(pykka.Actor):
    """Subclass and define ``on_receive(self, msg) -> reply``; spawn with ``Node.spawn``.

    Class attributes tune an actor kind: ``supervision`` (what a failure does),
    ``mailbox_size`` and ``mailbox_overflow`` (bounded mailbox: ``"raise"`` ``MailboxFull``
    or ``"block"`` the sender), ``throughput`` (messages handled before the thread moves on
    to another actor), and ``dedicated_thread`` (for an actor that blocks on I/O: it gets a
    thread of its own instead of holding one of the shared dispatcher threads).

    Attributes ``actor_ref`` (its ``Ref``), ``actor_name`` and ``node`` are set before
    ``__init__`` runs, so the constructor may use them.
    """

    supervision: ClassVar[Supervision] = Supervision.RESUME
    max_restarts: ClassVar[int] = 10
    restart_window: ClassVar[float] = 60.0
    mailbox_size: ClassVar[int | None] = 1_000_000
    mailbox_overflow: ClassVar[Literal["raise", "block"]] = "raise"
    throughput: ClassVar[int] = 128
    dedicated_thread: ClassVar[bool] = False

    _cell: Runtime
    _urn: str | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        """Framework fields are already set by ``Node.spawn``; subclasses may skip ``super().__init__()``."""

    # -- pykka's extension points -------------------------------------------------------

    # Both factories return our own types, not pykka's: the mailbox takes a priority with each
    # entry and never blocks in ``get``, and the future also waits on a message's TTL.
    @staticmethod
    def _create_actor_inbox() -> Mailbox:  # type: ignore[override]
        """The mailbox for a new actor: priority-then-arrival ordered, with TTL checks at delivery."""
        return Mailbox()

    @staticmethod
    def _create_future() -> Future[Any]:  # type: ignore[override]
        """The future an ask waits on."""
        return Future()

    def _start_actor_loop(self) -> None:
        """Hand the actor to its dispatcher; it runs ``on_start`` there, then messages as they come."""
        self._cell.start()

    # -- pykka compatibility ------------------------------------------------------------

    @property
    def actor_urn(self) -> str:  # type: ignore[override]
        """A unique URN for the actor (drawn on first use)."""
        if self._urn is None:
            self._urn = uuid.uuid4().urn
        return self._urn

    @property
    def actor_inbox(self) -> Mailbox:  # type: ignore[override]
        """The actor's mailbox."""
        return self._cell.mailbox

    @property
    def actor_ref(self) -> Ref:  # type: ignore[override]
        """The ``Ref`` others use to reach this actor."""
        return self._cell.ref

    @property
    def actor_stopped(self) -> threading.Event:  # type: ignore[override]
        """An event set when the actor has stopped."""
        return self._cell.stopped_event()

    @property
    def actor_name(self) -> str:
        """The actor's name, unique on its node."""
        return self._cell.name

    @property
    def node(self) -> Any:
        """The ``Node`` this actor lives on."""
        return self._cell.node

    @classmethod
    def start(cls, *args: Any, **kwargs: Any) -> Any:
        """Not used in Symphony: actors live on a node, so start them with ``node.spawn(cls, ...)``."""
        raise TypeError(f"start {cls.__name__} with node.spawn({cls.__name__}, ...), not {cls.__name__}.start()")

    def stop(self) -> None:
        """Ask this actor to stop after the message it is handling (does not wait)."""
        self._cell.request_stop("stopped")

    # -- hooks --------------------------------------------------------------------------

    def on_receive(self, message: Message[Any]) -> Any:
        """Handle one message; the return value is the reply to an ask.

        Returning ``message.reply(x)`` (a RESPONSE) is the same as returning ``x``. Raising
        sends the exception to the asker and then applies ``supervision``.
        """
        logger.warning("%s got a message it does not handle: %r", self, message)
        return None

    def on_failure(
        self,
        exception_type: type[BaseException] | None,
        exception_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Called in the actor's context when ``on_receive`` raised, before ``supervision`` applies."""

    def __str__(self) -> str:
        cell = getattr(self, "_cell", None)
        return f"{type(self).__name__}({cell.name if cell else '?'})"

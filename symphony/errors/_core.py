"""Errors of the core: the envelope (decoding, encoding, schemas) and the actors (asks, names,
mailboxes, nodes, transport lookup).
"""

from __future__ import annotations

from ._base import SymphonyError

__all__ = [
    "ActorDead",
    "ActorNotFound",
    "AskTimeout",
    "DecodeError",
    "EncodeError",
    "MailboxFull",
    "MessageExpired",
    "NameTaken",
    "NodeStopped",
    "SchemaError",
    "TransportNotFound",
]


class DecodeError(SymphonyError, ValueError):
    """Raised by :func:`symphony.decode` when bytes are not a valid wire-form ``Message``.

    Covers every malformed input: random bytes, truncated or mutated frames, fields of the
    wrong type, an unknown format, an incompatible protocol major version. Decoding raises
    this and nothing else. Distinct from :class:`SchemaError`, which means the envelope is
    well formed but its payload breaks the schema registered for its kind.
    """


class EncodeError(SymphonyError, ValueError):
    """Raised by :func:`symphony.encode` when a message cannot be put in the wire format asked for.

    The payload or metadata holds something the format cannot represent (an arbitrary
    object; bytes or NaN in JSON). The message is unchanged; nothing was sent. The
    receiving side's counterpart is :class:`DecodeError`.
    """


class SchemaError(SymphonyError, ValueError):
    """Raised when a payload does not match the JSON Schema registered for its kind.

    Raised by :func:`symphony.validate`, by :func:`symphony.decode` for registered kinds, and
    by :func:`symphony.register_kind` when the schema itself is invalid. ``kind`` names the
    message kind and ``detail`` says which rule failed.
    """

    def __init__(self, message: str, *, kind: str | None = None, detail: str | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.detail = detail


class MessageExpired(SymphonyError):
    """Raised to an asker when its message's TTL ran out before an actor handled it.

    The message itself is never delivered; it is recorded in the node's dead letters.
    Differs from :class:`AskTimeout`: the *message* outlived its TTL (it will never be
    handled), whereas an ask timeout only means the asker stopped waiting (the message may
    still be handled later).
    """


class AskTimeout(SymphonyError, TimeoutError):
    """Raised by ``Ref.ask`` / ``Future.get`` when no reply came within the caller's timeout.

    The request may still be handled afterwards; its late reply is discarded. Compare
    :class:`MessageExpired`, where the message itself is dropped undelivered.
    """


class ActorDead(SymphonyError):
    """Raised to an asker when the target actor stopped (or had stopped) before handling it.

    Also raised by ``Ref.ask`` on a ref whose actor is already gone; a ``tell`` to a dead
    actor does not raise, the message goes to dead letters instead.
    """


class ActorNotFound(SymphonyError, LookupError):
    """Raised by ``Node.ref(name)`` when no live actor has that name on the node.

    Differs from :class:`ActorDead`: here no actor of that name exists now, whereas
    ``ActorDead`` is about a specific actor a ref pointed at, which has stopped.
    """


class NameTaken(SymphonyError, ValueError):
    """Raised by ``Node.spawn(..., name=n)`` when a live actor on the node already has name ``n``."""


class NodeStopped(SymphonyError):
    """Raised by ``Node.spawn`` (and other calls that start work) on a node that is stopping
    or has stopped. Messages sent to actors of a stopped node go to dead letters instead.
    """


class MailboxFull(SymphonyError):
    """Raised by ``tell``/``ask`` when the target's bounded mailbox is full and the sender
    chose not to block (``Actor.mailbox_overflow = "raise"``, the default for bounded
    mailboxes), or blocked longer than its timeout.

    Nothing is dropped silently: the message was not enqueued and the caller still owns it.
    """


class TransportNotFound(SymphonyError, LookupError):
    """Raised when an address uses a URI scheme no installed transport provides.

    Transports register under the ``symphony.transports`` entry point group.
    """

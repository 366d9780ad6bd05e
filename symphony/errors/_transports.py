"""Errors of the transports: a message that did not reach a peer, an actor on another node that
raised, and a listen address that would be unsafe.
"""

from __future__ import annotations

from ._base import SymphonyError

__all__ = [
    "DeliveryError",
    "InsecureListen",
    "RemoteError",
]


class DeliveryError(SymphonyError, ConnectionError):
    """Raised to a sender when a message for another node could not be delivered there.

    The node is unreachable or stopped answering heartbeats (an ask to a dead peer fails
    with this promptly instead of waiting out its timeout), no actor of that name lives
    there, the actor stopped before handling it, the message is larger than the
    transport's ``max_frame``, or a bound (pending asks, messages waiting to go out) was
    hit and the caller chose not to block. Differs from :class:`RemoteError`: here the actor never
    ran the message (or its fate is unknown); there it ran and raised. Locally the
    counterparts are :class:`ActorNotFound` and :class:`ActorDead`.
    """


class RemoteError(SymphonyError):
    """Raised to an asker when an actor on another node raised while handling its ask.

    The exception object itself cannot cross the wire, so this carries its description:
    ``remote_type`` (the qualified type name, ``"builtins.ValueError"``), ``remote_message``
    (``str(exc)``) and ``remote_traceback`` (the formatted traceback, as text). Differs from
    :class:`DeliveryError`, which means the message did not reach a running actor; an
    in-process ask raises the actor's own exception instead.
    """

    def __init__(self, message: str, *, remote_type: str = "", remote_message: str = "",
                 remote_traceback: str = "") -> None:
        super().__init__(message)
        self.remote_type = remote_type
        self.remote_message = remote_message
        self.remote_traceback = remote_traceback

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (_rebuild_remote_error, (self.args[0] if self.args else "", self.remote_type,
                                        self.remote_message, self.remote_traceback))


def _rebuild_remote_error(message: str, remote_type: str, remote_message: str,
                          remote_traceback: str) -> RemoteError:
    return RemoteError(message, remote_type=remote_type, remote_message=remote_message,
                       remote_traceback=remote_traceback)


class InsecureListen(SymphonyError, ValueError):
    """Raised by ``Node(listen=...)`` when asked to listen on a non-loopback TCP address
    without a ``secret``: anyone who can reach the port could then run messages on its
    actors. Pass a ``secret`` (every frame is then signed), or ``insecure=True`` to accept
    the risk knowingly. Loopback addresses, ``ipc://`` and ``unix://`` paths are allowed.
    """

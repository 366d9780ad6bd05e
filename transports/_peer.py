"""``Peer``: one outgoing link of a packet transport, and what the I/O thread knows of it."""

from __future__ import annotations

import threading
from typing import Any

__all__ = ["Peer"]


class Peer:
    """An outgoing link to one endpoint. Its socket belongs to the I/O thread."""

    __slots__ = ("endpoint", "sock", "last_heard", "suspect_since", "last_ping", "subs", "dead",
                 "linked", "__weakref__")

    def __init__(self, endpoint: str) -> None:
        self.endpoint = endpoint
        self.sock: Any = None
        self.last_heard = 0.0
        self.suspect_since: float | None = None
        self.last_ping = 0.0
        self.subs: tuple[str, ...] = ()
        self.dead = False
        #: Set once the peer has told us its subscriptions (the bus link is up).
        self.linked = threading.Event()

    def __repr__(self) -> str:
        return f"<Peer {self.endpoint}{' dead' if self.dead else ''}>"

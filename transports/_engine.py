"""What every packet-based transport does the same way, whatever carries the bytes.

``LinkedTransport`` owns: one I/O thread per transport instance (the only thread touching
its sockets), the outbox other threads hand entries to (a deque and a wake-up pipe; many
entries to one peer leave as one signed packet), the table of pending asks (keyed by
message id; replies resolve them by correlation id), heartbeats (a peer that answers
nothing for ``heartbeat_timeout`` seconds is declared dead and its pending asks fail with
``DeliveryError`` at once), the bus links, and fork safety. Subclasses (``zmq``, ``unix``)
supply the sockets: ``_io_setup``, ``_io_poll``, ``_transmit``, ``_io_teardown``.

The parts, one concept a module, each class extending the one before it:
``_peer`` (an outgoing link), ``_link`` (state, options, what calling threads do),
``_io_loop`` (the I/O thread, the outbox, heartbeats, close), ``_inbound`` (opening and
handling what arrives, sending replies), ``_sync_asks`` (asks on the caller's own
channel); this module adds ``PeerTarget`` (what a ``Ref`` sends through), the
``Transport`` interface and fork safety.

Invariants:
- Only the I/O thread reads or writes sockets; other threads append to ``_outbox`` and
  write one byte to the wake-up pipe when the I/O thread may be asleep.
- A packet is opened (signature, replay, shape) before any entry in it is decoded;
  every drop is counted in ``stats()``; nothing from a peer can raise out of the loop.
- A pending ask ends exactly once: by its reply, by its peer's death, by ``close()``, or
  by its own expiry/timeout on the caller's side (then it is swept).
"""

from __future__ import annotations

import os
import threading
import weakref
from typing import Any

from symphony.actors._transport_api import RemoteTarget
from symphony.envelope import Message, encode
from symphony.errors import DeliveryError

from ._frames import PUB, SUB
from ._link import logger
from ._peer import Peer
from ._inbound import _delivery
from ._sync_asks import SyncAsks

__all__ = ["LinkedTransport", "Peer", "PeerTarget"]

_LIVE: weakref.WeakSet[LinkedTransport] = weakref.WeakSet()


class PeerTarget(RemoteTarget):
    """A ``Ref``'s target for an actor behind a ``LinkedTransport`` link.

    ``put`` hands the entry to the I/O thread. ``ask_inline`` (what ``Ref.ask`` tries
    first) does the whole exchange on the calling thread over a socket of that thread's
    own, if the transport offers one: no thread hand-off on the way out or back.

    Order per sending thread is kept: after a thread has sent to a peer through the I/O
    thread (``tell``, ``ask_async``), its next ``ask`` goes that way too (it must not
    overtake them on another connection); once that ask is answered, everything before
    it has arrived, and the thread's asks take the direct path again.
    """

    def __init__(self, transport: LinkedTransport, peer: Peer, name: str) -> None:
        super().__init__(transport.host, peer.endpoint, name)
        self._transport = transport
        self._peer = peer
        self.scheduled = not transport.sync_asks

    #: ``ask_inline(msg, future, timeout=None) -> bool``: the exchange on the calling thread
    #: (compiled with the rest of the per-message path in ``_delivery``).
    ask_inline = _delivery.peer_ask_inline

    @property
    def state(self) -> int:
        return 3 if self._transport._closed else 1

    #: ``put(msg, future, block_timeout=None)``: hand the entry to the I/O thread (``_delivery``).
    put = _delivery.peer_put


class LinkedTransport(SyncAsks):
    """Base of the packet transports (``zmq``, ``unix``); options in ``LinkBase``, the parts
    in the modules named in this module's docstring."""

    def __init__(self, host: Any, **options: Any) -> None:
        super().__init__(host, **options)
        self._start_io()
        _LIVE.add(self)

    def close(self, timeout: float = 1.0) -> bool:
        clean = super().close(timeout)
        _LIVE.discard(self)
        return clean

    # -- the Transport interface ------------------------------------------------------------

    def target(self, endpoint: str, actor: str) -> RemoteTarget:
        return PeerTarget(self, self._peer(self._normalize(endpoint)), actor)

    def _normalize(self, endpoint: str) -> str:
        return endpoint

    def connect(self, endpoint: str, timeout: float = 10.0) -> None:
        peer = self._peer(self._normalize(endpoint))
        self._submit(peer, SUB, None, [self.host._subscriptions(), True])
        if not peer.linked.wait(timeout):
            raise DeliveryError(f"no answer from {endpoint} within {timeout} s")

    def subscriptions_changed(self) -> None:
        prefixes = self.host._subscriptions()
        for peer in list(self._peers.values()):
            self._submit(peer, SUB, None, [prefixes, False])
        for origin in list(self._inbound_subs):
            self._submit(origin, SUB, None, [prefixes, False])

    def publish(self, topic: str, payload: Any) -> None:
        data = None
        links: list[tuple[Any, tuple[str, ...]]] = [(p, p.subs) for p in list(self._peers.values())]
        links += list(self._inbound_subs.items())
        for dest, subs in links:
            if any(topic.startswith(prefix) for prefix in subs):
                if data is None:
                    data = encode(Message(topic, payload))
                self._submit(dest, PUB, topic, data)

    def stats(self) -> dict[str, int]:
        out = dict(self.counters)
        out["pending_asks"] = len(self._pending)
        return out

    # -- fork -----------------------------------------------------------------------------

    def _after_fork_in_child(self) -> None:
        """The child of a fork gets fresh sockets and a fresh I/O thread; listening
        sockets stay the parent's, and asks in flight stay with the parent."""
        self._forget_io_after_fork()
        self._pending = {}
        self._inbound_subs = {}
        self._tls = threading.local()
        for peer in self._peers.values():
            peer.sock = None
            peer.suspect_since = None
            peer.dead = False
        if not self._closing:
            self._start_io()


def _after_fork_in_child() -> None:
    for transport in list(_LIVE):
        try:
            transport._after_fork_in_child()
        except Exception:  # noqa: BLE001
            logger.exception("could not renew %r after fork", transport)


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


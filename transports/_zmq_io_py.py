"""The ZeroMQ transport's socket work per packet, in pure Python: the twin of the compiled
``_zmq_io`` (same ``public_api``, same behaviour; ``symphony._twins`` picks one).

- ``SyncChannel``: a calling thread's own DEALER to one peer, for asks without a thread
  hand-off (``send(packet)``, ``recv(timeout) -> [packets]``);
- ``io_poll(self, timeout)``: the I/O thread's wait for a wake-up or a packet, handing each
  packet that arrived to ``self._on_packet`` (``ZmqTransport._io_poll``);
- ``wake(waker)``: the wake-up message other threads send to the I/O thread;
- ``transmit(self, dest, packet)``: send one packet to a ``Peer`` or an inbound origin
  ``(router, identity)`` (``ZmqTransport._transmit``).

The hot paths call pyzmq's compiled socket methods with plain int flags: pyzmq's Python
layer (``send_multipart``, ``recv_multipart``) and its enum flags (``Flag.__or__``,
``PollEvent.__and__`` run as Python code) cost microseconds a message.
"""

from __future__ import annotations

from typing import Any

import zmq

from symphony.errors import DeliveryError

from ._peer import Peer

__all__ = ["SyncChannel", "io_poll", "transmit", "wake"]

public_api = ["SyncChannel", "io_poll", "transmit", "wake"]

_NOBLOCK = int(zmq.NOBLOCK)
_SNDMORE_NOBLOCK = int(zmq.SNDMORE) | _NOBLOCK
_RCVTIMEO = int(zmq.RCVTIMEO)
_EHOSTUNREACH = zmq.EHOSTUNREACH
_Again = zmq.Again
_ZMQError = zmq.ZMQError
_send = zmq.backend.Socket.send
_recv = zmq.backend.Socket.recv
_setsockopt = zmq.backend.Socket.set
_zmq_poll = zmq.zmq_poll


class SyncChannel:
    """A calling thread's own DEALER to one peer, for asks without a thread hand-off."""

    __slots__ = ("sock", "_timeout_ms")

    def __init__(self, sock: zmq.Socket) -> None:
        self.sock = sock
        self._timeout_ms = -1

    def send(self, packet: bytes) -> None:
        """Send ``packet``; ``DeliveryError`` if the peer's queue is full."""
        try:
            _send(self.sock, packet, _NOBLOCK)
        except _Again:
            raise DeliveryError("the peer's queue is full") from None

    def recv(self, timeout: float) -> list[bytes]:
        """The packet that arrives within ``timeout`` s, as a list of one (empty if none did)."""
        ms = max(int(timeout * 1000.0), 1)
        if ms != self._timeout_ms:
            _setsockopt(self.sock, _RCVTIMEO, ms)
            self._timeout_ms = ms
        try:
            return [_recv(self.sock)]  # a blocking receive with a timeout: one call, no poller
        except _Again:
            return []


def wake(waker: Any) -> None:
    """Send the empty wake-up message on ``waker`` (the caller holds its lock); raises
    ``zmq.Again`` if its queue is full."""
    _send(waker, b"", _NOBLOCK)


def io_poll(self: Any, timeout: float) -> None:
    """Wait up to ``timeout`` s for a wake-up or a packet on a socket of ``self`` (a
    ``ZmqTransport``); hand each packet that arrived to ``self._on_packet``.

    With one socket (the home ROUTER: a node that listens and has no outgoing links), a
    blocking receive with a timeout: one call, no poller. Otherwise a poll, and one message
    per ready socket per call: the poll is level-triggered, so a socket with more waiting is
    ready again at once, and asking a socket whether it has more (a getsockopt) costs more
    than that. Tells arrive many to a packet anyway.
    """
    items = self._poll_items
    ms = int(timeout * 1000.0)
    if ms > 20:
        ms -= ms % 10  # fewer changes of the receive timeout; the loop wakes a little early
    if len(items) == 1:
        sock = items[0][0]
        if ms != self._home_timeout_ms:
            _setsockopt(sock, _RCVTIMEO, ms)
            self._home_timeout_ms = ms
        try:
            _from_router(self, sock, _recv(sock))
        except _Again:
            pass
        except _ZMQError:
            self.counters.bump("receive_errors")
        return
    sock_peer = self._sock_peer
    for sock, _ in _zmq_poll(items, ms):
        try:
            peer = sock_peer.get(sock)
            if peer is None:  # a ROUTER: the peer's identity, then the packet
                _from_router(self, sock, _recv(sock, _NOBLOCK))
                continue
            frame = _recv(sock, _NOBLOCK, False)  # an outgoing link: the packet alone
            if frame.more:  # more parts than a packet has: drop them all
                _drop_rest(self, sock, frame)
                continue
            self._on_packet(peer, frame.bytes)
        except _Again:
            continue
        except _ZMQError:
            self.counters.bump("receive_errors")


def _from_router(self: Any, sock: Any, identity: bytes) -> None:
    """Take the rest of a message whose first part (the sender's ``identity``) was received."""
    frame = _recv(sock, _NOBLOCK, False)
    if frame.more:  # more parts than a packet has: drop them all
        _drop_rest(self, sock, frame)
        return
    if identity == self._wake_id:
        self._wake_armed = False  # another thread woke this one: the loop flushes the outbox
        return
    self._on_packet((sock, identity), frame.bytes)


def _drop_rest(self: Any, sock: Any, frame: Any) -> None:
    while frame.more:
        frame = _recv(sock, _NOBLOCK, False)
    self.counters.bump("malformed")


def transmit(self: Any, dest: Any, packet: bytes) -> bool:
    """Send one packet to ``dest`` (a ``Peer``, or ``(router, identity)``). False if the socket
    would block (the packet is kept and retried); True once sent, or dropped and counted
    because an inbound peer went away before its reply."""
    try:
        if dest.__class__ is Peer:
            _send(dest.sock or self._connect_peer(dest), packet, _NOBLOCK)
        else:
            sock, identity = dest
            _send(sock, identity, _SNDMORE_NOBLOCK)
            _send(sock, packet, _NOBLOCK)
    except _Again:
        return False  # at the high-water mark: kept and retried
    except _ZMQError as exc:
        # EHOSTUNREACH: the inbound peer went away before its reply (ROUTER_MANDATORY).
        self.counters.bump("send_errors")
        if exc.errno != _EHOSTUNREACH:
            raise
    return True

# cython: language_level=3, boundscheck=False, wraparound=False
"""The ZeroMQ transport's socket work per packet, compiled: the twin of ``_zmq_io_py`` (same
``public_api``, same behaviour; ``symphony._twins`` picks one). See the twin's docstring.
"""

import zmq

from symphony.errors import DeliveryError

from ._peer import Peer

__all__ = ["SyncChannel", "io_poll", "transmit", "wake"]

public_api = ["SyncChannel", "io_poll", "transmit", "wake"]

cdef int _NOBLOCK = int(zmq.NOBLOCK)
cdef int _SNDMORE_NOBLOCK = int(zmq.SNDMORE) | _NOBLOCK
cdef int _RCVTIMEO = int(zmq.RCVTIMEO)
cdef object _EHOSTUNREACH = zmq.EHOSTUNREACH
cdef object _Again = zmq.Again
cdef object _ZMQError = zmq.ZMQError
cdef object _send = zmq.backend.Socket.send
cdef object _recv = zmq.backend.Socket.recv
cdef object _setsockopt = zmq.backend.Socket.set
cdef object _zmq_poll = zmq.zmq_poll


cdef class SyncChannel:
    """A calling thread's own DEALER to one peer, for asks without a thread hand-off."""

    cdef public object sock
    cdef int _timeout_ms

    def __init__(self, sock):
        self.sock = sock
        self._timeout_ms = -1

    def send(self, packet):
        """Send ``packet``; ``DeliveryError`` if the peer's queue is full."""
        try:
            _send(self.sock, packet, _NOBLOCK)
        except _Again:
            raise DeliveryError("the peer's queue is full") from None

    def recv(self, double timeout):
        """The packet that arrives within ``timeout`` s, as a list of one (empty if none did)."""
        cdef int ms = max(<int>(timeout * 1000.0), 1)
        if ms != self._timeout_ms:
            _setsockopt(self.sock, _RCVTIMEO, ms)
            self._timeout_ms = ms
        try:
            return [_recv(self.sock)]  # a blocking receive with a timeout: one call, no poller
        except _Again:
            return []


def wake(waker):
    """Send the empty wake-up message on ``waker`` (the caller holds its lock); raises
    ``zmq.Again`` if its queue is full."""
    _send(waker, b"", _NOBLOCK)


def io_poll(self, double timeout):
    """Wait up to ``timeout`` s for a wake-up or a packet on a socket of ``self`` (a
    ``ZmqTransport``); hand each packet that arrived to ``self._on_packet``.

    With one socket (the home ROUTER: a node that listens and has no outgoing links), a
    blocking receive with a timeout: one call, no poller. Otherwise a poll, and one message
    per ready socket per call: the poll is level-triggered, so a socket with more waiting is
    ready again at once, and asking a socket whether it has more (a getsockopt) costs more
    than that. Tells arrive many to a packet anyway.
    """
    items = self._poll_items
    cdef long ms = <long>(timeout * 1000.0)
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


cdef _from_router(self, sock, identity):
    """Take the rest of a message whose first part (the sender's ``identity``) was received."""
    frame = _recv(sock, _NOBLOCK, False)
    if frame.more:  # more parts than a packet has: drop them all
        _drop_rest(self, sock, frame)
        return
    if identity == self._wake_id:
        self._wake_armed = False  # another thread woke this one: the loop flushes the outbox
        return
    self._on_packet((sock, identity), frame.bytes)


cdef _drop_rest(self, sock, frame):
    while frame.more:
        frame = _recv(sock, _NOBLOCK, False)
    self.counters.bump("malformed")


def transmit(self, dest, packet):
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

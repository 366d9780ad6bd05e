"""``tcp://host:port`` and ``ipc:///path`` on ZeroMQ: a ROUTER to listen, a DEALER per peer.

Addresses: ``tcp://127.0.0.1:5555/echo`` (or ``tcp://127.0.0.1:5555#echo``) and
``ipc:///tmp/node.sock#echo``. Listening on port 0 binds a free port; ``node.address``
says which. An ``ipc`` socket file is made mode 0600 and removed on close.

ZeroMQ reconnects a DEALER to a peer that restarts by itself; heartbeats (see
``_engine``) tell a dead peer from a slow one. Sockets get high-water marks (``hwm``), a
``MAXMSGSIZE`` just above ``max_frame`` (a peer sending more is disconnected by ZeroMQ),
and ``linger`` on close so queued packets are flushed, and ZMTP heartbeats: a connection that
answers none for ``frame_timeout`` (a peer stalled in the middle of a message, whose
unfinished bytes ZeroMQ holds) is closed. ZeroMQ buffers a message before the node sees
it, so the total that unauthenticated tcp peers hold is bounded per connection
(``MAXMSGSIZE``) and in time, not across connections; CURVE authenticates peers first. With ``curve_secret_key`` /
``curve_public_key`` (and ``curve_server_key`` to call out), tcp traffic is encrypted with
CURVE; ``symphony keygen`` makes the keys.
"""

from __future__ import annotations

import ipaddress
import os
import socket as _socket
import threading
from typing import Any

import zmq

from symphony import _twins
from symphony.errors import DeliveryError, InsecureListen

from ._engine import LinkedTransport, Peer

__all__ = ["ZmqTransport", "is_loopback"]

_POLLIN = int(zmq.POLLIN)
#: The socket work per packet: compiled when built, else the pure twin (``_zmq_io_py``).
_zmq_io = _twins.load("symphony.transports._zmq_io")
_SyncChannel = _zmq_io.SyncChannel


def is_loopback(host: str) -> bool:
    """Whether ``host`` (an IP address or name) is a loopback address."""
    host = host.strip("[]")
    if host in ("localhost", "ip6-localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        try:
            return all(ipaddress.ip_address(info[4][0]).is_loopback
                       for info in _socket.getaddrinfo(host, None))
        except (OSError, ValueError):
            return False


class ZmqTransport(LinkedTransport):
    """ZeroMQ ROUTER/DEALER transport for ``tcp`` and ``ipc``; options in ``LinkedTransport``."""

    schemes = ("tcp", "ipc")
    sync_asks = True

    def __init__(self, host: Any, *, curve_secret_key: bytes | None = None,
                 curve_public_key: bytes | None = None, curve_server_key: bytes | None = None,
                 sync_asks: bool = True, **options: Any) -> None:
        self.sync_asks = bool(sync_asks)
        self.curve_secret_key = curve_secret_key
        self.curve_public_key = curve_public_key
        self.curve_server_key = curve_server_key
        self._routers: list[zmq.Socket] = []
        self._ipc_paths: list[str] = []
        self._sync_socks: list[zmq.Socket] = []
        self._sync_lock = threading.Lock()
        self._waker: zmq.Socket | None = None
        self._waker_lock = threading.Lock()
        super().__init__(host, **options)

    # -- I/O thread -------------------------------------------------------------------------

    def _io_setup(self) -> None:
        self._ctx = zmq.Context()
        #: What the I/O thread polls: (zmq socket, POLLIN); with one socket it blocks in its recv.
        self._poll_items: list[tuple[Any, int]] = []
        self._sock_peer: dict[zmq.Socket, Peer] = {}
        # The home ROUTER: every endpoint this transport listens on is bound to it (except tcp
        # with CURVE, which needs a socket of its own), and other threads wake the I/O thread
        # with an empty message to it from an inproc DEALER whose routing id is random (no
        # remote peer can take it: inproc is not reachable from outside, and the id is bound
        # first). So a node that listens and has no outgoing links waits in one blocking recv
        # on one socket: no poll, no pipe (a zmq_poll costs more per message than the recv).
        home = self._ctx.socket(zmq.ROUTER)
        self._configure(home)
        home.setsockopt(zmq.ROUTER_MANDATORY, 1)
        wake_endpoint = f"inproc://symphony-wake-{os.getpid()}-{os.urandom(8).hex()}"
        home.bind(wake_endpoint)
        self._wake_id = b"\0wake-" + os.urandom(16)
        waker = self._ctx.socket(zmq.DEALER)
        waker.setsockopt(zmq.LINGER, 0)
        waker.setsockopt(zmq.SNDHWM, 1000)
        waker.setsockopt(zmq.ROUTING_ID, self._wake_id)
        waker.connect(wake_endpoint)
        self._home = home
        self._home_timeout_ms = -1
        self._routers.append(home)
        self._poll_items.append((home, _POLLIN))
        with self._waker_lock:
            self._waker = waker

    def _wake(self) -> None:
        if not self._wake_armed:
            self._wake_armed = True
            with self._waker_lock:
                waker = self._waker
                if waker is not None:
                    try:
                        _zmq_io.wake(waker)
                    except zmq.ZMQError:  # full (a wake-up is pending anyway) or closing
                        pass

    def _configure(self, sock: zmq.Socket) -> None:
        sock.setsockopt(zmq.LINGER, 0)
        sock.setsockopt(zmq.SNDHWM, self.hwm)
        sock.setsockopt(zmq.RCVHWM, self.hwm)
        sock.setsockopt(zmq.MAXMSGSIZE, self.max_frame + 1024)
        # A peer stalled in the middle of a message (ZeroMQ buffers it) or of its handshake
        # answers no ZMTP heartbeat: it is disconnected after frame_timeout.
        ms = max(int(self.frame_timeout * 1000), 1)
        sock.setsockopt(zmq.HANDSHAKE_IVL, ms)
        sock.setsockopt(zmq.HEARTBEAT_IVL, max(ms // 2, 1))
        sock.setsockopt(zmq.HEARTBEAT_TIMEOUT, ms)

    def _bind(self, uri: str) -> str:
        if not (uri.startswith("tcp://") and self.curve_secret_key is not None):
            self._home.bind(uri)  # raises ZMQError, having bound nothing, if it cannot
            bound = self._home.getsockopt_string(zmq.LAST_ENDPOINT)
            return self._bound(bound)
        sock = self._ctx.socket(zmq.ROUTER)  # CURVE is a socket's mechanism: a ROUTER of its own
        self._configure(sock)
        sock.setsockopt(zmq.ROUTER_MANDATORY, 1)
        sock.curve_secretkey = self.curve_secret_key
        sock.curve_publickey = self.curve_public_key
        sock.curve_server = True
        try:
            sock.bind(uri)
        except zmq.ZMQError:
            sock.close(0)
            raise
        self._routers.append(sock)
        self._poll_items.append((sock, _POLLIN))
        return self._bound(sock.getsockopt_string(zmq.LAST_ENDPOINT))

    def _bound(self, bound: str) -> str:
        """Note what was bound (an ipc socket file is made mode 0600 and removed on close)."""
        if bound.startswith("ipc://"):
            path = bound[len("ipc://"):]
            try:
                os.chmod(path, 0o600)
            except OSError:
                pass
            self._ipc_paths.append(path)
        return bound

    def _dealer(self, endpoint: str) -> zmq.Socket:
        """A DEALER connected to ``endpoint``, configured like every socket of this transport."""
        sock = self._ctx.socket(zmq.DEALER)
        self._configure(sock)
        sock.setsockopt(zmq.RECONNECT_IVL, 100)
        sock.setsockopt(zmq.RECONNECT_IVL_MAX, 2000)
        self._curve_client(sock, endpoint)
        sock.connect(endpoint)
        return sock

    def _connect_peer(self, peer: Peer) -> zmq.Socket:
        sock = self._dealer(peer.endpoint)
        peer.sock = sock
        self._sock_peer[sock] = peer
        self._poll_items.append((sock, _POLLIN))
        return sock

    # -- asks on the caller's own socket ------------------------------------------------------

    def _open_sync_channel(self, peer: Peer) -> Any:
        with self._sync_lock:
            if self._closing:
                raise DeliveryError("the node's transport is closed")
            sock = self._dealer(peer.endpoint)
            self._sync_socks.append(sock)
        return _SyncChannel(sock)

    def _curve_client(self, sock: zmq.Socket, endpoint: str) -> None:
        if endpoint.startswith("tcp://") and self.curve_server_key is not None:
            if self.curve_secret_key is not None:
                sock.curve_secretkey = self.curve_secret_key
                sock.curve_publickey = self.curve_public_key
            else:
                public, secret = zmq.curve_keypair()
                sock.curve_secretkey = secret
                sock.curve_publickey = public
            sock.curve_serverkey = self.curve_server_key

    #: ``_io_poll(timeout)``: wait for a wake-up or a packet; each packet that arrived goes to
    #: ``_on_packet`` (``_zmq_io.io_poll``).
    _io_poll = _zmq_io.io_poll
    #: ``_transmit(dest, packet) -> bool``: send one packet (``_zmq_io.transmit``).
    _transmit = _zmq_io.transmit

    def _io_teardown(self, linger: float) -> None:
        ms = int(linger * 1000)
        with self._waker_lock:
            if self._waker is not None:
                self._waker.close(0)
                self._waker = None
        for sock in list(self._sock_peer):
            sock.close(ms)
        with self._sync_lock:
            # Sockets of calling threads: closed here, as Context.destroy would (the node is stopping).
            for sock in self._sync_socks:
                sock.close(0)
            self._sync_socks = []
        for sock in self._routers:
            sock.close(0)
        self._ctx.term()
        for path in self._ipc_paths:
            try:
                os.unlink(path)
            except OSError:
                pass

    def _forget_io_after_fork(self) -> None:
        self._waker = None
        self._waker_lock = threading.Lock()
        self._routers = []
        self._ipc_paths = []
        self._sync_socks = []
        self._sync_lock = threading.Lock()

    # -- Transport ------------------------------------------------------------------------

    def listen(self, uri: str) -> str:
        scheme, _, rest = uri.partition("://")
        if scheme == "tcp":
            hostport = rest.split("/", 1)[0].split("#", 1)[0]
            host = hostport.rsplit(":", 1)[0] if ":" in hostport else hostport
            if host in ("*", "0.0.0.0", "::", "[::]") or not is_loopback(host):
                if self.secret is None and not self.insecure:
                    raise InsecureListen(
                        f"refusing to listen on non-loopback {uri} without a secret; "
                        "pass secret=... (or insecure=True to accept the risk)")
            uri = f"tcp://{hostport}"
        elif scheme == "ipc":
            uri = uri.split("#", 1)[0]
        else:
            raise ValueError(f"ZmqTransport cannot listen on {uri!r}")
        return self._call(lambda: self._bind(uri))

    def _normalize(self, endpoint: str) -> str:
        if endpoint.startswith("tcp://"):
            return endpoint.rstrip("/")
        return endpoint

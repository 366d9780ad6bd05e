"""``unix:///path``: plain Unix stream sockets with length-prefixed packets.

Addresses: ``unix:///tmp/node.sock#echo``. The socket file is created mode 0600 (only
its owner may connect) and removed on close; a stale file left by a dead process is
replaced, a live one is refused. Each packet travels as a big-endian ``u32`` length and
the packet (see ``_frames``). A connection that sends a length over ``max_frame``,
garbage or a truncated packet is closed and counted; every other connection goes on.
A peer that goes away fails the asks waiting on it at once (``DeliveryError``); the next
message to it reconnects.

Memory a peer can pin: a connection is *unverified* until one of its packets has opened
(signature, replay and shape checked). What unverified connections hold of unfinished
frames counts against one total, ``unverified_buffer`` (bytes, default the larger of
32 MiB and ``max_frame``); past it, the unverified connection holding most is dropped and
counted (``unverified_overflow``). A frame that has not arrived whole ``frame_timeout``
seconds after it began drops its connection (``frame_timeouts``), verified or not.
``stats()["unverified_buffered"]`` is the total held now.
"""

from __future__ import annotations

import errno
import os
import selectors
import socket
import stat
import threading
import time
from typing import Any

from symphony.errors import DeliveryError

from ._engine import LinkedTransport, Peer
from ._frames import DEFAULT_MAX_FRAME, FrameError, StreamDecoder, pack_stream

__all__ = ["UnixTransport"]

_READ = selectors.EVENT_READ
_WRITE = selectors.EVENT_WRITE
_mono = time.monotonic


def _path_of(uri: str) -> str:
    path = uri.split("://", 1)[1].split("#", 1)[0]
    if not path.startswith("/"):
        raise ValueError(f"unix addresses take an absolute path: unix:///path, not {uri!r}")
    return path


class _Conn:
    """One stream connection owned by the I/O thread (inbound, or a peer's outgoing one)."""

    __slots__ = ("sock", "decoder", "wbuf", "peer", "events", "verified", "held", "frame_began",
                 "__weakref__")

    def __init__(self, sock: socket.socket, max_frame: int, peer: Peer | None) -> None:
        self.sock = sock
        self.decoder = StreamDecoder(max_frame)
        self.wbuf = bytearray()
        self.peer = peer
        self.events = _READ
        #: Set once a packet from this connection has opened: it proved who it is.
        self.verified = False
        #: Bytes of an unfinished frame this (unverified) connection counts in the total.
        self.held = 0
        #: When the unfinished frame began arriving (monotonic), None when there is none.
        self.frame_began: float | None = None


class _SyncChannel:
    """A calling thread's own blocking connection to one peer."""

    __slots__ = ("sock", "decoder", "path")

    def __init__(self, path: str, max_frame: int) -> None:
        self.path = path
        self.decoder = StreamDecoder(max_frame)
        self.sock: socket.socket | None = None

    def _connected(self) -> socket.socket:
        if self.sock is None:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                sock.connect(self.path)
            except OSError as exc:
                sock.close()
                raise DeliveryError(f"cannot connect: {exc.strerror or exc}") from None
            self.sock = sock
            self.decoder = StreamDecoder(self.decoder.max_frame)
        return self.sock

    def send(self, packet: bytes) -> None:
        sock = self._connected()
        try:
            sock.sendall(pack_stream(packet))
        except OSError as exc:
            self.close()
            # The peer may have restarted since this connection was made: try once afresh.
            sock = self._connected()
            try:
                sock.sendall(pack_stream(packet))
            except OSError:
                self.close()
                raise DeliveryError(f"connection lost: {exc.strerror or exc}") from None

    def recv(self, timeout: float) -> list[bytes]:
        sock = self.sock
        if sock is None:
            raise DeliveryError("connection lost")
        sock.settimeout(timeout)
        try:
            data = sock.recv(262144)
        except socket.timeout:
            return []
        except OSError as exc:
            self.close()
            raise DeliveryError(f"connection lost: {exc.strerror or exc}") from None
        if not data:
            self.close()
            raise DeliveryError("the peer closed the connection")
        try:
            return self.decoder.feed(data)
        except FrameError as exc:
            self.close()
            raise DeliveryError(f"bad stream from the peer: {exc}") from None

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None


class UnixTransport(LinkedTransport):
    """Unix stream socket transport; options in ``LinkedTransport``."""

    schemes = ("unix",)
    sync_asks = True

    def __init__(self, host: Any, *, unverified_buffer: int | None = None, **options: Any) -> None:
        self._listeners: dict[socket.socket, str] = {}
        self._conns: dict[socket.socket, _Conn] = {}
        #: Connections with an unfinished frame, and the total unverified ones hold.
        self._partial: set[_Conn] = set()
        self._unverified_held = 0
        self._next_sweep = 0.0
        max_frame = int(options.get("max_frame", DEFAULT_MAX_FRAME))
        self.unverified_buffer = int(unverified_buffer if unverified_buffer is not None
                                     else max(32 * 1024 * 1024, max_frame))
        self._sync_channels: list[_SyncChannel] = []
        self._sync_lock = threading.Lock()
        super().__init__(host, **options)

    # -- I/O thread -------------------------------------------------------------------------

    def _io_setup(self) -> None:
        self._sel = selectors.DefaultSelector()
        self._sel.register(self._wake_r, _READ, None)

    def _bind(self, path: str) -> str:
        if os.path.exists(path):
            if not stat.S_ISSOCK(os.stat(path).st_mode):
                raise FileExistsError(f"{path} exists and is not a socket")
            probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                probe.connect(path)
            except OSError:
                os.unlink(path)  # stale: its process is gone
            else:
                raise OSError(errno.EADDRINUSE, f"another process listens on {path}")
            finally:
                probe.close()
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.bind(path)
            os.chmod(path, 0o600)  # before listen(): nobody can connect in between
            sock.listen(128)
        except OSError:
            sock.close()
            raise
        sock.setblocking(False)
        self._listeners[sock] = path
        self._sel.register(sock, _READ, "listen")
        return f"unix://{path}"

    def _add_conn(self, sock: socket.socket, peer: Peer | None) -> _Conn:
        sock.setblocking(False)
        conn = _Conn(sock, self.max_frame, peer)
        self._conns[sock] = conn
        self._sel.register(sock, _READ, conn)
        return conn

    def _drop_conn(self, conn: _Conn, reason: str) -> None:
        sock = conn.sock
        if self._conns.pop(sock, None) is None:
            return
        try:
            self._sel.unregister(sock)
        except (KeyError, ValueError):
            pass
        sock.close()
        self.counters.bump(reason)
        self._partial.discard(conn)
        self._unverified_held -= conn.held
        conn.held = 0
        if conn.wbuf:
            self.counters.bump("dropped_unsent")
        self._inbound_subs.pop(conn, None)
        peer = conn.peer
        if peer is not None and peer.sock is conn:
            peer.sock = None
            self._fail_peer(peer, "the connection was lost")

    def _fail_peer(self, peer: Peer, why: str) -> None:
        pending = self._pending
        for key, (future, owner, address) in list(pending.items()):
            if owner is peer:
                pending.pop(key, None)
                future.set_exception(DeliveryError(f"{address}: {why}"))

    def _connect_peer(self, peer: Peer) -> _Conn | None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.connect(_path_of(peer.endpoint))
        except OSError:
            sock.close()
            return None
        conn = self._add_conn(sock, peer)
        peer.sock = conn
        return conn

    def _io_poll(self, timeout: float) -> None:
        if self._partial:
            now = _mono()
            if now >= self._next_sweep:
                self._sweep(now)
            timeout = min(timeout, max(self._next_sweep - now, 0.0))
        for key, events in self._sel.select(timeout):
            data = key.data
            if data is None:
                self._woken()
            elif data == "listen":
                self._accept(key.fileobj)  # type: ignore[arg-type]
            else:
                if events & _WRITE:
                    self._write(data)
                if events & _READ:
                    self._read(data)

    def _accept(self, listener: socket.socket) -> None:
        for _ in range(64):
            try:
                sock, _ = listener.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                self.counters.bump("accept_errors")
                return
            self._add_conn(sock, None)

    def _read(self, conn: _Conn) -> None:
        if conn.sock not in self._conns:
            return
        size = 262144
        if not conn.verified:  # read no more than the unverified total may still hold
            while self._unverified_held >= self.unverified_buffer:
                if not self._drop_largest():
                    break
                if conn.sock not in self._conns:
                    return
            size = max(1, min(size, self.unverified_buffer - self._unverified_held))
        try:
            data = conn.sock.recv(size)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            self._drop_conn(conn, "disconnects")
            return
        if not data:
            if conn.decoder.buffered:
                self.counters.bump("truncated")
            self._drop_conn(conn, "disconnects")
            return
        decoder = conn.decoder
        try:
            packets = decoder.feed(data)
        except FrameError:
            self.counters.bump("malformed")
            self._drop_conn(conn, "bad_streams")
            return
        if packets:
            origin: Any = conn.peer if conn.peer is not None else conn
            for packet in packets:
                if self._on_packet(origin, packet):
                    conn.verified = True
            if conn.sock not in self._conns:
                return
        if packets or decoder.buffered or conn.frame_began is not None:
            self._account(conn, packets)

    def _account(self, conn: _Conn, completed: list[bytes]) -> None:
        """Track ``conn``'s unfinished frame: when it began, and what it counts in the total
        held by unverified connections (dropping the largest holders past the bound)."""
        buffered = conn.decoder.buffered
        if not buffered:
            conn.frame_began = None
            self._partial.discard(conn)
        elif completed or conn.frame_began is None:
            conn.frame_began = _mono()
            if not self._partial:
                self._next_sweep = conn.frame_began + self.frame_timeout
            self._partial.add(conn)
        held = 0 if conn.verified else buffered
        if held != conn.held:
            self._unverified_held += held - conn.held
            conn.held = held
            if self._unverified_held > self.unverified_buffer:
                self._shed()

    def _shed(self) -> None:
        """Drop the unverified connections holding most until the total is within the bound."""
        while self._unverified_held > self.unverified_buffer:
            if not self._drop_largest():
                return

    def _drop_largest(self) -> bool:
        """Drop the unverified connection holding most; False when none holds anything."""
        holders = [c for c in self._partial if c.held]
        if not holders:
            return False
        self._drop_conn(max(holders, key=lambda c: c.held), "unverified_overflow")
        return True

    def _sweep(self, now: float) -> None:
        """Drop connections whose frame began more than ``frame_timeout`` s ago."""
        cutoff = now - self.frame_timeout
        for conn in [c for c in self._partial if c.frame_began is not None and c.frame_began <= cutoff]:
            self._drop_conn(conn, "frame_timeouts")
        began = [c.frame_began for c in self._partial if c.frame_began is not None]
        self._next_sweep = (min(began) if began else now) + self.frame_timeout

    def _write(self, conn: _Conn) -> None:
        buf = conn.wbuf
        if buf:
            try:
                sent = conn.sock.send(buf)
            except (BlockingIOError, InterruptedError):
                sent = 0
            except OSError:
                self._drop_conn(conn, "disconnects")
                return
            del buf[:sent]
        want = _READ | _WRITE if buf else _READ
        if want != conn.events and conn.sock in self._conns:
            conn.events = want
            self._sel.modify(conn.sock, want, conn)

    def _transmit(self, dest: Any, packet: bytes) -> bool:
        if dest.__class__ is Peer:
            conn = dest.sock or self._connect_peer(dest)
            if conn is None:
                return False  # not listening (yet, or again): kept and retried
        else:
            conn = dest
            if conn.sock not in self._conns:
                self.counters.bump("dropped_disconnected")  # the asker went away
                return True
        if len(conn.wbuf) > self.hwm * 64:
            return False  # the peer is not reading: kept and retried
        conn.wbuf += pack_stream(packet)
        self._write(conn)
        return True

    def _io_teardown(self, linger: float) -> None:
        deadline = _mono() + linger
        while _mono() < deadline and any(c.wbuf for c in self._conns.values()):
            for key, events in self._sel.select(max(deadline - _mono(), 0.0)):
                if isinstance(key.data, _Conn) and events & _WRITE:
                    self._write(key.data)
        for conn in list(self._conns.values()):
            conn.sock.close()
        self._conns.clear()
        for sock, path in self._listeners.items():
            sock.close()
            try:
                os.unlink(path)
            except OSError:
                pass
        self._listeners.clear()
        with self._sync_lock:
            for channel in self._sync_channels:
                channel.close()
            self._sync_channels = []
        self._sel.close()

    def stats(self) -> dict[str, int]:
        out = super().stats()
        out["unverified_buffered"] = self._unverified_held
        return out

    def _forget_io_after_fork(self) -> None:
        self._listeners = {}
        self._conns = {}
        self._partial = set()
        self._unverified_held = 0
        self._sync_channels = []
        self._sync_lock = threading.Lock()

    # -- asks on the caller's own connection ---------------------------------------------

    def _open_sync_channel(self, peer: Peer) -> _SyncChannel:
        channel = _SyncChannel(_path_of(peer.endpoint), self.max_frame)
        with self._sync_lock:
            self._sync_channels.append(channel)
        return channel

    # -- Transport ------------------------------------------------------------------------

    def listen(self, uri: str) -> str:
        path = _path_of(uri)
        return self._call(lambda: self._bind(path))  # type: ignore[no-any-return]

    def _normalize(self, endpoint: str) -> str:
        return f"unix://{_path_of(endpoint)}"

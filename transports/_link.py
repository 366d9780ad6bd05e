"""The state and options every packet transport shares, and what calling threads do with it.

``LinkBase`` holds the options (see its docstring), the counters and the framer, the outbox
other threads hand entries to, the table of pending asks and the peers; its methods are the
ones calling threads use (hand an entry over, wake the I/O thread, wait for room) and the
hooks a transport supplies (``_io_setup``, ``_io_poll``, ``_transmit``, ``_io_teardown``).
The I/O thread's loop is ``_io_loop``, what arrives is ``_inbound``, asks on the caller's
own channel are ``_sync_asks``; ``_engine.LinkedTransport`` puts them together.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import deque
from typing import Any, Callable

import msgpack

from symphony.actors._future import Future
from symphony.actors._transport_api import Transport
from symphony.envelope import Message
from symphony.errors import DeliveryError

from ._frames import DEFAULT_MAX_FRAME, Counters, Framer, node_nonces
from ._peer import Peer

__all__ = ["LinkBase", "logger"]

logger = logging.getLogger("symphony.transports")
_mono = time.monotonic
_get_ident = threading.get_ident
#: ``Packer().pack(x)`` is ``packb(x)`` without its Python wrapper.
_Packer = msgpack.Packer
_unpackb = msgpack.unpackb


class LinkBase(Transport):
    """Base of the packet transports; see the module docstring.
    
    Options (``Node(transport_options={...})``): ``max_frame`` (bytes, default 16 MiB),
    ``replay_window`` (s, 60), ``heartbeat`` (s between pings, 1.0), ``heartbeat_timeout``
    (s of silence before a peer is dead, default 3 heartbeats), ``max_pending`` (asks in
    flight, 100,000), ``max_queued`` (messages waiting to go out, 100,000: a peer that
    cannot keep up or is unreachable makes them wait, in order, rather than be dropped),
    ``overflow`` (``"raise"`` a ``DeliveryError`` or ``"block"`` the caller when one of
    those bounds is hit), ``hwm`` (ZeroMQ high-water mark per socket), ``batch``
    (largest number of entries per packet), ``inline`` (handle an ask to an idle actor on
    the I/O thread, default True: no thread hand-off; an actor earns it by answering three
    asks in a row within ``inline_budget`` s, default 0.005, loses it when it is slower
    there, and after three such times, or once it asks another node without waiting from
    there, never runs there again), ``frame_timeout`` (s, default 10: a connection whose
    frame has not arrived whole that long after it began is dropped, so a stalled peer cannot
    hold a buffer or a socket for ever).
    """

    #: Whether ``_sync_ask`` is implemented (an ask can run on the caller's own socket).
    sync_asks = False

    # Made by ``_start_io`` (``_io_loop``) when the I/O thread starts, and again after a fork.
    _outbox: deque[tuple[Any, int, Any, Any]]
    _calls: deque[tuple[Callable[[], Any], list[Any], threading.Event]]
    _wake_r: int
    _wake_w: int
    _wake_armed: bool
    _thread: threading.Thread

    def __init__(self, host: Any, *, secret: bytes | None = None, insecure: bool = False,
                 max_frame: int = DEFAULT_MAX_FRAME, replay_window: float = 60.0, heartbeat: float = 1.0,
                 heartbeat_timeout: float | None = None, max_pending: int = 100_000,
                 overflow: str = "raise", max_queued: int = 100_000, hwm: int = 100_000, batch: int = 512,
                 linger: float = 1.0, inline: bool = True, inline_budget: float = 0.005,
                 frame_timeout: float = 10.0, **options: Any) -> None:
        super().__init__(host, secret=secret, insecure=insecure, **options)
        if overflow not in ("raise", "block"):
            raise ValueError("overflow must be 'raise' or 'block'")
        self.counters = Counters()
        # One nonce window per node, whichever of its transports a packet comes in by.
        self.framer = Framer(secret, replay_window=replay_window, max_frame=max_frame, counters=self.counters,
                             nonces=node_nonces(host, replay_window))
        self.max_frame = int(max_frame)
        if not frame_timeout > 0:
            raise ValueError("frame_timeout must be a number of seconds > 0")
        self.frame_timeout = float(frame_timeout)
        #: Largest encoded message that still fits a packet with its framing.
        self._entry_limit = self.max_frame - 256
        self.heartbeat = float(heartbeat)
        self.heartbeat_timeout = float(heartbeat_timeout if heartbeat_timeout is not None else 3 * heartbeat)
        self.max_pending = int(max_pending)
        self.overflow = overflow
        self.max_queued = int(max_queued)
        self._backlog: dict[Any, deque[bytes]] = {}
        self._backlog_size = 0
        self.hwm = int(hwm)
        self.batch = max(1, int(batch))
        self.inline = bool(inline)
        self.inline_budget = float(inline_budget)
        self._no_inline: set[str] = set()
        self._slow_inline: dict[str, int] = {}
        self._fast_runs: dict[str, int] = {}
        self._inline_name: str | None = None
        self._io_ident = 0
        self._tls = threading.local()
        self._pending: dict[Any, tuple[Future[Any], Peer, str]] = {}
        self._peers: dict[str, Peer] = {}
        self._inbound_subs: dict[Any, tuple[str, ...]] = {}
        self._closed = False
        self._closing = False
        self._close_deadline = 0.0

    def _start_io(self) -> None:
        """Start the I/O thread (``_io_loop`` runs it)."""
        raise NotImplementedError

    # -- subclass hooks (run on the I/O thread) ---------------------------------------------

    def _io_setup(self) -> None:
        """Create what the I/O loop needs (contexts, pollers)."""

    def _io_poll(self, timeout: float) -> None:
        """Wait up to ``timeout`` s for the wake-up pipe or a socket; hand every packet that
        arrived to ``_on_packet`` and call ``_woken`` if the pipe was readable."""
        raise NotImplementedError

    def _transmit(self, dest: Any, packet: bytes) -> bool:
        """Send one packet to ``dest`` (a ``Peer`` or an inbound origin). False if the socket
        would block (the packet is kept and retried); True once sent, or dropped and counted
        because ``dest`` is gone for good."""
        raise NotImplementedError

    def _io_teardown(self, linger: float) -> None:
        """Close every socket, letting queued packets go for up to ``linger`` s."""

    def _forget_io_after_fork(self) -> None:
        """Drop (without closing) every socket inherited from the parent process."""

    # -- calling threads ------------------------------------------------------------------

    def _wake(self) -> None:
        if not self._wake_armed:
            self._wake_armed = True
            try:
                os.write(self._wake_w, b"\0")
            except BlockingIOError:
                pass
            except OSError:
                if not self._closed:
                    raise

    def _submit(self, dest: Any, op: int, name: Any, data: Any) -> None:
        self._outbox.append((dest, op, name, data))
        if not self._wake_armed:
            self._wake()

    def _call(self, fn: Callable[[], Any]) -> Any:
        """Run ``fn`` on the I/O thread and return its result (or raise its exception)."""
        if threading.current_thread() is self._thread:
            return fn()
        if self._closed:
            raise DeliveryError("transport is closed")
        box: list[Any] = []
        done = threading.Event()
        self._calls.append((fn, box, done))
        self._wake_armed = False
        self._wake()
        if not done.wait(30.0):
            raise DeliveryError("transport I/O thread did not answer")
        if box[0]:
            raise box[1]
        return box[1]

    def _too_big(self, msg: Message[Any], size: int, address: str) -> None:
        self.counters.bump("refused_oversized")
        raise DeliveryError(f"{msg._kind!r} to {address} is {size} bytes encoded, over max_frame "
                            f"({self.max_frame}); nothing was sent")

    def _dirty(self) -> set[Peer]:
        """The peers this thread has sent to through the I/O thread since its last answered ask."""
        tls = self._tls
        try:
            return tls.dirty  # type: ignore[no-any-return]
        except AttributeError:
            tls.dirty = set()
            return tls.dirty  # type: ignore[no-any-return]

    def _wait_pending_room(self, msg: Message[Any], timeout: float | None) -> None:
        if self.overflow == "raise":
            self.counters.bump("pending_full")
            raise DeliveryError(f"{self.max_pending} asks already pending; {msg._kind!r} not sent")
        deadline = msg._deadline
        if timeout is not None:
            deadline = _mono() + timeout if deadline is None else min(deadline, _mono() + timeout)
        while len(self._pending) >= self.max_pending:
            if self._closed or (deadline is not None and _mono() >= deadline):
                raise DeliveryError(f"{self.max_pending} asks stayed pending; {msg._kind!r} not sent")
            time.sleep(0.001)

    def _wait_queue_room(self, msg: Message[Any], address: str) -> None:
        """Called by a sender when more than ``max_queued`` entries and packets wait to go out."""
        if self.overflow == "raise" or _get_ident() == self._io_ident:
            self.counters.bump("queue_full")
            raise DeliveryError(f"{self.max_queued} messages already wait to go out; {msg._kind!r} "
                                f"to {address} not sent")
        while len(self._outbox) + self._backlog_size > self.max_queued:
            if self._closing:
                raise DeliveryError(f"{msg._kind!r} to {address} not sent: the transport is closing")
            time.sleep(0.001)

    def _peer(self, endpoint: str) -> Peer:
        peer = self._peers.get(endpoint)
        if peer is None:
            peer = self._peers.setdefault(endpoint, Peer(endpoint))
        return peer

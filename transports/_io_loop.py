"""The I/O thread of a packet transport: its loop, the outbox flushed as one signed packet
per peer, the backlog of packets a socket could not take yet, heartbeats, and close.

Only this thread reads or writes sockets; other threads append to ``_outbox`` and write
one byte to the wake-up pipe when the thread may be asleep. A peer that answers nothing
for ``heartbeat_timeout`` seconds is declared dead and its pending asks fail at once.
"""

from __future__ import annotations

import errno
import os
import threading
from collections import deque
from typing import Any, Callable

from symphony import _twins
from symphony.actors._future import Future
from symphony.errors import DeliveryError

from ._frames import PING, SUB
from ._link import LinkBase, _get_ident, _mono, logger
from ._peer import Peer

__all__ = ["IOLoop"]

#: The per-message path: compiled when built, else the pure twin (``_delivery_py``).
_delivery = _twins.load("symphony.transports._delivery")


class IOLoop(LinkBase):
    """``LinkBase`` with its I/O thread; see the module docstring."""

    def _start_io(self) -> None:
        """Start the I/O thread, with a fresh outbox and wake-up pipe."""
        self._outbox: deque[tuple[Any, int, Any, Any]] = deque()
        self._calls: deque[tuple[Callable[[], Any], list[Any], threading.Event]] = deque()
        self._wake_r, self._wake_w = os.pipe()
        os.set_blocking(self._wake_r, False)
        os.set_blocking(self._wake_w, False)
        self._wake_armed = False
        self._pid = os.getpid()
        self._thread = threading.Thread(target=self._run, name=f"symphony-{type(self).__name__}", daemon=True)
        self._ready = threading.Event()
        self._thread.start()
        self._ready.wait()

    def close(self, timeout: float = 1.0) -> bool:
        if self._closing:
            self._thread.join(timeout)
            return not self._thread.is_alive()
        self._close_deadline = _mono() + max(timeout, 0.0)
        self._closing = True
        self._wake_armed = False
        self._wake()
        self._thread.join(max(timeout, 0.0) + 2.0)
        clean = not self._thread.is_alive()
        self._closed = True
        for key, (future, _peer, address) in list(self._pending.items()):
            self._pending.pop(key, None)
            future.set_exception(DeliveryError(f"no reply from {address}: the node stopped"))
        if clean:
            for fd in (self._wake_r, self._wake_w):
                try:
                    os.close(fd)
                except OSError:
                    pass
        return clean

    def _run(self) -> None:
        self._io_ident = _get_ident()
        try:
            self._io_setup()
        finally:
            self._ready.set()
        try:
            _delivery.serve(self)
        except Exception:  # noqa: BLE001 - must never happen; log it rather than die silently
            logger.exception("transport I/O loop failed")
        finally:
            self._flush()
            while self._backlog and _mono() < self._close_deadline:
                self._io_poll(0.01)
                self._retry_backlog()
            if self._backlog_size:
                self.counters.bump("dropped_at_close", self._backlog_size)
                logger.warning("%d packets could not be sent before the transport closed", self._backlog_size)
            try:
                self._io_teardown(max(self._close_deadline - _mono(), 0.0))
            except Exception:  # noqa: BLE001
                logger.exception("transport teardown failed")

    def _woken(self) -> None:
        try:
            while os.read(self._wake_r, 4096):
                pass
        except BlockingIOError:
            pass
        except OSError as exc:
            if exc.errno != errno.EBADF:
                raise
        self._wake_armed = False

    def _run_calls(self) -> None:
        calls = self._calls
        while calls:
            fn, box, done = calls.popleft()
            try:
                box[:] = [False, fn()]
            except BaseException as exc:  # noqa: BLE001 - handed back to the caller
                box[:] = [True, exc]
            done.set()

    #: ``_flush()``: retry the backlog, then send everything in the outbox, one signed packet
    #: per destination (up to ``batch`` entries each), in order (``_delivery.flush``).
    _flush = _delivery.flush

    def _send_packet(self, dest: Any, packet: bytes) -> None:
        """Transmit, or keep the packet (in order) for later if the socket would block."""
        queue = self._backlog.get(dest)
        if queue:
            queue.append(packet)
            self._backlog_size += 1
        elif not self._transmit(dest, packet):
            self._backlog.setdefault(dest, deque()).append(packet)
            self._backlog_size += 1

    def _retry_backlog(self) -> None:
        for dest, queue in list(self._backlog.items()):
            while queue and self._transmit(dest, queue[0]):
                queue.popleft()
                self._backlog_size -= 1
            if not queue:
                del self._backlog[dest]

    def _tick(self, now: float) -> None:
        timeout = self.heartbeat_timeout
        for peer in list(self._peers.values()):
            if peer.suspect_since is None:
                continue
            if now - peer.suspect_since > timeout:
                self._peer_dead(peer, now)
            if now - peer.last_ping >= self.heartbeat * 0.9:
                peer.last_ping = now
                self._outbox.append((peer, PING, None, None))
        pending = self._pending
        for key, (future, _peer, _address) in list(pending.items()):
            if future.done():
                pending.pop(key, None)
        self._flush()

    def _peer_dead(self, peer: Peer, now: float) -> None:
        if not peer.dead:
            logger.info("peer %s stopped answering heartbeats", peer.endpoint)
        peer.dead = True
        peer.suspect_since = now
        self.counters.bump("peer_timeouts")
        pending = self._pending
        for key, (future, owner, address) in list(pending.items()):
            if owner is peer:
                pending.pop(key, None)
                future.set_exception(DeliveryError(
                    f"{address} is unreachable: no answer for {self.heartbeat_timeout} s"))

    def _peer_heard(self, peer: Peer) -> None:
        peer.last_heard = _mono()
        peer.suspect_since = None
        if peer.dead:
            peer.dead = False
            logger.info("peer %s is back", peer.endpoint)
            prefixes = self.host._subscriptions()
            if prefixes:
                self._outbox.append((peer, SUB, None, [prefixes, True]))

    def _pump_until(self, future: Future[Any]) -> None:
        """Run the I/O loop re-entrantly (on the I/O thread) until ``future`` is resolved."""
        if self._inline_name is not None:
            self._no_inline.add(self._inline_name)
        while not future.done() and not self._closing:
            self._flush()
            self._io_poll(0.05)
            now = _mono()
            deadline = future._deadline
            if deadline is not None and now >= deadline:
                future._expire()
            self._tick(now)

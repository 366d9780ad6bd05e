"""What every packet-based transport does the same way, whatever carries the bytes.

``LinkedTransport`` owns: one I/O thread per transport instance (the only thread touching
its sockets), the outbox other threads hand entries to (a deque and a wake-up pipe; many
entries to one peer leave as one signed packet), the table of pending asks (keyed by
message id; replies resolve them by correlation id), heartbeats (a peer that answers
nothing for ``heartbeat_timeout`` seconds is declared dead and its pending asks fail with
``DeliveryError`` at once), the bus links, and fork safety. Subclasses (``zmq``, ``unix``)
supply the sockets: ``_io_setup``, ``_io_poll``, ``_transmit``, ``_io_teardown``.

Invariants:
- Only the I/O thread reads or writes sockets; other threads append to ``_outbox`` and
  write one byte to the wake-up pipe when the I/O thread may be asleep.
- A packet is opened (signature, replay, shape) before any entry in it is decoded;
  every drop is counted in ``stats()``; nothing from a peer can raise out of the loop.
- A pending ask ends exactly once: by its reply, by its peer's death, by ``close()``, or
  by its own expiry/timeout on the caller's side (then it is swept).
"""

from __future__ import annotations

import errno
import functools
import logging
import os
import threading
import time
import weakref
from collections import deque
from typing import Any, Callable

import msgpack

from symphony.actors._future import Future
from symphony.actors._transport_api import RemoteTarget, Transport
from symphony.envelope import Message, decode, encode
from symphony.errors import (
    ActorNotFound,
    AskTimeout,
    DecodeError,
    DeliveryError,
    EncodeError,
    MailboxFull,
    SchemaError,
)

from ._frames import (
    ASK,
    DEFAULT_MAX_FRAME,
    PING,
    PONG,
    PUB,
    REPLY,
    FAIL,
    SUB,
    TELL,
    Counters,
    Framer,
    error_from_payload,
    error_payload,
    node_nonces,
)

__all__ = ["LinkedTransport", "Peer", "PeerTarget"]

logger = logging.getLogger("symphony.transports")
_mono = time.monotonic
_get_ident = threading.get_ident
_LIVE: weakref.WeakSet[LinkedTransport] = weakref.WeakSet()
#: Asks in a row an actor must answer within ``inline_budget`` before it runs on the I/O thread.
_EARN_INLINE = 3
_Packer = msgpack.Packer  # Packer().pack(x) is packb(x) without its Python wrapper
_unpackb = msgpack.unpackb




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

    def ask_inline(self, msg: Message[Any], future: Future[Any], timeout: float | None = None) -> bool:
        transport = self._transport
        if transport._closed:
            raise DeliveryError(f"cannot send to {self.address}: the node's transport is closed")
        try:
            dirty = transport._tls.dirty
        except AttributeError:
            dirty = transport._dirty()
        peer = self._peer
        if peer not in dirty:
            return transport._sync_ask(peer, self.name, self.address, msg, future, timeout)
        self.put(msg, future)
        try:
            future.get(timeout)
        except AskTimeout as exc:
            future.set_exception(exc)  # Ref.ask must not wait a second time
            return True
        except BaseException:  # noqa: BLE001 - the answer is the exception; Ref.ask raises it
            pass
        dirty.discard(peer)
        return True

    @property
    def state(self) -> int:
        return 3 if self._transport._closed else 1

    def put(self, msg: Message[Any], future: Future[Any] | None, block_timeout: float | None = None) -> None:
        transport = self._transport
        if transport._closed:
            if future is None:
                self.node._dead_letter(msg, "transport closed", self.address)
                return
            raise DeliveryError(f"cannot send to {self.address}: the node's transport is closed")
        ident = msg._id_bytes()  # the pending table's key; replies carry it back
        data = encode(msg)
        if len(data) > transport._entry_limit:
            transport._too_big(msg, len(data), self.address)
        if len(transport._outbox) + transport._backlog_size > transport.max_queued:
            transport._wait_queue_room(msg, self.address)
        if transport.sync_asks:
            transport._dirty().add(self._peer)
        if future is None:
            transport._submit(self._peer, TELL, self.name, data)
            return
        pending = transport._pending
        if len(pending) >= transport.max_pending:
            transport._wait_pending_room(msg, block_timeout)
        pending[ident] = (future, self._peer, self.address)
        transport._submit(self._peer, ASK, self.name, data)
        if _get_ident() == transport._io_ident:
            # An actor handled inline on the I/O thread asked without waiting: only this
            # thread can receive the reply, so finish the exchange before returning.
            transport._pump_until(future)


class LinkedTransport(Transport):
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
        self._start_io()
        _LIVE.add(self)

    def _start_io(self) -> None:
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

    def _peer(self, endpoint: str) -> Peer:
        peer = self._peers.get(endpoint)
        if peer is None:
            peer = self._peers.setdefault(endpoint, Peer(endpoint))
        return peer

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
        _LIVE.discard(self)
        return clean

    # -- the I/O thread -------------------------------------------------------------------

    def _run(self) -> None:
        self._io_ident = _get_ident()
        try:
            self._io_setup()
        finally:
            self._ready.set()
        next_tick = _mono() + self.heartbeat
        try:
            while True:
                self._run_calls()
                self._flush()
                now = _mono()
                if now >= next_tick:
                    self._tick(now)
                    next_tick = now + self.heartbeat
                if self._closing:
                    break
                wait = max(min(next_tick - now, self.heartbeat), 0.0)
                self._io_poll(min(wait, 0.01) if self._backlog else wait)
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

    def _flush(self) -> None:
        backlog = self._backlog
        if backlog:
            self._retry_backlog()
        outbox = self._outbox
        if not outbox:
            return
        limit = 3 * self.batch
        batches: dict[Any, list[Any]] = {}
        popleft = outbox.popleft
        seal = self.framer.seal
        send = self._send_packet
        sent = 0
        while outbox:
            dest, op, name, data = popleft()
            entries = batches.get(dest)
            if entries is None:
                entries = batches[dest] = []
            entries += (op, name, data)
            if len(entries) >= limit:
                send(dest, seal(entries))
                sent += 1
                batches[dest] = []
        for dest, entries in batches.items():
            if entries:
                send(dest, seal(entries))
                sent += 1
        now = _mono()
        for dest in batches:
            if dest.__class__ is Peer and dest.suspect_since is None:
                dest.suspect_since = now
        self.counters["packets_sent"] += sent

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

    def _on_packet(self, origin: Any, packet: bytes) -> bool:
        """Handle one packet that arrived from ``origin`` (a ``Peer`` for replies on an
        outgoing link, else the subclass's inbound origin). False if it was dropped unopened
        (bad signature, replay, garbage): then ``origin`` has not proved who it is."""
        entries = self.framer.open(packet)
        if entries is None:
            return False
        counters = self.counters
        counters["packets_received"] += 1
        if origin.__class__ is Peer:
            self._peer_heard(origin)
        host = self.host
        for i in range(0, len(entries), 3):
            op = entries[i]
            name = entries[i + 1]
            data = entries[i + 2]
            try:
                if op == TELL:
                    if name.__class__ is not str:
                        raise DecodeError("bad actor name")
                    msg = decode(data)
                    try:
                        host._deliver(name, msg, None)
                    except ActorNotFound:
                        host._dead_letter(msg, "no such actor", name)
                    except MailboxFull:
                        host._dead_letter(msg, "mailbox full", name)
                elif op == ASK:
                    if name.__class__ is not str:
                        raise DecodeError("bad actor name")
                    msg = decode(data)
                    future: Future[Any] = Future(msg._deadline, msg._kind)
                    # An actor earns inline handling on the I/O thread by answering
                    # ``_EARN_INLINE`` asks in a row within ``inline_budget`` on the dispatcher:
                    # a handler that blocks the I/O thread delays every peer and its heartbeats.
                    started = _mono()
                    if (self.inline and self._fast_runs.get(name, 0) >= _EARN_INLINE
                            and name not in self._no_inline):
                        counters["asks_inline"] += 1
                        self._inline_name = name
                        try:
                            host._deliver(name, msg, future, True)
                        except Exception as exc:  # noqa: BLE001 - the asker learns why
                            future.set_exception(exc)
                        finally:
                            self._inline_name = None
                        if future.done():  # answered here: no callback needed
                            self._reply(origin, msg, name, started, True, future, alone=len(entries) == 3)
                            continue
                        inline = True
                    else:
                        inline = False
                    future.add_done_callback(functools.partial(self._reply, origin, msg, name, started, inline))
                    if not inline:
                        try:
                            host._deliver(name, msg, future)
                        except Exception as exc:  # noqa: BLE001 - the asker learns why
                            future.set_exception(exc)
                elif op == REPLY or op == FAIL:
                    self._on_reply(op, name, data)
                elif op == PING:
                    self._outbox.append((origin, PONG, None, None))
                elif op == PONG:
                    pass
                elif op == SUB:
                    prefixes, want_reply = data
                    if prefixes.__class__ is not list or any(p.__class__ is not str for p in prefixes):
                        raise DecodeError("bad subscription list")
                    if origin.__class__ is Peer:
                        origin.subs = tuple(prefixes)
                        origin.linked.set()
                    else:
                        self._inbound_subs[origin] = tuple(prefixes)
                    if want_reply:
                        self._outbox.append((origin, SUB, None, [host._subscriptions(), False]))
                elif op == PUB:
                    msg = decode(data)
                    host._publish_local(msg._kind, msg._payload, origin)
                else:
                    raise DecodeError(f"unknown op {op!r}")
            except (DecodeError, SchemaError, TypeError, ValueError, AttributeError) as exc:
                counters.bump("malformed")
                logger.debug("dropped a bad entry from %r: %s", origin, exc)
            except Exception:  # noqa: BLE001 - a bad entry must not stop the loop
                counters.bump("malformed")
                logger.exception("dropped an entry from %r", origin)
        return True

    def _on_reply(self, op: int, correlation: Any, data: Any) -> None:
        if correlation.__class__ is not bytes or len(correlation) != 16 or data.__class__ is not bytes:
            raise DecodeError("bad reply entry")
        entry = self._pending.pop(correlation, None)
        if entry is None:
            self.counters.bump("late_replies")
            return
        future, _peer, address = entry
        try:
            value = _unpackb(data, raw=False, strict_map_key=False)
        except Exception:  # noqa: BLE001 - msgpack raises many types for garbage
            future.set_exception(DeliveryError(f"{address} sent a reply that cannot be decoded"))
            return
        if op == FAIL:
            future.set_exception(error_from_payload(value, address))
        else:
            future.set(value)

    def _reply(self, origin: Any, msg: Message[Any], name: str, started: float, inline: bool,
               future: Future[Any], *, alone: bool = False) -> None:
        """Send the outcome of an ask that came from ``origin`` back to it (any thread)."""
        if self._closed:
            return
        try:
            self._send_reply(origin, msg, name, started, inline, future, alone)
        except Exception as exc:  # noqa: BLE001 - the asker must hear something, never wait forever
            logger.exception("could not send the reply to %r", msg._kind)
            entry = (origin, FAIL, msg._id_bytes(), _Packer().pack(error_payload(exc)))
            self._outbox.append(entry)
            self._wake_armed = False
            self._wake()

    def _send_reply(self, origin: Any, msg: Message[Any], name: str, started: float, inline: bool,
                    future: Future[Any], alone: bool = False) -> None:
        """Queue the reply to ``msg`` for ``origin``; with ``alone`` (on the I/O thread, the ask
        came in a packet of its own), seal and send it at once: nothing could share its packet."""
        fast_runs = self._fast_runs
        if _mono() - started <= self.inline_budget:
            if fast_runs.get(name, 0) < _EARN_INLINE:
                fast_runs[name] = fast_runs.get(name, 0) + 1
        elif inline:
            # Slow on the I/O thread: earn it again; after three such times, never again.
            fast_runs[name] = 0
            strikes = self._slow_inline[name] = self._slow_inline.get(name, 0) + 1
            if strikes >= 3:
                self._no_inline.add(name)
                logger.info("actor %s is slow: its remote asks stay on the dispatcher", name)
        else:
            fast_runs[name] = 0
        # A reply needs no envelope of its own: the asker gets the payload (or the failure),
        # matched by correlation id, so it travels as (REPLY or FAIL, id bytes, msgpack value).
        error = future._error
        op = REPLY
        if error is None:
            try:
                data = _Packer().pack(future._value)
            except (TypeError, ValueError, OverflowError) as exc:
                error = EncodeError(f"cannot encode the reply to {msg._kind!r} as msgpack: {exc}")
            else:
                if len(data) > self._entry_limit:
                    error = DeliveryError(f"the reply to {msg._kind!r} is {len(data)} bytes encoded, "
                                          f"over max_frame ({self.max_frame})")
        if error is not None:
            op = FAIL
            data = _Packer().pack(error_payload(error))
        if alone and not self._outbox:
            self._send_packet(origin, self.framer.seal([op, msg._id_bytes(), data]))
            self.counters["packets_sent"] += 1
            return
        self._outbox.append((origin, op, msg._id_bytes(), data))
        if _get_ident() != self._io_ident and not self._wake_armed:
            self._wake()  # (on the I/O thread the outbox is flushed when the loop comes round)

    def _sync_channel(self, peer: Peer) -> Any:
        """This thread's own channel to ``peer``: ``send(packet)``, ``recv(timeout) -> [packets]``.

        Made on first use by ``_open_sync_channel`` and kept per thread, so a thread's asks
        to one peer share a channel and never contend with other threads for it.
        """
        tls = self._tls
        channels = getattr(tls, "channels", None)
        if channels is None:
            channels = tls.channels = {}
        channel = channels.get(peer.endpoint)
        if channel is None:
            channel = channels[peer.endpoint] = self._open_sync_channel(peer)
        return channel

    def _open_sync_channel(self, peer: Peer) -> Any:
        """A new channel to ``peer`` for the calling thread's asks (each transport makes its own)."""
        raise NotImplementedError

    def _sync_ask(self, peer: Peer, name: str, address: str, msg: Message[Any], future: Future[Any],
                  timeout: float | None) -> bool:
        """Do an ask on the calling thread, over its own channel to ``peer``; resolves ``future``."""
        try:
            channel = self._tls.channels[peer.endpoint]
        except (AttributeError, KeyError):
            channel = self._sync_channel(peer)
        framer = self.framer
        ident_bytes = msg._id_bytes()
        data = encode(msg)
        if len(data) > self._entry_limit:
            self._too_big(msg, len(data), address)
        try:
            channel.send(framer.seal([ASK, name, data]))
        except DeliveryError as exc:
            raise DeliveryError(f"cannot send to {address}: {exc}") from None
        now = _mono()
        give_up = None if timeout is None else now + timeout
        deadline = msg._deadline
        heartbeat = self.heartbeat
        last_heard: float | None = now
        while True:
            wait = heartbeat
            if give_up is not None:
                wait = min(wait, give_up - now)
            if deadline is not None:
                wait = min(wait, deadline - now)
            try:
                packets = channel.recv(max(wait, 0.0))
            except DeliveryError as exc:
                future.set_exception(DeliveryError(f"{address}: {exc}"))
                return True
            for packet in packets:
                entries = framer.open(packet)
                if entries is None:
                    continue
                last_heard = None  # heard from the peer: set to now below
                if len(entries) == 3 and entries[0] == REPLY and entries[1] == ident_bytes:
                    try:  # the usual answer: one packet, our reply alone in it
                        value = _unpackb(entries[2], raw=False, strict_map_key=False)
                    except Exception:  # noqa: BLE001 - then the loop below counts it
                        pass
                    else:
                        future.set(value)
                        return True
                for i in range(0, len(entries), 3):
                    op = entries[i]
                    if op != REPLY and op != FAIL:
                        continue
                    if entries[i + 1] != ident_bytes:
                        self.counters.bump("late_replies")
                        continue
                    try:
                        value = _unpackb(entries[i + 2], raw=False, strict_map_key=False)
                    except Exception:  # noqa: BLE001
                        self.counters.bump("malformed")
                        continue
                    if op == FAIL:
                        future.set_exception(error_from_payload(value, address))
                    else:
                        future.set(value)
                    return True
            now = _mono()
            if last_heard is None:
                last_heard = now
            if packets:
                continue
            if deadline is not None and now >= deadline:
                future._expire()
                return True
            if give_up is not None and now >= give_up:
                future.set_exception(AskTimeout(f"no reply to {msg._kind!r} from {address} within {timeout} s"))
                return True
            if now - last_heard > self.heartbeat_timeout:
                self.counters.bump("peer_timeouts")
                future.set_exception(DeliveryError(
                    f"{address} is unreachable: no answer for {self.heartbeat_timeout} s"))
                return True
            if self._closing:
                future.set_exception(DeliveryError(f"no reply from {address}: the node stopped"))
                return True
            try:
                channel.send(framer.seal([PING, None, None]))
            except DeliveryError:
                pass

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

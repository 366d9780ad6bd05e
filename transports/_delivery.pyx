# cython: language_level=3, boundscheck=False, wraparound=False
"""The per-message path of a packet transport, compiled: the twin of ``_delivery_py`` (same
``public_api``, same behaviour; ``symphony._twins`` picks one). See the twin's docstring.

Why compiled: every remote message crosses these functions, between two socket wake-ups
when the CPU's caches are cold, so each interpreted line costs several times its warm price.
The code is the twin's, line for line, translated to C (the calls it makes are the same).
"""

import functools
import logging
import threading
import time

import msgpack

from symphony.actors._future import _PENDING, Future
from symphony.envelope._codec import _decode_msgpack as decode, _encode_msgpack as encode
from symphony.errors import (ActorNotFound, AskTimeout, DecodeError, DeliveryError, EncodeError, MailboxFull,
                             SchemaError)

from ._frames import ASK, FAIL, PING, PONG, PUB, REPLY, SUB, TELL, error_from_payload, error_payload
from ._peer import Peer

__all__ = ["EARN_INLINE", "flush", "on_packet", "on_reply", "peer_ask_inline", "peer_put", "send_reply", "serve",
           "sync_ask"]

public_api = ["EARN_INLINE", "flush", "on_packet", "on_reply", "peer_ask_inline", "peer_put", "send_reply", "serve",
              "sync_ask"]

#: Asks in a row an actor must answer within ``inline_budget`` before it runs on the I/O thread.
EARN_INLINE = 3

logger = logging.getLogger("symphony.transports")
cdef object _mono = time.monotonic
cdef object _get_ident = threading.get_ident
cdef object _Packer = msgpack.Packer
cdef object _unpackb = msgpack.unpackb
cdef object _partial = functools.partial


def on_packet(self, origin, packet):
    """Handle one packet that arrived from ``origin`` (a ``Peer`` for replies on an outgoing
    link, else the transport's inbound origin). False if it was dropped unopened (bad
    signature, replay, garbage): then ``origin`` has not proved who it is."""
    entries = self.framer.open(packet)
    if entries is None:
        return False
    counters = self.counters
    counters["packets_received"] += 1
    if origin.__class__ is Peer:
        self._peer_heard(origin)
    host = self.host
    cdef Py_ssize_t i, count = len(entries)
    for i in range(0, count, 3):
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
                future = Future(msg._deadline, msg._kind)
                # An actor earns inline handling on the I/O thread by answering
                # ``EARN_INLINE`` asks in a row within ``inline_budget`` on the dispatcher:
                # a handler that blocks the I/O thread delays every peer and its heartbeats.
                started = _mono()
                if self.inline and self._fast_runs.get(name, 0) >= EARN_INLINE and name not in self._no_inline:
                    counters["asks_inline"] += 1
                    self._inline_name = name
                    try:
                        host._deliver(name, msg, future, True)
                    except Exception as exc:  # noqa: BLE001 - the asker learns why
                        future.set_exception(exc)
                    finally:
                        self._inline_name = None
                    if future._value is not _PENDING:  # done(), answered here: no callback needed
                        send_reply(self, origin, msg, name, started, True, future, count == 3)
                        continue
                    inline = True
                else:
                    inline = False
                future.add_done_callback(_partial(self._reply, origin, msg, name, started, inline))
                if not inline:
                    try:
                        host._deliver(name, msg, future)
                    except Exception as exc:  # noqa: BLE001 - the asker learns why
                        future.set_exception(exc)
            elif op == REPLY or op == FAIL:
                on_reply(self, op, name, data)
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


def on_reply(self, op, correlation, data):
    """Resolve the pending ask ``correlation`` with the reply ``data`` (``op`` REPLY or FAIL)."""
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


def send_reply(self, origin, msg, name, double started, bint inline, future, bint alone=False):
    """Queue the reply to ``msg`` for ``origin``; with ``alone`` (on the I/O thread, the ask came
    in a packet of its own), seal and send it at once: nothing could share its packet."""
    fast_runs = self._fast_runs
    if _mono() - started <= self.inline_budget:
        runs = fast_runs.get(name, 0)
        if runs < EARN_INLINE:
            fast_runs[name] = runs + 1
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
    ident = msg._id  # bytes, as decoded from the wire
    if ident.__class__ is not bytes:
        ident = msg._id_bytes()
    if alone and not self._outbox:
        packet = self.framer.seal([op, ident, data])
        if self._backlog or not self._transmit(origin, packet):
            self._send_packet(origin, packet)  # behind what waits, or kept until the socket takes it
        self.counters["packets_sent"] += 1
        return
    self._outbox.append((origin, op, ident, data))
    if _get_ident() != self._io_ident and not self._wake_armed:
        self._wake()  # (on the I/O thread the outbox is flushed when the loop comes round)


def sync_ask(self, peer, name, address, msg, future, timeout):
    """Do an ask on the calling thread, over its own channel to ``peer``; resolves ``future``."""
    return _sync_ask(self, peer, name, address, msg, future, timeout)


cdef object _sync_ask(self, peer, name, address, msg, future, timeout):
    try:
        channel = self._tls.channels[peer.endpoint]
    except (AttributeError, KeyError):
        channel = self._sync_channel(peer)
    framer = self.framer
    data = encode(msg)
    ident_bytes = msg._id  # drawn by encode (as bytes) if the message had none
    if ident_bytes.__class__ is not bytes:
        ident_bytes = msg._id_bytes()
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
    last_heard = now
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


def peer_ask_inline(self, msg, future, timeout=None):
    """``PeerTarget.ask_inline``: the whole ask on the calling thread, over its own channel
    (``sync_ask``), unless this thread sent to the peer through the I/O thread since its last
    answered ask; then this ask goes that way too (it must not overtake them), and once it is
    answered everything before it has arrived and the direct path is open again."""
    transport = self._transport
    if transport._closed:
        raise DeliveryError(f"cannot send to {self.address}: the node's transport is closed")
    try:
        dirty = transport._tls.dirty
    except AttributeError:
        dirty = transport._dirty()
    peer = self._peer
    if peer not in dirty:
        return _sync_ask(transport, peer, self.name, self.address, msg, future, timeout)
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


def peer_put(self, msg, future, block_timeout=None):
    """``PeerTarget.put``: hand ``msg`` (an ask when ``future`` is given) to the I/O thread,
    which sends it to the peer, many entries to a packet."""
    transport = self._transport
    if transport._closed:
        if future is None:
            self.node._dead_letter(msg, "transport closed", self.address)
            return
        raise DeliveryError(f"cannot send to {self.address}: the node's transport is closed")
    data = encode(msg)
    if len(data) > transport._entry_limit:
        transport._too_big(msg, len(data), self.address)
    outbox = transport._outbox
    if len(outbox) + transport._backlog_size > transport.max_queued:
        transport._wait_queue_room(msg, self.address)
    if transport.sync_asks:
        try:
            transport._tls.dirty.add(self._peer)
        except AttributeError:
            transport._dirty().add(self._peer)
    if future is None:
        outbox.append((self._peer, TELL, self.name, data))
        if not transport._wake_armed:
            transport._wake()
        return
    pending = transport._pending
    if len(pending) >= transport.max_pending:
        transport._wait_pending_room(msg, block_timeout)
    pending[msg._id_bytes()] = (future, self._peer, self.address)  # replies carry the id back
    transport._submit(self._peer, ASK, self.name, data)
    if _get_ident() == transport._io_ident:
        # An actor handled inline on the I/O thread asked without waiting: only this
        # thread can receive the reply, so finish the exchange before returning.
        transport._pump_until(future)


def flush(self):
    """``IOLoop._flush``: retry what waits in the backlog, then send everything in the outbox,
    one signed packet per destination (up to ``batch`` entries each), in order."""
    if self._backlog:
        self._retry_backlog()
    outbox = self._outbox
    if not outbox:
        return
    cdef dict batches = {}
    cdef list entries
    cdef Py_ssize_t limit = 3 * self.batch, sent
    popleft = outbox.popleft
    seal = self.framer.seal
    sent = 0
    while outbox:
        dest, op, name, data = popleft()
        entries = batches.get(dest)
        if entries is None:
            entries = batches[dest] = []
        entries += (op, name, data)
        if len(entries) >= limit:
            self._send_packet(dest, seal(entries))
            sent += 1
            batches[dest] = []
    for dest, entries in batches.items():
        if entries:
            self._send_packet(dest, seal(entries))
            sent += 1
    now = _mono()
    for dest in batches:
        if dest.__class__ is Peer and dest.suspect_since is None:
            dest.suspect_since = now
    self.counters["packets_sent"] += sent


def serve(self):
    """The I/O thread's loop (``IOLoop._run`` calls it once set up): run calls handed over,
    flush the outbox, keep heartbeats, wait for a packet or a wake-up; until closing."""
    cdef double heartbeat = self.heartbeat
    cdef double now, wait, next_tick = _mono() + heartbeat
    calls, outbox, backlog = self._calls, self._outbox, self._backlog
    while True:
        if calls:
            self._run_calls()
        if outbox or backlog:
            self._flush()
        now = _mono()
        if now >= next_tick:
            self._tick(now)
            next_tick = now + heartbeat
        if self._closing:
            return
        wait = max(min(next_tick - now, heartbeat), 0.0)
        self._io_poll(min(wait, 0.01) if backlog else wait)

"""What a packet transport does with a packet that arrived: open it (signature, replay,
shape) before decoding any entry, deliver tells and asks to local actors (an actor that
answers quickly earns handling on the I/O thread), resolve pending asks by correlation id,
and send each ask's outcome back. Every drop is counted; nothing from a peer raises out.
"""

from __future__ import annotations

import functools
from typing import Any

from symphony.actors._future import Future
from symphony.envelope import Message, decode
from symphony.errors import ActorNotFound, DecodeError, DeliveryError, EncodeError, MailboxFull, SchemaError

from ._frames import ASK, FAIL, PING, PONG, PUB, REPLY, SUB, TELL, error_from_payload, error_payload
from ._io_loop import IOLoop
from ._link import _Packer, _get_ident, _mono, _unpackb, logger
from ._peer import Peer

__all__ = ["Inbound"]

#: Asks in a row an actor must answer within ``inline_budget`` before it runs on the I/O thread.
_EARN_INLINE = 3


class Inbound(IOLoop):
    """``IOLoop`` that handles what arrives; see the module docstring."""

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

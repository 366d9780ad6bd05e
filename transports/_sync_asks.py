"""Asks done on the calling thread over a channel of its own to the peer: no hand-off to
the I/O thread on the way out or back (what ``Ref.ask`` tries first, where the transport
offers it). Each transport makes its channels (``_open_sync_channel``); one per thread and peer.
"""

from __future__ import annotations

from typing import Any

from symphony.actors._future import Future
from symphony.envelope import Message, encode
from symphony.errors import AskTimeout, DeliveryError

from ._frames import ASK, FAIL, PING, REPLY, error_from_payload
from ._inbound import Inbound
from ._link import _mono, _unpackb
from ._peer import Peer

__all__ = ["SyncAsks"]


class SyncAsks(Inbound):
    """``Inbound`` with asks on the caller's own channel; see the module docstring."""

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

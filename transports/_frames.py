"""The wire format every framed transport shares: packets, signing, replay protection,
stream framing (for byte-stream sockets), and how a failure crosses the wire.

A *packet* is one byte string (one ZeroMQ frame: every extra frame costs a few
microseconds more per send), the concatenation of::

    signature (32 bytes, only with a secret) | header (16 bytes) | body

- ``header``: 16 bytes, an 8-byte nonce and the sender's wall clock (a big-endian
  double). Nonces need to be unique, not secret: they come from a generator seeded from
  ``os.urandom`` per framer (no system call per packet), reseeded after a fork;
- ``body``: one msgpack array of entries, flattened triples ``op, name, data``: the
  operation (``TELL``, ``ASK``, ``PUB``, ...), the actor name or topic it concerns, and
  its data, an encoded ``Message`` envelope. A reply (``REPLY``, or ``FAIL`` for a
  failure) carries the asked message's id (16 bytes) as its name and the msgpack-encoded
  value as data: the asker only gets the value, so it needs no envelope. Many entries to
  one peer share a packet, so a batch is signed once;
- ``signature``: with a secret, HMAC-SHA256 over ``header + body`` (as Jupyter's messaging
  protocol signs its frames); empty without one.

A receiver with a secret checks the signature before anything else and drops (and counts)
packets whose signature is bad or missing, never decoding them further. It then rejects a
packet whose nonce it has already seen within ``replay_window`` seconds, or whose
timestamp is outside that window (too old, or too far ahead): a replayed packet is
dropped and counted. Clocks of nodes sharing a secret must agree within the window.

On a byte stream (``unix://``) a packet is framed as a big-endian ``u32 length`` and the
packet; a length above ``max_frame`` means the peer is broken or hostile, and its
connection is closed.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import random
import struct
import threading
import time
import traceback
import weakref
from collections import deque
from typing import Any

import msgpack

from symphony.errors import DeliveryError, MailboxFull, MessageExpired, RemoteError

__all__ = [
    "ASK", "FAIL", "PING", "PONG", "PUB", "REPLY", "SUB", "TELL",
    "Counters", "FrameError", "Framer", "StreamDecoder", "error_from_payload", "error_payload",
    "hmac_sha256", "pack_stream",
]

TELL, ASK, REPLY, PING, PONG, SUB, PUB, FAIL = range(8)

#: The header: the nonce (8 bytes; an unsigned int on this side) and the send time.
_HEADER = struct.Struct(">Qd")
_U32 = struct.Struct(">I")
#: ``Packer().pack`` is ``packb`` (binary type on) without its Python wrapper: a frame less a call.
_Packer = msgpack.Packer
_unpackb = msgpack.unpackb
_urandom = os.urandom
_wall = time.time
_compare = hmac.compare_digest

#: Default largest packet accepted (bytes); larger ones are dropped and counted.
DEFAULT_MAX_FRAME = 16 * 1024 * 1024


class FrameError(ValueError):
    """A stream carried bytes that are not a packet (garbage, a bad or oversized length)."""


class Counters(dict):  # type: ignore[type-arg]
    """Counters by name, 0 until first counted (increments happen on one I/O thread; reads copy).

    Hot paths count with ``counters[key] += 1``: plain dict operations in C, no Python call.
    """

    def __missing__(self, key: str) -> int:
        return 0

    def bump(self, key: str, n: int = 1) -> None:
        self[key] += n


def hmac_sha256(secret: bytes) -> Any:
    """A function computing HMAC-SHA256 (RFC 2104) of its argument under ``secret``.

    The same bytes as ``hmac.digest(secret, data, "sha256")``, but the key's inner and
    outer pads are hashed once here and only copied per call: a one-shot HMAC looks up
    the algorithm again each time, which on a message path costs several microseconds a
    packet more than the hashing itself once the CPU's caches are cold.
    """
    key = secret if len(secret) <= 64 else hashlib.sha256(secret).digest()
    key = key.ljust(64, b"\0")
    inner = hashlib.sha256(bytes(b ^ 0x36 for b in key)).copy
    outer = hashlib.sha256(bytes(b ^ 0x5C for b in key)).copy

    def sign(data: bytes | memoryview) -> bytes:
        h = inner()
        h.update(data)
        o = outer()
        o.update(h.digest())
        return o.digest()

    return sign


class Framer:
    """Seals entries into packets and opens packets back into entries, with signing and
    replay protection when a ``secret`` is given. Counts what it drops in ``counters``."""

    def __init__(self, secret: bytes | None, *, replay_window: float = 60.0,
                 max_frame: int = DEFAULT_MAX_FRAME, counters: Counters | None = None) -> None:
        self.secret = secret
        self.replay_window = float(replay_window)
        self.max_frame = int(max_frame)
        self.counters = counters if counters is not None else Counters()
        self._seen: dict[bytes, float] = {}
        self._seen_order: deque[tuple[float, bytes]] = deque()
        self._lock = threading.Lock()
        self._nonce = random.Random(_urandom(32)).getrandbits
        self._sign = None if secret is None else hmac_sha256(secret)
        _FRAMERS.add(self)

    def _reseed(self) -> None:
        """A fresh nonce generator: a forked child must not repeat its parent's nonces."""
        self._nonce = random.Random(_urandom(32)).getrandbits

    def seal(self, entries: list[Any]) -> bytes:
        """The packet carrying flattened ``entries``."""
        signed = _HEADER.pack(self._nonce(64), _wall()) + _Packer().pack(entries)
        sign = self._sign
        if sign is None:
            return signed
        return sign(signed) + signed

    def open(self, packet: bytes) -> list[Any] | None:
        """The flattened entries of a packet, or None (counted) if it must be dropped."""
        size = len(packet)
        if size > self.max_frame:
            self.counters.bump("oversized")
            return None
        sign = self._sign
        if sign is not None:
            # Slices of a small packet are cheaper than memoryviews, and this is the hot path.
            if size < 49 or not _compare(sign(packet[32:]), packet[:32]):
                self.counters.bump("bad_signature")
                return None
            nonce, sent = _HEADER.unpack_from(packet, 32)
            now = _wall()
            window = self.replay_window
            # A replay is a nonce seen before; setdefault checks and records it in one
            # atomic step, so threads opening packets concurrently need no lock.
            if not (now - window <= sent <= now + window) or self._seen.setdefault(nonce, now) is not now:
                self.counters.bump("replayed")
                return None
            order = self._seen_order
            order.append((now, nonce))
            if len(order) & 1023 == 0:
                self._forget_old(now)
            body = packet[48:]
        else:
            if size < 17:
                self.counters.bump("malformed")
                return None
            body = packet[16:]
        try:
            entries = _unpackb(body, raw=False, use_list=True, strict_map_key=False)
        except Exception:  # noqa: BLE001 - msgpack raises many types for garbage
            self.counters.bump("malformed")
            return None
        if entries.__class__ is not list or len(entries) % 3:
            self.counters.bump("malformed")
            return None
        return entries

    def _forget_old(self, now: float) -> None:
        """Forget nonces that can no longer be replayed (every 1,024 packets)."""
        # A nonce must be remembered while its timestamp is still inside the window: at most
        # 2 windows after it arrived (it may be stamped up to a window ahead).
        cutoff = now - 2 * self.replay_window
        seen = self._seen
        order = self._seen_order
        with self._lock:  # one pruner at a time; openers go on meanwhile
            try:
                while order[0][0] < cutoff:
                    seen.pop(order.popleft()[1], None)
            except IndexError:
                pass


_FRAMERS: weakref.WeakSet[Framer] = weakref.WeakSet()


def _reseed_after_fork() -> None:
    for framer in list(_FRAMERS):
        framer._reseed()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reseed_after_fork)


def pack_stream(packet: bytes) -> bytes:
    """A packet framed for a byte stream."""
    return _U32.pack(len(packet)) + packet


class StreamDecoder:
    """Cuts a byte stream into packets; raises ``FrameError`` on a length it cannot accept."""

    def __init__(self, max_frame: int = DEFAULT_MAX_FRAME) -> None:
        self.max_frame = max_frame
        self._buf = bytearray()

    def feed(self, data: bytes) -> list[bytes]:
        buf = self._buf
        buf += data
        packets = []
        pos = 0
        size = len(buf)
        while size - pos >= 4:
            (total,) = _U32.unpack_from(buf, pos)
            if total > self.max_frame:
                raise FrameError(f"frame of {total} bytes is over the limit of {self.max_frame}")
            if total < 17:
                raise FrameError("frame too short to be a packet")
            if size - pos - 4 < total:
                break
            packets.append(bytes(buf[pos + 4:pos + 4 + total]))
            pos += 4 + total
        if pos:
            del buf[:pos]
        return packets

    @property
    def buffered(self) -> int:
        return len(self._buf)


# -- failures across the wire ----------------------------------------------------------------

_LOCAL_TYPES = {
    "symphony.errors.MessageExpired": MessageExpired,
    "symphony.errors.MailboxFull": MailboxFull,
}
_UNDELIVERED = frozenset({
    "symphony.errors.ActorNotFound", "symphony.errors.ActorDead", "symphony.errors.NodeStopped",
    "symphony.errors.DeliveryError",
})


def error_payload(exc: BaseException) -> dict[str, str]:
    """What an ERROR reply carries for ``exc``: its type name, message and traceback text."""
    cls = type(exc)
    name = cls.__qualname__ if cls.__module__ == "builtins" else f"{cls.__module__}.{cls.__qualname__}"
    if isinstance(exc, RemoteError) and exc.remote_type:
        tb = exc.remote_traceback
    else:
        tb = "".join(traceback.format_exception(cls, exc, exc.__traceback__))
    return {"type": name, "message": str(exc), "traceback": tb}


def error_from_payload(payload: Any, where: str) -> BaseException:
    """The exception an asker gets for an ERROR reply from ``where``.

    Expiry and a full mailbox keep their local types; "not there" becomes ``DeliveryError``;
    anything the actor raised becomes ``RemoteError``.
    """
    if not isinstance(payload, dict):
        return RemoteError(f"{where}: the actor failed: {payload!r}", remote_message=repr(payload))
    name = str(payload.get("type", "Exception"))
    text = str(payload.get("message", ""))
    tb = str(payload.get("traceback", ""))
    local = _LOCAL_TYPES.get(name)
    if local is not None:
        return local(f"{text} (at {where})")
    if name in _UNDELIVERED:
        return DeliveryError(f"{where}: {text}")
    return RemoteError(f"{where}: {name}: {text}", remote_type=name, remote_message=text, remote_traceback=tb)

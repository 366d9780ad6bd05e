"""The wire format every framed transport shares: packets, signing, replay protection,
stream framing (for byte-stream sockets), and how a failure crosses the wire.

A *packet* is one byte string (one ZeroMQ frame: every extra frame costs a few
microseconds more per send), the concatenation of::

    signature (32 bytes, only with a secret) | header (16 bytes) | body

- ``header``: 16 bytes, an 8-byte nonce (a big-endian u64) and the sender's wall clock (a
  big-endian double). Nonces need to be unique, not secret: they come from a generator seeded from
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
A node keeps one ``NonceWindow`` for all its transports (``node_nonces``): a packet handled
over ``unix`` is a replay over ``tcp``.

On a byte stream (``unix://``) a packet is framed as a big-endian ``u32 length`` and the
packet; a length above ``max_frame`` means the peer is broken or hostile, and its
connection is closed.
"""

from __future__ import annotations

import struct
import threading
import traceback
import weakref
from typing import Any

from symphony import _twins
from symphony.errors import DeliveryError, MailboxFull, MessageExpired, RemoteError

from ._counters import Counters

__all__ = [
    "ASK", "FAIL", "PING", "PONG", "PUB", "REPLY", "SUB", "TELL",
    "DEFAULT_MAX_FRAME", "Counters", "FrameError", "Framer", "NonceWindow", "StreamDecoder", "error_from_payload",
    "error_payload", "hmac_sha256", "node_nonces", "pack_stream",
]

TELL, ASK, REPLY, PING, PONG, SUB, PUB, FAIL = range(8)

_U32 = struct.Struct(">I")

#: Sealing and opening packets: compiled when built, else the pure twin (``_sealing_py``).
_sealing = _twins.load("symphony.transports._sealing")
Framer = _sealing.Framer
NonceWindow = _sealing.NonceWindow
hmac_sha256 = _sealing.hmac_sha256
DEFAULT_MAX_FRAME: int = _sealing.DEFAULT_MAX_FRAME


_NODE_NONCES: weakref.WeakKeyDictionary[Any, Any] = weakref.WeakKeyDictionary()
_NODE_NONCES_LOCK = threading.Lock()


def node_nonces(host: Any, window: float) -> Any:
    """The ``NonceWindow`` every transport of node ``host`` checks nonces in (made on first
    use, kept while the node lives), remembering nonces for at least ``window`` s."""
    with _NODE_NONCES_LOCK:
        try:
            nonces = _NODE_NONCES.get(host)
        except TypeError:  # a host that cannot be weakly referenced: a window of its own
            return NonceWindow(window)
        if nonces is None:
            nonces = _NODE_NONCES[host] = NonceWindow(window)
        else:
            nonces.widen(window)
        return nonces


class FrameError(ValueError):
    """A stream carried bytes that are not a packet (garbage, a bad or oversized length)."""


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

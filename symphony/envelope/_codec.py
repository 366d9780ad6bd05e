"""Wire forms of a ``Message``: msgpack (compact, the default) and JSON (for people and web peers).

msgpack form: one array, positional, so a small message stays far under 128 bytes::

    [version, id (16 bytes), kind, payload, type, priority, ttl_remaining, created_at,
     correlation_id (16 bytes if a UUID, else str or nil), source, target, metadata]

JSON form: an object with the same fields by name (``"v"``, ``"id"``, ``"kind"``, ...).

The TTL travels as the time that remained at encoding and restarts on the receiver's
clock, so clock skew between machines does not matter. A receiver accepts any minor
version of its own major version (fields it does not know, appended at the end, are
ignored) and refuses another major version with ``DecodeError``. Every malformed input
raises ``DecodeError`` and nothing else; a registered kind's payload is validated too.
"""

from __future__ import annotations

import json
import uuid
from types import MappingProxyType
from typing import Any, Literal

from .. import _speedups
from ..errors import DecodeError, EncodeError
from ._kinds import fast_validator_for
from ._message import _EMPTY, Message
from ._priority import MESSAGE_TYPES, STANDARD_PRIORITIES, MessageType

__all__ = ["PROTOCOL_VERSION", "Format", "decode", "encode"]

#: The envelope protocol version this library writes: ``"major.minor"``.
PROTOCOL_VERSION = "1.0"
_MAJOR = 1

Format = Literal["msgpack", "json"]

_UUID = uuid.UUID

#: The msgpack form, compiled when built (``symphony._speedups._envelope``), else its pure
#: twin; it also checks the fields of the JSON form and rebuilds the message.
_MSGPACK = _speedups.load("_envelope").MsgpackCodec(
    Message, fast_validator_for, MESSAGE_TYPES, STANDARD_PRIORITIES, PROTOCOL_VERSION, _MAJOR, _EMPTY,
    MappingProxyType)
_encode_msgpack = _MSGPACK.encode
_decode_msgpack = _MSGPACK.decode
_restore = _MSGPACK.restore


def encode(msg: Message[Any], format: Format = "msgpack") -> bytes:
    """The wire form of ``msg``. Raises ``EncodeError`` if its payload or metadata cannot be
    represented in ``format`` (an arbitrary object, bytes in JSON, NaN in JSON)."""
    if msg.__class__ is not Message and not isinstance(msg, Message):
        raise TypeError(f"encode() takes a Message, not {type(msg).__name__}")
    if format == "msgpack":
        return _encode_msgpack(msg)  # type: ignore[no-any-return]
    if format == "json":
        correlation: Any = msg._correlation
        obj = {
            "v": PROTOCOL_VERSION, "id": str(msg.id), "kind": msg._kind, "payload": msg._payload,
            "type": msg._type.name.lower(), "priority": int(msg._priority), "ttl": msg.remaining(),
            "created_at": msg._created,
            "correlation_id": None if correlation is None else str(correlation),
            "source": msg._source, "target": msg._target, "metadata": dict(msg._metadata) or None,
        }
        try:
            return json.dumps(obj, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()
        except (TypeError, ValueError, OverflowError, RecursionError) as exc:
            raise EncodeError(f"cannot encode message {msg._kind!r} as JSON: {exc}") from exc
    raise ValueError(f"unknown format {format!r}; use 'msgpack' or 'json'")


def decode(data: bytes | bytearray | memoryview | str, format: Format = "msgpack") -> Message[Any]:
    """The ``Message`` in ``data``. Raises ``DecodeError`` for anything malformed (and
    ``SchemaError``, a sibling, when a registered kind's payload breaks its schema)."""
    if format == "msgpack":
        return _decode_msgpack(data)  # type: ignore[no-any-return]
    if format != "json":
        raise DecodeError(f"unknown format {format!r}; use 'msgpack' or 'json'")
    if isinstance(data, (bytes, bytearray, memoryview)):
        try:
            data = bytes(data).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise DecodeError(f"JSON message is not UTF-8: {exc}") from None
    if not isinstance(data, str):
        raise DecodeError(f"JSON data must be bytes or str, not {type(data).__name__}")
    try:
        obj = json.loads(data)
    except (ValueError, RecursionError) as exc:
        raise DecodeError(f"not a JSON message: {exc}") from None
    if obj.__class__ is not dict:
        raise DecodeError("not a message: expected a JSON object")
    try:
        version, ident, kind, payload, mtype_name, priority, remaining, created = (
            obj["v"], obj["id"], obj["kind"], obj.get("payload"), obj["type"], obj["priority"],
            obj.get("ttl"), obj["created_at"])
    except KeyError as exc:
        raise DecodeError(f"not a message: missing field {exc}") from None
    correlation, source, target, metadata = (
        obj.get("correlation_id"), obj.get("source"), obj.get("target"), obj.get("metadata"))
    try:
        ident = _UUID(ident) if isinstance(ident, str) else None
    except ValueError:
        ident = None
    if ident is None:
        raise DecodeError("bad id: expected a UUID string")
    if isinstance(mtype_name, str) and mtype_name.upper() in MessageType.__members__:
        mtype = int(MessageType[mtype_name.upper()])
    else:
        raise DecodeError(f"bad message type {mtype_name!r}")
    if isinstance(correlation, str) and len(correlation) == 36:
        try:
            correlation = _UUID(correlation)
        except ValueError:
            pass
    return _restore(version, ident, kind, payload, mtype, priority, remaining, created,  # type: ignore[no-any-return]
                    correlation, source, target, metadata)

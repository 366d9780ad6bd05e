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
import math
import uuid
from typing import Any, Literal

import msgpack

from ..errors import DecodeError, EncodeError, SchemaError
from ._kinds import fast_validator_for
from ._message import Message
from ._priority import MESSAGE_TYPES, STANDARD_PRIORITIES, MessageType

__all__ = ["PROTOCOL_VERSION", "Format", "decode", "encode"]

#: The envelope protocol version this library writes: ``"major.minor"``.
PROTOCOL_VERSION = "1.0"
_MAJOR = 1
_FIELDS = 12

Format = Literal["msgpack", "json"]

#: ``Packer().pack`` is ``packb`` without its Python wrapper (a frame and a kwargs dict a call).
_Packer = msgpack.Packer
_unpackb = msgpack.unpackb
_UUID = uuid.UUID


def encode(msg: Message[Any], format: Format = "msgpack") -> bytes:
    """The wire form of ``msg``. Raises ``EncodeError`` if its payload or metadata cannot be
    represented in ``format`` (an arbitrary object, bytes in JSON, NaN in JSON)."""
    if not isinstance(msg, Message):
        raise TypeError(f"encode() takes a Message, not {type(msg).__name__}")
    correlation: Any = msg._correlation
    remaining = msg.remaining()
    if format == "msgpack":
        if correlation.__class__ is _UUID:
            correlation = correlation.bytes
        metadata = msg._metadata
        try:
            return _Packer().pack(  # type: ignore[no-any-return]
                [PROTOCOL_VERSION, msg._id_bytes(), msg._kind, msg._payload, int(msg._type),
                 int(msg._priority), remaining, msg._created, correlation, msg._source,
                 msg._target, dict(metadata) if metadata else None],
            )
        except (TypeError, ValueError, OverflowError) as exc:
            raise EncodeError(f"cannot encode message {msg._kind!r} as msgpack: {exc}") from exc
    if format == "json":
        obj = {
            "v": PROTOCOL_VERSION, "id": str(msg.id), "kind": msg._kind, "payload": msg._payload,
            "type": msg._type.name.lower(), "priority": int(msg._priority), "ttl": remaining,
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
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise DecodeError(f"msgpack data must be bytes, not {type(data).__name__}")
        try:
            fields = _unpackb(data, raw=False, use_list=True, strict_map_key=False)
        except Exception as exc:  # noqa: BLE001 - msgpack raises many types for bad bytes
            raise DecodeError(f"not a msgpack message: {exc}") from None
        if fields.__class__ is not list or len(fields) < _FIELDS:
            raise DecodeError("not a message: expected an array of at least 12 fields")
        (version, ident, kind, payload, mtype, priority, remaining, created, correlation,
         source, target, metadata) = fields[:_FIELDS]
        if ident.__class__ is not bytes or len(ident) != 16:
            raise DecodeError("bad id: expected 16 bytes")  # kept as bytes: msg.id builds the UUID if asked
        if correlation.__class__ is bytes:
            if len(correlation) != 16:
                raise DecodeError("bad correlation_id: expected 16 bytes, a str or nil")
            correlation = _UUID(bytes=correlation)
    elif format == "json":
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
    else:
        raise DecodeError(f"unknown format {format!r}; use 'msgpack' or 'json'")

    if version != PROTOCOL_VERSION:  # our own version needs no parsing
        if version.__class__ is not str:
            raise DecodeError("bad protocol version: expected a 'major.minor' string")
        major, _, minor = version.partition(".")
        if not major.isdigit() or not minor.isdigit():
            raise DecodeError(f"bad protocol version {version!r}")
        if int(major) != _MAJOR:
            raise DecodeError(f"incompatible protocol version {version} (this node speaks {PROTOCOL_VERSION})")
    if kind.__class__ is not str:
        raise DecodeError("bad kind: expected a string")
    message_type = MESSAGE_TYPES.get(mtype) if mtype.__class__ is int else None
    if message_type is None:
        raise DecodeError(f"bad message type {mtype!r}")
    if priority.__class__ is not int:
        raise DecodeError("bad priority: expected an integer")
    priority = STANDARD_PRIORITIES.get(priority, priority)
    if remaining is not None:
        if remaining.__class__ not in (int, float) or math.isnan(remaining) or remaining < 0:
            raise DecodeError("bad ttl: expected a number of seconds >= 0 or nil")
    if created.__class__ not in (int, float) or not math.isfinite(created):
        raise DecodeError("bad created_at: expected a timestamp")
    if correlation is not None and correlation.__class__ not in (str, _UUID):
        raise DecodeError("bad correlation_id: expected a UUID, a str or nil")
    if source is not None and source.__class__ is not str:
        raise DecodeError("bad source: expected a string or nil")
    if target is not None and target.__class__ is not str:
        raise DecodeError("bad target: expected a string or nil")
    if metadata is not None and (metadata.__class__ is not dict
                                 or any(k.__class__ is not str for k in metadata)):
        raise DecodeError("bad metadata: expected a map with string keys or nil")

    check = fast_validator_for(kind)
    if check is not None:
        try:
            check(payload)
        except SchemaError:
            raise
        except Exception as exc:  # noqa: BLE001
            raise DecodeError(f"payload of {kind!r} could not be validated: {exc}") from None
    return Message._restore(ident, kind, payload, message_type, priority, remaining, float(created),
                            correlation, source, target, metadata)

"""Pure-Python twin of ``_envelope.pyx``: a ``Message``'s msgpack form, encoded and decoded.

The envelope layer (``symphony.envelope._codec``) builds one ``MsgpackCodec`` and hands it
what it needs of that layer (the ``Message`` class, the kind validators, the message types
and priorities), so this leaf imports nothing of ours but ``symphony.errors``. Both twins
provide ``public_api`` with the same behaviour: the same bytes out, the same messages back,
the same ``DecodeError`` for the same garbage. The wire form is described in
``symphony.envelope._codec``.
"""

from __future__ import annotations

import math
import time
import uuid
from typing import Any, Callable

import msgpack

from ..errors import DecodeError, EncodeError, SchemaError

__all__ = ["MsgpackCodec"]
public_api = ["MsgpackCodec"]

_FIELDS = 12
_UUID = uuid.UUID
_Packer = msgpack.Packer
_unpackb = msgpack.unpackb
_mono = time.monotonic
_isnan = math.isnan
_isfinite = math.isfinite
#: Integers past this are no number of seconds (and would not convert to a float).
_HUGE = 1e300


class MsgpackCodec:
    """Encodes ``Message`` objects to their msgpack array and decodes them back.

    ``message_cls``: the ``Message`` class (``__new__`` makes an empty one to fill);
    ``validator_for(kind)``: the kind's payload check or None; ``message_types``: int ->
    ``MessageType``; ``priorities``: int -> ``Priority`` for the standard levels;
    ``version``/``major``: what this node writes and which major version it reads;
    ``empty_metadata``: the shared empty mapping; ``freeze(dict)``: a read-only view.
    """

    def __init__(self, message_cls: Any, validator_for: Callable[[str], Any], message_types: dict[int, Any],
                 priorities: dict[int, Any], version: str, major: int, empty_metadata: Any,
                 freeze: Callable[[dict[str, Any]], Any]) -> None:
        self.message_cls = message_cls
        self.validator_for = validator_for
        self.message_types = message_types
        self.priorities = priorities
        self.version = version
        self.major = major
        self.empty_metadata = empty_metadata
        self.freeze = freeze

    def encode(self, msg: Any) -> bytes:
        """The msgpack form of ``msg`` (a ``Message``); ``EncodeError`` if msgpack cannot carry it."""
        correlation = msg._correlation
        if correlation.__class__ is _UUID:
            correlation = correlation.bytes
        deadline = msg._deadline
        if deadline is None:
            remaining = None
        else:
            remaining = deadline - _mono()
            if remaining < 0.0:
                remaining = 0.0
        metadata = msg._metadata
        ident = msg._id
        if ident.__class__ is not bytes:
            ident = msg._id_bytes()
        try:
            return _Packer().pack(  # type: ignore[no-any-return]
                [self.version, ident, msg._kind, msg._payload, int(msg._type), int(msg._priority), remaining,
                 msg._created, correlation, msg._source, msg._target, dict(metadata) if metadata else None])
        except (TypeError, ValueError, OverflowError) as exc:
            raise EncodeError(f"cannot encode message {msg._kind!r} as msgpack: {exc}") from exc

    def decode(self, data: Any) -> Any:
        """The ``Message`` in msgpack ``data``; ``DecodeError`` (or ``SchemaError``) if malformed."""
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
        return self.restore(version, ident, kind, payload, mtype, priority, remaining, created, correlation,
                            source, target, metadata)

    def restore(self, version: Any, ident: Any, kind: Any, payload: Any, mtype: Any, priority: Any,
                remaining: Any, created: Any, correlation: Any, source: Any, target: Any, metadata: Any) -> Any:
        """Check decoded fields (of either wire form; ``ident`` already checked, ``correlation``
        a UUID, str or None) and build the ``Message``; ``DecodeError`` for a bad field."""
        if version != self.version:
            check_version(version, self.major, self.version)
        if kind.__class__ is not str:
            raise DecodeError("bad kind: expected a string")
        message_type = self.message_types.get(mtype) if mtype.__class__ is int else None
        if message_type is None:
            raise DecodeError(f"bad message type {mtype!r}")
        if priority.__class__ is not int:
            raise DecodeError("bad priority: expected an integer")
        priority = self.priorities.get(priority, priority)
        if remaining is not None:
            if remaining.__class__ is float:
                if _isnan(remaining) or remaining < 0.0:
                    raise DecodeError("bad ttl: expected a number of seconds >= 0 or nil")
            elif remaining.__class__ is not int or remaining < 0 or remaining > _HUGE:
                raise DecodeError("bad ttl: expected a number of seconds >= 0 or nil")
        if created.__class__ is float:
            if not _isfinite(created):
                raise DecodeError("bad created_at: expected a timestamp")
        elif created.__class__ is not int or not -_HUGE <= created <= _HUGE:
            raise DecodeError("bad created_at: expected a timestamp")
        if correlation is not None and correlation.__class__ is not str and correlation.__class__ is not _UUID:
            raise DecodeError("bad correlation_id: expected a UUID, a str or nil")
        if source is not None and source.__class__ is not str:
            raise DecodeError("bad source: expected a string or nil")
        if target is not None and target.__class__ is not str:
            raise DecodeError("bad target: expected a string or nil")
        if metadata is not None:
            if metadata.__class__ is not dict or any(k.__class__ is not str for k in metadata):
                raise DecodeError("bad metadata: expected a map with string keys or nil")
        check = self.validator_for(kind)
        if check is not None:
            try:
                check(payload)
            except SchemaError:
                raise
            except Exception as exc:  # noqa: BLE001
                raise DecodeError(f"payload of {kind!r} could not be validated: {exc}") from None
        msg = self.message_cls.__new__(self.message_cls)
        msg._id = ident
        msg._kind = kind
        msg._payload = payload
        msg._type = message_type
        msg._priority = priority
        msg._created = float(created)
        msg._ttl = remaining
        msg._deadline = None if remaining is None else _mono() + remaining
        msg._correlation = correlation
        msg._source = source
        msg._target = target
        msg._metadata = self.empty_metadata if not metadata else self.freeze(metadata)
        return msg


def check_version(version: Any, major: int, ours: str) -> None:
    """Accept any minor version of our major ``major``; ``DecodeError`` for anything else."""
    if version.__class__ is not str:
        raise DecodeError("bad protocol version: expected a 'major.minor' string")
    head, _, minor = version.partition(".")
    if not head.isdigit() or not minor.isdigit():
        raise DecodeError(f"bad protocol version {version!r}")
    if int(head) != major:
        raise DecodeError(f"incompatible protocol version {version} (this node speaks {ours})")

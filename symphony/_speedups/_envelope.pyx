# cython: language_level=3, boundscheck=False, wraparound=False
"""A ``Message``'s msgpack form, compiled: the twin of ``_envelope_py`` (same ``public_api``,
same bytes, same messages, same errors).

Why compiled: every remote tell and ask encodes a message on one side and decodes it on the
other, between two socket wake-ups, when the CPU's caches are cold and each interpreted line
costs several times its warm price. Here the field checks and the rebuilding of the message
are C; msgpack itself is msgpack's own C.
"""

import time
import uuid

import msgpack

from ..errors import DecodeError, EncodeError, SchemaError
from ._envelope_py import check_version

from libc.math cimport isnan, isfinite

__all__ = ["MsgpackCodec"]
public_api = ["MsgpackCodec"]

cdef Py_ssize_t _FIELDS = 12
cdef object _UUID = uuid.UUID
cdef object _Packer = msgpack.Packer
cdef object _unpackb = msgpack.unpackb
cdef object _mono = time.monotonic
#: Integers past this are no number of seconds (and would not convert to a float).
cdef object _HUGE = 1e300


cdef class MsgpackCodec:
    """Encodes ``Message`` objects to their msgpack array and decodes them back.

    ``message_cls``: the ``Message`` class (``__new__`` makes an empty one to fill);
    ``validator_for(kind)``: the kind's payload check or None; ``message_types``: int ->
    ``MessageType``; ``priorities``: int -> ``Priority`` for the standard levels;
    ``version``/``major``: what this node writes and which major version it reads;
    ``empty_metadata``: the shared empty mapping; ``freeze(dict)``: a read-only view.
    """

    cdef public object message_cls
    cdef public object validator_for
    cdef public dict message_types
    cdef public dict priorities
    cdef public str version
    cdef public int major
    cdef public object empty_metadata
    cdef public object freeze

    def __init__(self, message_cls, validator_for, message_types, priorities, version, major, empty_metadata,
                 freeze):
        self.message_cls = message_cls
        self.validator_for = validator_for
        self.message_types = dict(message_types)
        self.priorities = dict(priorities)
        self.version = version
        self.major = major
        self.empty_metadata = empty_metadata
        self.freeze = freeze

    def encode(self, msg):
        """The msgpack form of ``msg`` (a ``Message``); ``EncodeError`` if msgpack cannot carry it."""
        cdef double left
        correlation = msg._correlation
        if type(correlation) is _UUID:
            correlation = correlation.bytes
        deadline = msg._deadline
        if deadline is None:
            remaining = None
        else:
            left = <double>deadline - <double>_mono()
            remaining = left if left > 0.0 else 0.0
        metadata = msg._metadata
        ident = msg._id
        if type(ident) is not bytes:
            ident = msg._id_bytes()
        try:
            return _Packer().pack(
                [self.version, ident, msg._kind, msg._payload, int(msg._type), int(msg._priority), remaining,
                 msg._created, correlation, msg._source, msg._target, dict(metadata) if metadata else None])
        except (TypeError, ValueError, OverflowError) as exc:
            raise EncodeError(f"cannot encode message {msg._kind!r} as msgpack: {exc}") from exc

    def decode(self, data):
        """The ``Message`` in msgpack ``data``; ``DecodeError`` (or ``SchemaError``) if malformed."""
        cdef list fields
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise DecodeError(f"msgpack data must be bytes, not {type(data).__name__}")
        try:
            decoded = _unpackb(data, raw=False, use_list=True, strict_map_key=False)
        except Exception as exc:  # msgpack raises many types for bad bytes
            raise DecodeError(f"not a msgpack message: {exc}") from None
        if type(decoded) is not list or len(<list>decoded) < _FIELDS:
            raise DecodeError("not a message: expected an array of at least 12 fields")
        fields = <list>decoded
        version = fields[0]
        ident = fields[1]
        kind = fields[2]
        payload = fields[3]
        mtype = fields[4]
        priority = fields[5]
        remaining = fields[6]
        created = fields[7]
        correlation = fields[8]
        source = fields[9]
        target = fields[10]
        metadata = fields[11]
        if type(ident) is not bytes or len(<bytes>ident) != 16:
            raise DecodeError("bad id: expected 16 bytes")
        if type(correlation) is bytes:
            if len(<bytes>correlation) != 16:
                raise DecodeError("bad correlation_id: expected 16 bytes, a str or nil")
            correlation = _UUID(bytes=correlation)
        return self._restore(version, ident, kind, payload, mtype, priority, remaining, created, correlation,
                             source, target, metadata)

    def restore(self, version, ident, kind, payload, mtype, priority, remaining, created, correlation, source,
                target, metadata):
        """Check decoded fields (of either wire form; ``ident`` already checked, ``correlation``
        a UUID, str or None) and build the ``Message``; ``DecodeError`` for a bad field."""
        return self._restore(version, ident, kind, payload, mtype, priority, remaining, created, correlation,
                             source, target, metadata)

    cdef object _restore(self, version, ident, kind, payload, mtype, priority, remaining, created, correlation,
                         source, target, metadata):
        cdef double number
        if type(version) is not str or version != self.version:
            check_version(version, self.major, self.version)
        if type(kind) is not str:
            raise DecodeError("bad kind: expected a string")
        message_type = self.message_types.get(mtype) if type(mtype) is int else None
        if message_type is None:
            raise DecodeError(f"bad message type {mtype!r}")
        if type(priority) is not int:
            raise DecodeError("bad priority: expected an integer")
        priority = self.priorities.get(priority, priority)
        if remaining is not None:
            if type(remaining) is float:
                number = <double>remaining
                if isnan(number) or number < 0.0:
                    raise DecodeError("bad ttl: expected a number of seconds >= 0 or nil")
            elif type(remaining) is not int or remaining < 0 or remaining > _HUGE:
                raise DecodeError("bad ttl: expected a number of seconds >= 0 or nil")
        if type(created) is float:
            if not isfinite(<double>created):
                raise DecodeError("bad created_at: expected a timestamp")
        elif type(created) is not int or not -_HUGE <= created <= _HUGE:
            raise DecodeError("bad created_at: expected a timestamp")
        if correlation is not None and type(correlation) is not str and type(correlation) is not _UUID:
            raise DecodeError("bad correlation_id: expected a UUID, a str or nil")
        if source is not None and type(source) is not str:
            raise DecodeError("bad source: expected a string or nil")
        if target is not None and type(target) is not str:
            raise DecodeError("bad target: expected a string or nil")
        if metadata is not None:
            if type(metadata) is not dict:
                raise DecodeError("bad metadata: expected a map with string keys or nil")
            for key in <dict>metadata:
                if type(key) is not str:
                    raise DecodeError("bad metadata: expected a map with string keys or nil")
        check = self.validator_for(kind)
        if check is not None:
            try:
                check(payload)
            except SchemaError:
                raise
            except Exception as exc:
                raise DecodeError(f"payload of {kind!r} could not be validated: {exc}") from None
        cls = self.message_cls
        msg = cls.__new__(cls)
        msg._id = ident
        msg._kind = kind
        msg._payload = payload
        msg._type = message_type
        msg._priority = priority
        msg._created = float(created)
        msg._ttl = remaining
        msg._deadline = None if remaining is None else <double>_mono() + <double>remaining
        msg._correlation = correlation
        msg._source = source
        msg._target = target
        msg._metadata = self.empty_metadata if not metadata else self.freeze(metadata)
        return msg

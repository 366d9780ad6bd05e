"""The ``Message`` envelope and its builder.

Invariants:
- A ``Message`` never changes after construction; ``replace`` and ``reply`` make new ones.
- ``id`` is a random (version 4) UUID, drawn on first use: most in-process messages are
  never looked up by id, so creating one costs a fraction of a ``uuid.uuid4()`` call.
  ``_id`` holds None (not drawn yet), the id's 16 bytes (drawn or decoded, all the wire
  needs), or the ``uuid.UUID`` built from them on first access to ``id``. The bytes come
  from a pool filled by ``os.urandom`` with the version and variant bits already set; the
  pool is emptied in a forked child so two processes never share ids.
- Expiry is tracked on the monotonic clock (``_deadline``) so a wall-clock jump neither
  revives nor kills a message; ``created_at``/``expires_at`` are wall-clock (UTC) for people.
"""

from __future__ import annotations

import math
import os
import threading
import time
import uuid
from types import MappingProxyType
from typing import Any, Generic, Mapping, TypeVar

from ._priority import STANDARD_PRIORITIES, MessageType, Priority

__all__ = ["Message", "MessageBuilder"]

P = TypeVar("P")

_EMPTY: Mapping[str, Any] = MappingProxyType({})
_ID_LOCK = threading.Lock()
_ID_BATCH = 256
_id_pool: list[bytes] = []


def _fill_id_pool() -> None:
    raw = bytearray(os.urandom(16 * _ID_BATCH))
    raw[6::16] = bytes((b & 0x0F) | 0x40 for b in raw[6::16])  # version 4
    raw[8::16] = bytes((b & 0x3F) | 0x80 for b in raw[8::16])  # RFC 4122 variant
    _id_pool.extend(bytes(raw[i:i + 16]) for i in range(0, len(raw), 16))


def _draw_id() -> bytes:
    """16 random bytes forming a version-4 UUID (thread-safe: ``list.pop`` is atomic)."""
    while True:
        try:
            return _id_pool.pop()
        except IndexError:
            _fill_id_pool()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_id_pool.clear)
_wall = time.time
_mono = time.monotonic
_UUID = uuid.UUID


def _check_ttl(ttl: Any) -> float | None:
    if ttl is None:
        return None
    if isinstance(ttl, bool) or not isinstance(ttl, (int, float)):
        raise TypeError(f"ttl must be a number of seconds or None, not {type(ttl).__name__}")
    if math.isnan(ttl) or ttl < 0:
        raise ValueError(f"ttl must be >= 0 seconds, not {ttl!r}")
    return ttl


def _check_priority(priority: Any) -> int:
    if priority.__class__ is int or priority.__class__ is Priority:
        return priority  # type: ignore[no-any-return]
    if isinstance(priority, bool) or not isinstance(priority, int):
        raise TypeError(f"priority must be an int or Priority, not {type(priority).__name__}")
    return STANDARD_PRIORITIES.get(int(priority), int(priority))


def _check_correlation(value: Any) -> uuid.UUID | str | None:
    if value is None or value.__class__ is _UUID or isinstance(value, (str, uuid.UUID)):
        return value  # type: ignore[no-any-return]
    raise TypeError(f"correlation_id must be a UUID, a str or None, not {type(value).__name__}")


class Message(Generic[P]):
    """An immutable envelope: what is sent, how urgently, for how long, and to whom.

    ``Message[EditPayload]`` types the payload for checkers. ``ttl`` is in seconds (None:
    never expires); an expired message is never delivered to an actor. ``source`` and
    ``target`` are endpoint ids (an actor name or an address). ``metadata`` is a read-only
    mapping for cross-cutting data (trace ids, auth) that handlers need not know about.
    """

    __slots__ = (
        "_id", "_kind", "_payload", "_type", "_priority", "_ttl", "_created",
        "_deadline", "_correlation", "_source", "_target", "_metadata", "__weakref__",
    )

    def __init__(
        self,
        kind: str,
        payload: P = None,  # type: ignore[assignment]
        *,
        priority: int = Priority.NORMAL,
        ttl: float | None = None,
        correlation_id: uuid.UUID | str | None = None,
        source: str | None = None,
        target: str | None = None,
        metadata: Mapping[str, Any] | None = None,
        message_type: MessageType = MessageType.EVENT,
    ) -> None:
        if kind.__class__ is not str:
            raise TypeError(f"kind must be a str, not {type(kind).__name__}")
        self._id: uuid.UUID | bytes | None = None
        self._kind = kind
        self._payload = payload
        self._type = message_type if message_type.__class__ is MessageType else MessageType(message_type)
        self._priority = (priority if priority.__class__ is Priority or priority.__class__ is int
                          else _check_priority(priority))
        self._created = _wall()
        if ttl is None:
            self._ttl: float | None = None
            self._deadline: float | None = None
        else:
            self._ttl = _check_ttl(ttl)
            self._deadline = _mono() + self._ttl  # type: ignore[operator]
        self._correlation = correlation_id if correlation_id is None else _check_correlation(correlation_id)
        self._source = source
        self._target = target
        self._metadata = _EMPTY if not metadata else MappingProxyType(dict(metadata))

    # -- fields -------------------------------------------------------------------------

    @property
    def id(self) -> uuid.UUID:
        """A random (version 4) UUID naming this message; replies carry it as correlation id."""
        ident = self._id
        if ident.__class__ is _UUID:
            return ident  # type: ignore[return-value]
        with _ID_LOCK:
            ident = self._id
            if ident is None:
                ident = _draw_id()
            if ident.__class__ is not _UUID:
                ident = self._id = _UUID(bytes=ident)  # type: ignore[arg-type]
        return ident  # type: ignore[return-value]

    def _id_bytes(self) -> bytes:
        """The id's 16 bytes (drawn now if need be), without building a ``uuid.UUID``."""
        ident = self._id
        if ident is None:
            with _ID_LOCK:
                ident = self._id
                if ident is None:
                    ident = self._id = _draw_id()
        return ident if ident.__class__ is bytes else ident.bytes  # type: ignore[union-attr,return-value]

    @property
    def kind(self) -> str:
        """What the message is about (``"edit"``, ``"dag.task_done"``); selects its schema."""
        return self._kind

    @property
    def payload(self) -> P:
        """The content; any value for in-process use, msgpack/JSON-able to cross a wire."""
        return self._payload

    @property
    def message_type(self) -> MessageType:
        """REQUEST, RESPONSE, EVENT, ERROR or HEARTBEAT."""
        return self._type

    @property
    def priority(self) -> int:
        """Urgency: a ``Priority`` member or a custom integer level (higher is more urgent)."""
        return self._priority

    @property
    def ttl(self) -> float | None:
        """Seconds the message may live from ``created_at`` (None: forever).

        On a decoded message, the time that remained when it was encoded.
        """
        return self._ttl

    @property
    def created_at(self) -> float:
        """When the message was created, as a UTC POSIX timestamp (sub-millisecond)."""
        return self._created

    @property
    def expires_at(self) -> float | None:
        """When the message expires, as a UTC POSIX timestamp (None: never)."""
        if self._ttl is None:
            return None
        return self._created + self._ttl

    @property
    def correlation_id(self) -> uuid.UUID | str | None:
        """The id of the message this one answers, if any."""
        return self._correlation

    @property
    def source(self) -> str | None:
        """Endpoint id of the sender (actor name or address), where a reply should go."""
        return self._source

    @property
    def target(self) -> str | None:
        """Endpoint id of the intended recipient."""
        return self._target

    @property
    def metadata(self) -> Mapping[str, Any]:
        """Read-only extra fields (tracing, auth) carried alongside the payload."""
        return self._metadata

    # -- time ---------------------------------------------------------------------------

    def age(self) -> float:
        """Seconds since the message was created (by the wall clock)."""
        return _wall() - self._created

    def remaining(self) -> float | None:
        """Seconds until expiry (0.0 once expired), or None when the message never expires."""
        deadline = self._deadline
        if deadline is None:
            return None
        left = deadline - _mono()
        return left if left > 0.0 else 0.0

    def is_expired(self, now: float | None = None) -> bool:
        """Whether the TTL has run out; ``now`` (a UTC POSIX timestamp) defaults to the present."""
        if self._deadline is None:
            return False
        if now is None:
            return _mono() >= self._deadline
        return now >= self._created + self._ttl  # type: ignore[operator]

    # -- derived messages ---------------------------------------------------------------

    def reply(self, payload: Any = None, *, message_type: MessageType = MessageType.RESPONSE,
              metadata: Mapping[str, Any] | None = None) -> Message[Any]:
        """A RESPONSE (or ``message_type``) to this message: correlated to its id, addressed to its source."""
        return Message(
            self._kind, payload, priority=self._priority, correlation_id=self.id,
            source=self._target, target=self._source, metadata=metadata, message_type=message_type,
        )

    def replace(self, **changes: Any) -> Message[Any]:
        """A copy with some fields changed (any constructor keyword, plus ``kind`` and ``payload``).

        The copy keeps this message's id and creation time; a changed ``ttl`` counts from
        ``created_at``. Pass ``id=None`` for a fresh id.
        """
        unknown = set(changes) - _REPLACEABLE
        if unknown:
            raise TypeError(f"replace() got unknown fields {sorted(unknown)}")
        new = Message(
            changes.get("kind", self._kind),
            changes.get("payload", self._payload),
            priority=changes.get("priority", self._priority),
            ttl=None,
            correlation_id=changes.get("correlation_id", self._correlation),
            source=changes.get("source", self._source),
            target=changes.get("target", self._target),
            metadata=changes.get("metadata", self._metadata),
            message_type=changes.get("message_type", self._type),
        )
        if "id" in changes:
            ident = changes["id"]
            new._id = ident if ident is None or isinstance(ident, uuid.UUID) else uuid.UUID(str(ident))
        else:
            new._id = self._id_bytes()
        new._created = self._created
        if "ttl" in changes:
            ttl = _check_ttl(changes["ttl"])
            new._ttl = ttl
            new._deadline = None if ttl is None else _mono() + (self._created + ttl - _wall())
        else:
            new._ttl, new._deadline = self._ttl, self._deadline
        return new

    @classmethod
    def build(cls, kind: str) -> MessageBuilder:
        """Start a fluent builder: ``Message.build("edit").payload(x).ttl(1.5).build()``."""
        return MessageBuilder(kind)

    @classmethod
    def _restore(cls, ident: uuid.UUID | bytes | None, kind: str, payload: Any, message_type: MessageType,
                 priority: int, remaining: float | None, created: float,
                 correlation: uuid.UUID | str | None, source: str | None, target: str | None,
                 metadata: Mapping[str, Any] | None) -> Message[Any]:
        """Rebuild a decoded message. ``remaining`` is the TTL left when it was encoded:
        it restarts on this machine's clock, so clock skew between machines does not matter."""
        msg: Message[Any] = cls.__new__(cls)
        msg._id = ident
        msg._kind = kind
        msg._payload = payload
        msg._type = message_type
        msg._priority = priority
        msg._created = created
        msg._ttl = remaining
        msg._deadline = None if remaining is None else _mono() + remaining
        msg._correlation = correlation
        msg._source = source
        msg._target = target
        msg._metadata = _EMPTY if not metadata else MappingProxyType(dict(metadata))
        return msg

    # -- protocol -----------------------------------------------------------------------

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Message):
            return NotImplemented
        return (self.id == other.id and self._kind == other._kind and self._payload == other._payload
                and self._type == other._type and self._priority == other._priority
                and self._correlation == other._correlation and self._source == other._source
                and self._target == other._target and dict(self._metadata) == dict(other._metadata))

    def __hash__(self) -> int:
        return hash(self.id)

    def __repr__(self) -> str:
        parts = [f"{self._kind!r}", f"payload={self._payload!r}"]
        if self._type is not MessageType.EVENT:
            parts.append(f"message_type={self._type.name}")
        if self._priority != 0:
            parts.append(f"priority={self._priority!r}")
        if self._ttl is not None:
            parts.append(f"ttl={self._ttl!r}")
        if self._correlation is not None:
            parts.append(f"correlation_id={self._correlation!s}")
        if self._source is not None:
            parts.append(f"source={self._source!r}")
        if self._target is not None:
            parts.append(f"target={self._target!r}")
        if self._metadata:
            parts.append(f"metadata={dict(self._metadata)!r}")
        return f"Message({', '.join(parts)})"


_REPLACEABLE = frozenset({"kind", "payload", "priority", "ttl", "correlation_id", "source", "target",
                          "metadata", "message_type", "id"})


class MessageBuilder:
    """Fluent construction of a ``Message``, for call sites that set many fields.

    Each setter returns the builder; ``build()`` returns the immutable ``Message``. A builder
    can be reused: ``build()`` may be called again and makes a new message each time.
    """

    __slots__ = ("_kind", "_payload", "_kw", "_metadata")

    def __init__(self, kind: str) -> None:
        self._kind = kind
        self._payload: Any = None
        self._kw: dict[str, Any] = {}
        self._metadata: dict[str, Any] | None = None

    def payload(self, value: Any) -> MessageBuilder:
        """Set the payload."""
        self._payload = value
        return self

    def priority(self, value: int) -> MessageBuilder:
        """Set the priority (a ``Priority`` member or a custom integer)."""
        self._kw["priority"] = value
        return self

    def ttl(self, seconds: float | None) -> MessageBuilder:
        """Set the time to live in seconds (None: never expires)."""
        self._kw["ttl"] = seconds
        return self

    def correlation_id(self, value: uuid.UUID | str | None) -> MessageBuilder:
        """Set the id of the message this one answers."""
        self._kw["correlation_id"] = value
        return self

    def source(self, value: str | None) -> MessageBuilder:
        """Set the sender's endpoint id."""
        self._kw["source"] = value
        return self

    def target(self, value: str | None) -> MessageBuilder:
        """Set the recipient's endpoint id."""
        self._kw["target"] = value
        return self

    def message_type(self, value: MessageType) -> MessageBuilder:
        """Set the message type (REQUEST, RESPONSE, EVENT, ERROR, HEARTBEAT)."""
        self._kw["message_type"] = value
        return self

    def metadata(self, mapping: Mapping[str, Any] | None = None, /, **fields: Any) -> MessageBuilder:
        """Add metadata fields (merged with any set before)."""
        if self._metadata is None:
            self._metadata = {}
        if mapping:
            self._metadata.update(mapping)
        self._metadata.update(fields)
        return self

    def build(self) -> Message[Any]:
        """Make the message."""
        return Message(self._kind, self._payload, metadata=self._metadata, **self._kw)

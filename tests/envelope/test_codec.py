"""Wire forms: round trips, TTL as time remaining, versions, and malformed input -> DecodeError only."""

from __future__ import annotations

import json
import time
import uuid

import msgpack
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from symphony import (PROTOCOL_VERSION, DecodeError, EncodeError, Message, MessageType, Priority, decode,
                      encode)

FORMATS = ["msgpack", "json"]

payloads = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(max_size=20)
    | st.floats(allow_nan=False, allow_infinity=False),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)


@st.composite
def messages(draw):
    return Message(
        draw(st.text(min_size=1, max_size=12)),
        draw(payloads),
        priority=draw(st.sampled_from(list(Priority)) | st.integers(-5000, 5000)),
        ttl=draw(st.none() | st.floats(min_value=60, max_value=1e6)),
        correlation_id=draw(st.none() | st.uuids(version=4) | st.text(min_size=1, max_size=10)),
        source=draw(st.none() | st.text(max_size=10)),
        target=draw(st.none() | st.text(max_size=10)),
        metadata=draw(st.none() | st.dictionaries(st.text(max_size=5), st.integers(-(2**53), 2**53), max_size=3)),
        message_type=draw(st.sampled_from(list(MessageType))),
    )


@pytest.mark.parametrize("fmt", FORMATS)
@settings(max_examples=150, deadline=None)
@given(msg=messages())
def test_round_trip(fmt, msg):
    if fmt == "json" and isinstance(msg.correlation_id, str) and len(msg.correlation_id) == 36:
        return  # documented: a 36-char string correlation id that parses as a UUID comes back as a UUID
    back = decode(encode(msg, fmt), fmt)
    assert back == msg
    assert back.created_at == msg.created_at
    assert back.message_type is msg.message_type
    if msg.ttl is not None:
        assert 0 < back.ttl <= msg.ttl


def test_small_message_is_compact():
    assert len(encode(Message("edit", {"a": 1}))) <= 128


@pytest.mark.parametrize("fmt", FORMATS)
def test_ttl_travels_as_time_remaining(fmt):
    msg = Message("x", ttl=5.0)  # long enough that a stalled test thread cannot expire it
    time.sleep(0.1)
    back = decode(encode(msg, fmt), fmt)
    assert back.ttl <= 4.91
    assert not back.is_expired()
    expired = Message("x", ttl=0.01)
    time.sleep(0.02)
    assert decode(encode(expired, fmt), fmt).is_expired()


def test_ttl_ignores_the_senders_clock():
    """A sender whose wall clock is an hour off still gives the receiver the real time left."""
    fields = msgpack.unpackb(encode(Message("x", ttl=30)))
    fields[7] -= 3600  # created_at from a skewed clock
    back = decode(msgpack.packb(fields))
    assert not back.is_expired() and 29 < back.remaining() <= 30


def test_incompatible_major_version_is_refused():
    fields = msgpack.unpackb(encode(Message("x")))
    fields[0] = "2.0"
    with pytest.raises(DecodeError, match="incompatible"):
        decode(msgpack.packb(fields))
    obj = json.loads(encode(Message("x"), "json"))
    obj["v"] = "2.3"
    with pytest.raises(DecodeError):
        decode(json.dumps(obj), "json")


def test_newer_minor_version_with_extra_fields_is_accepted():
    fields = msgpack.unpackb(encode(Message("x", 5)))
    fields[0] = PROTOCOL_VERSION.split(".")[0] + ".9"
    fields.append("a field from the future")
    assert decode(msgpack.packb(fields)).payload == 5


@pytest.mark.parametrize("index, value", [
    (1, b"short"), (1, "not-bytes"), (2, 3), (4, 99), (4, "event"), (5, "high"), (5, 1.5),
    (6, -1.0), (6, "soon"), (7, "yesterday"), (8, b"123"), (8, 7), (9, 5), (10, ["t"]), (11, [1]),
    (11, {1: 2}), (0, 1), (0, "x.y"),
])
def test_wrong_field_types_are_decode_errors(index, value):
    fields = msgpack.unpackb(encode(Message("x", 1, ttl=5)))
    fields[index] = value
    with pytest.raises(DecodeError):
        decode(msgpack.packb(fields, use_bin_type=True))


@pytest.mark.parametrize("data", [b"", b"\x00", b"\x93\x01\x02\x03", msgpack.packb({"a": 1}), b"\xc1",
                                  msgpack.packb([1] * 12), "not bytes", 12, None, b"\x91" * 5000])
def test_malformed_msgpack(data):
    with pytest.raises(DecodeError):
        decode(data)


@pytest.mark.parametrize("data", [b"", b"{", b"[]", b'{"v":"1.0"}', b"\xff\xfe", "null", 3,
                                  b'{"v":"1.0","id":"nope","kind":"x","type":"event","priority":0,"created_at":1}',
                                  b'{"v":"1.0","id":"' + str(uuid.uuid4()).encode() +
                                  b'","kind":"x","type":"shout","priority":0,"created_at":1}'])
def test_malformed_json(data):
    with pytest.raises(DecodeError):
        decode(data, "json")


def test_unknown_format():
    with pytest.raises(DecodeError):
        decode(b"", "xml")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        encode(Message("x"), "xml")  # type: ignore[arg-type]


@settings(max_examples=500, deadline=None)
@given(st.binary(max_size=300))
def test_random_bytes_raise_decode_error_and_nothing_else(data):
    for fmt in FORMATS:
        try:
            decode(data, fmt)
        except DecodeError:
            pass


@settings(max_examples=300, deadline=None)
@given(msg=messages(), cut=st.integers(0, 400), flips=st.lists(st.tuples(st.integers(0, 400), st.integers(1, 255)),
                                                                 max_size=4))
def test_truncated_or_mutated_frames_raise_decode_error_or_decode(msg, cut, flips):
    for fmt in FORMATS:
        frame = bytearray(encode(msg, fmt))
        for position, xor in flips:
            if frame:
                frame[position % len(frame)] ^= xor
        for data in (bytes(frame), bytes(frame[: cut % (len(frame) + 1)])):
            try:
                decoded = decode(data, fmt)
            except DecodeError:
                continue
            assert isinstance(decoded, Message)


def test_unencodable_payloads_raise_encode_error():
    with pytest.raises(EncodeError):
        encode(Message("x", object()))
    with pytest.raises(EncodeError):
        encode(Message("x", b"bytes"), "json")
    with pytest.raises(EncodeError):
        encode(Message("x", float("nan")), "json")
    with pytest.raises(EncodeError):
        encode(Message("x", 2**70))
    assert decode(encode(Message("x", b"bytes"))).payload == b"bytes"
    with pytest.raises(TypeError):
        encode({"kind": "x"})  # type: ignore[arg-type]

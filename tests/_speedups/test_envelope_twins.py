"""Both twins of ``_envelope`` (compiled and pure) write the same bytes, read back the same
messages and refuse the same garbage with the same errors."""

from __future__ import annotations

from types import MappingProxyType

import msgpack
import pytest
from hypothesis import given, settings

from symphony import DecodeError, EncodeError, Message, SchemaError, _speedups
from symphony.envelope import _codec, register_kind, unregister_kind
from symphony.envelope._kinds import fast_validator_for
from symphony.envelope._message import _EMPTY
from symphony.envelope._priority import MESSAGE_TYPES, STANDARD_PRIORITIES

from ..envelope.test_codec import messages

VARIANTS = _speedups.variants("_envelope")
CODECS = {name: module.MsgpackCodec(Message, fast_validator_for, MESSAGE_TYPES, STANDARD_PRIORITIES,
                                    _codec.PROTOCOL_VERSION, 1, _EMPTY, MappingProxyType)
          for name, module in VARIANTS.items()}


@pytest.fixture(params=sorted(CODECS))
def codec(request):
    return CODECS[request.param]


def test_the_codec_in_use_is_one_of_the_twins():
    assert type(_codec._MSGPACK) in {type(c) for c in CODECS.values()}
    if "compiled" in VARIANTS and not _speedups.PURE_PYTHON:
        assert type(_codec._MSGPACK) is type(CODECS["compiled"])


@settings(max_examples=150, deadline=None)
@given(msg=messages())
def test_twins_write_the_same_bytes_and_read_back_the_message(msg):
    msg._id_bytes()
    if msg.ttl is not None:
        return  # the remaining TTL is read at encoding time: compared in the round trip only
    encoded = {name: c.encode(msg) for name, c in CODECS.items()}
    assert len(set(encoded.values())) == 1
    for c in CODECS.values():
        back = c.decode(next(iter(encoded.values())))
        assert back == msg and back.message_type is msg.message_type and back.created_at == msg.created_at


GOOD = msgpack.unpackb(msgpack.packb(["1.0", b"i" * 16, "k", 1, 3, 0, None, 1.0, None, None, None, None]))
BAD_FIELDS = [
    (0, 2), (0, "2.0"), (0, "x.y"), (1, b"short"), (1, "s" * 16), (2, 5), (4, 99), (4, "3"), (5, 1.5),
    (6, -1), (6, float("nan")), (6, "5"), (6, True), (7, float("inf")), (7, "now"),
    (8, b"x"), (8, 5), (9, 3), (10, b"t"), (11, [1]), (11, {1: 2}),
]


@pytest.mark.parametrize("index,value", BAD_FIELDS)
def test_twins_refuse_the_same_bad_fields_with_the_same_message(index, value):
    fields = list(GOOD)
    fields[index] = value
    data = msgpack.packb(fields)
    errors = set()
    for c in CODECS.values():
        with pytest.raises(DecodeError) as info:
            c.decode(data)
        errors.add(str(info.value))
    assert len(errors) == 1


@pytest.mark.parametrize("junk", [b"", b"\xc1", msgpack.packb([1, 2]), msgpack.packb({"a": 1}), "text", 5])
def test_twins_refuse_garbage(codec, junk):
    with pytest.raises(DecodeError):
        codec.decode(junk)


def test_twins_accept_a_newer_minor_version_and_extra_fields(codec):
    fields = list(GOOD)
    fields[0] = "1.7"
    back = codec.decode(msgpack.packb(fields + ["a field from the future"]))
    assert back.kind == "k" and back.payload == 1


def test_twins_check_registered_schemas_and_refuse_what_msgpack_cannot_carry(codec):
    register_kind("twin.test", {"type": "object", "required": ["n"]})
    try:
        fields = list(GOOD)
        fields[2] = "twin.test"
        with pytest.raises(SchemaError):
            codec.decode(msgpack.packb(fields))
    finally:
        unregister_kind("twin.test")
    with pytest.raises(EncodeError):
        codec.encode(Message("x", object()))


@pytest.mark.parametrize("field", ["ttl", "created_at"])
def test_a_number_too_big_for_a_float_is_a_decode_error_in_json(field):
    """JSON carries integers of any size; one past a float's range is refused, not an OverflowError."""
    import json

    obj = json.loads(_codec.encode(Message("x", 1), "json"))
    obj[field] = 10**400
    with pytest.raises(DecodeError):
        _codec.decode(json.dumps(obj), "json")

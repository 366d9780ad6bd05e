"""The kind registry: JSON Schemas checked on decode and on request."""

from __future__ import annotations

import pytest

from symphony import (DecodeError, Message, SchemaError, decode, encode, register_kind, registered_kinds,
                      unregister_kind, validate)

EDIT = {"type": "object", "properties": {"offset": {"type": "integer", "minimum": 0}, "text": {"type": "string"}},
        "required": ["offset", "text"], "additionalProperties": False}


@pytest.fixture
def edit_kind():
    register_kind("test.edit", EDIT)
    yield "test.edit"
    unregister_kind("test.edit")


def test_valid_payload_passes(edit_kind):
    msg = Message(edit_kind, {"offset": 3, "text": "hi"})
    validate(msg)
    assert decode(encode(msg)).payload == {"offset": 3, "text": "hi"}
    assert registered_kinds()[edit_kind] == EDIT


@pytest.mark.parametrize("payload", [{"offset": -1, "text": "x"}, {"offset": 1}, {"offset": "1", "text": "x"},
                                     {"offset": 1, "text": "x", "extra": 1}, None, [1]])
def test_invalid_payload_raises_schema_error(edit_kind, payload):
    msg = Message(edit_kind, payload)
    with pytest.raises(SchemaError) as caught:
        validate(msg)
    assert caught.value.kind == edit_kind and caught.value.detail
    for fmt in ("msgpack", "json"):
        with pytest.raises(SchemaError):
            decode(encode(msg, fmt), fmt)


def test_schema_error_is_not_a_decode_error(edit_kind):
    assert not issubclass(SchemaError, DecodeError)


def test_unregistered_kinds_pass():
    validate(Message("test.free", object()))
    assert decode(encode(Message("test.free", [1, 2]))).payload == [1, 2]


def test_invalid_schema_is_refused_and_the_old_one_stays(edit_kind):
    with pytest.raises(SchemaError):
        register_kind(edit_kind, {"type": "no-such-type"})
    with pytest.raises(SchemaError):
        validate(Message(edit_kind, {"offset": -1, "text": ""}))


def test_unregister():
    register_kind("test.gone", {"type": "integer"})
    unregister_kind("test.gone")
    unregister_kind("test.never-registered")
    validate(Message("test.gone", "not an int"))

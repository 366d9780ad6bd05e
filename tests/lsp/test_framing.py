"""LSP framing: round trip, and every kind of broken frame raises a typed error without reading on."""

from __future__ import annotations

import io

import pytest

from symphony.errors import LanguageServerError
from symphony.lsp import encode_frame, read_frame


def test_round_trip_with_non_ascii_and_several_frames():
    stream = io.BytesIO(encode_frame({"a": "😀é"}) + b"Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n"
                        + encode_frame([1, 2])[0:] )
    assert read_frame(stream) == {"a": "😀é"}
    # a Content-Type header before the next frame's Content-Length is accepted
    assert read_frame(stream) == [1, 2]
    assert read_frame(stream) is None


def test_the_length_counts_bytes_not_characters():
    frame = encode_frame({"k": "😀"})
    header, body = frame.split(b"\r\n\r\n", 1)
    assert int(header.split(b":")[1]) == len(body)


@pytest.mark.parametrize("data", [
    b"Content-Length: twelve\r\n\r\n{}",  # not a number
    b"Content-Length: -3\r\n\r\n{}",
    b"Content-Type: x\r\n\r\n{}",  # no length
    b"Content-Length: 100\r\n\r\n{\"jsonrpc\": ",  # half a frame, then the end
    b"Content-Length: 9\r\n\r\nnot json!",  # not JSON
    b"Content-Length: 2\r\n\r\n42",  # JSON, but not an object
    b"Content-Length: 1000000000000\r\n\r\n",  # huge: refused before reading
    b"Content-Length: 10\r\n",  # headers cut off
    b"no colon here\r\n\r\n",
    b"X" * 10_000,  # a header line that never ends
    b"Content-Length: 3\r\n\r\n\xff\xfe{",  # not UTF-8
])
def test_broken_frames_raise_typed_errors(data):
    with pytest.raises(LanguageServerError):
        read_frame(io.BytesIO(data))


def test_the_size_limit_is_configurable():
    with pytest.raises(LanguageServerError, match="exceeds"):
        read_frame(io.BytesIO(encode_frame({"x": "y" * 100})), max_size=50)

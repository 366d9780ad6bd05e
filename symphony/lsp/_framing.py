"""LSP's base protocol: ``Content-Length`` framed JSON messages over a byte stream.

A frame is ASCII headers (``Content-Length: N`` required, ``Content-Type`` allowed and
ignored), each ending in ``\\r\\n``, a blank line, then N bytes of UTF-8 JSON. A frame
that breaks these rules (a missing or non-numeric length, a header line that never
ends, a body larger than ``max_size``, a stream that ends mid-frame, a body that is not
a JSON object or array) raises :class:`~symphony.errors.LanguageServerError`: the stream is
then out of step and the caller drops the connection, never guessing where the next
frame starts.
"""

from __future__ import annotations

import json
from typing import IO, Any

from ..errors import LanguageServerError

__all__ = ["DEFAULT_MAX_FRAME", "encode_frame", "read_frame"]

#: The largest body accepted (64 MiB): a larger ``Content-Length`` is refused before any
#: byte of it is read, so a hostile server cannot make the client allocate it.
DEFAULT_MAX_FRAME = 64 * 1024 * 1024
_MAX_HEADER_LINE = 4096
_MAX_HEADERS = 32

_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
_loads = json.loads


def encode_frame(message: Any) -> bytes:
    """The frame (headers and UTF-8 JSON body) that carries ``message``."""
    body = _dumps(message).encode("utf-8")
    return b"Content-Length: %d\r\n\r\n%b" % (len(body), body)


def read_frame(stream: IO[bytes], max_size: int = DEFAULT_MAX_FRAME) -> Any | None:
    """The next message on ``stream``, decoded; None at a clean end of stream (between frames).

    Raises ``LanguageServerError`` for a malformed frame (see the module docs).
    """
    length: int | None = None
    headers = 0
    while True:
        line = stream.readline(_MAX_HEADER_LINE)
        if not line:
            if headers == 0:
                return None
            raise LanguageServerError("the language server's output ended inside a frame's headers")
        if not line.endswith(b"\n"):
            raise LanguageServerError(f"a header line longer than {_MAX_HEADER_LINE} bytes, or cut off: {line[:80]!r}")
        if line in (b"\r\n", b"\n"):
            if headers == 0:  # tolerate stray blank lines between frames
                continue
            break
        headers += 1
        if headers > _MAX_HEADERS:
            raise LanguageServerError(f"more than {_MAX_HEADERS} header lines in one frame")
        name, sep, value = line.partition(b":")
        if not sep:
            raise LanguageServerError(f"not an LSP header line: {line[:80]!r}")
        if name.strip().lower() == b"content-length":
            text = value.strip()
            if not text.isdigit():
                raise LanguageServerError(f"bad Content-Length {text[:40]!r}")
            length = int(text)
    if length is None:
        raise LanguageServerError("a frame without a Content-Length header")
    if length > max_size:
        raise LanguageServerError(f"a frame of {length} bytes exceeds the limit of {max_size}")
    body = stream.read(length)
    if len(body) < length:
        raise LanguageServerError(f"the language server's output ended inside a frame ({len(body)} of {length} bytes)")
    try:
        message = _loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise LanguageServerError(f"a frame whose body is not JSON: {exc}") from None
    if not isinstance(message, (dict, list)):
        raise LanguageServerError(f"a frame whose body is a JSON {type(message).__name__}, not an object")
    return message

"""The text side of the wire: fetching a document with ``get_data`` chunks, and turning code
point offsets into the UTF-8 byte offsets xi's plugin protocol counts in.

xi-core answers ``get_data {start, unit, max_size, rev}`` with ``{chunk, offset, first_line,
first_line_offset}`` (``GetDataResponse`` in ``core-lib/src/plugins/rpc.rs``): at most
``max_size`` bytes of the text at ``rev`` from ``start`` (a byte offset for ``unit: "utf8"``,
a line number for ``"line"``), cut on character boundaries; ``null`` when it has no such
revision. Everything here checks what it is given and raises
:class:`~symphony.errors.PluginProtocolError` rather than build a wrong text.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from ...errors import PluginProtocolError
from ...text import Rope

__all__ = ["CHUNK_SIZE", "DataChunk", "byte_offsets", "check_data", "fetch_document", "utf8_size"]

#: Bytes asked for per ``get_data`` (xi's plugin-lib asks for 1 MiB).
CHUNK_SIZE = 1 << 20


@dataclass(frozen=True)
class DataChunk:
    """A ``get_data`` answer: ``chunk`` starts at byte ``offset``, which is ``first_line_offset``
    bytes into line ``first_line``."""

    chunk: str
    offset: int
    first_line: int
    first_line_offset: int


def _count(value: Any) -> bool:
    return type(value) is int and value >= 0


def utf8_size(text: str) -> int:
    """Bytes of ``text`` in UTF-8; PluginProtocolError if it holds a lone surrogate."""
    try:
        return len(text.encode("utf-8"))
    except UnicodeEncodeError as exc:
        raise PluginProtocolError(f"get_data: text holds a lone surrogate: {exc}") from None


def check_data(answer: Any) -> DataChunk:
    """The :class:`DataChunk` in a ``get_data`` answer; PluginProtocolError for anything else."""
    if answer is None:
        raise PluginProtocolError("get_data: the core has no such revision (answered null)")
    if not isinstance(answer, dict):
        raise PluginProtocolError(f"get_data: expected an object, got {type(answer).__name__}")
    chunk = answer.get("chunk")
    offset: Any = answer.get("offset")
    first_line: Any = answer.get("first_line")
    first_line_offset: Any = answer.get("first_line_offset")
    if not (isinstance(chunk, str) and _count(offset) and _count(first_line) and _count(first_line_offset)):
        raise PluginProtocolError("get_data: expected {chunk: string, offset, first_line, "
                                  "first_line_offset: counts}")
    utf8_size(chunk)
    return DataChunk(chunk, offset, first_line, first_line_offset)


def fetch_document(get_data: Callable[[int, int], Any], size: int, chunk_size: int = CHUNK_SIZE) -> Rope:
    """The whole text of ``size`` bytes, fetched in ``chunk_size`` pieces with
    ``get_data(start_byte, max_size)`` (which returns the core's raw answer)."""
    pieces: list[str] = []
    done = 0
    while done < size:
        data = check_data(get_data(done, chunk_size))
        if data.offset != done:
            raise PluginProtocolError(f"get_data: asked for byte {done}, got a chunk at {data.offset}")
        got = utf8_size(data.chunk)
        if got == 0:
            raise PluginProtocolError(f"get_data: empty chunk at byte {done} of {size}")
        done += got
        if done > size:
            raise PluginProtocolError(f"get_data: the text is longer than the {size} bytes announced")
        pieces.append(data.chunk)
    return Rope.from_chunks(pieces)


def byte_offsets(doc: Rope, start: int, end: int, points: Iterable[int]) -> tuple[int, dict[int, int]]:
    """For code points ``points`` (relative to ``start``, within ``[0, end - start]``) of ``doc``,
    their byte offsets relative to ``start``'s byte offset: ``(start_byte, {point: bytes})``.

    One pass over the text of ``[start, end)``; none when it is ASCII (bytes equal code points).
    """
    b0 = doc.to_utf8(start)
    wanted = sorted(set(points))
    if doc.to_utf8(end) - b0 == end - start:
        return b0, {p: p for p in wanted}
    text = doc[start:end]
    out: dict[int, int] = {}
    prev = 0
    nbytes = 0
    for p in wanted:
        nbytes += len(text[prev:p].encode("utf-8", "surrogatepass"))
        out[p] = nbytes
        prev = p
    return b0, out

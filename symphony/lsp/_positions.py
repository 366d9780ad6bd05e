"""LSP positions (line, character in the negotiated encoding) <-> rope offsets (code points).

Each conversion is O(log n) on a :class:`~symphony.text.Rope`: the line is found with
``line_of_offset``/``offset_of_line`` and the character counted with the rope's cached
UTF-16/UTF-8 sums (``to_utf16``/``from_utf16``, ``to_utf8``/``from_utf8``), never by
scanning the line. A character past the end of its line (or a line past the end of the
text) is clamped, as the specification asks: servers are allowed to send them.
"""

from __future__ import annotations

from typing import Literal

from ..text import Rope

__all__ = ["Encoding", "offset_of", "position_of"]

#: The position encodings of LSP 3.17 (``PositionEncodingKind``).
Encoding = Literal["utf-8", "utf-16", "utf-32"]


def position_of(rope: Rope, offset: int, encoding: Encoding = "utf-16") -> tuple[int, int]:
    """``(line, character)`` of code point ``offset`` (clamped to the text) in ``encoding``."""
    offset = min(max(offset, 0), len(rope))
    line = rope.line_of_offset(offset)
    start = rope.offset_of_line(line)
    if encoding == "utf-16":
        return line, rope.to_utf16(offset) - rope.to_utf16(start)
    if encoding == "utf-8":
        return line, rope.to_utf8(offset) - rope.to_utf8(start)
    return line, offset - start


def _line_end(rope: Rope, line: int) -> int:
    """Offset of the end of ``line``'s text (before its ``\\n``)."""
    if line + 1 >= rope.line_count:
        return len(rope)
    return rope.offset_of_line(line + 1) - 1


def offset_of(rope: Rope, line: int, character: int, encoding: Encoding = "utf-16") -> int:
    """The code point offset of LSP position ``(line, character)`` in ``encoding``.

    A line past the last one maps to the end of the text; a character past its line's end
    to that end; a character inside a surrogate pair (or a UTF-8 sequence) to the start of
    its code point.
    """
    if line < 0:
        return 0
    if line >= rope.line_count:
        return len(rope)
    start = rope.offset_of_line(line)
    end = _line_end(rope, line)
    character = max(character, 0)
    if encoding == "utf-16":
        units = rope.to_utf16(start) + character
        offset = end if units >= rope.to_utf16(end) else rope.from_utf16(units)
    elif encoding == "utf-8":
        nbytes = rope.to_utf8(start) + character
        offset = end if nbytes >= rope.to_utf8(end) else rope.from_utf8(nbytes)
    else:
        offset = start + character
    return min(offset, end)

"""xi's plugin wire structs (``rust/core-lib/src/plugins/rpc.rs``), built from and read into our types.

Offsets on the wire are UTF-8 bytes; ours are code points. Everything here is a pure
function of a :class:`~symphony.text.Rope` (persistent, so the rope of an old revision
answers a ``get_data`` for that revision exactly).

Invariants: a reader (``byte_offset``, ``check_*``) either returns a value of the stated
type or raises :class:`~symphony.errors.PluginProtocolError` naming the bad field.
"""

from __future__ import annotations

from typing import Any

from ..errors import PluginProtocolError
from ..text import Rope
from ._xi_delta import delta_to_xi

__all__ = [
    "MAX_SIZE_LIMIT",
    "buffer_info",
    "byte_offset",
    "get_data",
    "integer",
    "update_params",
]

#: xi-core's ``MAX_SIZE_LIMIT``: the largest ``get_data`` chunk, and the delta size (inserted
#: text + 10 per element) past which ``update`` carries ``delta: null``.
MAX_SIZE_LIMIT = 1024 * 1024


def integer(params: dict[str, Any], key: str, *, default: Any = ...) -> int:
    """``params[key]`` as a non-negative int (not a bool, not a float)."""
    value = params.get(key, default)
    if value is ...:
        raise PluginProtocolError(f"missing parameter {key!r}")
    if type(value) is not int or value < 0:
        raise PluginProtocolError(f"{key} must be a non-negative integer, not {value!r}")
    return value


def byte_offset(rope: Rope, value: int, what: str) -> int:
    """The code point offset of UTF-8 offset ``value`` in ``rope`` (must be on a character boundary)."""
    if not 0 <= value <= rope.utf8_len:
        raise PluginProtocolError(f"{what} {value} is outside the text (0..{rope.utf8_len} bytes)")
    offset = rope.from_utf8(value)
    if rope.to_utf8(offset) != value:
        raise PluginProtocolError(f"{what} {value} is inside a character")
    return offset


def buffer_info(buffer_id: int, views: list[str], rev: int, rope: Rope, path: str | None,
                syntax: str, config: dict[str, Any]) -> dict[str, Any]:
    """``PluginBufferInfo``: what ``initialize`` and ``new_buffer`` tell a plugin of one buffer."""
    info: dict[str, Any] = {"buffer_id": buffer_id, "views": list(views), "rev": rev,
                            "buf_size": rope.utf8_len, "nb_lines": rope.line_count,
                            "syntax": syntax, "config": dict(config)}
    if path is not None:
        info["path"] = path
    return info


def update_params(view_id: str, event: Any) -> dict[str, Any]:
    """``PluginUpdate`` for the :class:`EditEvent` ``event`` (``delta`` null when too large)."""
    delta = event.delta
    approx = 0
    for op in delta.ops:
        approx += len(op) + 10 if isinstance(op, str) else 10
        if approx > MAX_SIZE_LIMIT:
            break
    new_rope = event.new_rope
    return {"view_id": view_id,
            "delta": None if approx > MAX_SIZE_LIMIT else delta_to_xi(delta, event.old_rope),
            "new_len": new_rope.utf8_len, "new_line_count": new_rope.line_count, "rev": event.rev,
            "undo_group": event.undo_group, "edit_type": event.edit_type, "author": event.author}


def get_data(rope: Rope, start: int, unit: str, max_size: int) -> dict[str, Any] | None:
    """``GetDataResponse`` for a chunk of ``rope`` (xi's ``plugin_get_data``): None when ``start``
    is past the end. ``unit`` "utf8" (``start`` rounded down to a character) or "line". The chunk
    ends on a character boundary within ``max_size`` bytes, but holds at least one character."""
    if unit == "utf8":
        if start > rope.utf8_len:
            return None
        offset = rope.from_utf8(start)
    elif unit == "line":
        if start > rope.line_count:
            return None
        offset = len(rope) if start == rope.line_count else rope.offset_of_line(start)
    else:
        raise PluginProtocolError(f"unit must be \"utf8\" or \"line\", not {unit!r}")
    byte_start = rope.to_utf8(offset)
    end_byte = byte_start + min(max_size, MAX_SIZE_LIMIT)
    end = len(rope) if end_byte >= rope.utf8_len else rope.from_utf8(end_byte)
    if end == offset < len(rope):  # never an empty chunk before the end (xi's would be: a plugin would spin)
        end += 1
    first_line = rope.line_of_offset(offset)
    return {"chunk": rope[offset:end], "offset": byte_start, "first_line": first_line,
            "first_line_offset": byte_start - rope.to_utf8(rope.offset_of_line(first_line))}

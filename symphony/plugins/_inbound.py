"""What a plugin sends the core (xi's ``PluginNotification``/``PluginRequest``), checked and converted.

Each function takes the message's ``params`` and the rope of the revision it names, and
returns the payload of the text-layer message (code points; see ``symphony.text.editor.PluginEdit``) or the
frontend notification; bad input raises :class:`~symphony.errors.PluginProtocolError`.
"""

from __future__ import annotations

from typing import Any

from ..errors import PluginProtocolError
from ..text import Rope
from ..text.editor import PluginEdit
from ._wire import byte_offset, integer
from ._xi_delta import delta_from_xi

__all__ = ["annotation_spans", "annotation_type", "edit", "hover", "scopes", "spans", "status_item", "string"]


def string(params: dict[str, Any], key: str, default: Any = ...) -> str:
    """``params[key]`` as a string."""
    value = params.get(key, default)
    if not isinstance(value, str):
        raise PluginProtocolError(f"{key} must be a string, not {value!r}")
    return value


def _range(params: dict[str, Any], rope: Rope) -> tuple[int, int]:
    """(start, length) in code points of ``start``/``len`` (UTF-8 bytes on the wire)."""
    start_b = integer(params, "start")
    length_b = integer(params, "len")
    start = byte_offset(rope, start_b, "start")
    end = byte_offset(rope, start_b + length_b, "start + len")
    return start, end - start


class _Local:
    """UTF-8 offsets relative to the start of one message's range, to code points: the whole
    batch is mapped from that range's text alone (an ASCII range needs no mapping at all), not
    by a walk of the rope per offset."""

    __slots__ = ("index", "nbytes")

    def __init__(self, rope: Rope, start: int, length: int) -> None:
        text = str(rope.slice(start, start + length))
        self.index: dict[int, int] | None = None
        if text.isascii():
            self.nbytes = length
            return
        index = {0: 0}
        nbytes = 0
        for i, ch in enumerate(text, 1):
            o = ord(ch)
            nbytes += 1 if o < 0x80 else 2 if o < 0x800 else 3 if o < 0x10000 else 4
            index[nbytes] = i
        self.index = index
        self.nbytes = nbytes

    def pair(self, item: Any, what: str) -> tuple[int, int]:
        """``item``'s ``start``/``end`` (bytes from the range's start) as code points."""
        if not isinstance(item, dict):
            raise PluginProtocolError(f"each {what} must be an object, not {item!r}")
        a = integer(item, "start")
        b = integer(item, "end")
        if b < a:
            raise PluginProtocolError(f"{what} {a}..{b} ends before it starts")
        if b > self.nbytes:
            raise PluginProtocolError(f"{what} ends past start + len")
        index = self.index
        if index is None:
            return a, b
        ca, cb = index.get(a), index.get(b)
        if ca is None or cb is None:
            raise PluginProtocolError(f"{what} {a if ca is None else b} is inside a character")
        return ca, cb


def scopes(params: dict[str, Any]) -> list[list[str]]:
    """``add_scopes``: a list of scope stacks."""
    value = params.get("scopes")
    if not isinstance(value, list) or not all(isinstance(s, list) and all(isinstance(x, str) for x in s)
                                              for s in value):
        raise PluginProtocolError("scopes must be a list of lists of strings")
    return value


def spans(params: dict[str, Any], rope: Rope) -> tuple[int, int, list[tuple[int, int, int]]]:
    """``update_spans``: (start, length, [(start, end, scope_id)]) in code points, spans relative to start."""
    start, length = _range(params, rope)
    raw = params.get("spans")
    if not isinstance(raw, list):
        raise PluginProtocolError("spans must be a list")
    local = _Local(rope, start, length)
    pair = local.pair
    out: list[tuple[int, int, int]] = []
    append = out.append
    for item in raw:
        a, b = pair(item, "span")
        append((a, b, integer(item, "scope_id")))
    return start, length, out


def annotation_spans(params: dict[str, Any], rope: Rope) -> tuple[int, int, list[dict[str, Any]], str]:
    """``update_annotations``: (start, length, [{start, end, data}], annotation_type), code points."""
    start, length = _range(params, rope)
    raw = params.get("spans")
    if not isinstance(raw, list):
        raise PluginProtocolError("spans must be a list")
    local = _Local(rope, start, length)
    out = []
    for item in raw:
        a, b = local.pair(item, "annotation")
        out.append({"start": a, "end": b, "data": item.get("data")})
    return start, length, out, annotation_type(params.get("annotation_type"))


def annotation_type(value: Any) -> str:
    """xi's ``AnnotationType`` as serde writes it (``"Selection"``, ``"Find"``, ``{"Other": name}``),
    or a plain name, as the name the buffer stores (``"selection"``, ``"find"``, ``name``)."""
    if isinstance(value, dict) and len(value) == 1 and "Other" in value:
        value = value["Other"]
    elif value in ("Selection", "Find"):
        value = value.lower()
    if not isinstance(value, str) or not value:
        raise PluginProtocolError(f"annotation_type must be a name or {{\"Other\": name}}, not {value!r}")
    return value


def edit(params: dict[str, Any], plugin: str, rope_at: Any) -> Any:
    """``edit``: the :class:`PluginEdit` (delta in code points on the text at its ``rev``)."""
    raw = params.get("edit")
    if not isinstance(raw, dict):
        raise PluginProtocolError("edit must be an object")
    rev = integer(raw, "rev")
    rope = rope_at(rev)
    delta = delta_from_xi(raw.get("delta"), rope)
    priority = integer(raw, "priority", default=0)
    after_cursor = raw.get("after_cursor", False)
    if not isinstance(after_cursor, bool):
        raise PluginProtocolError("after_cursor must be a boolean")
    undo_group = raw.get("undo_group")
    if undo_group is not None and (type(undo_group) is not int or undo_group < 0):
        raise PluginProtocolError("undo_group must be null or a non-negative integer")
    return PluginEdit(plugin=plugin, rev=rev, delta=delta, priority=priority, after_cursor=after_cursor,
                      new_undo_group=undo_group is None)


def hover(params: dict[str, Any]) -> tuple[int, str | None]:
    """``show_hover``: (request_id, content, or None for an error result)."""
    request_id = integer(params, "request_id")
    result = params.get("result")
    if isinstance(result, dict) and "Err" in result:
        return request_id, None
    if isinstance(result, dict) and "Ok" in result:
        result = result["Ok"]
    if not isinstance(result, dict):
        raise PluginProtocolError("result must be a Hover object ({content, range})")
    return request_id, string(result, "content")


def status_item(params: dict[str, Any], *keys: str) -> dict[str, str]:
    """The string fields ``keys`` of a status item message (``alignment`` defaults to "left")."""
    out = {}
    for key in keys:
        out[key] = string(params, key, "left" if key == "alignment" else ...)
    return out

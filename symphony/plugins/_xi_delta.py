"""Deltas on xi's plugin wire: ``{"base_len": BYTES, "els": [{"copy": [a, b]}, {"insert": s}]}``.

xi-core sends a plugin each edit as a rope delta whose offsets are UTF-8 byte offsets into
the text before the edit (``copy`` keeps bytes ``a..b``; the gaps between copies are
deleted; ``insert`` adds text), and a plugin's ``edit`` comes back in the same form. Our
:class:`~symphony.text.Delta` counts code points, so the conversion needs the base text;
both directions go through the rope's UTF-8 metric (O(log n) per element).

Invariants: ``delta_from_xi(delta_to_xi(d, base), base) == d``; a wire delta that does not
fit its base (wrong ``base_len``, copies out of order or out of range, an offset inside a
character, a malformed element) raises :class:`~symphony.errors.PluginProtocolError` and
builds nothing.
"""

from __future__ import annotations

from typing import Any

from ..errors import PluginProtocolError
from ..text import Delta, Rope

__all__ = ["delta_from_xi", "delta_to_xi"]


def delta_to_xi(delta: Delta, base: Rope) -> dict[str, Any]:
    """``delta`` (code points, applying to ``base``) in xi's wire form (UTF-8 bytes)."""
    els: list[dict[str, Any]] = []
    pos = 0
    for op in delta.ops:
        if isinstance(op, str):
            els.append({"insert": op})
        elif op > 0:
            els.append({"copy": [base.to_utf8(pos), base.to_utf8(pos + op)]})
            pos += op
        else:
            pos -= op
    return {"base_len": base.utf8_len, "els": els}


def _byte_offset(value: Any, base: Rope, size: int) -> int:
    if type(value) is not int or not 0 <= value <= size:
        raise PluginProtocolError(f"delta: copy offset {value!r} is not a byte offset in 0..{size}")
    offset = base.from_utf8(value)
    if base.to_utf8(offset) != value:
        raise PluginProtocolError(f"delta: byte offset {value} is inside a character")
    return offset


def delta_from_xi(data: Any, base: Rope) -> Delta:
    """The :class:`~symphony.text.Delta` that the wire delta ``data`` describes on ``base``."""
    if not isinstance(data, dict) or not isinstance(data.get("els"), list):
        raise PluginProtocolError("delta: expected an object with an 'els' list")
    size = base.utf8_len
    if data.get("base_len") != size or type(data.get("base_len")) is not int:
        raise PluginProtocolError(f"delta: base_len {data.get('base_len')!r} is not the text's {size} bytes")
    ops: list[int | str] = []
    done = 0  # code points of base consumed so far
    done_bytes = 0
    for el in data["els"]:
        if not isinstance(el, dict) or len(el) != 1:
            raise PluginProtocolError(f"delta: element {el!r} is not {{'copy': [a, b]}} or {{'insert': text}}")
        if "insert" in el:
            text = el["insert"]
            if not isinstance(text, str):
                raise PluginProtocolError("delta: 'insert' takes a string")
            if text:
                ops.append(text)
            continue
        span = el.get("copy")
        if not isinstance(span, list) or len(span) != 2:
            raise PluginProtocolError(f"delta: element {el!r} is not {{'copy': [a, b]}} or {{'insert': text}}")
        if type(span[0]) is int and type(span[1]) is int and (span[0] < done_bytes or span[1] < span[0]):
            raise PluginProtocolError(f"delta: copy {span} is out of order")
        start = _byte_offset(span[0], base, size)
        end = _byte_offset(span[1], base, size)
        if start > done:
            ops.append(done - start)
        if end > start:
            ops.append(end - start)
        done, done_bytes = end, span[1]
    if done < len(base):
        ops.append(done - len(base))
    try:
        delta = Delta(ops)
    except Exception as exc:  # a DeltaError from an op the checks above let through
        raise PluginProtocolError(f"delta: {exc}") from exc
    if delta.base_len != len(base):
        raise PluginProtocolError("delta: does not cover the whole text")
    return delta

"""``LspPlugin``'s command answers as JSON in the frontend protocol's units.

A frontend knows a place as (logical line, UTF-8 column in that line), as xi's
``request_hover`` gives it; the client counts code point offsets. These functions convert
between the two on a :class:`~symphony.text.Rope` and turn the server's results into the
plain JSON a ``plugin_rpc`` request answers with:

- completion: ``{"line", "start", "end", "is_incomplete", "items": [{"label", "insert_text",
  "kind", "detail"}]}``, where ``[start, end)`` (UTF-8 columns on ``line``) is the text the
  chosen item replaces (the identifier typed before the caret, or the range of the server's
  ``textEdit``);
- a location: ``{"path", "line", "column"}`` (0-based line, UTF-8 column).
"""

from __future__ import annotations

from typing import Any

from lsprotocol import types as lsp

from ..errors import PluginProtocolError
from ..text import Rope
from ._documents import uri_to_path
from ._positions import Encoding, offset_of
from ._types import Completions

__all__ = ["MAX_ITEMS", "completion_answer", "edit_range_of", "line_column", "location_answer", "offset_from_params",
           "word_start"]

#: The most completion items one answer carries (pylsp offers about 450 after ``os.``).
MAX_ITEMS = 1000


def offset_from_params(rope: Rope, params: Any) -> int:
    """The code point offset a command's params name: ``{"line", "column"}`` (UTF-8 column in
    the logical line, as the frontend counts) or ``{"position"}`` (a code point offset)."""
    args = params if isinstance(params, dict) else {}
    line, column = args.get("line"), args.get("column")
    if line is not None or column is not None:
        if type(line) is not int or type(column) is not int or line < 0 or column < 0:
            raise PluginProtocolError("line and column must be non-negative integers")
        if line >= rope.line_count:
            raise PluginProtocolError(f"line {line} is outside the text ({rope.line_count} lines)")
        start = rope.offset_of_line(line)
        end = rope.offset_of_line(line + 1) - 1 if line + 1 < rope.line_count else len(rope)
        byte = rope.to_utf8(start) + column
        return end if byte >= rope.to_utf8(end) else rope.from_utf8(byte)
    position = args.get("position", 0)
    if type(position) is not int or not 0 <= position <= len(rope):
        raise PluginProtocolError(f"position must be an offset in the text (0..{len(rope)}), not {position!r}")
    return position


def line_column(rope: Rope, offset: int) -> tuple[int, int]:
    """(logical line, UTF-8 column) of code point ``offset``."""
    offset = min(max(offset, 0), len(rope))
    line = rope.line_of_offset(offset)
    return line, rope.to_utf8(offset) - rope.to_utf8(rope.offset_of_line(line))


def word_start(rope: Rope, offset: int) -> int:
    """Where the identifier ending at ``offset`` starts (``offset`` itself after a non-word character)."""
    line_start = rope.offset_of_line(rope.line_of_offset(offset))
    before = rope[line_start:offset]
    k = len(before)
    while k and (before[k - 1].isalnum() or before[k - 1] == "_"):
        k -= 1
    return line_start + k


def _kind(value: Any) -> str | None:
    try:
        return lsp.CompletionItemKind(value).name.lower()
    except ValueError:
        return None


def completion_answer(rope: Rope, offset: int, completions: Completions,
                      edit_range: tuple[int, int] | None) -> dict[str, Any]:
    """The JSON answer to ``lsp.completion`` at ``offset`` (``edit_range``: the code point range
    of the server's ``textEdit``, when its first item has one)."""
    start, end = edit_range if edit_range is not None else (word_start(rope, offset), offset)
    line, start_col = line_column(rope, start)
    end_line, end_col = line_column(rope, end)
    if end_line != line:
        end_col = start_col
    items = []
    for k in range(min(len(completions), MAX_ITEMS)):
        raw = completions.raw(k)
        edit = raw.get("textEdit")
        insert = edit.get("newText") if isinstance(edit, dict) else raw.get("insertText")
        detail = raw.get("detail")
        items.append({"label": raw["label"], "insert_text": insert if isinstance(insert, str) else raw["label"],
                      "kind": _kind(raw.get("kind")), "detail": detail if isinstance(detail, str) else None})
    return {"line": line, "start": start_col, "end": end_col, "is_incomplete": completions.is_incomplete,
            "items": items}


def edit_range_of(completions: Completions) -> lsp.Range | None:
    """The range of the first item's ``textEdit`` (a ``TextEdit``'s, or an ``InsertReplaceEdit``'s
    insert range), or None."""
    if not len(completions):
        return None
    edit = completions.raw(0).get("textEdit")
    if not isinstance(edit, dict):
        return None
    item = completions[0]
    text_edit = item.text_edit
    if isinstance(text_edit, lsp.TextEdit):
        return text_edit.range
    if isinstance(text_edit, lsp.InsertReplaceEdit):
        return text_edit.insert
    return None


def location_answer(location: lsp.Location, rope: Rope | None, encoding: Encoding) -> dict[str, Any]:
    """``{"path", "line", "column"}`` of ``location``'s start, its column in UTF-8 counted on
    ``rope`` (the target's text; without it, the server's character is given as it is)."""
    path = uri_to_path(location.uri)
    start = location.range.start
    if rope is None:
        return {"path": path, "line": start.line, "column": start.character}
    line, column = line_column(rope, offset_of(rope, start.line, start.character, encoding))
    return {"path": path, "line": line, "column": column}

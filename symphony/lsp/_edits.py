"""Edits from a server (``TextEdit`` lists, ``WorkspaceEdit``) as :class:`~symphony.text.Delta` per document."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from ..errors import LanguageServerError
from ..text import Delta, DeltaBuilder, Rope
from ._positions import Encoding, offset_of

__all__ = ["text_edits_to_delta", "workspace_edit_to_deltas"]


def _offset(rope: Rope, position: Any, encoding: Encoding) -> int:
    try:
        return offset_of(rope, int(position["line"]), int(position["character"]), encoding)
    except (KeyError, TypeError, ValueError):
        raise LanguageServerError(f"a malformed position from the server: {position!r}") from None


def text_edits_to_delta(rope: Rope, edits: Iterable[Any], encoding: Encoding) -> Delta:
    """One delta on ``rope`` for a list of LSP ``TextEdit`` objects (JSON form).

    LSP edits all refer to the original text and must not overlap; inserts at the same
    position keep their order. ``LanguageServerError`` for overlapping or malformed edits.
    """
    spans = []
    for index, edit in enumerate(edits):
        try:
            rng = edit["range"]
            text = edit["newText"]
        except (KeyError, TypeError):
            raise LanguageServerError(f"a malformed TextEdit from the server: {edit!r}") from None
        if not isinstance(text, str):
            raise LanguageServerError(f"a TextEdit whose newText is not a string: {edit!r}")
        start = _offset(rope, rng["start"], encoding)
        end = _offset(rope, rng["end"], encoding)
        if end < start:
            raise LanguageServerError(f"a TextEdit whose range ends before it starts: {edit!r}")
        spans.append((start, end, index, text))
    spans.sort()
    builder = DeltaBuilder(len(rope))
    previous_end = 0
    for start, end, _, text in spans:
        if start < previous_end:
            raise LanguageServerError("the server sent overlapping TextEdits")
        builder.replace(start, end, text)
        previous_end = end
    return builder.build()


def workspace_edit_to_deltas(edit: Any, rope_of: Callable[[str], Rope], encoding: Encoding) -> dict[str, Delta]:
    """``{uri: Delta}`` for a ``WorkspaceEdit`` (JSON form): ``changes`` or ``documentChanges``.

    ``rope_of(uri)`` gives each document's text (the open document's rope, or the file read
    from disk). Resource operations (create, rename, delete file) are not supported:
    ``LanguageServerError``, so a caller never applies half of such an edit.
    """
    if not isinstance(edit, Mapping):
        raise LanguageServerError(f"a malformed WorkspaceEdit from the server: {edit!r}")
    per_uri: dict[str, list[Any]] = {}
    for change in edit.get("documentChanges") or ():
        if not isinstance(change, Mapping) or "textDocument" not in change:
            kind = change.get("kind") if isinstance(change, Mapping) else None
            raise LanguageServerError(f"unsupported WorkspaceEdit operation {kind or change!r}")
        per_uri.setdefault(change["textDocument"]["uri"], []).extend(change.get("edits") or ())
    if not per_uri:
        changes = edit.get("changes") or {}
        if not isinstance(changes, Mapping):
            raise LanguageServerError(f"a malformed WorkspaceEdit from the server: {edit!r}")
        for uri, edits in changes.items():
            per_uri.setdefault(uri, []).extend(edits)
    return {uri: text_edits_to_delta(rope_of(uri), edits, encoding) for uri, edits in per_uri.items()}

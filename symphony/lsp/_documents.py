"""What the client has told a server about one document, and the ``didChange`` it sends for an edit.

An edit arrives as a :class:`~symphony.text.Delta` on the document's previous rope. LSP
applies the content changes of one ``didChange`` in order, each on the result of the one
before; the delta's edits are ascending and disjoint in the old text, so sent last first,
every range can be computed on the old rope, in O(log n) each.
"""

from __future__ import annotations

import os
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from typing import Any

from ..errors import LanguageServerError
from ..text import Delta, Rope
from ._positions import Encoding, position_of

__all__ = ["Document", "content_changes", "path_to_uri", "uri_to_path"]


@dataclass
class Document:
    """An open document: its URI, LSP language id, version (+1 per change) and current text."""

    uri: str
    language_id: str
    rope: Rope
    version: int = 0
    diagnostics: list[Any] = field(default_factory=list)


def _position(rope: Rope, offset: int, encoding: Encoding) -> dict[str, int]:
    line, character = position_of(rope, offset, encoding)
    return {"line": line, "character": character}


def content_changes(old: Rope, delta: Delta, encoding: Encoding) -> list[dict[str, Any]]:
    """The incremental ``contentChanges`` of ``delta`` (on ``old``), ranges in ``encoding``.

    Raises ``LanguageServerError`` when the delta is not on a text of ``old``'s length.
    """
    if delta.base_len != len(old):
        raise LanguageServerError(f"the change is on a text of {delta.base_len} characters, "
                                  f"the document has {len(old)}")
    changes = []
    for start, end, text in reversed(delta.edits()):
        changes.append({"range": {"start": _position(old, start, encoding), "end": _position(old, end, encoding)},
                        "text": text})
    return changes


def path_to_uri(path: str | os.PathLike[str]) -> str:
    """The ``file://`` URI of a local path (made absolute)."""
    return "file://" + urllib.request.pathname2url(os.path.abspath(os.fspath(path)))


def uri_to_path(uri: str) -> str:
    """The local path of a ``file://`` URI; ``LanguageServerError`` for any other scheme."""
    parsed = urllib.parse.urlparse(uri)
    if parsed.scheme != "file":
        raise LanguageServerError(f"not a file URI: {uri!r}")
    return urllib.request.url2pathname(urllib.parse.unquote(parsed.path))

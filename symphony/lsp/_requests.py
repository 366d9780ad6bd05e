"""The requests the client makes: each one's params in LSP form, and the converter of its result."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from lsprotocol import types as lsp

from ..actors import Future
from ..errors import LanguageServerError
from ..text import Rope
from . import _results
from ._documents import Document
from ._positions import Encoding, position_of

__all__ = ["SUPERSEDED", "Request", "request_params"]

_unstructure = _results.converter.unstructure

#: Requests that a newer one of the same method for the same document supersedes (the user moved on).
SUPERSEDED = frozenset({"textDocument/hover", "textDocument/completion", "textDocument/signatureHelp",
                        "textDocument/definition", "textDocument/references", "textDocument/codeAction"})


@dataclass
class Request:
    """A request from the client: ``method`` on document ``uri`` at code point ``offset``
    (None: no position), with method-specific ``extra`` (the new name of a rename, the end of
    a code action's range, ...) or, for a raw request, its ``params``. ``future`` gets the result."""

    method: str
    uri: str | None
    offset: int | None
    extra: Any
    future: Future[Any]
    params: Any = None
    raw: bool = False


def request_params(request: Request, document: Document, documents: dict[str, Document], encoding: Encoding,
                   rope_of: Callable[[str], Rope]) -> tuple[Any, Callable[[Any], Any]]:
    """The JSON params of ``request`` on ``document`` and the converter of its result.

    ``LanguageServerError`` for an offset outside the document or a request the client does not make.
    """
    method = request.method
    rope = document.rope
    identifier = lsp.TextDocumentIdentifier(uri=document.uri)

    def position(offset: int) -> lsp.Position:
        if not isinstance(offset, int) or not 0 <= offset <= len(rope):
            raise LanguageServerError(f"offset {offset!r} is outside {document.uri} (length {len(rope)})")
        line, character = position_of(rope, offset, encoding)
        return lsp.Position(line=line, character=character)

    if method == "textDocument/formatting":
        options = lsp.FormattingOptions(tab_size=4, insert_spaces=True)
        if request.extra:
            options = lsp.FormattingOptions(**request.extra)
        return (_unstructure(lsp.DocumentFormattingParams(text_document=identifier, options=options)),
                _results.formatting(rope, encoding))
    assert request.offset is not None
    at = position(request.offset)
    if method == "textDocument/codeAction":
        end = position(request.extra if request.extra is not None else request.offset)
        start_offset, end_offset = request.offset, request.extra if request.extra is not None else request.offset
        overlapping = [d.lsp for d in document.diagnostics if d.start <= end_offset and d.end >= start_offset]
        return (_unstructure(lsp.CodeActionParams(text_document=identifier, range=lsp.Range(start=at, end=end),
                                                  context=lsp.CodeActionContext(diagnostics=overlapping))),
                _results.code_actions)
    if method == "textDocument/rename":
        if not isinstance(request.extra, str) or not request.extra:
            raise LanguageServerError("rename needs a non-empty new name")
        snapshot = {uri: doc.rope for uri, doc in documents.items()}
        return (_unstructure(lsp.RenameParams(text_document=identifier, position=at, new_name=request.extra)),
                _results.rename(lambda uri: snapshot[uri] if uri in snapshot else rope_of(uri), encoding))
    if method == "textDocument/references":
        return (_unstructure(lsp.ReferenceParams(
            text_document=identifier, position=at,
            context=lsp.ReferenceContext(include_declaration=bool(request.extra)))), _results.locations)
    params = _unstructure(lsp.TextDocumentPositionParams(text_document=identifier, position=at))
    convert = _CONVERT.get(method)
    if convert is None:
        raise LanguageServerError(f"not a request the client makes: {method}")
    return params, convert


_CONVERT: dict[str, Callable[[Any], Any]] = {
    "textDocument/hover": _results.hover,
    "textDocument/completion": _results.completion,
    "textDocument/signatureHelp": _results.signature_help,
    "textDocument/definition": _results.locations,
}

"""A server's results as ``lsprotocol`` types and :class:`~symphony.text.Delta` values.

Each function takes the JSON ``result`` of one request and returns what the client's
future resolves with. Unions that LSP allows (``Location | Location[] | LocationLink[]``,
``CompletionItem[] | CompletionList``, ``Command | CodeAction``) are normalised to one
shape so callers never branch on them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lsprotocol import converters
from lsprotocol import types as lsp

from ..errors import LanguageServerError
from ..text import Delta, Rope
from ._edits import text_edits_to_delta, workspace_edit_to_deltas
from ._positions import Encoding
from ._types import Completions, WorkspaceEdits

__all__ = ["code_actions", "completion", "converter", "formatting", "hover", "hover_text", "locations", "rename",
           "signature_help"]

#: The one ``cattrs`` converter for LSP types (``lsprotocol.converters.get_converter()``).
converter = converters.get_converter()
_structure = converter.structure


def hover(result: Any) -> lsp.Hover | None:
    """``textDocument/hover``: the hover, or None when there is nothing to show."""
    return None if result is None else _structure(result, lsp.Hover)


def _completion_item(raw: dict[str, Any]) -> lsp.CompletionItem:
    try:
        return _structure(raw, lsp.CompletionItem)  # type: ignore[no-any-return]
    except Exception as exc:  # noqa: BLE001 - cattrs' errors: the item does not fit LSP
        raise LanguageServerError(f"completion: an item does not fit LSP: {exc}") from None


def completion(result: Any) -> Completions:
    """``textDocument/completion``: ``Completions`` (a bare list is a complete answer); items
    are checked for a string label here and structured when read."""
    if result is None:
        return Completions(False, [], _completion_item)
    if isinstance(result, dict):
        incomplete, items = result.get("isIncomplete", False), result.get("items")
    else:
        incomplete, items = False, result
    if not isinstance(items, list) or not isinstance(incomplete, bool):
        raise LanguageServerError(f"completion: not a CompletionList or a list of items: {str(result)[:200]}")
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("label"), str):
            raise LanguageServerError(f"completion: an item without a string label: {str(item)[:200]}")
    return Completions(incomplete, items, _completion_item)


def hover_text(hover: lsp.Hover) -> str:
    """The text of a hover's contents (markdown, plain text, or the deprecated marked strings)."""
    contents: Any = hover.contents
    parts = contents if isinstance(contents, list) else [contents]
    out = []
    for part in parts:
        if isinstance(part, str):
            out.append(part)
        elif isinstance(part, lsp.MarkupContent):
            out.append(part.value)
        else:  # MarkedString {language, value}
            out.append(f"```{part.language}\n{part.value}\n```")
    return "\n\n".join(out)


def signature_help(result: Any) -> lsp.SignatureHelp | None:
    """``textDocument/signatureHelp``."""
    return None if result is None else _structure(result, lsp.SignatureHelp)


def locations(result: Any) -> list[lsp.Location]:
    """``textDocument/definition`` and ``references``: a list of ``Location`` (a ``LocationLink``
    becomes the location of its target's selection range)."""
    if result is None:
        return []
    items = result if isinstance(result, list) else [result]
    out = []
    for item in items:
        if isinstance(item, dict) and "targetUri" in item:
            out.append(lsp.Location(uri=item["targetUri"],
                                    range=_structure(item.get("targetSelectionRange") or item["targetRange"],
                                                     lsp.Range)))
        else:
            out.append(_structure(item, lsp.Location))
    return out


def code_actions(result: Any) -> list[lsp.Command | lsp.CodeAction]:
    """``textDocument/codeAction``: commands and code actions, in the server's order."""
    out: list[lsp.Command | lsp.CodeAction] = []
    for item in result or ():
        if isinstance(item, dict) and isinstance(item.get("command"), str):
            out.append(_structure(item, lsp.Command))
        else:
            out.append(_structure(item, lsp.CodeAction))
    return out


def formatting(rope: Rope, encoding: Encoding) -> Callable[[Any], Delta]:
    """``textDocument/formatting``: the converter giving one delta on ``rope`` (identity: nothing to do)."""
    def convert(result: Any) -> Delta:
        if result is None:
            return Delta.identity(len(rope))
        if not isinstance(result, list):
            raise LanguageServerError(f"formatting: expected a list of TextEdits, got {type(result).__name__}")
        return text_edits_to_delta(rope, result, encoding)
    return convert


def rename(rope_of: Callable[[str], Rope], encoding: Encoding) -> Callable[[Any], WorkspaceEdits]:
    """``textDocument/rename``: the converter giving ``{uri: Delta}`` (``rope_of`` gives each text)."""
    def convert(result: Any) -> WorkspaceEdits:
        return {} if result is None else workspace_edit_to_deltas(result, rope_of, encoding)
    return convert

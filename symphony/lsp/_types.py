"""The plain values the LSP client hands out: diagnostics with offsets, a server's status."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, overload

from lsprotocol import types as lsp

from ..text import Delta

__all__ = ["Completions", "Diagnostic", "ServerStatus", "WorkspaceEdits"]

#: A server's ``WorkspaceEdit`` (rename, ``workspace/applyEdit``) as one delta per document URI,
#: each on the text the document had when the edit was computed.
WorkspaceEdits = dict[str, Delta]


@dataclass(frozen=True)
class Diagnostic:
    """One diagnostic of a document, its range as code point offsets ``[start, end)`` in the
    document's text when the diagnostics arrived. ``severity``: 1 error, 2 warning,
    3 information, 4 hint (None when the server gave none). ``lsp`` is the
    ``lsprotocol.types.Diagnostic`` as the server sent it."""

    start: int
    end: int
    severity: int | None
    message: str
    source: str | None
    code: str | int | None
    lsp: Any


@dataclass(frozen=True)
class ServerStatus:
    """A snapshot of one language server: ``state`` is ``"starting"``, ``"running"``,
    ``"restarting"`` (crashed, waiting for its backoff), ``"failed"`` (gave up after too many
    crashes) or ``"stopped"``; ``generation`` counts the processes started (1 for the first);
    ``pid`` is the running process's (None when there is none); ``encoding`` the negotiated
    position encoding; ``restarts`` the crashes seen; ``last_error`` why the last one died."""

    language: str
    state: str
    generation: int
    pid: int | None
    encoding: str
    restarts: int
    last_error: str | None
    open_documents: tuple[str, ...]


class Completions(Sequence[lsp.CompletionItem]):
    """A server's completion answer: ``is_incomplete`` and its items, a sequence of
    ``lsprotocol.types.CompletionItem``.

    Each item is structured from its JSON when first read and then kept: a popup filters
    hundreds of items by ``labels`` (no structuring) and shows the details of a few, so the
    answer reaches the caller without paying for items never looked at (pylsp answers
    ``os.`` with about 450). Every item was checked on arrival to be an object with a string
    label; one that does not fit the LSP type otherwise raises ``LanguageServerError`` when read.
    """

    __slots__ = ("_items", "_raw", "_structure", "is_incomplete", "labels")

    def __init__(self, is_incomplete: bool, raw_items: list[dict[str, Any]],
                 structure: Callable[[dict[str, Any]], lsp.CompletionItem]) -> None:
        self.is_incomplete = is_incomplete
        self._raw = raw_items
        self._items: list[lsp.CompletionItem | None] = [None] * len(raw_items)
        self._structure = structure
        #: Every item's label, in the server's order.
        self.labels: list[str] = [item["label"] for item in raw_items]

    def __len__(self) -> int:
        return len(self._raw)

    def _item(self, index: int) -> lsp.CompletionItem:
        item = self._items[index]
        if item is None:
            item = self._items[index] = self._structure(self._raw[index])
        return item

    @overload
    def __getitem__(self, index: int) -> lsp.CompletionItem: ...

    @overload
    def __getitem__(self, index: slice) -> list[lsp.CompletionItem]: ...

    def __getitem__(self, index: int | slice) -> lsp.CompletionItem | list[lsp.CompletionItem]:
        if isinstance(index, slice):
            return [self._item(i) for i in range(*index.indices(len(self._raw)))]
        return self._item(range(len(self._raw))[index])

    def __iter__(self) -> Iterator[lsp.CompletionItem]:
        return (self._item(i) for i in range(len(self._raw)))

    def raw(self, index: int) -> dict[str, Any]:
        """Item ``index`` as the server sent it (JSON)."""
        return self._raw[index]

    def to_lsp(self) -> lsp.CompletionList:
        """The whole answer as an ``lsprotocol.types.CompletionList`` (structures every item)."""
        return lsp.CompletionList(is_incomplete=self.is_incomplete, items=list(self))

    def __repr__(self) -> str:
        return f"<Completions {len(self)} items{' (incomplete)' if self.is_incomplete else ''}>"

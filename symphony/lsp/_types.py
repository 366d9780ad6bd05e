"""The plain values the LSP client hands out: diagnostics with offsets, a server's status."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..text import Delta

__all__ = ["Diagnostic", "ServerStatus", "WorkspaceEdits"]

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

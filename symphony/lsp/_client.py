"""``LanguageClient``: the editor's handle on every language server it uses.

One :class:`LanguageServerActor` per language, spawned on the first document of that
language. Document calls (``open``, ``change``, ``save``, ``close``) go through the
actor's mailbox and return once it has taken them (raising ``LanguageServerError`` for a
bad call); requests (``hover``, ``completion``, ...) return a
:class:`~symphony.actors.Future` at once: ``.get(timeout)`` waits in a thread, ``await``
in asyncio. Offsets are code points in the document's text, as everywhere in
``symphony.text``; the client converts them to the server's position encoding.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lsprotocol import types as lsp

from ..actors import Future, Node, Ref
from ..errors import LanguageServerError
from ..text import Delta, Rope
from ._config import ServerConfig, default_servers
from ._documents import path_to_uri
from ._server import LanguageServerActor, OnApplyEdit, OnDiagnostics, OnMessage, Request
from ._types import Completions, Diagnostic, ServerStatus, WorkspaceEdits

__all__ = ["LanguageClient"]


class LanguageClient:
    """Language servers per language, the documents open in them, and requests to them.

    ``servers`` maps a language name (as given to :meth:`open`) to its ``ServerConfig``
    (default: :func:`default_servers`, Python -> ``pylsp``). ``root`` is the workspace
    folder. ``on_diagnostics(uri, diagnostics)`` is called (in an actor thread; do not
    block) whenever a server publishes diagnostics for an open document;
    ``on_apply_edit(edits, label) -> bool`` decides on a server's ``workspace/applyEdit``
    (no callback: refused); ``on_message(method, params)`` sees the server's other
    notifications (``window/logMessage``, ``window/showMessage``, ``$/progress``, ...) in
    its reader thread. ``node``: the actor node to run on (default: a node of its own,
    stopped by :meth:`shutdown`). ``timeout`` bounds each document call.
    """

    def __init__(self, servers: Mapping[str, ServerConfig] | None = None, *, root: str | None = None,
                 on_diagnostics: OnDiagnostics | None = None, on_apply_edit: OnApplyEdit | None = None,
                 on_message: OnMessage | None = None, node: Node | None = None, timeout: float = 10.0) -> None:
        self.servers = dict(default_servers() if servers is None else servers)
        self.root_uri = path_to_uri(root) if root is not None else None
        self.on_diagnostics = on_diagnostics
        self.on_apply_edit = on_apply_edit
        self.on_message = on_message
        self.timeout = timeout
        self._own_node = node is None
        self.node = node if node is not None else Node(name=f"lsp-client-{id(self):x}", threads=2)
        self._actors: dict[str, Ref] = {}
        self._documents: dict[str, Ref] = {}
        self._closed = False

    # -- servers --------------------------------------------------------------------------

    def _actor(self, language: str) -> Ref | None:
        ref = self._actors.get(language)
        if ref is None:
            config = self.servers.get(language)
            if config is None:
                return None
            if self._closed:
                raise LanguageServerError("the language client was shut down")
            ref = self.node.spawn(LanguageServerActor, language, config, self.root_uri, self.on_diagnostics,
                                  self.on_apply_edit, self.on_message, name=f"lsp-{language}-{len(self._actors)}")
            self._actors[language] = ref
        return ref

    def _ref(self, uri: str) -> Ref:
        ref = self._documents.get(uri)
        if ref is None:
            raise LanguageServerError(f"document not open in any language server: {uri!r}")
        return ref

    def _ask(self, ref: Ref, kind: str, payload: Any) -> Any:
        return ref.ask(kind, payload, timeout=self.timeout)

    def languages(self) -> list[str]:
        """The languages a server is configured for."""
        return sorted(self.servers)

    def status(self, language: str) -> ServerStatus:
        """The state of ``language``'s server (``LanguageServerError`` if none was started)."""
        ref = self._actors.get(language)
        if ref is None:
            raise LanguageServerError(f"no language server started for {language!r}")
        status: ServerStatus = self._ask(ref, "status", None)
        return status

    # -- documents ------------------------------------------------------------------------

    def open(self, uri: str, text: str | Rope, language: str, language_id: str | None = None) -> bool:
        """Open document ``uri`` with ``text`` in ``language``'s server (``didOpen``).

        False, and nothing happens, when no server is configured for ``language``.
        ``language_id`` is the LSP language identifier (default: the config's, else ``language``).
        """
        ref = self._actor(language)
        if ref is None:
            return False
        if uri in self._documents:
            raise LanguageServerError(f"document already open: {uri}")
        rope = text if isinstance(text, Rope) else Rope(text)
        self._ask(ref, "open", (uri, rope, language_id or ""))
        self._documents[uri] = ref
        return True

    def change(self, uri: str, delta: Delta | None, new_text: Rope | None = None) -> int:
        """Tell the server about an edit: ``delta`` on the document's current text (sent as an
        incremental ``didChange``), optionally with the resulting rope (else it is computed).
        ``delta=None`` replaces the whole text with ``new_text``. Returns the new version.

        ``LanguageServerError`` (and nothing changes) when the delta is not on the current text.
        """
        version: int = self._ask(self._ref(uri), "change", (uri, delta, new_text))
        return version

    def change_nowait(self, uri: str, delta: Delta | None, new_text: Rope | None = None) -> None:
        """:meth:`change` without waiting, for a caller that must not block (a buffer actor's
        edit listener): the change is queued behind the earlier ones; one that does not fit
        the document is logged and dropped, and the next :meth:`change` with ``delta=None``
        resyncs the whole text."""
        self._ref(uri).tell("change_nowait", (uri, delta, new_text))

    def save(self, uri: str, include_text: bool | None = None) -> None:
        """``didSave`` (with the text when the server asks for it, or when ``include_text``)."""
        self._ask(self._ref(uri), "save", (uri, include_text))

    def close(self, uri: str) -> None:
        """``didClose``; the document is forgotten."""
        self._ask(self._ref(uri), "close", uri)
        del self._documents[uri]

    def text(self, uri: str) -> Rope:
        """The text the client holds (and the server was sent) for ``uri``."""
        rope: Rope = self._ask(self._ref(uri), "text", uri)
        return rope

    def offsets(self, uri: str, range: lsp.Range) -> tuple[int, int]:
        """A server's ``range`` in ``uri`` as code point offsets ``(start, end)`` in the current text."""
        offsets: tuple[int, int] = self._ask(self._ref(uri), "offsets", (uri, range))
        return offsets

    def diagnostics(self, uri: str) -> list[Diagnostic]:
        """The last diagnostics published for ``uri`` (offsets into the text as it was then)."""
        diagnostics: list[Diagnostic] = self._ask(self._ref(uri), "diagnostics", uri)
        return diagnostics

    # -- requests -------------------------------------------------------------------------

    def _request(self, method: str, uri: str, offset: int | None, extra: Any = None) -> Future[Any]:
        ref = self._ref(uri)
        future: Future[Any] = Future(label=method)
        ref.tell("request", Request(method, uri, offset, extra, future))
        return future

    def hover(self, uri: str, offset: int) -> Future[lsp.Hover | None]:
        """``textDocument/hover`` at code point ``offset``."""
        return self._request("textDocument/hover", uri, offset)

    def completion(self, uri: str, offset: int) -> Future[Completions]:
        """``textDocument/completion`` at ``offset``: ``Completions`` (a sequence of
        ``lsprotocol`` ``CompletionItem``, structured as read; ``labels`` for filtering)."""
        return self._request("textDocument/completion", uri, offset)

    def signature_help(self, uri: str, offset: int) -> Future[lsp.SignatureHelp | None]:
        """``textDocument/signatureHelp`` at ``offset``."""
        return self._request("textDocument/signatureHelp", uri, offset)

    def definition(self, uri: str, offset: int) -> Future[list[lsp.Location]]:
        """``textDocument/definition`` at ``offset``: the locations (links become locations)."""
        return self._request("textDocument/definition", uri, offset)

    def references(self, uri: str, offset: int, include_declaration: bool = True) -> Future[list[lsp.Location]]:
        """``textDocument/references`` at ``offset``."""
        return self._request("textDocument/references", uri, offset, include_declaration)

    def rename(self, uri: str, offset: int, new_name: str) -> Future[WorkspaceEdits]:
        """``textDocument/rename``: ``{uri: Delta}``, each delta on that document's text when
        the request was made (a file that is not open: its text on disk)."""
        return self._request("textDocument/rename", uri, offset, new_name)

    def formatting(self, uri: str, options: dict[str, Any] | None = None) -> Future[Delta]:
        """``textDocument/formatting``: one delta on the text when requested. ``options`` are
        ``lsprotocol.types.FormattingOptions`` fields (default ``tab_size=4, insert_spaces=True``)."""
        return self._request("textDocument/formatting", uri, None, options)

    def code_actions(self, uri: str, start: int, end: int | None = None) -> Future[list[lsp.Command | lsp.CodeAction]]:
        """``textDocument/codeAction`` for ``[start, end)`` with the diagnostics that overlap it."""
        return self._request("textDocument/codeAction", uri, start, end)

    def request(self, language: str, method: str, params: Any = None) -> Future[Any]:
        """Any request to ``language``'s server, params and result as JSON."""
        ref = self._actors.get(language) or self._actor(language)
        if ref is None:
            raise LanguageServerError(f"no language server configured for {language!r}")
        future: Future[Any] = Future(label=method)
        ref.tell("request", Request(method, None, None, None, future, params, raw=True))
        return future

    # -- lifetime -------------------------------------------------------------------------

    def shutdown(self, timeout: float = 2.0) -> None:
        """Stop every server (``shutdown``/``exit``, killed after ``timeout``) and the client's node."""
        if self._closed:
            return
        self._closed = True
        for ref in self._actors.values():
            try:
                ref.ask("stop", timeout, timeout=timeout * 2 + 10)
            except Exception:  # noqa: BLE001 - stop the others regardless
                pass
            ref.stop()
        self._documents.clear()
        if self._own_node:
            self.node.stop()

    def __enter__(self) -> LanguageClient:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.shutdown()

"""``LanguageServerActor``: supervises one language server process and what it has been told.

One actor per configured language. Every document change and request goes through its
mailbox, so the server sees them in the order they were made. The actor holds the
documents (URI, version, rope), the negotiated capabilities and the running
:class:`Connection`. When the process dies (crash, ``kill -9``, a protocol violation),
the connection has already failed its requests in flight with ``LanguageServerError``;
the actor waits a backoff (doubling per crash), starts a new process, initializes it and
sends ``didOpen`` for every open document at its current text. Requests made while it
restarts wait for it; after ``max_restarts`` crashes in ``restart_window`` it gives up
(state ``"failed"``) and requests fail at once.

Messages (``ref.tell``/``ref.ask``; run in the actor, one at a time):

- ``("open", (uri, rope, language_id))``, ``("change", (uri, delta, new_rope_or_None))``,
  ``("replace", (uri, rope))``, ``("save", (uri, include_text))``, ``("close", uri)``
- ``("request", Request)``: a request from the client; its future is resolved by the reader
  thread (or failed here)
- ``("status", None)`` -> ``ServerStatus``; ``("diagnostics", uri)`` -> list of ``Diagnostic``;
  ``("text", uri)`` -> the document's ``Rope``; ``("stop", timeout)``
- from the connection and timers: ``("initialized", ...)``, ``("notification", ...)``,
  ``("server_request", ...)``, ``("died", ...)``, ``("restart", ...)``
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from lsprotocol import types as lsp

from ..actors import Actor, Future
from ..envelope import Message
from ..errors import LanguageServerError
from ..text import Delta, Rope
from . import _results
from ._capabilities import (CLIENT_CAPABILITIES, negotiated_encoding, provides, save_includes_text, sync_kind,
                            wants_open_close)
from ._config import ServerConfig
from ._connection import METHOD_NOT_FOUND, Connection
from ._documents import Document, content_changes, uri_to_path
from ._edits import workspace_edit_to_deltas
from ._positions import Encoding, offset_of
from ._requests import SUPERSEDED, Request, request_params
from ._types import Diagnostic, ServerStatus, WorkspaceEdits

__all__ = ["LanguageServerActor"]

logger = logging.getLogger("symphony.lsp")
_unstructure = _results.converter.unstructure

OnDiagnostics = Callable[[str, list[Diagnostic]], None]
OnApplyEdit = Callable[[WorkspaceEdits, "str | None"], bool]
OnMessage = Callable[[str, Any], None]


def _lookup(settings: dict[str, Any], section: str | None) -> Any:
    """The value at dotted ``section`` of ``settings`` (the whole of it for None; None when absent)."""
    value: Any = settings
    for part in (section.split(".") if section else ()):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


class LanguageServerActor(Actor):
    """Supervises the language server for one language (see the module docs)."""

    def __init__(self, language: str, config: ServerConfig, root_uri: str | None = None,
                 on_diagnostics: OnDiagnostics | None = None, on_apply_edit: OnApplyEdit | None = None,
                 on_message: OnMessage | None = None) -> None:
        self.language = language
        self.config = config
        self.root_uri = root_uri
        self.on_diagnostics = on_diagnostics
        self.on_apply_edit = on_apply_edit
        self.on_message = on_message
        self.documents: dict[str, Document] = {}
        self.connection: Connection | None = None
        self.generation = 0
        self.state = "starting"
        self.capabilities: dict[str, Any] = {}
        self.encoding: Encoding = "utf-16"
        self.queued: list[Request] = []
        self.latest: dict[tuple[str, str], tuple[Connection, int, Future[Any]]] = {}
        self.crashes: deque[float] = deque()
        self.restarts = 0
        self.last_error: str | None = None
        self.timer: threading.Timer | None = None

    def on_start(self) -> None:
        self._start()

    def on_stop(self) -> None:
        if self.state != "stopped":  # stopped without a "stop" message (the node stopped): no orphan process
            self._stop_server(1.0)

    # -- the process ----------------------------------------------------------------------

    def _start(self) -> None:
        self.generation += 1
        generation = self.generation
        ref = self.actor_ref
        self.state = "starting"
        try:
            connection = Connection(
                self.config.argv(), env=self.config.env or None, name=f"{self.language} server ({self.config.command})",
                on_request=lambda conn, rid, method, params: self._on_server_request(generation, conn, rid, method,
                                                                                    params),
                on_notification=lambda method, params: self._on_notification(generation, method, params),
                on_exit=lambda reason: ref.tell("died", (generation, reason)),
                cwd=uri_to_path(self.root_uri) if self.root_uri else None,
                request_timeout=self.config.request_timeout)
        except LanguageServerError as exc:
            self._died(generation, str(exc))
            return
        self.connection = connection
        root_path = uri_to_path(self.root_uri) if self.root_uri else None
        params = lsp.InitializeParams(
            capabilities=CLIENT_CAPABILITIES, process_id=os.getpid(),
            client_info=lsp.ClientInfo(name="symphony"), root_uri=self.root_uri, root_path=root_path,
            initialization_options=self.config.initialization_options,
            workspace_folders=[lsp.WorkspaceFolder(uri=self.root_uri, name=os.path.basename(root_path or "") or "/")]
            if self.root_uri else None)
        _, future = connection.request("initialize", _unstructure(params))
        future.add_done_callback(lambda f: ref.tell("initialized", (generation, f)))

    def _initialized(self, generation: int, future: Future[Any]) -> None:
        connection = self.connection
        if generation != self.generation or connection is None or self.state != "starting":
            return
        error = future.exception(0)
        if error is not None or not isinstance(future.get(0), dict):
            self.last_error = f"initialize failed: {error or 'not an InitializeResult'}"
            connection.kill()  # its reader reports it dead; that restarts it
            return
        result = future.get(0)
        capabilities = result.get("capabilities")
        self.capabilities = capabilities if isinstance(capabilities, dict) else {}
        self.encoding = negotiated_encoding(self.capabilities)
        try:
            connection.notify("initialized", {})
            if self.config.settings:
                connection.notify("workspace/didChangeConfiguration", {"settings": self.config.settings})
            for document in self.documents.values():
                self._send_open(document)
        except LanguageServerError:
            return  # died meanwhile: the reader reports it
        self.state = "running"
        queued, self.queued = self.queued, []
        for request in queued:
            self._request(request)

    def _died(self, generation: int, reason: str) -> None:
        if generation != self.generation or self.state in ("stopped", "failed"):
            return
        self.connection = None
        self.last_error = reason
        self.restarts += 1
        now = time.monotonic()
        self.crashes.append(now)
        while self.crashes and self.crashes[0] < now - self.config.restart_window:
            self.crashes.popleft()
        if len(self.crashes) > self.config.max_restarts:
            logger.error("%s language server crashed %d times; giving up: %s", self.language, len(self.crashes), reason)
            self.state = "failed"
            self._fail_queued(f"the {self.language} language server failed: {reason}")
            return
        delay = min(self.config.backoff * 2 ** (len(self.crashes) - 1), self.config.max_backoff)
        logger.warning("%s language server died (%s); restarting in %.2f s", self.language, reason, delay)
        self.state = "restarting"
        ref = self.actor_ref
        self.timer = threading.Timer(delay, ref.tell, ("restart", generation))
        self.timer.daemon = True
        self.timer.start()

    def _fail_queued(self, reason: str) -> None:
        queued, self.queued = self.queued, []
        for request in queued:
            request.future.set_exception(LanguageServerError(reason))

    def _stop_server(self, timeout: float) -> None:
        self.state = "stopped"
        if self.timer is not None:
            self.timer.cancel()
        self._fail_queued(f"the {self.language} language server was stopped")
        connection, self.connection = self.connection, None
        if connection is not None:
            connection.close(timeout)

    # -- reader-thread callbacks (must not block) ------------------------------------------

    def _on_notification(self, generation: int, method: str, params: Any) -> None:
        if method == "textDocument/publishDiagnostics":
            self.actor_ref.tell("notification", (generation, method, params))
            return
        if method in ("window/logMessage", "window/showMessage"):
            message = params.get("message") if isinstance(params, dict) else params
            logger.debug("%s server: %s", self.language, message)
        if self.on_message is not None:
            self.on_message(method, params)

    def _on_server_request(self, generation: int, connection: Connection, request_id: Any, method: str,
                           params: Any) -> None:
        if method == "workspace/configuration":
            items = params.get("items", []) if isinstance(params, dict) else []
            settings = self.config.settings
            connection.respond(request_id, [_lookup(settings, i.get("section") if isinstance(i, dict) else None)
                                            for i in items])
        elif method in ("window/workDoneProgress/create", "client/registerCapability",
                        "client/unregisterCapability", "window/showMessageRequest"):
            connection.respond(request_id, None)
        elif method == "workspace/workspaceFolders":
            connection.respond(request_id, [{"uri": self.root_uri, "name": self.root_uri}] if self.root_uri else None)
        elif method == "workspace/applyEdit":
            self.actor_ref.tell("server_request", (generation, connection, request_id, method, params))
        else:
            connection.respond(request_id, error=(METHOD_NOT_FOUND, f"method not supported: {method}"))

    # -- messages -------------------------------------------------------------------------

    def on_receive(self, message: Message[Any]) -> Any:
        kind = message.kind
        payload = message.payload
        if kind == "request":
            return self._request(payload)
        if kind == "change":
            return self._change(*payload)
        if kind == "change_nowait":
            try:
                self._change(*payload)
            except LanguageServerError as exc:
                logger.warning("%s: a change was dropped: %s", self.language, exc)
            return None
        if kind == "open":
            return self._open(*payload)
        if kind == "replace":
            uri, rope = payload
            return self._change(uri, None, rope)
        if kind == "save":
            return self._save(*payload)
        if kind == "close":
            return self._close(payload)
        if kind == "notification":
            generation, method, params = payload
            if generation == self.generation:
                self._publish_diagnostics(params)
            return None
        if kind == "server_request":
            return self._apply_edit(*payload)
        if kind == "initialized":
            return self._initialized(*payload)
        if kind == "died":
            return self._died(*payload)
        if kind == "restart":
            if payload == self.generation and self.state == "restarting":
                self._start()
            return None
        if kind == "status":
            return self._status()
        if kind == "diagnostics":
            return list(self._document(payload).diagnostics)
        if kind == "text":
            return self._document(payload).rope
        if kind == "offsets":
            uri, rng = payload
            return self._offsets(self._document(uri).rope, rng)
        if kind == "stop":
            return self._stop_server(payload)
        raise ValueError(f"LanguageServerActor: unknown message kind {kind!r}")

    def _status(self) -> ServerStatus:
        connection = self.connection
        return ServerStatus(self.language, self.state, self.generation,
                            connection.pid if connection is not None and connection.alive else None,
                            self.encoding, self.restarts, self.last_error, tuple(self.documents))

    def _document(self, uri: Any) -> Document:
        document = self.documents.get(uri)
        if document is None:
            raise LanguageServerError(f"document not open: {uri!r}")
        return document

    def _offsets(self, rope: Rope, rng: lsp.Range) -> tuple[int, int]:
        start = offset_of(rope, rng.start.line, rng.start.character, self.encoding)
        return start, max(start, offset_of(rope, rng.end.line, rng.end.character, self.encoding))

    def _running(self) -> Connection | None:
        return self.connection if self.state == "running" else None

    # -- document sync --------------------------------------------------------------------

    def _send_open(self, document: Document) -> None:
        connection = self.connection
        if connection is None or not wants_open_close(self.capabilities):
            return
        connection.notify("textDocument/didOpen", _unstructure(lsp.DidOpenTextDocumentParams(
            text_document=lsp.TextDocumentItem(uri=document.uri, language_id=document.language_id,
                                               version=document.version, text=str(document.rope)))))

    def _open(self, uri: str, rope: Rope, language_id: str) -> None:
        if not isinstance(uri, str) or not isinstance(rope, Rope):
            raise LanguageServerError("open takes a URI string and a Rope")
        if uri in self.documents:
            raise LanguageServerError(f"document already open: {uri}")
        document = Document(uri, language_id or self.config.language_id or self.language, rope)
        self.documents[uri] = document
        if self._running() is not None:
            try:
                self._send_open(document)
            except LanguageServerError:
                pass  # it died; the restart opens it

    def _change(self, uri: str, delta: Delta | None, new_rope: Rope | None) -> int:
        document = self._document(uri)
        old = document.rope
        if delta is None:
            if not isinstance(new_rope, Rope):
                raise LanguageServerError("a change without a delta needs the new text")
            rope = new_rope
        else:
            if not isinstance(delta, Delta):
                raise LanguageServerError(f"a change is a symphony.text.Delta, not {type(delta).__name__}")
            if delta.base_len != len(old):
                raise LanguageServerError(f"the change is on a text of {delta.base_len} characters, "
                                          f"{uri} has {len(old)}")
            rope = new_rope if new_rope is not None else delta.apply(old)
            if len(rope) != delta.target_len:
                raise LanguageServerError("the new text given with a change does not match its delta")
        document.rope = rope
        document.version += 1
        connection = self._running()
        if connection is None:
            return document.version  # sent as a whole by didOpen after the restart
        kind = sync_kind(self.capabilities)
        if kind == 0:
            return document.version
        if kind == 2 and delta is not None:
            changes: list[Any] = content_changes(old, delta, self.encoding)
        else:
            changes = [{"text": str(rope)}]
        try:
            connection.notify("textDocument/didChange", {
                "textDocument": {"uri": uri, "version": document.version}, "contentChanges": changes})
        except LanguageServerError:
            pass
        return document.version

    def _save(self, uri: str, include_text: bool | None) -> None:
        document = self._document(uri)
        connection = self._running()
        wanted = save_includes_text(self.capabilities)
        if connection is None or wanted is None:
            return
        params: dict[str, Any] = {"textDocument": {"uri": uri}}
        if wanted if include_text is None else include_text:
            params["text"] = str(document.rope)
        try:
            connection.notify("textDocument/didSave", params)
        except LanguageServerError:
            pass

    def _close(self, uri: str) -> None:
        self._document(uri)
        del self.documents[uri]
        for key in [k for k in self.latest if k[1] == uri]:
            del self.latest[key]
        connection = self._running()
        if connection is not None and wants_open_close(self.capabilities):
            try:
                connection.notify("textDocument/didClose", {"textDocument": {"uri": uri}})
            except LanguageServerError:
                pass

    def _publish_diagnostics(self, params: Any) -> None:
        if not isinstance(params, dict):
            return
        document = self.documents.get(params.get("uri"))  # type: ignore[arg-type]
        if document is None:
            return
        rope = document.rope
        out = []
        for raw in params.get("diagnostics") or ():
            try:
                item = _results.converter.structure(raw, lsp.Diagnostic)
            except Exception:  # noqa: BLE001 - skip what does not fit LSP
                logger.warning("%s server sent a malformed diagnostic: %.200r", self.language, raw)
                continue
            start, end = self._offsets(rope, item.range)
            code = item.code if isinstance(item.code, (str, int)) else None
            out.append(Diagnostic(start, end, int(item.severity) if item.severity is not None else None,
                                  item.message, item.source, code, item))
        document.diagnostics = out
        if self.on_diagnostics is not None:
            try:
                self.on_diagnostics(document.uri, list(out))
            except Exception:  # noqa: BLE001 - a broken callback must not break the actor
                logger.exception("on_diagnostics failed")

    def _rope_of(self, uri: str) -> Rope:
        document = self.documents.get(uri)
        if document is not None:
            return document.rope
        try:
            return Rope.from_file(uri_to_path(uri))
        except OSError as exc:
            raise LanguageServerError(f"an edit for {uri}, which is neither open nor readable: {exc}") from None

    def _apply_edit(self, generation: int, connection: Connection, request_id: Any, method: str, params: Any) -> None:
        if generation != self.generation:
            return
        if self.on_apply_edit is None:
            connection.respond(request_id, {"applied": False, "failureReason": "the client applies no edits"})
            return
        try:
            snapshot = {uri: doc.rope for uri, doc in self.documents.items()}
            deltas = workspace_edit_to_deltas(params.get("edit") if isinstance(params, dict) else None,
                                              lambda uri: snapshot[uri] if uri in snapshot else self._rope_of(uri), self.encoding)
            applied = bool(self.on_apply_edit(deltas, params.get("label")))
        except Exception as exc:  # noqa: BLE001 - refuse the edit, keep serving
            connection.respond(request_id, {"applied": False, "failureReason": str(exc)})
            return
        connection.respond(request_id, {"applied": applied})

    # -- requests -------------------------------------------------------------------------

    def _request(self, request: Request) -> None:
        if self.state in ("failed", "stopped"):
            request.future.set_exception(LanguageServerError(
                f"the {self.language} language server is {self.state}: {self.last_error}"))
            return
        key = (request.method, request.uri) if request.method in SUPERSEDED and request.uri else None
        if key is not None:
            previous = self.latest.pop(key, None)
            if previous is not None and not previous[2].done():
                previous[0].cancel(previous[1], "superseded by a newer request")
        connection = self._running()
        if connection is None:  # starting or restarting: send once it is up
            if key is not None:
                for queued in self.queued:
                    if (queued.method, queued.uri) == key:
                        queued.future.set_exception(LanguageServerError(
                            f"{queued.method}: superseded by a newer request"))
                self.queued = [q for q in self.queued if not q.future.done()]
            self.queued.append(request)
            return
        try:
            if request.raw:
                params, convert = request.params, None
            else:
                if not provides(self.capabilities, request.method):
                    raise LanguageServerError(f"the {self.language} server does not offer {request.method}")
                document = self._document(request.uri)
                params, convert = request_params(request, document, self.documents, self.encoding, self._rope_of)
        except LanguageServerError as exc:
            request.future.set_exception(exc)
            return
        request_id, _ = connection.request(request.method, params, convert, request.future)
        if key is not None:
            self.latest[key] = (connection, request_id, request.future)

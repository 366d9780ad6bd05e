"""``LspPlugin``: language servers as a plugin on xi's plugin protocol (``symphony.plugins.sdk``).

A thin adapter over :class:`LanguageClient`: each view with a path opens its document
in the server for its language (xi's language name lower-cased: "Python" -> "python"),
every ``update`` becomes an incremental ``didChange`` (a null delta: the whole text),
``did_save``/``did_close`` follow. What comes back:

- diagnostics -> ``update_annotations`` of type ``"diagnostic"`` (one data span per
  diagnostic: ``severity``, ``message``, ``source``, ``code``) and a status item
  ``lsp.diagnostics`` ("2 errors, 1 warning");
- ``get_hover`` -> ``show_hover`` with the server's markdown and range;
- ``custom_command``: ``lsp.completion`` / ``lsp.definition`` / ``lsp.references`` /
  ``lsp.signature_help`` at ``{"line", "column"}`` (UTF-8 column in the logical line, as the
  frontend counts) or ``{"position": offset}`` (code points) answer in the status item of
  the same name and, sent as a request (the frontend's ``plugin_rpc`` request), with their
  result as JSON (``_answers``: completion items with the range they replace, locations as
  ``{path, line, column}``, the signature's label); ``lsp.rename`` ``{line, column |
  position, new_name}`` and ``lsp.format`` edit the open views (one undo group per view),
  and alert about files that are not open.

Results arrive on the client's threads, so the view methods are called from them, under
one lock of this plugin's own: the SDK's ``View`` methods must be safe to call from a
thread other than the one running the hooks.
Run it out of process with ``python -m symphony.plugins.sdk symphony.lsp._plugin:LspPlugin``.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any


from ..errors import LanguageServerError, PluginProtocolError, SymphonyError
from ..plugins.sdk import CommandRefused, Plugin, Update, View
from ..rpc import INTERNAL_ERROR, INVALID_PARAMS
from ..text import Rope
from ._answers import completion_answer, edit_range_of, location_answer, offset_from_params
from ._client import LanguageClient
from ._config import ServerConfig
from ._documents import path_to_uri, uri_to_path
from ._results import hover_text
from ._types import Diagnostic

__all__ = ["LspPlugin"]

_SEVERITY = {1: "error", 2: "warning", 3: "information", 4: "hint"}
_TIMEOUT = 30.0
#: The commands that answer (a ``plugin_rpc`` request gets the result; a status item shows it too).
_QUERIES = frozenset({"lsp.completion", "lsp.definition", "lsp.references", "lsp.signature_help"})


def diagnostic_summary(diagnostics: list[Diagnostic]) -> str:
    """``"2 errors, 1 warning"`` (empty when there are none)."""
    counts: dict[str, int] = {}
    for d in diagnostics:
        name = _SEVERITY.get(d.severity or 1, "error")
        counts[name] = counts.get(name, 0) + 1
    return ", ".join(f"{n} {name}{'s' if n != 1 else ''}" for name in _SEVERITY.values()
                     if (n := counts.get(name)))


#: Documents larger than this (UTF-8 bytes) are not given to a language server: servers parse
#: the whole text on every change, and one of this size already takes them seconds.
MAX_DOCUMENT_BYTES = 8 << 20


class LspPlugin(Plugin):
    """Diagnostics, hover, completion, definition and rename from language servers (see the module docs)."""

    name = "symphony-lsp"

    def __init__(self, servers: Mapping[str, ServerConfig] | None = None, client: LanguageClient | None = None) -> None:
        self._servers = servers
        self._client = client
        self._lock = threading.Lock()
        self._views: dict[str, View] = {}  # uri -> view
        self._revs: dict[str, int] = {}  # uri -> the view's rev the client's text is at
        self._status_items: set[tuple[str, str]] = set()  # (view_id, key) added

    # -- the client -----------------------------------------------------------------------

    @property
    def client(self) -> LanguageClient:
        """The language client (started on first use)."""
        if self._client is None:
            self._client = LanguageClient(self._servers, on_diagnostics=self._diagnostics,
                                          on_apply_edit=self._apply_edit)
        return self._client

    def _uri(self, view: View) -> str | None:
        uri = path_to_uri(view.path) if view.path else None
        return uri if uri in self._views else None

    def _diagnostics(self, uri: str, diagnostics: list[Diagnostic]) -> None:
        with self._lock:
            view = self._views.get(uri)
            if view is None:
                return
            spans = [{"start": d.start, "end": d.end,
                      "data": {"severity": _SEVERITY.get(d.severity or 1, "error"), "message": d.message,
                               "source": d.source, "code": d.code}} for d in diagnostics]
            view.update_annotations(0, len(view.document), spans, "diagnostic", rev=self._revs.get(uri))
            self._set_status(view, "lsp.diagnostics", diagnostic_summary(diagnostics))

    def _apply_edit(self, edits: dict[str, Any], label: str | None) -> bool:
        with self._lock:
            if not all(uri in self._views for uri in edits):
                return False
            for uri, delta in edits.items():
                self._views[uri].edit(delta, rev=self._revs.get(uri))
            return True

    # -- hooks ----------------------------------------------------------------------------

    def on_new_view(self, view: View) -> None:
        if not view.path or view.language.lower() not in self.client.servers:
            return  # decided before reading the text: no language server, nothing fetched
        if view.buf_size > MAX_DOCUMENT_BYTES:
            self._set_status(view, "lsp.diagnostics", "file too large for the language server")
            return
        uri = path_to_uri(view.path)
        try:
            opened = self.client.open(uri, view.document, view.language.lower())
        except SymphonyError as exc:
            view.alert(f"language server: {exc}")
            return
        if opened:
            with self._lock:
                self._views[uri] = view
                self._revs[uri] = view.rev
                self._set_status(view, "lsp.diagnostics", "")

    def follows(self, view: View) -> bool:
        return self._uri(view) is not None  # only documents a language server has open

    def on_update(self, view: View, update: Update) -> None:
        uri = self._uri(view)
        if uri is None:
            return
        try:
            self.client.change(uri, update.delta, view.document)
        except LanguageServerError:  # out of step (a delta on another text): send the whole text
            self.client.change(uri, None, view.document)
        self._revs[uri] = update.rev

    def on_save(self, view: View, path: str) -> None:
        uri = self._uri(view)
        if uri is not None:
            self.client.save(uri)

    def on_close(self, view: View) -> None:
        uri = self._uri(view)
        if uri is not None:
            with self._lock:
                del self._views[uri]
                self._revs.pop(uri, None)
                self._status_items = {item for item in self._status_items if item[0] != view.view_id}
            self.client.close(uri)

    def on_language_changed(self, view: View, old_language: str) -> None:
        self.on_close(view)
        self.on_new_view(view)

    def on_hover(self, view: View, request_id: int, position: int) -> None:
        uri = self._uri(view)
        if uri is None:
            view.show_hover(request_id, "")
            return
        client = self.client

        def answer(future: Any) -> None:
            error = future.exception(0)
            hover = None if error is not None else future.get(0)
            content, rng = "", None
            if hover is not None:
                content = hover_text(hover)
                if hover.range is not None:
                    try:
                        rng = client.offsets(uri, hover.range)
                    except SymphonyError:
                        rng = None
            with self._lock:
                view.show_hover(request_id, content, rng)

        client.hover(uri, position).add_done_callback(answer)

    def on_command(self, view: View, method: str, params: object) -> object:
        uri = self._uri(view)
        args = params if isinstance(params, dict) else {}
        if uri is None:
            view.alert(f"{method}: no language server for this view")
            return None
        client = self.client
        try:
            if method in ("lsp.rename", "lsp.format"):
                self._edit_command(view, uri, method, args)
                return None
            if method not in _QUERIES:
                view.alert(f"unknown command {method}")
                return None
            doc = view.document
            position = offset_from_params(doc, args)
            if method == "lsp.completion":
                completions = client.completion(uri, position).get(_TIMEOUT)
                self._status(view, method, " ".join(completions.labels[:20]))
                rng = edit_range_of(completions)
                return completion_answer(doc, position, completions,
                                         client.offsets(uri, rng) if rng is not None else None)
            if method == "lsp.signature_help":
                help_ = client.signature_help(uri, position).get(_TIMEOUT)
                label = help_.signatures[help_.active_signature or 0].label if help_ and help_.signatures else ""
                self._status(view, method, label)
                return {"label": label}
            call = client.definition if method == "lsp.definition" else client.references
            found = call(uri, position).get(_TIMEOUT)
            self._status(view, method, " ".join(
                f"{uri_to_path(loc.uri)}:{loc.range.start.line + 1}:{loc.range.start.character + 1}"
                for loc in found))
            encoding = client.status(view.language.lower()).encoding
            return [location_answer(loc, self._text_of(loc.uri), encoding) for loc in found]  # type: ignore[arg-type]
        except PluginProtocolError as exc:  # bad params: the caller's error, answered as one
            view.alert(f"{method}: {exc}")
            raise CommandRefused(INVALID_PARAMS, f"{method}: {exc}") from None
        except SymphonyError as exc:  # the server failed it (or timed out): an error answer, alerted once
            view.alert(f"{method}: {exc}")
            raise CommandRefused(INTERNAL_ERROR, f"{method}: {exc}") from None

    def _text_of(self, uri: str) -> Rope | None:
        """The text a location points into: the client's for an open document, else the file's."""
        if uri in self._views:
            try:
                return self.client.text(uri)
            except SymphonyError:
                return None
        try:
            with open(uri_to_path(uri), encoding="utf-8") as f:
                return Rope(f.read())
        except (OSError, UnicodeDecodeError, ValueError):
            return None

    def _edit_command(self, view: View, uri: str, method: str, args: dict[str, Any]) -> None:
        """``lsp.rename`` / ``lsp.format``: edit the open views, alert about other files."""
        client = self.client
        rev = self._revs.get(uri)
        if method == "lsp.rename":
            new_name = args.get("new_name")
            if not isinstance(new_name, str) or not new_name:
                raise PluginProtocolError("new_name must be a non-empty string")
            edits = client.rename(uri, offset_from_params(view.document, args), new_name).get(_TIMEOUT)
        else:
            edits = {uri: client.formatting(uri).get(_TIMEOUT)}
        with self._lock:
            skipped = []
            for target, delta in edits.items():
                target_view = self._views.get(target)
                if target_view is None:
                    skipped.append(uri_to_path(target))
                elif not delta.is_identity:
                    target_view.edit(delta, rev=rev if target == uri else self._revs.get(target))
        if skipped:
            view.alert(f"{method} also changes files that are not open: {', '.join(skipped)}")

    def _status(self, view: View, key: str, value: str) -> None:
        with self._lock:
            self._set_status(view, key, value)

    def _set_status(self, view: View, key: str, value: str) -> None:
        """Add the status item the first time, update it after (call with the lock held)."""
        if (view.view_id, key) in self._status_items:
            view.update_status_item(key, value)
        else:
            self._status_items.add((view.view_id, key))
            view.add_status_item(key, value)

    def on_shutdown(self) -> None:
        if self._client is not None:
            self._client.shutdown()

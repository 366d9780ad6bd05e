"""``XiCore``: the xi frontend protocol's methods, dispatched to buffer actors.

One ``XiCore`` serves one frontend connection (a :class:`Peer`). It keeps which view
belongs to which buffer actor; every document command is a message to that document's
:class:`~symphony.text.editor.BufferActor`, which sends ``update``/``scroll_to``/... back
through the peer. Methods and their parameters follow xi-editor's ``frontend-protocol.md``;
the differences are listed in ``docs/protocol.md``.

Invariants:

- Bad input (unknown method, params that are not an object, a missing or mistyped
  parameter, unknown view, unreadable file) answers a request with an error and a
  notification with an ``alert``; nothing else changes and other views are unaffected.
- Messages go out in xi-core's order: ``new_view``'s result before any notification about
  the new view (``config_changed``, ``language_changed``, its first ``update``).
- Two ``new_view`` calls for the same file share one buffer actor (both views see every
  edit); a buffer actor stops when its last view closes.
- ``edit`` never blocks the reader: a notification is told to the buffer actor (which
  sends an ``alert`` itself if it fails) and a request is asked asynchronously (answered
  when the actor is done), so a long command in one buffer does not hold up another's
  keystrokes. One actor's mailbox keeps each buffer's commands in arrival order.
  When the buffer actor is idle (nothing queued, not running) the reader runs a keystroke's
  edit (``QUICK_EDITS``: work bounded by the cursors and the screen, never by the document)
  itself, in the actor's run slot (still one message at a time, in order), so a keystroke
  and its ``update`` cross no thread; a busy actor gets the message in its mailbox as before,
  and so does every other edit.
"""

from __future__ import annotations

import concurrent.futures
import itertools
import logging
import os
import threading
from collections.abc import Callable
from typing import Any

from ..actors import Node, Ref
from ..errors import FileEncodingError, RpcError, SymphonyError
from ..text.editor import DEFAULT_CONFIG, BufferActor, FileWatcher, StyleMap
from ._params import check_edit_params, check_setting, is_quick_edit
from ._peer import INVALID_PARAMS, METHOD_NOT_FOUND, Answer, Peer
from ._plugin_hooks import PluginHooks
from ._syntax import PLAIN_SYNTAX, Syntax
from ._task_hooks import TaskHooks
from ._tasks import TaskRequests

__all__ = ["FILE_ERROR", "XiCore"]

logger = logging.getLogger(__name__)

#: Error code for a file that cannot be read, decoded or written.
FILE_ERROR = -32001


class XiCore:
    """The core side of the xi frontend protocol for one connection."""

    def __init__(self, peer_send: Any = None, *, node: Node | None = None, watch_files: bool = True,
                 plugins: Callable[[Node], PluginHooks] | None = None, syntax: Syntax | None = None,
                 tasks: TaskHooks | None = None) -> None:
        self._own_node = node is None
        self.node = node if node is not None else Node("symphony-core")  # an empty Node is falsy
        self.peer: Peer | None = None
        self._send = peer_send
        self.views: dict[str, Ref] = {}
        self.buffers: dict[str, Ref] = {}  # absolute path -> buffer actor
        self._buffer_views: dict[Ref, set[str]] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self.config = dict(DEFAULT_CONFIG)
        #: the languages and themes offered (plain text and unstyled themes unless given)
        self.syntax: Syntax = syntax if syntax is not None else PLAIN_SYNTAX
        self.theme = self.syntax.default_theme
        # files changed on disk: the buffers of the watched paths are told to check
        self._watcher = FileWatcher(self._on_disk_change) if watch_files else None
        #: The plugin host (``symphony.plugins.PluginHost``), made by ``plugins(node)``; None: no plugins.
        self.plugins = plugins(self.node) if plugins is not None else None
        if self.plugins is not None:
            self.plugins.attach(self.send)
        #: scope stacks -> style ids for this connection's buffers (``def_style`` sent once each)
        self.style_map = StyleMap(self.syntax.resolver(self.theme))
        #: ``run_task`` and the other task requests (``_tasks``), on the conductor's ``tasks`` hooks
        self.task_requests = TaskRequests(tasks, self)

    def attach(self, peer: Peer) -> None:
        """Send notifications through ``peer``."""
        self.peer = peer
        self._send = peer.send_notification

    def request_frontend(self, method: str, params: Any) -> concurrent.futures.Future[Any]:
        """Send the frontend a request; the future gets its answer (or fails with RpcError)."""
        if self.peer is None:
            future: concurrent.futures.Future[Any] = concurrent.futures.Future()
            future.set_exception(RpcError(-32603, "no frontend connected"))
            return future
        return self.peer.send_request(method, params)

    def send(self, method: str, params: Any) -> None:
        """Send a notification to the frontend."""
        if self._send is not None:
            self._send(method, params)

    # -- Handler --------------------------------------------------------------------------

    def handle_request(self, method: str, params: Any) -> Any:
        if method == "plugin" and self.plugins is not None and isinstance(params, dict) \
                and params.get("command") == "plugin_rpc" and isinstance(params.get("rpc"), dict) \
                and params["rpc"].get("rpc_type") == "request":
            # answered with the plugin's result, later (a Future): the reader never waits on a plugin
            return self.plugins.plugin_request(params)
        return self.call(method, params)

    def handle_notification(self, method: str, params: Any) -> None:
        if method == "edit" and isinstance(params, dict) and params.get("method") == "request_hover":
            try:
                self._request_hover(params)
            except RpcError as exc:
                self.reject_notification(method, exc, params)
                raise
            return
        if method == "edit" and isinstance(params, dict) and isinstance(params.get("method"), str):
            view_id = params.get("view_id")
            ref = self.views.get(view_id) if isinstance(view_id, str) else None
            if ref is not None:
                try:
                    check_edit_params(params["method"], params.get("params"))
                except RpcError as exc:
                    self.reject_notification(method, exc, params)
                    raise
                # the buffer actor runs it (here if it is idle, else on a dispatcher thread) and
                # sends an alert itself if it fails: a slow command in one buffer never holds up
                # the others
                command = (view_id, params["method"], params.get("params"))
                if not is_quick_edit(command[1], command[2]) or ref.ask_if_idle("command_notify", command) is None:
                    ref.tell("command_notify", command)
                return
        try:
            result = self.call(method, params)
        except RpcError as exc:
            self.reject_notification(method, exc, params)
            raise
        if isinstance(result, Answer):
            result.then()

    def reject_notification(self, method: str, error: RpcError, params: Any = None) -> None:
        """Tell the frontend a notification was refused: an ``alert`` naming it and why."""
        name = method
        if method == "edit" and isinstance(params, dict) and isinstance(params.get("method"), str):
            name = f"edit {params['method']}"
        self.send("alert", {"msg": f"{name}: {error.message}"})

    def call(self, method: str, params: Any) -> Any:
        """Run protocol method ``method``; raises :class:`RpcError` for bad input."""
        handler = getattr(self, "rpc_" + method, None) if method.isidentifier() else None
        handler = handler or self.task_requests.handlers.get(method)
        if handler is None:
            raise RpcError(METHOD_NOT_FOUND, f"method not found: {method}")
        if params is None:
            params = {}
        if not isinstance(params, dict):
            raise RpcError(INVALID_PARAMS, "params must be an object")
        try:
            return handler(params)
        except RpcError:
            raise
        except FileEncodingError as exc:
            raise RpcError(FILE_ERROR, str(exc), {"path": exc.path, "position": exc.position}) from None
        except OSError as exc:
            raise RpcError(FILE_ERROR, f"{exc.strerror or exc}: {exc.filename or ''}".rstrip(": ")) from None
        except SymphonyError as exc:
            raise RpcError(-32603, f"{type(exc).__name__}: {exc}") from None

    # -- helpers --------------------------------------------------------------------------

    def _view_ref(self, params: Any) -> tuple[str, Ref]:
        view_id = params.get("view_id") if isinstance(params, dict) else None
        if not isinstance(view_id, str):
            raise RpcError(INVALID_PARAMS, "missing view_id" if view_id is None else "view_id must be a string")
        ref = self.views.get(view_id)
        if ref is None:
            raise RpcError(INVALID_PARAMS, f"no view {view_id!r}")
        return view_id, ref

    # -- methods from the frontend --------------------------------------------------------

    def rpc_client_started(self, params: Any) -> None:
        self.send("available_themes", {"themes": list(self.syntax.themes)})
        self.send("available_languages", {"languages": list(self.syntax.languages)})
        if self.plugins is not None:
            config_dir = params.get("config_dir")
            self.plugins.client_started(config_dir if isinstance(config_dir, str) else None)

    def rpc_new_view(self, params: Any) -> Answer:
        path = params.get("file_path") if isinstance(params, dict) else None
        if path is not None and not isinstance(path, str):
            raise RpcError(INVALID_PARAMS, "file_path must be a string")
        view_id = f"view-id-{next(self._ids)}"
        with self._lock:
            key = os.path.abspath(path) if path else None
            ref = self.buffers.get(key) if key else None
            if ref is None:
                ref = self.node.spawn(BufferActor, self.send, path, dict(self.config), self.request_frontend,
                                      self.style_map, self.syntax.detect_language)
                if key:
                    self._track(key, ref)
                self._buffer_views[ref] = set()
            self._buffer_views[ref].add(view_id)
            self.views[view_id] = ref
        # the view's first notifications come from add_view: told once the id is on its way
        plugins = self.plugins

        def opened() -> None:
            ref.tell("add_view", view_id)
            if plugins is not None:
                plugins.view_opened(view_id, ref, key)
            self.task_requests.view_opened(view_id)

        return Answer(view_id, opened)

    def rpc_close_view(self, params: Any) -> None:
        view_id, ref = self._view_ref(params)
        if self.plugins is not None:
            self.plugins.view_closed(view_id)
        last = ref.ask("remove_view", view_id)
        with self._lock:
            self.views.pop(view_id, None)
            views = self._buffer_views.get(ref, set())
            views.discard(view_id)
            if last:
                self._buffer_views.pop(ref, None)
                for key, other in list(self.buffers.items()):
                    if other == ref:
                        self._untrack(key)
        if last:
            ref.stop()

    def rpc_save(self, params: Any) -> None:
        _, ref = self._view_ref(params)
        path = params.get("file_path")
        if not isinstance(path, str) or not path:
            raise RpcError(INVALID_PARAMS, "missing parameter 'file_path'" if path is None
                           else "file_path must be a non-empty string")
        ref.ask("save", path)
        if self.plugins is not None:
            self.plugins.saved(params["view_id"], path)
        if path:
            key = os.path.abspath(path)
            with self._lock:
                for k, other in list(self.buffers.items()):
                    if other == ref and k != key:
                        self._untrack(k)
                if key not in self.buffers:
                    self._track(key, ref)

    def rpc_set_theme(self, params: Any) -> None:
        name = params.get("theme_name") if isinstance(params, dict) else None
        if not isinstance(name, str) or name not in self.syntax.themes:
            raise RpcError(INVALID_PARAMS, f"unknown theme {name!r}")
        self.theme = name
        self.style_map.set_resolver(self.syntax.resolver(name))
        self.send("theme_changed", {"name": name, "theme": self.syntax.theme_settings(name)})
        with self._lock:
            refs = list(self._buffer_views)
        for ref in refs:  # every buffer's styles again, under the new theme
            ref.tell("restyle", None)

    def rpc_set_language(self, params: Any) -> None:
        view_id, ref = self._view_ref(params)
        language = params.get("language_id")
        if not isinstance(language, str) or language not in self.syntax.languages:
            raise RpcError(INVALID_PARAMS, f"unknown language {language!r}")
        ref.ask("set_language", language)
        if self.plugins is not None:
            with self._lock:
                views = sorted(self._buffer_views.get(ref, ()))
            for other in views:
                self.plugins.language_changed(other, language)

    def rpc_modify_user_config(self, params: Any) -> None:
        domain = params.get("domain") if isinstance(params, dict) else None
        changes = params.get("changes") if isinstance(params, dict) else None
        if not isinstance(changes, dict):
            raise RpcError(INVALID_PARAMS, "changes must be an object")
        unknown = sorted(set(changes) - set(DEFAULT_CONFIG))
        if unknown:
            raise RpcError(INVALID_PARAMS, f"unknown settings: {', '.join(unknown)}")
        for key, value in changes.items():
            check_setting(key, value)
        if domain == "general" or (isinstance(domain, dict) and "syntax" in domain):
            self.config.update(changes)
            targets = set(self._buffer_views)
        elif isinstance(domain, dict) and "user_override" in domain:
            _, ref = self._view_ref({"view_id": domain["user_override"]})
            targets = {ref}
        else:
            raise RpcError(INVALID_PARAMS, "domain must be \"general\", {\"syntax\": ...} or {\"user_override\": view}")
        for ref in targets:
            ref.ask("config", changes)
            if self.plugins is not None:
                for view_id in sorted(self._buffer_views.get(ref, ())):
                    self.plugins.config_changed(view_id, changes)

    def rpc_plugin(self, params: Any) -> None:
        if self.plugins is None:
            raise RpcError(INVALID_PARAMS, "no plugin host (plugins are off)")
        self.plugins.plugin_command(params)

    def _request_hover(self, params: dict[str, Any]) -> Any:
        view_id, _ = self._view_ref(params)
        args = params.get("params")
        position = args.get("position") if isinstance(args, dict) else None
        request_id = args.get("request_id") if isinstance(args, dict) else None
        if type(request_id) is not int or not isinstance(position, dict) \
                or type(position.get("line")) is not int or type(position.get("column")) is not int:
            raise RpcError(INVALID_PARAMS, "request_hover needs request_id and position {line, column}")
        if self.plugins is not None:
            self.plugins.request_hover(view_id, request_id, position["line"], position["column"])
        return None

    def rpc_get_config(self, params: Any) -> Any:
        _, ref = self._view_ref(params)
        return ref.ask("get_config")

    def rpc_edit(self, params: Any) -> Any:
        if not isinstance(params, dict):
            raise RpcError(INVALID_PARAMS, "edit takes an object")
        view_id, ref = self._view_ref(params)
        method = params.get("method")
        if not isinstance(method, str):
            raise RpcError(INVALID_PARAMS, "edit needs a method")
        if method == "request_hover":
            return self._request_hover(params)
        check_edit_params(method, params.get("params"))
        command = (view_id, method, params.get("params"))
        done = ref.ask_if_idle("command", command) if is_quick_edit(method, command[2]) else None
        if done is not None:  # answered here; a failure reaches the peer as on the path below
            return done.get(0)
        answer: concurrent.futures.Future[Any] = concurrent.futures.Future()

        def resolve(reply: Any) -> None:
            try:
                answer.set_result(reply.get(0))
            except BaseException as exc:  # noqa: BLE001 - handed to the peer, which answers with it
                answer.set_exception(exc)

        ref.ask_async("command", command).add_done_callback(resolve)
        return answer

    # -- files changed on disk ------------------------------------------------------------

    def _track(self, path: str, ref: Ref) -> None:
        """Hold ``ref`` as the buffer of ``path`` and watch the file (under ``_lock``)."""
        self.buffers[path] = ref
        if self._watcher is not None:
            self._watcher.watch(path)

    def _untrack(self, path: str) -> None:
        """Forget the buffer of ``path`` and stop watching the file (under ``_lock``)."""
        del self.buffers[path]
        if self._watcher is not None:
            self._watcher.unwatch(path)

    def _on_disk_change(self, path: str, added: frozenset[str]) -> None:
        with self._lock:
            ref = self.buffers.get(path)
        if ref is not None:
            try:
                ref.tell("check_disk", sorted(added))
            except SymphonyError:  # the buffer stopped meanwhile
                pass

    def close(self) -> None:
        """Stop the disk watcher and the buffer actors (and the node if this core made it)."""
        if self._watcher is not None:
            self._watcher.close()
        if self.plugins is not None:
            self.plugins.close()
        self.task_requests.close()
        with self._lock:
            refs = list(self._buffer_views)
            self._buffer_views.clear()
            self.views.clear()
            self.buffers.clear()
        for ref in refs:
            try:
                ref.stop()
            except SymphonyError:
                pass
        if self._own_node:
            self.node.stop()

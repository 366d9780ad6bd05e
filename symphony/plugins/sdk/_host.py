"""The loop that serves a :class:`Plugin` on a pair of streams: xi's ``plugin-lib`` dispatcher.

The :class:`symphony.rpc.Peer` reads on a thread of its own and queues each message from the
core; the loop takes them one at a time, in arrival order, on the thread that called
:func:`serve`, and runs the plugin's hooks there. A hook may therefore ask the core for text
(``get_data``) and wait: the peer's reader thread takes the answer while the loop waits. When
nothing is queued, views that asked for it (``schedule_idle``) get ``on_idle``.

What the core sends is checked before anything changes (a wrong one is answered -32602 if it
was a request, logged if not); a hook that raises is logged on stderr (and reported with an
``alert``: always for a command, once per hook otherwise); nothing but ``shutdown`` or the end
of input stops the loop.
"""

from __future__ import annotations

import concurrent.futures
import logging
import queue
import threading
import time
from collections.abc import Callable
from typing import IO, Any

from ...errors import RpcError
from ...rpc import INTERNAL_ERROR, INVALID_PARAMS, METHOD_NOT_FOUND, Peer
from ...text import Rope
from . import _wire
from ._plugin import Plugin
from ._types import CommandRefused, Update
from ._view import View

__all__ = ["PluginLoop", "serve"]

logger = logging.getLogger("symphony.plugins.sdk")

#: xi's ``HostNotification`` and ``HostRequest`` (``update``, ``collect_trace``). Each is taken
#: either way: a notification sent as a request is answered ``null``, an ``update`` sent as a
#: notification is applied all the same.
METHODS = frozenset({"ping", "initialize", "new_buffer", "did_save", "did_close", "config_changed",
                     "language_changed", "get_hover", "custom_command", "shutdown", "tracing_config",
                     "update", "collect_trace"})
#: Hooks whose failure is reported with an ``alert`` every time (the user asked for them).
_ALWAYS_ALERT = frozenset({"on_command"})

_WAKE = object()  # a queue item that only wakes the loop (a view scheduled idle from another thread)
_EOF = object()


def _overrides(plugin: Plugin, hook: str) -> bool:
    return getattr(type(plugin), hook, None) is not getattr(Plugin, hook)


class PluginLoop:
    """Serves one plugin: the handler of the peer (reader thread) and the loop (caller's thread)."""

    def __init__(self, plugin: Plugin, reader: IO[bytes], writer: IO[bytes]) -> None:
        self.plugin = plugin
        self.plugin_id: Any = None
        self.views: dict[Any, View] = {}
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._idle: dict[Any, tuple[float, View]] = {}  # view id -> (not before, view)
        self._idle_lock = threading.Lock()
        self._loop_thread: threading.Thread | None = None
        self._alerted: set[str] = set()
        #: views whose did_close has arrived but is not handled yet: a hook that fails on
        #: one (the core no longer serves its get_data) is not the plugin's bug
        self._closing: set[Any] = set()
        self._done = False
        self._shut_down = False
        self.peer = Peer(reader, writer, self, name=f"plugin {getattr(plugin, 'name', 'plugin')}")
        self.peer.on_eof = self._on_eof
        self._input_ended = False
        self._waiting: set[concurrent.futures.Future[Any]] = set()
        self._waiting_lock = threading.Lock()

    # -- the peer's handler (reader thread) ------------------------------------------------

    def handle_request(self, method: str, params: Any) -> Any:
        if method not in METHODS:
            raise RpcError(METHOD_NOT_FOUND, f"the plugin has no method {method!r}")
        future: concurrent.futures.Future[Any] = concurrent.futures.Future()
        self._queue.put((method, params, future))
        return future

    def handle_notification(self, method: str, params: Any) -> None:
        if method not in METHODS:
            logger.warning("%s: ignored unknown notification %r", self.plugin.name, method)
            return
        if method == "did_close" and isinstance(params, dict):
            self._closing.add(params.get("view_id"))
        self._queue.put((method, params, None))

    def reject_notification(self, method: str, error: RpcError) -> None:
        logger.warning("%s: refused notification %s: %s", self.plugin.name, method, error)

    # -- the channel views use -------------------------------------------------------------

    def notify(self, method: str, params: dict[str, Any]) -> None:
        self.peer.send_notification(method, params)

    def request(self, method: str, params: dict[str, Any]) -> Any:
        with self._waiting_lock:
            if self._input_ended:
                raise RpcError(INTERNAL_ERROR, "the core closed the connection")
            future = self.peer.send_request(method, params)
            self._waiting.add(future)
        try:
            return future.result()
        finally:
            with self._waiting_lock:
                self._waiting.discard(future)

    def _on_eof(self) -> None:
        """Input ended: requests still waiting fail (the peer fails those it knows of; one
        sent meanwhile is failed here), and the loop ends after what is queued."""
        with self._waiting_lock:
            self._input_ended = True
            waiting = list(self._waiting)
        for future in waiting:
            if not future.done():
                future.set_exception(RpcError(INTERNAL_ERROR, "the core closed the connection"))
        self._queue.put((_EOF, None, None))

    def schedule_idle(self, view: View, delay: float = 0.0) -> None:
        due = time.monotonic() + max(0.0, delay)
        with self._idle_lock:
            first = not self._idle
            held = self._idle.get(view.view_id)
            self._idle[view.view_id] = (max(due, held[0]) if held is not None else due, view)
        if first and threading.current_thread() is not self._loop_thread:
            self._queue.put((_WAKE, None, None))

    def call_soon(self, fn: Callable[[], object]) -> None:
        self._queue.put((_WAKE, fn, None))

    def request_is_pending(self) -> bool:
        return not self._queue.empty()

    # -- the loop --------------------------------------------------------------------------

    def run(self) -> None:
        """Serve until ``shutdown`` or the end of input, then flush what is queued to the core."""
        self._loop_thread = threading.current_thread()
        self.peer.start()
        try:
            while not self._done:
                item = self._next()
                if isinstance(item, View):
                    self._hook("on_idle", item, self.plugin.on_idle, item)
                    continue
                method, params, future = item
                if method is _WAKE:
                    if params is not None:
                        self._hook("call_soon", None, params)
                elif method is _EOF:
                    self._shutdown()
                else:
                    self._handle(method, params, future)
        finally:
            self.peer.close()

    def _next(self) -> Any:
        while True:
            timeout = None
            if self._queue.empty():
                with self._idle_lock:
                    if self._idle:
                        key, (due, view) = min(self._idle.items(), key=lambda kv: kv[1][0])
                        now = time.monotonic()
                        if due <= now:
                            del self._idle[key]
                            return view
                        timeout = due - now
            try:
                item = self._queue.get(timeout=timeout)
            except queue.Empty:  # an idle turn is due
                continue
            if item[0] is not _WAKE or item[1] is not None:
                return item

    def _handle(self, method: str, params: Any, future: concurrent.futures.Future[Any] | None) -> None:
        try:
            result = getattr(self, "_on_" + method)(params)
        except RpcError as exc:
            if future is not None:
                future.set_exception(exc)
            else:
                logger.warning("%s: refused %s: %s", self.plugin.name, method, exc)
            return
        except Exception as exc:
            logger.exception("%s: %s failed", self.plugin.name, method)
            if future is not None:
                future.set_exception(exc)
            return
        if future is not None:
            future.set_result(result)

    def _hook(self, hook: str, view: View | None, fn: Callable[..., object], *args: Any) -> bool:
        """Run a plugin hook; True if it returned, False if it raised (logged, maybe alerted)."""
        try:
            fn(*args)
            return True
        except Exception as exc:
            stopping = isinstance(exc, RpcError) and exc.code == _wire.STOPPING
            if (self._input_ended or self._shut_down or stopping
                    or (view is not None and view.view_id in self._closing)):
                # the core is going, or the view is: the hook could not finish, through no bug
                logger.info("%s: %s stopped by a close: %s", self.plugin.name, hook, exc)
                return False
            logger.exception("%s: %s raised", self.plugin.name, hook)
            if view is not None and (hook in _ALWAYS_ALERT or hook not in self._alerted):
                self._alerted.add(hook)
                view.alert(f"{self.plugin.name}: {hook} failed: {type(exc).__name__}: {exc}")
            return False

    def _view(self, params: Any) -> View:
        vid = _wire.field(params, "view_id")
        view = self.views.get(vid) if _wire.is_view_id(vid) else None
        if view is None:
            raise RpcError(404, f"missing view {vid!r}")
        return view

    def _shutdown(self) -> None:
        if not self._shut_down:
            self._shut_down = True
            self._hook("on_shutdown", None, self.plugin.on_shutdown)
        self._done = True

    # -- one method per message of xi's HostNotification / HostRequest ----------------------

    def _on_ping(self, params: Any) -> None:
        return None

    def _on_tracing_config(self, params: Any) -> None:
        return None

    def _on_collect_trace(self, params: Any) -> list[Any]:
        return []

    def _on_shutdown(self, params: Any) -> None:
        self._shutdown()

    def _on_initialize(self, params: Any) -> None:
        plugin_id = _wire.field(params, "plugin_id")
        if not (type(plugin_id) is int or isinstance(plugin_id, str)):
            raise RpcError(INVALID_PARAMS, f"plugin_id must be a number, not {plugin_id!r}")
        infos = _wire.buffer_infos(params)
        if self.plugin_id is not None:
            raise RpcError(INVALID_PARAMS, f"initialized already (plugin_id {self.plugin_id!r})")
        self.plugin_id = plugin_id
        self._hook("on_initialize", None, self.plugin.on_initialize, plugin_id)
        self._add_views(infos)

    def _on_new_buffer(self, params: Any) -> None:
        infos = _wire.buffer_infos(params)
        if self.plugin_id is None:
            raise RpcError(INVALID_PARAMS, "new_buffer before initialize")
        self._add_views(infos)

    def _add_views(self, infos: list[_wire.BufferInfo]) -> None:
        for info in infos:
            for vid in info.views:
                if vid in self.views:
                    logger.warning("%s: view %r is open already", self.plugin.name, vid)
                    continue
                view = View(self, self.plugin, vid, buffer_id=info.buffer_id, path=info.path, language=info.syntax,
                            rev=info.rev, config=info.config, buf_size=info.buf_size, line_count=info.nb_lines)
                self.views[vid] = view
                self._hook("on_new_view", view, self.plugin.on_new_view, view)

    def _on_update(self, params: Any) -> int:
        up = _wire.update_params(params)
        view = self._view(params)
        want = _overrides(self.plugin, "on_update") and self.plugin.follows(view)
        old, delta, problem = view._advance(up.rev, up.delta, up.new_len, up.new_line_count, up.undo_group, want)
        if problem is not None:
            logger.warning("%s: update to revision %d of %r: %s; the text is fetched again",
                           self.plugin.name, up.rev, view.view_id, problem)
        if want:
            update = Update(up.rev, delta, old if old is not None else Rope(), up.author, up.edit_type, up.undo_group)
            self._hook("on_update", view, self.plugin.on_update, view, update)
        if problem is not None:
            raise RpcError(INVALID_PARAMS, problem)
        return 1  # what xi's plugin-lib answers

    def _on_did_save(self, params: Any) -> None:
        view = self._view(params)
        path = _wire.text(params, "path")
        view.path = path
        self._hook("on_save", view, self.plugin.on_save, view, path)

    def _on_did_close(self, params: Any) -> None:
        view = self._view(params)
        self._closing.discard(view.view_id)
        self._hook("on_close", view, self.plugin.on_close, view)
        del self.views[view.view_id]
        with self._idle_lock:
            self._idle.pop(view.view_id, None)

    def _on_config_changed(self, params: Any) -> None:
        view = self._view(params)
        changes = _wire.field(params, "changes")
        if not isinstance(changes, dict):
            raise RpcError(INVALID_PARAMS, "changes must be an object")
        # As xi's plugin-lib: the hook sees the old values in view.config, then they change.
        self._hook("on_config_changed", view, self.plugin.on_config_changed, view, changes)
        view.config.update(changes)

    def _on_language_changed(self, params: Any) -> None:
        view = self._view(params)
        new = _wire.text(params, "new_lang")
        old, view.language = view.language, new
        self._hook("on_language_changed", view, self.plugin.on_language_changed, view, old)

    def _on_get_hover(self, params: Any) -> None:
        view = self._view(params)
        request_id = _wire.count(params, "request_id")
        position = _wire.count(params, "position")
        try:
            doc = view.document
        except Exception as exc:
            view.show_hover_error(request_id, f"the text is not available: {exc}")
            raise
        if position > doc.utf8_len:
            view.show_hover_error(request_id, f"position {position} is past the end ({doc.utf8_len} bytes)")
            raise RpcError(INVALID_PARAMS, f"position {position} is past the end of the text")
        if not self._hook("on_hover", view, self.plugin.on_hover, view, request_id, doc.from_utf8(position)):
            view.show_hover_error(request_id, f"{self.plugin.name}: hover failed")

    def _on_custom_command(self, params: Any) -> Any:
        """A command: its hook's return value answers it when it came as a request (the
        frontend's ``plugin_rpc`` request); a ``CommandRefused`` the hook raises is that answer's
        error (the plugin refusing, not a bug); anything else it raises answers -32603."""
        view = self._view(params)
        method = _wire.text(params, "method")
        result: list[Any] = []
        refused: list[CommandRefused] = []

        def command(*args: Any) -> None:
            try:
                result.append(self.plugin.on_command(*args))
            except CommandRefused as exc:
                refused.append(exc)

        if not self._hook("on_command", view, command, view, method, params.get("params")):
            raise RpcError(INTERNAL_ERROR, f"{self.plugin.name}: {method} failed")
        if refused:
            raise refused[0]
        return result[0]


def serve(plugin: Plugin, reader: IO[bytes], writer: IO[bytes]) -> None:
    """Serve ``plugin`` on ``reader``/``writer`` (binary streams, one JSON value per line) until
    the core sends ``shutdown`` or closes ``reader``; hooks run on the calling thread."""
    PluginLoop(plugin, reader, writer).run()

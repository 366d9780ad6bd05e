"""``PluginHost``: the core side of xi's plugin protocol, behind ``symphony.rpc.PluginHooks``.

It keeps the catalogue, one :class:`~symphony.plugins._supervisor.PluginActor` per running
plugin (per plugin for ``global`` scope, per buffer for ``buffer_local`` and
``single_invocation``), and for each open buffer its views and latest text. It listens to
every buffer actor (``("listen", callback)``): the callback runs in the buffer's thread,
records the new rope and *tells* each plugin actor the edit, so typing never waits on a
plugin. A ticker thread asks the actors to check their memory budget.

Invariants: every method returns without waiting on a plugin process; plugins that stop for
good (budget, repeated crashes, ``stop_plugin``) are forgotten, and ``available_plugins``
shows them as not running; :meth:`close` stops every plugin process it started.
"""

from __future__ import annotations

import concurrent.futures
import itertools
import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from ..actors import Node, Ref
from ..envelope import Priority
from ..errors import RpcError, SymphonyError
from ..rpc import INTERNAL_ERROR, INVALID_PARAMS
from ..text import Rope
from ._catalog import PluginCatalog, default_plugin_dirs
from ._first_screen import FirstScreens
from ._manifest import Manifest
from ._supervisor import PluginActor
from ._types import Budget, BufferSnapshot, settle

__all__ = ["PluginHost"]

logger = logging.getLogger(__name__)

Send = Callable[[str, Any], None]

#: Seconds after ``client_started`` that the autorun plugins start if no document is opened
#: sooner (opening one starts them once it has loaded, as its plugins): a plugin's start (a
#: process importing, 0.2-0.5 s of CPU) never competes with the first document's loading.
AUTORUN_DELAY = 1.0
#: Seconds a new document's plugins wait for their first screens to be coloured in the core's
#: process (``Plugin.first_screen``) before their processes are started.
FIRST_SCREEN_WAIT = 0.1


@dataclass
class _Open:
    """An open buffer as the host knows it."""

    buffer_id: int
    ref: Ref
    path: str | None
    views: list[str]
    syntax: str
    config: dict[str, Any] = field(default_factory=dict)
    rev: int = 0
    rope: Rope = field(default_factory=Rope)
    listener: Any = None
    plugins: dict[str, Ref] = field(default_factory=dict)  # name -> actor holding this buffer

    def snapshot(self) -> BufferSnapshot:
        return BufferSnapshot(self.buffer_id, self.ref, list(self.views), self.path, self.syntax,
                              dict(self.config), self.rev, self.rope)


def _plain_text(path: str | None, first_line: str) -> str:
    return "Plain Text"


class PluginHost:
    """Discovers, starts and supervises plugins for one frontend connection (``PluginHooks``)."""

    def __init__(self, node: Node, *, plugin_dirs: Iterable[str] = (), entry_points: bool = True,
                 budget: Budget | None = None, user_dirs: bool = True,
                 detect_language: Callable[[str | None, str], str] = _plain_text) -> None:
        self.node = node
        self.budget = budget or Budget()
        self.catalog = PluginCatalog()
        self._plugin_dirs = list(plugin_dirs)
        self._entry_points = entry_points
        #: the plugins installed as entry points, read once (when the frontend starts, every
        #: millisecond counts: the first document is opened right after)
        self._installed: PluginCatalog | None = None
        if entry_points:
            self._installed = PluginCatalog()
            self._installed.load_entry_points()
        self._user_dirs = user_dirs
        self._detect = detect_language
        self._loaded = False
        self._send: Send = lambda method, params: None
        self._lock = threading.RLock()
        self._buffers: dict[Ref, _Open] = {}
        self._views: dict[str, _Open] = {}
        self._global: dict[str, Ref] = {}
        self._local: dict[tuple[str, int], Ref] = {}
        self._ids = itertools.count(1)  # buffer ids
        self._plugin_ids = itertools.count(1)
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None
        self._autorun: threading.Timer | None = None
        self._first_screens = FirstScreens()
        #: the frontend's plugin_rpc requests not answered yet, and the timer of each
        self._asked: dict[concurrent.futures.Future[Any], threading.Timer] = {}

    # -- PluginHooks ----------------------------------------------------------------------

    def attach(self, send: Send) -> None:
        self._send = send

    def client_started(self, config_dir: str | None) -> None:
        self._load(config_dir)
        for error_path, error in self.catalog.errors:
            logger.warning("plugin refused: %s", error)
            self._send("alert", {"msg": f"plugin manifest refused: {error}"})
        with self._lock:
            if self._autorun is None and not self._stop.is_set():
                self._autorun = threading.Timer(AUTORUN_DELAY, self._start_autorun)
                self._autorun.daemon = True
                self._autorun.start()

    def _start_autorun(self) -> None:
        with self._lock:
            if self._stop.is_set():
                return
            for manifest in self.catalog.plugins.values():
                if manifest.autorun and manifest.scope == "global":
                    self._start_global(manifest)

    def view_opened(self, view_id: str, buffer: Ref, path: str | None) -> None:
        self._load(None)
        with self._lock:
            state = self._buffers.get(buffer)
            if state is not None:
                state.views.append(view_id)
                self._views[view_id] = state
                fresh = False
            else:
                state = _Open(next(self._ids), buffer, path, [view_id], "Plain Text")
                self._buffers[buffer] = state
                self._views[view_id] = state
                fresh = True
        # no plugin, no listener: typing costs nothing extra; a buffer that cannot be listened to
        # is not shown to plugins (they would see a text that never changes)
        listening = fresh and bool(self.catalog.plugins) and self._listen(state)
        if listening:  # the first screen coloured here, before the plugins' processes start
            # (their start would compete with it for the CPU), waited for a moment at most
            with self._lock:
                colouring = [m for m in self.catalog.plugins.values()
                             if m.activates_for(state.syntax) or m.name in self._global]
                path, language, rev, rope = state.path, state.syntax, state.rev, state.rope
            shown = [self._first_screens.colour(m, buffer, path, language, rev, rope) for m in colouring]
            concurrent.futures.wait([f for f in shown if f is not None], timeout=FIRST_SCREEN_WAIT)
        with self._lock:
            if listening:
                for manifest in self.catalog.plugins.values():
                    if manifest.activates_for(state.syntax):
                        self._activate(manifest, state)
                for name, ref in self._global.items():
                    if name not in state.plugins:
                        self._give(ref, name, state)
            else:
                for ref in set(state.plugins.values()):
                    self._tell(ref, "open", replace(state.snapshot(), views=[view_id]))
            running = set(state.plugins)
        self._send("available_plugins", {"view_id": view_id, "plugins": [
            {"name": name, "running": name in running} for name in self.catalog.names()]})

    def view_closed(self, view_id: str) -> None:
        with self._lock:
            state = self._views.pop(view_id, None)
            if state is None:
                return
            if view_id in state.views:
                state.views.remove(view_id)
            for ref in set(state.plugins.values()):
                self._tell(ref, "close", view_id)
            if state.views:
                return
            del self._buffers[state.ref]
            locals_ = [key for key in self._local if key[1] == state.buffer_id]
            stopping = [self._local.pop(key) for key in locals_]
        if state.listener is not None:
            self._tell(state.ref, "unlisten", state.listener)
        for ref in stopping:  # not waited for: a plugin slow to exit must not hold up the frontend
            self._stop_actor(ref, block=False)

    def saved(self, view_id: str, path: str) -> None:
        with self._lock:
            state = self._views.get(view_id)
            if state is not None:
                state.path = path
        self._notify(view_id, "did_save", {"view_id": view_id, "path": path})

    def config_changed(self, view_id: str, changes: dict[str, Any]) -> None:
        self._notify(view_id, "config_changed", {"view_id": view_id, "changes": dict(changes)})

    def language_changed(self, view_id: str, language: str) -> None:
        with self._lock:
            state = self._views.get(view_id)
            if state is None or state.syntax == language:
                return
            state.syntax = language
            for manifest in self.catalog.plugins.values():
                if language in manifest.on_syntax:
                    self._activate(manifest, state)
        self._notify(view_id, "language_changed", {"view_id": view_id, "new_lang": language})

    def plugin_command(self, params: dict[str, Any]) -> None:
        command = params.get("command")
        view_id = params.get("view_id")
        if not isinstance(view_id, str):
            raise RpcError(INVALID_PARAMS, "view_id must be a string")
        if command in ("start", "stop"):
            name = params.get("plugin_name")
            if not isinstance(name, str):
                raise RpcError(INVALID_PARAMS, "plugin_name must be a string")
            (self.start_plugin if command == "start" else self.stop_plugin)(view_id, name)
        elif command == "plugin_rpc":
            ref, call = self._plugin_rpc(view_id, params)
            self._tell(ref, "notify", ("custom_command", call))
        else:
            raise RpcError(INVALID_PARAMS, "command must be start, stop or plugin_rpc")

    def plugin_request(self, params: dict[str, Any]) -> concurrent.futures.Future[Any]:
        view_id = params.get("view_id")
        if not isinstance(view_id, str):
            raise RpcError(INVALID_PARAMS, "view_id must be a string")
        ref, call = self._plugin_rpc(view_id, params)
        answer: concurrent.futures.Future[Any] = concurrent.futures.Future()
        try:
            ref.tell("request", (call, answer))
        except SymphonyError as exc:  # its mailbox is full (it is stuck) or it is gone
            raise RpcError(INTERNAL_ERROR, f"plugin {params.get('receiver')!r} cannot take requests now: "
                                           f"{type(exc).__name__}") from None
        # whatever becomes of the plugin (hung, stopped before it read the request), the frontend
        # gets an answer: an error once the budget's time is up
        timeout = self.budget.request_timeout
        timer = threading.Timer(timeout, settle, (answer, None, RpcError(
            INTERNAL_ERROR, f"plugin {params.get('receiver')!r} did not answer {call['method']} in {timeout:g} s")))
        timer.daemon = True
        with self._lock:
            self._asked[answer] = timer
        timer.start()

        def done(_: Any) -> None:
            timer.cancel()
            with self._lock:
                self._asked.pop(answer, None)

        answer.add_done_callback(done)
        return answer

    def _plugin_rpc(self, view_id: str, params: dict[str, Any]) -> tuple[Ref, dict[str, Any]]:
        """The actor of ``plugin_rpc``'s receiver and the ``custom_command`` params for it."""
        receiver, rpc = params.get("receiver"), params.get("rpc")
        if not isinstance(receiver, str) or not isinstance(rpc, dict) or not isinstance(rpc.get("method"), str):
            raise RpcError(INVALID_PARAMS, "plugin_rpc needs receiver and rpc {method, params}")
        with self._lock:
            state = self._views.get(view_id)
            ref = state.plugins.get(receiver) if state is not None else None
        if ref is None:
            raise RpcError(INVALID_PARAMS, f"plugin {receiver!r} is not running for {view_id}")
        return ref, {"view_id": view_id, "method": rpc["method"], "params": rpc.get("params")}

    def request_hover(self, view_id: str, request_id: int, line: int, column: int) -> None:
        with self._lock:
            state = self._views.get(view_id)
            rope = state.rope if state is not None else None
        if rope is None:
            raise RpcError(INVALID_PARAMS, f"no view {view_id!r}")
        if not 0 <= line < rope.line_count:
            raise RpcError(INVALID_PARAMS, f"line {line} is outside the text")
        start = rope.to_utf8(rope.offset_of_line(line))
        position = rope.to_utf8(rope.from_utf8(min(start + column, rope.utf8_len)))  # on a character
        self._notify(view_id, "get_hover", {"view_id": view_id, "request_id": request_id, "position": position})

    def close(self) -> None:
        self._stop.set()
        with self._lock:
            autorun = self._autorun
        if autorun is not None:
            autorun.cancel()
            autorun.join(5)
        self._first_screens.close()
        if self._ticker is not None:
            self._ticker.join(5)
        with self._lock:
            asked = list(self._asked)
        for answer in asked:  # answered now, and their timers stopped: nothing is left running
            settle(answer, error=RpcError(INTERNAL_ERROR, "the core is closing"))
        with self._lock:
            refs = list(self._global.values()) + list(self._local.values())
            self._global.clear()
            self._local.clear()
            buffers = list(self._buffers.values())
            self._buffers.clear()
            self._views.clear()
        for state in buffers:
            if state.listener is not None:
                self._tell(state.ref, "unlisten", state.listener)
        for ref in refs:
            self._stop_actor(ref, block=False)
        for ref in refs:
            self._stop_actor(ref)

    # -- starting and stopping ------------------------------------------------------------

    def start_plugin(self, view_id: str, name: str) -> None:
        """Start plugin ``name`` (xi's ``start_plugin``): for every buffer, or for ``view_id``'s buffer."""
        self._load(None)
        manifest = self.catalog.get(name)
        if manifest is None:
            raise RpcError(INVALID_PARAMS, f"no plugin named {name!r}")
        with self._lock:
            state = self._views.get(view_id)
            if manifest.scope == "global":
                self._start_global(manifest)
            elif state is not None:
                self._activate(manifest, state)
            else:
                raise RpcError(INVALID_PARAMS, f"no view {view_id!r}")

    def stop_plugin(self, view_id: str, name: str) -> None:
        """Stop plugin ``name`` (xi's ``stop_plugin``): its ``shutdown``, then the process ends."""
        with self._lock:
            refs = [self._global.pop(name)] if name in self._global else []
            refs += [self._local.pop(key) for key in list(self._local) if key[0] == name]
            for state in self._buffers.values():
                state.plugins.pop(name, None)
        for ref in refs:
            self._stop_actor(ref, block=False)

    def running(self) -> dict[str, list[Ref]]:
        """The plugin actors running now, by plugin name."""
        with self._lock:
            out: dict[str, list[Ref]] = {name: [ref] for name, ref in self._global.items()}
            for (name, _), ref in self._local.items():
                out.setdefault(name, []).append(ref)
            return out

    def _load(self, config_dir: str | None) -> None:
        if self._loaded and config_dir is None:
            return
        catalog = PluginCatalog()
        if self._entry_points:
            if self._installed is None:  # what is installed does not change while we run
                self._installed = PluginCatalog()
                self._installed.load_entry_points()
            catalog.plugins.update(self._installed.plugins)
            catalog.errors.extend(self._installed.errors)
        catalog.load_dirs((default_plugin_dirs(config_dir) if self._user_dirs else []) + self._plugin_dirs)
        with self._lock:
            self.catalog = catalog
            self._loaded = True

    def _activate(self, manifest: Manifest, state: _Open) -> None:
        """(Under the lock.) Start ``manifest`` for ``state``'s buffer as its scope says."""
        if manifest.name in state.plugins:
            return
        if manifest.scope == "global":
            self._start_global(manifest)
            return
        if state.listener is None:
            return
        key = (manifest.name, state.buffer_id)
        ref = self._spawn(manifest, [state])
        self._local[key] = ref
        state.plugins[manifest.name] = ref

    def _start_global(self, manifest: Manifest) -> None:
        """(Under the lock.) The running global instance of ``manifest``, holding every buffer."""
        if manifest.name in self._global:
            return
        states = [state for state in self._buffers.values() if state.listener is not None]
        ref = self._spawn(manifest, states)
        self._global[manifest.name] = ref
        for state in states:
            state.plugins[manifest.name] = ref

    def _give(self, ref: Ref, name: str, state: _Open) -> None:
        state.plugins[name] = ref
        self._tell(ref, "open", state.snapshot())

    def _spawn(self, manifest: Manifest, states: list[_Open]) -> Ref:
        ref = self.node.spawn(PluginActor, manifest, next(self._plugin_ids), self._send, self.budget, self._gone,
                              [state.snapshot() for state in states])
        self._start_ticker()
        return ref

    def _gone(self, ref: Ref, reason: str) -> None:
        """A plugin actor stopped for good (called from its thread)."""
        with self._lock:
            for key, other in list(self._global.items()):
                if other == ref:
                    del self._global[key]
            for lkey, other in list(self._local.items()):
                if other == ref:
                    del self._local[lkey]
            for state in self._buffers.values():
                for name, other in list(state.plugins.items()):
                    if other == ref:
                        del state.plugins[name]

    def _stop_actor(self, ref: Ref, block: bool = True) -> None:
        try:
            ref.stop(block=block, timeout=30 if block else None)
        except SymphonyError:
            pass

    # -- buffers --------------------------------------------------------------------------

    def _listen(self, state: _Open) -> bool:
        def on_edit(event: Any) -> None:  # in the buffer actor's thread: record and tell, never wait
            with self._lock:
                if event.rev > state.rev:
                    state.rev, state.rope = event.rev, event.new_rope
                refs = set(state.plugins.values())
            for ref in refs:
                try:
                    ref.tell("edit", (state.buffer_id, event))
                except SymphonyError:  # its mailbox is full (it is stuck) or it is gone
                    logger.info("plugin actor %s dropped an edit", ref)

        state.listener = on_edit
        try:
            rev, rope = state.ref.ask("listen", on_edit, timeout=30)
        except (SymphonyError, ValueError) as exc:  # a buffer actor without plugin support refuses it
            logger.warning("buffer %s cannot be listened to: %s", state.ref, exc)
            state.listener = None
            return False
        with self._lock:
            if rev >= state.rev:
                state.rev, state.rope = rev, rope
            first = next(state.rope.lines(0), "") if len(state.rope) else ""
            state.syntax = self._detect(state.path, first[:1000])
        return True

    def _notify(self, view_id: str, method: str, params: dict[str, Any]) -> None:
        with self._lock:
            state = self._views.get(view_id)
            refs = set(state.plugins.values()) if state is not None else set()
        for ref in refs:
            self._tell(ref, "notify", (method, params))

    @staticmethod
    def _tell(ref: Ref, kind: str, payload: Any, priority: int = Priority.NORMAL) -> None:
        try:
            ref.tell(kind, payload, priority=priority)
        except SymphonyError as exc:
            logger.info("%s to %s dropped: %s", kind, ref, type(exc).__name__)

    def _start_ticker(self) -> None:
        if self._ticker is None:
            self._ticker = threading.Thread(target=self._tick, name="symphony-plugin-budget", daemon=True)
            self._ticker.start()

    def _tick(self) -> None:
        while not self._stop.wait(self.budget.check_interval):
            for refs in self.running().values():
                for ref in refs:
                    self._tell(ref, "check", None, Priority.HIGH)

"""``PluginActor``: supervises one running plugin process (one per plugin, or per buffer).

It starts the process, speaks xi's plugin protocol with it through a
:class:`~symphony.rpc.Peer` on its stdio, and keeps what it has sent: for each buffer the
rope of every recent revision, so a ``get_data`` at an older revision is answered from
that revision's text (ropes are persistent: keeping one costs a pointer).

Messages (``kind``, payload):

- ``open`` (BufferSnapshot), ``close`` (view_id), ``edit`` ((buffer_id, EditEvent)),
  ``notify`` ((method, params)), ``request`` ((custom_command params, Future)): from the host; a plugin not running keeps the state
  and gets it in ``initialize`` when it (re)starts.
- ``from_plugin`` ((generation, method, params)): told by the connection at LOW priority
  with a TTL; requests are answered here, notifications forwarded to the buffer actor
  (LOW priority) or to the frontend.
- ``answered``, ``exited``, ``restart``, ``over_budget``, ``check``: supervision.

Invariants: nothing the host tells this actor waits on the plugin (``update`` is sent as a
request whose answer comes back as a message, at most ``Budget.max_in_flight`` unanswered;
a plugin that falls behind gets one ``update`` with ``delta: null`` when it catches up). A
crash is restarted with backoff and ``initialize`` re-sends every buffer. Stopping sends
``shutdown``, then terminates and reaps the process.
"""

from __future__ import annotations

import concurrent.futures
import logging
import os
import signal
import subprocess
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from ..actors import Actor, Ref
from ..envelope import Message, Priority
from ..errors import PluginProtocolError, RpcError, SymphonyError
from ..rpc import INTERNAL_ERROR, INVALID_PARAMS, METHOD_NOT_FOUND, Peer
from ..text import Rope
from . import _inbound as inbound
from ._connection import MeteredReader, PipeWriter, PluginConnection
from ._manifest import Manifest
from ._priority import lower_priority
from ._types import Budget, BufferSnapshot, settle
from ._wire import buffer_info, get_data, integer, update_params

__all__ = ["KEEP_REVS", "PluginActor"]

logger = logging.getLogger(__name__)

#: Revisions whose text is kept per buffer for ``get_data`` (besides those still in flight).
KEEP_REVS = 64
_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096

Send = Callable[[str, Any], None]
#: What a plugin may send (xi's PluginRequest and PluginNotification).
#: What a plugin asks the core and waits for (the rest of ``_FROM_PLUGIN`` are notifications).
_REQUESTS = frozenset({"get_data", "line_count", "get_selections"})
_FROM_PLUGIN = frozenset({"get_data", "line_count", "get_selections", "add_scopes", "update_spans",
                          "update_annotations", "edit", "alert", "add_status_item", "update_status_item",
                          "remove_status_item", "show_hover"})


def _kill(proc: subprocess.Popen[bytes]) -> None:
    """SIGKILL the plugin and whatever it started (its own session's process group)."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except OSError:
        proc.kill()


@dataclass
class _Buffer:
    snap: BufferSnapshot
    #: The view the plugin knows the buffer by (the first of ``views`` it was last told): the
    #: ``view_id`` of its updates, as long as the buffer is open, even if that view closed.
    wire_view: str = ""
    revs: OrderedDict[int, Rope] = field(default_factory=OrderedDict)
    behind: bool = False
    last: Any = None  # the last EditEvent

    def keep(self, rev: int, rope: Rope) -> None:
        self.revs[rev] = rope
        while len(self.revs) > KEEP_REVS:
            self.revs.popitem(last=False)


class PluginActor(Actor):
    """One plugin process under supervision (see the module docstring)."""

    mailbox_size = 10_000  # a flood fills this and is dropped, nothing else

    def __init__(self, manifest: Manifest, plugin_id: int, send: Send, budget: Budget,
                 on_gone: Callable[[Ref, str], None], buffers: Iterable[BufferSnapshot] = ()) -> None:
        self.manifest = manifest
        self.plugin_id = plugin_id
        self._send = send
        self.budget = budget
        self._on_gone = on_gone
        self._buffers: dict[int, _Buffer] = {}
        self._view_buffer: dict[str, int] = {}
        self._proc: subprocess.Popen[bytes] | None = None
        self._peer: Peer | None = None
        self._reader: MeteredReader | None = None
        self._writer: PipeWriter | None = None
        self._generation = 0
        self._in_flight = 0
        self._restarts: list[float] = []
        self._timer: threading.Timer | None = None
        self._stopping = False
        self.running = False
        for snap in buffers:
            self._add(snap)

    # -- lifecycle ------------------------------------------------------------------------

    def on_start(self) -> None:
        self._launch()

    def _launch(self) -> None:
        self._generation += 1
        gen = self._generation
        self._in_flight = 0
        try:
            proc = subprocess.Popen(list(self.manifest.argv), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                    cwd=self.manifest.directory, env={**os.environ, **self.manifest.env},
                                    start_new_session=True)
        except OSError as exc:
            self._send("alert", {"msg": f"plugin {self.manifest.name} cannot start: {exc.strerror or exc}"})
            self._give_up("cannot start")
            return
        lower_priority(proc.pid, self.budget.nice)
        ref = self.actor_ref
        assert proc.stdout is not None and proc.stdin is not None

        def over_budget(reason: str) -> None:
            self._tell(ref, "over_budget", (gen, reason), Priority.HIGH)

        reader = MeteredReader(proc.stdout, self.budget.max_line, self.budget.max_messages, over_budget)
        writer = PipeWriter(os.dup(proc.stdin.fileno()))  # the writer owns its own descriptor
        proc.stdin.close()
        peer = Peer(reader, writer, PluginConnection(ref, gen, self.budget.ttl),  # type: ignore[arg-type]
                    name=f"plugin-{self.manifest.name}")
        peer.on_eof = lambda: self._tell(ref, "exited", gen, Priority.HIGH)
        self._proc, self._peer, self._reader, self._writer = proc, peer, reader, writer
        peer.start()
        peer.send_notification("ping", [])
        for buf in self._buffers.values():  # initialize carries each buffer as it is now
            buf.wire_view = buf.snap.views[0]
            buf.behind = False
        infos = [self._info(buf) for buf in self._buffers.values()]
        peer.send_notification("initialize", {"plugin_id": self.plugin_id, "buffer_info": infos})
        self.running = True
        for buf in self._buffers.values():
            self._announce(buf)

    @staticmethod
    def _tell(ref: Ref, kind: str, payload: Any, priority: int = Priority.NORMAL, ttl: float | None = None) -> None:
        try:
            ref.tell(kind, payload, priority=priority, ttl=ttl)
        except SymphonyError:
            pass  # the actor is gone (or its mailbox is full): dropped

    def _info(self, buf: _Buffer) -> dict[str, Any]:
        snap = buf.snap
        return buffer_info(snap.buffer_id, snap.views, snap.rev, snap.rope, snap.path, snap.syntax, snap.config)

    def _announce(self, buf: _Buffer) -> None:
        for view_id in buf.snap.views:
            self._send("plugin_started", {"view_id": view_id, "plugin": self.manifest.name})
            if self.manifest.commands:
                self._send("update_cmds", {"view_id": view_id, "plugin": self.manifest.name,
                                           "cmds": list(self.manifest.commands)})

    def _reap(self) -> int | None:
        """Close the connection and make sure the process is gone; its exit code."""
        proc, peer, reader, writer = self._proc, self._peer, self._reader, self._writer
        self._proc = self._peer = self._reader = self._writer = None
        self.running = False
        if proc is None:
            return None
        if peer is not None:
            peer.close(self.budget.shutdown_grace)
        if writer is not None and writer.busy:  # it stopped reading: a write is stuck on it
            _kill(proc)
        if writer is not None:
            writer.close()  # the plugin sees end of input
        try:
            code = proc.wait(self.budget.shutdown_grace)
        except subprocess.TimeoutExpired:
            _kill(proc)
            code = proc.wait()
        if peer is not None:
            peer.join(5)
        if reader is not None:
            reader.close()
        return code

    def _stopped_views(self) -> None:
        for buf in self._buffers.values():
            for view_id in buf.snap.views:
                self._send("plugin_stopped", {"view_id": view_id, "plugin": self.manifest.name, "code": 0})
            self._tell(buf.snap.ref, "plugin_gone", self.manifest.name, Priority.LOW)

    def _give_up(self, reason: str) -> None:
        self._stopping = True
        self._on_gone(self.actor_ref, reason)
        self.stop()

    def on_stop(self) -> None:
        self._stopping = True
        if self._timer is not None:
            self._timer.cancel()
        if self._peer is not None:
            self._peer.send_notification("shutdown", {})
        if self._proc is not None:
            self._reap()
            self._stopped_views()

    # -- messages -------------------------------------------------------------------------

    def on_receive(self, message: Message[Any]) -> Any:
        kind = message.kind
        payload = message.payload
        handler = getattr(self, "_on_" + kind, None)
        if handler is None:
            raise ValueError(f"PluginActor: unknown message kind {kind!r}")
        return handler(payload)

    def _add(self, snap: BufferSnapshot) -> _Buffer:
        buf = self._buffers.get(snap.buffer_id)
        if buf is not None:  # another view of a buffer it has
            buf.snap.views.extend(v for v in snap.views if v not in buf.snap.views)
        else:
            buf = self._buffers[snap.buffer_id] = _Buffer(snap, snap.views[0])
            buf.keep(snap.rev, snap.rope)
        for view_id in snap.views:
            self._view_buffer[view_id] = snap.buffer_id
        return buf

    def _on_open(self, snap: BufferSnapshot) -> None:
        known = snap.buffer_id in self._buffers
        buf = self._add(snap)
        if known:
            if self._peer is not None:
                for view_id in snap.views:
                    self._send("plugin_started", {"view_id": view_id, "plugin": self.manifest.name})
            return
        if self._peer is not None:
            self._peer.send_notification("new_buffer", {"buffer_info": [self._info(buf)]})
            self._announce(buf)

    def _on_close(self, view_id: str) -> None:
        buffer_id = self._view_buffer.pop(view_id, None)
        if buffer_id is None:
            return
        buf = self._buffers[buffer_id]
        if view_id in buf.snap.views:
            buf.snap.views.remove(view_id)
        if not buf.snap.views:  # the buffer is gone: the plugin drops it
            del self._buffers[buffer_id]
            if self._peer is not None:
                self._peer.send_notification("did_close", {"view_id": buf.wire_view})

    def _on_notify(self, payload: tuple[str, dict[str, Any]]) -> None:
        method, params = payload
        buf = self._buffer_of(params.get("view_id"))
        if buf is None:
            return
        if method == "config_changed":
            buf.snap.config.update(params.get("changes", {}))
        elif method == "language_changed":
            buf.snap.syntax = params.get("new_lang", buf.snap.syntax)
        elif method == "did_save":
            buf.snap.path = params.get("path", buf.snap.path)
        if self._peer is not None:
            self._peer.send_notification(method, params)

    def _on_request(self, payload: tuple[dict[str, Any], concurrent.futures.Future[Any]]) -> None:
        """A frontend's ``plugin_rpc`` request: ``custom_command`` sent as a request; its answer
        (or error) settles ``answer``, from the plugin connection's reader thread."""
        call, answer = payload
        if self._peer is None or self._buffer_of(call.get("view_id")) is None:
            settle(answer, error=RpcError(INTERNAL_ERROR, f"plugin {self.manifest.name} is not running for "
                                                          f"{call.get('view_id')}"))
            return

        def relay(done: concurrent.futures.Future[Any]) -> None:
            error = done.exception()
            if error is None:
                settle(answer, done.result())
            else:
                settle(answer, error=error if isinstance(error, RpcError)
                       else RpcError(INTERNAL_ERROR, f"{type(error).__name__}: {error}"))

        self._peer.send_request("custom_command", call).add_done_callback(relay)

    def _on_edit(self, payload: tuple[int, Any]) -> None:
        buffer_id, event = payload
        buf = self._buffers.get(buffer_id)
        if buf is None or event.rev <= buf.snap.rev:
            return
        if event.rev != buf.snap.rev + 1:  # an edit was lost on the way (a full mailbox): resync
            buf.behind = True
        buf.snap.rev, buf.snap.rope, buf.last = event.rev, event.new_rope, event
        buf.keep(event.rev, event.new_rope)
        if self._peer is None:
            return
        if buf.behind or self._in_flight >= self.budget.max_in_flight:
            buf.behind = True  # caught up with one null-delta update when there is room
            if self._in_flight < self.budget.max_in_flight:
                self._catch_up(buf)
            return
        self._send_update(buf, update_params(buf.wire_view, event))

    def _catch_up(self, buf: _Buffer) -> None:
        """One ``update`` with ``delta: null`` for the buffer's current revision (the plugin refetches)."""
        buf.behind = False
        event = buf.last
        rope = buf.snap.rope
        self._send_update(buf, {"view_id": buf.wire_view, "delta": None, "new_len": rope.utf8_len,
                                "new_line_count": rope.line_count, "rev": buf.snap.rev,
                                "undo_group": event.undo_group, "edit_type": event.edit_type,
                                "author": event.author})

    def _send_update(self, buf: _Buffer, params: dict[str, Any]) -> None:
        assert self._peer is not None
        self._in_flight += 1
        ref, gen = self.actor_ref, self._generation
        future = self._peer.send_request("update", params)
        future.add_done_callback(lambda _: self._tell(ref, "answered", gen))

    def _on_answered(self, gen: int) -> None:
        if gen != self._generation:
            return
        self._in_flight -= 1
        if self._peer is None:
            return
        for buf in self._buffers.values():
            if buf.behind and self._in_flight < self.budget.max_in_flight:
                self._catch_up(buf)

    def _on_exited(self, gen: int) -> None:
        if gen != self._generation or self._stopping:
            return
        code = self._reap()
        self._stopped_views()
        now = time.monotonic()
        self._restarts = [t for t in self._restarts if now - t < self.budget.restart_window]
        if len(self._restarts) >= self.budget.max_restarts:
            self._send("alert", {"msg": f"plugin {self.manifest.name} exited (code {code}) "
                                        f"{len(self._restarts) + 1} times; not restarted"})
            self._give_up("crashed")
            return
        delay = min(self.budget.backoff * 2 ** len(self._restarts), self.budget.max_backoff)
        self._restarts.append(now)
        logger.warning("plugin %s exited (code %s); restarting in %.2fs", self.manifest.name, code, delay)
        ref = self.actor_ref
        self._timer = threading.Timer(delay, self._tell, (ref, "restart", gen, Priority.HIGH))
        self._timer.daemon = True
        self._timer.start()

    def _on_restart(self, gen: int) -> None:
        if gen == self._generation and not self._stopping and self._proc is None:
            self._launch()

    def _on_over_budget(self, payload: tuple[int, str]) -> None:
        gen, reason = payload
        if gen == self._generation and not self._stopping:
            self._stop_for(reason)

    def _stop_for(self, reason: str) -> None:
        self._send("alert", {"msg": f"plugin {self.manifest.name} stopped: {reason}"})
        self._give_up(reason)

    def _on_check(self, _: Any) -> None:
        proc = self._proc
        if proc is None or self._stopping:
            return
        try:
            with open(f"/proc/{proc.pid}/statm", "rb") as f:
                rss = int(f.read().split()[1]) * _PAGE
        except (OSError, ValueError, IndexError):
            return
        if rss > self.budget.max_rss:
            self._stop_for(f"uses {rss >> 20} MiB of memory, over its budget of {self.budget.max_rss >> 20} MiB")

    def _on_state(self, _: Any) -> dict[str, Any]:
        """For tests and diagnostics: what the actor holds."""
        return {"running": self.running, "generation": self._generation, "in_flight": self._in_flight,
                "pid": self._proc.pid if self._proc is not None else None,
                "buffers": {b: buf.snap.rev for b, buf in self._buffers.items()}}

    # -- from the plugin ------------------------------------------------------------------

    def _buffer_of(self, view_id: Any) -> _Buffer | None:
        buffer_id = self._view_buffer.get(view_id) if isinstance(view_id, str) else None
        return self._buffers.get(buffer_id) if buffer_id is not None else None

    def _on_from_plugin(self, payload: tuple[int, str, Any]) -> Any:
        gen, method, params = payload
        if gen != self._generation:
            raise RpcError(INVALID_PARAMS, "the plugin was restarted")
        if method not in _FROM_PLUGIN:
            logger.info("plugin %s: unknown method %s", self.manifest.name, method)
            raise RpcError(METHOD_NOT_FOUND, f"method not found: {method}")
        try:
            if not isinstance(params, dict):
                raise PluginProtocolError("params must be an object")
            return self._from_plugin(method, params)
        except PluginProtocolError as exc:
            logger.info("plugin %s: %s refused: %s", self.manifest.name, method, exc)
            raise RpcError(INVALID_PARAMS, f"{method}: {exc}") from None

    def _rope_at(self, buf: _Buffer, rev: int) -> Rope:
        rope = buf.revs.get(rev)
        if rope is None:
            raise PluginProtocolError(f"revision {rev} is unknown or too old (now {buf.snap.rev})")
        return rope

    def _from_plugin(self, method: str, params: dict[str, Any]) -> Any:
        view_id = params.get("view_id")
        buf = self._buffer_of(view_id)
        if buf is None:
            if method not in _REQUESTS:
                # a notification has no answer to carry an error, and one about a view just
                # closed was sent before the plugin learnt of it (did_close is on its way)
                logger.info("plugin %s: %s for no open view %r dropped", self.manifest.name, method, view_id)
                return None
            raise PluginProtocolError(f"no view {view_id!r}")
        name = self.manifest.name
        ref = buf.snap.ref
        ttl = self.budget.ttl  # what the plugin sends its buffer waits behind the user's edits, or expires
        if method == "get_data":
            unit = inbound.string(params, "unit")
            rope = self._rope_at(buf, integer(params, "rev"))
            return get_data(rope, integer(params, "start"), unit, integer(params, "max_size"))
        if method == "line_count":
            return buf.snap.rope.line_count
        if method == "get_selections":
            return "not implemented"  # as xi-core answers it
        if method == "add_scopes":
            self._tell(ref, "plugin_scopes", (name, inbound.scopes(params)), Priority.LOW, ttl)
        elif method == "update_spans":
            rev = integer(params, "rev")
            start, length, spans = inbound.spans(params, self._rope_at(buf, rev))
            self._tell(ref, "plugin_spans", (name, start, length, spans, rev), Priority.LOW, ttl)
        elif method == "update_annotations":
            rev = integer(params, "rev")
            start, length, notes, kind = inbound.annotation_spans(params, self._rope_at(buf, rev))
            self._tell(ref, "plugin_annotations", (name, start, length, notes, kind, rev), Priority.LOW, ttl)
        elif method == "edit":
            self._tell(ref, "plugin_edit", inbound.edit(params, name, lambda rev: self._rope_at(buf, rev)),
                       Priority.LOW, ttl)
        elif method == "alert":
            self._send("alert", {"msg": inbound.string(params, "msg")})
        elif method == "add_status_item":
            item = inbound.status_item(params, "key", "value", "alignment")
            self._send("add_status_item", {"view_id": view_id, "source": name, **item})
        elif method == "update_status_item":
            self._send("update_status_item", {"view_id": view_id, **inbound.status_item(params, "key", "value")})
        elif method == "remove_status_item":
            self._send("remove_status_item", {"view_id": view_id, **inbound.status_item(params, "key")})
        elif method == "show_hover":
            request_id, content = inbound.hover(params)
            if content is not None:
                self._send("show_hover", {"view_id": view_id, "request_id": request_id, "result": content})
        else:
            raise PluginProtocolError(f"unknown method {method!r}")
        return None

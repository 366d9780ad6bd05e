"""``BufferActor``: the actor that owns one :class:`Buffer` (one per open document).

Every command for the document, from any view, is a message to this actor, so commands
run one at a time in arrival order and two views of one file never disagree. Messages:

- ``("add_view", view_id)``, ``("remove_view", view_id)`` -> True when no views are left
- ``("command", (view_id, method, params))`` -> the edit method's result
- ``("command_notify", (view_id, method, params))``: the same for an ``edit``
  notification; a failure is sent to the frontend as an ``alert``
- ``("answer", (on_result, future))``: a frontend's answer to a request the buffer made
  (``measure_width``), run in the actor so the buffer stays single-threaded
- ``("wrap_step", None)``: wrap up to half a millisecond of pending lines (sent to itself
  at low priority, so edits go first; making an edited long line exact waits until the
  text has not changed for ``WRAP_QUIET`` seconds; a step ends after its current piece when another message
  arrives, so wrapping never sits on the typing path)
- ``("check_disk", added_paths_or_None)``: the file may have changed on disk (reload,
  or report a change, delete or rename; see ``Buffer.check_disk``)
- ``("save", path_or_None)``, ``("config", changes)``,
  ``("get_config", None)``, ``("snapshot", None)`` -> the current ``Rope``
- ``("selected", (view_id, limit))`` -> what a task would run on in that view (``_selected``)
- for plugins (``_plugin_hooks``; a bad one raises ``PluginProtocolError``, changing nothing):
  ``("listen", callback)`` -> ``(rev, rope)``, then ``callback(EditEvent)`` after every edit,
  in the actor's thread; ``("unlisten", callback)``; ``("plugin_edit", PluginEdit)``;
  ``("plugin_scopes", (plugin, scopes))``; ``("plugin_spans", (plugin, start, length, spans,
  rev))``; ``("plugin_preview", (plugin, scopes, start, length, spans, rev))``: spans shown
  until the plugin's own cover them; ``("plugin_annotations", (plugin, start, length, annotations, annotation_type,
  rev))``; ``("plugin_gone", plugin)``; ``("restyle", None)`` after the ``StyleMap``'s
  resolver changed (a theme change): the lines on screen are sent with their new styles;
  ``("set_language", name)``: the document's language, told to every view

A command that raises (bad params) answers the asker with that error and changes nothing
else: the actor resumes with the next message (``Supervision.RESUME``).
"""

from __future__ import annotations

import concurrent.futures
import threading
import time
from collections.abc import Callable
from typing import Any

from ...actors import Actor
from ...envelope import Message, Priority
from ...errors import ActorDead, RpcError
from ._buffer import Buffer, Send
from ._plugin_hooks import PLUGIN_MESSAGES
from ._selected import selected
from ._styles import StyleMap

__all__ = ["BufferActor"]

#: Seconds without a change of the text before the background pass that makes an edited
#: long line's breaks exact goes on (``WrapIndex.settling``; wrapping lines not wrapped yet
#: never waits). Typing faster than this (a burst, key repeat) has the interpreter and
#: the cores to itself: the pass kept a core busy while typing went on, delayed keystrokes
#: behind its steps (and, on a busy machine, the frontend waiting for a core), and in
#: text whose re-wrap never meets the old breaks (repeated text) was sent back to the
#: edit by a later keystroke anyway. Meanwhile the keystroke has re-wrapped the visual
#: lines around the edit exactly; past them the breaks stay valid (every visual line
#: fits) but one visual line may end early until the pass has run.
WRAP_QUIET = 0.02


class BufferActor(Actor):
    """Holds the rope, views, selections and undo history of one document."""

    def __init__(self, send: Send, path: str | None = None, config: dict[str, Any] | None = None,
                 request: Callable[[str, Any], concurrent.futures.Future[Any]] | None = None,
                 styles: StyleMap | None = None,
                 detect_language: Callable[[str | None, str], str] | None = None) -> None:
        self.buffer = Buffer(send, path, config, styles, detect_language)
        self._wrap_scheduled = False
        #: ``time.monotonic()`` of the last change of the text, and the thread (with the
        #: event that stops it) that tells ``wrap_step`` once the text has been quiet for
        #: ``WRAP_QUIET`` seconds
        self._edited = 0.0
        self._wrap_waiter: tuple[threading.Thread, threading.Event] | None = None
        if request is not None:
            ref = self.actor_ref

            def ask_frontend(method: str, params: Any, on_result: Callable[[Any], None]) -> None:
                future = request(method, params)
                future.add_done_callback(lambda f: ref.tell("answer", (on_result, f)))

            self.buffer.request = ask_frontend

    def on_receive(self, message: Message[Any]) -> Any:
        rope = self.buffer.rope
        try:
            return self._handle(message)
        finally:
            if self.buffer.rope is not rope:
                self._edited = time.monotonic()
            wrap = self.buffer.wrap
            if wrap is not None and not wrap.done and not self._wrap_scheduled:
                self._schedule_wrap()

    def _schedule_wrap(self) -> None:
        """Tell ``wrap_step`` to this actor now, or once the text has been quiet for
        ``WRAP_QUIET`` seconds (see there)."""
        self._wrap_scheduled = True
        if self._may_wrap():
            self.actor_ref.tell("wrap_step", None, priority=Priority.LOW)
            return
        stop = threading.Event()
        waiter = threading.Thread(target=self._wait_for_quiet, args=(stop,), name="symphony-wrap-quiet",
                                  daemon=True)
        self._wrap_waiter = (waiter, stop)
        waiter.start()

    def _may_wrap(self) -> bool:
        """Whether a wrap step may run now: always, unless all that is left is making an edited
        long line exact and the text changed less than ``WRAP_QUIET`` seconds ago."""
        wrap = self.buffer.wrap
        return wrap is None or not wrap.settling or time.monotonic() - self._edited >= WRAP_QUIET

    def _wait_for_quiet(self, stop: threading.Event) -> None:
        """(On a thread of its own.) Tell ``wrap_step`` once the text has been quiet for
        ``WRAP_QUIET`` seconds, or return when ``stop`` is set. Typing that goes on only
        makes it wait longer: no message to the actor and no new thread per keystroke."""
        while not stop.wait(max(0.0, self._edited + WRAP_QUIET - time.monotonic())):
            if time.monotonic() - self._edited >= WRAP_QUIET:
                try:
                    self.actor_ref.tell("wrap_step", None, priority=Priority.LOW)
                except ActorDead:  # stopped meanwhile
                    pass
                return

    def _stop_waiter(self, join: bool) -> None:
        waiter, self._wrap_waiter = self._wrap_waiter, None
        if waiter is not None and waiter[0] is not threading.current_thread():
            waiter[1].set()
            if join:
                waiter[0].join()

    def on_stop(self) -> None:
        self._stop_waiter(join=True)

    def _message_waiting(self) -> bool:
        """True when a message waits in the mailbox: a background step ends at its next
        piece rather than make it (a keystroke, most often) wait for the whole step."""
        return not self.actor_inbox.empty()

    def _handle(self, message: Message[Any]) -> Any:
        kind = message.kind
        payload = message.payload
        buffer = self.buffer
        if kind == "command":
            view_id, method, params = payload
            return buffer.command(view_id, method, params)
        if kind == "command_notify":  # an edit notification: no one waits, so alert on failure
            view_id, method, params = payload
            try:
                buffer.command(view_id, method, params)
            except RpcError as exc:
                buffer.send("alert", {"msg": f"edit {method}: {exc.message}"})
            return None
        if kind == "add_view":
            buffer.add_view(payload)
            return None
        if kind == "remove_view":
            return buffer.remove_view(payload)
        if kind == "save":
            buffer.save(payload)
            return None
        if kind == "check_disk":
            buffer.check_disk(payload or ())
            return None
        if kind == "config":
            buffer.config.update(payload)
            for view_id in buffer.views:
                buffer.send("config_changed", {"view_id": view_id, "changes": dict(payload)})
            buffer.configure_wrap()
            buffer.flush()
            return None
        if kind == "answer":  # the frontend answered a request the buffer made
            on_result, future = payload
            on_result(None if future.exception() is not None else future.result())
            buffer.flush()
            return None
        if kind == "wrap_step":
            self._wrap_scheduled = False
            self._stop_waiter(join=False)  # (when told by someone else first)
            if self._may_wrap():
                buffer.wrap_step(self._message_waiting)  # (else typing went on: later)
            return None
        if kind == "get_config":
            return dict(buffer.config)
        if kind == "snapshot":
            return buffer.rope
        if kind == "selected":
            return selected(buffer, *payload)
        if kind in PLUGIN_MESSAGES:
            return buffer.plugin_message(kind, payload)
        if kind == "restyle":
            buffer.restyle()
            return None
        if kind == "set_language":
            buffer.set_language(payload)
            return None
        raise ValueError(f"BufferActor: unknown message kind {kind!r}")

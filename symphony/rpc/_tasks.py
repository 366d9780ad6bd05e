"""The frontend protocol's task and extension requests, answered through :class:`TaskHooks`.

``XiCore`` hands these methods to a :class:`TaskRequests` (ours, beyond xi's protocol; see
``docs/protocol.md``):

- ``task_kinds`` -> ``["classify", ...]``: the kinds a frontend may run.
- ``run_task {view_id, kind, input?}`` -> ``{task_id, output, quality, steps}``. Without
  ``input`` the task runs on the view's selected text, or the whole text when nothing is
  selected; the context carries the file's path, the language, the view's regions and the
  selected text.
  While it runs the frontend gets ``task_progress {task_id, view_id, kind, step, state}``.
- ``task_feedback {task_id, score}``: the user's score (0..1) of a result.
- ``extension_contributions`` -> what the motifs add (commands, status items, panels,
  keybindings, decorations).
- ``run_extension_command {command, view_id, args?}`` -> the command's result.

Motifs' status items reach every view as xi's ``add_status_item`` (when the view opens, or
when an item first gets a text) then ``update_status_item`` ``{view_id, source: extension
id, key: item id, value, alignment}``.

Invariants: no request waits on the hooks, a task, a command or the buffer actor on the
reader thread (each answers from a future's callback; every hook is called on a worker); bad params answer -32602 and change nothing;
without hooks every one of these requests answers :data:`TASK_ERROR` saying so.
"""

from __future__ import annotations

import concurrent.futures
import math
import os
import threading
from collections.abc import Callable
from typing import Any, Protocol

from ..actors import Ref
from ..errors import RpcError
from ._peer import INVALID_PARAMS
from ._task_hooks import TaskHooks

__all__ = ["MAX_TASK_INPUT", "TASK_ERROR", "TaskRequests"]

#: Error code of a task or command that failed (or of a core that runs none); ``data.type``
#: names the exception.
TASK_ERROR = -32002
#: Longest input (code points) a task or command gets: past it the request is refused
#: (select a part of a document too large).
MAX_TASK_INPUT = 1 << 22
#: Longest task id or command id taken.
MAX_ID = 1024

Handler = Callable[[dict[str, Any]], Any]


class Core(Protocol):
    """What the requests read of the ``XiCore`` they serve."""

    views: dict[str, Ref]

    def send(self, method: str, params: Any) -> None: ...


def task_error(exc: BaseException) -> RpcError:
    """The error answer for ``exc``, raised by a hook or set on its future: refused input
    (``ValueError``, ``TypeError``, ``LookupError``) is invalid params, the rest a task error."""
    if isinstance(exc, RpcError):
        return exc
    name = type(exc).__name__
    if isinstance(exc, concurrent.futures.CancelledError):
        return RpcError(TASK_ERROR, "cancelled", {"type": name})
    if isinstance(exc, (ValueError, TypeError, LookupError)):
        return RpcError(INVALID_PARAMS, f"{name}: {exc}", {"type": name})
    return RpcError(TASK_ERROR, f"{name}: {exc}", {"type": name})


def _failed(exc: BaseException) -> RpcError:
    """The error answer for a hook that failed where no input of the frontend's was involved."""
    return exc if isinstance(exc, RpcError) else RpcError(TASK_ERROR, f"{type(exc).__name__}: {exc}",
                                                          {"type": type(exc).__name__})


def _settle(answer: concurrent.futures.Future[Any], done: concurrent.futures.Future[Any]) -> None:
    """Give ``answer`` the outcome of ``done`` (its error as an :class:`RpcError`)."""
    if done.cancelled():
        answer.set_exception(task_error(concurrent.futures.CancelledError()))
        return
    exc = done.exception()
    if exc is not None:
        answer.set_exception(task_error(exc))
    else:
        answer.set_result(done.result())


def _chain(start: Callable[[], concurrent.futures.Future[Any]], answer: concurrent.futures.Future[Any]) -> None:
    """Call ``start()`` (a hook) and settle ``answer`` when its future is done."""
    try:
        future = start()
    except Exception as exc:  # noqa: BLE001 - the frontend is answered with it
        answer.set_exception(task_error(exc))
        return
    if not isinstance(future, concurrent.futures.Future):
        answer.set_exception(RpcError(TASK_ERROR, f"the task hooks returned {type(future).__name__}, not a Future"))
        return
    future.add_done_callback(lambda done: _settle(answer, done))


def _string(params: dict[str, Any], key: str, limit: int = MAX_ID) -> str:
    value = params.get(key)
    if not isinstance(value, str) or not value:
        raise RpcError(INVALID_PARAMS, f"missing parameter {key!r}" if value is None
                       else f"{key} must be a non-empty string")
    if len(value) > limit:
        raise RpcError(INVALID_PARAMS, f"{key} is too long ({len(value)} characters, at most {limit})")
    return value


class TaskRequests:
    """The task requests of one ``XiCore`` connection, and its motifs' status items."""

    def __init__(self, hooks: TaskHooks | None, core: Core) -> None:
        self.hooks = hooks
        self.core = core
        self._lock = threading.Lock()
        self._shown: set[tuple[str, str]] = set()  # (view, item) the frontend was sent add_status_item for
        self._unwatch = hooks.watch_status(self._status_set) if hooks is not None else None
        # Hooks may be slow to answer even what they read from memory (an application builds
        # the conductor in the background, and its first answers wait for it): every hook is
        # called here, never on the reader thread.
        self._calls = concurrent.futures.ThreadPoolExecutor(2, thread_name_prefix="symphony-task-requests")
        #: protocol method -> handler
        self.handlers: dict[str, Handler] = {
            "task_kinds": self.task_kinds, "run_task": self.run_task, "task_feedback": self.task_feedback,
            "extension_contributions": self.extension_contributions,
            "run_extension_command": self.run_extension_command,
        }

    def _hooks(self) -> TaskHooks:
        if self.hooks is None:
            raise RpcError(TASK_ERROR, "this core runs no tasks or extensions (no conductor was given to it)")
        return self.hooks

    def _view(self, params: dict[str, Any]) -> tuple[str, Ref]:
        view_id = _string(params, "view_id")
        ref = self.core.views.get(view_id)
        if ref is None:
            raise RpcError(INVALID_PARAMS, f"no view {view_id!r}")
        return view_id, ref

    # -- requests ---------------------------------------------------------------------------

    def _off_reader(self, work: Callable[[], Any], *, started: bool = False) -> concurrent.futures.Future[Any]:
        """The outcome of ``work()`` computed on a worker thread: its value, or with ``started``
        the outcome of the future it returns (a hook that starts work must return one)."""
        answer: concurrent.futures.Future[Any] = concurrent.futures.Future()

        def run() -> None:
            if started:
                _chain(work, answer)
                return
            try:
                answer.set_result(work())
            except Exception as exc:  # noqa: BLE001 - the frontend is answered with it
                answer.set_exception(task_error(exc))

        try:
            self._calls.submit(run)
        except RuntimeError:  # closed: the connection is going away
            answer.set_exception(RpcError(TASK_ERROR, "the core is closing"))
        return answer

    def task_kinds(self, params: dict[str, Any]) -> concurrent.futures.Future[Any]:
        hooks = self._hooks()
        return self._off_reader(lambda: self._kinds(hooks))

    def _kinds(self, hooks: TaskHooks) -> list[str]:
        try:
            kinds = hooks.kinds()
        except Exception as exc:  # noqa: BLE001 - the hooks failed (these requests take no params): answered
            raise _failed(exc) from None
        if not isinstance(kinds, (list, tuple)) or not all(isinstance(k, str) for k in kinds):
            raise RpcError(TASK_ERROR, "the task hooks' kinds are not a list of strings")
        return list(kinds)

    def extension_contributions(self, params: dict[str, Any]) -> concurrent.futures.Future[Any]:
        hooks = self._hooks()
        return self._off_reader(lambda: self._contributions(hooks))

    def _contributions(self, hooks: TaskHooks) -> dict[str, Any]:
        try:
            contributions = hooks.contributions()
        except Exception as exc:  # noqa: BLE001 - the hooks failed: answered
            raise _failed(exc) from None
        if not isinstance(contributions, dict):
            raise RpcError(TASK_ERROR, "the task hooks' contributions are not an object")
        return dict(contributions)

    def run_task(self, params: dict[str, Any]) -> concurrent.futures.Future[Any]:
        hooks = self._hooks()
        view_id, ref = self._view(params)
        kind = _string(params, "kind")
        given = params.get("input")
        if given is not None and not isinstance(given, str):
            raise RpcError(INVALID_PARAMS, "input must be a string")
        if given is not None and len(given) > MAX_TASK_INPUT:
            raise RpcError(INVALID_PARAMS, f"input is too large ({len(given)} characters, at most {MAX_TASK_INPUT})")
        send = self.core.send

        def progress(task_id: str, step: str, state: str) -> None:
            send("task_progress", {"task_id": str(task_id), "view_id": view_id, "kind": kind, "step": str(step),
                                   "state": str(state)})

        def start(context: dict[str, Any], text: str) -> concurrent.futures.Future[Any]:
            def run() -> concurrent.futures.Future[Any]:
                if kind not in self._kinds(hooks):
                    raise RpcError(INVALID_PARAMS, f"unknown task kind {kind!r}")
                return hooks.run(view_id, kind, given if given is not None else text, context, progress)

            return self._off_reader(run, started=True)

        return self._on_selection(ref, view_id, given is None, start)

    def run_extension_command(self, params: dict[str, Any]) -> concurrent.futures.Future[Any]:
        hooks = self._hooks()
        view_id, ref = self._view(params)
        command = _string(params, "command")
        args = params.get("args")
        if args is not None and not isinstance(args, dict):
            raise RpcError(INVALID_PARAMS, "args must be an object")

        def start(context: dict[str, Any], text: str) -> concurrent.futures.Future[Any]:
            def run() -> concurrent.futures.Future[Any]:
                commands = self._contributions(hooks).get("commands") or []
                if command not in {c.get("id") for c in commands if isinstance(c, dict)}:
                    raise RpcError(INVALID_PARAMS, f"unknown command {command!r}")
                return hooks.run_command(command, view_id, dict(args or {}), {**context, "text": text})

            return self._off_reader(run, started=True)

        return self._on_selection(ref, view_id, True, start)

    def task_feedback(self, params: dict[str, Any]) -> concurrent.futures.Future[Any]:
        hooks = self._hooks()
        task_id = _string(params, "task_id")
        value = params.get("score")
        score = float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else math.nan
        if not 0.0 <= score <= 1.0:
            raise RpcError(INVALID_PARAMS, "score must be a number from 0 to 1")
        answer: concurrent.futures.Future[Any] = concurrent.futures.Future()
        _chain(lambda: hooks.feedback(task_id, score), answer)
        return answer

    def _on_selection(self, ref: Ref, view_id: str, want_text: bool,
                      start: Callable[[dict[str, Any], str], concurrent.futures.Future[Any]],
                      ) -> concurrent.futures.Future[Any]:
        """Ask the buffer actor what ``view_id`` has selected (without waiting), then ``start``
        the work with its context and text; the returned future gets the work's outcome."""
        answer: concurrent.futures.Future[Any] = concurrent.futures.Future()

        def got(reply: Any) -> None:  # on the actor's thread (or here, if it was done at once)
            try:
                info = reply.get(0)
            except Exception as exc:  # noqa: BLE001 - the view closed meanwhile: answered
                answer.set_exception(task_error(exc))
                return
            text = info.get("text")
            if want_text and text is None:
                answer.set_exception(RpcError(INVALID_PARAMS, f"the text is too large for a task ({info['size']} "
                                                              f"characters, at most {MAX_TASK_INPUT}): select a part"))
                return
            path = info.get("path")
            path = os.path.abspath(path) if path else None
            context = {"view_id": view_id, "path": path, "files": [path] if path else [],
                       "language": info.get("language"), "regions": info.get("regions"),
                       "selection": text if info.get("selected") and text is not None else ""}
            _chain(lambda: start(context, text or ""), answer)

        try:
            ref.ask_async("selected", (view_id, MAX_TASK_INPUT)).add_done_callback(got)
        except Exception as exc:  # noqa: BLE001 - the buffer stopped (the view is closing)
            raise task_error(exc) from None
        return answer

    # -- status items -----------------------------------------------------------------------

    def _items(self) -> dict[str, dict[str, Any]]:
        """The declared status items by id (malformed declarations skipped)."""
        hooks = self.hooks
        if hooks is None:
            return {}
        items = hooks.contributions().get("status_items") or []
        return {item["id"]: item for item in items if isinstance(item, dict) and isinstance(item.get("id"), str)}

    def _show(self, view_id: str, item: dict[str, Any], value: str) -> None:
        with self._lock:
            added = (view_id, item["id"]) in self._shown
            self._shown.add((view_id, item["id"]))
        if added:
            self.core.send("update_status_item", {"view_id": view_id, "key": item["id"], "value": value})
        else:
            alignment = item.get("alignment") if item.get("alignment") in ("left", "right") else "left"
            self.core.send("add_status_item", {"view_id": view_id, "source": str(item.get("extension", "")),
                                               "key": item["id"], "value": value, "alignment": alignment})

    def view_opened(self, view_id: str) -> None:
        """Show the motifs' status items in the new view (after its ``new_view`` answer)."""
        if self.hooks is None:
            return
        try:
            self._calls.submit(self._show_items, view_id)
        except RuntimeError:  # closed
            pass

    def _show_items(self, view_id: str) -> None:
        assert self.hooks is not None
        try:
            items, texts = self._items(), self.hooks.status()
        except Exception:  # noqa: BLE001 - the hooks failed: no items, the view is open all the same
            return
        for item_id, item in items.items():
            text = texts.get(item_id, item.get("text"))
            self._show(view_id, item, text if isinstance(text, str) else "")

    def _status_set(self, item_id: str, text: str) -> None:
        try:
            item = self._items().get(item_id)
        except Exception:  # noqa: BLE001 - the hooks failed: nothing to show
            return
        if item is None:
            return
        views = set(self.core.views)
        with self._lock:
            self._shown = {(v, i) for v, i in self._shown if v in views}
        for view_id in sorted(views):
            self._show(view_id, item, text if isinstance(text, str) else str(text))

    def close(self) -> None:
        """Stop watching the status items (the hooks belong to whoever made them)."""
        unwatch, self._unwatch = self._unwatch, None
        if unwatch is not None:
            unwatch()
        self._calls.shutdown(wait=False, cancel_futures=True)

"""``ConductorTaskHooks``: the conductor (and the extensions' UI contributions) for the frontend.

It implements the ``TaskHooks`` protocol ``XiCore(tasks=...)`` calls (``symphony.rpc``
cannot import the conductor, so it names only the protocol): ``kinds``, ``run`` (a task on
the view's selection, answered through a ``concurrent.futures.Future``, its steps' progress reported
through a callback), ``feedback``, ``contributions``, ``run_command``, ``status`` and
``watch_status``. Every hook returns at once: ``run`` sends the task to the conductor actor,
and feedback and extension commands run on a small worker pool, so a slow agent or
extension never holds the frontend's reader thread.
"""

from __future__ import annotations

import concurrent.futures
import uuid
from typing import TYPE_CHECKING, Any, Callable

from ..envelope import Message
from ..errors import ExtensionNotFound, TaskRejected
from ..extensions import TOPIC as EXTENSIONS_TOPIC
from ..extensions import ExtensionManager
from ._conductor import Conductor
from ._tasks import TASK_MESSAGE, TaskResult, check_score

if TYPE_CHECKING:
    from ..rpc import TaskHooks

__all__ = ["ConductorTaskHooks", "result_json"]

_STATES = {"task.started": "started", "task.finished": "finished", "task.failed": "failed",
           "task.retry": "retrying", "task.skipped": "skipped", "task.restored": "restored"}


def result_json(result: TaskResult) -> dict[str, Any]:
    """A task result as the frontend gets it: ``{task_id, kind, output, digest, quality, steps}``."""
    return {"task_id": result.task_id, "kind": result.kind, "output": result.output, "digest": result.digest,
            "quality": result.quality,
            "steps": {name: {"agent": s.agent, "digest": s.digest, "quality": s.quality, "latency": s.latency,
                             "explored": s.explored} for name, s in result.steps.items()}}


class ConductorTaskHooks:
    """The frontend's side of a ``Conductor`` and, optionally, an ``ExtensionManager``
    (``symphony.rpc``'s ``TaskHooks`` protocol).

    ``timeout``: each task's deadline in seconds (None: none). ``workers``: threads that
    record feedback and run extension commands.
    """

    def __init__(self, conductor: Conductor, extensions: ExtensionManager | None = None, *, timeout: float | None = None,
                 workers: int = 2) -> None:
        self.conductor = conductor
        self.extensions = extensions
        self.timeout = timeout
        self._pool = concurrent.futures.ThreadPoolExecutor(workers, thread_name_prefix="symphony-task-hooks")

    def kinds(self) -> list[str]:
        """The task kinds the conductor can run (``task_kinds``)."""
        return self.conductor.kinds()

    def run(self, view_id: str, kind: str, input: str, context: dict[str, Any] | None,
            progress: Callable[[str, str, str], None] | None = None) -> concurrent.futures.Future[dict[str, Any]]:
        """Start task ``kind`` on ``input`` for ``view_id``; the future gets :func:`result_json` of
        its result, or its typed error (``TaskRejected``, ``NoCapableAgent``, ``TaskFailed``).
        ``progress(task_id, step, state)`` is called with ``"submitted"`` at once, then as each
        step starts, finishes, fails, retries or is skipped."""
        done: concurrent.futures.Future[dict[str, Any]] = concurrent.futures.Future()
        task_id = uuid.uuid4().hex

        def on_event(event: dict[str, Any]) -> None:
            state = _STATES.get(event["event"])
            step = str(event.get("task", ""))
            if progress is not None and state is not None and not step.startswith("#"):
                progress(task_id, step, state)

        if progress is not None:
            progress(task_id, kind if isinstance(kind, str) else "", "submitted")
        try:
            message = Message(TASK_MESSAGE, {"kind": kind, "input": input, "context": context}, ttl=self.timeout,
                              metadata={"task_id": task_id, "on_event": on_event})
            reply = self.conductor.ref.ask_async(message)
        except Exception as exc:  # noqa: BLE001 - e.g. the conductor has stopped: the future says so
            done.set_exception(exc)
            return done

        def forward(future: Any) -> None:
            error = future.exception(0)
            if error is not None:
                done.set_exception(error)
            else:
                done.set_result(result_json(future.get(0)))

        reply.add_done_callback(forward)
        return done

    def feedback(self, task_id: str, score: float) -> concurrent.futures.Future[Any]:
        """The user's score for a task (``task_feedback``). A score that is not a number in
        [0, 1], or a task the conductor does not know, raises ``TaskRejected`` at once; the
        future gets None once the score is rated and rewarded."""
        if not isinstance(task_id, str) or not self.conductor.knows(task_id):
            raise TaskRejected(f"no finished task {task_id!r} is known to the conductor")
        check_score(score)
        return self._pool.submit(self.conductor.feedback, task_id, score, "user")

    def contributions(self) -> dict[str, Any]:
        """The UI contributions of every enabled motif (empty lists without extensions)."""
        if self.extensions is None:
            return {"commands": [], "status_items": [], "panels": [], "keybindings": [], "decorations": []}
        return dict(self.extensions.contributions())

    def run_command(self, command_id: str, view_id: str, args: dict[str, Any] | None,
                    context: dict[str, Any] | None = None) -> concurrent.futures.Future[Any]:
        """Run an extension command on a worker thread with the frontend's ``args`` over the
        ``context`` (the view, path, language, selection and ``text``); the future gets its result."""
        if self.extensions is None:
            failed: concurrent.futures.Future[Any] = concurrent.futures.Future()
            failed.set_exception(ExtensionNotFound(f"no extension provides command {command_id!r}"))
            return failed
        # the motif gets {**context, **args}: the text it acts on ("selection", else "text") and
        # where it comes from; a selection given as regions goes as "regions"
        context = dict(context or {})
        if isinstance(context.get("selection"), list):
            context["regions"] = context.pop("selection")
        call_args = {**context, "view_id": view_id, **(args or {})}
        return self._pool.submit(self.extensions.run_command, command_id, call_args)

    def status(self) -> dict[str, str]:
        """The motifs' status item texts (item id -> text)."""
        return {} if self.extensions is None else dict(self.extensions.status())

    def watch_status(self, watcher: Callable[[str, str], None]) -> Callable[[], None]:
        """Call ``watcher(item_id, text)`` each time a motif sets a status item (the extension
        host's ``status`` events on the node's bus) until the returned function is called."""
        node = self.conductor.node

        def on_event(topic: str, event: Any) -> None:
            if isinstance(event, dict) and event.get("event") == "status":
                watcher(str(event.get("item", "")), str(event.get("text", "")))

        node.subscribe(EXTENSIONS_TOPIC, on_event)
        return lambda: node.unsubscribe(EXTENSIONS_TOPIC, on_event)

    def close(self) -> None:
        """Stop the worker threads (the conductor and the extensions belong to the caller)."""
        self._pool.shutdown(wait=True, cancel_futures=True)


if TYPE_CHECKING:
    def _conforms(hooks: ConductorTaskHooks) -> TaskHooks:
        """mypy checks here that ConductorTaskHooks is a TaskHooks."""
        return hooks

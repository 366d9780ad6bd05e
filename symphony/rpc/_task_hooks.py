"""``TaskHooks``: what ``XiCore`` asks of the conductor and the extension host, so ``symphony.rpc``
needs no conductor or extension code (they are layers below it).

An application hands one to ``XiCore(tasks=...)`` (``symphony serve`` builds it on the
conductor and the ``ExtensionManager``). The core calls the hooks on the frontend's reader
thread: a hook that may take long (a task, a command, recording feedback) returns a
``concurrent.futures.Future`` at once and does its work elsewhere; the others read what is
in memory. A hook raises ``ValueError``/``TypeError``/``LookupError`` (``TaskRejected``,
``NoCapableAgent``, ``ExtensionNotFound`` are such) for input it refuses: the frontend gets
an invalid-params error. Any other failure, raised or set on a future, reaches the frontend
as a task error naming the exception's type. One instance may serve several connections
(each ``XiCore`` watches the status items and stops watching on close); the application
that made the hooks closes them.
"""

from __future__ import annotations

import concurrent.futures
from collections.abc import Callable
from typing import Any, Protocol

__all__ = ["Progress", "StatusWatcher", "TaskHooks"]

#: ``progress(task_id, step, state)``: a task's step changed state (``"started"``,
#: ``"running"``, ``"done"``, ``"failed"``, ``"retrying"``... the hooks' own words). Safe
#: from any thread; the core sends it to the frontend as ``task_progress``.
Progress = Callable[[str, str, str], None]

#: ``watcher(item_id, text)``: a motif set the text of its status item ``item_id``.
StatusWatcher = Callable[[str, str], None]


class TaskHooks(Protocol):
    """The conductor's and the extensions' side of the frontend protocol's task requests."""

    def kinds(self) -> list[str]:
        """The task kinds a frontend may run (``task_kinds``), e.g. ``["classify", "explain"]``."""

    def run(self, view_id: str, kind: str, input: str, context: dict[str, Any],
            progress: Progress) -> concurrent.futures.Future[dict[str, Any]]:
        """Start task ``kind`` on ``input`` (``run_task``); the future gets ``{task_id, output,
        quality, steps}`` (JSON values). ``context`` holds ``view_id``, ``path`` (absolute,
        or None for an unsaved buffer), ``files`` (``[path]`` or ``[]``), ``language``,
        ``regions`` (the view's carets and selections, ``[start_line, start_col, end_line,
        end_col]``, columns in code points) and ``selection`` (the selected text, regions
        joined by ``"\n"``; ``""`` when nothing is selected). Call ``progress`` as the steps
        go (the first call, with the task's id, as soon as it is known)."""

    def feedback(self, task_id: str, score: float) -> concurrent.futures.Future[Any]:
        """Record the user's ``score`` (``0.0``..``1.0``) of task ``task_id``'s result
        (``task_feedback``); the future gets None (or a JSON value) once recorded, or fails
        with ``LookupError`` for a task it does not know."""

    def contributions(self) -> dict[str, Any]:
        """What the enabled motifs add to the user interface (``extension_contributions``):
        ``{"commands": [{id, title, key?, extension}], "status_items": [{id, text, alignment?,
        extension}], "panels": [...], "keybindings": [{command, key, extension}],
        "decorations": [...]}``."""

    def run_command(self, command_id: str, view_id: str, args: dict[str, Any],
                    context: dict[str, Any]) -> concurrent.futures.Future[Any]:
        """Run motif command ``command_id`` (``run_extension_command``) with the frontend's
        ``args``; ``context`` is a task's context plus ``text``, what the command acts on (the
        selection, or the whole text): ``{**context, **args}`` is what a motif's ``command``
        expects as its args (``args["selection"] or args["text"]``). The future gets the
        command's result (a JSON value)."""

    def status(self) -> dict[str, str]:
        """The current text of each status item the motifs have set (item id -> text)."""

    def watch_status(self, watcher: StatusWatcher) -> Callable[[], None]:
        """Call ``watcher(item_id, text)`` whenever a motif sets a status item (from any
        thread) until the returned function is called."""

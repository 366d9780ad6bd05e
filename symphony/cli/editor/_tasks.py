"""``TaskFeatures``: what ``symphony edit`` asks the conductor and the extensions (through the core's
task requests) and shows of their answers.

Ctrl+P lists the core's task kinds (``task_kinds``) and the motifs' commands
(``extension_contributions``); the chosen one runs on the selection (the core sends the
selected text, or the whole text when nothing is selected) with ``run_task`` or
``run_extension_command``. The :class:`TaskPanel` shows the steps' ``task_progress`` while it
runs, then the result; ``+``/``-`` there send ``task_feedback`` 1.0/0.0. A command's declared
key runs it directly. The motifs' status items are xi status items, which the status line
already shows (``_diagnostics.StatusItems``).

A core without tasks answers the requests with an error: the palette then says so.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any, Protocol

from ._core_client import CoreConnection
from ._palette import Entry
from ._task_panel import TaskPanel, describe

__all__ = ["TaskFeatures"]

Callback = Callable[[Any, Any], None]


class TaskHost(Protocol):
    """What the features read from and ask of the editor app."""

    core: CoreConnection | None
    view_id: str | None
    message: str

    def answer(self, fn: Callback) -> Callback: ...

    def refresh_status(self) -> None: ...


def _error_text(error: Any) -> str:
    return str(error.get("message") if isinstance(error, dict) else error)


class TaskFeatures:
    """The palette's entries, the commands' keys, and the run shown in the panel."""

    def __init__(self, host: TaskHost, panel: TaskPanel) -> None:
        self.host = host
        self.panel = panel
        self.kinds: list[str] = []
        self.commands: list[dict[str, Any]] = []
        self.keys: dict[str, str] = {}  # textual key name -> command id
        #: why the palette is empty ("" once the core has answered with entries)
        self.note = "asking the core what it can run…"
        self._runs = itertools.count(1)
        self._run = 0  # the run the panel shows
        self._kind: str | None = None  # its task kind (None: a command)
        self._task_id: str | None = None  # its task id, once progress or the result told it

    # -- what can run ---------------------------------------------------------------------

    def refresh(self, then: Callable[[], None] | None = None) -> None:
        """Ask the core for the task kinds and the commands; ``then()`` after each answer."""
        core = self.host.core
        if core is None:
            return

        def kinds(result: Any, error: Any) -> None:
            self.kinds = [k for k in result if isinstance(k, str)] if isinstance(result, list) and not error else []
            if error:
                self.note = _error_text(error)
            if then is not None:
                then()

        def contributions(result: Any, error: Any) -> None:
            commands = result.get("commands") if isinstance(result, dict) and not error else None
            self.commands = [c for c in commands or () if isinstance(c, dict) and isinstance(c.get("id"), str)]
            bindings = result.get("keybindings") if isinstance(result, dict) and not error else None
            keys = {c["key"]: c["id"] for c in self.commands if isinstance(c.get("key"), str)}
            for b in bindings if isinstance(bindings, list) else ():
                if isinstance(b, dict) and isinstance(b.get("key"), str) and isinstance(b.get("command"), str):
                    keys[b["key"]] = b["command"]
            self.keys = keys
            if then is not None:
                then()

        core.request("task_kinds", {}, self.host.answer(kinds))
        core.request("extension_contributions", {}, self.host.answer(contributions))

    def entries(self) -> list[Entry]:
        """The palette's lines: every task kind, then every command (with its key)."""
        out = [Entry("task", kind, f"Task: {kind}", "on the selection") for kind in self.kinds]
        keys = {command: key for key, command in self.keys.items()}
        for c in self.commands:
            title = c["title"] if isinstance(c.get("title"), str) else c["id"]
            detail = "  ".join(str(x) for x in (keys.get(c["id"]), c.get("extension")) if x)
            out.append(Entry("command", c["id"], title, detail))
        return out

    def empty_note(self) -> str:
        """What the palette says when there is nothing to run."""
        return self.note if not self.kinds and not self.commands and self.note else "nothing to run"

    # -- running --------------------------------------------------------------------------

    def run(self, entry: Entry | None) -> None:
        """Run the palette's choice on the selection (None: the palette was closed)."""
        host = self.host
        if entry is None or host.core is None or host.view_id is None:
            return
        run = self._run = next(self._runs)
        self._task_id = None
        self._kind = entry.ident if entry.what == "task" else None
        self.panel.start(entry.title)

        def done(result: Any, error: Any) -> None:
            if run != self._run:
                return  # a later run has the panel
            if error:
                self.panel.finish(_error_text(error), rateable=False, failed=True)
            elif entry.what == "task" and isinstance(result, dict):
                if isinstance(result.get("task_id"), str):
                    self._task_id = result["task_id"]
                quality = result.get("quality")
                note = f"quality {quality:.2f}" if isinstance(quality, (int, float)) else ""
                self.panel.finish(describe(result.get("output")), rateable=self._task_id is not None, note=note)
            else:
                self.panel.finish(describe(result), rateable=False)

        if entry.what == "task":
            host.core.request("run_task", {"view_id": host.view_id, "kind": entry.ident}, host.answer(done))
        else:
            host.core.request("run_extension_command", {"command": entry.ident, "view_id": host.view_id},
                              host.answer(done))

    def key(self, key: str) -> bool:
        """Run the command bound to ``key``; False if none is."""
        command = self.keys.get(key)
        if command is None:
            return False
        title = next((c.get("title") for c in self.commands if c["id"] == command), None)
        self.run(Entry("command", command, title if isinstance(title, str) else command))
        return True

    def rate(self, score: float) -> None:
        """Send the user's ``score`` of the result shown (``task_feedback``)."""
        host, task_id = self.host, self._task_id
        if host.core is None or task_id is None:
            return

        def done(result: Any, error: Any) -> None:
            self.panel.rated(f"could not rate it: {_error_text(error)}" if error
                             else f"rated {'good' if score >= 0.5 else 'bad'}: thank you")

        host.core.request("task_feedback", {"task_id": task_id, "score": score}, host.answer(done))

    # -- from the core --------------------------------------------------------------------

    def handle(self, method: str, params: Any) -> bool:
        """Take ``task_progress`` for the run shown; True if the notification was one."""
        if method != "task_progress":
            return False
        if not isinstance(params, dict) or params.get("view_id") != self.host.view_id or self._kind is None:
            return True
        task_id, step, state = params.get("task_id"), params.get("step"), params.get("state")
        if not (isinstance(task_id, str) and isinstance(step, str) and isinstance(state, str)):
            return True
        if self._task_id is None and params.get("kind") == self._kind and self.panel.state == "running":
            self._task_id = task_id  # the first news of the run shown
        if task_id == self._task_id and self.panel.state == "running":
            self.panel.progress(step, state)
        return True

"""The calls half of the extension host: what the enabled extensions offer (instruments by
task, operators by name, motifs' contributions and status items) and the calls into them.

Each call fires the extension's activation event first (activating whatever listens to it),
makes sure the extension itself is active, and asks its actor (an out-of-process one's
process is called straight from the caller's thread: its calls are thread-safe, so several
run at once and none waits for a hop through the actor). An operator's inputs are
checked against its declared signature before anything is sent, its output after. A call
that raises reaches the caller as :class:`~symphony.errors.ExtensionFailed`; an in-process
extension is then FAILED with the reason (its next call starts a fresh instance), an
out-of-process one only once its process host gave up restarting it.
"""

from __future__ import annotations

import builtins
import time
from typing import Any

from ..errors import ActorDead, ExtensionFailed, ExtensionNotFound, ExtensionStateError, ExtensionTimeout
from ._actor import process_call
from ._lifecycle import Lifecycle, S, _Entry
from ._manifest import ExtensionManifest
from ._signature import check_inputs, check_output
from ._states import ENABLED_STATES

__all__ = ["PROCESS_GRACE", "Calls"]

#: Seconds an out-of-process extension's actor is given beyond a call's timeout to report
#: the timeout its process host enforces (and to answer whether it is still healthy).
PROCESS_GRACE = 5.0


class Calls(Lifecycle):
    """What the enabled extensions offer, and calls into them (see the module docstring)."""

    def _enabled(self, kind: str) -> builtins.list[ExtensionManifest]:
        with self._lock:
            return [e.manifest for i, e in sorted(self._entries.items())
                    if e.manifest.kind == kind and e.state in ENABLED_STATES]

    def instruments(self, task: str | None = None) -> builtins.list[ExtensionManifest]:
        """The enabled instruments (that can do ``task``, when given)."""
        return [m for m in self._enabled("instrument") if task is None or task in m.section()["tasks"]]

    def operators(self) -> dict[str, ExtensionManifest]:
        """The enabled operators by operator name (the first by id when two share a name)."""
        out: dict[str, ExtensionManifest] = {}
        for manifest in self._enabled("operator"):
            out.setdefault(manifest.section()["name"], manifest)
        return out

    def motifs(self) -> builtins.list[ExtensionManifest]:
        """The enabled motifs."""
        return self._enabled("motif")

    def contributions(self) -> dict[str, builtins.list[dict[str, Any]]]:
        """Every enabled motif's UI contributions, each item tagged with ``"extension": id``;
        status items carry their current text."""
        out: dict[str, builtins.list[dict[str, Any]]] = {k: [] for k in ("commands", "status_items", "panels",
                                                                 "keybindings", "decorations")}
        with self._lock:
            for manifest in self.motifs():
                for key, items in manifest.section().items():
                    for item in items:
                        tagged = {**item, "extension": manifest.id}
                        if key == "status_items":
                            tagged["text"] = self._status.get(item["id"], item["text"])
                        out[key].append(tagged)
        return out

    def status(self) -> dict[str, str]:
        """The current text of every enabled motif's status items (item id -> text)."""
        with self._lock:
            items = {item["id"] for m in self.motifs() for item in m.section()["status_items"]}
            return {k: v for k, v in self._status.items() if k in items}

    def _invoke(self, entry: _Entry, event: str, kind: str, payload: dict[str, Any], timeout: float | None) -> Any:
        """Fire ``event``, make sure the extension is active, and ask its actor."""
        self._fire(event, exclude=entry.manifest.id)
        wait = self.call_timeout if timeout is None else timeout
        # an out-of-process extension times its calls out itself (killing and restarting the
        # process), so the actor is given a little longer to report it
        grace = PROCESS_GRACE if entry.manifest.out_of_process else 0.0
        # Its instance can be dropped under the call: another call to it failed (a failed
        # in-process instance is not trusted again) or it was deactivated. The call then goes to
        # a fresh instance, as often as that happens within the call's own time.
        deadline = time.monotonic() + wait
        counted = False
        while True:
            ref = self._activate(entry)
            process = entry.process if entry.ref is ref else None
            if not counted:
                counted = True
                with self._lock:
                    entry.calls += 1
            try:
                if process is not None:  # thread-safe: no hop through the actor, calls run side by side
                    method, params = process_call(kind, payload)
                    try:
                        return process.call(method, params, timeout=wait)
                    except ExtensionFailed:
                        if entry.ref is not ref:  # deactivated under the call: as an actor that stopped
                            raise ActorDead(f"extension {entry.manifest.id} was deactivated") from None
                        raise
                return ref.ask(kind, {**payload, "timeout": wait}, timeout=wait + grace)
            except ActorDead:
                if time.monotonic() >= deadline:
                    raise ExtensionStateError(f"extension {entry.manifest.id} was stopped during the call") from None
            except BaseException as exc:
                failed = self._as_failed(entry, kind, exc)
                self._failure(entry, ref, failed)
                if failed is exc:
                    raise
                raise failed from exc

    def _failure(self, entry: _Entry, ref: Any, failed: ExtensionFailed) -> None:
        """A call raised: count it; an in-process extension is FAILED and its instance
        dropped, an out-of-process one only if its supervisor gave it up."""
        with self._lock:
            entry.errors += 1
            entry.reason = str(failed)
        if entry.manifest.out_of_process:
            healthy = False
            try:
                healthy = bool(ref.ask("health", None, timeout=PROCESS_GRACE))
            except Exception:  # noqa: BLE001 - an actor that cannot answer is not healthy
                pass
            if healthy:
                return
        with entry.lock:
            if entry.ref is not ref or entry.state is not S.ACTIVATED:
                return  # someone else already handled it
            self._move(entry, S.FAILED, str(failed))
            ref, entry.ref = entry.ref, None
            # a hung in-process extension cannot be waited for: its actor stops once it returns
            ref.stop(block=not isinstance(failed, ExtensionTimeout), timeout=self.call_timeout)
        self.emit("failed", entry.manifest.id, reason=str(failed))

    def run_instrument(self, ext_id: str, task: dict[str, Any], *, timeout: float | None = None) -> Any:
        """Run instrument ``ext_id`` on ``task`` (``{"kind", "input", "context"}``), firing
        ``onTask:KIND`` first. ExtensionNotFound if it is not an instrument that does that
        kind; ExtensionFailed if it raised; ExtensionTimeout after ``timeout`` seconds."""
        self._check_open()
        entry = self._entry(ext_id)
        manifest = entry.manifest
        if manifest.kind != "instrument":
            raise ExtensionNotFound(f"extension {ext_id} is a {manifest.kind}, not an instrument")
        if not isinstance(task, dict) or not isinstance(task.get("kind"), str):
            raise ExtensionFailed(f"bad task for instrument {ext_id}: a dict with a 'kind' string", extension=ext_id)
        extra = sorted(set(task) - {"kind", "input", "context"})
        if extra:
            raise ExtensionFailed(f"bad task for instrument {ext_id}: unknown key(s) {extra}", extension=ext_id)
        if task["kind"] not in manifest.section()["tasks"]:
            raise ExtensionNotFound(f"instrument {ext_id} does not do {task['kind']!r} "
                                    f"(it does: {', '.join(manifest.section()['tasks'])})")
        context = task.get("context")
        context = {} if context is None else context
        if not isinstance(context, dict):
            raise ExtensionFailed(f"bad task for instrument {ext_id}: 'context' must be a dict", extension=ext_id)
        full = {"kind": task["kind"], "input": task.get("input"), "context": context}
        return self._invoke(entry, f"onTask:{task['kind']}", "run", {"task": full}, timeout)

    def call_operator(self, name: str, inputs: dict[str, Any], *, timeout: float | None = None) -> Any:
        """Call the enabled operator called ``name`` with ``inputs``, checked against its
        declared signature before anything is sent (``ExtensionFailed("bad input for operator
        NAME: ...")``); its output is checked against the declared type too."""
        self._check_open()
        manifest = self.operators().get(name)
        if manifest is None:
            have = ", ".join(sorted(self.operators())) or "none"
            raise ExtensionNotFound(f"no enabled operator {name!r} (have: {have})")
        section = manifest.section()
        why = check_inputs(section["inputs"], inputs)
        if why is not None:
            raise ExtensionFailed(f"bad input for operator {name}: {why}", extension=manifest.id)
        entry = self._entry(manifest.id)
        output = self._invoke(entry, f"onOperator:{name}", "call", {"inputs": inputs}, timeout)
        why = check_output(section["output"], output)
        if why is not None:
            with self._lock:
                entry.errors += 1
            raise ExtensionFailed(f"operator {name} of extension {manifest.id}: {why}", extension=manifest.id)
        return output

    def run_command(self, command_id: str, args: dict[str, Any] | None = None, *,
                    timeout: float | None = None) -> Any:
        """Run the motif command ``command_id`` (declared by an enabled motif) with ``args``,
        firing ``onCommand:ID`` first."""
        self._check_open()
        owner = next((m for m in self.motifs() if any(c["id"] == command_id for c in m.section()["commands"])), None)
        if owner is None:
            raise ExtensionNotFound(f"no enabled motif declares the command {command_id!r}")
        if args is None:
            args = {}
        if not isinstance(args, dict):
            raise ExtensionFailed(f"bad arguments for command {command_id}: a dict, not {type(args).__name__}",
                                  extension=owner.id)
        return self._invoke(self._entry(owner.id), f"onCommand:{command_id}", "command",
                            {"command": command_id, "args": args}, timeout)


"""``ExtensionManager``: the extension host, one per application.

It finds extensions (``_discovery``: entry points, extension directories, the copies
``install`` put in ``home/extensions/``), refuses those whose manifest or API version is
wrong before any of their code is imported, keeps each one's lifecycle state (``_states``;
enabled/disabled persisted in ``home/state.json``), activates an extension lazily when one
of its activation events fires, each in its own :class:`ExtensionActor`, and routes calls
to it: ``run_instrument``, ``call_operator`` (its declared signature checked first),
``run_command``.

Failure: an extension whose ``activate`` or call raises gives the caller
:class:`~symphony.errors.ExtensionFailed`; an in-process one is then FAILED with the reason
and its instance dropped, and the next activation event starts a fresh one (as a supervisor
restarts a failed actor); an out-of-process one is supervised by its process host and is
FAILED only when that gives up. Other extensions and the host keep serving throughout.

Threads: any thread may call any method. Lifecycle steps of one extension are serialised by
its own lock; calls are not (they queue on its actor, one at a time); the manager's lock is
held only for short bookkeeping, never while an extension runs.
"""

from __future__ import annotations

import builtins
import logging
import os
import shutil
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

from ..errors import (
    ActorDead,
    AskTimeout,
    ExtensionApiMismatch,
    ExtensionError,
    ExtensionFailed,
    ExtensionNotFound,
    ExtensionStateError,
    ExtensionTimeout,
)
from ._actor import ExtensionActor
from ._context import ExtensionContext
from ._discovery import discover_dirs, discover_entry_points
from ._events import Emitter
from ._home import StateFile, copy_into
from ._manifest import ExtensionManifest, check_api, read_extension_manifest
from ._signature import check_inputs, check_output
from ._states import ENABLED_STATES, ExtensionInfo, ExtensionState, check_transition

__all__ = ["ExtensionManager"]

logger = logging.getLogger("symphony.extensions")
S = ExtensionState


@dataclass
class _Entry:
    """What the host keeps for one extension (changed under the manager's lock)."""

    manifest: ExtensionManifest
    state: ExtensionState
    reason: str = ""
    activations: int = 0
    calls: int = 0
    errors: int = 0
    ref: Any = None
    lock: threading.RLock = field(default_factory=threading.RLock)

    def info(self) -> ExtensionInfo:
        return ExtensionInfo(self.manifest, self.state, self.reason, self.activations, self.calls, self.errors)


class ExtensionManager:
    """The extension host (see the module docstring).

    ``home`` holds ``state.json`` and installed copies; ``dirs`` are extension directories;
    ``entry_points`` reads the installed distributions' entry points. ``workspace``,
    ``store`` (an ArtifactStore) and ``pool`` (a Pool) are what the extensions' context
    handles reach, permissions permitting. ``on_event`` gets every event the host publishes
    on ``node``'s bus (topic ``symphony.extensions``). ``call_timeout`` bounds each
    activation and call (seconds) unless a call gives its own.
    """

    def __init__(self, node: Any, *, home: str | os.PathLike[str], dirs: Iterable[str | os.PathLike[str]] = (),
                 entry_points: bool = True, workspace: str | os.PathLike[str] | None = None, store: Any = None,
                 pool: Any = None, on_event: Callable[[dict[str, Any]], None] | None = None,
                 call_timeout: float = 30.0) -> None:
        if isinstance(call_timeout, bool) or not isinstance(call_timeout, (int, float)) or not call_timeout > 0:
            raise ValueError(f"call_timeout must be a positive number of seconds, not {call_timeout!r}")
        self.node = node
        self.home = Path(home)
        self.dirs = [Path(d) for d in dirs]
        self.entry_points = entry_points
        self.workspace = None if workspace is None else Path(workspace)
        self.store = store
        self.pool = pool
        self.call_timeout = float(call_timeout)
        self.emit = Emitter(node, on_event)
        self._lock = threading.RLock()
        self._entries: dict[str, _Entry] = {}
        self._status: dict[str, str] = {}
        self._state = StateFile(self.home)
        self._spawned = 0
        self._closed = False
        #: The refusals of the last ``scan`` (bad manifests, API mismatches, duplicate ids).
        self.errors: builtins.list[ExtensionError] = self.scan()

    # -- discovery --------------------------------------------------------------------------

    @property
    def installed_dir(self) -> Path:
        """Where ``install`` copies extensions: ``home/extensions``."""
        return self.home / "extensions"

    def scan(self) -> builtins.list[ExtensionError]:
        """(Re)discover every extension; returns the refusals (also logged and published as
        ``refused`` events). New ones start ENABLED (or DISABLED, as ``state.json`` says);
        ones that vanished are deactivated and forgotten; a changed manifest replaces the
        old one (deactivating it first)."""
        errors: builtins.list[ExtensionError] = []
        problem = self._state.load()
        if problem is not None:
            errors.append(problem)
        found, refused = discover_dirs([self.installed_dir], source="installed")
        errors += refused
        more, refused = discover_dirs(self.dirs)
        found += more
        errors += refused
        if self.entry_points:
            more, refused = discover_entry_points()
            found += more
            errors += refused
        accepted: dict[str, ExtensionManifest] = {}
        for manifest in found:
            try:
                check_api(manifest)
            except ExtensionApiMismatch as exc:
                errors.append(exc)
                continue
            if manifest.id in accepted:
                errors.append(ExtensionError(f"{manifest.where}: extension {manifest.id} is already provided by "
                                             f"{accepted[manifest.id].where}; this one is ignored"))
                continue
            accepted[manifest.id] = manifest
        for error in errors:
            logger.warning("%s", error)
            self.emit("refused", getattr(error, "extension", ""), reason=str(error))
        for ext_id in [i for i in list(self._entries) if i not in accepted]:
            self._forget(ext_id)
        for manifest in accepted.values():
            self._adopt(manifest)
        self.errors = errors
        return errors

    def _adopt(self, manifest: ExtensionManifest) -> None:
        old = self._entries.get(manifest.id)
        if old is not None:
            if old.manifest == manifest:
                return
            self._stop(old)
        enabled = self._state.enabled.get(manifest.id, True)
        entry = _Entry(manifest, S.ENABLED if enabled else S.DISABLED)
        with self._lock:
            self._entries[manifest.id] = entry
            self._declare_status(manifest)

    def _forget(self, ext_id: str) -> None:
        entry = self._entries.get(ext_id)
        if entry is not None:
            self._stop(entry)
            with self._lock:
                self._entries.pop(ext_id, None)
                self._drop_status(entry.manifest)

    def _declare_status(self, manifest: ExtensionManifest) -> None:
        for item in (manifest.motif or {}).get("status_items", []):
            self._status.setdefault(item["id"], item["text"])

    def _drop_status(self, manifest: ExtensionManifest) -> None:
        for item in (manifest.motif or {}).get("status_items", []):
            self._status.pop(item["id"], None)

    # -- what there is ----------------------------------------------------------------------

    def _entry(self, ext_id: str) -> _Entry:
        with self._lock:
            entry = self._entries.get(ext_id)
        if entry is None:
            raise ExtensionNotFound(f"no extension {ext_id!r} (known: {', '.join(sorted(self._entries)) or 'none'})")
        return entry

    def list(self) -> builtins.list[ExtensionInfo]:
        """Every extension the host knows, by id."""
        with self._lock:
            return [self._entries[i].info() for i in sorted(self._entries)]

    def info(self, ext_id: str) -> ExtensionInfo:
        """One extension's snapshot; ExtensionNotFound if there is none by that id."""
        return self._entry(ext_id).info()

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

    def _set_status(self, ext_id: str, item: str, text: str) -> None:
        manifest = self._entry(ext_id).manifest
        alignment = next(i["alignment"] for i in manifest.section()["status_items"] if i["id"] == item)
        with self._lock:
            self._status[item] = text
        self.emit("status", ext_id, item=item, text=text, alignment=alignment)

    # -- lifecycle --------------------------------------------------------------------------

    def _move(self, entry: _Entry, target: ExtensionState, reason: str = "") -> None:
        with self._lock:
            check_transition(entry.manifest.id, entry.state, target)
            entry.state = target
            entry.reason = reason

    def _check_open(self) -> None:
        if self._closed:
            raise ExtensionStateError("the extension host is closed")

    def install(self, path: str | os.PathLike[str]) -> ExtensionManifest:
        """Install the extension directory ``path`` (with its ``extension.toml``): checked,
        copied into ``home/extensions/ID``, INSTALLED then ENABLED. Raises
        ExtensionManifestError / ExtensionApiMismatch (nothing copied), or
        ExtensionStateError when an extension with its id is already known."""
        self._check_open()
        source = Path(path)
        if not (source / "extension.toml").is_file():
            raise ExtensionNotFound(f"{source}: no extension.toml in that directory")
        manifest = read_extension_manifest(source)
        try:
            check_api(manifest)
        except ExtensionApiMismatch as exc:
            self.emit("refused", manifest.id, reason=str(exc))
            raise
        with self._lock:
            if manifest.id in self._entries:
                have = self._entries[manifest.id].manifest
                raise ExtensionStateError(f"extension {manifest.id} is already installed ({have.source}: "
                                          f"{have.root}); uninstall it first")
        staged = copy_into(source, self.installed_dir)
        try:
            installed = read_extension_manifest(staged, source="installed")  # a symlink may point elsewhere now
            final = self.installed_dir / manifest.id
            os.rename(staged, final)
        finally:
            shutil.rmtree(staged.parent, ignore_errors=True)
        installed = read_extension_manifest(final, source="installed")
        entry = _Entry(installed, S.INSTALLED)
        with self._lock:
            self._entries[installed.id] = entry
            self._declare_status(installed)
        self.emit("installed", installed.id, version=installed.version)
        self.enable(installed.id)
        return installed

    def uninstall(self, ext_id: str) -> None:
        """Remove an extension ``install`` put in the host's home (deactivated first); one
        from an entry point or a directory is its package's to remove: ExtensionStateError."""
        self._check_open()
        entry = self._entry(ext_id)
        with entry.lock:
            if entry.manifest.source != "installed":
                raise ExtensionStateError(
                    f"extension {ext_id} comes from {'an installed package' if entry.manifest.source == 'entry_point' else 'an extension directory'} "
                    f"({entry.manifest.root}); remove it there, 'uninstall' removes only what 'install' added")
            self._deactivate(entry)
            self._move(entry, S.UNINSTALLED)
            assert entry.manifest.root is not None
            shutil.rmtree(entry.manifest.root, ignore_errors=True)
            with self._lock:
                self._entries.pop(ext_id, None)
                self._drop_status(entry.manifest)
            self._state.set(ext_id, None)
        self.emit("uninstalled", ext_id)

    def enable(self, ext_id: str) -> None:
        """Enable it (persisted): it is activated by its next activation event. Enabling an
        enabled extension does nothing; a FAILED one is reset to ENABLED."""
        self._check_open()
        entry = self._entry(ext_id)
        with entry.lock:
            if entry.state in (S.ENABLED, S.ACTIVATED, S.DEACTIVATED):
                return
            self._move(entry, S.ENABLED)
            self._state.set(ext_id, True)
        self.emit("enabled", ext_id)

    def disable(self, ext_id: str) -> None:
        """Disable it (persisted): deactivated if active; nothing activates it until enabled."""
        self._check_open()
        entry = self._entry(ext_id)
        with entry.lock:
            if entry.state is S.DISABLED:
                return
            self._deactivate(entry)
            self._move(entry, S.DISABLED)
            self._state.set(ext_id, False)
        self.emit("disabled", ext_id)

    def activate(self, ext_id: str) -> None:
        """Start it now (normally an activation event does): its own actor, then its
        ``activate`` hook. ExtensionStateError unless enabled; ExtensionFailed if it raised
        (it is then FAILED, with the reason)."""
        self._check_open()
        self._activate(self._entry(ext_id))

    def _activate(self, entry: _Entry) -> Any:
        """The entry's actor, activating it first if need be (under its lock)."""
        with entry.lock:
            if entry.state is S.ACTIVATED and entry.ref is not None and entry.ref.is_alive:
                return entry.ref
            if entry.state not in ENABLED_STATES:
                raise ExtensionStateError(f"extension {entry.manifest.id} is {entry.state.value}; enable it first")
            if entry.ref is not None:  # a FAILED one's old actor, or one that stopped
                self._stop_actor(entry)
            manifest = entry.manifest
            context = ExtensionContext(manifest, emit=self.emit, publish=self.emit.publish,
                                       set_status=self._set_status, workspace=self.workspace, store=self.store,
                                       pool=self.pool, model_timeout=self.call_timeout)
            with self._lock:
                self._spawned += 1
                name = f"extension:{manifest.id}#{self._spawned}"
            ref = self.node.spawn(ExtensionActor, manifest, context, self.emit.publish, self.call_timeout, name=name)
            try:
                ref.ask("activate", None, timeout=self.call_timeout)
            except BaseException as exc:
                ref.stop(block=not isinstance(exc, AskTimeout), timeout=self.call_timeout)  # a hung one cannot be waited for
                failed = self._as_failed(entry, "activate", exc)
                self._move(entry, S.FAILED, str(failed))
                with self._lock:
                    entry.errors += 1
                self.emit("failed", manifest.id, reason=str(failed))
                if failed is exc:
                    raise
                raise failed from exc
            self._move(entry, S.ACTIVATED)
            with self._lock:
                entry.ref = ref
                entry.activations += 1
        self.emit("activated", manifest.id)
        return ref

    def _as_failed(self, entry: _Entry, what: str, exc: BaseException) -> ExtensionFailed:
        ext_id = entry.manifest.id
        if isinstance(exc, ExtensionFailed):
            return exc
        if isinstance(exc, AskTimeout):
            return ExtensionTimeout(f"extension {ext_id}: {what} did not finish in time", extension=ext_id)
        if isinstance(exc, ActorDead):
            return ExtensionFailed(f"extension {ext_id}: its actor stopped during {what}", extension=ext_id)
        return ExtensionFailed(f"extension {ext_id}: {what} failed: {type(exc).__name__}: {exc}", extension=ext_id)

    def deactivate(self, ext_id: str) -> None:
        """Stop it (its ``deactivate`` hook, then its actor); it stays enabled, and its next
        activation event starts it again. Does nothing unless it is ACTIVATED."""
        self._check_open()
        entry = self._entry(ext_id)
        with entry.lock:
            self._deactivate(entry)

    def _deactivate(self, entry: _Entry) -> None:
        if entry.state is not S.ACTIVATED:
            if entry.ref is not None:
                self._stop_actor(entry)
            return
        ref = entry.ref
        reason = ""
        try:
            ref.ask("deactivate", None, timeout=self.call_timeout)
        except (ExtensionError, AskTimeout, ActorDead) as exc:
            reason = f"deactivate: {exc}"
            logger.warning("extension %s: %s", entry.manifest.id, reason)
        finally:
            self._stop_actor(entry)
        self._move(entry, S.DEACTIVATED, reason)
        self.emit("deactivated", entry.manifest.id)

    def _stop_actor(self, entry: _Entry) -> None:
        ref, entry.ref = entry.ref, None
        if ref is not None:
            ref.stop(block=True, timeout=self.call_timeout)

    def _stop(self, entry: _Entry) -> None:
        with entry.lock:
            try:
                self._deactivate(entry)
            except ExtensionError as exc:  # pragma: no cover - _deactivate reports, it does not raise
                logger.warning("%s", exc)

    def fire(self, event: str) -> builtins.list[str]:
        """Activate every enabled, inactive extension that lists ``event`` (or ``"*"``) among
        its activation events; returns the ids activated. One that fails to activate is
        FAILED (and published); the others are still activated."""
        return self._fire(event, exclude=None)

    def _fire(self, event: str, exclude: str | None) -> builtins.list[str]:
        self._check_open()
        with self._lock:
            due = [e for i, e in sorted(self._entries.items())
                   if i != exclude and e.state in ENABLED_STATES and e.state is not S.ACTIVATED
                   and (event in e.manifest.activation or "*" in e.manifest.activation)]
        activated = []
        for entry in due:
            try:
                self._activate(entry)
                activated.append(entry.manifest.id)
            except ExtensionError as exc:
                logger.warning("activation event %s: %s", event, exc)
        return activated

    # -- calls ------------------------------------------------------------------------------

    def _invoke(self, entry: _Entry, event: str, kind: str, payload: dict[str, Any], timeout: float | None) -> Any:
        """Fire ``event``, make sure the extension is active, and ask its actor."""
        self._fire(event, exclude=entry.manifest.id)
        wait = self.call_timeout if timeout is None else timeout
        for attempt in (1, 2):
            ref = self._activate(entry)
            with self._lock:
                entry.calls += 1
            try:
                return ref.ask(kind, {**payload, "timeout": wait}, timeout=wait)
            except ActorDead:
                if attempt == 2:  # deactivated twice under the call: give up
                    raise ExtensionStateError(f"extension {entry.manifest.id} was stopped during the call") from None
            except BaseException as exc:
                failed = self._as_failed(entry, kind, exc)
                self._failure(entry, ref, failed)
                if failed is exc:
                    raise
                raise failed from exc
        raise AssertionError("unreachable")  # pragma: no cover

    def _failure(self, entry: _Entry, ref: Any, failed: ExtensionFailed) -> None:
        """A call raised: count it; an in-process extension is FAILED and its instance dropped."""
        with self._lock:
            entry.errors += 1
            entry.reason = str(failed)
        if entry.manifest.out_of_process and not isinstance(failed, ExtensionTimeout):
            healthy = False
            try:
                healthy = bool(ref.ask("health", None, timeout=self.call_timeout))
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
            raise ExtensionNotFound(f"no enabled operator {name!r} (have: {', '.join(sorted(self.operators())) or 'none'})")
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

    def close(self) -> None:
        """Deactivate every extension and stop their actors and processes. Idempotent."""
        if self._closed:
            return
        self._closed = True
        with self._lock:
            entries = list(self._entries.values())
        for entry in entries:
            self._stop(entry)

    def __enter__(self) -> ExtensionManager:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

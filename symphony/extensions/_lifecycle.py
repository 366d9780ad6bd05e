"""The lifecycle half of the extension host: each extension's state and the steps between
them (enable, disable, activate, deactivate, fire an activation event, close).

``Lifecycle`` holds what the host keeps per extension (``_Entry``) and moves it through
:mod:`._states`; :class:`~._calls.Calls` adds the calls into extensions and
:class:`~._manager.ExtensionManager` discovery and installation.

Threads: lifecycle steps of one extension are serialised by its own lock; the host's lock is
held only for short bookkeeping, never while an extension runs. An extension is activated in
an actor of its own (:class:`ExtensionActor`); an activation that raises or hangs leaves it
FAILED with the reason, and its next activation event starts it afresh.
"""

from __future__ import annotations

import itertools
import logging
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Self

from ..errors import (
    ActorDead,
    AskTimeout,
    ExtensionError,
    ExtensionFailed,
    ExtensionNotFound,
    ExtensionStateError,
    ExtensionTimeout,
)
from ._actor import ExtensionActor
from ._context import ExtensionContext
from ._events import Emitter
from ._home import StateFile
from ._manifest import ExtensionManifest
from ._states import ENABLED_STATES, ExtensionInfo, ExtensionState, check_transition

__all__ = ["Lifecycle"]

logger = logging.getLogger("symphony.extensions")
S = ExtensionState
#: Numbers the extension actors of every host in the process.
_ACTORS = itertools.count(1)


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
    #: an activated out-of-process extension's ProcessExtension (its actor owns it): calls go
    #: to it straight from the caller's thread
    process: Any = None
    lock: threading.RLock = field(default_factory=threading.RLock)

    def info(self) -> ExtensionInfo:
        return ExtensionInfo(self.manifest, self.state, self.reason, self.activations, self.calls, self.errors)




class Lifecycle:
    """Each extension's lifecycle (see the module docstring); the manager sets the fields."""

    node: Any
    workspace: Path | None
    store: Any
    pool: Any
    call_timeout: float
    emit: Emitter
    _lock: threading.RLock
    _entries: dict[str, _Entry]
    _status: dict[str, str]
    _state: StateFile
    _closed: bool

    def _entry(self, ext_id: str) -> _Entry:
        with self._lock:
            entry = self._entries.get(ext_id)
        if entry is None:
            raise ExtensionNotFound(f"no extension {ext_id!r} (known: {', '.join(sorted(self._entries)) or 'none'})")
        return entry

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
            name = f"extension:{manifest.id}#{next(_ACTORS)}"  # unique even with two hosts on one node
            ref = self.node.spawn(ExtensionActor, manifest, context, self.emit.publish, self.call_timeout, name=name)
            try:
                process = ref.ask("activate", None, timeout=self.call_timeout)
            except BaseException as exc:
                # a hung one cannot be waited for: its actor stops once its code returns
                ref.stop(block=not isinstance(exc, AskTimeout), timeout=self.call_timeout)
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
                entry.ref, entry.process = ref, process
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
        ref, entry.ref, entry.process = entry.ref, None, None
        if ref is not None:
            ref.stop(block=True, timeout=self.call_timeout)

    def _stop(self, entry: _Entry) -> None:
        with entry.lock:
            try:
                self._deactivate(entry)
            except ExtensionError as exc:  # pragma: no cover - _deactivate reports, it does not raise
                logger.warning("%s", exc)

    def fire(self, event: str) -> list[str]:
        """Activate every enabled, inactive extension that lists ``event`` (or ``"*"``) among
        its activation events; returns the ids activated. One that fails to activate is
        FAILED (and published); the others are still activated."""
        return self._fire(event, exclude=None)

    def _fire(self, event: str, exclude: str | None) -> list[str]:
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

    def close(self) -> None:
        """Deactivate every extension and stop their actors and processes. Idempotent."""
        if self._closed:
            return
        self._closed = True
        with self._lock:
            entries = list(self._entries.values())
        for entry in entries:
            self._stop(entry)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()


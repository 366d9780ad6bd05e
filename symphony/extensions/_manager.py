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
held only for short bookkeeping, never while an extension runs. The lifecycle is in
``_lifecycle``, the calls in ``_calls``; this module adds discovery and installation.
"""

from __future__ import annotations

import builtins
import os
import shutil
import threading
from pathlib import Path
from typing import Any, Callable, Iterable

from ..errors import ExtensionApiMismatch, ExtensionError, ExtensionNotFound, ExtensionStateError
from ._calls import Calls
from ._discovery import discover_dirs, discover_entry_points
from ._events import Emitter
from ._home import StateFile, copy_into
from ._lifecycle import S, _Entry, logger
from ._manifest import ExtensionManifest, check_api, read_extension_manifest
from ._states import ExtensionInfo

__all__ = ["ExtensionManager"]

_ORIGINS = {"dir": "an extension directory", "entry_point": "an installed package", "installed": "HOME"}


class ExtensionManager(Calls):
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

    def list(self) -> builtins.list[ExtensionInfo]:
        """Every extension the host knows, by id."""
        with self._lock:
            return [self._entries[i].info() for i in sorted(self._entries)]

    def info(self, ext_id: str) -> ExtensionInfo:
        """One extension's snapshot; ExtensionNotFound if there is none by that id."""
        return self._entry(ext_id).info()

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
                    f"extension {ext_id} comes from {_ORIGINS[entry.manifest.source]} "
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


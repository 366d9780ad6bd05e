"""The model repository: what models exist, in which versions, and which versions are served.

A directory laid out as Triton's model repository::

    ROOT/NAME/config.toml             optional: version_policy = "latest:2"
    ROOT/NAME/VERSION/model.toml      the manifest (see symphony.pool._manifest)
    ROOT/NAME/VERSION/<files>

plus models registered in code (:meth:`ModelRepository.register`). A version directory
whose name is not a whole number >= 1 is ignored (:meth:`ModelRepository.ignored` says why);
a version whose manifest is bad is kept as its :class:`~symphony.errors.ModelManifestError`
and never served, so a broken new version leaves the previous one served under ``latest``.

Invariants: :meth:`ModelRepository.scan` replaces what the repository knows from disk in
one step (readers on other threads see the old view or the new one, never half of each);
it raises nothing for a bad model, only for an unreadable root. Code registrations survive
scans and win over a directory version with the same name and number.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ModelManifestError, ModelNotFound
from ._manifest import (
    MAX_LEASES, MAX_VERSION, ModelManifest, VersionPolicy, check_name, installed_loaders, load_toml, parse_manifest,
    parse_memory,
)

__all__ = ["ModelRepository"]

_VERSION_DIR = re.compile(r"[1-9][0-9]{0,18}")
_MAX_MANIFEST = 1 << 20  # a model.toml past 1 MiB is not a manifest


@dataclass
class _Model:
    """What the repository knows of one model name."""

    versions: dict[int, ModelManifest | ModelManifestError] = field(default_factory=dict)
    policy: VersionPolicy | ModelManifestError = field(default_factory=VersionPolicy)


@dataclass
class _View:
    """One consistent picture of the repository's directory."""

    models: dict[str, _Model] = field(default_factory=dict)
    ignored: list[tuple[str, str]] = field(default_factory=list)


class ModelRepository:
    """The models a pool can serve: a Triton-style directory (``root``, may be None) plus
    models registered in code.

    Thread-safe: scans and registrations may run while other threads read.
    """

    def __init__(self, root: str | Path | None = None) -> None:
        self.root = Path(root) if root is not None else None
        self._lock = threading.Lock()
        self._view = _View()
        self._code: dict[str, dict[int, ModelManifest]] = {}
        if self.root is not None:
            self.scan()

    # -- reading the directory -------------------------------------------------------------

    def scan(self) -> None:
        """Read the directory again (new models, versions, manifests and policies).

        Raises ``OSError`` only if the root itself cannot be listed; every problem with one
        model or version is kept as that model's or version's reason instead.
        """
        if self.root is None:
            return
        view = _View()
        loaders = set(installed_loaders())
        with os.scandir(self.root) as listing:
            entries = sorted(listing, key=lambda e: e.name)
        for entry in entries:
            if entry.name.startswith(".") or not _is_dir(entry):
                continue
            try:
                name = check_name(entry.name)
            except ModelManifestError as exc:
                view.ignored.append((entry.path, str(exc)))
                continue
            view.models[name] = self._read_model(Path(entry.path), name, loaders, view.ignored)
        with self._lock:
            self._view = view

    def _read_model(self, directory: Path, name: str, loaders: set[str],
                    ignored: list[tuple[str, str]]) -> _Model:
        model = _Model(policy=_read_policy(directory / "config.toml", name))
        try:
            with os.scandir(directory) as listing:
                entries = sorted(listing, key=lambda e: e.name)
        except OSError as exc:
            ignored.append((str(directory), f"cannot list model {name!r}: {exc}"))
            return model
        for entry in entries:
            if not _is_dir(entry):
                continue
            if not _VERSION_DIR.fullmatch(entry.name) or int(entry.name) > MAX_VERSION:
                ignored.append((entry.path, f"model {name!r}: {entry.name!r} is not a version "
                                            "(a version directory is named by a whole number >= 1)"))
                continue
            version = int(entry.name)
            model.versions[version] = _read_manifest(Path(entry.path), name, version, loaders)
        return model

    # -- registering in code -----------------------------------------------------------------

    def register(self, name: str, model_or_factory: Callable[..., Any], *, version: int = 1,
                 memory: int | str = 0, max_leases: int = 0, warmup: Any = None,
                 factory: bool = False) -> ModelManifest:
        """Serve a Python callable as model ``name`` at ``version`` (loader ``"python"``).

        With ``factory=True`` the callable is called with the manifest at load time and
        returns the model (or a ``Loaded``). Replaces an earlier registration of the same
        name and version. Raises ModelManifestError for a bad name, version or figure.
        """
        name = check_name(name)
        where = f"model {name!r} version {version!r}"
        if isinstance(version, bool) or not isinstance(version, int) or not 1 <= version <= MAX_VERSION:
            raise ModelManifestError(f"{where}: a version is an int from 1 to {MAX_VERSION}")
        if not callable(model_or_factory):
            raise ModelManifestError(f"{where}: a registered model (or factory) must be callable, "
                                     f"not {type(model_or_factory).__name__}")
        if isinstance(max_leases, bool) or not isinstance(max_leases, int) or not 0 <= max_leases <= MAX_LEASES:
            raise ModelManifestError(f"{where}: max_leases must be an int from 0 to {MAX_LEASES}")
        if not isinstance(factory, bool):
            raise ModelManifestError(f"{where}: factory must be a bool")
        manifest = ModelManifest(
            name=name, version=version, loader="python", memory=parse_memory(memory, where),
            max_leases=max_leases, warmup=warmup, options={"factory": factory}, source="code",
            target=model_or_factory)
        with self._lock:
            self._code.setdefault(name, {})[version] = manifest
        return manifest

    def unregister(self, name: str, version: int | None = None) -> bool:
        """Forget a code registration (one version, or all of ``name``); whether one existed."""
        with self._lock:
            versions = self._code.get(name)
            if not versions:
                return False
            if version is None:
                del self._code[name]
                return True
            found = versions.pop(version, None) is not None
            if not versions:
                del self._code[name]
            return found

    # -- questions ---------------------------------------------------------------------------

    def names(self) -> list[str]:
        """Every model name known (directory or code), sorted."""
        with self._lock:
            return sorted(set(self._view.models) | set(self._code))

    def versions(self, name: str) -> dict[int, ModelManifest | ModelManifestError]:
        """Every version of ``name`` found, valid (its manifest) or not (the reason); raises ModelNotFound."""
        with self._lock:
            return dict(sorted(self._versions(name).items()))

    def policy(self, name: str) -> VersionPolicy:
        """The version policy of ``name``; raises ModelNotFound, or ModelManifestError for a bad config.toml."""
        with self._lock:
            self._versions(name)
            policy = self._policy(name)
        if isinstance(policy, ModelManifestError):
            raise _fresh(policy)
        return policy

    def served(self, name: str) -> list[int]:
        """The versions of ``name`` served: the valid ones its policy selects, ascending.

        Empty when its ``config.toml`` is bad. Raises ModelNotFound for an unknown name.
        """
        with self._lock:
            return self._served(name)

    def manifest(self, name: str, version: int | None = None) -> ModelManifest:
        """The manifest of ``name`` at ``version`` (None: the newest served).

        Raises ModelNotFound (no such model or version, or not served under the policy) or
        the version's ModelManifestError (its manifest, or the model's config.toml, is bad).
        """
        with self._lock:
            versions = self._versions(name)
            policy = self._policy(name)
            if isinstance(policy, ModelManifestError):
                raise _fresh(policy)
            served = self._served(name)
            if version is None:
                if served:
                    found = versions[served[-1]]
                    assert isinstance(found, ModelManifest)
                    return found
                for wanted in reversed(policy.select(list(versions))):
                    problem = versions[wanted]
                    if isinstance(problem, ModelManifestError):
                        raise _fresh(problem)
                raise ModelNotFound(f"model {name!r} has no version served under version policy {policy}")
            found_or_error = versions.get(version)
            if found_or_error is None:
                raise ModelNotFound(f"model {name!r} has no version {version!r} "
                                    f"(it has {', '.join(map(str, sorted(versions))) or 'none'})")
            if isinstance(found_or_error, ModelManifestError):
                raise _fresh(found_or_error)
            if version not in served:
                raise ModelNotFound(f"model {name!r} version {version} is not served under version policy {policy}")
            return found_or_error

    def index(self) -> list[dict[str, Any]]:
        """Triton's repository index: one ``{"name", "version", "reason"}`` per version found,
        sorted; ``reason`` is ``""`` for a served version, else why it is not served."""
        rows: list[dict[str, Any]] = []
        with self._lock:
            for name in sorted(set(self._view.models) | set(self._code)):
                versions = self._versions(name)
                policy = self._policy(name)
                served = set(self._served(name))
                for version, found in sorted(versions.items()):
                    if isinstance(policy, ModelManifestError):
                        reason = str(policy)
                    elif isinstance(found, ModelManifestError):
                        reason = str(found)
                    elif version in served:
                        reason = ""
                    else:
                        reason = f"not served under version policy {policy}"
                    rows.append({"name": name, "version": version, "reason": reason})
        return rows

    def ignored(self) -> list[tuple[str, str]]:
        """Directories the last scan skipped, with why: ``[(path, reason)]``."""
        with self._lock:
            return list(self._view.ignored)

    def __contains__(self, name: object) -> bool:
        with self._lock:
            return name in self._view.models or name in self._code

    # -- under the lock ------------------------------------------------------------------------

    def _versions(self, name: str) -> dict[int, ModelManifest | ModelManifestError]:
        model = self._view.models.get(name)
        code = self._code.get(name)
        if model is None and code is None:
            raise ModelNotFound(f"no model named {name!r} in the repository"
                                + (f" {str(self.root)!r}" if self.root is not None else "") + " or registered in code")
        versions: dict[int, ModelManifest | ModelManifestError] = dict(model.versions) if model else {}
        versions.update(code or {})
        return versions

    def _policy(self, name: str) -> VersionPolicy | ModelManifestError:
        model = self._view.models.get(name)
        return model.policy if model is not None else VersionPolicy()

    def _served(self, name: str) -> list[int]:
        versions = self._versions(name)
        policy = self._policy(name)
        if isinstance(policy, ModelManifestError):
            return []
        return policy.select([v for v, found in versions.items() if isinstance(found, ModelManifest)])


def _is_dir(entry: os.DirEntry[str]) -> bool:
    """Whether ``entry`` is a directory (following symlinks); False for a symlink loop."""
    try:
        return entry.is_dir()
    except OSError:
        return False


def _kept(error: ModelManifestError) -> ModelManifestError:
    """``error`` ready to be kept as a version's reason: no traceback, no chained error (their
    frames would stay alive as long as the repository)."""
    error.__context__ = error.__cause__ = None
    return error.with_traceback(None)


def _fresh(error: ModelManifestError) -> ModelManifestError:
    """A new error with a stored one's message: raising the stored instance itself would chain
    every raise's traceback (and its frames) onto it."""
    return ModelManifestError(str(error))


def _read_text(path: Path, what: str) -> str:
    """The UTF-8 text of ``path``; ModelManifestError if it cannot be read or is not UTF-8."""
    try:
        with open(path, "rb") as f:
            data = f.read(_MAX_MANIFEST + 1)
    except OSError as exc:
        raise ModelManifestError(f"{what}: cannot read {path.name}: {exc.strerror or exc}") from None
    if len(data) > _MAX_MANIFEST:
        raise ModelManifestError(f"{what}: {path.name} is larger than {_MAX_MANIFEST} bytes")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ModelManifestError(f"{what}: {path.name} is not valid UTF-8 ({exc.reason} at byte {exc.start})") from None


def _read_manifest(directory: Path, name: str, version: int, loaders: set[str]) -> ModelManifest | ModelManifestError:
    what = f"model {name!r} version {version}"
    path = directory / "model.toml"
    if not os.path.lexists(path):
        return ModelManifestError(f"{what}: no model.toml in {str(directory)!r}")
    try:
        return parse_manifest(_read_text(path, what), name=name, version=version, path=directory, loaders=loaders)
    except ModelManifestError as exc:
        return _kept(exc)


def _read_policy(path: Path, name: str) -> VersionPolicy | ModelManifestError:
    what = f"model {name!r}"
    if not os.path.lexists(path):
        return VersionPolicy()
    try:
        text = _read_text(path, what)
        data = load_toml(text, f"{what}: config.toml")
        unknown = sorted(set(data) - {"version_policy"})
        if unknown:
            raise ModelManifestError(f"{what}: config.toml has unknown field(s) {', '.join(map(repr, unknown))} "
                                     "(known: version_policy)")
        if "version_policy" not in data:
            return VersionPolicy()
        try:
            return VersionPolicy.parse(data["version_policy"])
        except ModelManifestError as exc:
            raise ModelManifestError(f"{what}: config.toml: {exc}") from None
    except ModelManifestError as exc:
        return _kept(exc)

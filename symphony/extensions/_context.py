"""What an extension gets from the host: an :class:`ExtensionContext` of capability-scoped handles.

Each handle checks the extension's permissions before it acts (a :class:`Guard`): without
the permission, or for a path outside the workspace, it raises
:class:`~symphony.errors.PermissionDenied`, does nothing, and the violation is published.

- ``ctx.files``: :class:`WorkspaceFiles` (``files:read``, ``files:write``), confined to the
  workspace, symlinks followed before the check;
- ``ctx.artifacts``: :class:`ArtifactHandle` (``artifacts:read`` for get/search,
  ``artifacts:write`` for put/rate); names it writes live under ``extensions/ID/``;
- ``ctx.models``: :class:`ModelHandle` (``models``), a lease on a pool model per call;
- ``ctx.processes``: :class:`ProcessHandle` (``process:run``), run in the workspace;
- ``ctx.status(item, text)`` for a motif's declared status items, ``ctx.log``, ``ctx.emit``.
"""

from __future__ import annotations

import logging
import os
import subprocess
import tempfile
from pathlib import Path
from typing import Any, Callable

from ..errors import ExtensionError
from ._manifest import ExtensionManifest
from ._permissions import Guard, confine

__all__ = ["ArtifactHandle", "ExtensionContext", "ModelHandle", "ProcessHandle", "WorkspaceFiles"]

_LEVELS = {"debug": logging.DEBUG, "info": logging.INFO, "warning": logging.WARNING, "error": logging.ERROR}
#: The longest a ``ctx.processes.run`` may be given, in seconds.
MAX_PROCESS_SECONDS = 3600.0
#: The largest file ``ctx.files.read_text`` reads.
MAX_FILE_BYTES = 64 << 20


class WorkspaceFiles:
    """Text files of the workspace, read and written by relative path (``files:read``/``files:write``)."""

    def __init__(self, guard: Guard, workspace: Path | None) -> None:
        self._guard = guard
        self._workspace = workspace

    def _path(self, permission: str, relative: Any, what: str) -> Path:
        self._guard.require(permission, what)
        return confine(self._guard, permission, self._workspace, relative)

    def read_text(self, relative: str) -> str:
        """The text of the workspace file ``relative`` (UTF-8, at most :data:`MAX_FILE_BYTES`)."""
        path = self._path("files:read", relative, f"reading {relative!r}")
        with open(path, "rb") as f:
            data = f.read(MAX_FILE_BYTES + 1)
        if len(data) > MAX_FILE_BYTES:
            raise ExtensionError(f"{relative!r} is larger than {MAX_FILE_BYTES >> 20} MiB; not read")
        return data.decode("utf-8")

    def write_text(self, relative: str, text: str) -> None:
        """Write ``text`` to the workspace file ``relative`` (replaced at once: written to a
        temporary file beside it, then renamed)."""
        path = self._path("files:write", relative, f"writing {relative!r}")
        if not isinstance(text, str):
            raise ExtensionError(f"write_text takes a str, not {type(text).__name__}")
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(text)
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise

    def list(self, relative: str = ".") -> list[str]:
        """The names in the workspace directory ``relative``, sorted (directories end with ``/``)."""
        path = self._path("files:read", relative, f"listing {relative!r}")
        return sorted(e.name + ("/" if e.is_dir() else "") for e in os.scandir(path))


class ArtifactHandle:
    """The artifact store, as far as the extension may use it."""

    def __init__(self, guard: Guard, store: Any) -> None:  # store: ArtifactStore | None
        self._guard = guard
        self._store = store

    def _need(self, permission: str, what: str) -> Any:
        self._guard.require(permission, what)
        if self._store is None:
            raise ExtensionError("no artifact store is attached to this extension host")
        return self._store

    def get(self, digest: str) -> bytes:
        """The bytes of artifact ``digest`` (``artifacts:read``)."""
        return bytes(self._need("artifacts:read", "reading an artifact").get(digest))

    def search(self, query: str, limit: int = 10) -> list[dict[str, Any]]:
        """Full-text search of the store: ``[{digest, name, score, snippet}, ...]`` (``artifacts:read``)."""
        hits = self._need("artifacts:read", "searching artifacts").search(query, limit)
        return [{"digest": h.digest, "name": h.name, "score": float(h.score), "snippet": h.snippet} for h in hits]

    def put(self, data: bytes | str, *, name: str | None = None, metadata: dict[str, Any] | None = None,
            parents: list[str] | tuple[str, ...] = ()) -> str:
        """Store ``data`` (``artifacts:write``) and return its digest. A ``name`` is kept
        under ``extensions/ID/`` so an extension cannot add versions to another's names;
        ``metadata`` records the extension's id."""
        store = self._need("artifacts:write", "storing an artifact")
        if isinstance(data, str):
            data = data.encode("utf-8")
        if not isinstance(data, (bytes, bytearray)):
            raise ExtensionError(f"put takes bytes or str, not {type(data).__name__}")
        if metadata is not None and not isinstance(metadata, dict):
            raise ExtensionError(f"metadata must be a dict, not {type(metadata).__name__}")
        full_name = None if name is None else f"extensions/{self._guard.ext_id}/{name}"
        meta = {**(metadata or {}), "extension": self._guard.ext_id}
        return str(store.put(bytes(data), name=full_name, metadata=meta, parents=tuple(parents)))

    def rate(self, digest: str, score: float) -> None:
        """Record a quality score for ``digest`` (``artifacts:write``), sourced to the extension."""
        store = self._need("artifacts:write", "rating an artifact")
        store.rate(digest, score, source=f"extension:{self._guard.ext_id}")


class ModelHandle:
    """Models of the pool manager (``models``): each call acquires a lease, calls, releases."""

    def __init__(self, guard: Guard, pool: Any, timeout: float | None) -> None:  # pool: Pool | None
        self._guard = guard
        self._pool = pool
        self._timeout = timeout

    def call(self, model: str, *args: Any) -> Any:
        """``model(*args)`` on a lease of the pool's model ``model`` (its newest served version)."""
        self._guard.require("models", f"calling model {model!r}")
        if self._pool is None:
            raise ExtensionError("no model pool is attached to this extension host")
        with self._pool.acquire(model, timeout=self._timeout) as loaded:
            return loaded(*args)


class ProcessHandle:
    """Programs run in the workspace (``process:run``)."""

    def __init__(self, guard: Guard, workspace: Path | None) -> None:
        self._guard = guard
        self._workspace = workspace

    def run(self, argv: list[str], *, timeout: float, input: str | None = None) -> tuple[int, str, str]:
        """Run ``argv`` (no shell) in the workspace, waiting at most ``timeout`` seconds:
        ``(returncode, stdout, stderr)``. A process still running at the timeout is killed
        and ExtensionError raised."""
        self._guard.require("process:run", f"running {argv!r}")
        if not isinstance(argv, (list, tuple)) or not argv or not all(isinstance(a, str) and "\x00" not in a
                                                                        for a in argv):
            raise ExtensionError(f"argv must be a non-empty list of strings, not {argv!r}")
        if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not 0 < timeout <= MAX_PROCESS_SECONDS:
            raise ExtensionError(f"timeout must be from 0 to {MAX_PROCESS_SECONDS:.0f} seconds, not {timeout!r}")
        try:
            done = subprocess.run(list(argv), input=input, capture_output=True, text=True, timeout=timeout,
                                  cwd=self._workspace, check=False, start_new_session=True)
        except subprocess.TimeoutExpired:
            raise ExtensionError(f"{argv[0]!r} did not finish within {timeout} s; it was killed") from None
        return done.returncode, done.stdout, done.stderr


class ExtensionContext:
    """The host as one extension sees it: its id, permissions, workspace and handles.

    ``set_status(ext_id, item, text)`` and ``publish(event)`` are the manager's; the context
    checks that a status item is one the extension declared.
    """

    def __init__(self, manifest: ExtensionManifest, *, emit: Callable[..., Any],
                 publish: Callable[[dict[str, Any]], Any], set_status: Callable[[str, str, str], None],
                 workspace: Path | None = None, store: Any = None, pool: Any = None,
                 model_timeout: float | None = None) -> None:
        self.manifest = manifest
        self.id = manifest.id
        self.permissions = manifest.permissions
        self.workspace = workspace
        self.guard = Guard(manifest.id, manifest.permissions, emit)
        self.files = WorkspaceFiles(self.guard, workspace)
        self.artifacts = ArtifactHandle(self.guard, store)
        self.models = ModelHandle(self.guard, pool, model_timeout)
        self.processes = ProcessHandle(self.guard, workspace)
        self._publish = publish
        self._set_status = set_status
        self._items = {item["id"] for item in (manifest.motif or {}).get("status_items", [])}
        self.logger = logging.getLogger(f"symphony.extensions.{manifest.id}")

    def status(self, item: str, text: str) -> None:
        """Set the text of the status item ``item``, which the extension's motif declares."""
        if item not in self._items:
            raise self.guard.deny("status", f"status item {item!r} is not declared by the extension's motif")
        if not isinstance(text, str) or len(text) > 1024:
            raise ExtensionError(f"a status text is a str of at most 1024 characters, not {text!r:.80}")
        self._set_status(self.id, item, text)

    def log(self, level: str, message: str) -> None:
        """Log ``message`` at ``level`` (debug, info, warning, error) under ``symphony.extensions.ID``."""
        self.logger.log(_LEVELS.get(str(level).lower(), logging.INFO), "%s", message)

    def emit(self, event: dict[str, Any]) -> None:
        """Publish an event of the extension's own on the host's topic (``extension`` is set to its id)."""
        if not isinstance(event, dict) or not isinstance(event.get("event"), str):
            raise ExtensionError("an event is a dict with an 'event' name")
        self._publish({**event, "extension": self.id})

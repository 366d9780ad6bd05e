"""Permissions enforced: the check every capability handle makes before it acts, and the
confinement of file paths to the workspace.

A violation raises :class:`~symphony.errors.PermissionDenied` to the extension before
anything is done, and is published as ``{"event": "permission_denied", "extension": id,
"permission": p, "detail": ...}`` for the user.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Callable

from ..errors import PermissionDenied

__all__ = ["Guard", "confine"]


class Guard:
    """The permissions one extension was granted, and the event sink its violations go to."""

    def __init__(self, ext_id: str, granted: frozenset[str], emit: Callable[..., Any]) -> None:
        self.ext_id = ext_id
        self.granted = granted
        self._emit = emit

    def deny(self, permission: str, detail: str) -> PermissionDenied:
        """Publish a violation and return the error to raise."""
        self._emit("permission_denied", self.ext_id, permission=permission, detail=detail)
        return PermissionDenied(f"extension {self.ext_id}: {detail}")

    def require(self, permission: str, what: str) -> None:
        """Raise PermissionDenied (and publish it) unless ``permission`` was granted."""
        if permission not in self.granted:
            raise self.deny(permission, f"{what} needs the permission {permission!r}, which the manifest "
                                        "does not declare")


def confine(guard: Guard, permission: str, workspace: Path | None, relative: Any) -> Path:
    """``workspace/relative`` resolved (symlinks followed), if it stays inside the workspace;
    otherwise PermissionDenied (published under ``permission``)."""
    if workspace is None:
        raise guard.deny(permission, "no workspace is open, so no file may be used")
    if not isinstance(relative, str) or not relative or "\x00" in relative or len(relative) > 4096:
        raise guard.deny(permission, f"{relative!r} is not a path inside the workspace")
    if os.path.isabs(relative) or ".." in Path(relative).parts:
        raise guard.deny(permission, f"{relative!r} is outside the workspace (absolute, or with '..')")
    try:
        root = workspace.resolve()
        full = (root / relative).resolve()
    except (OSError, RuntimeError):  # a symlink loop
        raise guard.deny(permission, f"{relative!r} cannot be resolved inside the workspace") from None
    if not full.is_relative_to(root):
        raise guard.deny(permission, f"{relative!r} leads outside the workspace (a symlink pointing out)")
    return full

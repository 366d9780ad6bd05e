"""The file tree a page shows when ``symphony web`` opens a directory: one directory's entries,
never anything outside the opened root."""

from __future__ import annotations

import os
from typing import Any

from ..errors import RpcError
from ..rpc import INVALID_PARAMS

__all__ = ["MAX_ENTRIES", "list_dir"]

#: The most entries one listing returns (a directory of a million files stays usable).
MAX_ENTRIES = 10_000


def _inside(root: str, path: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def list_dir(root: str | None, path: Any) -> dict[str, Any]:
    """``{"path", "entries": [{"name", "path", "dir"}], "truncated"}`` for directory ``path``
    (the root when None), directories first then by name; RpcError (-32602) for a path that is
    not a string, not a directory, or outside ``root`` (symbolic links resolved)."""
    if root is None:
        raise RpcError(INVALID_PARAMS, "no directory was opened")
    real_root = os.path.realpath(root)
    if path is None:
        path = root
    if not isinstance(path, str) or "\0" in path:
        raise RpcError(INVALID_PARAMS, "path must be a string")
    real = os.path.realpath(os.path.join(real_root, path))
    if not _inside(real_root, real):
        raise RpcError(INVALID_PARAMS, f"{path!r} is outside the opened directory")
    entries: list[dict[str, Any]] = []
    truncated = False
    try:
        with os.scandir(real) as it:
            for entry in it:
                if len(entries) >= MAX_ENTRIES:
                    truncated = True
                    break
                try:
                    is_dir = entry.is_dir()
                    target = os.path.realpath(entry.path)
                except OSError:
                    continue
                if not _inside(real_root, target):  # a link out of the tree is not shown
                    continue
                entries.append({"name": entry.name, "path": entry.path, "dir": is_dir})
    except NotADirectoryError:
        raise RpcError(INVALID_PARAMS, f"{path!r} is not a directory") from None
    except OSError as exc:
        raise RpcError(INVALID_PARAMS, f"{path!r}: {exc.strerror or exc}") from None
    entries.sort(key=lambda e: (not e["dir"], e["name"].lower(), e["name"]))
    return {"path": real, "entries": entries, "truncated": truncated}

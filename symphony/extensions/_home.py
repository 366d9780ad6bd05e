"""The host's home directory: which extensions are enabled (``state.json``) and the copies
``install`` made (``extensions/ID/``).

``HOME`` defaults to ``$SYMPHONY_HOME``, else ``~/.config/symphony``. ``state.json`` is
``{"format": 1, "extensions": {ID: {"enabled": bool}}}``, replaced atomically (written
beside, then renamed) so a crash leaves the old or the new file, never half of one; a file
that cannot be read as that is reported and ignored (every extension enabled), and kept
until the next change replaces it.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

from ..errors import ExtensionError

__all__ = ["StateFile", "copy_into", "default_home"]

_FORMAT = 1
_MAX_STATE_BYTES = 4 << 20


def default_home() -> Path:
    """``$SYMPHONY_HOME``, else ``~/.config/symphony``."""
    return Path(os.environ.get("SYMPHONY_HOME") or Path.home() / ".config" / "symphony")


class StateFile:
    """``home/state.json``: the extensions the user enabled or disabled."""

    def __init__(self, home: Path) -> None:
        self.path = home / "state.json"
        self.enabled: dict[str, bool] = {}

    def load(self) -> ExtensionError | None:
        """Read the file (a missing one is empty); returns the problem with a bad one, or None."""
        self.enabled = {}
        try:
            with open(self.path, "rb") as f:
                raw = f.read(_MAX_STATE_BYTES + 1)
        except FileNotFoundError:
            return None
        except OSError as exc:
            return ExtensionError(f"{self.path}: cannot read: {exc.strerror or exc}; every extension is enabled")
        try:
            data = json.loads(raw.decode("utf-8")) if len(raw) <= _MAX_STATE_BYTES else None
            table = data["extensions"] if isinstance(data, dict) and data.get("format") == _FORMAT else None
            if not isinstance(table, dict) or not all(
                    isinstance(k, str) and isinstance(v, dict) and isinstance(v.get("enabled"), bool)
                    for k, v in table.items()):
                raise ValueError("not a state file")
        except (ValueError, UnicodeDecodeError, RecursionError):
            return ExtensionError(f"{self.path}: not a Symphony extension state file; every extension is enabled")
        self.enabled = {k: v["enabled"] for k, v in table.items()}
        return None

    def set(self, ext_id: str, enabled: bool | None) -> None:
        """Record ``ext_id`` as enabled or disabled (None: forget it) and save at once."""
        if enabled is None:
            self.enabled.pop(ext_id, None)
        else:
            self.enabled[ext_id] = enabled
        data = {"format": _FORMAT, "extensions": {k: {"enabled": v} for k, v in sorted(self.enabled.items())}}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".state.", suffix=".json")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(data, f, indent=1)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            os.unlink(tmp)
            raise


def copy_into(source: Path, extensions_dir: Path) -> Path:
    """Copy the extension directory ``source`` into a fresh temporary directory inside
    ``extensions_dir`` (symlinks copied as links, caches left out) and return it; the caller
    renames it into place once its manifest checks."""
    extensions_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=extensions_dir, prefix=".install-"))
    target = staging / "ext"
    shutil.copytree(source, target, symlinks=True, ignore=shutil.ignore_patterns("__pycache__", ".git"))
    return target

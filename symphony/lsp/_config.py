"""Which language server serves which language: ``ServerConfig`` and the defaults."""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass, field
from typing import Any

__all__ = ["DEFAULT_SERVERS", "ServerConfig", "default_servers"]


@dataclass(frozen=True)
class ServerConfig:
    """How to run the language server for one language.

    ``command`` and ``args`` start it (it speaks LSP on its stdin/stdout);
    ``initialization_options`` go in ``initialize``; ``settings`` answer the server's
    ``workspace/configuration`` requests (looked up by each item's dotted ``section``) and
    are sent once with ``workspace/didChangeConfiguration``. ``env`` is added to the
    environment. ``language_id`` is the LSP language identifier sent in ``didOpen``.
    ``max_restarts`` crashes within ``restart_window`` seconds make the client give up
    (the server's requests then fail with ``LanguageServerError``); between restarts it waits
    ``backoff`` seconds, doubled after each crash up to ``max_backoff``. A server that leaves
    a request unanswered for ``request_timeout`` seconds is deemed hung: killed and restarted
    like a crash (None: never).
    """

    command: str
    args: tuple[str, ...] = ()
    language_id: str = ""
    initialization_options: Any = None
    settings: dict[str, Any] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)
    max_restarts: int = 5
    restart_window: float = 60.0
    backoff: float = 0.1
    max_backoff: float = 5.0
    request_timeout: float | None = 60.0

    def argv(self) -> list[str]:
        """The command line that starts the server."""
        return [self.command, *self.args]


def _pylsp_command() -> str:
    """``pylsp`` next to this interpreter (the venv ``.[dev]`` installs it in), else on PATH."""
    here = os.path.join(os.path.dirname(sys.executable), "pylsp")
    if os.access(here, os.X_OK):
        return here
    return shutil.which("pylsp") or "pylsp"


def default_servers() -> dict[str, ServerConfig]:
    """The servers used when none are configured: ``python`` -> ``pylsp`` (python-lsp-server)."""
    return {"python": ServerConfig(command=_pylsp_command(), language_id="python")}


#: The default configuration, computed at import (see :func:`default_servers`).
DEFAULT_SERVERS: dict[str, ServerConfig] = default_servers()

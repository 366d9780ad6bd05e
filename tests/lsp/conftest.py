"""Fixtures for the LSP tests: a client on a temporary workspace, always shut down, and a
recorder of what the servers publish."""

from __future__ import annotations

import os
import shutil
import sys
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from symphony.lsp import Diagnostic, LanguageClient, ServerConfig, default_servers

HERE = os.path.dirname(os.path.abspath(__file__))
FAKE_SERVER = os.path.join(HERE, "fake_server.py")


class Published:
    """Diagnostics as the client delivers them, per URI (the latest list), thread-safe."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.by_uri: dict[str, list[Diagnostic]] = {}
        self.messages: list[tuple[str, Any]] = []

    def __call__(self, uri: str, diagnostics: list[Diagnostic]) -> None:
        with self.lock:
            self.by_uri[uri] = diagnostics

    def message(self, method: str, params: Any) -> None:
        with self.lock:
            self.messages.append((method, params))

    def get(self, uri: str) -> list[Diagnostic] | None:
        with self.lock:
            return self.by_uri.get(uri)


def pylsp_config() -> ServerConfig:
    config = default_servers()["python"]
    if not (os.access(config.command, os.X_OK) or shutil.which(config.command)):
        pytest.skip("pylsp (python-lsp-server, in the [dev] extra) is not installed")
    return config


@pytest.fixture
def published() -> Published:
    return Published()


@pytest.fixture
def client(tmp_path, published, no_leaked_threads) -> Iterator[LanguageClient]:
    """A client with pylsp for "python", rooted at tmp_path."""
    c = LanguageClient({"python": pylsp_config()}, root=str(tmp_path), on_diagnostics=published,
                       on_message=published.message, timeout=30)
    try:
        yield c
    finally:
        c.shutdown()


def fake_client(tmp_path, published: Published, mode: str, *, once: bool = False,
                config: dict[str, Any] | None = None, **kwargs: Any) -> LanguageClient:
    """A client whose "fake" language is tests/lsp/fake_server.py in ``mode`` (``once``: only its
    first process misbehaves; restarts behave); ``config`` overrides ``ServerConfig`` fields."""
    args = [FAKE_SERVER, mode] + ([str(tmp_path / "starts")] if once else [])
    options: dict[str, Any] = {"backoff": 0.01, "max_backoff": 0.05, "settings": {"fake": {"option": 42}},
                               "request_timeout": None, **(config or {})}
    server = ServerConfig(command=sys.executable, args=tuple(args), **options)
    return LanguageClient({"fake": server}, root=str(tmp_path), on_diagnostics=published,
                          on_message=published.message, timeout=30, **kwargs)

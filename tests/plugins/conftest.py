"""Fixtures for the plugin host tests: plugin directories holding the raw-JSON test plugin, and a
core (``XiCore`` with a ``PluginHost``) whose frontend notifications are recorded."""

from __future__ import annotations

import json
import os
import stat
import sys
import threading
from typing import Any

import pytest

from symphony.plugins import Budget, PluginHost
from symphony.rpc import XiCore
from symphony.text.editor import BufferActor
from tests.conftest import wait_until


class RecordingBufferActor(BufferActor):
    """The real buffer actor, also recording each ``plugin_*`` message it is sent, for the
    tests to read with ``ask("plugin_log")``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.plugin_log: list[tuple[str, Any]] = []

    def on_receive(self, message: Any) -> Any:
        if message.kind == "plugin_log":
            return list(self.plugin_log)
        if message.kind.startswith("plugin_"):
            self.plugin_log.append((message.kind, message.payload))
        return super().on_receive(message)


RAW_PLUGIN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "raw_plugin.py")


def make_plugin(root: str, name: str, mode: str = "normal", manifest_extra: str = "",
                activations: str = '["autorun"]', scope: str = "global") -> str:
    """A plugin directory ``root/name`` running raw_plugin.py in ``mode``; its log path."""
    directory = os.path.join(root, name)
    os.makedirs(directory, exist_ok=True)
    log = os.path.join(directory, "log.jsonl")
    script = os.path.join(directory, "run.sh")
    with open(script, "w") as f:
        f.write(f"#!/bin/sh\nexec {sys.executable} {RAW_PLUGIN} {mode} {log}\n")
    os.chmod(script, os.stat(script).st_mode | stat.S_IEXEC)
    with open(os.path.join(directory, "manifest.toml"), "w") as f:
        f.write(f'name = "{name}"\nversion = "0.1.0"\nexec_path = "./run.sh"\nscope = "{scope}"\n'
                f"activations = {activations}\n{manifest_extra}")
    return log


def read_log(log: str) -> list[dict[str, Any]]:
    """What the plugin logged so far (whole lines only)."""
    try:
        with open(log, encoding="utf-8") as f:
            data = f.read()
    except FileNotFoundError:
        return []
    return [json.loads(line) for line in data.splitlines(keepends=True) if line.endswith("\n")]


class Sent:
    """The frontend's side: every notification the core sends."""

    def __init__(self) -> None:
        self.items: list[tuple[str, Any]] = []
        self.lock = threading.Lock()

    def __call__(self, method: str, params: Any) -> None:
        with self.lock:
            self.items.append((method, params))

    def of(self, method: str) -> list[Any]:
        with self.lock:
            return [p for m, p in self.items if m == method]


class Core:
    """A core with a plugin host, as ``symphony serve --plugin-dir DIR`` builds it."""

    def __init__(self, node: Any, plugin_dir: str, budget: Budget, monkeypatch: Any, entry_points: bool = False) -> None:
        monkeypatch.setattr("symphony.rpc._core.BufferActor", RecordingBufferActor)
        self.sent = Sent()
        self.core = XiCore(self.sent, node=node, plugins=lambda n: PluginHost(
            n, plugin_dirs=[plugin_dir], entry_points=entry_points, user_dirs=False, budget=budget))
        self.host: PluginHost = self.core.plugins  # type: ignore[assignment]

    def start(self) -> None:
        self.core.call("client_started", {})

    def open(self, path: str | None = None) -> str:
        answer = self.core.call("new_view", {"file_path": path} if path else {})
        answer.then()
        return answer.result

    def edit(self, view: str, method: str, params: Any = None) -> None:
        self.core.handle_notification("edit", {"view_id": view, "method": method, "params": params or {}})

    def text(self, view: str) -> str:
        return str(self.core.views[view].ask("snapshot"))

    def rpc(self, view: str, receiver: str, method: str, params: Any) -> None:
        self.core.handle_notification("plugin", {"command": "plugin_rpc", "view_id": view, "receiver": receiver,
                                                 "rpc": {"method": method, "params": params,
                                                         "rpc_type": "notification"}})

    def send_raw(self, view: str, receiver: str, line: str) -> None:
        self.rpc(view, receiver, "send", {"line": line})

    def close(self) -> None:
        self.core.close()


@pytest.fixture
def make_core(node, tmp_path, monkeypatch):
    cores: list[Core] = []

    def make(budget: Budget | None = None, entry_points: bool = False) -> Core:
        core = Core(node, str(tmp_path / "plugins"), budget or Budget(backoff=0.01), monkeypatch, entry_points)
        cores.append(core)
        return core

    yield make
    for core in cores:
        core.close()


def docs(log: str, view: str) -> list[tuple[int, str]]:
    """The (rev, text) the plugin rebuilt for ``view``, in order."""
    return [(e["rev"], e["text"]) for e in read_log(log) if e.get("doc") == view]


def received(log: str, method: str) -> list[dict[str, Any]]:
    """The messages called ``method`` the plugin got."""
    return [e["in"] for e in read_log(log) if "in" in e and e["in"].get("method") == method]


__all__ = ["Core", "docs", "make_plugin", "read_log", "received", "wait_until"]

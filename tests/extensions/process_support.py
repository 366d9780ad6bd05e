"""Helpers for the tests of out-of-process extensions (test_process*.py): a manifest with the
fields ``ProcessExtension`` reads, a ``serve`` dispatcher that really serves files from a
workspace and refuses what is not granted, and small extensions written in Python."""

from __future__ import annotations

import os
import sys
import textwrap
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from symphony.errors import PermissionDenied
from symphony.extensions._process import ProcessExtension

from tests.conftest import wait_until

__all__ = ["BASE", "Host", "Manifest", "gone", "wait_until"]


@dataclass(frozen=True)
class Manifest:
    """The fields of ``ExtensionManifest`` that ``ProcessExtension`` uses."""

    id: str
    exec: tuple[str, ...]
    root: Path
    permissions: frozenset[str] = frozenset()
    version: str = "1.0.0"
    kind: str = "operator"


#: The start of every test extension: JSON lines on stdio, ``request`` (a service of the host,
#: answered synchronously), ``notify``, and ``main(handlers)``, which answers each request with
#: its handler's result (or an error with the message of what it raised).
BASE = r'''
import json, os, sys, time
_pending = []
_ids = iter(range(10**6, 10**7))


def send(msg):
    sys.stdout.write(json.dumps(msg) + "\n")
    sys.stdout.flush()


def raw(text):
    sys.stdout.write(text)
    sys.stdout.flush()


def read():
    line = sys.stdin.readline()
    if not line:
        sys.exit(0)
    return json.loads(line)


def request(method, params):
    """The host's answer to service request ``method``: {"result": ...} or {"error": ...}."""
    i = next(_ids)
    send({"jsonrpc": "2.0", "id": i, "method": method, "params": params})
    while True:
        msg = read()
        if msg.get("id") == i and "method" not in msg:
            return msg
        _pending.append(msg)


def notify(method, params):
    send({"jsonrpc": "2.0", "method": method, "params": params})


def first_time(name):
    """True the first time it is asked in this extension's life (a marker in its private HOME)."""
    marker = os.path.join(os.environ["HOME"], name)
    if os.path.exists(marker):
        return False
    open(marker, "w").close()
    return True


def main(handlers):
    handlers = {"initialize": lambda p: {}, "shutdown": lambda p: None, "deactivate": lambda p: None,
                **handlers}
    while True:
        msg = _pending.pop(0) if _pending else read()
        if "method" not in msg:
            continue
        handler = handlers.get(msg["method"])
        answer = {"jsonrpc": "2.0", "id": msg.get("id")}
        try:
            if handler is None:
                raise LookupError("no method " + msg["method"])
            answer["result"] = handler(msg.get("params"))
        except Exception as exc:
            answer["error"] = {"code": -32000, "message": str(exc)}
        if "id" in msg:
            send(answer)
        if msg["method"] == "shutdown":
            sys.exit(0)
'''


def gone(pid: int) -> bool:
    """Whether no process ``pid`` exists (not even a zombie)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


@dataclass
class Host:
    """Builds extensions under ``tmp`` and stops every one it built."""

    tmp: Path
    events: list[dict[str, Any]] = field(default_factory=list)
    served: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    built: list[ProcessExtension] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def workspace(self) -> Path:
        path = self.tmp / "workspace"
        path.mkdir(exist_ok=True)
        return path

    def on_event(self, event: dict[str, Any]) -> None:
        with self.lock:
            self.events.append(event)

    def kinds(self, name: str) -> list[dict[str, Any]]:
        with self.lock:
            return [e for e in self.events if e["event"] == name]

    def serve_for(self, permissions: frozenset[str]):
        """A dispatcher like the host's: files in the workspace, checked against ``permissions``."""

        def serve(method: str, params: dict[str, Any]) -> Any:
            with self.lock:
                self.served.append((method, params))
            if method == "files/read":
                if "files:read" not in permissions:
                    raise PermissionDenied(f"files/read needs the permission files:read")
                return {"text": (self.workspace / params["path"]).read_text()}
            if method == "files/write":
                if "files:write" not in permissions:
                    raise PermissionDenied(f"files/write needs the permission files:write")
                (self.workspace / params["path"]).write_text(params["text"])
                return {}
            if method in ("log", "status/set"):
                return None
            raise LookupError(f"no service {method}")

        return serve

    def make(self, code: str, *, ext_id: str = "test.ext", permissions: frozenset[str] = frozenset(),
             argv: tuple[str, ...] | None = None, start: bool = True, serve: Any = None,
             **options: Any) -> ProcessExtension:
        """An extension running ``BASE + code`` (dedented) with this interpreter, started unless told,
        served by ``serve`` (by default :meth:`serve_for` its permissions)."""
        root = self.tmp / f"{ext_id}-{len(self.built)}"
        root.mkdir()
        (root / "main.py").write_text(BASE + textwrap.dedent(code))
        manifest = Manifest(ext_id, argv or (sys.executable, "main.py"), root, permissions)
        ext = ProcessExtension(manifest, serve=serve or self.serve_for(permissions), on_event=self.on_event,
                               workspace=self.workspace, **options)
        self.built.append(ext)
        if start:
            ext.start()
        return ext

    def close(self) -> None:
        for ext in self.built:
            ext.stop()


def host_fixture(tmp_path: Path) -> Iterator[Host]:
    host = Host(tmp_path)
    try:
        yield host
    finally:
        host.close()

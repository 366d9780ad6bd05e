"""``serve(ctx, method, params)``: the JSON-RPC services an out-of-process extension asks
for, mapped onto the same permission-checked handles (a real store, pool and workspace)."""

from __future__ import annotations

import base64
import functools
import sys

import pytest

from symphony.artifacts import ArtifactStore
from symphony.errors import ExtensionError, ExtensionNotFound, PermissionDenied
from symphony.extensions import ExtensionContext, parse_extension_manifest, serve
from symphony.extensions._events import Emitter
from symphony.extensions._serve import METHODS
from symphony.pool import Pool

ALL = ["artifacts:read", "artifacts:write", "files:read", "files:write", "models", "process:run"]


@pytest.fixture
def world(tmp_path, node):
    store = ArtifactStore(tmp_path / "store", node=node)
    pool = Pool(node, prewarm=False)
    pool.register("double", lambda x: [2 * v for v in x])
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "a.txt").write_text("alpha")
    yield store, pool, ws
    pool.close()
    store.close()


def context(world, permissions, events, statuses):
    store, pool, ws = world
    manifest = parse_extension_manifest({
        "id": "test.rpc", "version": "1.0.0", "kind": "motif", "api": ">=1.0", "exec": ["node", "main.js"],
        "permissions": permissions,
        "motif": {"status_items": [{"id": "rpc.status"}]}}, None)
    emit = Emitter(None, events.append)
    ctx = ExtensionContext(manifest, emit=emit, publish=emit.publish, workspace=ws, store=store, pool=pool,
                           set_status=lambda ext, item, text: statuses.append((ext, item, text)))
    return functools.partial(serve, ctx)


def test_every_service_with_its_permission(world):
    store, _, ws = world
    events: list[dict] = []
    statuses: list[tuple] = []
    call = context(world, ALL, events, statuses)
    assert call("files/read", {"path": "a.txt"}) == {"text": "alpha"}
    assert call("files/write", {"path": "b.txt", "text": "beta"}) == {}
    assert (ws / "b.txt").read_text() == "beta"
    assert call("files/list", {}) == {"entries": ["a.txt", "b.txt"]}
    text = call("artifacts/put", {"text": "hello world", "name": "greeting", "metadata": {"k": "v"}})["digest"]
    binary = call("artifacts/put", {"base64": base64.b64encode(b"\xff\x00").decode(), "parents": [text]})["digest"]
    assert call("artifacts/get", {"digest": text}) == {"text": "hello world"}
    assert call("artifacts/get", {"digest": binary}) == {"base64": base64.b64encode(b"\xff\x00").decode()}
    assert store.lineage(binary)[binary] == [text]
    assert [h["digest"] for h in call("artifacts/search", {"query": "hello", "limit": 5})["hits"]] == [text]
    assert call("models/call", {"model": "double", "input": [1, 2]}) == {"output": [2, 4]}
    out = call("process/run", {"argv": [sys.executable, "-c", "print(input())"], "timeout": 30, "input": "hi"})
    assert out == {"returncode": 0, "stdout": "hi\n", "stderr": ""}
    assert call("log", {"level": "warning", "message": "m"}) is None
    assert call("status/set", {"item": "rpc.status", "text": "done"}) is None
    assert statuses == [("test.rpc", "rpc.status", "done")]
    assert events == []


@pytest.mark.parametrize(("method", "params", "permission"), [
    ("files/read", {"path": "a.txt"}, "files:read"),
    ("files/write", {"path": "c.txt", "text": "x"}, "files:write"),
    ("files/list", {}, "files:read"),
    ("artifacts/get", {"digest": "0" * 32}, "artifacts:read"),
    ("artifacts/put", {"text": "x"}, "artifacts:write"),
    ("artifacts/search", {"query": "x"}, "artifacts:read"),
    ("models/call", {"model": "double", "input": [1]}, "models"),
    ("process/run", {"argv": ["true"]}, "process:run"),
    ("status/set", {"item": "undeclared", "text": "x"}, "status"),
])
def test_each_service_without_its_permission(world, method, params, permission):
    store, pool, ws = world
    events: list[dict] = []
    statuses: list[tuple] = []
    granted = [p for p in ALL if p != permission]
    call = context(world, granted, events, statuses)
    with pytest.raises(PermissionDenied):
        call(method, params)
    assert [(e["event"], e["permission"]) for e in events] == [("permission_denied", permission)]
    assert not (ws / "c.txt").exists() and store.digests() == [] and statuses == []
    assert pool.statistics()["models"] == []


def test_bad_requests(world):
    call = context(world, ALL, [], [])
    with pytest.raises(ExtensionNotFound, match="no service 'files/delete'"):
        call("files/delete", {})
    for method, params in [("files/read", {}), ("files/read", {"path": 3}), ("files/read", ["a.txt"]),
                           ("artifacts/put", {}), ("artifacts/put", {"text": "a", "base64": "YQ=="}),
                           ("artifacts/put", {"base64": "***"}), ("artifacts/put", {"text": "a", "parents": [1]}),
                           ("artifacts/search", {"query": "a", "limit": 0}), ("models/call", {"model": "double"}),
                           ("process/run", {"argv": "ls"}), ("process/run", {"argv": ["true"], "timeout": -1}),
                           ("log", {"level": "info"})]:
        with pytest.raises(ExtensionError):
            call(method, params)


def test_the_methods_are_those_of_the_protocol():
    assert set(METHODS) == {"files/read", "files/write", "files/list", "artifacts/get", "artifacts/put",
                            "artifacts/search", "models/call", "process/run", "log", "status/set"}


def test_process_timeout_and_big_files(world, monkeypatch):
    from symphony.extensions import _context

    _, _, ws = world
    call = context(world, ALL, [], [])
    with pytest.raises(ExtensionError, match="did not finish within 0.2 s"):
        call("process/run", {"argv": [sys.executable, "-c", "import time; time.sleep(60)"], "timeout": 0.2})
    (ws / "big.txt").write_text("x" * 100)
    monkeypatch.setattr(_context, "MAX_FILE_BYTES", 64)
    with pytest.raises(ExtensionError, match="larger than"):
        call("files/read", {"path": "big.txt"})
    (ws / "latin.txt").write_bytes(b"\xff\xfe")
    monkeypatch.setattr(_context, "MAX_FILE_BYTES", 1 << 20)
    with pytest.raises(UnicodeDecodeError):
        call("files/read", {"path": "latin.txt"})

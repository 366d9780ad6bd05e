"""Permissions enforced, not only declared: each handle refuses what the manifest does not
grant, does nothing, and publishes a permission_denied event (to on_event and on the node's
bus). Real components: an ArtifactStore on tmp_path, a Pool, workspace files and symlinks."""

from __future__ import annotations

import os
import sys

import pytest

from symphony.artifacts import ArtifactStore
from symphony.errors import ExtensionFailed, PermissionDenied
from symphony.extensions import TOPIC
from symphony.pool import Pool

from .conftest import make_toml


@pytest.fixture
def store(tmp_path, node):
    s = ArtifactStore(tmp_path / "store", node=node)
    yield s
    s.close()


@pytest.fixture
def pool(node):
    p = Pool(node, prewarm=False)
    p.register("double", lambda x: 2 * x)
    yield p
    p.close()


@pytest.fixture
def workspace(tmp_path):
    ws = tmp_path / "ws"
    (ws / "sub").mkdir(parents=True)
    (ws / "notes.txt").write_text("inside")
    outside = tmp_path / "secret.txt"
    outside.write_text("outside")
    os.symlink(outside, ws / "link-out.txt")
    os.symlink(tmp_path, ws / "dir-out")
    os.symlink(ws / "notes.txt", ws / "link-in.txt")
    return ws


@pytest.fixture
def probe(tmp_path, write_ext, host, node, store, pool, workspace):
    """``probe(permissions) -> act(action, arg)``: a host with one probe instrument holding
    ``permissions``; ``act`` runs one action in it. ``probe.events`` holds what was published."""
    events: list[dict] = []
    bus: list[dict] = []
    node.subscribe(TOPIC, lambda topic, payload: bus.append(payload))

    def make(permissions):
        parent = tmp_path / f"exts-{len(os.listdir(tmp_path))}"
        write_ext(parent, "p", make_toml(id="test.perm", permissions=permissions))
        manager = host(dirs=[parent], workspace=workspace, store=store, pool=pool, on_event=events.append,
                       home=parent / "home")

        def act(action, arg=None):
            return manager.run_instrument("test.perm", {"kind": "probe", "input": {"action": action, "arg": arg}})

        return act

    make.events = events
    make.bus = bus
    return make


def denied(act, events, bus, permission, action, arg=None):
    """Run ``action``; assert it failed with PermissionDenied and was published once."""
    before = len(events)
    with pytest.raises(ExtensionFailed) as info:
        act(action, arg)
    assert isinstance(info.value.__cause__, PermissionDenied), info.value
    new = [e for e in events[before:] if e["event"] == "permission_denied"]
    assert len(new) == 1 and new[0]["extension"] == "test.perm" and new[0]["permission"] == permission
    assert new[0] in bus
    return new[0]


def test_write_without_files_write_writes_nothing(probe, workspace):
    act = probe(["files:read"])
    event = denied(act, probe.events, probe.bus, "files:write", "write", ["new.txt", "x"])
    assert "files:write" in event["detail"]
    assert not (workspace / "new.txt").exists()
    assert act("read", "notes.txt") == "inside"


def test_read_without_files_read(probe):
    act = probe(["files:write"])
    denied(act, probe.events, probe.bus, "files:read", "read", "notes.txt")
    denied(act, probe.events, probe.bus, "files:read", "list", ".")


def test_write_with_files_write(probe, workspace):
    act = probe(["files:write", "files:read"])
    act("write", ["sub/deeper/new.txt", "hello"])
    assert (workspace / "sub" / "deeper" / "new.txt").read_text() == "hello"
    assert act("list", "sub") == ["deeper/"]
    assert act("read", "link-in.txt") == "inside"  # a symlink that stays inside is fine


@pytest.mark.parametrize("path", ["../secret.txt", "sub/../../secret.txt", "/etc/passwd", "link-out.txt",
                                  "dir-out/secret.txt", "", "a\x00b"])
@pytest.mark.parametrize("action", ["read", "write"])
def test_paths_outside_the_workspace(probe, workspace, tmp_path, path, action):
    act = probe(["files:read", "files:write"])
    permission = "files:read" if action == "read" else "files:write"
    denied(act, probe.events, probe.bus, permission, action, path if action == "read" else [path, "pwned"])
    assert (tmp_path / "secret.txt").read_text() == "outside"
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_file()) == ["secret.txt"]


def test_put_without_artifacts_write_stores_nothing(probe, store):
    act = probe(["artifacts:read"])
    before = store.digests()
    denied(act, probe.events, probe.bus, "artifacts:write", "put", "payload")
    assert store.digests() == before == []
    assert store.names() == []


def test_artifacts_with_permissions(probe, store):
    act = probe(["artifacts:read", "artifacts:write"])
    digest = act("put", "some words to find")
    assert store.get(digest) == b"some words to find"
    assert store.names() == ["extensions/test.perm/out"]
    assert store.stat(digest).metadata["extension"] == "test.perm"
    assert act("get", digest) == "some words to find"
    assert [h["digest"] for h in act("search", "words")] == [digest]


def test_get_and_search_without_artifacts_read(probe, store):
    digest = store.put(b"private")
    act = probe(["artifacts:write"])
    denied(act, probe.events, probe.bus, "artifacts:read", "get", digest)
    denied(act, probe.events, probe.bus, "artifacts:read", "search", "private")


def test_model_call_without_models(probe, pool):
    act = probe([])
    denied(act, probe.events, probe.bus, "models", "model", ["double", 21])
    assert pool.statistics("double")["models"] == [] and pool.index()[0]["state"] == "UNKNOWN"  # never acquired
    granted = probe(["models"])
    assert granted("model", ["double", 21]) == 42


def test_process_without_process_run(probe, tmp_path, workspace):
    act = probe([])
    marker = workspace / "ran"
    denied(act, probe.events, probe.bus, "process:run", "process",
           [sys.executable, "-c", f"open({str(marker)!r}, 'w').write('x')"])
    assert not marker.exists()
    granted = probe(["process:run"])
    code, out, _ = granted("process", [sys.executable, "-c", "import os; print(os.getcwd())"])
    assert code == 0 and out.strip() == str(workspace)


def test_status_item_not_declared(tmp_path, write_ext, host):
    events: list[dict] = []
    write_ext(tmp_path / "e", "m", make_toml(id="test.m", kind="motif"))
    manager = host(dirs=[tmp_path / "e"], on_event=events.append)
    manager.run_command("probe.act", {"action": "status", "arg": ["probe.status", "busy"]})
    assert manager.status() == {"probe.status": "busy"}
    assert events[-1] == {"event": "status", "extension": "test.m", "item": "probe.status", "text": "busy",
                          "alignment": "left"}
    with pytest.raises(ExtensionFailed) as info:
        manager.run_command("probe.act", {"action": "status", "arg": ["other.item", "x"]})
    assert isinstance(info.value.__cause__, PermissionDenied)
    assert manager.status() == {"probe.status": "busy"}
    assert any(e["event"] == "permission_denied" and e["permission"] == "status" for e in events)


def test_no_workspace_means_no_files(tmp_path, write_ext, host):
    write_ext(tmp_path / "e", "p", make_toml(id="test.perm", permissions=["files:read"]))
    manager = host(dirs=[tmp_path / "e"])
    with pytest.raises(ExtensionFailed, match="no workspace"):
        manager.run_instrument("test.perm", {"kind": "probe", "input": {"action": "read", "arg": "x"}})

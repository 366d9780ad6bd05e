"""Lifecycle: every allowed and every refused transition; enable/disable persisted across a
new manager; lazy activation on activation events only; one actor per activated extension;
an extension that raises is FAILED with its reason while the host serves the others."""

from __future__ import annotations

import itertools
import json

import pytest

from symphony.errors import ExtensionFailed, ExtensionNotFound, ExtensionStateError
from symphony.extensions import ExtensionState
from symphony.extensions._states import ENABLED_STATES, TRANSITIONS, check_transition

from .conftest import make_toml

S = ExtensionState
ALLOWED = {(a, b) for a, targets in TRANSITIONS.items() for b in targets}


@pytest.mark.parametrize(("current", "target"), list(itertools.product(S, S)),
                         ids=[f"{a.value}->{b.value}" for a, b in itertools.product(S, S)])
def test_every_transition(current, target):
    if (current, target) in ALLOWED:
        check_transition("x.y", current, target)
    else:
        with pytest.raises(ExtensionStateError, match=f"is {current.value}; it cannot become {target.value}"):
            check_transition("x.y", current, target)


def test_the_documented_path_is_allowed():
    path = [S.INSTALLED, S.ENABLED, S.ACTIVATED, S.DEACTIVATED, S.DISABLED, S.UNINSTALLED]
    assert all((a, b) in ALLOWED for a, b in zip(path, path[1:]))
    assert (S.ACTIVATED, S.DISABLED) not in ALLOWED  # deactivated first
    assert (S.UNINSTALLED, S.ENABLED) not in ALLOWED


@pytest.fixture
def two(tmp_path, write_ext, host):
    """A host with two extensions: an instrument test.a and a motif test.m."""
    parent = tmp_path / "exts"
    write_ext(parent, "a", make_toml(id="test.a"))
    write_ext(parent, "m", make_toml(id="test.m", kind="motif"))
    events: list[dict] = []
    manager = host(dirs=[parent], on_event=events.append)
    manager.events = events
    return manager


def states(manager):
    return {i.id: i.state for i in manager.list()}


def run(manager, action="echo", arg=None, ext="test.a", **kw):
    return manager.run_instrument(ext, {"kind": "probe", "input": {"action": action, "arg": arg}}, **kw)


def test_discovered_extensions_start_enabled_and_inactive(two):
    assert states(two) == {"test.a": S.ENABLED, "test.m": S.ENABLED}
    assert all(i.activations == 0 for i in two.list())
    assert [n for n in two.node.names() if n.startswith("extension:")] == []


def test_lazy_activation_on_its_events_only(two):
    assert two.fire("onStartup") == [] and two.fire("onTask:other") == [] and two.fire("onCommand:x") == []
    assert states(two) == {"test.a": S.ENABLED, "test.m": S.ENABLED}
    assert two.fire("onTask:probe") == ["test.a"]
    assert states(two)["test.a"] is S.ACTIVATED and states(two)["test.m"] is S.ENABLED
    assert two.fire("onTask:probe") == []  # already active
    assert run(two, "echo", 5) == 5
    assert two.run_command("probe.act", {"action": "echo", "arg": "m"}) == "m"
    assert states(two) == {"test.a": S.ACTIVATED, "test.m": S.ACTIVATED}
    assert [e["extension"] for e in two.events if e["event"] == "activated"] == ["test.a", "test.m"]


def test_star_and_on_startup(tmp_path, write_ext, host):
    write_ext(tmp_path / "e", "s", make_toml(id="test.star", activation=["*"]))
    write_ext(tmp_path / "e", "u", make_toml(id="test.up", activation=["onStartup"]))
    manager = host(dirs=[tmp_path / "e"])
    assert manager.fire("onCommand:whatever") == ["test.star"]
    assert manager.fire("onStartup") == ["test.up"]


def test_each_activated_extension_has_its_own_actor(two):
    run(two)
    two.run_command("probe.act", {"action": "echo"})
    actors = [n for n in two.node.names() if n.startswith("extension:")]
    assert len(actors) == 2 and {a.split("#")[0] for a in actors} == {"extension:test.a", "extension:test.m"}
    # the two instances are different objects, each kept across calls
    first = run(two, "id")
    assert run(two, "id") == first != two.run_command("probe.act", {"action": "id"})
    assert run(two, "count") == 4


def test_deactivate_and_reactivate(two):
    run(two)
    two.deactivate("test.a")
    assert states(two)["test.a"] is S.DEACTIVATED
    assert not [n for n in two.node.names() if n.startswith("extension:test.a")]
    two.deactivate("test.a")  # nothing to do
    assert run(two, "count") == 1  # a fresh instance
    assert states(two)["test.a"] is S.ACTIVATED
    assert two.info("test.a").activations == 2


def test_disable_enable_persisted_across_managers(two, host, tmp_path):
    run(two)
    two.disable("test.a")
    assert states(two)["test.a"] is S.DISABLED
    saved = json.loads((tmp_path / "home" / "state.json").read_text())
    assert saved == {"format": 1, "extensions": {"test.a": {"enabled": False}}}
    with pytest.raises(ExtensionStateError, match="disabled; enable it first"):
        run(two)
    with pytest.raises(ExtensionStateError):
        two.activate("test.a")
    assert two.fire("onTask:probe") == []
    assert two.instruments() == []
    again = host(dirs=[tmp_path / "exts"])
    assert states(again) == {"test.a": S.DISABLED, "test.m": S.ENABLED}
    again.enable("test.a")
    assert states(again)["test.a"] is S.ENABLED
    third = host(dirs=[tmp_path / "exts"])
    assert states(third)["test.a"] is S.ENABLED and run(third, "echo", 1) == 1
    assert [e["event"] for e in two.events if e["extension"] == "test.a"] == [
        "activated", "deactivated", "disabled"]


def test_enable_and_disable_are_idempotent(two):
    two.enable("test.a")
    two.disable("test.a")
    two.disable("test.a")
    assert [e["event"] for e in two.events] == ["disabled"]


def test_unknown_id(two):
    for call in (two.info, two.enable, two.disable, two.activate, two.deactivate, two.uninstall):
        with pytest.raises(ExtensionNotFound, match="nope"):
            call("nope")


def test_activate_raises_failed_with_reason_and_others_serve(two, monkeypatch):
    monkeypatch.setenv("PROBE_ACTIVATE_RAISES", "test.a")
    with pytest.raises(ExtensionFailed, match="activate raised RuntimeError: activate refused on purpose") as info:
        run(two)
    assert info.value.extension == "test.a"
    snapshot = two.info("test.a")
    assert snapshot.state is S.FAILED and "activate refused on purpose" in snapshot.reason
    assert not [n for n in two.node.names() if n.startswith("extension:test.a")]
    assert two.run_command("probe.act", {"action": "echo", "arg": "still"}) == "still"
    assert any(e["event"] == "failed" and e["extension"] == "test.a" for e in two.events)
    monkeypatch.delenv("PROBE_ACTIVATE_RAISES")
    assert run(two, "echo", "recovered") == "recovered"  # its next activation starts afresh
    assert two.info("test.a").state is S.ACTIVATED


def test_a_call_that_raises(two):
    first = run(two, "id")
    with pytest.raises(ExtensionFailed, match="run raised ValueError: boom") as info:
        run(two, "raise", "boom")
    assert isinstance(info.value.__cause__, ValueError)
    snapshot = two.info("test.a")
    assert snapshot.state is S.FAILED and "boom" in snapshot.reason and snapshot.errors == 1
    assert two.run_command("probe.act", {"action": "echo", "arg": 1}) == 1  # the host serves the others
    assert run(two, "id") != first  # a fresh instance
    assert two.info("test.a").state is S.ACTIVATED and two.info("test.a").calls == 3


def test_a_hang_times_out(two):
    from symphony.errors import ExtensionTimeout

    with pytest.raises(ExtensionTimeout):
        run(two, "sleep", 1.0, timeout=0.05)
    assert two.info("test.a").state is S.FAILED
    assert run(two, "echo", "next") == "next"


def test_failed_can_be_disabled_and_enabled(two, monkeypatch):
    monkeypatch.setenv("PROBE_ACTIVATE_RAISES", "test.a")
    with pytest.raises(ExtensionFailed):
        two.activate("test.a")
    two.disable("test.a")
    assert states(two)["test.a"] is S.DISABLED
    two.enable("test.a")
    assert two.info("test.a").state is S.ENABLED and two.info("test.a").reason == ""


def test_install_uninstall(tmp_path, write_ext, host):
    source = write_ext(tmp_path / "src", "x", make_toml(id="test.installed"))
    events: list[dict] = []
    manager = host(on_event=events.append)
    manifest = manager.install(source)
    assert manifest.source == "installed" and manifest.root == tmp_path / "home" / "extensions" / "test.installed"
    assert (manifest.root / "probe.py").is_file() and manager.info("test.installed").state is S.ENABLED
    assert [e["event"] for e in events] == ["installed", "enabled"]
    assert [p.name for p in (tmp_path / "home" / "extensions").iterdir()] == ["test.installed"]
    with pytest.raises(ExtensionStateError, match="already installed"):
        manager.install(source)
    assert run(manager, "echo", 3, ext="test.installed") == 3
    again = host()  # a new host finds the installed copy
    assert again.info("test.installed").manifest.source == "installed"
    again.close()
    manager.uninstall("test.installed")
    assert not manifest.root.exists() and [i.id for i in manager.list()] == []
    assert events[-2:] == [{"event": "deactivated", "extension": "test.installed"},
                           {"event": "uninstalled", "extension": "test.installed"}]
    with pytest.raises(ExtensionNotFound):
        manager.enable("test.installed")


def test_install_refuses_bad_extensions_and_copies_nothing(tmp_path, write_ext, host):
    manager = host()
    bad = write_ext(tmp_path / "src", "bad", make_toml(id="test.bad", kind="nope"))
    with pytest.raises(Exception, match="'kind'"):
        manager.install(bad)
    newer = write_ext(tmp_path / "src", "newer", make_toml(id="test.newer", api=">=9"))
    from symphony.errors import ExtensionApiMismatch

    with pytest.raises(ExtensionApiMismatch):
        manager.install(newer)
    assert not (tmp_path / "home" / "extensions").exists() or list((tmp_path / "home" / "extensions").iterdir()) == []
    assert manager.list() == []


def test_only_installed_extensions_can_be_uninstalled(two):
    with pytest.raises(ExtensionStateError, match="extension directory"):
        two.uninstall("test.a")
    assert states(two)["test.a"] is S.ENABLED


def test_close(two):
    run(two)
    two.close()
    assert not [n for n in two.node.names() if n.startswith("extension:")]
    with pytest.raises(ExtensionStateError, match="closed"):
        run(two)
    two.close()


def test_enabled_states():
    assert ENABLED_STATES == {S.ENABLED, S.ACTIVATED, S.DEACTIVATED, S.FAILED}


def test_a_corrupt_state_file_is_reported_not_fatal(tmp_path, write_ext, host):
    write_ext(tmp_path / "exts", "a", make_toml(id="test.a"))
    (tmp_path / "home").mkdir()
    (tmp_path / "home" / "state.json").write_text("{not json")
    manager = host(dirs=[tmp_path / "exts"])
    assert any("not a Symphony extension state file" in str(e) for e in manager.errors)
    assert states(manager) == {"test.a": S.ENABLED}
    manager.disable("test.a")
    assert json.loads((tmp_path / "home" / "state.json").read_text())["extensions"] == {"test.a": {"enabled": False}}


def test_a_failing_event_callback_does_not_break_the_host(tmp_path, write_ext, host, node):
    write_ext(tmp_path / "exts", "a", make_toml(id="test.a"))
    seen: list[dict] = []
    node.subscribe("symphony.extensions", lambda topic, event: seen.append(event))

    def broken(event):
        raise RuntimeError("subscriber bug")

    manager = host(dirs=[tmp_path / "exts"], on_event=broken)
    assert run(manager, "echo", 1) == 1
    manager.disable("test.a")
    assert [e["event"] for e in seen] == ["activated", "deactivated", "disabled"]

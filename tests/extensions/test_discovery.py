"""Discovery: entry points of a real installed distribution (a dist-info on sys.path, read by
importlib.metadata as any installed package is) and extension directories; an extension
refused for its API version or manifest is never imported."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from symphony.errors import ExtensionApiMismatch, ExtensionError, ExtensionManifestError
from symphony.extensions import GROUPS, ExtensionState
from symphony.extensions._discovery import discover_dirs, discover_entry_points

from .conftest import PROBE, make_toml

#: A module that records that it was imported (a file beside it), then refuses to load.
CANARY = '''
from pathlib import Path
Path(__file__).with_name("IMPORTED").write_text("imported")
raise RuntimeError("this module must never be imported")
'''


def install_dist(site: Path, package: str, entries: dict[str, dict[str, str]], toml: str | None,
                 module: str = PROBE, extra_files: dict[str, str] | None = None) -> Path:
    """A distribution ``package`` 1.0 in ``site`` as pip leaves it: the package, its
    ``extension.toml``, and a dist-info with METADATA, entry_points.txt and RECORD."""
    pkg = site / package
    pkg.mkdir(parents=True)
    files = {f"{package}/__init__.py": module, **(extra_files or {})}
    if toml is not None:
        files[f"{package}/extension.toml"] = toml
    for rel, text in files.items():
        (site / rel).parent.mkdir(parents=True, exist_ok=True)
        (site / rel).write_text(text)
    info = site / f"{package}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {package}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("".join(
        f"[{group}]\n" + "".join(f"{name} = {value}\n" for name, value in eps.items()) + "\n"
        for group, eps in entries.items()))
    record = [*files, f"{info.name}/METADATA", f"{info.name}/entry_points.txt", f"{info.name}/RECORD"]
    (info / "RECORD").write_text("".join(f"{r},,\n" for r in record))
    return pkg


@pytest.fixture
def site(tmp_path, monkeypatch):
    path = tmp_path / "site"
    path.mkdir()
    monkeypatch.syspath_prepend(str(path))
    before = set(sys.modules)
    yield path
    for name in set(sys.modules) - before:
        if name.startswith(("good_ext", "canary_ext", "other_ext")):
            del sys.modules[name]


def test_groups():
    assert GROUPS == {"symphony.instruments": "instrument", "symphony.operators": "operator",
                      "symphony.motifs": "motif"}


def test_an_installed_distribution_is_found_without_importing_it(site, host):
    pkg = install_dist(site, "good_ext", {"symphony.instruments": {"test.good": "good_ext:Probe"}},
                       make_toml(id="test.good", entry=None), module=CANARY.replace("raise", "pass  #"))
    found, errors = discover_entry_points()
    mine = [m for m in found if m.id == "test.good"]
    assert len(mine) == 1 and not [e for e in errors if "good_ext" in str(e)]
    manifest = mine[0]
    assert (manifest.source, manifest.entry, manifest.root, manifest.kind) == (
        "entry_point", "good_ext:Probe", pkg, "instrument")
    assert not (pkg / "IMPORTED").exists() and "good_ext" not in sys.modules
    manager = host(entry_points=True)
    assert manager.info("test.good").state is ExtensionState.ENABLED
    assert not (pkg / "IMPORTED").exists()


def test_an_installed_extension_runs(site, host):
    install_dist(site, "good_ext", {"symphony.operators": {"test.good-op": "good_ext:Probe"}},
                 make_toml(id="test.good-op", kind="operator", entry=None))
    manager = host(entry_points=True)
    assert manager.call_operator("probe", {"request": {"action": "echo", "arg": 7}}) == 7
    assert "good_ext" in sys.modules  # imported by its own name, as installed


def test_api_mismatch_is_refused_before_import(site, host, tmp_path, write_ext):
    pkg = install_dist(site, "canary_ext", {"symphony.motifs": {"test.canary": "canary_ext:Probe"}},
                       make_toml(id="test.canary", kind="motif", entry=None, api=">=2.0",
                                 activation=["*"]), module=CANARY)
    directory = write_ext(tmp_path / "exts", "canary-dir", make_toml(id="test.canary-dir", api="<1.0",
                                                                     activation=["*"]), {"probe.py": CANARY})
    events: list[dict] = []
    manager = host(dirs=[tmp_path / "exts"], entry_points=True, on_event=events.append)
    mismatches = [e for e in manager.errors if isinstance(e, ExtensionApiMismatch)]
    assert {("canary_ext" in str(e) or "canary-dir" in str(e)) for e in mismatches} == {True}
    assert len([e for e in mismatches if "test.canary" in str(e)]) == 2
    assert "this host provides 1.0" in str(mismatches[0])
    assert "test.canary" not in [i.id for i in manager.list()]
    assert manager.fire("onStartup") == [] and manager.fire("anything") == []
    assert not (pkg / "IMPORTED").exists() and not (directory / "IMPORTED").exists()
    assert "canary_ext" not in sys.modules
    assert sum(1 for e in events if e["event"] == "refused" and "test.canary" in e["reason"]) == 2


@pytest.mark.parametrize(("group", "name", "toml", "needle"), [
    ("symphony.instruments", "test.other", make_toml(id="test.named-otherwise", entry=None), "'id'"),
    ("symphony.operators", "test.other", make_toml(id="test.other", entry=None), "'kind'"),
    ("symphony.instruments", "test.other", make_toml(id="test.other", entry="other_ext:Else"), "'entry'"),
    ("symphony.instruments", "test.other", make_toml(id="test.other", entry=None, exec=["node", "x.js"]), "'exec'"),
    ("symphony.instruments", "test.other", None, "no extension.toml"),
    ("symphony.instruments", "test.other", make_toml(id="test.other", entry=None, version="x"), "'version'"),
])
def test_entry_point_that_disagrees_with_its_manifest(site, group, name, toml, needle):
    install_dist(site, "other_ext", {group: {name: "other_ext:Probe"}}, toml, module=CANARY)
    found, errors = discover_entry_points()
    assert name not in [m.id for m in found]
    mine = [e for e in errors if "test.other" in str(e) or "other_ext" in str(e)]
    assert len(mine) == 1 and isinstance(mine[0], ExtensionManifestError), errors
    assert needle in str(mine[0])
    assert "other_ext" not in sys.modules


def test_directories(tmp_path, write_ext):
    parent = tmp_path / "exts"
    write_ext(parent, "a", make_toml(id="test.a"))
    write_ext(parent, "b", make_toml(id="test.b", kind="widget"))
    write_ext(parent, ".hidden", make_toml(id="test.hidden"))
    (parent / "not-an-extension").mkdir()
    single = write_ext(tmp_path, "single", make_toml(id="test.single"))
    found, errors = discover_dirs([parent, single, tmp_path / "missing"])
    assert sorted(m.id for m in found) == ["test.a", "test.single"]
    assert len(errors) == 1 and "'kind'" in str(errors[0]) and str(parent / "b") in str(errors[0])


def test_duplicate_ids_keep_the_first(tmp_path, write_ext, host):
    write_ext(tmp_path / "one", "x", make_toml(id="test.same", version="1.0.0"))
    write_ext(tmp_path / "two", "x", make_toml(id="test.same", version="2.0.0"))
    manager = host(dirs=[tmp_path / "one", tmp_path / "two"])
    assert manager.info("test.same").manifest.version == "1.0.0"
    assert any(isinstance(e, ExtensionError) and "already provided" in str(e) for e in manager.errors)


def test_rescan_adds_changes_and_forgets(tmp_path, write_ext, host):
    parent = tmp_path / "exts"
    write_ext(parent, "a", make_toml(id="test.a"))
    manager = host(dirs=[parent])
    manager.activate("test.a")
    write_ext(parent, "b", make_toml(id="test.b"))
    (parent / "a" / "extension.toml").write_text(make_toml(id="test.a", version="1.1.0"))
    assert manager.scan() == []
    assert [(i.id, i.manifest.version, i.state) for i in manager.list()] == [
        ("test.a", "1.1.0", ExtensionState.ENABLED), ("test.b", "1.0.0", ExtensionState.ENABLED)]
    (parent / "b" / "extension.toml").unlink()
    manager.scan()
    assert [i.id for i in manager.list()] == ["test.a"]

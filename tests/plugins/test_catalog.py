"""Discovery: manifests read from plugin directories, bad ones recorded (never a crash), entry points."""

from __future__ import annotations

import sys

import pytest

from symphony.errors import ManifestError
from symphony.plugins import PluginCatalog, default_plugin_dirs, parse_manifest, read_manifest

GOOD = '''
name = "syntect"
version = "0.1.0"
exec_path = "./bin/plugin"
scope = "buffer_local"
activations = ["autorun", {on_syntax = "Rust"}, "on_command"]

[[commands]]
title = "Sort"
description = "Sort lines"
rpc_cmd = {method = "sort", params = {}, rpc_type = "notification"}
args = [{title = "Reverse", description = "", key = "rev", arg_type = "Bool"}]

[[languages]]
name = "Rust"
extensions = ["rs"]
'''


def write(directory, text):
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "manifest.toml").write_text(text)
    return str(directory / "manifest.toml")


def test_a_manifest_as_xi_writes_it(tmp_path):
    m = read_manifest(write(tmp_path / "syntect", GOOD))
    assert (m.name, m.version, m.scope) == ("syntect", "0.1.0", "buffer_local")
    assert m.argv == (str(tmp_path / "syntect" / "bin" / "plugin"),)
    assert m.autorun and m.on_command and m.on_syntax == ("Rust",)
    assert m.commands[0]["rpc_cmd"] == {"method": "sort", "params": {}, "rpc_type": "notification"}
    assert m.commands[0]["args"][0]["arg_type"] == "Bool"
    assert m.languages == ({"name": "Rust", "extensions": ["rs"]},)
    assert m.activates_for("Rust") and m.activates_for("Plain Text")


@pytest.mark.parametrize("text, words", [
    ("name = ", "not TOML"),
    ('version = "1"\nexec_path = "x"', "'name'"),
    ('name = "a"\n', "'exec_path'"),
    ('name = 3\nexec_path = "x"', "'name'"),
    ('name = "a"\nexec_path = "../../bin/sh"', "outside"),
    ('name = "a"\nexec_path = "/bin/sh"', "outside"),
    ('name = "a"\nexec_path = "x"\nscope = "world"', "scope"),
    ('name = "a"\nexec_path = "x"\nactivations = ["sometimes"]', "activation"),
    ('name = "a"\nexec_path = "x"\nactivations = "autorun"', "activations"),
    ('name = "a"\nexec_path = "x"\ncommands = [{title = "t"}]', "rpc_cmd"),
    ('name = "a"\nexec_path = "x"\n[[commands]]\ntitle = "t"\nrpc_cmd = {method = "m"}\n'
     'args = [{key = "k", arg_type = "Float"}]', "arg_type"),
    ('name = "a"\nexec_path = "x"\nlanguages = [{extensions = []}]', "languages"),
])
def test_a_bad_manifest_is_a_manifest_error(tmp_path, text, words):
    with pytest.raises(ManifestError, match=words):
        read_manifest(write(tmp_path / "p", text))


def test_parse_manifest_refuses_what_is_not_a_table(tmp_path):
    with pytest.raises(ManifestError):
        parse_manifest([1, 2], str(tmp_path))


def test_discovery_records_bad_manifests_and_keeps_the_rest(tmp_path):
    root = tmp_path / "plugins"
    write(root / "good", GOOD)
    write(root / "bad", "name = [")
    (root / "not-a-plugin").mkdir()
    (root / "stray-file").write_text("x")
    override = tmp_path / "override"
    write(override, GOOD.replace('version = "0.1.0"', 'version = "0.2.0"'))  # a directory that is one plugin
    catalog = PluginCatalog()
    catalog.load_dirs([str(root), str(tmp_path / "missing"), str(override)])
    assert catalog.names() == ["syntect"]
    assert catalog.get("syntect").version == "0.2.0"  # found later: replaces
    [(where, error)] = catalog.errors
    assert where.endswith("bad/manifest.toml") and isinstance(error, ManifestError)


def test_entry_points_run_through_the_sdk(tmp_path, monkeypatch):
    dist = tmp_path / "demo_plugin-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: demo-plugin\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[symphony.plugins]\ndemo = demo_mod:Demo\nbroken = not a value\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    catalog = PluginCatalog()
    catalog.load_entry_points()
    demo = catalog.get("demo")
    assert demo is not None and demo.version == "1.0" and demo.autorun
    assert demo.argv == (sys.executable, "-m", "symphony.plugins.sdk", "demo_mod:Demo")
    assert [w for w, _ in catalog.errors] == ["entry point broken"]


def test_default_dirs_follow_xdg(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert default_plugin_dirs("/cfg") == [str(tmp_path / "symphony" / "plugins"), "/cfg/plugins"]

"""extension.toml: every field checked, every bad one a clear error naming the file and the
field; hostile input refused; the JSON round trip; the API version range."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from symphony.errors import ExtensionApiMismatch, ExtensionManifestError
from symphony.extensions import (
    API_VERSION,
    ExtensionManifest,
    check_api,
    parse_extension_manifest,
    read_extension_manifest,
)
from symphony.extensions._manifest import MAX_DEPTH, MAX_MANIFEST_BYTES, parse_api_range

from .conftest import PROBE, SECTIONS, make_toml

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "extensions"


def refused(tmp_path: Path, toml: str | bytes, *needles: str, files: dict[str, str] | None = None) -> str:
    """Write an extension with ``toml``, read it, assert the refusal names the file and every needle."""
    directory = tmp_path / "ext"
    directory.mkdir(exist_ok=True)
    path = directory / "extension.toml"
    path.write_bytes(toml if isinstance(toml, bytes) else toml.encode("utf-8"))
    for name, text in (files if files is not None else {"probe.py": PROBE}).items():
        (directory / name).write_text(text)
    with pytest.raises(ExtensionManifestError) as info:
        read_extension_manifest(directory)
    message = str(info.value)
    assert str(path) in message, message
    for needle in needles:
        assert needle in message, message
    return message


def test_the_examples_read(tmp_path):
    iris = read_extension_manifest(EXAMPLES / "iris-instrument")
    assert (iris.id, iris.kind, iris.entry, iris.exec) == ("symphony.iris-instrument", "instrument",
                                                           "iris_instrument:Instrument", None)
    assert iris.activation == ("onTask:classify",) and iris.permissions == frozenset({"models"})
    assert iris.instrument == {"tasks": ["classify"], "inputs": {"features": "list"},
                               "outputs": {"label": "str", "score": "float"}, "cost": 1.0}
    assert not iris.out_of_process and iris.source == "dir" and iris.root == EXAMPLES / "iris-instrument"
    words = read_extension_manifest(EXAMPLES / "word-stats-motif" / "extension.toml")
    assert words.activation == ("onCommand:wordstats.count",)
    assert words.motif is not None and words.motif["status_items"] == [
        {"id": "wordstats.words", "text": "words: ?", "alignment": "right"}]


@pytest.mark.parametrize("kind", ["instrument", "operator", "motif"])
def test_json_round_trip(tmp_path, kind):
    section = SECTIONS[kind]
    if kind == "motif":
        section += ('panels = [{id = "probe.panel", title = "Panel"}]\n'
                    'keybindings = [{command = "probe.act", key = "ctrl+p"}]\n'
                    'decorations = [{id = "probe.long", scope = "invalid"}]\n')
    directory = tmp_path / "ext"
    directory.mkdir()
    (directory / "probe.py").write_text(PROBE)
    (directory / "extension.toml").write_text(make_toml(
        section=section, kind=kind, permissions=["files:read", "models"], name="Probe", description="d"))
    manifest = read_extension_manifest(directory)
    data = json.loads(json.dumps(manifest.to_json()))
    assert parse_extension_manifest(data, directory) == manifest
    assert parse_extension_manifest(manifest.to_json(), manifest.root, source=manifest.source) == manifest


def test_json_round_trip_out_of_process(tmp_path):
    directory = tmp_path / "ext"
    directory.mkdir()
    (directory / "main.js").write_text("// js")
    (directory / "extension.toml").write_text(make_toml(entry=None, exec=["node", "main.js"],
                                                        activation=["onStartup", "*"]))
    manifest = read_extension_manifest(directory)
    assert manifest.out_of_process and manifest.exec == ("node", "main.js") and manifest.entry is None
    assert parse_extension_manifest(json.loads(json.dumps(manifest.to_json())), directory) == manifest


# -- every bad field --------------------------------------------------------------------------

BAD_FIELDS = [
    ({"id": None}, "'id'"),
    ({"id": "noDot"}, "'id'"),
    ({"id": "nodot"}, "'id'"),
    ({"id": "Upper.case"}, "'id'"),
    ({"id": ".starts.with.dot"}, "'id'"),
    ({"id": "a." + "x" * 130}, "'id'"),
    ({"id": 7}, "'id'"),
    ({"version": None}, "'version'"),
    ({"version": "1.0"}, "'version'"),
    ({"version": "01.0.0"}, "'version'"),
    ({"version": "1.0.0+build"}, "'version'"),
    ({"kind": "widget"}, "'kind'"),
    ({"kind": None}, "'kind'"),
    ({"api": None}, "'api'"),
    ({"api": "1.0"}, "'api'"),
    ({"api": ">=1.0,"}, "'api'"),
    ({"api": "~=1.0"}, "'api'"),
    ({"api": ">=1.0.0"}, "'api'"),
    ({"api": 1}, "'api'"),
    ({"name": 5}, "'name'"),
    ({"name": "x" * 201}, "'name'"),
    ({"description": ["a"]}, "'description'"),
    ({"entry": None}, "'entry'"),
    ({"entry": "probe"}, "'entry'"),
    ({"entry": "probe:Probe:x"}, "'entry'"),
    ({"entry": "1probe:Probe"}, "'entry'"),
    ({"entry": "missing:Probe"}, "'entry'"),
    ({"exec": ["node", "main.js"]}, "exactly one"),
    ({"activation": "onStartup"}, "'activation'"),
    ({"activation": ["onOpen"]}, "'activation'"),
    ({"activation": ["onTask:"]}, "'activation'"),
    ({"activation": ["onTask:has space"]}, "'activation'"),
    ({"activation": [3]}, "'activation'"),
    ({"permissions": ["root"]}, "'permissions'"),
    ({"permissions": "models"}, "'permissions'"),
    ({"permissions": ["files"]}, "'permissions'"),
]


@pytest.mark.parametrize(("fields", "needle"), BAD_FIELDS, ids=[repr(f) for f, _ in BAD_FIELDS])
def test_each_bad_top_level_field(tmp_path, fields, needle):
    refused(tmp_path, make_toml(**fields), needle)


BAD_SECTIONS = [
    ("instrument", "", "'instrument'"),
    ("instrument", "[instrument]\n", "'instrument.tasks'"),
    ("instrument", "[instrument]\ntasks = []\n", "'instrument.tasks'"),
    ("instrument", "[instrument]\ntasks = ['has space']\n", "'instrument.tasks'"),
    ("instrument", "[instrument]\ntasks = ['a']\ninputs = {x = 'tensor'}\n", "'instrument.inputs.x'"),
    ("instrument", "[instrument]\ntasks = ['a']\ninputs = {'not-ident' = 'str'}\n", "'instrument.inputs.not-ident'"),
    ("instrument", "[instrument]\ntasks = ['a']\noutputs = ['str']\n", "'instrument.outputs'"),
    ("instrument", "[instrument]\ntasks = ['a']\ncost = -1\n", "'instrument.cost'"),
    ("instrument", "[instrument]\ntasks = ['a']\ncost = true\n", "'instrument.cost'"),
    ("instrument", "[instrument]\ntasks = ['a']\ncost = nan\n", "cost"),
    ("instrument", "[instrument]\ntasks = ['a']\nspeed = 1\n", "'instrument.speed'"),
    ("instrument", "[instrument]\ntasks = ['a']\n[operator]\nname = 'x'\n", "'operator'"),
    ("operator", "[operator]\n", "'operator.name'"),
    ("operator", "[operator]\nname = 'x y'\n", "'operator.name'"),
    ("operator", "[operator]\nname = 'x'\noutput = 'tensor'\n", "'operator.output'"),
    ("operator", "[operator]\nname = 'x'\ninputs = {a = 1}\n", "'operator.inputs.a'"),
    ("motif", "[motif]\ncommands = {id = 'a'}\n", "'motif.commands'"),
    ("motif", "[motif]\ncommands = [{title = 'A'}]\n", "'motif.commands[0].id'"),
    ("motif", "[motif]\ncommands = [{id = 'a'}]\n", "'motif.commands[0].title'"),
    ("motif", "[motif]\ncommands = [{id = 'a', title = 'A', extra = 1}]\n", "'motif.commands[0].extra'"),
    ("motif", "[motif]\ncommands = [{id = 'a', title = 'A'}, {id = 'a', title = 'B'}]\n", "'motif.commands[1].id'"),
    ("motif", "[motif]\ncommands = ['a']\n", "'motif.commands[0]'"),
    ("motif", "[motif]\nstatus_items = [{id = 's', alignment = 'middle'}]\n", "'motif.status_items[0].alignment'"),
    ("motif", "[motif]\nstatus_items = [{id = 's', text = 5}]\n", "'motif.status_items[0].text'"),
    ("motif", "[motif]\npanels = [{id = 'p'}]\n", "'motif.panels[0].title'"),
    ("motif", "[motif]\nkeybindings = [{command = 'nope', key = 'k'}]\n", "'motif.keybindings[0].command'"),
    ("motif", "[motif]\ndecorations = [{id = 'd'}]\n", "'motif.decorations[0].scope'"),
    ("motif", "[motif]\nmenus = []\n", "'motif.menus'"),
]


@pytest.mark.parametrize(("kind", "section", "needle"), BAD_SECTIONS, ids=[s + n for _, s, n in BAD_SECTIONS])
def test_each_bad_section_field(tmp_path, kind, section, needle):
    refused(tmp_path, make_toml(section=section, kind=kind), needle)


def test_control_characters(tmp_path):
    refused(tmp_path, 'name = "bell\\u0007"\n' + make_toml(), "'name'", "control characters")


def test_unknown_top_level_field(tmp_path):
    refused(tmp_path, 'publisher = "me"\n' + make_toml(), "unknown field", "'publisher'")


def test_not_a_table_and_not_toml(tmp_path):
    refused(tmp_path, "id = ", "not valid TOML")
    with pytest.raises(ExtensionManifestError, match="expected a table"):
        parse_extension_manifest(["id"], tmp_path)
    with pytest.raises(ExtensionManifestError, match="cannot read"):
        read_extension_manifest(tmp_path / "nothing")


# -- hostile input ----------------------------------------------------------------------------

def test_not_utf8(tmp_path):
    refused(tmp_path, b'description = "\xff\xfe"\n' + make_toml().encode(), "not UTF-8")


def test_lone_surrogate_in_data(tmp_path):
    data = parse_extension_manifest_data(tmp_path)
    data["name"] = "bad \ud800 name"
    with pytest.raises(ExtensionManifestError, match="lone surrogate") as info:
        parse_extension_manifest(data, tmp_path)
    assert "'name'" in str(info.value)
    data["name"] = "ok"
    data["instrument"]["inputs"] = {"\udcff": "str"}
    with pytest.raises(ExtensionManifestError, match="lone surrogate"):
        parse_extension_manifest(data, tmp_path)


def test_surrogate_escape_in_toml(tmp_path):
    refused(tmp_path, 'description = "\\ud800"\n' + make_toml(), "not valid TOML")


def parse_extension_manifest_data(tmp_path: Path) -> dict:
    (tmp_path / "probe.py").write_text(PROBE)
    (tmp_path / "extension.toml").write_text(make_toml())
    return read_extension_manifest(tmp_path).to_json()


def test_deep_nesting(tmp_path):
    refused(tmp_path, "description = " + "[" * 100_000 + "]" * 100_000 + "\n" + make_toml(), "nested")
    data = parse_extension_manifest_data(tmp_path)
    deep: list = []
    for _ in range(MAX_DEPTH + 5):
        deep = [deep]
    data["activation"] = deep
    with pytest.raises(ExtensionManifestError, match="nested deeper"):
        parse_extension_manifest(data, tmp_path)


def test_huge_file(tmp_path):
    refused(tmp_path, make_toml() + "# " + "x" * MAX_MANIFEST_BYTES + "\n", "larger than")


def test_non_json_values(tmp_path):
    refused(tmp_path, "description = 1979-05-27T07:32:00Z\n" + make_toml(), "'description'", "JSON-like")
    data = parse_extension_manifest_data(tmp_path)
    data["description"] = float("inf")
    with pytest.raises(ExtensionManifestError, match="finite"):
        parse_extension_manifest(data, tmp_path)
    data["description"] = {1: "x"}
    with pytest.raises(ExtensionManifestError, match="not a string"):
        parse_extension_manifest(data, tmp_path)


@pytest.mark.parametrize("argv", [["../evil"], ["/bin/sh"], ["./../evil"], ["node", "../main.js"],
                                  ["node", "/etc/passwd"], ["node", "sub/../../x.js"], [], ["."], "node",
                                  ["node", ""], ["./missing"]])
def test_exec_leaving_the_directory(tmp_path, argv):
    refused(tmp_path, make_toml(entry=None) + f"exec = {json.dumps(argv)}\n", "'exec'", files={})


def test_exec_through_a_symlink_out(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "tool").write_text("#!/bin/sh\n")
    (outside / "lib.js").write_text("//")
    directory = tmp_path / "ext"
    directory.mkdir()
    os.symlink(outside / "tool", directory / "tool")
    os.symlink(outside / "lib.js", directory / "lib.js")
    refused(tmp_path, make_toml(entry=None, exec=["./tool"]), "'exec'", "outside", files={})
    refused(tmp_path, make_toml(entry=None, exec=["node", "lib.js"]), "'exec'", "outside", files={})


def test_entry_through_a_symlink_out(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "probe.py").write_text(PROBE)
    (outside / "pkg").mkdir()
    (outside / "pkg" / "__init__.py").write_text("")
    (outside / "pkg" / "mod.py").write_text("class X: pass\n")
    directory = tmp_path / "ext"
    directory.mkdir()
    os.symlink(outside / "probe.py", directory / "probe.py")
    refused(tmp_path, make_toml(), "'entry'", "outside", files={})
    os.unlink(directory / "probe.py")
    os.symlink(outside / "pkg", directory / "pkg")
    refused(tmp_path, make_toml(entry="pkg.mod:X"), "'entry'", "outside", files={})
    os.unlink(directory / "pkg")
    os.symlink(tmp_path / "nowhere.py", directory / "probe.py")  # dangling, pointing out
    refused(tmp_path, make_toml(), "'entry'", files={})


def test_entry_in_a_package_inside(tmp_path):
    directory = tmp_path / "ext"
    (directory / "pkg").mkdir(parents=True)
    (directory / "pkg" / "__init__.py").write_text("")
    (directory / "pkg" / "mod.py").write_text("class X: pass\n")
    (directory / "extension.toml").write_text(make_toml(entry="pkg.mod:X"))
    assert read_extension_manifest(directory).entry == "pkg.mod:X"


# -- API version ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("api", "ok"), [
    (">=1.0,<2", True), (">=1", True), ("==1.0", True), ("<=1.0", True), (">0.9", True), ("<1.1", True),
    (">=1.1", False), ("<1", False), (">=2.0,<3", False), ("==0.9", False), (">1.0", False), (">=0.1,<1.0", False),
])
def test_check_api(api, ok):
    assert API_VERSION == "1.0"
    manifest = ExtensionManifest(id="a.b", version="1.0.0", kind="operator", api=api, entry="m:o",
                                 operator={"name": "x", "inputs": {}, "output": "any"})
    if ok:
        check_api(manifest)
    else:
        with pytest.raises(ExtensionApiMismatch, match=api.replace(".", r"\.")):
            check_api(manifest)


def test_api_range_clauses():
    assert parse_api_range(" >= 1.2 , < 2 ") == [(">=", (1, 2)), ("<", (2, 0))]
    with pytest.raises(ExtensionManifestError, match="more than 8"):
        parse_api_range(",".join([">=1"] * 9))

"""``symphony ext list|info|enable|disable|install|uninstall`` in a real subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.conftest import ROOT, one_line_error, symphony

from .conftest import make_toml

EXAMPLES = ROOT / "examples" / "extensions"


@pytest.fixture
def home(tmp_path):
    return str(tmp_path / "home")


def ok(*args: str) -> str:
    out = symphony("ext", *args)
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_list_and_info(home):
    text = ok("list", "--home", home, "--dir", str(EXAMPLES))
    lines = text.splitlines()
    assert lines[0].split() == ["ID", "VERSION", "KIND", "STATE", "SOURCE", "NAME"]
    assert lines[1].split()[:5] == ["symphony.iris-instrument", "1.0.0", "instrument", "enabled", "dir"]
    assert lines[2].split()[:5] == ["symphony.snippet-stats-js", "1.0.0", "operator", "enabled", "dir"]
    assert lines[3].split()[:5] == ["symphony.word-stats", "1.0.0", "motif", "enabled", "dir"]
    data = json.loads(ok("list", "--home", home, "--dir", str(EXAMPLES), "--json"))
    assert [e["id"] for e in data["extensions"]] == ["symphony.iris-instrument", "symphony.snippet-stats-js",
                                                     "symphony.word-stats"]
    assert data["refused"] == [] and data["extensions"][0]["manifest"]["permissions"] == ["models"]
    info = ok("info", "symphony.word-stats", "--home", home, "--dir", str(EXAMPLES))
    assert "state:        enabled" in info and "commands:     wordstats.count" in info
    assert json.loads(ok("info", "symphony.iris-instrument", "--home", home, "--dir", str(EXAMPLES), "--json"))[
        "manifest"]["instrument"]["tasks"] == ["classify"]
    info = ok("info", "symphony.snippet-stats-js", "--home", home, "--dir", str(EXAMPLES))
    assert "runs:        out of process: node main.js" in info and "operator:    snippet-stats" in info


def test_empty_home_with_entry_points():
    out = symphony("ext", "list", "--home", "/nonexistent/symphony-home")
    assert out.returncode == 0 and out.stderr == ""


def test_install_disable_enable_uninstall(home, tmp_path):
    assert "installed symphony.word-stats 1.0.0 into" in ok("install", str(EXAMPLES / "word-stats-motif"),
                                                           "--home", home, "--no-entry-points")
    assert (Path(home) / "extensions" / "symphony.word-stats" / "word_stats.py").is_file()
    assert ok("disable", "symphony.word-stats", "--home", home).strip() == "symphony.word-stats: disabled"
    listed = ok("list", "--home", home)
    assert "symphony.word-stats  1.0.0    motif  disabled  installed" in listed
    assert json.loads((Path(home) / "state.json").read_text())["extensions"] == {
        "symphony.word-stats": {"enabled": False}}
    assert ok("enable", "symphony.word-stats", "--home", home).strip() == "symphony.word-stats: enabled"
    assert ok("uninstall", "symphony.word-stats", "--home", home).strip() == "uninstalled symphony.word-stats"
    assert ok("list", "--home", home).strip() == "no extensions"
    assert not (Path(home) / "extensions" / "symphony.word-stats").exists()


def test_symphony_home_from_the_environment(tmp_path):
    env = {**os.environ, "SYMPHONY_HOME": str(tmp_path / "envhome")}
    out = subprocess.run([sys.executable, "-m", "symphony", "ext", "install", str(EXAMPLES / "word-stats-motif")],
                         capture_output=True, text=True, timeout=120, cwd=str(ROOT), env=env)
    assert out.returncode == 0, out.stderr
    assert (tmp_path / "envhome" / "extensions" / "symphony.word-stats").is_dir()


def test_bad_input_is_one_line_and_exit_2(home, tmp_path, write_ext):
    for args, needles in [
        (["info", "nope.nope"], ["no extension 'nope.nope'"]),
        (["enable", "nope.nope"], ["nope.nope"]),
        (["install", str(tmp_path / "missing")], ["not an extension directory"]),
        (["list", "--dir", str(tmp_path / "missing")], ["no such directory"]),
    ]:
        out = symphony("ext", *args, "--home", home)
        one_line_error(out, "ext", *needles)
        assert out.returncode == 2
    bad = write_ext(tmp_path / "src", "bad", make_toml(id="test.bad", permissions=["root"]))
    out = symphony("ext", "install", str(bad), "--home", home)
    one_line_error(out, "ext", "'permissions'", str(bad / "extension.toml"))
    assert out.returncode == 2
    newer = write_ext(tmp_path / "src", "newer", make_toml(id="test.newer", api=">=3"))
    out = symphony("ext", "install", str(newer), "--home", home)
    one_line_error(out, "ext", "needs extension API >=3", "provides 1.0")
    assert out.returncode == 2
    assert not (Path(home) / "extensions").exists() or not any((Path(home) / "extensions").iterdir())
    out = symphony("ext", "frobnicate")
    assert out.returncode == 2


def test_uninstall_of_a_directory_extension_is_refused(home):
    out = symphony("ext", "uninstall", "symphony.word-stats", "--home", home, "--dir", str(EXAMPLES))
    one_line_error(out, "ext", "extension directory")
    assert out.returncode == 1


def test_refusals_are_listed(home, tmp_path, write_ext):
    write_ext(tmp_path / "exts", "bad", make_toml(id="test.bad", kind="widget"))
    write_ext(tmp_path / "exts", "good", make_toml(id="test.good"))
    text = ok("list", "--home", home, "--dir", str(tmp_path / "exts"), "--no-entry-points")
    assert "test.good" in text and "refused:" in text and "'kind'" in text

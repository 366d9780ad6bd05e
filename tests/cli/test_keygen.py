"""``symphony keygen PATH``: writes a CURVE key pair, never over an existing key unless --force,
and fails cleanly on a path it cannot write."""

from __future__ import annotations

import os
import stat

from symphony.cli import main

from .conftest import one_line, one_line_error, symphony


def _keys(path):
    return dict(line.split(b"=", 1) for line in path.read_bytes().splitlines())


def test_writes_a_key_pair(tmp_path, capsys):
    key = tmp_path / "server.key"
    assert main(["keygen", str(key)]) == 0
    assert stat.S_IMODE(os.stat(key).st_mode) == 0o600
    keys = _keys(key)
    assert set(keys) == {b"public", b"secret"} and len(keys[b"public"]) == 40
    assert _keys(tmp_path / "server.key.pub") == {b"public": keys[b"public"]}


def test_refuses_to_overwrite_a_key_unless_forced(tmp_path, capsys):
    key = tmp_path / "server.key"
    assert main(["keygen", str(key)]) == 0
    before = key.read_bytes(), (tmp_path / "server.key.pub").read_bytes()
    capsys.readouterr()
    assert main(["keygen", str(key)]) != 0
    one_line(capsys.readouterr().err, "keygen", str(key), "--force")
    assert (key.read_bytes(), (tmp_path / "server.key.pub").read_bytes()) == before
    assert main(["keygen", str(key), "--force"]) == 0
    assert key.read_bytes() != before[0] and _keys(key)[b"public"] == _keys(tmp_path / "server.key.pub")[b"public"]


def test_refuses_when_only_the_public_file_exists(tmp_path, capsys):
    key = tmp_path / "k"
    (tmp_path / "k.pub").write_bytes(b"public=someone else's\n")
    assert main(["keygen", str(key)]) != 0
    one_line(capsys.readouterr().err, "keygen", "k.pub", "--force")
    assert not key.exists()


def test_forced_overwrite_keeps_the_secret_private(tmp_path, capsys):
    key = tmp_path / "k"
    key.write_bytes(b"old")
    os.chmod(key, 0o644)
    assert main(["keygen", str(key), "--force"]) == 0
    assert stat.S_IMODE(os.stat(key).st_mode) == 0o600


def test_a_missing_directory_or_a_directory_fails_cleanly(tmp_path):
    missing = tmp_path / "no" / "such" / "k"
    one_line_error(symphony("keygen", str(missing)), "keygen", str(missing), "No such file")
    one_line_error(symphony("keygen", str(tmp_path)), "keygen", str(tmp_path), "directory")
    one_line_error(symphony("keygen", str(tmp_path), "--force"), "keygen", str(tmp_path), "directory")
    assert list(tmp_path.iterdir()) == []

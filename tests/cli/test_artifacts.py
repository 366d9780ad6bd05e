"""``symphony artifacts ...`` on the command line."""

from __future__ import annotations

import pytest

from symphony.artifacts import ArtifactStore
from symphony.cli import main

from .conftest import one_line, one_line_error, symphony


def test_put_get_ls_search_verify_gc(tmp_path, capsys):
    store = str(tmp_path / "store")
    src = tmp_path / "note.txt"
    src.write_bytes(b"orchestral manoeuvres")
    assert main(["artifacts", "put", store, str(src), "--name", "notes/a", "--meta", "k=v"]) == 0
    digest = capsys.readouterr().out.strip()
    assert len(digest) == 32
    out = tmp_path / "out.bin"
    assert main(["artifacts", "get", store, "notes/a", "-o", str(out)]) == 0
    assert out.read_bytes() == b"orchestral manoeuvres"
    assert main(["artifacts", "get", store, digest, "-o", str(out)]) == 0
    assert main(["artifacts", "ls", store]) == 0
    assert f"notes/a\t1\t{digest}" in capsys.readouterr().out
    assert main(["artifacts", "search", store, "orchestral"]) == 0
    assert digest in capsys.readouterr().out
    assert main(["artifacts", "verify", store]) == 0
    assert main(["artifacts", "gc", store, "--grace", "0"]) == 0
    assert main(["artifacts", "get", store, "no-such-name"]) == 1
    assert "no artifact named" in capsys.readouterr().err
    assert main(["artifacts", "put", store, str(src), "--meta", "novalue"]) == 2


@pytest.mark.parametrize("action", [["verify"], ["ls"], ["ls", "", "prefix"], ["get", "", "name"],
                                    ["search", "", "words"], ["gc", ""]])
def test_read_only_commands_on_a_wrong_path_create_nothing(tmp_path, capsys, action):
    missing = tmp_path / "typo"
    argv = ["artifacts", action[0], str(missing), *action[2:]]
    assert main(argv) != 0
    one_line(capsys.readouterr().err, "artifacts", f"no store at {missing}")
    assert not missing.exists()
    plain = tmp_path / "plain"  # a directory that is not a store is not made into one
    plain.mkdir()
    assert main(["artifacts", action[0], str(plain), *action[2:]]) != 0
    one_line(capsys.readouterr().err, "artifacts", f"no store at {plain}")
    assert list(plain.iterdir()) == []


def test_init_creates_a_store_and_read_only_commands_then_work(tmp_path, capsys):
    path = tmp_path / "new"
    assert main(["artifacts", "init", str(path), "--shards", "2"]) == 0
    assert str(path) in capsys.readouterr().out
    assert main(["artifacts", "verify", str(path)]) == 0
    assert "0 artifacts checked, 0 damaged" in capsys.readouterr().out
    with ArtifactStore(path) as store:
        assert store.shards == 2
    assert main(["artifacts", "init", str(path)]) == 0  # again: the store is kept as it is
    assert "already" in capsys.readouterr().out


def test_put_of_a_missing_file_or_a_directory_stores_nothing(tmp_path, capsys):
    store = tmp_path / "store"
    good = tmp_path / "good.txt"
    good.write_bytes(b"fine")
    missing = tmp_path / "missing.txt"
    assert main(["artifacts", "put", str(store), str(good), str(missing)]) != 0
    one_line(capsys.readouterr().err, "artifacts", str(missing), "No such file")
    assert not store.exists()  # checked before the store is created or anything is stored
    assert main(["artifacts", "put", str(store), str(tmp_path)]) != 0
    one_line(capsys.readouterr().err, "artifacts", str(tmp_path), "directory")
    assert not store.exists()


def test_get_into_a_missing_directory(tmp_path, capsys):
    store = str(tmp_path / "store")
    src = tmp_path / "a.txt"
    src.write_bytes(b"a")
    assert main(["artifacts", "put", store, str(src), "--name", "a"]) == 0
    capsys.readouterr()
    target = tmp_path / "no" / "such" / "out.bin"
    assert main(["artifacts", "get", store, "a", "-o", str(target)]) != 0
    one_line(capsys.readouterr().err, "artifacts", str(target), "No such file")


@pytest.mark.parametrize("argv, needles", [
    (["verify", "{tmp}/nonexistent"], ["no store at {tmp}/nonexistent"]),
    (["put", "{tmp}/store", "{tmp}/missing"], ["{tmp}/missing", "No such file"]),
    (["put", "{tmp}/store", "{tmp}"], ["{tmp}", "directory"]),
    (["get", "{tmp}/store", "x", "-o", "{tmp}/no/out"], ["{tmp}/no/out", "No such file"]),
])
def test_errors_are_one_line_from_the_real_command(tmp_path, argv, needles):
    if argv[0] == "get":
        assert symphony("artifacts", "init", str(tmp_path / "store")).returncode == 0
        src = tmp_path / "x.txt"
        src.write_bytes(b"x")
        assert symphony("artifacts", "put", str(tmp_path / "store"), str(src), "--name", "x").returncode == 0
        src.unlink()
    out = symphony("artifacts", *(a.format(tmp=tmp_path) for a in argv))
    one_line_error(out, "artifacts", *(n.format(tmp=tmp_path) for n in needles))
    assert not (tmp_path / "nonexistent").exists()

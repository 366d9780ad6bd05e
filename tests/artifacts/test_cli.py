"""``symphony artifacts ...`` on the command line."""

from __future__ import annotations

from symphony.cli import main


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

"""On-disk formats: a store of format 1 (records in a named ``data`` database, metadata in
``meta``) is converted when opened and everything in it stays readable; a damaged record is an
``IntegrityError``; a store of an unknown newer format is refused before anything is written."""

from __future__ import annotations

import json
import random

import pytest

from symphony.artifacts import ArtifactStore
from symphony.errors import ArtifactNotFound, IntegrityError


def _as_format_1(store: ArtifactStore, digest: str) -> None:
    """Move ``digest``'s record where format 1 stored it: tag 0 + bytes (or tag 1 + manifest)
    in ``data``, the packed metadata in ``meta``."""
    raw = bytes.fromhex(digest)
    env = store._shard(raw).env
    record = env.read(lambda txn: bytes(txn.get(raw, db=env.db["artifacts"])))
    n = int.from_bytes(record[1:5], "big")
    meta, body = record[5:5 + n], record[5 + n:]
    old = bytes([record[0] - 2]) + body  # 2 -> 0 (inline), 3 -> 1 (chunked)

    def rewrite(txn):  # type: ignore[no-untyped-def]
        txn.delete(raw, db=env.db["artifacts"])
        txn.put(raw, old, db=env.db["data"])
        txn.put(raw, meta, db=env.db["meta"])

    env.write(rewrite)


def test_a_format_1_store_is_converted_on_open_and_keeps_everything(tmp_path, monkeypatch):
    from symphony.artifacts import _migrate

    monkeypatch.setattr(_migrate, "BATCH", 2)  # several transactions per shard
    path = tmp_path / "s"
    big = random.Random(2).randbytes(3_000_000)
    with ArtifactStore(path, shards=2, index=False) as store:
        small = store.put(b"old small", metadata={"k": "v"}, name="doc")
        chunked = store.put(big, metadata={"big": True})
        others = [store.put(b"other %d" % i) for i in range(7)]
        for d in [small, chunked, *others]:
            _as_format_1(store, d)
        assert len(store) == 0  # only format 2 is read: the store must be converted
    (path / "store.json").write_text(json.dumps({"format": 1, "shards": 2}))
    with ArtifactStore(path) as store:
        assert json.loads((path / "store.json").read_text())["format"] == 2
        for shard in store._shards:
            env = shard.env
            assert env.read(lambda txn, env=env: txn.stat(env.db["data"])["entries"]
                            + txn.stat(env.db["meta"])["entries"]) == 0
        assert store.get(small) == b"old small" and store.get(chunked) == big
        assert [store.get(d) for d in others] == [b"other %d" % i for i in range(7)]
        assert b"".join(store.open(chunked)) == big
        assert store.stat(small).metadata == {"k": "v"} and store.stat(chunked).chunks > 1
        assert sorted(store.digests()) == sorted([small, chunked, *others]) and len(store) == 9
        assert store.put(b"old small") == small  # still a dedup hit
        assert store.latest("doc") == small
        assert [h.digest for h in store.search("small")] == [small]  # indexed from the converted records
        new = store.put(b"new", parents=[small])
        assert store.stat(new).parents == [small] and store.verify() == []
        assert store.delete(chunked) > 0 and not store.has(chunked)
        store.gc(grace=0)
        assert store.get(small) == b"old small"  # named: kept
        with pytest.raises(ArtifactNotFound):
            store.get(chunked)


def test_damaged_record_is_an_integrity_error(tmp_path):
    with ArtifactStore(tmp_path / "s", index=False) as store:
        d = store.put(b"payload")
        raw = bytes.fromhex(d)
        env = store._shard(raw).env
        for damaged in (b"\x02\xff\xff\xff\xffshort", b"\x09unknown tag", b""):
            env.write(lambda txn, v=damaged: txn.put(raw, v, db=env.db["artifacts"]))
            with pytest.raises(IntegrityError):
                store.get(d)
            with pytest.raises(IntegrityError):
                store.stat(d)
            assert store.verify() == [d]
        assert store.delete(d) == 0 and not store.has(d)  # a damaged record can still go


def test_a_newer_format_is_refused(tmp_path):
    path = tmp_path / "s"
    path.mkdir()
    (path / "store.json").write_text(json.dumps({"format": 99, "shards": 2}))
    with pytest.raises(IntegrityError, match="format 99"):
        ArtifactStore(path)
    assert sorted(p.name for p in path.iterdir()) == ["store.json"]  # nothing written


def test_a_plain_put_stores_the_record_the_general_path_stores(tmp_path):
    """``put(bytes)`` without name, metadata or parents takes the short path (``pack_inline``):
    its record must read back exactly as one written through ``pack_record`` and msgpack."""
    import msgpack

    from symphony.artifacts._records import pack_inline, pack_record, record_meta, split_record

    data = random.Random(4).randbytes(4096)
    created = 1_796_000_000.123456
    general = pack_record(False, msgpack.packb({"size": len(data), "chunks": 0, "created": created,
                                                "metadata": {}, "parents": []}, use_bin_type=True), data)
    short = pack_inline(data, created)
    assert split_record(short) == split_record(general) == (False, data)
    assert msgpack.unpackb(record_meta(short), raw=False) == msgpack.unpackb(record_meta(general), raw=False)
    assert split_record(pack_inline(b"", created)) == (False, b"")

    with ArtifactStore(tmp_path / "s", index=False) as store:
        plain = store.put(data)  # the short path
        tagged = store.put(data[::-1], metadata={})  # the general path, the same fields
        for digest, content in ((plain, data), (tagged, data[::-1])):
            stat = store.stat(digest)
            assert (stat.size, stat.chunks, stat.metadata, stat.parents) == (len(content), 0, {}, [])
            assert store.get(digest) == content
        assert store.put(data) == plain  # a second plain put is a dedup hit


def test_processes_creating_one_store_at_once_all_open_it(tmp_path):
    """Several processes open the same new store at the same moment (two editors starting
    their conductors): each opens it, the first one's store.json holds, every put is kept."""
    import subprocess
    import sys

    path = tmp_path / "shared"
    script = ("import sys\nfrom symphony.artifacts import ArtifactStore\n"
              "sys.stdin.read()\n"  # all start, then all open at once
              "with ArtifactStore(sys.argv[1], index=False) as s:\n"
              "    for i in range(20):\n"
              "        s.put(f'{sys.argv[2]}-{i}'.encode(), name='shared')\n")
    procs = [subprocess.Popen([sys.executable, "-c", script, str(path), f"p{n}"], stdin=subprocess.PIPE,
                              stderr=subprocess.PIPE) for n in range(6)]
    for proc in procs:
        proc.stdin.close()
    errors = [proc.stderr.read().decode() for proc in procs]
    codes = [proc.wait(120) for proc in procs]
    assert codes == [0] * 6, errors
    assert sorted(p.name for p in path.iterdir() if p.name.startswith("store.json")) == ["store.json"]
    from symphony.artifacts import ArtifactStore

    with ArtifactStore(path, index=False) as store:
        assert len(store.versions("shared")) == 120 and store.verify() == []

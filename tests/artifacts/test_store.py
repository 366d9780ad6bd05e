"""The artifact store's core: put/get/has/delete/stat, durability, integrity, chunking."""

from __future__ import annotations

import glob
import io
import os
import random
import threading

import pytest

from symphony.artifacts import ArtifactStore
from symphony.errors import ArtifactInUse, ArtifactNotFound, IntegrityError, SymphonyError


def _rand(n: int, seed: int = 1) -> bytes:
    return random.Random(seed).randbytes(n)


def test_put_get_roundtrip_and_dedup(store):
    d = store.put(b"hello")
    assert isinstance(d, str) and len(d) == 32
    assert store.get(d) == b"hello"
    assert store[d] == b"hello"
    assert store.has(d) and d in store
    assert store.put(b"hello") == d
    assert len(store) == 1
    assert store.put(b"") != d
    assert store.get(store.put(b"")) == b""


def test_put_file_like_and_bytearray(store):
    d = store.put(io.BytesIO(b"x" * 3000))
    assert store.get(d) == b"x" * 3000
    assert store.put(bytearray(b"abc")) == store.put(b"abc")
    with pytest.raises(TypeError):
        store.put(io.StringIO("text"))
    with pytest.raises(TypeError):
        store.put("a str")  # type: ignore[arg-type]


def test_missing_is_keyerror_and_symphony_error(store):
    with pytest.raises(ArtifactNotFound) as info:
        store.get("0" * 32)
    assert isinstance(info.value, KeyError) and isinstance(info.value, SymphonyError)
    with pytest.raises(KeyError):
        store.get("not-a-digest")
    assert not store.has("nope")
    with pytest.raises(ArtifactNotFound):
        store.stat("0" * 32)
    with pytest.raises(ArtifactNotFound):
        store.delete("0" * 32)


def test_stat(store):
    d = store.put(b"data", metadata={"kind": "report", "n": 3})
    st = store.stat(d)
    assert st.digest == d and st.size == 4 and st.metadata == {"kind": "report", "n": 3}
    assert st.created > 0 and st.chunks == 0 and st.quality is None and st.pinned is None


def test_delete_and_delete_refuses_held(store):
    d = store.put(b"temporary")
    assert store.delete(d) == len(b"temporary")
    assert not store.has(d)
    named = store.put(b"keep me", name="keeper")
    with pytest.raises(ArtifactInUse):
        store.delete(named)
    pinned = store.put(b"pinned")
    store.pin(pinned, "checkpoint")
    assert store.stat(pinned).pinned == "checkpoint"
    with pytest.raises(ArtifactInUse):
        store.delete(pinned)
    store.unpin(pinned)
    store.delete(pinned)
    assert store.get(named) == b"keep me"


def test_large_artifact_is_chunked_streamed_and_deduplicated(store):
    big = _rand(4 << 20)
    d = store.put(big)
    st = store.stat(d)
    assert st.chunks > 10 and st.size == len(big)
    assert store.get(d) == big
    assert b"".join(store.open(d)) == big
    edited = bytearray(big)
    edited[2 << 20:(2 << 20) + 10] = b"0123456789"
    before = _chunk_bytes(store)
    d2 = store.put(bytes(edited))
    added = _chunk_bytes(store) - before
    assert d2 != d and store.get(d2) == bytes(edited)
    assert 0 < added < 1 << 20
    # deleting one keeps the chunks the other still uses
    store.delete(d)
    assert store.get(d2) == bytes(edited)
    assert store.verify() == []
    store.delete(d2)
    assert _chunk_bytes(store) == 0


def _chunk_bytes(store: ArtifactStore) -> int:
    total = 0
    for shard in store._shards:
        db = shard.env.db["chunks"]
        total += shard.env.read(lambda txn, db=db: sum(len(v) for _, v in txn.cursor(db=db)))
    return total


def test_concurrent_writers(store):
    blobs = [_rand(2000 + i, seed=i) for i in range(160)]
    errors: list[BaseException] = []
    digests: list[str] = []
    lock = threading.Lock()

    def writer(part: list[bytes]) -> None:
        try:
            for blob in part:
                d = store.put(blob, name=f"w{len(blob) % 5}")
                with lock:
                    digests.append(d)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(blobs[i::8],)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(set(digests)) == 160
    for blob in blobs:
        assert store.get(store.put(blob)) == blob
    assert sum(len(store.versions(f"w{i}")) for i in range(5)) == 160


def test_close_while_writers_write_loses_nothing_acknowledged(tmp_path):
    store = ArtifactStore(tmp_path / "s", shards=2)
    acknowledged: list[tuple[str, bytes]] = []
    refused: list[BaseException] = []
    started = threading.Barrier(9)

    def writer(w: int) -> None:
        started.wait()
        for i in range(10_000):
            blob = _rand(3000, seed=w * 100_000 + i)
            try:
                acknowledged.append((store.put(blob), blob))
            except ValueError as exc:  # "the artifact store is closed"
                refused.append(exc)
                return

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(8)]
    for t in threads:
        t.start()
    started.wait()
    while len(acknowledged) < 200:
        threading.Event().wait(0.001)
    store.close()
    for t in threads:
        t.join(30)
        assert not t.is_alive()
    assert len(refused) == 8  # every writer was told, none crashed or hung
    with ArtifactStore(tmp_path / "s") as reopened:
        for digest, blob in acknowledged:
            assert reopened.get(digest) == blob


def test_a_failed_chunk_write_fails_the_put_and_stores_no_manifest(store, monkeypatch):
    from symphony.artifacts import _records

    real = _records.APPLY["chunks"]
    doomed: list[int] = []

    def failing(txn, db, items, now):
        if not doomed:
            doomed.append(id(items))  # the first shard's chunk op fails every time; the others succeed
        if id(items) in doomed:
            raise OSError(28, "No space left on device")
        return real(txn, db, items, now)

    monkeypatch.setitem(_records.APPLY, "chunks", failing)
    blob = _rand(3 << 20, seed=99)
    with pytest.raises(OSError, match="No space"):
        store.put(blob)
    monkeypatch.setitem(_records.APPLY, "chunks", real)
    from symphony.artifacts._chunking import raw_digest

    assert not store.has(raw_digest(blob).hex())  # no manifest pointing at missing chunks
    assert store.get(store.put(blob)) == blob  # and the store keeps serving


def test_map_grows_past_initial_size(tmp_path):
    with ArtifactStore(tmp_path / "s", shards=2, map_size=256 << 10) as store:
        blobs = [_rand(300_000, seed=i) for i in range(12)]
        digests = [store.put(b) for b in blobs]
        assert max(s.env.map_size for s in store._shards) > 256 << 10
        big = _rand(3 << 20, seed=99)
        digests.append(store.put(big))
        blobs.append(big)
    with ArtifactStore(tmp_path / "s") as store:
        assert store.shards == 2
        for d, b in zip(digests, blobs):
            assert store.get(d) == b


def test_corrupted_bytes_raise_integrity_error(tmp_path):
    path = tmp_path / "s"
    pattern = b"INTEGRITY-PATTERN-" * 200
    chunked = _rand(2 << 20, seed=5)
    with ArtifactStore(path, shards=2) as store:
        small = store.put(pattern)
        large = store.put(chunked)
        fine = store.put(b"untouched")
    flipped = set()
    for file in glob.glob(str(path / "shard-*" / "data.mdb")):
        with open(file, "r+b") as fh:
            blob = fh.read()
            for needle in (pattern[:64], chunked[1_500_000:1_500_064]):
                # Every copy: LMDB may keep a stale one in a free page, before or after the live one.
                at = blob.find(needle)
                while at >= 0:
                    fh.seek(at + 10)
                    fh.write(bytes([blob[at + 10] ^ 0xFF]))
                    flipped.add(needle)
                    at = blob.find(needle, at + len(needle))
    assert len(flipped) == 2
    with ArtifactStore(path) as store:
        with pytest.raises(IntegrityError):
            store.get(small)
        with pytest.raises(IntegrityError):
            store.get(large)
        with pytest.raises(IntegrityError):
            b"".join(store.open(large))
        assert store.get(fine) == b"untouched"
        assert sorted(store.verify()) == sorted([small, large])


def test_reopen_keeps_everything(tmp_path):
    with ArtifactStore(tmp_path / "s", shards=5) as store:
        d = store.put(b"persist", name="p", metadata={"a": 1})
    with ArtifactStore(tmp_path / "s", shards=2) as store:  # the stored shard count wins
        assert store.shards == 5
        assert store.get(d) == b"persist"
        assert store.latest("p") == d
        assert store.stat(d).metadata == {"a": 1}


def test_closed_store_refuses(tmp_path):
    store = ArtifactStore(tmp_path / "s")
    store.close()
    store.close()
    with pytest.raises(ValueError):
        store.put(b"x")


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_forked_child_reopens(tmp_path):
    with ArtifactStore(tmp_path / "s", shards=2) as store:
        d = store.put(b"from parent")
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # child: must reopen, not reuse the parent's handles
            code = 1
            try:
                ok = store.get(d) == b"from parent"
                child = store.put(b"from child")
                os.write(write, child.encode() if ok else b"bad")
                code = 0
            finally:
                os._exit(code)
        os.close(write)
        got = os.read(read, 100).decode()
        os.close(read)
        _, status = os.waitpid(pid, 0)
        assert status == 0
        assert store.get(got) == b"from child"


class _Trickle(io.RawIOBase):
    """A binary file that hands out odd-sized reads, like a socket or a pipe."""

    def __init__(self, data: bytes) -> None:
        self.data = memoryview(data)
        self.pos = 0
        self.sizes = [7, 100_003, 65_536, 1 << 20, 3]

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        size = self.sizes[self.pos % len(self.sizes)] if n < 0 else min(n, self.sizes[self.pos % len(self.sizes)])
        out = bytes(self.data[self.pos:self.pos + size])
        self.pos += len(out)
        return out


@pytest.mark.parametrize("size", [0, 1000, (1 << 20) - 1, 1 << 20, 3_500_000])
def test_streamed_put_equals_bytes_put(tmp_path, size):
    data = _rand(size, seed=size)
    with ArtifactStore(tmp_path / "a") as a, ArtifactStore(tmp_path / "b") as b:
        streamed = a.put(_Trickle(data), name="s")
        whole = b.put(data)
        assert streamed == whole
        assert a.get(streamed) == data
        assert a.stat(streamed).chunks == b.stat(whole).chunks
        before = _chunk_bytes(a)
        assert a.put(data) == streamed  # same chunks, nothing new stored
        assert _chunk_bytes(a) == before
        assert a.put(_Trickle(data)) == streamed
        assert _chunk_bytes(a) == before
        assert a.verify() == []


def test_close_stops_every_thread(tmp_path, no_leaked_threads):
    with ArtifactStore(tmp_path / "s", shards=3) as store:
        d = store.put(b"x" * 10, name="n")
        store.put(_rand(2 << 20))
        assert store.search("n")
        assert store.get(d)


def test_store_on_an_application_node(tmp_path):
    from symphony import Node

    with Node("app", threads=2) as node:
        with ArtifactStore(tmp_path / "s", node=node) as store:
            assert any(n.startswith("artifact-shard-") for n in node.names())
            digests = []
            threads = [threading.Thread(target=lambda i=i: digests.append(store.put(_rand(500, seed=i))))
                       for i in range(6)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            assert len(set(digests)) == 6 and all(store.has(d) for d in digests)
        assert not any(n.startswith("artifact-") for n in node.names())
        assert node.is_running


def test_damaged_metadata_is_an_integrity_error(store):
    d = store.put(b"payload", metadata={"k": "v"})
    raw = bytes.fromhex(d)
    env = store._shard(raw).env
    record = env.read(lambda txn: bytes(txn.get(raw, db=env.db["artifacts"])))
    n = int.from_bytes(record[1:5], "big")  # tag, metadata length, metadata, bytes
    damaged = record[:5] + b"\xc1" * n + record[5 + n:]  # 0xc1: never valid msgpack
    env.write(lambda txn: txn.put(raw, damaged, db=env.db["artifacts"]))
    with pytest.raises(IntegrityError):
        store.stat(d)
    assert store.get(d) == b"payload"  # the bytes themselves are intact and verified

"""Map growth while other threads read, and growth made by another process."""

from __future__ import annotations

import random
import subprocess
import sys
import threading
import time

import pytest

from symphony.artifacts import ArtifactStore

from .conftest import child_env


def test_growth_while_readers_read(tmp_path):
    with ArtifactStore(tmp_path / "s", shards=1, map_size=128 << 10) as store:
        seed = [store.put(random.Random(i).randbytes(3000)) for i in range(5)]
        stop = threading.Event()
        errors: list[BaseException] = []
        reads = [0]

        def reader() -> None:
            try:
                while not stop.is_set():
                    for d in seed:
                        assert len(store.get(d)) == 3000
                        reads[0] += 1
                    time.sleep(0.001)  # leave the GIL to the writer now and then
            except BaseException as exc:  # noqa: BLE001
                errors.append(exc)

        threads = [threading.Thread(target=reader) for _ in range(3)]
        for t in threads:
            t.start()
        try:
            big = [store.put(random.Random(100 + i).randbytes(200_000)) for i in range(10)]
        finally:
            stop.set()
            for t in threads:
                t.join()
        assert not errors and reads[0] > 0
        assert store._shards[0].env.map_size > 128 << 10
        assert all(len(store.get(d)) == 200_000 for d in big)


def test_growth_by_another_process_is_adopted(tmp_path):
    path = tmp_path / "s"
    with ArtifactStore(path, shards=1, map_size=256 << 10) as store:
        mine = store.put(b"before")
        code = ("import sys, random; from symphony.artifacts import ArtifactStore\n"
                "with ArtifactStore(sys.argv[1], map_size=256 << 10) as s:\n"
                "    print(s.put(random.Random(7).randbytes(3 << 20)))\n")
        env = child_env()
        out = subprocess.run([sys.executable, "-c", code, str(path)], env=env, capture_output=True, check=True)
        theirs = out.stdout.decode().strip()
        assert store.get(theirs) == random.Random(7).randbytes(3 << 20)
        assert store.get(mine) == b"before"
        again = store.put(random.Random(8).randbytes(2 << 20))
        assert len(store.get(again)) == 2 << 20


def _persisted_map_size(shard_dir) -> int:
    """The map size LMDB stored in the newest meta page (what a later ``set_mapsize(0)`` adopts)."""
    import lmdb

    env = lmdb.open(str(shard_dir), readonly=True, lock=False, max_dbs=16, map_size=0)
    try:
        return int(env.info()["map_size"])  # opened without a size: LMDB takes the stored one
    finally:
        env.close()


def test_fifty_restarts_that_each_grow_keep_the_map_bounded_by_the_data(tmp_path):
    # Each restart opens at a small map, adds a little data, so each one must grow the map.
    # The map must follow the data, not double whatever an earlier process left on disk.
    path = tmp_path / "s"
    kept: list[str] = []
    for restart in range(50):
        with ArtifactStore(path, shards=1, map_size=256 << 10, index=False) as store:
            for i in range(4):
                kept.append(store.put(random.Random(restart * 10 + i).randbytes(6000)))
            env = store._shards[0].env
            used = (env.env.info()["last_pgno"] + 1) * env.env.stat()["psize"]
            assert env.map_size <= 4 * used + (4 << 20), (restart, env.map_size, used)
            assert len(store) == len(kept)
        assert _persisted_map_size(path / "shard-0") <= 4 * used + (4 << 20), restart
    with ArtifactStore(path, index=False) as store:
        assert [len(store.get(d)) for d in kept] == [6000] * len(kept)
        store.gc(grace=0)  # gc wrote through every shard in the reported failure
        assert len(store) == 0


def test_a_shard_at_its_map_limit_raises_a_typed_error_and_keeps_serving(tmp_path):
    from symphony.errors import ArtifactStoreFull

    with ArtifactStore(tmp_path / "s", shards=1, map_size=256 << 10, max_map_size=2 << 20, index=False) as store:
        kept = []
        with pytest.raises(ArtifactStoreFull):
            for i in range(1000):
                kept.append(store.put(random.Random(i).randbytes(8000), name=f"n{i % 3}"))
        assert 0 < len(kept) < 1000 and len(store) == len(kept)
        assert all(len(store.get(d)) == 8000 for d in kept)
        assert store.put(random.Random(0).randbytes(8000)) == kept[0]  # a dedup hit writes nothing
        assert store.versions("n0") and store.stat(kept[-1]).size == 8000
        assert store._shards[0].env.map_size <= 2 << 20
    with ArtifactStore(tmp_path / "s", index=False) as store:  # and after a restart
        assert [len(store.get(d)) for d in kept] == [8000] * len(kept)


def test_a_refused_remap_raises_a_typed_error_and_keeps_serving(tmp_path):
    # The OS refuses the address space (RLIMIT_AS): LMDB's remap would fail and drop the environment.
    code = """if True:
        import random, resource, sys
        from symphony.artifacts import ArtifactStore
        from symphony.errors import ArtifactStoreFull
        with ArtifactStore(sys.argv[1], shards=1, map_size=256 << 10, index=False) as store:
            first = store.put(b"first")
            with open("/proc/self/statm") as fh:
                vm = int(fh.read().split()[0]) * resource.getpagesize()
            resource.setrlimit(resource.RLIMIT_AS, (vm + (256 << 20), resource.RLIM_INFINITY))
            kept = []
            try:
                for i in range(100_000):
                    kept.append(store.put(random.Random(i).randbytes(100_000)))
            except ArtifactStoreFull as exc:
                print("full", exc, file=sys.stderr)
            assert store.get(first) == b"first"
            assert all(len(store.get(d)) == 100_000 for d in kept[-5:])
            assert store.put(b"small") in store
            print(len(kept))
    """
    env = child_env()
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path / "s")], env=env, capture_output=True)
    assert out.returncode == 0, out.stderr.decode()[-2000:]
    assert b"full" in out.stderr and 0 < int(out.stdout) < 100_000

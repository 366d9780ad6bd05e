"""Artifact store: durable put, get, group commit and edit deduplication, beside the peers.

- ``PutLatency``: p50 of a durable 4 KB ``put`` (default store: 1 shard, index on) vs one
  raw py-lmdb write transaction with sync on (target: at most 1.2x).
- ``GetLatency``: p50 of a 4 KB ``get`` (digest verified) vs diskcache's ``get`` (target:
  no slower).
- ``ConcurrentWriters``: 8 threads putting 4 KB artifacts vs one raw synced LMDB writer
  (no target: the disk's group-commit ceiling below is the one), with the default 1 shard
  and with 2.
- ``GroupCommitCeiling``: the same 8-writer run beside the ceiling: one raw py-lmdb
  environment committing the puts 8 to a synced transaction (perfect batching, one
  thread). Target: at least 85% of it.
- ``EditDedup``: bytes added by storing a 20 MB artifact again after a 10-byte edit in the
  middle (target: under 2 MB).
"""

from __future__ import annotations

from typing import Any

import os
import random
import shutil
import statistics
import tempfile
import threading
import time

N = 400
SIZE = 4096


def _payloads(n: int, size: int = SIZE, seed: int = 3) -> list[bytes]:
    rnd = random.Random(seed)
    return [rnd.randbytes(size) for _ in range(n)]


def _p50_us(samples: list[float]) -> float:
    return statistics.median(samples) * 1e6


def _p99_us(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1e6


class PutLatency:
    """One durable 4 KB put of fresh content, the store as a user opens it (default shards,
    search index on), vs one raw py-lmdb write transaction with sync and metasync on.

    ``time_put`` is one put per sample, taken in turn with the peer's (interleaved), so the
    shared disk's slow spells hit both alike; its median is the p50.
    """

    params = [["symphony", "lmdb"]]
    param_names = ["impl"]
    unit = "us"
    timeout = 600
    repeat = (400, 3000, 20.0)
    warmup_time = 0.2

    def setup(self, impl: str) -> None:
        self.dir = tempfile.mkdtemp(prefix="bench-put-")
        self.data = _payloads(2 * N)
        if impl == "symphony":
            from symphony.artifacts import ArtifactStore

            self.store = ArtifactStore(self.dir)
            self.put: Any = self.store.put
        else:
            import lmdb
            import xxhash

            self.env = lmdb.open(self.dir, map_size=1 << 30, sync=True, metasync=True)
            env = self.env
            digest = xxhash.xxh3_128_digest

            def put(data: bytes) -> None:
                with env.begin(write=True) as txn:
                    txn.put(digest(data), data)

            self.put = put

    def teardown(self, impl: str) -> None:
        if impl == "symphony":
            self.store.close()
        else:
            self.env.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def _next(self) -> bytes:
        if not self.data:  # the same content again is a dedup hit: cheap, so keep it fresh
            self.data = [os.urandom(SIZE) for _ in range(N)]
        return self.data.pop()

    def time_put(self, impl: str) -> None:
        self.put(self._next())

    time_put.target = 1.2  # type: ignore[attr-defined]

    def track_put_p99_us(self, impl: str) -> float:
        samples = []
        for _ in range(N):
            d = self._next()
            start = time.perf_counter()
            self.put(d)
            samples.append(time.perf_counter() - start)
        return _p99_us(samples)

    track_put_p99_us.unit = "us"  # type: ignore[attr-defined]
    track_put_p99_us.interleave = True  # type: ignore[attr-defined]


class GetLatency:
    params = [["symphony", "diskcache"]]
    param_names = ["impl"]
    unit = "us"
    timeout = 300
    repeat = 3
    interleave = True

    def setup(self, impl: str) -> None:
        self.dir = tempfile.mkdtemp(prefix="bench-get-")
        data = _payloads(N)
        if impl == "symphony":
            from symphony.artifacts import ArtifactStore

            self.store: Any = ArtifactStore(self.dir, index=False)
            self.keys = [self.store.put(d) for d in data]
            self.get = self.store.get
        else:
            import diskcache

            self.store = diskcache.Cache(self.dir)
            self.keys = [f"k{i}" for i in range(N)]
            for k, d in zip(self.keys, data):
                self.store.set(k, d)
            self.get = self.store.get
        for k in self.keys:
            self.get(k)  # warm up

    def teardown(self, impl: str) -> None:
        self.store.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def _get_samples(self) -> list[float]:
        samples = []
        get = self.get
        for _ in range(3):
            for k in self.keys:
                start = time.perf_counter()
                get(k)
                samples.append(time.perf_counter() - start)
        return samples

    def track_get_p50_us(self, impl: str) -> float:
        return _p50_us(self._get_samples())

    track_get_p50_us.unit = "us"  # type: ignore[attr-defined]
    track_get_p50_us.target = 1.0  # type: ignore[attr-defined]

    def track_get_p99_us(self, impl: str) -> float:
        return _p99_us(self._get_samples())

    track_get_p99_us.unit = "us"  # type: ignore[attr-defined]


class _FreshRuns:
    """Each call writes 1,600 fresh 4 KB payloads into a fresh directory (repeats would be dedup hits)."""

    param_names = ["impl", "shards"]
    timeout = 300
    repeat = 3
    prefix = "bench-"
    seed = 0

    def setup(self, impl: str, shards: int) -> None:
        self.dir = tempfile.mkdtemp(prefix=self.prefix)
        self.calls = 0

    def teardown(self, impl: str, shards: int) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)

    def _fresh(self) -> tuple[str, list[bytes]]:
        self.calls += 1
        return os.path.join(self.dir, str(self.calls)), _payloads(1600, seed=self.seed + self.calls)


class ConcurrentWriters(_FreshRuns):
    """symphony: 8 writer threads sharing one store (``shards`` shards); lmdb: one raw synced writer."""

    params = [["symphony", "lmdb"], [1, 2]]
    prefix = "bench-conc-"
    seed = 11

    def track_puts_per_second(self, impl: str, shards: int) -> float:
        path, data = self._fresh()
        if impl == "lmdb":
            import lmdb
            import xxhash

            env = lmdb.open(path, map_size=1 << 30, sync=True, metasync=True)
            try:
                start = time.perf_counter()
                for d in data[:400]:
                    with env.begin(write=True) as txn:
                        txn.put(xxhash.xxh3_128_digest(d), d)
                return 400 / (time.perf_counter() - start)
            finally:
                env.close()
        return _eight_writers(path, shards, data)

    track_puts_per_second.unit = "puts/s"  # type: ignore[attr-defined]
    track_puts_per_second.higher_is_better = True  # type: ignore[attr-defined]


def _eight_writers(path: str, shards: int, data: list[bytes]) -> float:
    """Puts per second of 8 threads sharing one store, each putting its eighth of ``data``."""
    from symphony.artifacts import ArtifactStore

    with ArtifactStore(path, shards=shards) as store:  # as a user opens it: search index on
        parts = [data[i::8] for i in range(8)]

        def writer(part: list[bytes]) -> None:
            for d in part:
                store.put(d)

        return len(data) / _seconds_in_threads(writer, parts)


def _seconds_in_threads(target: Any, args: list[Any]) -> float:
    """Wall time of ``target(a)`` run for every ``a`` of ``args``, each in a thread of its own."""
    threads = [threading.Thread(target=target, args=(a,)) for a in args]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - start


class GroupCommitCeiling(_FreshRuns):
    """symphony: as in ConcurrentWriters; lmdb-grouped: the ceiling, ONE raw py-lmdb environment
    (sync and metasync on) committing the same puts 8 to a synced transaction, from one thread.

    Target: at least 85% of the ceiling. The peer does not depend on ``shards``.
    """

    params = [["symphony", "lmdb-grouped"], [1, 2]]
    prefix = "bench-ceiling-"
    seed = 101
    interleave = True

    def track_puts_per_second(self, impl: str, shards: int) -> float:
        path, data = self._fresh()
        if impl == "symphony":
            return _eight_writers(path, shards, data)
        import lmdb
        import xxhash

        env = lmdb.open(path, map_size=1 << 30, sync=True, metasync=True)
        digest = xxhash.xxh3_128_digest
        try:
            start = time.perf_counter()
            for j in range(0, len(data), 8):
                with env.begin(write=True) as txn:
                    for d in data[j:j + 8]:
                        txn.put(digest(d), d)
            return len(data) / (time.perf_counter() - start)
        finally:
            env.close()

    track_puts_per_second.unit = "puts/s"  # type: ignore[attr-defined]
    track_puts_per_second.higher_is_better = True  # type: ignore[attr-defined]
    track_puts_per_second.target = 0.85  # type: ignore[attr-defined]


class EditDedup:
    params = [["symphony"]]
    param_names = ["impl"]
    timeout = 300

    def setup(self, impl: str) -> None:
        self.dir = tempfile.mkdtemp(prefix="bench-dedup-")
        self.big = random.Random(5).randbytes(20 << 20)
        edited = bytearray(self.big)
        middle = len(edited) // 2
        edited[middle:middle + 10] = b"0123456789"
        self.edited = bytes(edited)

    def teardown(self, impl: str) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)

    def track_added_bytes(self, impl: str) -> float:
        from symphony.artifacts import ArtifactStore

        with ArtifactStore(self.dir, index=False) as store:
            store.put(self.big)
            before = _chunk_bytes(store)
            store.put(self.edited)
            return float(_chunk_bytes(store) - before)

    track_added_bytes.unit = "bytes"  # type: ignore[attr-defined]
    track_added_bytes.limit = 2 * 1024 * 1024  # type: ignore[attr-defined]


def _chunk_bytes(store) -> int:  # type: ignore[no-untyped-def]
    total = 0
    for shard in store._shards:  # noqa: SLF001 - measuring what is on disk
        db = shard.env.db["chunks"]
        total += shard.env.read(lambda txn, db=db: sum(len(v) for _, v in txn.cursor(db=db)))
    return total


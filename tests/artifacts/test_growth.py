"""Map growth while other threads read, and growth made by another process."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import threading
import time

import symphony
from symphony.artifacts import ArtifactStore

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(symphony.__file__)))


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
        env = dict(os.environ, PYTHONPATH=os.pathsep.join([ROOT, *sys.path]))
        out = subprocess.run([sys.executable, "-c", code, str(path)], env=env, capture_output=True, check=True)
        theirs = out.stdout.decode().strip()
        assert store.get(theirs) == random.Random(7).randbytes(3 << 20)
        assert store.get(mine) == b"before"
        again = store.put(random.Random(8).randbytes(2 << 20))
        assert len(store.get(again)) == 2 << 20

"""kill -9 in the middle of puts: nothing acknowledged is lost."""

from __future__ import annotations

import textwrap

from symphony.artifacts import ArtifactStore

from .conftest import kill_9_after

WRITER = textwrap.dedent("""
    import random, sys, threading
    from symphony.artifacts import ArtifactStore

    store = ArtifactStore(sys.argv[1], shards=3)
    lock = threading.Lock()

    def writer(seed):
        rnd = random.Random(seed)
        i = 0
        while True:
            size = rnd.choice([100, 5000, 1_200_000])
            data = rnd.randbytes(size)
            digest = store.put(data, name=f"w{seed}")
            with lock:
                sys.stdout.write(f"{digest} {seed} {i} {size}\\n")
                sys.stdout.flush()
            i += 1

    for seed in range(4):
        threading.Thread(target=writer, args=(seed,), daemon=True).start()
    threading.Event().wait()
""")


def test_kill_9_loses_nothing_acknowledged(tmp_path):
    path = tmp_path / "store"
    acknowledged = kill_9_after(WRITER, path, 40)
    acknowledged = [a for a in acknowledged if len(a) == 4]
    with ArtifactStore(path) as store:
        for digest, seed, _, size in acknowledged:
            data = store.get(digest)
            assert len(data) == int(size)
            assert digest in [v.digest for v in store.versions(f"w{seed}")]
        assert store.verify() == []
        store.gc(grace=0.0)  # reclaims whatever the killed puts left half-written
        for digest, *_ in acknowledged:
            assert store.has(digest)

"""The pool hit path's extras for the pool itself, in both twins: ``try_acquire`` (a hit or
None, never the miss), ``Entry.first_used``, and the grant log (``drain_grants``) that
the pool's predictor learns the request sequence from."""

from __future__ import annotations

import threading

import pytest
import symphony._speedups as speedups

VARIANTS = speedups.variants("_pool")
IMPLS = pytest.mark.parametrize("core", list(VARIANTS.values()), ids=list(VARIANTS))


@IMPLS
def test_try_acquire_never_calls_the_miss(core):
    calls = []
    table = core.SlotTable(lambda *a: calls.append(a))
    entry = core.Entry(len, 1, tag="t")
    table.bind("m", entry)
    lease = table.try_acquire("m")
    assert lease is not None and lease.model is len
    assert table.try_acquire("m") is None  # at its limit
    assert table.try_acquire("other") is None
    assert table.try_acquire("m", 3) is None
    assert calls == []
    lease.release()
    table.bind(("m", 3), entry)
    with table.try_acquire("m", 3) as model:
        assert model is len
    with pytest.raises(TypeError):
        table.try_acquire([])


@IMPLS
def test_first_and_last_use(core):
    table = core.SlotTable()
    entry = core.Entry(len)
    table.bind("m", entry)
    assert entry.first_used == 0.0 and entry.last_used == 0.0
    table.acquire("m").release()
    first = entry.first_used
    assert first > 0 and entry.last_used == first
    table.acquire("m").release()
    assert entry.first_used == first and entry.last_used >= first


@IMPLS
def test_grants_are_logged_once_in_order_with_their_tags(core):
    table = core.SlotTable()
    a, b = core.Entry(len, tag=("a", 1)), core.Entry(len, tag=("b", 2))
    table.bind("a", a)
    table.bind("b", b)
    assert table.drain_grants() == []
    for name in "abba":
        table.acquire(name).release()
    table.acquire("missing")
    grants = table.drain_grants()
    assert [tag for tag, _ in grants] == [("a", 1), ("b", 2), ("b", 2), ("a", 1)]
    times = [t for _, t in grants]
    assert times == sorted(times)
    assert table.drain_grants() == []
    table.try_acquire("a").release()
    assert [tag for tag, _ in table.drain_grants()] == [("a", 1)]


@IMPLS
def test_the_grant_log_keeps_the_latest_when_nobody_drains_it(core):
    table = core.SlotTable()
    table.bind("a", core.Entry(len, tag="a"))
    for _ in range(20000):
        table.acquire("a").release()
    grants = table.drain_grants()
    assert len(grants) == 16384
    assert table.drain_grants() == []


@IMPLS
def test_every_grant_of_many_threads_is_logged_once(core):
    table = core.SlotTable()
    table.bind("a", core.Entry(len, tag="a"))
    drained: list = []
    stop = threading.Event()

    def drainer():
        while not stop.is_set():
            drained.extend(table.drain_grants())

    def worker():
        for _ in range(2000):
            table.acquire("a").release()

    d = threading.Thread(target=drainer)
    d.start()
    workers = [threading.Thread(target=worker) for _ in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    stop.set()
    d.join()
    drained.extend(table.drain_grants())
    assert len(drained) == 8000

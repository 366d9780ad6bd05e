"""The pool: lifecycle states, leases, versions, the memory budget, events, failures.

Models here are real Python callables registered in code (the "python" loader); a factory
that waits on an event holds a load in LOADING for as long as a test needs.
"""

from __future__ import annotations

import threading
import time

import pytest

from symphony import Node, SymphonyError
from symphony.errors import MessageExpired, ModelNotFound, ModelTimeout, ModelUnavailable, PoolFull
from symphony.pool import ModelState, Pool, PoolClient
from tests.conftest import wait_until

MB = 1 << 20


def double(x):
    return 2 * x


def state(pool: Pool, name: str, version: int = 1) -> str:
    return next(r["state"] for r in pool.index() if r["name"] == name and r["version"] == version)


@pytest.fixture
def pool(node: Node):
    with Pool(node, None, budget=10 * MB, prewarm=False) as p:
        yield p


def test_a_model_goes_from_unknown_to_ready_on_first_acquire(pool: Pool):
    pool.register("double", double, memory=MB)
    assert state(pool, "double") == "UNKNOWN"
    assert not pool.ready("double")
    with pool.acquire("double") as model:
        assert model(21) == 42
        assert state(pool, "double") == "READY"
    with pool.acquire("double", 1) as model:
        assert model(1) == 2
    stats = pool.statistics("double")["models"][0]
    assert stats["misses"] == 1 and stats["loads"] == 1 and stats["hits"] >= 1
    assert pool.ready("double") and pool.ready("double", 1) and not pool.ready("double", 2)


def test_a_lease_is_released_once_however_often_it_is_released(pool: Pool):
    pool.register("double", double, memory=MB)
    lease = pool.acquire("double")
    lease.release()
    lease.release()
    assert pool.statistics()["models"][0]["live_leases"] == 0


def test_unload_during_a_lease_waits_for_the_lease(pool: Pool):
    pool.register("double", double, memory=MB)
    lease = pool.acquire("double")
    pool.unload("double")
    assert state(pool, "double") == "UNLOADING"
    assert lease.model(2) == 4  # the leased model still works
    lease.release()
    assert wait_until(lambda: state(pool, "double") == "UNAVAILABLE")
    assert pool.statistics()["used"] == 0
    with pool.acquire("double") as model:  # unloaded, not failed: loaded again
        assert model(3) == 6


def test_loading_is_visible_and_wait_false_fails_fast(pool: Pool):
    gate = threading.Event()

    def slow_factory(manifest):
        gate.wait(30)
        return double

    pool.register("slow", slow_factory, memory=MB, factory=True)
    with pytest.raises(ModelTimeout):
        pool.acquire("slow", wait=False)
    assert state(pool, "slow") == "LOADING"
    with pytest.raises(ModelTimeout):
        pool.acquire("slow", timeout=0.05)
    pool.register("double", double, memory=MB)
    with pool.acquire("double") as model:  # another model is not held up by the load
        assert model(1) == 2
    gate.set()
    with pool.acquire("slow", timeout=30) as model:
        assert model(5) == 10


def test_a_failed_load_is_unavailable_with_its_reason_and_the_pool_keeps_serving(pool: Pool):
    def broken(manifest):
        raise RuntimeError("weights are corrupt")

    pool.register("broken", broken, memory=MB, factory=True)
    pool.register("double", double, memory=MB)
    with pytest.raises(ModelUnavailable, match="weights are corrupt"):
        pool.acquire("broken", timeout=30)
    row = next(r for r in pool.index() if r["name"] == "broken")
    assert row["state"] == "UNAVAILABLE" and "weights are corrupt" in row["reason"]
    with pytest.raises(ModelUnavailable):
        pool.acquire("broken")
    with pool.acquire("double") as model:
        assert model(2) == 4
    assert pool.statistics()["used"] == MB


def test_unknown_models_and_bad_arguments_get_typed_errors(pool: Pool):
    with pytest.raises(ModelNotFound):
        pool.acquire("nothing")
    pool.register("double", double, memory=MB)
    for name, version in ((123, None), ("double", "1"), ("double", 7), (None, None), ("double", True)):
        with pytest.raises(ModelNotFound):
            pool.acquire(name, version)
    with pytest.raises(ValueError):
        pool.acquire("double", None, float("nan"))
    with pytest.raises(ModelNotFound):
        pool.unload("nothing")
    with pool.acquire("double") as model:
        assert model(1) == 2


def test_the_lease_limit(pool: Pool):
    pool.register("one", double, memory=MB, max_leases=1)
    first = pool.acquire("one")
    with pytest.raises(PoolFull):
        pool.acquire("one", wait=False)
    got = []
    t = threading.Thread(target=lambda: got.append(pool.acquire("one", timeout=30)))
    t.start()
    first.release()
    t.join()
    assert got and got[0].model(1) == 2
    got[0].release()


def test_the_budget_evicts_an_unleased_model_never_a_leased_one(pool: Pool):
    for name in ("a", "b", "c"):
        pool.register(name, double, memory=4 * MB)
    pool.acquire("a").release()
    held = pool.acquire("b")
    with pool.acquire("c") as model:  # 12 MB > 10 MB: "a" (no lease) goes
        assert model(1) == 2
    assert state(pool, "a") in ("UNAVAILABLE", "UNLOADING")
    assert state(pool, "b") == "READY"
    assert pool.statistics()["used"] <= pool.budget
    leased_c = pool.acquire("c")
    with pytest.raises(PoolFull):  # b and c are leased: no room for a
        pool.acquire("a", timeout=5)
    held.release()
    leased_c.release()
    with pool.acquire("a", timeout=30) as model:
        assert model(2) == 4
    assert pool.statistics()["used"] <= pool.budget


def test_a_model_larger_than_the_budget_is_unavailable(pool: Pool):
    pool.register("huge", double, memory=100 * MB)
    with pytest.raises(ModelUnavailable, match="budget"):
        pool.acquire("huge")


def test_a_new_version_is_swapped_in_with_no_gap(pool: Pool):
    pool.register("m", lambda x: ("v1", x), memory=MB)
    old = pool.acquire("m")
    errors: list[BaseException] = []
    seen: set[str] = set()
    stop = threading.Event()

    def keep_calling():
        while not stop.is_set():
            try:
                with pool.acquire("m", timeout=30) as model:
                    seen.add(model(0)[0])
            except BaseException as exc:  # noqa: BLE001
                errors.append(exc)
                return

    t = threading.Thread(target=keep_calling)
    t.start()
    pool.register("m", lambda x: ("v2", x), version=2, memory=MB)
    pool.load("m", timeout=30)
    assert wait_until(lambda: "v2" in seen)
    stop.set()
    t.join()
    assert not errors
    assert old.model(1) == ("v1", 1)  # a lease taken before the swap finishes on v1
    old.release()
    assert wait_until(lambda: state(pool, "m", 1) == "UNAVAILABLE")
    with pool.acquire("m") as model:
        assert model(0)[0] == "v2"


def test_a_failed_new_version_keeps_the_old_one_serving(pool: Pool):
    pool.register("m", lambda x: "v1", memory=MB)
    pool.load("m", timeout=30)

    def broken(manifest):
        raise ValueError("bad export")

    pool.register("m", broken, version=2, memory=MB, factory=True)
    pool.load("m", timeout=30)
    assert state(pool, "m", 2) == "UNAVAILABLE"
    assert "bad export" in next(r["reason"] for r in pool.index() if r["version"] == 2)
    assert state(pool, "m", 1) == "READY"
    with pool.acquire("m") as model:
        assert model(0) == "v1"


def test_events_reach_the_bus(node: Node, pool: Pool):
    events: list[dict] = []
    node.subscribe("symphony.pool", lambda topic, event: events.append(event))
    for name in ("a", "b", "c"):
        pool.register(name, double, memory=4 * MB)
    for name in ("a", "b", "c"):
        pool.acquire(name).release()
    assert wait_until(lambda: any(e["event"] == "model.evicted" for e in events))
    kinds = [e["event"] for e in events]
    assert "model.loading" in kinds and "model.ready" in kinds and "model.unloaded" in kinds


def test_concurrent_acquires_of_a_cold_model_load_it_once(pool: Pool):
    loads = []

    def factory(manifest):
        loads.append(1)
        return double

    pool.register("m", factory, memory=MB, factory=True)
    results: list[int] = []
    barrier = threading.Barrier(8)

    def worker():
        barrier.wait()
        for i in range(200):
            with pool.acquire("m", timeout=30) as model:
                results.append(model(i))

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(loads) == 1
    assert len(results) == 1600
    stats = pool.statistics("m")["models"][0]
    assert stats["live_leases"] == 0 and stats["hits"] + stats["misses"] == 1600


def test_statistics_report_acquire_latency_and_wasted_memory(pool: Pool):
    pool.register("m", double, memory=MB)
    for _ in range(1000):
        pool.acquire("m").release()
    stats = pool.statistics()
    assert stats["acquire"]["p50"] > 0 and stats["acquire"]["p99"] >= stats["acquire"]["p50"]
    row = stats["models"][0]
    assert row["wasted_memory_seconds"] >= 0 and row["memory"] == MB


def test_close_stops_everything(node: Node):
    pool = Pool(node, None, budget=10 * MB)
    pool.register("m", double, memory=MB)
    lease = pool.acquire("m")
    pool.close()
    lease.release()
    assert "pool" not in node.names()
    pool.close()  # twice is fine


def test_states_are_tritons():
    assert [s.value for s in ModelState] == ["UNKNOWN", "LOADING", "READY", "UNLOADING", "UNAVAILABLE"]


def test_prewarming_loads_the_model_the_sequence_predicts(node: Node):
    events: list[dict] = []
    node.subscribe("symphony.pool", lambda topic, event: events.append(event))
    with Pool(node, None, budget=10 * MB, prewarm=True, prewarm_interval=0.005) as pool:
        for name in ("a", "b", "c"):
            pool.register(name, double, memory=2 * MB)
        for _ in range(8):  # a pipeline: a is always followed by b
            for name in ("a", "b"):
                pool.acquire(name, timeout=30).release()
            assert wait_until(lambda: state(pool, "b") == "READY")
            pool.unload("b")
            assert wait_until(lambda: state(pool, "b") == "UNAVAILABLE")
        before = sum(1 for e in events if e["event"] == "model.loading" and e.get("cause") == "prewarm")
        pool.acquire("a", timeout=30).release()  # b is predicted next: it is loaded ahead
        assert wait_until(lambda: sum(1 for e in events if e["event"] == "model.loading"
                                      and e.get("cause") == "prewarm" and e["model"] == "b") > before)
        assert wait_until(lambda: pool.ready("b"))
        pool.acquire("b").release()  # a hit: the prewarm saved a cold start
        stats = {m["name"]: m for m in pool.statistics()["models"]}
        assert stats["b"]["prewarms"] >= 1 and stats["b"]["prewarm_hits"] >= 1
        assert "c" not in stats or stats["c"]["loads"] == 0  # never requested, never predicted
        assert pool.statistics()["used"] <= pool.budget


def test_the_pool_actor_answers_a_load_later_and_bounds_it_by_the_ttl(node: Node):
    gate = threading.Event()

    def slow(manifest):
        gate.wait(30)
        return double

    with Pool(node, None, prewarm=False) as pool:
        pool.register("slow", slow, factory=True)
        pool.register("double", double)
        client = pool.client()
        pending = client.ref.ask_async("load", {"name": "slow"})
        assert client.ready("double") is False
        assert client.call("double", 4) == 8  # the actor answers others meanwhile
        with pytest.raises((ModelTimeout, MessageExpired)):  # the message's TTL bounds the wait
            client.ref.ask("call", {"name": "slow", "args": [1]}, ttl=0.2, timeout=30)
        gate.set()
        assert [r["state"] for r in pending.get(30)] == ["READY"]
        assert client.call("slow", 5) == 10
        with pytest.raises(Exception):
            client.ref.ask("call", {"name": "double", "args": [1], "timeout": "soon"}, timeout=30)


def test_pool_events_are_in_the_trace(node: Node):
    tracer = node.start_trace()
    with Pool(node, None, prewarm=False) as pool:
        pool.register("double", double)
        pool.acquire("double").release()
    names = [e["name"] for e in tracer.events()]
    assert any(n.startswith("model.loading") for n in names) and any(n.startswith("model.ready") for n in names)
    node.stop_trace()


def test_remote_calls_to_a_slow_model_run_side_by_side(tmp_path):
    """Two calls meet at a barrier inside the model: only calls run at the same time pass it."""
    barrier = threading.Barrier(2, timeout=30)

    def meet(x):
        if x == "warm-up":
            time.sleep(0.05)  # a slow call: the pool moves this model's calls to its call threads
            return x
        barrier.wait()
        return x

    listen = f"unix://{tmp_path}/pool.sock"
    with Node("server", listen=listen, secret=b"k" * 32) as server, Node("client", secret=b"k" * 32) as client:
        with Pool(server, None, prewarm=False) as pool:
            pool.register("meet", meet)
            pool.register("double", double)
            remote = PoolClient(client.ref(server.address + "#pool"), timeout=60)
            assert remote.call("meet", "warm-up") == "warm-up"
            first = client.ref(server.address + "#pool").ask_async("call", {"name": "meet", "args": [1]})
            assert remote.call("meet", 2) == 2  # would wait at the barrier forever if calls ran one by one
            assert first.get(30) == 1
            assert remote.call("double", 21) == 42  # a fast model is answered inline meanwhile


def test_requests_without_a_model_name_get_a_typed_error(pool: Pool):
    pool.register("double", double)
    client = pool.client()
    for kind in ("ready", "metadata", "unload", "load", "call"):
        for payload in ({}, {"name": 5}, {"name": None, "version": 1}, [1, 2]):
            with pytest.raises(SymphonyError):
                client.ref.ask(kind, payload, timeout=30)
    assert client.call("double", 2) == 4


def test_a_revived_copy_closes_only_when_every_lease_on_it_is_back(pool: Pool):
    pool.register("m", double, memory=MB)
    first = pool.acquire("m")
    pool.unload("m")
    second = pool.acquire("m")  # served again from the copy still in memory
    second.release()
    pool.unload("m")
    assert state(pool, "m") == "UNLOADING"
    assert first.model(3) == 6  # the first lease's copy is still open
    assert pool.statistics()["used"] == MB  # charged once, not freed twice
    first.release()
    assert wait_until(lambda: state(pool, "m") == "UNAVAILABLE")
    assert pool.statistics()["used"] == 0

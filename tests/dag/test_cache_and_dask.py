"""cache=True through the artifact store, and running on a dask.distributed LocalCluster."""

from __future__ import annotations

import sys

import pytest

from symphony.artifacts import ArtifactStore
from symphony.dag import Workflow
from symphony.errors import WorkflowFailed

CALLS: list[str] = []


def load() -> list[int]:
    CALLS.append("load")
    return list(range(10))


def square(xs: list[int]) -> list[int]:
    CALLS.append("square")
    return [x * x for x in xs]


def total(xs: list[int]) -> int:
    return sum(xs)


def explode(xs: list[int]) -> int:
    raise ValueError("boom")


def _workflow() -> Workflow:
    wf = Workflow("cached")
    wf.add("load", load, cache=True)
    wf.add("square", square, deps=["load"], cache=True)
    wf.add("total", total, deps=["square"])
    return wf


def test_cache_reuses_results_across_runs(tmp_path):
    CALLS.clear()
    with ArtifactStore(tmp_path / "store") as store:
        assert _workflow().run(store=store)["total"] == 285
        assert CALLS == ["load", "square"]
        events: list[dict] = []
        assert _workflow().run(store=store, on_event=events.append)["total"] == 285
        assert CALLS == ["load", "square"]
        assert {e["task"] for e in events if e["event"] == "task.cached"} == {"load", "square"}
        assert any(n.startswith("symphony.dag.cache/") for n in store.names())
        store.gc(grace=0.0)  # cached results are named versions: gc keeps them
        assert _workflow().run(store=store)["total"] == 285
        assert CALLS == ["load", "square"]


@pytest.fixture(scope="module")
def dask_client():
    distributed = pytest.importorskip("distributed")
    import cloudpickle

    cloudpickle.register_pickle_by_value(sys.modules[__name__])
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=None, silence_logs=40)
    client = distributed.Client(cluster)
    yield client
    client.close()
    cluster.close()
    cloudpickle.unregister_pickle_by_value(sys.modules[__name__])


def test_dask_executor_runs_tasks_on_the_cluster(dask_client, tmp_path):
    wf = Workflow("on-dask")
    wf.add("load", load)
    wf.add("square", square, deps=["load"])
    wf.add("total", total, deps=["square"])
    results = wf.run(executor=dask_client, checkpoint=tmp_path / "ck")
    assert results["total"] == 285
    # recorded the same way: a rerun restores everything without touching the cluster
    again = Workflow("on-dask")
    again.add("load", load)
    again.add("square", square, deps=["load"])
    again.add("total", total, deps=["square"])
    assert again.run(executor=dask_client, checkpoint=tmp_path / "ck") == results


def test_dask_executor_failures_and_retries(dask_client):
    wf = Workflow("dask-fail")
    wf.add("load", load)
    wf.add("bad", explode, deps=["load"], retries=1)
    wf.add("after", total, deps=["bad"])
    wf.add("ok", total, deps=["load"])
    with pytest.raises(WorkflowFailed) as info:
        wf.run(executor=dask_client)
    assert isinstance(info.value.failures["bad"], ValueError)
    assert info.value.skipped == ["after"] and info.value.results["ok"] == 45


def test_cache_key_tells_closures_apart(tmp_path):
    def make(k):
        def f():
            return k
        return f

    with ArtifactStore(tmp_path / "store") as store:
        wf = Workflow("closures")
        wf.add("one", make(1), cache=True)
        wf.add("two", make(2), cache=True)
        assert wf.run(store=store) == {"one": 1, "two": 2}
        assert wf.run(store=store) == {"one": 1, "two": 2}


def test_default_cache_store_is_closed_after_each_run(tmp_path, monkeypatch):
    """Without ``store=``, a run opens the store at $SYMPHONY_CACHE and closes it when done,
    so a second run in the same process can open it again (LMDB refuses a second handle)
    and no shard thread outlives the run."""
    import threading

    monkeypatch.setenv("SYMPHONY_CACHE", str(tmp_path / "cache"))
    CALLS.clear()
    before = set(threading.enumerate())
    assert _workflow().run()["total"] == 285
    assert _workflow().run()["total"] == 285
    assert CALLS == ["load", "square"]  # the second run found both results in the cache
    left = [t for t in threading.enumerate() if t not in before]
    for t in left:
        t.join(10)
    assert not [t.name for t in left if t.is_alive()]
    with ArtifactStore(tmp_path / "cache") as store:  # and the store is free to open
        assert any(n.startswith("symphony.dag.cache/") for n in store.names())

"""Many threads at once: calls to the same extension run one at a time in its actor (none
lost or doubled), calls to different ones do not disturb each other, and enable/disable/
deactivate while calls run leave every call either answered or refused with a typed error."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from symphony.errors import ExtensionFailed, ExtensionStateError
from symphony.extensions import ExtensionState

from .conftest import make_toml

THREADS = 8
CALLS = 40


@pytest.fixture
def manager(tmp_path, write_ext, host):
    for name in ("a", "b"):
        write_ext(tmp_path / "e", name, make_toml(id=f"test.{name}"))
    return host(dirs=[tmp_path / "e"])


def run(manager, ext, action, arg=None, timeout=None):
    return manager.run_instrument(ext, {"kind": "probe", "input": {"action": action, "arg": arg}}, timeout=timeout)


@pytest.mark.parametrize("timeout", [None, 30.0])  # inline on the caller's thread / on the actor's thread
def test_same_and_different_extensions_from_many_threads(manager, timeout):
    def work(i):
        ext = "test.a" if i % 2 else "test.b"
        return ext, [run(manager, ext, "count", timeout=timeout) for _ in range(CALLS)]

    with ThreadPoolExecutor(THREADS) as executor:
        results = list(executor.map(work, range(THREADS)))
    for ext in ("test.a", "test.b"):
        counts = sorted(c for e, cs in results if e == ext for c in cs)
        assert counts == list(range(1, THREADS // 2 * CALLS + 1))  # one at a time: no count lost or doubled
        snapshot = manager.info(ext)
        assert (snapshot.state, snapshot.activations, snapshot.calls) == (ExtensionState.ACTIVATED, 1,
                                                                          THREADS // 2 * CALLS)


def test_failures_in_one_do_not_disturb_another(manager):
    def failing(_):
        with pytest.raises(ExtensionFailed):
            run(manager, "test.a", "raise")

    def serving(i):
        return [run(manager, "test.b", "echo", [i, k]) for k in range(CALLS)]

    with ThreadPoolExecutor(THREADS) as executor:
        fails = [executor.submit(failing, i) for i in range(THREADS)]
        served = [executor.submit(serving, i) for i in range(THREADS)]
        for f in fails:
            f.result()
        for i, f in enumerate(served):
            assert f.result() == [[i, k] for k in range(CALLS)]
    assert manager.info("test.a").errors == THREADS
    assert manager.info("test.b").errors == 0


def test_calls_behind_failing_calls_go_to_a_fresh_instance(manager):
    # a failing call drops the instance, so the calls queued behind it, on the same extension,
    # are handed to a fresh one, however many times that happens while they wait
    def mixed(i):
        outcomes = []
        for k in range(CALLS // 4):
            if (i + k) % 2:
                with pytest.raises(ExtensionFailed):
                    run(manager, "test.a", "raise")
                outcomes.append("failed")
            else:
                outcomes.append(run(manager, "test.a", "echo", [i, k]))
        return outcomes

    with ThreadPoolExecutor(THREADS) as executor:
        results = list(executor.map(mixed, range(THREADS)))
    for i, outcomes in enumerate(results):
        assert outcomes == ["failed" if (i + k) % 2 else [i, k] for k in range(CALLS // 4)]
    info = manager.info("test.a")
    assert info.errors == THREADS * CALLS // 8
    assert info.calls == THREADS * CALLS // 4


@pytest.mark.parametrize("toggle", ["disable", "deactivate"])
def test_lifecycle_changes_while_calls_run(manager, toggle):
    stop = threading.Event()
    outcomes: list[str] = []
    lock = threading.Lock()

    def caller(i):
        k = 0
        while not stop.is_set():
            k += 1
            try:
                got = run(manager, "test.a", "echo", [i, k], timeout=30.0)
                assert got == [i, k]
                outcome = "ok"
            except ExtensionStateError:
                outcome = "refused"
            with lock:
                outcomes.append(outcome)

    threads = [threading.Thread(target=caller, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    try:
        for _ in range(20):
            if toggle == "disable":
                manager.disable("test.a")
                manager.enable("test.a")
            else:
                manager.deactivate("test.a")
            run(manager, "test.b", "echo", 1)
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert "ok" in outcomes
    if toggle == "deactivate":
        assert "refused" not in outcomes  # a deactivated extension is activated again by the next call
    assert manager.info("test.a").state in (ExtensionState.ACTIVATED, ExtensionState.ENABLED,
                                            ExtensionState.DEACTIVATED)
    assert run(manager, "test.a", "echo", "after") == "after"
    actors = [n for n in manager.node.names() if n.startswith("extension:test.a")]
    assert len(actors) == 1

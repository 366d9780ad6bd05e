"""The shard's group commit: rounds, the lead, the gathered cohort, failures that stay contained.

Every test runs on a real LMDB environment. ``RecordingEnv`` logs each commit (with the
probe tags it carried) and each sync, and can hold one commit open so a test can queue
writers behind it deterministically. Writers log when their op returned, so a test can
check the durability rule: an op returns only after its commit and the sync after it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from symphony.actors import Node
from symphony.artifacts._env import ShardEnv
from symphony.artifacts._commit import Op, Writers
from symphony.artifacts._records import APPLY
from symphony.artifacts import _shard as shard_module
from symphony.artifacts._shard import Shard, ShardActor

WAIT = 30.0  # liveness bound for joins and waits; never reached when the code works


class Boom(BaseException):
    """Stands for a KeyboardInterrupt raised inside a leader's commit."""


class RecordingEnv(ShardEnv):
    """A real shard environment that logs commits and syncs and can hold one commit."""

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.events: list[tuple[Any, ...]] = []
        self.tags: list[str] = []
        self.hold: threading.Event | None = None
        self.holding = threading.Event()
        self.fail_sync: BaseException | None = None

    def write(self, fn: Any, *, need: int = 0) -> Any:
        hold, self.hold = self.hold, None
        if hold is not None:
            self.holding.set()
            assert hold.wait(WAIT)
        self.tags = []
        result = super().write(fn, need=need)
        self.events.append(("commit", tuple(self.tags)))
        return result

    def sync(self) -> None:
        error, self.fail_sync = self.fail_sync, None
        if error is not None:
            raise error
        super().sync()
        self.events.append(("sync",))

    def committed(self, tag: str) -> bool:
        return self.read(lambda txn: txn.get(tag.encode(), db=self.db["tags"]) is not None)


@pytest.fixture
def probes(monkeypatch):
    """Register op kind "probe": writes its tag, or raises the exception it carries."""

    def probe(txn: Any, db: dict, tag: str, env: RecordingEnv, error: BaseException | None = None) -> str:
        if error is not None:
            raise error
        env.tags.append(tag)
        txn.put(tag.encode(), b"x", db=db["tags"])
        return tag

    monkeypatch.setitem(APPLY, "probe", probe)


@pytest.fixture
def env(tmp_path):
    e = RecordingEnv(str(tmp_path / "shard"))
    yield e
    e.close()


class InterruptedWait:
    """Stands in for an op's wake lock: the waiter's first wake-up raises ``Boom`` in it."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.lock.acquire()

    def acquire(self, *args: Any) -> bool:
        self.lock.acquire()
        raise Boom()

    def release(self) -> None:
        self.lock.release()


def _writer(shard: Shard, env: RecordingEnv, tag: str, results: dict, error: BaseException | None = None,
            wake: Any = None) -> threading.Thread:
    def run() -> None:
        try:
            op = Op("probe", tag, env, error)
            if wake is not None:
                op._wake = wake
            results[tag] = shard.run(op)
        except BaseException as exc:  # noqa: BLE001 - the test inspects it
            results[tag] = exc
        env.events.append(("returned", tag))

    t = threading.Thread(target=run)
    t.start()
    return t


def _wait_for(condition: Any) -> None:
    for _ in range(int(WAIT * 1000)):
        if condition():
            return
        threading.Event().wait(0.001)
    raise AssertionError("condition never held")


def _queue_behind_held_commit(shard: Shard, env: RecordingEnv, first: str, others: list[str], results: dict,
                              errors: dict | None = None) -> list[threading.Thread]:
    """Start ``first`` (it leads and its commit is held), queue ``others`` behind it, release."""
    hold = env.hold = threading.Event()
    threads = [_writer(shard, env, first, results)]
    assert env.holding.wait(WAIT)
    threads += [_writer(shard, env, tag, results, (errors or {}).get(tag)) for tag in others]
    for _ in range(int(WAIT * 1000)):
        if len(shard.pending) == len(others):
            break
        threading.Event().wait(0.001)
    assert len(shard.pending) == len(others)
    hold.set()
    for t in threads:
        t.join(WAIT)
        assert not t.is_alive()
    return threads


def _assert_durable_before_return(env: RecordingEnv, tags: list[str]) -> None:
    events = env.events
    for tag in tags:
        committed = next(i for i, e in enumerate(events) if e[0] == "commit" and tag in e[1])
        returned = events.index(("returned", tag))
        later = [e for e in events[committed + 1:returned] if e[0] == "sync"]
        assert later, f"{tag} returned before a sync made its commit durable: {events}"



def run_writers(work: Callable[[int], None], n: int) -> None:
    """Run ``work(0..n-1)`` on ``n`` threads at once and wait for all of them to end."""
    threads = [threading.Thread(target=work, args=(w,)) for w in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(WAIT * 4)
        assert not t.is_alive()

def test_lone_writer_commits_syncs_then_returns(env, probes):
    shard = Shard(0, env)
    results: dict = {}
    _writer(shard, env, "a", results).join(WAIT)
    assert results == {"a": "a"}
    assert env.events == [("commit", ("a",)), ("sync",), ("returned", "a")]
    assert env.committed("a")


def test_writers_queued_behind_a_commit_share_the_next_one(env, probes):
    shard = Shard(0, env)
    results: dict = {}
    others = [f"w{i}" for i in range(7)]
    _queue_behind_held_commit(shard, env, "first", others, results)
    commits = [e[1] for e in env.events if e[0] == "commit"]
    assert commits[0] == ("first",)
    assert sorted(commits[1]) == sorted(others)  # seven writers, one transaction
    assert results == {tag: tag for tag in ["first", *others]}
    _assert_durable_before_return(env, ["first", *others])
    rounds = [e[0] for e in env.events if e[0] in ("commit", "sync")]
    assert rounds == ["commit", "sync", "commit", "sync"]  # each round: one commit, one sync
    assert all(env.committed(tag) for tag in results)


def test_a_bad_op_fails_alone_and_the_shard_keeps_serving(env, probes):
    shard = Shard(0, env)
    results: dict = {}
    bad = ValueError("bad op")
    _queue_behind_held_commit(shard, env, "first", ["good1", "bad", "good2"], results, {"bad": bad})
    assert results["bad"] is bad
    assert results["good1"] == "good1" and results["good2"] == "good2"
    assert not env.committed("bad") and env.committed("good1") and env.committed("good2")
    _assert_durable_before_return(env, ["first", "good1", "good2"])
    _writer(shard, env, "after", results).join(WAIT)
    assert results["after"] == "after"


def test_a_round_whose_ops_all_fail_commits_and_syncs_nothing(env, probes):
    shard = Shard(0, env)
    results: dict = {}
    _queue_behind_held_commit(shard, env, "first", ["bad"], results, {"bad": ValueError("bad op")})
    assert results["first"] == "first" and isinstance(results["bad"], ValueError)
    _assert_durable_before_return(env, ["first"])
    assert [e[0] for e in env.events if e[0] in ("commit", "sync")] == ["commit", "sync"]
    assert not env.committed("bad")


def test_a_failed_sync_fails_the_ops_it_would_have_made_durable(env, probes):
    shard = Shard(0, env)
    results: dict = {}
    env.fail_sync = OSError(5, "EIO on fsync")
    _writer(shard, env, "a", results).join(WAIT)
    assert isinstance(results["a"], OSError)  # durability unknown: never reported as success
    _writer(shard, env, "b", results).join(WAIT)
    assert results["b"] == "b"


def test_a_leader_killed_mid_commit_fails_its_round_and_passes_the_lead(env, probes):
    shard = Shard(0, env)
    results: dict = {}
    boom = Boom()
    hold = env.hold = threading.Event()
    first = _writer(shard, env, "first", results, boom)
    assert env.holding.wait(WAIT)
    waiter = _writer(shard, env, "waiter", results)
    for _ in range(int(WAIT * 1000)):
        if shard.pending and shard.pending[-1].args[0] == "waiter":
            break
        threading.Event().wait(0.001)
    hold.set()
    first.join(WAIT)
    waiter.join(WAIT)
    assert results["first"] is boom
    assert results["waiter"] == "waiter"  # a bystander: the lead passed to it, it never saw Boom
    _writer(shard, env, "after", results).join(WAIT)
    assert results["after"] == "after"
    assert not shard._busy and not shard.pending


def test_submitted_ops_are_led_by_the_actor_and_after_it_stops(env, probes):
    node = Node("shard-test", threads=2)
    try:
        shard = Shard(0, env)
        shard.ref = node.spawn(ShardActor, shard, name="shard-0")
        ops = [shard.submit(Op("probe", f"s{i}", env)) for i in range(20)]
        assert [op.wait() for op in ops] == [f"s{i}" for i in range(20)]
        assert env.events[-1] == ("sync",)
        shard.ref.stop()
        late = shard.submit(Op("probe", "late", env))  # no actor: the submitter leads
        assert late.wait() == "late"
        assert env.committed("late")
    finally:
        node.stop()


def test_concurrent_run_and_submit_across_shards(tmp_path, probes):
    node = Node("shards-test", threads=3)
    envs = [RecordingEnv(str(tmp_path / f"s{i}")) for i in range(3)]
    try:
        writers = Writers()
        shards = [Shard(i, e, writers) for i, e in enumerate(envs)]
        for s in shards:
            s.ref = node.spawn(ShardActor, s, name=f"shard-{s.index}")
        errors: list[BaseException] = []

        def work(w: int) -> None:
            try:
                for j in range(40):
                    s = shards[(w + j) % 3]
                    tag = f"w{w}-{j}"
                    if j % 4 == 3:
                        assert s.submit(Op("probe", tag, s.env)).wait() == tag
                    else:
                        with writers:
                            assert s.run(Op("probe", tag, s.env, counted=True)) == tag
            except BaseException as exc:  # noqa: BLE001
                errors.append(exc)

        run_writers(work, 8)
        assert not errors
        for w in range(8):
            for j in range(40):
                assert envs[(w + j) % 3].committed(f"w{w}-{j}")
        assert writers.active == 0 and writers.waiting == 0
        assert all(not s._busy and not s.pending and not s._inflight for s in shards)
    finally:
        node.stop()
        for e in envs:
            e.close()


def test_await_all_waits_until_every_active_writer_has_queued():
    writers = Writers()
    writers.enter()
    writers.queued()
    done = threading.Event()
    lone = threading.Thread(target=lambda: (writers.await_all(WAIT * 10), done.set()))
    lone.start()
    lone.join(WAIT)
    assert done.is_set()  # a lone writer whose op is queued never waits

    writers.enter()  # two more writers are preparing their ops
    writers.enter()
    done.clear()
    waiter = threading.Thread(target=lambda: (writers.await_all(WAIT * 10), done.set()))
    waiter.start()
    _wait_for(lambda: writers._gate is not None)
    writers.queued()  # one of them queues: the other is still coming, the gate stays shut
    assert writers._gate is not None and not done.is_set()
    writers.queued()  # the last one queues: the gate opens, once
    waiter.join(WAIT)
    assert done.is_set() and writers._gate is None

    writers.finished(3)  # every op done; one writer prepares another put, the others leave
    done.clear()
    waiter = threading.Thread(target=lambda: (writers.await_all(WAIT * 10), done.set()))
    waiter.start()
    _wait_for(lambda: writers._gate is not None)
    writers.leave()
    writers.leave()
    assert writers._gate is not None and not done.is_set()
    writers.leave()  # the last one leaves instead of queuing: nobody is coming
    waiter.join(WAIT)
    assert done.is_set()
    assert writers.active == 0 and writers.waiting == 0


def test_a_leader_gathers_every_active_writer_into_one_round(env, probes, monkeypatch):
    """Writers inside a counted write that have not queued yet are waited for: the round
    takes them all, one commit and one sync (the bound on the wait is lifted here so the
    test does not depend on how fast threads start)."""
    monkeypatch.setattr(shard_module, "GATHER_WAIT", WAIT)
    monkeypatch.setattr(shard_module, "MAX_GATHER_WAIT", WAIT)
    writers = Writers()
    shard = Shard(0, env, writers)
    results: dict = {}
    for _ in range(3):
        writers.enter()  # three writers are inside put(), preparing their ops

    def counted(tag: str) -> threading.Thread:
        def run() -> None:
            try:
                results[tag] = shard.run(Op("probe", tag, env, counted=True))
            finally:
                env.events.append(("returned", tag))
                writers.leave()
        t = threading.Thread(target=run)
        t.start()
        return t

    threads = [counted("a")]
    _wait_for(lambda: writers._gate is not None)  # "a" leads and waits for the others
    threads.append(counted("b"))
    _wait_for(lambda: len(shard.pending) == 2)
    assert not [e for e in env.events if e[0] == "commit"]  # still gathering: "c" is coming
    threads.append(counted("c"))
    for t in threads:
        t.join(WAIT)
        assert not t.is_alive()
    assert results == {"a": "a", "b": "b", "c": "c"}
    assert [e for e in env.events if e[0] in ("commit", "sync")] == [("commit", ("a", "b", "c")), ("sync",)]
    _assert_durable_before_return(env, ["a", "b", "c"])
    assert writers.active == 0 and writers.waiting == 0
    assert not shard._busy and not shard.pending and not shard._inflight


def test_concurrent_writers_share_rounds_and_each_round_is_synced(env, probes):
    writers = Writers()
    shard = Shard(0, env, writers)
    errors: list[BaseException] = []

    def work(w: int) -> None:
        try:
            for j in range(30):
                with writers:
                    assert shard.run(Op("probe", f"w{w}-{j}", env, counted=True)) == f"w{w}-{j}"
                env.events.append(("returned", f"w{w}-{j}"))
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    run_writers(work, 4)
    assert not errors
    commits = [e for e in env.events if e[0] == "commit"]
    assert sum(len(c[1]) for c in commits) == 120
    disk = [e[0] for e in env.events if e[0] in ("commit", "sync")]
    assert disk == ["commit", "sync"] * len(commits)  # every round is made durable before the next
    _assert_durable_before_return(env, [f"w{w}-{j}" for w in range(4) for j in range(30)])
    assert writers.active == 0 and writers.waiting == 0
    assert not shard._busy and not shard.pending and not shard._inflight


def test_a_writer_interrupted_after_being_handed_the_lead_passes_it_on(env, probes):
    shard = Shard(0, env)
    results: dict = {}
    hold1 = env.hold = threading.Event()
    first = _writer(shard, env, "first", results)
    assert env.holding.wait(WAIT)
    interrupted = _writer(shard, env, "interrupted", results, wake=InterruptedWait())
    _wait_for(lambda: len(shard.pending) == 1)
    env.holding.clear()
    hold2 = env.hold = threading.Event()
    hold1.set()  # round 1 commits "first"; round 2 takes "interrupted" and is held
    assert env.holding.wait(WAIT)
    last = _writer(shard, env, "last", results)
    _wait_for(lambda: len(shard.pending) == 1)
    hold2.set()  # "first" is durable: its writer hands the lead to "interrupted", which dies of Boom
    for t in (first, interrupted, last):
        t.join(WAIT)
        assert not t.is_alive()
    assert results["first"] == "first" and results["last"] == "last"
    assert isinstance(results["interrupted"], Boom)
    assert env.committed("interrupted")  # committed all the same; only its writer is gone
    assert not shard._busy and not shard.pending and not shard._inflight


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(st.tuples(st.integers(0, 3), st.one_of(st.none(), st.binary(min_size=16, max_size=16))),
                         max_size=12), min_size=1, max_size=6),
       st.integers(1, 3))
def test_concurrent_writers_end_where_a_sequential_model_ends(tmp_path_factory, scripts, shards):
    """Each thread sets or clears its own labels; the store must end as each thread's last word."""
    root = tmp_path_factory.mktemp("model")
    envs = [ShardEnv(str(root / f"s{i}")) for i in range(shards)]
    try:
        writers = Writers()
        shard_list = [Shard(i, e, writers) for i, e in enumerate(envs)]
        errors: list[BaseException] = []

        def play(t: int, script: list[tuple[int, bytes | None]]) -> None:
            try:
                for key, value in script:
                    label = f"t{t}-k{key}".encode()
                    with writers:
                        shard_list[key % shards].run(Op("tag", label, value, counted=True))
            except BaseException as exc:  # noqa: BLE001
                errors.append(exc)

        threads = [threading.Thread(target=play, args=(t, script)) for t, script in enumerate(scripts)]
        for th in threads:
            th.start()
        for th in threads:
            th.join(WAIT)
            assert not th.is_alive()
        assert not errors
        model: dict[bytes, bytes] = {}
        for t, script in enumerate(scripts):
            for key, value in script:
                label = f"t{t}-k{key}".encode()
                if value is None:
                    model.pop(label, None)
                else:
                    model[label] = value
        stored: dict[bytes, bytes] = {}
        for env in envs:
            stored.update(env.read(lambda txn, env=env: {bytes(k): bytes(v) for k, v in txn.cursor(db=env.db["tags"])}))
        assert stored == model
        assert writers.active == 0 and writers.waiting == 0
    finally:
        for env in envs:
            env.close()

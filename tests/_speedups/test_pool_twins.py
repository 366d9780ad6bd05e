"""The two twins of the ``_pool`` speedup (the pool's hit path: ``SlotTable``, ``Entry``,
``Lease``): same API, same behaviour, method by method. ``test_pool_twins_model.py`` holds
them to a plain dict model and runs many threads against a retirer."""

from __future__ import annotations

import sys
import threading
import time
from types import ModuleType
from typing import Any

import pytest
import symphony._speedups as speedups

VARIANTS = speedups.variants("_pool")
pure = VARIANTS["pure"]
IMPLS = pytest.mark.parametrize("core", list(VARIANTS.values()), ids=list(VARIANTS))


class Model:
    """A callable stand-in with a name: what a lease hands out (the table never calls it)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __call__(self, x: Any) -> Any:
        return (self.name, x)

    def __repr__(self) -> str:
        return f"Model({self.name!r})"


class Misses:
    """A miss callback that records its calls and returns (or raises) what it is told."""

    def __init__(self, result: Any = None, error: BaseException | None = None) -> None:
        self.calls: list[tuple[Any, ...]] = []
        self.result = result
        self.error = error

    def __call__(self, name: Any, version: Any, timeout: Any, wait: Any) -> Any:
        self.calls.append((name, version, timeout, wait))
        if self.error is not None:
            raise self.error
        return self.result


class Drains:
    """An on_drained callback that records each call: the entry, the thread, the table's keys."""

    def __init__(self, table: Any = None) -> None:
        self.calls: list[tuple[Any, int, list[Any] | None]] = []
        self.table = table

    def __call__(self, entry: Any) -> None:
        keys = None if self.table is None else self.table.keys()
        self.calls.append((entry, threading.get_ident(), keys))


def test_pool_is_a_registered_speedup():
    assert "_pool" in speedups.MODULES
    assert speedups.load("_pool") in VARIANTS.values()


def test_both_twins_are_here_when_compiled():
    if speedups.status()["_pool"] == "compiled":
        assert set(VARIANTS) == {"pure", "compiled"}


@IMPLS
def test_same_public_api(core: ModuleType):
    assert list(core.public_api) == ["Entry", "Lease", "SlotTable"] == list(pure.public_api)
    for name in pure.public_api:
        assert hasattr(core, name), name


@IMPLS
def test_entry_fields_start_empty_and_are_read_only(core: ModuleType):
    model = Model("a")
    entry = core.Entry(model, 3, tag=("slot", 1))
    assert (entry.model, entry.limit, entry.tag) == (model, 3, ("slot", 1))
    assert (entry.live, entry.hits, entry.last_used, entry.retired) == (0, 0, 0.0, False)
    defaults = core.Entry(model)
    assert (defaults.limit, defaults.tag) == (0, None)
    for field in ("model", "limit", "tag", "live", "hits", "last_used", "retired"):
        with pytest.raises(AttributeError):
            setattr(entry, field, 7)
    assert "live=0" in repr(entry) and "active" in repr(entry)


@IMPLS
def test_a_hit_grants_a_lease_and_counts_it(core: ModuleType):
    table = core.SlotTable()
    model = Model("a")
    entry = core.Entry(model)
    assert table.bind("a", entry) is None
    before = time.monotonic()
    lease = table.acquire("a")
    after = time.monotonic()
    assert isinstance(lease, core.Lease)
    assert lease.model is model and lease.entry is entry
    assert (entry.live, entry.hits) == (1, 1)
    assert before <= entry.last_used <= after
    second = table.acquire("a")
    assert (entry.live, entry.hits) == (2, 2)
    lease.release()
    assert (entry.live, entry.hits) == (1, 2)
    lease.release()  # a second release is a no-op
    lease.__exit__(None, None, None)
    assert entry.live == 1
    with second as got:
        assert got is model
        assert got(1) == ("a", 1)
    assert (entry.live, entry.hits) == (0, 2)
    second.release()
    assert entry.live == 0
    assert lease.model is model and lease.entry is entry  # still readable after release
    for field in ("model", "entry"):
        with pytest.raises(AttributeError):
            setattr(lease, field, None)


@IMPLS
def test_a_lease_releases_when_the_block_raises(core: ModuleType):
    table = core.SlotTable()
    entry = core.Entry(Model("a"))
    table.bind("a", entry)
    with pytest.raises(ZeroDivisionError):
        with table.acquire("a"):
            1 / 0
    assert entry.live == 0 and entry.hits == 1


@IMPLS
def test_versions_are_their_own_keys(core: ModuleType):
    table = core.SlotTable()
    v1, v2 = core.Entry(Model("v1")), core.Entry(Model("v2"))
    table.bind("m", v2)
    table.bind(("m", 1), v1)
    table.bind(("m", 2), v2)
    assert table.acquire("m").entry is v2
    assert table.acquire("m", 1).entry is v1
    assert table.acquire("m", 2).entry is v2
    assert table.acquire("m", 3) is None
    assert table.acquire(("m", 1)).entry is v1  # the same key spelled as a tuple
    assert (v1.hits, v2.hits) == (2, 2)


@IMPLS
def test_without_a_miss_callback_a_miss_is_none(core: ModuleType):
    table = core.SlotTable()
    assert table.acquire("nothing") is None
    assert table.acquire("nothing", 2, 1.5, False) is None


@IMPLS
def test_the_miss_callback_gets_the_arguments_and_its_result_is_returned(core: ModuleType):
    sentinel = object()
    misses = Misses(result=sentinel)
    table = core.SlotTable(misses)
    assert table.acquire("m") is sentinel
    assert table.acquire("m", 3, timeout=2.5, wait=False) is sentinel
    assert table.acquire(name="n", version=None, timeout=None, wait=True) is sentinel
    assert misses.calls == [("m", None, None, True), ("m", 3, 2.5, False), ("n", None, None, True)]


@IMPLS
def test_the_miss_callback_can_grant_a_lease_it_binds(core: ModuleType):
    """The pool's way: on a miss, load, bind, and lease from the table again."""
    table: Any = None
    model = Model("late")

    def load(name: Any, version: Any, timeout: Any, wait: Any) -> Any:
        table.bind(name, core.Entry(model))
        return table.acquire(name, version, timeout, wait)

    table = core.SlotTable(load)
    lease = table.acquire("late")
    assert lease.model is model and lease.entry.live == 1 and lease.entry.hits == 1
    assert table.acquire("late").entry is lease.entry


@IMPLS
def test_the_miss_callbacks_exception_propagates_and_changes_nothing(core: ModuleType):
    table = core.SlotTable(Misses(error=LookupError("no such model")))
    entry = core.Entry(Model("a"))
    table.bind("a", entry)
    with pytest.raises(LookupError, match="no such model"):
        table.acquire("b")
    assert table.keys() == ["a"] and (entry.live, entry.hits) == (0, 0)
    assert table.acquire("a").entry is entry


@IMPLS
def test_the_limit_bounds_leases_out_at_once(core: ModuleType):
    misses = Misses()
    table = core.SlotTable(misses)
    entry = core.Entry(Model("a"), limit=2)
    table.bind("a", entry)
    first, second = table.acquire("a"), table.acquire("a")
    assert first is not None and second is not None
    assert table.acquire("a", None, 0.5, False) is None  # full: a miss
    assert misses.calls == [("a", None, 0.5, False)]
    assert (entry.live, entry.hits) == (2, 2)
    first.release()
    third = table.acquire("a")
    assert third is not None and (entry.live, entry.hits) == (2, 3)
    first.release()  # already given back: does not make room
    assert table.acquire("a") is None and entry.live == 2
    second.release()
    third.release()
    assert entry.live == 0


@IMPLS
def test_bind_unbind_get_keys_entries(core: ModuleType):
    table = core.SlotTable()
    a, b = core.Entry(Model("a")), core.Entry(Model("b"))
    assert len(table) == 0 and table.keys() == [] and table.entries() == []
    assert table.bind("x", a) is None
    assert table.bind(("x", 1), a) is None
    assert table.bind("y", b) is None
    assert len(table) == 3 and table.keys() == ["x", ("x", 1), "y"]
    assert table.entries() == [a, b]
    assert table.bind("x", b) is a  # rebinding returns the previous entry
    assert table.get("x") is b and table.get(("x", 1)) is a and table.get("z") is None
    assert table.entries() == [b, a]
    assert not table.unbind("x", a)  # leads to b, not a: kept
    assert table.get("x") is b
    assert table.unbind("x", b)
    assert not table.unbind("x")
    assert table.unbind(("x", 1))
    assert table.keys() == ["y"] and len(table) == 1
    assert table.acquire("x") is None
    assert (a.hits, b.hits) == (0, 0)  # get never counts
    assert "1 keys" in repr(table)


@IMPLS
def test_retire_with_no_lease_out_drains_at_once_on_this_thread_after_unbinding(core: ModuleType):
    table = core.SlotTable()
    drains = Drains(table)
    entry = core.Entry(Model("a"), on_drained=drains)
    other = core.Entry(Model("b"))
    table.bind("a", entry)
    table.bind(("a", 1), entry)
    table.bind("b", other)
    table.retire(entry)
    assert entry.retired and not other.retired
    assert drains.calls == [(entry, threading.get_ident(), ["b"])]
    assert table.keys() == ["b"] and table.acquire("a") is None
    table.retire(entry)  # again: nothing more
    assert len(drains.calls) == 1


@IMPLS
def test_retire_while_leased_drains_once_on_the_releasing_thread(core: ModuleType):
    misses = Misses()
    table = core.SlotTable(misses)
    drains = Drains()
    entry = core.Entry(Model("a"), on_drained=drains)
    table.bind("a", entry)
    first, second = table.acquire("a"), table.acquire("a")
    table.retire(entry)
    assert entry.retired and drains.calls == [] and table.keys() == []
    assert table.acquire("a") is None and misses.calls == [("a", None, None, True)]
    assert entry.hits == 2
    first.release()
    first.release()
    assert drains.calls == [] and entry.live == 1
    released_on: list[int] = []

    def give_back() -> None:
        released_on.append(threading.get_ident())
        second.release()

    worker = threading.Thread(target=give_back)
    worker.start()
    worker.join()
    assert [(e, t) for e, t, _ in drains.calls] == [(entry, released_on[0])]
    assert released_on[0] != threading.get_ident()
    second.release()
    table.retire(entry)
    assert len(drains.calls) == 1 and entry.live == 0


@IMPLS
def test_a_retired_entry_cannot_be_bound(core: ModuleType):
    table = core.SlotTable()
    entry = core.Entry(Model("a"))
    table.retire(entry)  # never bound: fine, drains at once (no callback)
    with pytest.raises(ValueError, match="retired"):
        table.bind("a", entry)
    assert table.keys() == []
    keeper = core.Entry(Model("k"))
    table.bind("a", keeper)
    with pytest.raises(ValueError):
        table.bind("a", entry)
    assert table.get("a") is keeper


@IMPLS
def test_on_drained_raising_propagates_and_still_counts_as_drained(core: ModuleType):
    calls = []

    def boom(entry: Any) -> None:
        calls.append(entry)
        raise RuntimeError("unload failed")

    table = core.SlotTable()
    entry = core.Entry(Model("a"), on_drained=boom)
    table.bind("a", entry)
    lease = table.acquire("a")
    table.retire(entry)
    with pytest.raises(RuntimeError, match="unload failed"):
        lease.release()
    lease.release()
    table.retire(entry)
    assert calls == [entry] and entry.live == 0
    quiet = core.Entry(Model("b"), on_drained=boom)
    with pytest.raises(RuntimeError):
        table.retire(quiet)
    table.retire(quiet)
    assert calls == [entry, quiet]


@IMPLS
def test_bad_input_raises_a_typed_error_and_changes_nothing(core: ModuleType):
    table = core.SlotTable(Misses(result="miss"))
    entry = core.Entry(Model("a"))
    table.bind("a", entry)
    with pytest.raises(TypeError):
        table.acquire(["a"])
    with pytest.raises(TypeError):
        table.acquire("a", ["v"])
    with pytest.raises(TypeError):
        table.bind({}, core.Entry(Model("b")))
    with pytest.raises(TypeError):
        table.bind("b", Model("b"))
    with pytest.raises(TypeError):
        table.bind("b", None)
    with pytest.raises(TypeError):
        table.unbind([])
    with pytest.raises(TypeError):
        table.unbind("a", "not an entry")
    with pytest.raises(TypeError):
        table.get({})
    with pytest.raises(TypeError):
        table.retire("a")
    with pytest.raises(TypeError):
        table.retire(None)
    assert table.keys() == ["a"] and (entry.live, entry.hits) == (0, 0) and not entry.retired
    with pytest.raises(ValueError):
        core.Entry(Model("a"), limit=-1)
    with pytest.raises(ValueError):
        core.Entry(Model("a"), limit=sys.maxsize + 1)
    for bad_limit in (1.5, "2", None, True):
        with pytest.raises(TypeError):
            core.Entry(Model("a"), limit=bad_limit)
    with pytest.raises(TypeError):
        core.Entry(Model("a"), on_drained=42)
    with pytest.raises(TypeError):
        core.SlotTable("not callable")
    with pytest.raises(TypeError):
        core.Lease()
    assert core.Entry(Model("a"), limit=sys.maxsize).limit == sys.maxsize
    assert table.acquire("a").entry is entry  # still serving


@IMPLS
def test_hit_samples_time_one_hit_in_64(core: ModuleType):
    table = core.SlotTable()
    entry = core.Entry(Model("a"))
    table.bind("a", entry)
    assert table.hit_samples() == []
    for _ in range(64 * 5):
        table.acquire("a").release()
        table.acquire("missing")  # misses are not hits: not counted
    samples = table.hit_samples()
    assert len(samples) == 5
    assert all(isinstance(s, float) and 0.0 <= s for s in samples)
    assert table.hit_samples(clear=True) == samples
    assert table.hit_samples() == []
    for _ in range(64 * 4100):
        table.acquire("a").release()
    assert len(table.hit_samples()) == 4096  # a ring of the latest 4096

"""The two twins of the ``_pool`` speedup against a plain dict model (hypothesis stateful),
and with 8 threads acquiring and releasing while another retires and rebinds."""

from __future__ import annotations

import sys
import threading
import time
from types import ModuleType
from typing import Any

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from .test_pool_twins import IMPLS, VARIANTS, Misses, Model, pure

# --- the table against a plain dict model --------------------------------------------------

KEYS = st.sampled_from(["a", "b", ("a", 1), ("a", 2), 3])
SLOTS = 4


class TableMachine(RuleBasedStateMachine):
    """Random bind/unbind/acquire/release/retire sequences agree with a dict model."""

    core: ModuleType = pure

    @initialize(limits=st.lists(st.integers(0, 3), min_size=SLOTS, max_size=SLOTS))
    def start(self, limits: list[int]) -> None:
        self.misses = Misses()
        self.table = self.core.SlotTable(self.misses)
        self.drained: list[int] = []
        self.entries = [self.core.Entry(Model(str(i)), limit, tag=i, on_drained=self._drained)
                        for i, limit in enumerate(limits)]
        self.limits = limits
        self.bound: dict[Any, int] = {}
        self.live = [0] * SLOTS
        self.hits = [0] * SLOTS
        self.retired = [False] * SLOTS
        self.leases: list[tuple[Any, int]] = []
        self.released: list[Any] = []
        self.missed = 0

    def _drained(self, entry: Any) -> None:
        self.drained.append(entry.tag)

    @rule(key=KEYS, slot=st.integers(0, SLOTS - 1))
    def bind(self, key: Any, slot: int) -> None:
        if self.retired[slot]:
            with pytest.raises(ValueError):
                self.table.bind(key, self.entries[slot])
            return
        previous = self.table.bind(key, self.entries[slot])
        expected = self.bound.get(key)
        assert previous is (None if expected is None else self.entries[expected])
        self.bound[key] = slot

    @rule(key=KEYS, slot=st.none() | st.integers(0, SLOTS - 1))
    def unbind(self, key: Any, slot: int | None) -> None:
        removed = self.table.unbind(key, None if slot is None else self.entries[slot])
        expected = key in self.bound and (slot is None or self.bound[key] == slot)
        assert removed == expected
        if expected:
            del self.bound[key]

    @rule(key=KEYS)
    def acquire(self, key: Any) -> None:
        lease = self.table.acquire(key)
        slot = self.bound.get(key)
        if slot is not None and (self.limits[slot] == 0 or self.live[slot] < self.limits[slot]):
            assert lease is not None and lease.entry is self.entries[slot]
            self.live[slot] += 1
            self.hits[slot] += 1
            self.leases.append((lease, slot))
        else:
            assert lease is None
            self.missed += 1

    @precondition(lambda self: self.leases)
    @rule(data=st.data())
    def release(self, data: st.DataObject) -> None:
        lease, slot = self.leases.pop(data.draw(st.integers(0, len(self.leases) - 1)))
        lease.release()
        self.live[slot] -= 1
        if self.retired[slot] and self.live[slot] == 0:
            assert self.drained.count(slot) == 1
        self.released.append(lease)

    @precondition(lambda self: self.released)
    @rule(data=st.data())
    def release_again(self, data: st.DataObject) -> None:
        data.draw(st.sampled_from(self.released)).release()

    @rule(slot=st.integers(0, SLOTS - 1))
    def retire(self, slot: int) -> None:
        self.table.retire(self.entries[slot])
        self.retired[slot] = True
        self.bound = {k: s for k, s in self.bound.items() if s != slot}

    @invariant()
    def agrees_with_the_model(self) -> None:
        table = self.table
        assert sorted(map(repr, table.keys())) == sorted(map(repr, self.bound))
        assert len(table) == len(self.bound)
        for key, slot in self.bound.items():
            assert table.get(key) is self.entries[slot]
        assert table.entries() == list(dict.fromkeys(self.entries[s] for s in self.bound.values()))
        for slot, entry in enumerate(self.entries):
            assert (entry.live, entry.hits, entry.retired) == (self.live[slot], self.hits[slot], self.retired[slot])
            assert entry.live >= 0
            drained = self.retired[slot] and self.live[slot] == 0
            assert self.drained.count(slot) == (1 if drained else 0)
        assert len(self.misses.calls) == self.missed


def _machine_for(core: ModuleType) -> type:
    return type(f"TableMachine_{core.__name__}", (TableMachine,), {"core": core})


@pytest.mark.parametrize("name", list(VARIANTS))
def test_table_matches_a_dict_model(name: str):
    machine = _machine_for(VARIANTS[name])
    machine.TestCase.settings = settings(max_examples=120, stateful_step_count=40, deadline=None)
    machine.TestCase("runTest").runTest()


# --- many threads at once ------------------------------------------------------------------

ACQUIRERS = 8
CYCLES = 150


@pytest.fixture
def fast_switching():
    """Switch threads often, so the interleavings that could break an invariant happen."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(before)


@IMPLS
def test_threads_acquire_and_release_while_another_retires_and_rebinds(core: ModuleType, fast_switching):
    """8 threads lease "m" (and a capped "c") over and over; another thread retires the
    entry behind each key and binds a fresh one, ``CYCLES`` times. No count goes negative
    or past its limit, no lease is granted on an entry after its ``retire`` returned, and
    every retired entry is drained exactly once, after its last lease is back."""
    drained: dict[int, int] = {}
    drained_on: list[str] = []
    problems: list[str] = []
    table = core.SlotTable()

    def on_drained(entry: Any) -> None:
        drained[id(entry)] = drained.get(id(entry), 0) + 1
        drained_on.append(threading.current_thread().name)
        if entry.live != 0:
            problems.append(f"drained with {entry.live} out")

    def fresh(limit: int) -> Any:
        return core.Entry(Model("m"), limit, on_drained=on_drained)

    table.bind("m", fresh(0))
    table.bind("c", fresh(3))
    retired: list[tuple[Any, int]] = []  # (entry, hits when its retire returned)
    stop = threading.Event()
    granted = [0] * ACQUIRERS

    def acquirer(index: int) -> None:
        held: list[Any] = []
        try:
            while not stop.is_set():
                for key in ("m", "c", "m"):
                    lease = table.acquire(key)
                    if lease is None:
                        continue
                    entry = lease.entry
                    if entry.live <= 0 or (entry.limit and entry.live > entry.limit):
                        problems.append(f"live {entry.live} with a lease held, limit {entry.limit}")
                    granted[index] += 1
                    held.append(lease)
                while held:
                    held.pop().release()
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            problems.append(repr(exc))
        finally:
            for lease in held:
                lease.release()

    def retirer() -> None:
        try:
            for cycle in range(CYCLES):
                while granted[cycle % ACQUIRERS] == 0 and not problems:  # let the acquirers in
                    time.sleep(0)
                key = "m" if cycle % 2 else "c"
                old = table.get(key)
                table.retire(old)
                retired.append((old, old.hits))
                if old.live < 0:
                    problems.append("negative live")
                table.bind(key, fresh(0 if key == "m" else 3))
                granted[cycle % ACQUIRERS] = 0
        except BaseException as exc:  # noqa: BLE001
            problems.append(repr(exc))
        finally:
            stop.set()

    threads = [threading.Thread(target=acquirer, args=(i,), name=f"acquirer-{i}") for i in range(ACQUIRERS)]
    threads.append(threading.Thread(target=retirer, name="retirer"))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert problems == []
    assert len(retired) == CYCLES
    for entry, hits_at_retire in retired:
        assert entry.hits == hits_at_retire, "a lease was granted after retire returned"
        assert entry.live == 0
        assert drained.get(id(entry)) == 1
    for entry in table.entries():
        assert entry.live == 0 and not entry.retired and id(entry) not in drained
    assert sum(entry.hits for entry, _ in retired) > 0
    # Both ways to drain happened (about a third of the entries still had a lease out when retired).
    assert "retirer" in drained_on and any(name.startswith("acquirer-") for name in drained_on)

"""The two twins of the ``_mailbox`` speedup (an actor's mailbox and its cell's hot paths):
same API, same order, same expiry, also with many threads at once.

The cell core is driven through a small subclass that supplies what ``symphony.actors``'s
``Cell`` supplies (dead letters, answers, failures), on a real ``Dispatcher`` with real
``Message``s and ``Future``s; the actor tests cover the full ``Cell`` in each mode.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import symphony._speedups as speedups
from symphony import Message, MessageExpired, Priority
from symphony.actors import Dispatcher, Future
from symphony.envelope._priority import STANDARD_PRIORITIES

VARIANTS = speedups.variants("_mailbox")
pure = VARIANTS["pure"]
IMPLS = pytest.mark.parametrize("core", list(VARIANTS.values()), ids=list(VARIANTS))
levels = st.sampled_from(list(Priority)) | st.integers(-2000, 2000)


def test_mailbox_is_a_registered_speedup():
    assert "_mailbox" in speedups.MODULES
    assert speedups.load("_mailbox") in VARIANTS.values()


def test_both_twins_are_here_when_compiled():
    if speedups.status()["_mailbox"] == "compiled":
        assert set(VARIANTS) == {"pure", "compiled"}


@IMPLS
def test_same_public_api(core):
    assert list(core.public_api) == list(pure.public_api)
    for name in pure.public_api:
        assert hasattr(core, name), name
    assert (core.STARTING, core.RUNNING, core.STOPPING, core.STOPPED) == (0, 1, 2, 3)


@IMPLS
@settings(max_examples=150, deadline=None)
@given(operations=st.lists(st.tuples(st.booleans(), levels), max_size=60))
def test_mailbox_matches_a_stable_sort_model(core, operations):
    assert_matches_stable_sort(core.Mailbox(STANDARD_PRIORITIES), operations)


def assert_matches_stable_sort(box: Any, operations: list[tuple[bool, int]]) -> None:
    """Puts (``True``) and gets (``False``) at the given priorities give what a stable sort
    by descending priority gives: most urgent first, first in first out within a level."""
    model: list[tuple[int, int]] = []  # (priority, seq)
    seq = 0
    for is_put, priority in operations:
        if is_put:
            assert box.put((seq, None), priority)
            model.append((priority, seq))
            seq += 1
        else:
            expected = None
            if model:
                best = max(p for p, _ in model)
                expected = next(item for item in model if item[0] == best)
                model.remove(expected)
            got = box.get()
            assert (got[0] if got else None) == (expected[1] if expected else None)
        assert len(box) == len(model)
        assert box.empty() == (not model) == (not box)
    assert [e[0] for e in box.drain()] == [s for _, s in sorted(model, key=lambda i: (-i[0], i[1]))]


@IMPLS
def test_mailbox_bound_and_levels(core):
    box = core.Mailbox(STANDARD_PRIORITIES)
    assert box.put("a", 0, 2) and box.put("b", 7, 2)
    assert not box.put("c", 0, 2) and not box.put("d", 9, 2)
    assert box.levels() == (7, 0)
    assert box.get() == "b" and box.levels() == (0,)  # custom level dropped once empty
    assert box.get() == "a" and box.get() is None
    assert box.levels() == (0,)  # a fixed level stays


@IMPLS
def test_mailbox_many_producers_one_consumer(core):
    """Four threads append at two levels while one drains: each entry comes out once, and
    each producer's entries of one level come out in the order it put them."""
    box = core.Mailbox(STANDARD_PRIORITIES)
    per, producers = 5_000, 4
    start = threading.Barrier(producers + 1)

    def produce(p: int) -> None:
        start.wait()
        for i in range(per):
            box.put((p, i), 100 if i % 3 == 0 else 0)

    threads = [threading.Thread(target=produce, args=(p,)) for p in range(producers)]
    for t in threads:
        t.start()
    start.wait()
    got: list[tuple[int, int]] = []
    while len(got) < per * producers:
        entry = box.get()
        if entry is not None:
            got.append(entry)
    for t in threads:
        t.join()
    assert box.get() is None
    assert sorted(got) == [(p, i) for p in range(producers) for i in range(per)]
    for p in range(producers):
        for level in (0, 1):
            mine = [i for q, i in got if q == p and (i % 3 == 0) == (level == 1)]
            assert mine == sorted(mine)


def make_cell(core: Any, dispatcher: Dispatcher, handler: Any, *, throughput: int = 8) -> Any:
    """A cell core with what ``symphony.actors._cell.Cell`` adds kept to the minimum."""

    class Node:
        _tracer = None

        def __init__(self) -> None:
            self.dead: list[tuple[Message[Any], str]] = []

        def _dead_letter(self, msg: Message[Any], reason: str, recipient: str) -> None:
            self.dead.append((msg, reason))

    class Actor:
        def on_receive(self, msg: Message[Any]) -> Any:
            return handler(msg)

    class Cell(core.CellCore):
        __slots__ = ("failures",)

        def reject(self, msg: Message[Any], future: Any) -> None:
            self.node._dead_letter(msg, "actor stopped", self.name)

        def drain_dead(self) -> None:
            for msg, future in self.mailbox.drain():
                self.reject(msg, future)

        def _put_when_room(self, msg: Message[Any], future: Any, timeout: Any) -> bool:
            raise OverflowError("full")

        def _notify_space(self) -> None:
            pass

        def _answer(self, future: Future[Any], result: Any) -> None:
            future.set(result)

        def _failed(self, exc: BaseException, asked: bool) -> None:
            self.failures.append(exc)

        def run(self) -> None:  # what Cell.run does, minus start and stop
            while self.run_messages(self.throughput) == self.throughput:
                pass
            with self.lock:
                self.scheduled = False
                if self.mailbox.empty():
                    return
                self.scheduled = True
            self.dispatcher.submit(self)

    cell = Cell(Node(), "c", dispatcher, core.Mailbox(STANDARD_PRIORITIES), None, throughput)
    assert (cell.state, cell.scheduled, cell.running_in) == (core.STARTING, False, 0)
    cell.failures = []
    cell.actor = Actor()
    cell.state = core.RUNNING
    return cell


@pytest.fixture
def dispatcher():
    d = Dispatcher(2, max_threads=2, name="twins")
    yield d
    assert d.shutdown(timeout=10)


@IMPLS
def test_cell_core_delivers_every_tell_once_in_order_from_many_threads(core, dispatcher):
    seen: list[tuple[int, int]] = []
    cell = make_cell(core, dispatcher, lambda msg: seen.append(msg.payload))
    per, producers = 3_000, 4

    def produce(p: int) -> None:
        for i in range(per):
            cell.put(Message("n", (p, i)), None)

    threads = [threading.Thread(target=produce, args=(p,)) for p in range(producers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    last = Future()
    cell.put(Message("last", None, priority=Priority.BACKGROUND), last)
    last.get(timeout=30)
    assert sorted(seen[:-1]) == [(p, i) for p in range(producers) for i in range(per)]
    for p in range(producers):
        assert [i for q, i in seen[:-1] if q == p] == list(range(per))


@IMPLS
def test_cell_core_serves_priority_then_arrival(core, dispatcher):
    seen: list[str] = []
    gate, entered = threading.Event(), threading.Event()

    def handle(msg: Message[Any]) -> Any:
        if msg.kind == "gate":
            entered.set()
            gate.wait(30)
        seen.append(msg.kind)

    cell = make_cell(core, dispatcher, handle)
    cell.put(Message("gate"), None)  # holds the actor while the rest queue up
    assert entered.wait(30)
    for kind, priority in [("n1", 0), ("low", -100), ("h1", 100), ("n2", 0), ("crit", 1000), ("h2", 100)]:
        cell.put(Message(kind, priority=priority), None)
    done = Future()
    cell.put(Message("end", priority=-1000), done)
    gate.set()
    done.get(timeout=30)
    assert seen == ["gate", "crit", "h1", "h2", "n1", "n2", "low", "end"]


@IMPLS
def test_cell_core_never_delivers_an_expired_message(core, dispatcher):
    seen: list[str] = []
    gate = threading.Event()

    def handle(msg: Message[Any]) -> Any:
        if msg.kind == "gate":
            gate.wait(30)
        seen.append(msg.kind)
        return msg.kind

    cell = make_cell(core, dispatcher, handle)
    cell.put(Message("gate"), None)
    expired = Message("late", ttl=0.0)  # a deadline that has passed by the time it is looked at
    asked = Future(expired._deadline, "late")
    cell.put(expired, asked)
    cell.put(Message("told-late", ttl=0.0), None)
    fresh = Future()
    cell.put(Message("fresh"), fresh)
    gate.set()
    assert fresh.get(timeout=30) == "fresh"
    with pytest.raises(MessageExpired):
        asked.get(timeout=30)
    assert seen == ["gate", "fresh"]
    assert [(m.kind, why) for m, why in cell.node.dead] == [("late", "expired"), ("told-late", "expired")]


@IMPLS
def test_cell_core_hands_failures_to_supervision_and_goes_on(core, dispatcher):
    def handle(msg: Message[Any]) -> Any:
        if msg.kind == "boom":
            raise ValueError("boom")
        return "ok"

    cell = make_cell(core, dispatcher, handle)
    asked = Future()
    cell.put(Message("boom"), asked)
    cell.put(Message("boom"), None)
    after = Future()
    cell.put(Message("fine"), after)
    assert after.get(timeout=30) == "ok"
    with pytest.raises(ValueError):
        asked.get(timeout=1)
    assert [str(e) for e in cell.failures] == ["boom", "boom"]


@IMPLS
def test_cell_core_rejects_once_stopping(core, dispatcher):
    cell = make_cell(core, dispatcher, lambda msg: None)
    cell.state = core.STOPPING
    cell.put(Message("x"), None)
    assert [(m.kind, why) for m, why in cell.node.dead] == [("x", "actor stopped")]
    assert cell.mailbox.empty() and not cell.scheduled


@IMPLS
def test_thousands_of_cells_on_two_threads(core, dispatcher):
    counts = [0] * 2_000
    done = threading.Semaphore(0)

    def handler_for(i: int) -> Any:
        def handle(msg: Message[Any]) -> Any:
            counts[i] += 1
            if counts[i] == 5:
                done.release()
        return handle

    cells = [make_cell(core, dispatcher, handler_for(i), throughput=2) for i in range(len(counts))]
    for _ in range(5):
        for cell in cells:
            cell.put(Message("tick"), None)
    for _ in cells:
        assert done.acquire(timeout=30)
    assert counts == [5] * len(counts)
    assert dispatcher.thread_count == 2


@IMPLS
def test_event_factory_makes_what_message_makes(core):
    import time

    make = core.EventFactory(Message("prototype"), time.time)
    before = time.time()
    for payload in (None, {"a": [1, 2]}, "x" * 100):
        made, expected = make("edit", payload), Message("edit", payload)
        assert type(made) is Message
        for name in Message.__slots__:
            if name not in ("_created", "__weakref__"):
                assert getattr(made, name) == getattr(expected, name), name
        assert before <= made.created_at <= time.time()
        assert made.id != expected.id and made.id == made.id  # its own id, drawn on first use
        assert made.message_type == expected.message_type and not made.is_expired()
    if core is VARIANTS.get("compiled"):
        assert make.compiled


@IMPLS
def test_event_factory_calls_the_class_when_it_cannot_copy_slots(core):
    class Loose:  # instances have a __dict__
        def __init__(self, kind, payload=None):
            self.kind, self.payload = kind, payload

    make = core.EventFactory(Loose("p"), lambda: 0.0)
    made = make("k", 3)
    assert (type(made), made.kind, made.payload) == (Loose, "k", 3)
    assert not make.compiled

"""Mailbox order: most urgent first, FIFO within a level, against a sorted-list model."""

from __future__ import annotations

import threading

from hypothesis import given, settings
from hypothesis import strategies as st

from symphony import Priority
from symphony.actors import Mailbox

levels = st.sampled_from(list(Priority)) | st.integers(-2000, 2000)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.booleans(), levels), max_size=60))
def test_matches_a_stable_sort_model(operations):
    box = Mailbox()
    model: list[tuple[int, int]] = []  # (priority, seq)
    seq = 0
    for is_put, priority in operations:
        if is_put:
            box.put((seq, None), priority)
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
        assert box.empty() == (not model)
    rest = [entry[0] for entry in box.drain()]
    assert rest == [s for _, s in sorted(model, key=lambda item: (-item[0], item[1]))]


def test_custom_levels_are_dropped_once_empty_standard_ones_kept():
    box = Mailbox()
    for p in (Priority.NORMAL, 123, -77):
        box.put(("x", None), p)
    assert box.levels() == (123, 0, -77)
    while box.get() is not None:
        pass
    assert set(box.levels()) <= {0}


def test_concurrent_producers_lose_nothing_and_keep_their_own_order():
    box = Mailbox()
    producers, per_producer = 4, 2000

    def produce(pid: int) -> None:
        for i in range(per_producer):
            box.put(((pid, i), None), [Priority.NORMAL, 7, Priority.HIGH][i % 3])

    threads = [threading.Thread(target=produce, args=(p,)) for p in range(producers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    items = [entry[0] for entry in box.drain()]
    assert len(items) == producers * per_producer
    for pid in range(producers):
        mine = [i for p, i in items if p == pid]
        by_level = {lvl: [i for i in mine if i % 3 == lvl] for lvl in range(3)}
        assert all(seq == sorted(seq) for seq in by_level.values())

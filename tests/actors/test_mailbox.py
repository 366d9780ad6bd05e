"""Mailbox order: most urgent first, FIFO within a level, against a sorted-list model."""

from __future__ import annotations

import threading

from hypothesis import given, settings
from hypothesis import strategies as st

from symphony import Priority
from symphony.actors import Mailbox

from .._speedups.test_mailbox_twins import assert_matches_stable_sort

levels = st.sampled_from(list(Priority)) | st.integers(-2000, 2000)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.booleans(), levels), max_size=60))
def test_matches_a_stable_sort_model(operations):
    assert_matches_stable_sort(Mailbox(), operations)


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

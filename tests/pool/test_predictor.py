"""The request predictor on synthetic sequences: pipelines, periodic models, forgetting, bounds."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from symphony.pool._predictor import IdleHistogram, Predictor


def _pipeline_trace(rounds: int, seed: int = 3, noise: float = 0.3):
    """A -> B -> C repeated, with a random other model between runs (and sometimes between steps)."""
    rnd = random.Random(seed)
    t = 0.0
    out = []
    for _ in range(rounds):
        for step in ("A", "B", "C"):
            out.append((step, t))
            t += rnd.uniform(0.2, 1.0)
            if rnd.random() < noise:
                out.append((rnd.choice(["X", "Y", "Z"]), t))
                t += rnd.uniform(0.2, 1.0)
        t += rnd.uniform(3.0, 10.0)
    return out


def test_a_repeating_pipeline_is_predicted():
    pred = Predictor()
    trace = _pipeline_trace(60)
    for key, t in trace:
        pred.observe(key, t)
        now = t
    pred.observe("A", now + 5.0)
    top = pred.next_likely(now + 5.0, k=2)
    assert top[0][0] == "B" and top[0][1] > 0.6
    assert pred.need_probability("B", now + 5.0, 2.0) > 0.6
    assert pred.need_probability("C", now + 5.0, 3.0) > 0.5  # two steps ahead
    pred.observe("B", now + 5.5)
    assert pred.next_likely(now + 5.5, k=1)[0][0] == "C"
    # probabilities of next_likely are a distribution, likeliest first
    probs = [p for _, p in pred.next_likely(now + 5.5, k=10)]
    assert probs == sorted(probs, reverse=True) and sum(probs) == pytest.approx(1.0)


def test_a_periodic_models_need_rises_near_its_period():
    pred = Predictor()
    rnd = random.Random(5)
    t = 0.0
    last_p = 0.0
    while t < 3600:
        if int(t) % 60 == 0 and t - last_p >= 59:  # P every 60 s
            pred.observe("P", t)
            last_p = t
        else:
            pred.observe(rnd.choice(["A", "B", "C", "D"]), t)
        t += 1.0 + rnd.random() * 0.1
        t = round(t, 3)
    early = pred.need_probability("P", last_p + 5.0, 10.0)
    near = pred.need_probability("P", last_p + 55.0, 10.0)
    assert near > 0.7
    assert early < 0.2
    assert near > early + 0.5
    assert pred.idle_probability("never-seen", last_p, 10.0) == 0.0


def test_a_changed_pipeline_is_learnt_and_the_old_one_fades():
    pred = Predictor(decay=0.9)
    t = 0.0
    for _ in range(30):
        for key in ("A", "B"):
            pred.observe(key, t)
            t += 1.0
    for _ in range(30):
        for key in ("A", "D"):
            pred.observe(key, t)
            t += 1.0
    pred.observe("A", t)
    (first, p), *_ = pred.next_likely(t)
    assert first == "D" and p > 0.9


def test_memory_stays_bounded():
    pred = Predictor(max_keys=10, max_successors=3, bins=8)
    for i in range(500):
        pred.observe(i % 50, float(i))
        pred.observe("hub", float(i) + 0.5)
    assert len(pred._last_seen) <= 10
    assert len(pred._hist) <= 10 and len(pred._chain) <= 10
    assert all(len(row) <= 3 for row in pred._chain.values())
    assert all(len(h.counts) == 8 for h in pred._hist.values())
    assert pred.last_seen(0) is None and pred.last_seen("hub") == 499.5


def test_before_any_request_nothing_is_predicted():
    pred = Predictor()
    assert pred.next_likely(0.0) == []
    assert pred.need_probability("A", 0.0, 10.0) == 0.0
    pred.observe("A", 1.0)
    assert pred.next_likely(1.0) == []  # nothing followed A yet
    assert pred.next_likely(1.0, k=0) == []


def test_a_time_going_backwards_counts_as_the_same_instant():
    pred = Predictor()
    pred.observe("A", 10.0)
    pred.observe("A", 5.0)
    assert pred.last_seen("A") == 10.0


@pytest.mark.parametrize("call", [
    lambda p: p.observe("A", float("nan")),
    lambda p: p.observe("A", float("inf")),
    lambda p: p.need_probability("A", float("nan"), 1.0),
    lambda p: p.need_probability("A", 1.0, -1.0),
    lambda p: p.need_probability("A", 1.0, float("nan")),
    lambda p: p.next_likely(float("nan")),
])
def test_bad_input_is_a_value_error_and_changes_nothing(call):
    pred = Predictor()
    for i, key in enumerate("ABAB"):
        pred.observe(key, float(i))
    before = (pred.next_likely(4.0), pred.need_probability("A", 4.0, 1.0), pred.observed)
    with pytest.raises(ValueError):
        call(pred)
    assert (pred.next_likely(4.0), pred.need_probability("A", 4.0, 1.0), pred.observed) == before


@pytest.mark.parametrize("kwargs", [dict(decay=0.0), dict(decay=1.5), dict(bins=1), dict(min_idle=0.0),
                                    dict(min_idle=10.0, max_idle=1.0), dict(max_keys=0),
                                    dict(max_successors=0), dict(max_steps=0)])
def test_bad_settings_are_refused(kwargs):
    with pytest.raises(ValueError):
        Predictor(**kwargs)


def test_idle_histogram_conditional_probability():
    edges = [1.0, 2.0, 4.0, 8.0, 16.0]
    h = IdleHistogram(edges)
    for _ in range(10):
        h.add(5.0, 1.0)  # always ~5 s
    assert h.cdf(0.0) == 0.0 and h.cdf(100.0) == 1.0
    assert h.within(0.0, 1.0) == 0.0  # too early
    assert h.within(3.0, 6.0) == 1.0  # the window covers the whole bin
    assert h.within(50.0, 10.0) == 0.0  # longer than anything seen: says nothing


@settings(max_examples=60, deadline=None)
@given(seq=st.lists(st.tuples(st.sampled_from("ABCDE"), st.floats(0, 100)), max_size=60),
       probe=st.sampled_from("ABCDEF"), later=st.floats(0, 1000), horizon=st.floats(0, 1000))
def test_need_probability_is_a_probability(seq, probe, later, horizon):
    pred = Predictor(bins=10)
    t = 0.0
    for key, gap in seq:
        t += gap
        pred.observe(key, t)
    p = pred.need_probability(probe, t + later, horizon)
    assert 0.0 <= p <= 1.0
    assert all(0.0 <= q <= 1.0 for _, q in pred.next_likely(t + later, k=5))


def test_requests_a_hair_apart_do_not_break_the_look_ahead():
    """Regression: a mean gap near zero made the step count infinite (OverflowError)."""
    pred = Predictor()
    pred.observe("A", 0.0)
    pred.observe("A", 2.2250738585e-313)
    assert 0.0 <= pred.need_probability("A", 1.0, 0.0) <= 1.0


def test_a_new_successor_displaces_the_weakest_when_a_row_is_full():
    pred = Predictor(max_successors=2, decay=1.0)
    t = 0.0
    for succ in ("B", "B", "B", "C", "C"):  # A -> B three times, A -> C twice
        pred.observe("A", t)
        pred.observe(succ, t + 0.5)
        t += 1.0
    pred.observe("A", t)
    pred.observe("D", t + 0.5)  # a third successor: C (the weakest) goes, D stays
    assert set(pred.transitions("A")) == {"B", "D"}

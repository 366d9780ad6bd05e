"""Prewarm planning: what to load ahead, what to evict for it, never a likelier model, never past the budget."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from symphony.pool._policy import GDSF, LRU, make_policy
from symphony.pool._predictor import Predictor
from symphony.pool._prewarm import Prewarm, plan_prewarm


def _pipeline_predictor() -> tuple[Predictor, float]:
    """A -> B twenty times, X now and then; the latest request is A."""
    pred = Predictor()
    t = 0.0
    for i in range(20):
        pred.observe("A", t)
        pred.observe("B", t + 0.5)
        if i % 5 == 0:
            pred.observe("X", t + 2.0)
        t += 10.0
    pred.observe("A", t)
    return pred, t


def _policy_with(resident: dict, now: float):
    policy = GDSF()
    for key, size in resident.items():
        policy.admitted(key, size, 1.0, now)
    return policy


def test_the_likely_next_model_is_loaded_into_free_memory():
    pred, now = _pipeline_predictor()
    plan = plan_prewarm(pred, LRU(), sizes={"A": 100}, candidates={"A": 100, "B": 100, "X": 100},
                        budget=1000, used=100, now=now, horizon=2.0)
    assert isinstance(plan, Prewarm)
    assert plan.key == "B" and plan.evict == [] and plan.probability > 0.5


def test_an_unlikely_model_is_evicted_for_it():
    pred, now = _pipeline_predictor()
    resident = {"A": 100, "Q": 100, "X": 100}  # A was just used (next due in ~10 s), Q never
    policy = _policy_with(resident, now)
    for i in range(5):
        policy.used("Q", now)  # Q: the higher keep-priority of the two unlikely ones
    plan = plan_prewarm(pred, policy, sizes=resident, candidates={"B": 150}, budget=300, used=300,
                        now=now, horizon=2.0)
    assert plan is not None and plan.key == "B"
    assert sum(resident[k] for k in plan.evict) >= 150 and len(plan.evict) == 2
    assert all(pred.need_probability(k, now, 2.0) < plan.probability for k in plan.evict)
    probs = [pred.need_probability(k, now, 2.0) for k in plan.evict]
    assert probs == sorted(probs)
    # equally unlikely: the policy's lower keep-priority goes first
    plan = plan_prewarm(pred, policy, sizes={"A": 100, "Q": 100}, candidates={"B": 100}, budget=200,
                        used=200, now=now, horizon=2.0)
    assert plan is not None and plan.evict == ["A"]


def test_a_likelier_model_is_never_evicted():
    pred, now = _pipeline_predictor()
    # resident B is the likely one; candidate X is not likely enough to displace it
    plan = plan_prewarm(pred, LRU(), sizes={"B": 100}, candidates={"X": 100}, budget=100, used=100,
                        now=now, horizon=2.0, threshold=0.0)
    assert plan is None


def test_pinned_loading_and_resident_models_are_left_alone():
    pred, now = _pipeline_predictor()
    resident = {"Q": 100, "R": 100}
    # Q is pinned (a live lease), R is loading: nothing may go, so nothing fits
    assert plan_prewarm(pred, LRU(), sizes=resident, candidates={"B": 100}, pinned={"Q"}, loading={"R"},
                        budget=200, used=200, now=now, horizon=2.0) is None
    # B loading already: not a candidate
    assert plan_prewarm(pred, LRU(), sizes={}, candidates={"B": 100}, loading={"B"}, budget=1000,
                        used=100, now=now, horizon=2.0) is None
    # bigger than the whole budget: never a candidate
    assert plan_prewarm(pred, LRU(), sizes={}, candidates={"B": 2000}, budget=1000, used=0, now=now,
                        horizon=2.0) is None


def test_below_the_threshold_nothing_is_planned():
    pred, now = _pipeline_predictor()
    b = pred.need_probability("B", now, 2.0)
    x = pred.need_probability("X", now, 2.0)
    assert x < 0.5 < b
    assert plan_prewarm(pred, LRU(), sizes={}, candidates={"X": 1}, budget=10, used=0, now=now,
                        horizon=2.0, threshold=0.5) is None
    plan = plan_prewarm(pred, LRU(), sizes={}, candidates={"X": 1, "B": 1}, budget=10, used=0, now=now,
                        horizon=2.0, threshold=0.5)
    assert plan is not None and plan.key == "B"


def test_a_slow_model_is_looked_at_over_its_load_time_too():
    pred = Predictor()
    for t in range(0, 600):
        pred.observe("P" if t % 60 == 0 else f"other{t % 7}", float(t))  # P every 60 s among others
    now = 540.0 + 40.0  # 40 s after the latest: due in ~20 s
    cands = {"P": 10}
    assert plan_prewarm(pred, LRU(), sizes={}, candidates=cands, budget=100, used=0, now=now,
                        horizon=5.0) is None
    plan = plan_prewarm(pred, LRU(), sizes={}, candidates=cands, budget=100, used=0, now=now,
                        horizon=5.0, costs={"P": 20.0})
    assert plan is not None and plan.key == "P"


def test_planning_does_not_move_gdsf_clock():
    pred, now = _pipeline_predictor()
    resident = {"Q": 100}
    policy = _policy_with(resident, now)
    plan = plan_prewarm(pred, policy, sizes=resident, candidates={"B": 100}, budget=100, used=100,
                        now=now, horizon=2.0)
    assert plan is not None and plan.evict == ["Q"]
    assert policy.clock == 0.0


@pytest.mark.parametrize("kwargs", [
    dict(budget=-1), dict(budget=float("nan")), dict(used=-1), dict(used=float("nan")),
    dict(now=float("nan")), dict(horizon=-1.0), dict(horizon=float("nan")), dict(threshold=1.5),
    dict(threshold=float("nan")), dict(sizes={"A": float("nan")}), dict(candidates={"B": float("nan")}),
    dict(candidates={"B": -1}), dict(costs={"B": float("nan")}), dict(costs={"B": -2.0}),
    dict(evict_below=float("nan")),
])
def test_bad_input_is_a_value_error(kwargs):
    pred, now = _pipeline_predictor()
    args = dict(sizes={"A": 100}, candidates={"B": 100}, budget=1000, used=100, now=now, horizon=2.0)
    args.update(kwargs)
    seen = pred.observed
    with pytest.raises(ValueError):
        plan_prewarm(pred, LRU(), **args)
    assert pred.observed == seen


KEYS = list("ABCDEFGH")


@settings(max_examples=120, deadline=None)
@given(history=st.lists(st.tuples(st.sampled_from(KEYS), st.floats(0.0, 30.0)), min_size=1, max_size=60),
       sizes=st.dictionaries(st.sampled_from(KEYS), st.integers(0, 400), min_size=1),
       resident_pick=st.sets(st.sampled_from(KEYS)), pinned=st.sets(st.sampled_from(KEYS), max_size=3),
       loading_pick=st.sets(st.sampled_from(KEYS), max_size=2), budget=st.integers(0, 1500),
       horizon=st.floats(0.0, 60.0), threshold=st.floats(0.0, 1.0), later=st.floats(0.0, 100.0),
       policy_name=st.sampled_from(["lru", "gdsf"]))
def test_plans_keep_the_rules(history, sizes, resident_pick, pinned, loading_pick, budget, horizon,
                              threshold, later, policy_name):
    pred = Predictor(bins=12)
    policy = make_policy(policy_name)
    t = 0.0
    for key, gap in history:
        t += gap
        pred.observe(key, t)
    now = t + later
    resident = {k: sizes[k] for k in resident_pick if k in sizes}
    loading = {k for k in loading_pick if k in sizes and k not in resident}
    for k, size in resident.items():
        policy.admitted(k, size, 1.0, now)
    used = sum(resident.values()) + sum(sizes[k] for k in loading)
    plan = plan_prewarm(pred, policy, sizes=resident, candidates=sizes, pinned=pinned, loading=loading,
                        budget=budget, used=used, now=now, horizon=horizon, threshold=threshold)
    if plan is None:
        return
    key, evict, p = plan
    assert key in sizes and key not in resident and key not in loading
    assert p >= threshold
    assert not set(evict) & (set(pinned) | loading)
    assert set(evict) <= set(resident) and len(set(evict)) == len(evict)
    freed = sum(resident[k] for k in evict)
    assert used - freed + sizes[key] <= max(budget, used - freed)  # within the budget...
    assert used - freed + sizes[key] <= budget  # ...strictly: the plan fits
    window = horizon  # no costs given
    for k in evict:
        q = pred.need_probability(k, now, window)
        assert q < p  # never a likelier model
        assert q < threshold / 2  # nor one nearly worth prewarming itself

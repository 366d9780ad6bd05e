"""Eviction policies: LRU and GDSF orders on hand-made sequences, their invariants on random ones."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from symphony.pool._policy import GDSF, LRU, EvictionPolicy, make_policy

MB = 1_000_000


def test_make_policy_by_name():
    assert isinstance(make_policy("lru"), LRU)
    assert isinstance(make_policy("GDSF"), GDSF)
    assert isinstance(make_policy("gdsf"), EvictionPolicy)
    with pytest.raises(ValueError, match="unknown eviction policy 'fifo'"):
        make_policy("fifo")


def test_lru_evicts_the_least_recently_used_first():
    lru = LRU()
    sizes = {"a": 100, "b": 100, "c": 100}
    for t, key in enumerate(sizes):
        lru.admitted(key, sizes[key], 1.0, float(t))
    lru.used("a", 10.0)
    assert lru.victims(100, sizes, (), 11.0) == ["b"]
    assert lru.victims(150, sizes, (), 11.0) == ["b", "c"]
    assert lru.victims(300, sizes, (), 11.0) == ["b", "c", "a"]
    assert lru.victims(100, sizes, {"b"}, 11.0) == ["c"]  # pinned b is skipped
    assert lru.priority("a") == 10.0 and lru.priority("zzz") == -math.inf


def test_lru_ties_go_by_arrival_and_unknown_keys_go_first():
    lru = LRU()
    lru.admitted("a", 1, 0.0, 5.0)
    lru.admitted("b", 1, 0.0, 5.0)  # same instant: a arrived first
    assert lru.victims(1, {"b": 1, "a": 1}, (), 5.0) == ["a"]
    assert lru.victims(1, {"b": 1, "a": 1, "stray": 1}, (), 5.0) == ["stray"]
    lru.removed("a")
    lru.removed("never-there")  # ignored
    assert lru.victims(1, {"b": 1}, (), 6.0) == ["b"]


def test_gdsf_orders_by_frequency_times_cost_over_size():
    g = GDSF()
    g.admitted("cheap", 100 * MB, 1.0, 0.0)      # H = 1e-8
    g.admitted("dear", 100 * MB, 10.0, 1.0)      # H = 1e-7
    g.admitted("big", 1000 * MB, 10.0, 2.0)      # H = 1e-8, more recent than cheap
    sizes = {"cheap": 100 * MB, "dear": 100 * MB, "big": 1000 * MB}
    # equal H: the least recently used (cheap) goes first
    assert g.victims(1, sizes, (), 3.0) == ["cheap"]
    for t in (4.0, 5.0, 6.0):
        g.used("cheap", t)  # frequency 4: H = 4e-8
    assert g.victims(sizes["big"] + 1, sizes, (), 7.0) == ["big", "cheap"]
    assert g.frequency("cheap") == 4 and g.frequency("nope") == 0
    assert g.priority("cheap") == pytest.approx(4e-8) and g.priority("nope") == -math.inf


def test_gdsf_clock_rises_to_an_evicted_victims_priority_only():
    g = GDSF()
    g.admitted("a", 100, 1.0, 0.0)  # H = 0.01
    g.admitted("b", 100, 5.0, 0.0)  # H = 0.05
    g.admitted("c", 100, 9.0, 0.0)  # H = 0.09
    sizes = {"a": 100, "b": 100, "c": 100}
    g.removed("c")  # an unload the policy did not choose: L stays
    assert g.clock == 0.0
    assert g.victims(100, {"a": 100, "b": 100}, (), 1.0) == ["a"]
    g.removed("a")
    assert g.clock == pytest.approx(0.01)
    g.admitted("d", 100, 1.0, 2.0)  # H = L + 0.01: it ages the old ones
    assert g.priority("d") == pytest.approx(0.02)
    # the clock's rise makes a newcomer outrank an old model of the same worth
    g.admitted("e", 100, 5.0, 3.0)
    assert g.priority("e") > g.priority("b")
    # a chosen victim that is used again before it goes does not move the clock
    assert g.victims(100, {"b": 100, "d": 100, "e": 100}, (), 4.0) == ["d"]
    g.used("d", 4.5)
    g.removed("d")
    assert g.clock == pytest.approx(0.01)
    del sizes


@pytest.mark.parametrize("policy", [LRU, GDSF])
def test_victims_edge_cases(policy):
    p = policy()
    p.admitted("a", 10, 1.0, 0.0)
    p.admitted("b", 20, 1.0, 1.0)
    sizes = {"a": 10, "b": 20}
    assert p.victims(0, sizes, (), 2.0) == []
    assert p.victims(31, sizes, (), 2.0) is None
    assert p.victims(11, sizes, {"b"}, 2.0) is None  # only a is free and holds 10
    assert p.victims(30, sizes, (), 2.0) is not None
    assert p.victims(5, {}, (), 2.0) is None


@pytest.mark.parametrize("policy", [LRU, GDSF])
@pytest.mark.parametrize("call", [
    lambda p: p.victims(-1, {"a": 10}, (), 0.0),
    lambda p: p.victims(float("nan"), {"a": 10}, (), 0.0),
    lambda p: p.victims(float("inf"), {"a": 10}, (), 0.0),
    lambda p: p.victims(1, {"a": float("nan")}, (), 0.0),
    lambda p: p.victims(1, {"a": -5}, (), 0.0),
    lambda p: p.admitted("x", float("nan"), 1.0, 0.0),
    lambda p: p.admitted("x", 10, float("nan"), 0.0),
    lambda p: p.admitted("x", -10, 1.0, 0.0),
    lambda p: p.admitted("x", 10, -1.0, 0.0),
    lambda p: p.admitted("x", 10, 1.0, float("nan")),
    lambda p: p.used("a", float("nan")),
], ids=["need<0", "need-nan", "need-inf", "size-nan", "size<0", "admit-size-nan", "admit-cost-nan",
        "admit-size<0", "admit-cost<0", "admit-now-nan", "used-now-nan"])
def test_bad_input_is_a_value_error_and_changes_nothing(policy, call):
    p = policy()
    p.admitted("a", 10, 1.0, 0.0)
    p.admitted("b", 10, 2.0, 1.0)
    before = (p.priority("a"), p.priority("b"), p.priority("x"), p.victims(10, {"a": 10, "b": 10}, (), 2.0))
    with pytest.raises(ValueError):
        call(p)
    assert (p.priority("a"), p.priority("b"), p.priority("x"),
            p.victims(10, {"a": 10, "b": 10}, (), 2.0)) == before


# -- random sequences ------------------------------------------------------------------
KEYS = ["m0", "m1", "m2", "m3", "m4", "m5", ("m6", 2), 7]  # any hashable
ops = st.lists(st.one_of(
    st.tuples(st.just("admit"), st.sampled_from(KEYS), st.integers(0, 500), st.floats(0, 30)),
    st.tuples(st.just("use"), st.sampled_from(KEYS)),
    st.tuples(st.just("remove"), st.sampled_from(KEYS)),
    st.tuples(st.just("victims"), st.integers(0, 2000), st.sets(st.sampled_from(KEYS), max_size=4),
              st.booleans()),
), max_size=80)


@settings(max_examples=150, deadline=None)
@given(name=st.sampled_from(["lru", "gdsf", "gdsf:2"]), seq=ops)
def test_random_sequences_keep_the_invariants(name, seq):
    p = make_policy("gdsf", max_frequency=2) if name == "gdsf:2" else make_policy(name)
    resident: dict = {}
    now = 0.0
    clock = 0.0
    for op in seq:
        now += 1.0
        if op[0] == "admit":
            _, key, size, cost = op
            if key in resident:
                continue
            resident[key] = size
            p.admitted(key, size, cost, now)
        elif op[0] == "use":
            if op[1] in resident:
                p.used(op[1], now)
        elif op[0] == "remove":
            resident.pop(op[1], None)
            p.removed(op[1])
        else:
            _, need, pinned, evict = op
            got = p.victims(need, resident, pinned, now)
            free = sum(s for k, s in resident.items() if k not in pinned)
            if got is None:
                assert free < need
            else:
                assert len(set(got)) == len(got)
                assert not set(got) & set(pinned)
                assert set(got) <= set(resident)
                assert sum(resident[k] for k in got) >= need
                if need == 0:
                    assert got == []
                else:  # minimal prefix: without the last one, too little
                    assert sum(resident[k] for k in got[:-1]) < need
                prios = [p.priority(k) for k in got]
                assert prios == sorted(prios)  # lowest priority first
                if got:  # nothing unpinned left behind ranks lower than a victim
                    rest = [p.priority(k) for k in resident if k not in pinned and k not in got]
                    assert all(r >= prios[0] for r in rest)
                if evict:
                    for k in got:
                        del resident[k]
                        p.removed(k)
        if isinstance(p, GDSF):
            assert p.clock >= clock
            clock = p.clock


def test_gdsf_frequency_cap_lets_a_formerly_busy_model_go():
    """Phase 1 uses ``old`` 200 times; phase 2 cycles three newcomers through one free slot.
    Uncapped, ``old`` outranks every newcomer for ever; capped at 4, the clock catches up."""
    def run(policy: GDSF) -> int:
        sizes = {"old": 100}
        policy.admitted("old", 100, 1.0, 0.0)
        for t in range(200):
            policy.used("old", float(t))
        evictions_before_old = 0
        for t in range(200, 400):
            key = f"new{t % 3}"
            if key in sizes:
                policy.used(key, float(t))
                continue
            if len(sizes) == 2:
                victim = policy.victims(100, sizes, (), float(t))
                assert victim is not None and len(victim) == 1
                if victim == ["old"]:
                    return evictions_before_old
                evictions_before_old += 1
                del sizes[victim[0]]
                policy.removed(victim[0])
            sizes[key] = 100
            policy.admitted(key, 100, 1.0, float(t))
        return evictions_before_old

    assert run(GDSF()) > 150  # never (or very late): the old count protects it
    assert run(GDSF(max_frequency=4)) < 10
    assert make_policy("gdsf", max_frequency=4).max_frequency == 4  # type: ignore[attr-defined]
    g = GDSF(max_frequency=2)
    g.admitted("a", 10, 1.0, 0.0)
    for t in range(5):
        g.used("a", float(t))
    assert g.frequency("a") == 2


@pytest.mark.parametrize("bad", [0, -1, 2.5, True, "4"])
def test_gdsf_refuses_a_bad_frequency_cap(bad):
    with pytest.raises(ValueError, match="max_frequency"):
        GDSF(max_frequency=bad)


def test_make_policy_refuses_an_option_the_policy_does_not_take():
    with pytest.raises(TypeError):
        make_policy("lru", max_frequency=4)

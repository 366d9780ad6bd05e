"""LinUCB and Thompson sampling: checked against mabwiser, Sherman-Morrison against a direct
inverse, hostile input, persistence."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from symphony.conductor._bandits import LinUCB, ThompsonSampling
from symphony.errors import PolicyError

mabwiser = pytest.importorskip("mabwiser.mab")


def _stream(seed: int, d: int, arms: int, steps: int):
    rng = np.random.default_rng(seed)
    weights = rng.normal(size=(arms, d))
    xs = rng.normal(size=(steps, d))
    noise = rng.normal(scale=0.1, size=(steps, arms))
    return xs, xs @ weights.T + noise


@pytest.mark.parametrize("alpha", [0.25, 1.0, 2.0])
@pytest.mark.parametrize("d", [4, 16])
def test_linucb_matches_mabwiser_on_the_same_stream(alpha, d):
    arms = ["a", "b", "c", "d"]
    xs, rewards = _stream(7 + d, d, len(arms), 300)
    ours = LinUCB(d, alpha=alpha, ridge=1.0, discount=1.0)
    ref = mabwiser.MAB(arms, mabwiser.LearningPolicy.LinUCB(alpha=alpha, l2_lambda=1.0), seed=1)
    for arm in arms:
        ours.add_arm(arm)
    for t, x in enumerate(xs):
        scores = ours.scores(arms, x)
        choice = ours.choose(arms, x)
        if t:  # mabwiser predicts only once fitted
            assert ref.predict(x[None, :]) == choice, t
            expected = ref.predict_expectations(x[None, :])
            np.testing.assert_allclose(scores, [expected[a] for a in arms], rtol=1e-7, atol=1e-9)
        else:
            assert choice == arms[0]  # no evidence: all equal, the first wins, as in mabwiser
        reward = rewards[t, arms.index(choice)]
        ours.update(choice, x, reward)
        (ref.partial_fit if t else ref.fit)([choice], [reward], x[None, :])
    assert len(set(ours.choose(arms, x) for x in xs[-50:])) > 1  # the stream exercised several arms


def _check_inverse(bandit, arms):
    state = bandit.to_state()
    d = bandit.n_features
    k = len(arms)
    A = np.frombuffer(state["A"]).reshape(k, d, d)
    A_inv = np.frombuffer(state["A_inv"]).reshape(k, d, d)
    b = np.frombuffer(state["b"]).reshape(k, d)
    theta = np.frombuffer(state["theta"]).reshape(k, d)
    for i in range(k):
        direct = np.linalg.inv(A[i])
        scale = np.abs(direct).max()
        np.testing.assert_allclose(A_inv[i], direct, atol=1e-8 * max(scale, 1.0), rtol=1e-6)
        np.testing.assert_allclose(theta[i], np.linalg.solve(A[i], b[i]), atol=1e-7, rtol=1e-6)


@settings(max_examples=60, deadline=None)
@given(
    d=st.integers(1, 12),
    steps=st.lists(st.tuples(st.integers(0, 2), st.lists(st.floats(-3, 3), min_size=12, max_size=12),
                             st.floats(-5, 5)), min_size=1, max_size=80),
    discount=st.sampled_from([1.0, 0.99, 0.9, 0.7]),
    forgetting=st.sampled_from(["directional", "exponential"]),
    ridge=st.sampled_from([0.1, 1.0, 4.0]),
)
def test_sherman_morrison_tracks_the_direct_inverse(d, steps, discount, forgetting, ridge):
    arms = ["x", "y", "z"]
    bandit = LinUCB(d, alpha=1.0, ridge=ridge, discount=discount, forgetting=forgetting)
    for arm in arms:
        bandit.add_arm(arm)
    for arm, values, reward in steps:
        bandit.update(arms[arm], np.array(values[:d]), reward)
    _check_inverse(bandit, arms)


def test_discount_forgets_so_a_changed_arm_is_relearnt():
    x = np.array([1.0, 0.5])
    for discount, relearnt in ((1.0, False), (0.9, True)):
        bandit = LinUCB(2, alpha=0.0, discount=discount)
        for _ in range(300):
            bandit.update("a", x, 1.0)
        for _ in range(30):
            bandit.update("a", x, 0.0)
        assert bool(bandit.means(["a"], x)[0] < 0.2) is relearnt


def test_directional_forgetting_keeps_what_other_tasks_taught():
    """Directional forgetting forgets along the features it sees again; exponential forgetting
    forgets everything, so what python tasks taught becomes uncertain again after many rust ones."""
    rust, python = np.array([1.0, 1.0, 0.0]), np.array([1.0, 0.0, 1.0])
    width = {}
    for forgetting in ("directional", "exponential"):
        bandit = LinUCB(3, alpha=1.0, discount=0.9, forgetting=forgetting)
        for _ in range(50):
            bandit.update("a", python, 0.3)
        for _ in range(300):
            bandit.update("a", rust, 0.9)
        mean = bandit.means(["a"], python)[0]
        width[forgetting] = bandit.scores(["a"], python)[0] - mean
        assert mean == pytest.approx(0.3, abs=0.15)
        assert bandit.means(["a"], rust)[0] == pytest.approx(0.9, abs=0.05)
    assert width["directional"] < 0.5 < 1.0 < width["exponential"]


def test_thompson_is_seeded_and_converges_on_a_clear_best_arm():
    arms = ["low", "mid", "high"]
    quality = {"low": 0.2, "mid": 0.5, "high": 0.8}

    def run(seed):
        rng = np.random.default_rng(0)
        bandit = ThompsonSampling(3, v=0.5, seed=seed)
        picks = []
        for _ in range(400):
            x = np.array([1.0, *rng.uniform(0, 1, 2)])
            arm = bandit.choose(arms, x)
            picks.append(arm)
            bandit.update(arm, x, quality[arm] + rng.normal(scale=0.1))
        return picks

    picks = run(3)
    assert picks == run(3)
    assert picks != run(4)
    assert picks[-100:].count("high") >= 90
    assert picks[:100].count("high") < 100  # it did explore


def test_arms_are_added_on_first_use_and_removed():
    bandit = LinUCB(2)
    assert bandit.choose(["p", "q"], [1.0, 0.0]) == "p"
    assert bandit.arms == ("p", "q")
    bandit.add_arm("p")
    assert bandit.arms == ("p", "q")
    bandit.update("q", [1.0, 0.0], 1.0)
    bandit.remove_arm("p")
    assert bandit.arms == ("q",) and bandit.count("q") == 1
    with pytest.raises(KeyError):
        bandit.remove_arm("p")
    with pytest.raises(ValueError):
        bandit.choose([], [1.0, 0.0])
    with pytest.raises(ValueError):
        bandit.choose(["a", "a"], [1.0, 0.0])


@pytest.mark.parametrize("make", [lambda: LinUCB(3, discount=0.95), lambda: ThompsonSampling(3, seed=1)])
@pytest.mark.parametrize("bad_x, bad_reward", [
    ([1.0, float("nan"), 0.0], 1.0), ([1.0, float("inf"), 0.0], 1.0), ([1.0, 0.0], 1.0),
    ([[1.0, 0.0, 0.0]], 1.0), (["a", "b", "c"], 1.0), ([1.0, 0.0, 0.0], float("nan")),
    ([1.0, 0.0, 0.0], float("-inf")), ([1.0, 0.0, 0.0], True), ([1.0, 0.0, 0.0], "1.0"),
])
def test_hostile_input_raises_value_error_and_changes_nothing(make, bad_x, bad_reward):
    bandit = make()
    bandit.update("a", [1.0, 0.2, 0.1], 0.5)
    before = bandit.to_state()
    with pytest.raises(ValueError):
        bandit.update("a", bad_x, bad_reward)
    with pytest.raises(ValueError):
        bandit.update("new", bad_x, bad_reward)
    if bad_x != [1.0, 0.0, 0.0]:
        with pytest.raises(ValueError):
            bandit.choose(["a", "b"], bad_x)
    assert bandit.to_state() == before


@pytest.mark.parametrize("cls, kw", [(LinUCB, {"alpha": 0.7, "discount": 0.9}),
                                     (LinUCB, {"forgetting": "exponential", "discount": 0.8}),
                                     (ThompsonSampling, {"v": 0.4, "seed": 5})])
def test_state_round_trip_gives_identical_scores(cls, kw):
    rng = np.random.default_rng(2)
    bandit = cls(5, **kw)
    for _ in range(100):
        x = rng.normal(size=5)
        bandit.update(bandit.choose(["a", "b", "c"], x), x, float(rng.normal()))
    copy = cls.from_state(bandit.to_state())
    assert copy.arms == bandit.arms
    for _ in range(50):
        x = rng.normal(size=5)
        assert list(copy.scores(["a", "b", "c"], x)) == list(bandit.scores(["a", "b", "c"], x))
        arm = bandit.choose(["a", "b", "c"], x)
        assert copy.choose(["a", "b", "c"], x) == arm
        bandit.update(arm, x, 0.5)
        copy.update(arm, x, 0.5)


def _state():
    bandit = LinUCB(3)
    bandit.update("a", [1.0, 0.5, 0.0], 1.0)
    bandit.update("b", [1.0, 0.0, 0.5], 0.0)
    return bandit.to_state()


@pytest.mark.parametrize("corrupt", [
    lambda s: None, lambda s: [], lambda s: {**s, "policy": "thompson"}, lambda s: {**s, "version": 2},
    lambda s: {k: v for k, v in s.items() if k != "A"}, lambda s: {**s, "A": s["A"][:-8]},
    lambda s: {**s, "A_inv": s["A_inv"][:40] + np.array([np.nan]).tobytes() + s["A_inv"][48:]},
    lambda s: {**s, "A_inv": bytes(len(s["A_inv"]))}, lambda s: {**s, "n_features": 4},
    lambda s: {**s, "n_features": 10**9}, lambda s: {**s, "arms": ["a", "a"]}, lambda s: {**s, "arms": "ab"},
    lambda s: {**s, "counts": [1]}, lambda s: {**s, "counts": [1, -1]}, lambda s: {**s, "discount": 2.0},
    lambda s: {**s, "alpha": float("nan")}, lambda s: {**s, "forgetting": "sideways"},
    lambda s: {**s, "b": "text"},
    lambda s: {**s, "A": (-np.frombuffer(s["A"])).tobytes(), "A_inv": (-np.frombuffer(s["A_inv"])).tobytes()},
])
def test_a_corrupt_state_raises_policy_error(corrupt):
    with pytest.raises(PolicyError):
        LinUCB.from_state(corrupt(_state()))


def test_thompson_state_with_a_bad_generator_raises_policy_error():
    state = ThompsonSampling(2, seed=1).to_state()
    for rng in ("{", '{"bit_generator": "MT19937"}', 5):
        with pytest.raises(PolicyError):
            ThompsonSampling.from_state({**state, "rng": rng})


@pytest.mark.parametrize("forgetting, discount", [("directional", 0.95), ("exponential", 0.95), ("directional", 1.0)])
def test_a_long_run_stays_consistent(forgetting, discount):
    """5,000 updates (past several refreshes): A_inv still inverts A and theta solves A theta = b."""
    rng = np.random.default_rng(8)
    bandit = LinUCB(16, discount=discount, forgetting=forgetting)
    for _ in range(5000):
        x = np.concatenate([[1.0], rng.uniform(0, 1, 3), rng.choice([-1.0, 0.0, 1.0], 12, p=[0.1, 0.8, 0.1])])
        bandit.update(bandit.choose(["a", "b"], x), x, float(rng.uniform()))
    _check_inverse(bandit, list(bandit.arms))
    assert LinUCB.from_state(bandit.to_state()).arms == bandit.arms


@pytest.mark.parametrize("policy", [LinUCB, ThompsonSampling])
def test_features_too_small_to_be_a_direction_leave_the_model_finite(policy):
    """x of 1e-160 made directional forgetting divide by an x.A.x that underflowed: the model
    became -inf and NaN for good (found by the Sherman-Morrison property test)."""
    bandit = policy(1, ridge=0.1, discount=0.99, forgetting="directional")
    for value in (1e-160, 1e-170, 3.0, 1e-162, 0.0, 2.0):
        bandit.update("x", np.array([value]), 0.5)
    _check_inverse(bandit, ["x"])
    assert np.isfinite(bandit.means(["x"], np.array([1.0]))).all()

"""The conductor's router: decision latency, and learning on a simulated environment with drift.

Peers: mabwiser (``MAB(arms, LearningPolicy.LinUCB(alpha, l2_lambda))``, and ``LinTS`` for
Thompson sampling), the reference library the issue names, measured in the same run.

``RoutingDecision``: one routing decision among 20 agents on 32 features, after both have
learnt the same 2,000 results (random features, every agent 100 results) with the same
model (alpha 0.5, ridge 1, no forgetting: the setup checks that both decide alike on 100
contexts; forgetting costs nothing at decision time). ``symphony``
is ``Router.choose(key, agents, x)`` (the public call: checks, the bandit's scores, the
exploration bound, stats, a ``Decision``); ``mabwiser`` is ``mab.predict(x)`` for one
context. Each of ``DECISIONS`` calls is timed alone with ``perf_counter_ns`` (after
``WARMUP``, garbage collection off); p50 and p99 in microseconds. Targets (issue 18): p99
at most 50 us (``limit``) and no slower than mabwiser (``target`` 1.0).

``DriftEnvironment``: ``_conductor_sim`` (5 agents whose quality depends on the task's
language and size, noise sd 0.1, the best agent on python degrading by 0.4 halfway through
1,500 tasks), on ``SEEDS`` streams, each router and its peer on the same stream. Figures
are means over the streams:

- ``best_share``: share of tasks 500..749 given to the best agent (target >= 0.9, ``limit``);
- ``recovery_tasks``: tasks after the drift until the end of the first 50-task window with
  >= 90% best picks (target <= 200, ``limit``); a stream never recovered counts 750 (all
  the tasks after the drift);
- ``regret``: cumulative expected regret over the 1,500 tasks (sum of best expected
  quality minus the chosen agent's); target: ours <= mabwiser LinUCB's (``target`` 1.0).

Both use the same confidence width and ridge (LinUCB alpha 0.5, Thompson v 0.15, ridge 1:
the router's defaults); ours also has its default discount (0.95, directional forgetting),
which mabwiser has no counterpart for. ``python -m asv_bench.benchmarks.conductor_routing``
prints each stream's figures.
"""

from __future__ import annotations

import gc
import statistics
import time
from typing import Any

import numpy as np

from ._conductor_sim import MabwiserChooser, Outcome, RouterChooser, make_stream, play

AGENTS = [f"agent-{i:02d}" for i in range(20)]
N_FEATURES = 32
TRAIN_PER_AGENT = 100
DECISIONS = 5000
WARMUP = 500
SEEDS = (0, 1, 2, 3, 4)
KEY = "review/main"


def _quantile(sorted_values: list[float], q: float) -> float:
    index = min(len(sorted_values) - 1, max(0, round(q * len(sorted_values)) - 1))
    return sorted_values[index]


def _training(seed: int = 0) -> tuple[np.ndarray, list[str], np.ndarray]:
    """The 2,000 results both learn: features, agent, reward."""
    rng = np.random.default_rng(seed)
    n = TRAIN_PER_AGENT * len(AGENTS)
    xs = np.concatenate([np.ones((n, 1)), rng.uniform(-1, 1, (n, N_FEATURES - 1))], axis=1)
    agents = [AGENTS[i % len(AGENTS)] for i in range(n)]
    weights = rng.normal(scale=0.3, size=(len(AGENTS), N_FEATURES))
    rewards = np.einsum("nd,nd->n", xs, weights[np.arange(n) % len(AGENTS)]) + rng.normal(scale=0.1, size=n)
    return xs, agents, rewards


class RoutingDecision:
    """One routing decision, 20 agents, 32 features: p50 and p99 in microseconds."""

    params = ["symphony", "mabwiser"]
    param_names = ["impl"]
    unit = "us"
    repeat = 3
    timeout = 300.0

    def setup(self, impl: str) -> None:
        from mabwiser.mab import MAB, LearningPolicy

        from symphony.conductor._router import Router

        xs, agents, rewards = _training()
        rng = np.random.default_rng(1)
        self.contexts = np.concatenate([np.ones((DECISIONS, 1)), rng.uniform(-1, 1, (DECISIONS, N_FEATURES - 1))],
                                       axis=1)
        mab = MAB(list(AGENTS), LearningPolicy.LinUCB(alpha=0.5, l2_lambda=1.0), seed=0)
        mab.fit(agents, rewards, xs)
        if impl == "mabwiser":
            self.decide: Any = lambda x: mab.predict(x[None, :])
            return
        router = Router(n_features=N_FEATURES, alpha=0.5, discount=1.0)  # mabwiser's model: no forgetting
        for x, agent, reward in zip(xs, agents, rewards):
            router.reward(KEY, agent, x, float(reward))
        for x in self.contexts[:100]:  # the same state: the same decisions
            if router.choose(KEY, AGENTS, x).agent != mab.predict(x[None, :]):
                raise AssertionError("the router and mabwiser disagree on the same state")
        self.decide = lambda x: router.choose(KEY, AGENTS, x)

    def _measure(self) -> list[float]:
        decide, contexts = self.decide, self.contexts
        clock = time.perf_counter_ns
        for x in contexts[:WARMUP]:
            decide(x)
        samples = []
        gc_was = gc.isenabled()
        gc.disable()
        try:
            for x in contexts:
                start = clock()
                decide(x)
                samples.append((clock() - start) / 1000.0)
        finally:
            if gc_was:
                gc.enable()
        return sorted(samples)

    def track_p50(self, impl: str) -> float:
        return _quantile(self._measure(), 0.50)

    track_p50.target = 1.0  # type: ignore[attr-defined]

    def track_p99(self, impl: str) -> float:
        return _quantile(self._measure(), 0.99)

    track_p99.target = 1.0  # type: ignore[attr-defined]
    track_p99.limit = 50.0  # type: ignore[attr-defined]


_OUTCOMES: dict[tuple[str, str], list[Outcome]] = {}
_STREAMS: dict[int, Any] = {}
_WIDTH = {"linucb": 0.5, "thompson": 0.15}


def chooser(impl: str, policy: str, seed: int) -> Any:
    """The router (``symphony``) or mabwiser's policy for one stream."""
    if impl == "symphony":
        return RouterChooser(policy=policy, seed=seed)
    if policy == "linucb":
        return MabwiserChooser(alpha=_WIDTH[policy], seed=seed)
    from mabwiser.mab import LearningPolicy

    peer = MabwiserChooser(seed=seed)
    peer.mab = type(peer.mab)(list(peer._index), LearningPolicy.LinTS(alpha=_WIDTH[policy], l2_lambda=1.0), seed=seed)
    return peer


def outcomes(impl: str, policy: str) -> list[Outcome]:
    """``play`` of ``impl`` on every stream of ``SEEDS`` (computed once per process)."""
    key = (impl, policy)
    if key not in _OUTCOMES:
        results = []
        for seed in SEEDS:
            if seed not in _STREAMS:
                _STREAMS[seed] = make_stream(seed)
            results.append(play(_STREAMS[seed], chooser(impl, policy, seed)))
        _OUTCOMES[key] = results
    return _OUTCOMES[key]


def _recovery(outcome: Outcome) -> float:
    return float(outcome.recovery if outcome.recovery is not None else len(outcome.picks) // 2)


class DriftEnvironment:
    """The simulated environment with drift: best-agent share, recovery, regret (means over streams)."""

    params = [["symphony", "mabwiser"], ["linucb", "thompson"]]
    param_names = ["impl", "policy"]
    timeout = 600.0

    def setup(self, impl: str, policy: str) -> None:
        self.outcomes = outcomes(impl, policy)

    def track_best_share(self, impl: str, policy: str) -> float:
        return statistics.fmean(o.best_share for o in self.outcomes)

    track_best_share.unit = "of tasks"  # type: ignore[attr-defined]
    track_best_share.higher_is_better = True  # type: ignore[attr-defined]
    track_best_share.limit = {"policy=linucb": 0.9}  # type: ignore[attr-defined]

    def track_recovery_tasks(self, impl: str, policy: str) -> float:
        return statistics.fmean(_recovery(o) for o in self.outcomes)

    track_recovery_tasks.unit = "tasks"  # type: ignore[attr-defined]
    track_recovery_tasks.limit = {"policy=linucb": 200.0}  # type: ignore[attr-defined]

    def track_regret(self, impl: str, policy: str) -> float:
        return statistics.fmean(o.regret for o in self.outcomes)

    track_regret.unit = "quality"  # type: ignore[attr-defined]
    track_regret.target = {"policy=linucb": 1.0}  # type: ignore[attr-defined]


def main() -> None:
    """Print every stream's figures, ours and the peer's."""
    print("policy   impl      seed best_share recovery  regret  regret_after_drift")
    for policy in ("linucb", "thompson"):
        for impl in ("symphony", "mabwiser"):
            for seed, o in zip(SEEDS, outcomes(impl, policy)):
                print(f"{policy:<8} {impl:<9} {seed:>4} {o.best_share:>10.3f} {str(o.recovery):>8} "
                      f"{o.regret:>7.1f} {o.regret_after_drift:>19.1f}")


if __name__ == "__main__":
    main()

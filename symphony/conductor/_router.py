"""The router: which agent does a step of a task, learnt from the quality of past results.

One contextual bandit (``LinUCB`` or ``ThompsonSampling``, see ``_bandits``) per key
``f"{kind}/{step}"``, created on first use, with one arm per agent. ``choose`` scores the
capable agents on the task's features and picks the best score; ``reward`` feeds back the
result's quality minus its penalties, ``quality - cost_weight*cost - latency_weight*latency``.

Exploration is bounded per task kind: ``exploration={"classify": 0.1}`` lets at most 10% of
the decisions for kind ``classify`` (all its steps together) pick an agent other than the
greedy one (the best estimated mean reward); a decision that would pass the bound takes the
greedy agent instead. The key ``"*"`` bounds every kind not named.

``stats()`` reports per key and agent: decisions, explored decisions, rewards, the mean
reward, and a regret estimate: the sum over the decisions that picked the agent of the best
estimated mean minus the chosen one's (from the model at decision time: what exploration
cost, as the model saw it).

Defaults (chosen on the simulated environment of ``asv_bench/benchmarks/_conductor_sim.py``,
noise sd 0.1 and 0.2, eight streams each): LinUCB with ``alpha=0.5`` and ``discount=0.95``
with directional forgetting (each update forgets 5% of what was known along that task's
features only). Without forgetting, an agent that degrades keeps its old estimate for
hundreds of tasks (mabwiser's LinUCB took 215-666 tasks to recover, or never did). Plain
exponential forgetting (``forgetting="exponential"``: all evidence ages alike) also forgets
what the tasks that did not recur taught, so it explores again: at 0.95 it picked the best
agent only 70-75% of the time and did not recover; at 0.99 it picked it 88-93% of the time
and recovered in 204-453 tasks. With these defaults the router picked the best agent 94-98% of the time after
500 tasks, recovered in 57-146 tasks after the drift, with about half mabwiser's regret.
A smaller ``alpha`` explores less (better when quality is not noisy); a ``discount`` nearer
1 is steadier but slower to notice a change.

The router is thread-safe (one lock; a decision takes tens of microseconds). ``to_bytes``
and ``from_bytes`` persist everything (msgpack), so a restored router decides exactly as
the original would have; bad bytes raise ``PolicyError``.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence, Union

import mmh3
import msgpack
import numpy as np

from ..errors import PolicyError
from ._bandits import LinUCB, ThompsonSampling, _number, check_vector

__all__ = ["DEFAULT_ALPHA", "DEFAULT_DISCOUNT", "POLICIES", "Decision", "Router"]

#: The policies a router can use.
POLICIES = ("linucb", "thompson")
#: Default width of the confidence per policy (LinUCB's alpha, Thompson's v); see ``Router``.
DEFAULT_ALPHA = {"linucb": 0.5, "thompson": 0.15}
#: Default discount per update of an agent, along that task's features (directional forgetting).
DEFAULT_DISCOUNT = 0.95
#: ``to_bytes`` layout name and version; ``from_bytes`` refuses others.
FORMAT = "symphony.router"
VERSION = 1

Bandit = Union[LinUCB, ThompsonSampling]


@dataclass(frozen=True, slots=True)
class Decision:
    """Which agent a step goes to: ``agent``; ``explored`` is True when it was not the greedy
    choice (the best estimated mean reward); ``scores`` are each candidate's score (LinUCB's
    upper bound, or Thompson's draw)."""

    agent: str
    explored: bool
    scores: dict[str, float] = field(default_factory=dict)


class _AgentStats:
    __slots__ = ("decisions", "explored", "rewards", "reward_sum", "regret")

    def __init__(self, decisions: int = 0, explored: int = 0, rewards: int = 0,
                 reward_sum: float = 0.0, regret: float = 0.0) -> None:
        self.decisions, self.explored, self.rewards = decisions, explored, rewards
        self.reward_sum, self.regret = reward_sum, regret

    def to_list(self) -> list[Any]:
        return [self.decisions, self.explored, self.rewards, self.reward_sum, self.regret]


def _kind(key: str) -> str:
    return key.split("/", 1)[0]


class Router:
    """Routes each step of a task to an agent with a contextual bandit per ``kind/step``.

    ``policy``: ``"linucb"`` or ``"thompson"``; ``n_features``: the length of the feature
    vectors (``featurize``'s ``n_features``); ``alpha``: the confidence width (LinUCB's alpha,
    Thompson's v; default ``DEFAULT_ALPHA[policy]``); ``ridge``: the prior precision;
    ``discount``: per-update forgetting (1 keeps all evidence; the default 0.95 re-learns an
    agent whose quality changed within about a hundred tasks, see the module docstring);
    ``forgetting``: ``"directional"`` (along each task's features, the default) or
    ``"exponential"`` (all evidence alike); ``cost_weight`` and
    ``latency_weight``: the reward's penalties per unit of cost and second of latency;
    ``exploration``: the share of non-greedy decisions allowed per task kind (``"*"`` for the
    rest; None or absent: unbounded); ``seed``: makes Thompson's draws reproducible.
    Raises ValueError for a bad setting."""

    def __init__(self, *, policy: str = "linucb", n_features: int = 32, alpha: float | None = None,
                 discount: float = DEFAULT_DISCOUNT, cost_weight: float = 0.0, latency_weight: float = 0.0,
                 exploration: Mapping[str, float] | None = None, seed: int | None = None,
                 ridge: float = 1.0, forgetting: str = "directional") -> None:
        if policy not in POLICIES:
            raise ValueError(f"policy must be one of {POLICIES}, got {policy!r}")
        self.policy = policy
        self.n_features = n_features
        self.alpha = _number(DEFAULT_ALPHA[policy] if alpha is None else alpha, "alpha")
        self.ridge = _number(ridge, "ridge")
        self.discount = _number(discount, "discount")
        self.cost_weight = _number(cost_weight, "cost_weight")
        self.latency_weight = _number(latency_weight, "latency_weight")
        if self.cost_weight < 0 or self.latency_weight < 0:
            raise ValueError("cost_weight and latency_weight must be >= 0")
        bounds: dict[str, float] = {}
        for kind, share in (exploration or {}).items():
            share = _number(share, f"exploration[{kind!r}]")
            if not isinstance(kind, str) or not 0.0 <= share <= 1.0:
                raise ValueError(f"exploration maps a kind to a share in [0, 1], got {kind!r}: {share!r}")
            bounds[kind] = share
        self.exploration = bounds
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or seed < 0):
            raise ValueError(f"seed must be a non-negative int or None, got {seed!r}")
        self.seed = seed
        self.forgetting = forgetting
        self._make("check/settings")  # a bad n_features/alpha/ridge/discount fails here, not later
        self._lock = threading.Lock()
        self._bandits: dict[str, Bandit] = {}
        self._routes: dict[str, tuple[tuple[str, ...], Bandit, np.ndarray | None, int]] = {}
        self._stats: dict[str, dict[str, _AgentStats]] = {}
        self._kinds: dict[str, list[int]] = {}  # kind -> [decisions, explored]

    # -- bandits -------------------------------------------------------------------------
    def _make(self, key: str) -> Bandit:
        if self.policy == "linucb":
            return LinUCB(self.n_features, alpha=self.alpha, ridge=self.ridge, discount=self.discount,
                          forgetting=self.forgetting)
        seed = None if self.seed is None else np.random.SeedSequence([self.seed, mmh3.hash(key, signed=False)])
        return ThompsonSampling(self.n_features, v=self.alpha, ridge=self.ridge, discount=self.discount,
                                forgetting=self.forgetting, seed=seed)

    def _bandit(self, key: str) -> Bandit:
        bandit = self._bandits.get(key)
        if bandit is None:
            if not isinstance(key, str) or not key:
                raise ValueError(f"a routing key is a non-empty string, got {key!r}")
            bandit = self._bandits[key] = self._make(key)
            self._stats[key] = {}
        return bandit

    def _bound(self, kind: str) -> float | None:
        bound = self.exploration.get(kind)
        return self.exploration.get("*") if bound is None else bound

    # -- routing -------------------------------------------------------------------------
    def choose(self, key: str, agents: Sequence[str], x: object) -> Decision:
        """The agent for step ``key`` (``"kind/step"``) among ``agents``, for features ``x``.

        Raises ValueError (and changes nothing) for features that are not ``n_features``
        finite numbers, an empty or repeating agent list, or a bad key."""
        vec = check_vector(x, self.n_features)
        if type(key) is not str or isinstance(agents, str):
            raise ValueError(f"choose(key: str, agents: a sequence of names, ...), got {key!r}, {agents!r}")
        try:
            names = agents if type(agents) is tuple else tuple(agents)
        except TypeError:
            raise ValueError(f"agents must be a sequence of names, got {agents!r}") from None
        with self._lock:
            route = self._routes.get(key)
            if route is None or route[0] != names or route[3] != len(route[1]._names):
                route = self._route(key, names)
            bandit, rows = route[1], route[2]
            scores, means = bandit._evaluate(rows, vec)
            pick = int(scores.argmax())
            greedy = int(means.argmax())
            explored = bool(means[pick] < means[greedy])
            kind = _kind(key)
            counters = self._kinds.get(kind)
            if counters is None:
                counters = self._kinds[kind] = [0, 0]
            if explored:
                bound = self._bound(kind)
                if bound is not None and counters[1] + 1 > bound * (counters[0] + 1):
                    pick, explored = greedy, False
            counters[0] += 1
            agent = names[pick]
            per_key = self._stats[key]
            stats = per_key.get(agent)
            if stats is None:
                stats = per_key[agent] = _AgentStats()
            stats.decisions += 1
            if explored:
                counters[1] += 1
                stats.explored += 1
                stats.regret += float(means[greedy] - means[pick])
        return Decision(agent, explored, dict(zip(names, scores.tolist())))

    def _route(self, key: str, names: tuple[str, ...]) -> tuple[tuple[str, ...], Bandit, np.ndarray | None, int]:
        """Check a new agent list for ``key``; cache the bandit's rows for it (the cache entry
        holds the arm count: an arm added since makes it stale)."""
        if len(set(names)) != len(names) or not names:
            raise ValueError(f"agents must be a non-empty list of distinct names, got {list(names)}")
        for a in names:
            if not isinstance(a, str) or not a:
                raise ValueError(f"an agent is named by a non-empty string, got {a!r}")
        bandit = self._bandit(key)
        rows = bandit._rows(names)
        route = (names, bandit, rows, len(bandit._names))
        self._routes[key] = route
        return route

    def reward(self, key: str, agent: str, x: object, quality: float, cost: float = 0.0,
               latency: float = 0.0) -> float:
        """Learn that ``agent`` did step ``key`` on features ``x`` with this ``quality`` (any
        finite number, usually in [0, 1]), ``cost`` and ``latency`` (seconds); returns the
        reward learnt, ``quality - cost_weight*cost - latency_weight*latency``.

        Raises ValueError (and changes nothing) for bad features or a non-finite or
        negative cost/latency, or a non-finite quality."""
        vec = check_vector(x, self.n_features)
        q = _number(quality, "quality")
        c = _number(cost, "cost")
        t = _number(latency, "latency")
        if c < 0 or t < 0:
            raise ValueError(f"cost and latency must be >= 0, got {c} and {t}")
        if not isinstance(agent, str) or not agent or not isinstance(key, str):
            raise ValueError(f"an agent and a key are non-empty strings, got {agent!r} and {key!r}")
        value = q - self.cost_weight * c - self.latency_weight * t
        if not math.isfinite(value):
            raise ValueError("the reward is not finite")
        with self._lock:
            bandit = self._bandit(key)
            bandit.update(agent, vec, value)
            stats = self._stats[key].get(agent)
            if stats is None:
                stats = self._stats[key][agent] = _AgentStats()
            stats.rewards += 1
            stats.reward_sum += value
        return value

    def stats(self) -> dict[str, dict[str, dict[str, float]]]:
        """Per key, per agent: ``decisions``, ``explored``, ``rewards`` (count),
        ``mean_reward`` (0 before any) and ``regret`` (the estimate the module docstring
        describes)."""
        with self._lock:
            return {key: {agent: {"decisions": s.decisions, "explored": s.explored, "rewards": s.rewards,
                                  "mean_reward": s.reward_sum / s.rewards if s.rewards else 0.0,
                                  "regret": s.regret}
                          for agent, s in per_key.items()}
                    for key, per_key in self._stats.items()}

    def forget(self, agent: str) -> None:
        """Drop everything learnt about ``agent`` (under every key), e.g. when it is removed or
        replaced by a new version; it starts afresh if it comes back. Unknown agents: nothing."""
        with self._lock:
            for key, bandit in self._bandits.items():
                if agent in bandit.arms:
                    bandit.remove_arm(agent)
                    self._routes.pop(key, None)
                self._stats[key].pop(agent, None)

    def keys(self) -> list[str]:
        """The routing keys seen so far."""
        with self._lock:
            return list(self._bandits)

    # -- persistence ---------------------------------------------------------------------
    def _settings(self) -> dict[str, Any]:
        return {"policy": self.policy, "n_features": self.n_features, "alpha": self.alpha, "ridge": self.ridge,
                "discount": self.discount, "cost_weight": self.cost_weight,
                "latency_weight": self.latency_weight, "exploration": dict(self.exploration), "seed": self.seed,
                "forgetting": self.forgetting}

    def to_bytes(self) -> bytes:
        """Everything the router knows (settings, bandits, counters), as msgpack bytes."""
        with self._lock:
            return msgpack.packb({
                "format": FORMAT, "version": VERSION, "settings": self._settings(),
                "bandits": {key: bandit.to_state() for key, bandit in self._bandits.items()},
                "stats": {key: {a: s.to_list() for a, s in per_key.items()} for key, per_key in self._stats.items()},
                "kinds": {kind: list(c) for kind, c in self._kinds.items()},
            }, use_bin_type=True)

    @classmethod
    def from_bytes(cls, data: bytes, *, n_features: int | None = None) -> Router:
        """The router ``to_bytes`` saved. Raises PolicyError when ``data`` is not such bytes
        (corrupt, truncated, another format or version) or, with ``n_features``, was saved
        for another feature length."""
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise PolicyError(f"a stored policy is bytes, got {type(data).__name__}")
        try:
            doc = msgpack.unpackb(bytes(data), raw=False, strict_map_key=True)
        except Exception as exc:  # noqa: BLE001 - msgpack raises several unrelated types
            raise PolicyError(f"stored policy is not readable msgpack: {exc!r}") from None
        try:
            return cls._from_doc(doc, n_features)
        except PolicyError:
            raise
        except (KeyError, TypeError, ValueError, AttributeError, OverflowError) as exc:
            raise PolicyError(f"stored policy is malformed: {exc!r}") from None

    @classmethod
    def _from_doc(cls, doc: object, n_features: int | None) -> Router:
        if not isinstance(doc, dict) or doc.get("format") != FORMAT:
            raise PolicyError("not a stored router policy")
        if doc.get("version") != VERSION:
            raise PolicyError(f"stored policy version {doc.get('version')!r} is not {VERSION}")
        settings = doc["settings"]
        if not isinstance(settings, dict):
            raise PolicyError("settings must be a map")
        if n_features is not None and settings.get("n_features") != n_features:
            raise PolicyError(f"stored policy has {settings.get('n_features')!r} features, not {n_features}")
        router = cls(**settings)
        bandit_type = LinUCB if router.policy == "linucb" else ThompsonSampling
        bandits, stats, kinds = doc["bandits"], doc["stats"], doc["kinds"]
        if not (isinstance(bandits, dict) and isinstance(stats, dict) and isinstance(kinds, dict)):
            raise PolicyError("bandits, stats and kinds must be maps")
        for key, state in bandits.items():
            bandit = bandit_type.from_state(state)
            if ((bandit.n_features, bandit.ridge, bandit.discount, bandit.forgetting)
                    != (router.n_features, router.ridge, router.discount, router.forgetting)):
                raise PolicyError(f"bandit {key!r} does not match the router's settings")
            router._bandits[key] = bandit
            router._stats[key] = {}
        for key, per_key in stats.items():
            if key not in router._bandits or not isinstance(per_key, dict):
                raise PolicyError(f"stats for unknown key {key!r}")
            for agent, values in per_key.items():
                if not isinstance(values, list) or len(values) != 5:
                    raise PolicyError(f"bad stats for {key!r}/{agent!r}")
                d, e, r = values[:3]
                if any(isinstance(v, bool) or not isinstance(v, int) or v < 0 for v in (d, e, r)):
                    raise PolicyError(f"bad counts for {key!r}/{agent!r}")
                router._stats[key][agent] = _AgentStats(d, e, r, _number(values[3], "reward_sum"),
                                                        _number(values[4], "regret"))
        for kind, counters in kinds.items():
            if (not isinstance(kind, str) or not isinstance(counters, list) or len(counters) != 2
                    or any(isinstance(v, bool) or not isinstance(v, int) or v < 0 for v in counters)):
                raise PolicyError(f"bad counters for kind {kind!r}")
            router._kinds[kind] = list(counters)
        return router

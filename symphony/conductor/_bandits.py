"""Linear contextual bandits for routing: LinUCB and linear Thompson sampling, in numpy.

Each arm (an agent) keeps a ridge regression of reward on the task's feature vector ``x``
(``n_features`` values): ``A = ridge*I + sum x x^T`` and ``b = sum reward*x``, its inverse
``A_inv`` and the estimate ``theta = A_inv b``. An update is a rank-one change of ``A``, so
``A_inv`` follows it by the Sherman-Morrison formula in O(d^2) rather than a new O(d^3)
inverse:  ``(A + x x^T)^-1 = A_inv - (A_inv x)(A_inv x)^T / (1 + x^T A_inv x)``.

- ``LinUCB`` (Li et al., WWW 2010) scores an arm ``theta.x + alpha*sqrt(x^T A_inv x)``: the
  estimate plus its uncertainty, so an arm tried little on tasks like this one gets tried.
- ``ThompsonSampling`` (Agrawal and Goyal, ICML 2013) draws ``theta ~ N(theta, v^2 A_inv)``
  and scores ``x.theta``. For one context, ``x.theta`` of such a draw is exactly
  ``N(theta.x, v^2 x^T A_inv x)``, so a score draws that one normal per arm (the same
  distribution as a full draw of ``theta`` through a Cholesky factor, at no O(d^3) cost).

Drift: with ``discount`` (gamma) below 1, each update of an arm first forgets part of what
the arm knew, so an agent whose quality changes is re-learnt from its recent results:

- ``forgetting="directional"`` (the default): forget only along the new task's features,
  ``A -= (1-gamma) (A x)(A x)^T / (x^T A x)`` with ``b`` changed so that ``theta`` stays
  (Kulhavy and Zarrop's directional forgetting for recursive least squares). What tasks
  like this one taught weighs gamma^k after k more of them, while what other kinds of task
  taught stays: an agent that is the best on rust tasks and seen on little else keeps what
  it learnt of python tasks. It is a rank-one downdate, so ``A_inv`` follows by
  Sherman-Morrison too: ``A_inv += (1-gamma)/(gamma x^T A x) x x^T``.
- ``forgetting="exponential"``: multiply all of ``A`` and ``b`` by gamma (``A_inv`` by
  1/gamma): all evidence ``k`` updates old weighs gamma^k (the per-arm form of discounted
  LinUCB, Russac et al., NeurIPS 2019). This also shrinks the ridge term; when it falls
  under half of ``ridge``, it is restored and ``A_inv`` recomputed directly (O(d^3), once
  every ~ln 2/(1-gamma) updates), which keeps ``A`` well conditioned.

Every ``REFRESH`` updates ``A_inv`` is also recomputed directly, so rounding errors of the
rank-one updates cannot accumulate without bound.

The arrays of all arms are stacked (``A_inv`` is ``arms x d x d``), so scoring 20 arms is a
handful of numpy calls. Not thread-safe: the ``Router`` calls a bandit under its lock.
"""

from __future__ import annotations

import json
import math
from typing import Any, ClassVar, Mapping, Sequence, TypeVar

import numpy as np

from ..errors import PolicyError

__all__ = ["LinUCB", "ThompsonSampling", "check_vector"]

#: Version of the ``to_state`` layout; ``from_state`` refuses any other.
STATE_VERSION = 1
#: Recompute ``A_inv`` directly after this many rank-one updates of an arm.
REFRESH = 1024
#: Smallest x.A.x along which directional forgetting forgets (below it, x is no direction).
MIN_DIRECTION = 1e-12
#: How ``discount`` forgets: along each update's features only, or everything alike.
FORGETTING = ("directional", "exponential")
#: Largest accepted feature count (a state claiming more is refused before allocating).
MAX_FEATURES = 1024
#: Largest accepted arm count in a state.
MAX_ARMS = 100_000

_B = TypeVar("_B", bound="_LinearBandit")


def _number(value: object, what: str) -> float:
    """``value`` as a finite float, else ValueError (bools are not numbers here)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ValueError(f"{what} must be a finite number, got {value!r}")
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"{what} must be a finite number, got {value!r}")
    return number


def check_vector(x: object, n_features: int) -> np.ndarray:
    """``x`` as a float64 vector of ``n_features`` finite values, else ValueError.

    Finite means ``x.x`` is finite too: a value past 1e154 would overflow the ``x x^T`` of
    an update, so it is refused like an infinity."""
    if type(x) is np.ndarray and x.dtype == np.float64 and x.shape == (n_features,):
        vec = x
    else:
        try:
            vec = np.asarray(x, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"features must be {n_features} finite numbers: {exc}") from None
        if vec.shape != (n_features,):
            raise ValueError(f"features must have shape ({n_features},), got {vec.shape}")
    if not math.isfinite(vec @ vec):
        raise ValueError("features must be finite (no NaN or infinity) and below 1e154")
    return vec


def _check_arm(name: object) -> str:
    if not isinstance(name, str) or not name:
        raise ValueError(f"an arm is named by a non-empty string, got {name!r}")
    return name


class _LinearBandit:
    """What LinUCB and Thompson sampling share: the per-arm ridge regressions."""

    policy: ClassVar[str] = ""
    _width_name: ClassVar[str] = ""

    def __init__(self, n_features: int, *, width: float, ridge: float, discount: float,
                 forgetting: str = "directional") -> None:
        if forgetting not in FORGETTING:
            raise ValueError(f"forgetting must be one of {FORGETTING}, got {forgetting!r}")
        self.forgetting = forgetting
        if isinstance(n_features, bool) or not isinstance(n_features, int) or not 1 <= n_features <= MAX_FEATURES:
            raise ValueError(f"n_features must be an int in 1..{MAX_FEATURES}, got {n_features!r}")
        width = _number(width, self._width_name)
        ridge = _number(ridge, "ridge")
        discount = _number(discount, "discount")
        if width < 0:
            raise ValueError(f"{self._width_name} must be >= 0, got {width}")
        if ridge <= 0:
            raise ValueError(f"ridge must be > 0, got {ridge}")
        if not 0.0 < discount <= 1.0:
            raise ValueError(f"discount must be in (0, 1], got {discount}")
        d = n_features
        self.n_features = d
        self.ridge = ridge
        self.discount = discount
        self._width = width
        self._names: list[str] = []
        self._index: dict[str, int] = {}
        self._A = np.zeros((0, d, d))
        self._A_inv = np.zeros((0, d, d))
        self._b = np.zeros((0, d))
        self._theta = np.zeros((0, d))
        self._ridge_weight = np.zeros(0)
        self._counts = np.zeros(0, dtype=np.int64)
        self._eye = np.eye(d)

    # -- arms ----------------------------------------------------------------------------
    @property
    def arms(self) -> tuple[str, ...]:
        """The arms' names, in the order they were added."""
        return tuple(self._names)

    def add_arm(self, name: str) -> None:
        """Add an arm with no evidence (``A = ridge*I``, ``b = 0``); nothing if it exists."""
        _check_arm(name)
        if name in self._index:
            return
        d = self.n_features
        self._index[name] = len(self._names)
        self._names.append(name)
        self._A = np.concatenate([self._A, (self.ridge * self._eye)[None]])
        self._A_inv = np.concatenate([self._A_inv, (self._eye / self.ridge)[None]])
        self._b = np.concatenate([self._b, np.zeros((1, d))])
        self._theta = np.concatenate([self._theta, np.zeros((1, d))])
        self._ridge_weight = np.append(self._ridge_weight, self.ridge)
        self._counts = np.append(self._counts, 0)

    def remove_arm(self, name: str) -> None:
        """Forget an arm and all its evidence; KeyError if there is no such arm."""
        i = self._index[name]
        del self._names[i]
        self._index = {n: k for k, n in enumerate(self._names)}
        keep = np.arange(len(self._counts)) != i
        self._A, self._A_inv = self._A[keep], self._A_inv[keep]
        self._b, self._theta = self._b[keep], self._theta[keep]
        self._ridge_weight, self._counts = self._ridge_weight[keep], self._counts[keep]

    def count(self, name: str) -> int:
        """How many updates the arm has had (0 for an unknown arm)."""
        i = self._index.get(name)
        return 0 if i is None else int(self._counts[i])

    def _indices(self, arms: Sequence[str]) -> np.ndarray:
        """Row of each arm (unknown arms are added first); ValueError on an empty list."""
        if isinstance(arms, str) or len(arms) == 0:
            raise ValueError("choose among a non-empty sequence of arm names")
        index = self._index
        try:
            return np.fromiter((index[a] for a in arms), dtype=np.intp, count=len(arms))
        except KeyError:
            for a in arms:
                _check_arm(a)
            if len(set(arms)) != len(arms):
                raise ValueError(f"arms must be distinct, got {list(arms)}") from None
            for a in arms:
                self.add_arm(a)
            return np.fromiter((index[a] for a in arms), dtype=np.intp, count=len(arms))

    # -- scoring -------------------------------------------------------------------------
    def _rows(self, arms: Sequence[str]) -> np.ndarray | None:
        """``_indices(arms)``, or None when ``arms`` are all the arms in their order."""
        if len(arms) == len(self._names) and list(arms) == self._names:
            return None
        return self._indices(arms)

    def _moments(self, rows: np.ndarray | None, vec: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        """``(theta.x, sqrt(x^T A_inv x))`` of the arms at ``rows`` (None: all); the second is
        None when the confidence width is 0 (no need to compute it)."""
        means = self._theta @ vec
        if self._width == 0.0:
            return (means if rows is None else means[rows]), None
        d = self.n_features
        quad = (self._A_inv.reshape(-1, d) @ vec).reshape(-1, d) @ vec
        if rows is not None:
            means, quad = means[rows], quad[rows]
        np.maximum(quad, 0.0, out=quad)  # rounding can leave a tiny negative
        return means, np.sqrt(quad, out=quad)

    def means(self, arms: Sequence[str], x: object) -> np.ndarray:
        """Each arm's estimated expected reward ``theta.x`` for features ``x``."""
        vec = check_vector(x, self.n_features)
        rows = self._rows(arms)
        means = self._theta @ vec
        return means if rows is None else means[rows]

    def evaluate(self, arms: Sequence[str], x: object) -> tuple[np.ndarray, np.ndarray]:
        """``(scores, means)`` of ``arms`` for ``x`` in one pass (the router needs both)."""
        vec = check_vector(x, self.n_features)
        return self._evaluate(self._rows(arms), vec)

    def _evaluate(self, rows: np.ndarray | None, vec: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Scores and means of the arms at ``rows`` (None: all) for a checked vector."""
        raise NotImplementedError

    def scores(self, arms: Sequence[str], x: object) -> np.ndarray:
        """Each arm's score for features ``x`` (the arm with the highest is chosen)."""
        return self.evaluate(arms, x)[0]

    def choose(self, arms: Sequence[str], x: object) -> str:
        """The arm with the highest score (the first of equals, in the order given)."""
        scores = self.scores(arms, x)
        return arms[int(np.argmax(scores))]

    # -- learning ------------------------------------------------------------------------
    def update(self, arm: str, x: object, reward: float) -> None:
        """Add the evidence that ``arm`` earned ``reward`` on features ``x``.

        Raises ValueError (and changes nothing) for a non-finite or wrongly shaped ``x`` or
        a non-finite reward. An unknown arm is added first."""
        vec = check_vector(x, self.n_features)
        r = _number(reward, "reward")
        _check_arm(arm)
        self.add_arm(arm)
        self._update(self._index[arm], vec, r)

    def _update(self, i: int, x: np.ndarray, reward: float) -> None:
        A, A_inv, b = self._A[i], self._A_inv[i], self._b[i]
        gamma = self.discount
        if gamma < 1.0 and self.forgetting == "directional":
            Ax = A @ x
            q = float(x @ Ax)
            # forget along x only: A -= (1-gamma) (Ax)(Ax)^T / q, theta unchanged. Not along a
            # direction too small to divide by (x of 1e-160 made q underflow, c overflow, A -inf)
            if q > MIN_DIRECTION:
                c = (1.0 - gamma) / q
                b -= (c * float(x @ b)) * Ax
                A -= np.outer(c * Ax, Ax)
                A_inv += np.outer(((1.0 - gamma) / (gamma * q)) * x, x)
        elif gamma < 1.0:
            A *= gamma
            b *= gamma
            A_inv /= gamma
            self._ridge_weight[i] *= gamma
        ax = A_inv @ x
        A_inv -= np.outer(ax, ax / (1.0 + x @ ax))
        A += np.outer(x, x)
        b += reward * x
        self._counts[i] += 1
        if self._ridge_weight[i] < 0.5 * self.ridge:  # restore the ridge the discount wore away
            A += (self.ridge - self._ridge_weight[i]) * self._eye
            self._ridge_weight[i] = self.ridge
            A_inv[...] = np.linalg.inv(A)
        elif self._counts[i] % REFRESH == 0:
            A_inv[...] = np.linalg.inv(A)
        A_inv += A_inv.T  # keep it exactly symmetric
        A_inv *= 0.5
        self._theta[i] = A_inv @ b

    # -- persistence ---------------------------------------------------------------------
    def _extra_state(self) -> dict[str, Any]:
        return {}

    def _load_extra(self, state: Mapping[str, Any]) -> None:
        pass

    def to_state(self) -> dict[str, Any]:
        """Everything the bandit knows, as msgpack-able values (str, int, float, bytes, lists).

        Arrays are little-endian float64 bytes; ``from_state`` of the result behaves
        identically (the same scores for the same features)."""
        def raw(array: np.ndarray) -> bytes:
            return np.ascontiguousarray(array, dtype="<f8").tobytes()

        state: dict[str, Any] = {
            "policy": self.policy, "version": STATE_VERSION, "n_features": self.n_features,
            self._width_name: self._width, "ridge": self.ridge, "discount": self.discount,
            "forgetting": self.forgetting,
            "arms": list(self._names), "counts": [int(c) for c in self._counts],
            "A": raw(self._A), "A_inv": raw(self._A_inv), "b": raw(self._b), "theta": raw(self._theta),
            "ridge_weight": raw(self._ridge_weight),
        }
        state.update(self._extra_state())
        return state

    @classmethod
    def from_state(cls: type[_B], state: object) -> _B:
        """A bandit from ``to_state``'s output; PolicyError if it is malformed, from another
        policy or version, or its arrays are not finite or do not fit together."""
        try:
            return cls._from_state(state)
        except PolicyError:
            raise
        except (KeyError, TypeError, ValueError, OverflowError, np.linalg.LinAlgError) as exc:
            raise PolicyError(f"bad {cls.policy} state: {exc!r}") from None

    @classmethod
    def _from_state(cls: type[_B], state: object) -> _B:
        if not isinstance(state, Mapping):
            raise PolicyError(f"a {cls.policy} state is a map, got {type(state).__name__}")
        if state.get("policy") != cls.policy:
            raise PolicyError(f"state is for policy {state.get('policy')!r}, not {cls.policy!r}")
        if state.get("version") != STATE_VERSION:
            raise PolicyError(f"state version {state.get('version')!r} is not {STATE_VERSION}")
        d = state["n_features"]
        if isinstance(d, bool) or not isinstance(d, int) or not 1 <= d <= MAX_FEATURES:
            raise PolicyError(f"bad n_features {d!r}")
        bandit = cls(d, **{cls._width_name: state[cls._width_name]},  # type: ignore[call-arg]
                     ridge=state["ridge"], discount=state["discount"], forgetting=state["forgetting"])
        arms = state["arms"]
        if not isinstance(arms, list) or len(arms) > MAX_ARMS:
            raise PolicyError("arms must be a list of names")
        for a in arms:
            _check_arm(a)
        if len(set(arms)) != len(arms):
            raise PolicyError("arm names repeat")
        k = len(arms)
        counts = state["counts"]
        if (not isinstance(counts, list) or len(counts) != k
                or any(isinstance(c, bool) or not isinstance(c, int) or c < 0 for c in counts)):
            raise PolicyError("counts must be one non-negative int per arm")

        def array(name: str, shape: tuple[int, ...]) -> np.ndarray:
            data = state[name]
            if not isinstance(data, (bytes, bytearray)) or len(data) != 8 * math.prod(shape):
                raise PolicyError(f"{name} must be {math.prod(shape)} float64 values")
            values = np.frombuffer(bytes(data), dtype="<f8").astype(np.float64).reshape(shape)
            if not np.isfinite(values).all():
                raise PolicyError(f"{name} holds non-finite values")
            return values

        A, A_inv = array("A", (k, d, d)), array("A_inv", (k, d, d))
        b, theta = array("b", (k, d)), array("theta", (k, d))
        ridge_weight = array("ridge_weight", (k,))
        if k:
            if not np.allclose(A, A.transpose(0, 2, 1), rtol=1e-9, atol=1e-9):
                raise PolicyError("A is not symmetric")
            product = A @ A_inv
            scale = 1.0 + np.abs(A).max(axis=(1, 2)) * np.abs(A_inv).max(axis=(1, 2))
            if (np.abs(product - bandit._eye).max(axis=(1, 2)) > 1e-6 * scale).any():
                raise PolicyError("A_inv is not the inverse of A")
            try:
                np.linalg.cholesky(A)
            except np.linalg.LinAlgError:
                raise PolicyError("A is not positive definite") from None
            if (ridge_weight <= 0).any() or (ridge_weight > bandit.ridge * (1 + 1e-9)).any():
                raise PolicyError("ridge_weight out of range")
        bandit._names = list(arms)
        bandit._index = {n: i for i, n in enumerate(arms)}
        bandit._A, bandit._A_inv, bandit._b, bandit._theta = A, A_inv, b, theta
        bandit._ridge_weight = ridge_weight
        bandit._counts = np.array(counts, dtype=np.int64)
        bandit._load_extra(state)
        return bandit


class LinUCB(_LinearBandit):
    """LinUCB with disjoint linear models per arm: score ``theta.x + alpha*sqrt(x^T A_inv x)``.

    ``alpha`` weighs the uncertainty (0: greedy), ``ridge`` is the prior's precision (the
    regularisation), ``discount`` in (0, 1] forgets old evidence (1: never; see the module
    docstring). With ``discount=1`` it computes what mabwiser's ``LearningPolicy.LinUCB(alpha,
    l2_lambda=ridge)`` does (the tests check this), with O(d^2) updates instead of a fresh
    inverse per update."""

    policy: ClassVar[str] = "linucb"
    _width_name: ClassVar[str] = "alpha"

    def __init__(self, n_features: int, *, alpha: float = 1.0, ridge: float = 1.0, discount: float = 1.0,
                 forgetting: str = "directional") -> None:
        super().__init__(n_features, width=alpha, ridge=ridge, discount=discount, forgetting=forgetting)

    @property
    def alpha(self) -> float:
        """The weight of the uncertainty term."""
        return self._width

    def _evaluate(self, rows: np.ndarray | None, vec: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        means, spread = self._moments(rows, vec)
        if spread is None:
            return means, means
        spread *= self._width
        spread += means
        return spread, means


class ThompsonSampling(_LinearBandit):
    """Linear Thompson sampling: score ``x.theta~`` with ``theta~ ~ N(theta, v^2 A_inv)``.

    ``v`` scales the posterior's spread (0: greedy); ``ridge`` and ``discount`` as for
    ``LinUCB``; ``seed`` makes the draws reproducible (the generator's state is part of
    ``to_state``, so a restored bandit draws what the original would have)."""

    policy: ClassVar[str] = "thompson"
    _width_name: ClassVar[str] = "v"

    def __init__(self, n_features: int, *, v: float = 1.0, ridge: float = 1.0, discount: float = 1.0,
                 forgetting: str = "directional", seed: int | np.random.SeedSequence | None = None) -> None:
        super().__init__(n_features, width=v, ridge=ridge, discount=discount, forgetting=forgetting)
        self._rng = np.random.default_rng(seed)

    @property
    def v(self) -> float:
        """The scale of the posterior's spread."""
        return self._width

    def _evaluate(self, rows: np.ndarray | None, vec: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        means, spread = self._moments(rows, vec)
        if spread is None:
            return means, means
        spread *= self._rng.standard_normal(len(spread))
        spread *= self._width
        spread += means
        return spread, means

    def _extra_state(self) -> dict[str, Any]:
        return {"rng": json.dumps(self._rng.bit_generator.state)}

    def _load_extra(self, state: Mapping[str, Any]) -> None:
        rng_state = json.loads(state["rng"])
        if not isinstance(rng_state, dict) or rng_state.get("bit_generator") != "PCG64":
            raise PolicyError("rng must be a PCG64 generator state")
        rng = np.random.default_rng()
        rng.bit_generator.state = rng_state
        self._rng = rng

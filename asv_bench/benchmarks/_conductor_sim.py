"""A simulated routing environment with drift, for the router's tests and benchmarks.

Five agents review code snippets in four languages, short (4-10 lines) or long (70-130
lines). An agent's expected quality on a task depends on the task's features: its
language and its size (``featurize``'s log length ``x[1]``):

==========  =========================================================================
agent       expected quality
==========  =========================================================================
generalist  0.50 (never the best: a decoy that costs regret when picked)
pythonista  0.90 on python, 0.35 elsewhere
rustacean   0.90 on rust, 0.40 elsewhere
longform    0.60 + (x[1] - 0.465): about 0.50 on short snippets, 0.70 on long ones
quick       0.60 - (x[1] - 0.465): about 0.70 on short snippets, 0.50 on long ones
==========  =========================================================================

so the best agent is pythonista on python, rustacean on rust, and quick or longform by size
on javascript and markdown, each best by about 0.1 or more over the next. The observed quality
is the expected one plus Gaussian noise (sd ``noise``, 0.1). At ``drift_at`` (halfway) the
pythonista degrades by 0.4 on everything: on python the best becomes quick or longform.

A ``Stream`` is drawn once from a seed (the tasks' texts and features, every agent's
noisy quality on every task), so two routers compared on it see the same tasks and would
get the same reward for the same choice. ``play`` runs a chooser through it and measures:

- ``best_share``: the share of tasks in [``measure_from``, ``drift_at``) (default from task
  500) where it picked the best agent (by expected quality);
- ``recovery``: tasks after the drift until the end of the first ``window``-task window
  (50) in which it picked the (new) best agent at least ``threshold`` (90%) of the time;
  None if it never did;
- ``regret``: the cumulative expected regret, sum over tasks of best expected quality minus
  the chosen agent's; ``regret_after_drift`` the part from ``drift_at`` on.

The features are ``symphony.conductor._features.featurize("review", text, {"path": ...})``,
so the router learns from exactly what the conductor would give it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Protocol, Sequence

import numpy as np

from symphony.conductor._features import featurize

__all__ = ["AGENTS", "Chooser", "MabwiserChooser", "Outcome", "RouterChooser", "Stream", "make_stream", "play"]

AGENTS = ("generalist", "pythonista", "rustacean", "longform", "quick")
KIND = "review"
_EXT = {"python": ".py", "rust": ".rs", "javascript": ".js", "markdown": ".md"}
_LINES = {
    "python": ["def {a}({b}):", "    return {b} + {n}", "import {a}", "class {A}:", "    {a} = {b}.{a}({n})",
               "for {b} in range({n}):", "    if {a} is None:", "        raise ValueError('{a}')"],
    "rust": ["fn {a}({b}: u32) -> u32 {{", "    let mut {a} = {n};", "}}", "impl {A} for {A}Impl {{",
             "    {b}.{a}()?;", "use std::{a}::{A};", "pub struct {A} {{ {b}: Vec<u8> }}", "match {a} {{ _ => {n} }}"],
    "javascript": ["function {a}({b}) {{", "  return {b} + {n};", "}}", "const {a} = require('{b}');",
                   "let {b} = {a}.map(x => x * {n});", "export class {A} {{}}", "if ({a} === null) {{ throw e; }}"],
    "markdown": ["# {A} {a}", "", "The {a} of the {b} is {n}.", "- {a}: see {b}", "## {A}",
                 "Use `{a}` with {b} for {n} items.", "> {A} notes about {b}"],
}
_WORDS = ["value", "item", "count", "buffer", "node", "parser", "result", "config", "index", "token",
          "cache", "state", "frame", "query", "store", "graph"]


def _text(rng: np.random.Generator, language: str, lines: int) -> str:
    templates = _LINES[language]
    out = []
    for _ in range(lines):
        a, b = rng.choice(_WORDS, 2)
        out.append(templates[int(rng.integers(len(templates)))].format(
            a=a, b=b, A=a.capitalize(), n=int(rng.integers(100))))
    return "\n".join(out) + "\n"


def expected_quality(language: str, size: float, degraded: bool) -> np.ndarray:
    """Each agent's expected quality (in ``AGENTS`` order) on a task of ``language`` whose
    log-length feature is ``size``; ``degraded``: after the drift."""
    return np.array([
        0.50,
        (0.90 if language == "python" else 0.35) - (0.4 if degraded else 0.0),
        0.90 if language == "rust" else 0.40,
        0.60 + (size - 0.465),
        0.60 - (size - 0.465),
    ])


@dataclass
class Stream:
    """One drawn stream: ``features`` (tasks x n_features), ``expected`` and ``observed``
    quality (tasks x agents), ``best`` agent index per task, ``languages``, ``drift_at``."""

    features: np.ndarray
    expected: np.ndarray
    observed: np.ndarray
    best: np.ndarray
    languages: list[str]
    drift_at: int

    def __len__(self) -> int:
        return len(self.best)


def make_stream(seed: int = 0, n_tasks: int = 1500, drift_at: int | None = None, n_features: int = 32,
                noise: float = 0.1) -> Stream:
    """Draw a stream of ``n_tasks`` tasks (drift at ``drift_at``, default halfway)."""
    rng = np.random.default_rng(seed)
    drift = n_tasks // 2 if drift_at is None else drift_at
    languages = list(_EXT)
    features = np.zeros((n_tasks, n_features))
    expected = np.zeros((n_tasks, len(AGENTS)))
    langs: list[str] = []
    for t in range(n_tasks):
        language = languages[int(rng.integers(len(languages)))]
        lines = int(rng.integers(4, 11)) if rng.random() < 0.5 else int(rng.integers(70, 131))
        x = featurize(KIND, _text(rng, language, lines), {"path": f"snippet{_EXT[language]}"}, n_features)
        features[t] = x
        expected[t] = expected_quality(language, float(x[1]), t >= drift)
        langs.append(language)
    observed = expected + rng.normal(0.0, noise, expected.shape)
    return Stream(features, expected, observed, expected.argmax(axis=1), langs, drift)


class Chooser(Protocol):
    """What ``play`` drives: pick an agent index for features, then learn its quality."""

    def choose(self, x: np.ndarray) -> int: ...

    def learn(self, agent: int, x: np.ndarray, quality: float) -> None: ...


class RouterChooser:
    """Our ``Router`` (one key, the five agents); keyword arguments go to ``Router``."""

    def __init__(self, **settings: Any) -> None:
        from symphony.conductor._router import Router

        self.router = Router(**settings)
        self.key = f"{KIND}/main"
        self.agents = list(AGENTS)
        self._index = {a: i for i, a in enumerate(AGENTS)}

    def choose(self, x: np.ndarray) -> int:
        return self._index[self.router.choose(self.key, self.agents, x).agent]

    def learn(self, agent: int, x: np.ndarray, quality: float) -> None:
        self.router.reward(self.key, AGENTS[agent], x, quality)


class MabwiserChooser:
    """mabwiser's ``LearningPolicy.LinUCB(alpha, l2_lambda)``, the reference: fitted on the
    first result, then ``partial_fit`` on each (the first task goes to the first agent, as
    ours does with no evidence: every agent scores the same)."""

    def __init__(self, alpha: float = 1.0, l2_lambda: float = 1.0, seed: int = 0) -> None:
        from mabwiser.mab import MAB, LearningPolicy

        self.mab = MAB(list(AGENTS), LearningPolicy.LinUCB(alpha=alpha, l2_lambda=l2_lambda), seed=seed)
        self.fitted = False
        self._index = {a: i for i, a in enumerate(AGENTS)}

    def choose(self, x: np.ndarray) -> int:
        if not self.fitted:
            return 0
        return self._index[self.mab.predict(x[None, :])]

    def learn(self, agent: int, x: np.ndarray, quality: float) -> None:
        args = ([AGENTS[agent]], [quality], x[None, :])
        if self.fitted:
            self.mab.partial_fit(*args)
        else:
            self.mab.fit(*args)
            self.fitted = True


@dataclass
class Outcome:
    """What ``play`` measured (see the module docstring)."""

    picks: np.ndarray
    best_share: float
    recovery: int | None
    regret: float
    regret_after_drift: float


def play(stream: Stream, chooser: Chooser, *, measure_from: int = 500, window: int = 50,
         threshold: float = 0.9, on_task: Callable[[int, int], None] | None = None) -> Outcome:
    """Run ``chooser`` through ``stream``: choose, observe the chosen agent's noisy quality, learn."""
    n = len(stream)
    picks = np.zeros(n, dtype=np.intp)
    for t in range(n):
        x = stream.features[t]
        agent = chooser.choose(x)
        picks[t] = agent
        chooser.learn(agent, x, float(stream.observed[t, agent]))
        if on_task is not None:
            on_task(t, agent)
    hit = picks == stream.best
    drift = stream.drift_at
    best_share = float(hit[measure_from:drift].mean()) if drift > measure_from else float("nan")
    recovery = _recovery(hit[drift:], window, threshold)
    lost = stream.expected.max(axis=1) - stream.expected[np.arange(n), picks]
    return Outcome(picks, best_share, recovery, float(lost.sum()), float(lost[drift:].sum()))


def _recovery(hit: Sequence[bool] | np.ndarray, window: int, threshold: float) -> int | None:
    """End of the first ``window`` whose share of hits reaches ``threshold``, or None."""
    hits = np.asarray(hit, dtype=float)
    if len(hits) < window:
        return None
    sums = np.convolve(hits, np.ones(window), mode="valid")
    good = np.nonzero(sums >= threshold * window - 1e-9)[0]
    return int(good[0]) + window if len(good) else None

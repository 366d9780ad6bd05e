"""A seeded request trace for the pool's eviction/prewarm benchmark (``pool_policy.py``).

What it models: an AI development environment serving ~20 models of varied sizes (MB) and
load costs (seconds; bigger models load slower, with noise). Over time the work moves
through phases; each phase runs a few pipelines (a fixed sequence of 2-4 models, each step
starting when the previous one was served and ran, so steps follow each other within
a second or two of being served) started by users at random (Poisson) times. Some phases come back later with the same
pipelines (a user returning to a task). A few models are called periodically all along
(a linter-like classifier every ~90 s, an indexer every ~4 min, with jitter), and a trickle
of one-off requests hits any model (Zipf popularity).

The policies under test never see this structure: they learn from the requests as they
arrive. ``python _pool_trace.py`` rewrites ``pool_trace.json`` next to this file; the
benchmark reads the JSON, so a change here shows up only after regenerating it.

JSON layout: ``{"seed", "duration_s", "models": [{"name", "size_mb", "load_s"}],
"requests": [...]}``, times in seconds rounded to milliseconds. A request is either
``[t, model_index]``: issued at time ``t`` (these are in time order), or
``[gap, model_index, parent]``: a pipeline step, issued ``gap`` seconds after request
number ``parent`` (an earlier entry) got its model and ran (closed loop: a step cannot
start before the previous one was served, however long its load took).
"""

from __future__ import annotations

import json
import math
import os
import random
from typing import Any

__all__ = ["TRACE_PATH", "generate", "load_trace"]

TRACE_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "pool_trace.json")

_KINDS = ["embed", "rank", "classify", "summarise", "tag", "detect", "ocr", "translate",
          "code", "chat", "vision", "speech", "rerank", "sentiment", "ner", "qa",
          "lint", "index", "caption", "parse"]


def generate(seed: int = 17, models: int = 20, phases: int = 8, phase_s: float = 900.0) -> dict[str, Any]:
    """The trace as a JSON-ready dict (see the module docstring)."""
    rnd = random.Random(seed)
    catalogue: list[dict[str, Any]] = []
    for n in range(models):
        size = math.exp(rnd.uniform(math.log(40), math.log(1600)))  # 40 MB .. 1.6 GB, log-uniform
        load = (0.25 + size / 300.0) * rnd.lognormvariate(0.0, 0.35)  # ~0.4 s .. ~8 s
        catalogue.append({"name": f"{_KINDS[n % len(_KINDS)]}-{n:02d}", "size_mb": round(size, 1),
                          "load_s": round(load, 3)})
    infer = [rnd.uniform(0.05, 0.3) + m["size_mb"] / 2000.0 for m in catalogue]  # seconds per call
    periodic = [(models - 4, 90.0), (models - 3, 240.0)]  # (model, period s): lint-, index-like
    ordinary = [i for i in range(models) if i not in {p for p, _ in periodic}]

    def pipeline() -> list[int]:
        return rnd.sample(ordinary, rnd.randint(2, 4))

    # phase plans: 2-3 pipelines each; later phases sometimes return to an earlier plan
    plans: list[list[tuple[list[int], float]]] = []
    for ph in range(phases):
        if ph >= 3 and rnd.random() < 0.4:
            plans.append(plans[rnd.randrange(len(plans))])
            continue
        plans.append([(pipeline(), rnd.uniform(6.0, 25.0)) for _ in range(rnd.randint(2, 3))])

    events: list[tuple[float, int, int | None]] = []  # (time or gap after parent, model, parent)
    for ph, plan in enumerate(plans):
        start, end = ph * phase_s, (ph + 1) * phase_s
        for stages, mean_gap in plan:
            t = start + rnd.expovariate(1.0 / mean_gap)
            while t < end:
                events.append((t, stages[0], None))
                parent = len(events) - 1
                for prev, stage in zip(stages, stages[1:]):
                    events.append((infer[prev] + rnd.uniform(0.01, 0.2), stage, parent))
                    parent = len(events) - 1
                t += rnd.expovariate(1.0 / mean_gap)
    duration = phases * phase_s
    for model, period in periodic:
        t = rnd.uniform(0, period)
        while t < duration:
            events.append((t, model, None))
            t += period * rnd.uniform(0.95, 1.05)
    weights = [1.0 / (r + 1) for r in range(models)]
    popular = list(range(models))
    rnd.shuffle(popular)
    t = rnd.expovariate(1 / 30.0)
    while t < duration:
        events.append((t, rnd.choices(popular, weights)[0], None))
        t += rnd.expovariate(1 / 30.0)
    # roots sorted by time; each pipeline step right after its parent; indices renumbered
    order = sorted((i for i, e in enumerate(events) if e[2] is None), key=lambda i: events[i][0])
    children = {e[2]: i for i, e in enumerate(events) if e[2] is not None}
    flat: list[int] = []
    for root in order:
        step: int | None = root
        while step is not None:
            flat.append(step)
            step = children.get(step)
    index = {old: new for new, old in enumerate(flat)}
    requests: list[list[float | int]] = []
    for old in flat:
        at, m, up = events[old]
        requests.append([round(at, 3), m] if up is None else [round(at, 3), m, index[up]])
    return {"seed": seed, "duration_s": duration, "models": catalogue, "requests": requests}


def load_trace(path: str = TRACE_PATH) -> dict[str, Any]:
    """The recorded trace (``generate``'s layout)."""
    with open(path, encoding="utf-8") as fh:
        trace: dict[str, Any] = json.load(fh)
    return trace


if __name__ == "__main__":
    data = generate()
    with open(TRACE_PATH, "w", encoding="utf-8") as fh:
        json.dump(data, fh, separators=(",", ":"))
    print(f"{len(data['requests'])} requests over {data['duration_s']:.0f} s, "
          f"{os.path.getsize(TRACE_PATH) / 1024:.0f} KB -> {TRACE_PATH}")

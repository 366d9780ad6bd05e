"""The conductor end to end: route "classify this snippet" between two real classifiers served
by the pool manager, and learn from a labelled set which one to ask.

Data and models (``_conductor_snippets``): snippets cut from real files on this machine,
labelled by language (python, javascript, json, toml, markdown, c), half short (1-2 lines)
and half long (12-40 lines); two scikit-learn pipelines trained here, ``char-nb`` (character
n-grams, naive Bayes, learnt from short snippets) and ``word-logreg`` (word and symbol
tokens, logistic regression, learnt from long ones), pickled into a temporary model
repository and served by ``symphony.pool.Pool`` (each call a lease).

The held-out snippets (from files neither classifier was trained on) are split in two: the
labelled set the conductor learns from (the first ``LEARN``) and the evaluation set (the rest).

- ``conductor``: a ``Conductor`` with both models as agents for ``classify`` (LinUCB over the
  conductor's hashed features of the snippet: length, lines, character classes, tokens). It
  first learns on the labelled set (each answer scored 1 if it names the label, 0
  otherwise, through ``conductor.feedback``), then runs the evaluation set, still getting
  feedback as it goes (it keeps learning, as in use).
- ``char-nb``, ``word-logreg``: each classifier alone on the evaluation set (through the pool).
- ``random``: a uniform random router between the two.

``track_accuracy`` (%; higher is better): share of evaluation snippets labelled correctly.
Target: the conductor at least as accurate as each peer (ratio >= 1).
``track_learning_accuracy``: the conductor's accuracy while it learns (the labelled set).
``track_ms_per_task``: a whole task (conductor: message, routing, workflow, pool lease and
model, two artifacts, feedback) against one direct pool call of the model.
"""

from __future__ import annotations

import atexit
import os
import random
import shutil
import tempfile
import time
from typing import Any

from ._conductor_snippets import Snippet, labelled_set, train_classifiers, write_repository

LEARN = 1000
PER_LANGUAGE = 400
MODELS = ("char-nb", "word-logreg")
_shared: dict[str, Any] = {}


def shared(per_language: int = PER_LANGUAGE) -> dict[str, Any]:
    """The labelled set and the trained repository, made once per process."""
    key = f"data-{per_language}"
    if key not in _shared:
        train, held_out = labelled_set(per_language)
        models = train_classifiers(train)
        root = tempfile.mkdtemp(prefix="bench-conductor-e2e-")
        atexit.register(shutil.rmtree, root, True)
        write_repository(os.path.join(root, "models"), models)
        learn = min(LEARN, len(held_out) // 2)
        _shared[key] = {"learn": held_out[:learn], "test": held_out[learn:], "root": root}
    return _shared[key]  # type: ignore[no-any-return]


def _prepare(request: dict[str, Any]) -> tuple[Any, ...]:
    return ([request["input"]],)


class Routed:
    """A conductor over a pool serving both classifiers, on its own node and store."""

    def __init__(self, root: str, seed: int = 1) -> None:
        from symphony.actors import Node
        from symphony.artifacts import ArtifactStore
        from symphony.conductor import Conductor
        from symphony.pool import Pool

        # the store on tmpfs when there is one: accuracy is what this measures, and the cost of
        # durable writes is conductor_workflow's (store=disk)
        self.dir = tempfile.mkdtemp(prefix="bench-conductor-e2e-store-",
                                    dir="/dev/shm" if os.path.isdir("/dev/shm") else root)
        self.node = Node("bench-conductor-e2e")
        self.store = ArtifactStore(os.path.join(self.dir, "store"), node=self.node, index=False)
        self.pool = Pool(self.node, os.path.join(root, "models"), prewarm=False)
        self.conductor = Conductor(self.node, self.store, router_options={"seed": seed})
        for name in MODELS:
            self.conductor.add_model(self.pool, name, "classify", _prepare)

    def classify(self, text: str, label: str) -> tuple[bool, str]:
        """Run the task, score it against ``label``; (correct, agent)."""
        result = self.conductor.run("classify", text)
        correct = result.output == [label]
        self.conductor.feedback(result.task_id, 1.0 if correct else 0.0)
        return correct, result.steps["classify"].agent

    def close(self) -> None:
        self.conductor.close()
        self.pool.close()
        self.store.close()
        self.node.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


def run_conductor(data: dict[str, Any], seed: int = 1) -> dict[str, Any]:
    """Learn on the labelled set, then label the evaluation set: accuracies, how often each
    agent was chosen for short and for long evaluation snippets, and ms per task."""
    routed = Routed(data["root"], seed)
    try:
        learning = [routed.classify(text, label)[0] for text, label, _ in data["learn"]]
        chosen: dict[str, dict[str, int]] = {"short": {}, "long": {}}
        correct = 0
        started = time.perf_counter()
        for text, label, size in data["test"]:
            ok, agent = routed.classify(text, label)
            correct += ok
            chosen[size][agent] = chosen[size].get(agent, 0) + 1
        elapsed = time.perf_counter() - started
        return {"accuracy": 100.0 * correct / len(data["test"]),
                "learning_accuracy": 100.0 * sum(learning) / max(len(learning), 1),
                "chosen": chosen, "ms_per_task": 1e3 * elapsed / len(data["test"]),
                "stats": routed.conductor.stats()}
    finally:
        routed.close()


def run_peer(data: dict[str, Any], impl: str, seed: int = 1) -> dict[str, Any]:
    """One classifier alone (or a uniform random choice per snippet) on the test set, each
    call through a pool lease."""
    from symphony.actors import Node
    from symphony.pool import Pool

    rng = random.Random(seed)
    node = Node("bench-conductor-e2e-peer")
    pool = Pool(node, os.path.join(data["root"], "models"), prewarm=False)
    try:
        correct = 0
        started = time.perf_counter()
        for text, label, _ in data["test"]:
            name = rng.choice(MODELS) if impl == "random" else impl
            with pool.acquire(name) as model:
                correct += model([text])[0] == label
        elapsed = time.perf_counter() - started
        return {"accuracy": 100.0 * correct / len(data["test"]), "ms_per_task": 1e3 * elapsed / len(data["test"])}
    finally:
        pool.close()
        node.stop()


def by_size(data: dict[str, Any], impl: str) -> dict[str, float]:
    """Accuracy (%) of one classifier alone on short and on long test snippets (no pool: for the report)."""
    import pickle

    with open(os.path.join(data["root"], "models", impl, "1", "model.pkl"), "rb") as fh:
        model = pickle.load(fh)
    out = {}
    for size in ("short", "long"):
        subset: list[Snippet] = [s for s in data["test"] if s[2] == size]
        predicted = model.predict([t for t, _, _ in subset])
        out[size] = 100.0 * sum(p == label for p, (_, label, _) in zip(predicted, subset)) / len(subset)
    return out


class SnippetRouting:
    """Accuracy of labelling held-out snippets by language, after learning which model to ask."""

    params = [["conductor", "char-nb", "word-logreg", "random"]]
    param_names = ["impl"]
    unit = "%"
    higher_is_better = True
    timeout = 1800.0
    repeat = 1

    def setup(self, impl: str) -> None:
        key = f"outcome-{impl}"  # one run per process feeds all three track methods
        if key not in _shared:
            data = shared()
            _shared[key] = run_conductor(data) if impl == "conductor" else run_peer(data, impl)
        self.outcome = _shared[key]

    def track_accuracy(self, impl: str) -> float:
        return float(self.outcome["accuracy"])

    track_accuracy.target = 1.0  # type: ignore[attr-defined]

    def track_learning_accuracy(self, impl: str) -> float:
        return float(self.outcome.get("learning_accuracy", self.outcome["accuracy"]))

    def track_ms_per_task(self, impl: str) -> float:
        return float(self.outcome["ms_per_task"])

    track_ms_per_task.unit = "ms"  # type: ignore[attr-defined]
    track_ms_per_task.higher_is_better = False  # type: ignore[attr-defined]


if __name__ == "__main__":  # a fuller report: per-size accuracy and what the router chose
    data = shared()
    print({impl: by_size(data, impl) for impl in MODELS})
    for impl in ("char-nb", "word-logreg", "random"):
        print(impl, run_peer(data, impl))
    print("conductor", run_conductor(data))

"""End to end on real models: two scikit-learn snippet classifiers trained now on snippets of
real files, served by the pool manager, routed by the conductor and scored from labels (the
benchmark asv_bench/benchmarks/conductor_e2e.py runs the full-size version and reports accuracy)."""

from __future__ import annotations

import pytest

pytest.importorskip("sklearn")


def test_route_classify_between_two_real_classifiers_and_learn_from_labels():
    from asv_bench.benchmarks import conductor_e2e
    from asv_bench.benchmarks._conductor_snippets import LANGUAGES

    data = conductor_e2e.shared(per_language=20)
    assert {label for _, label, _ in data["test"]} == set(LANGUAGES)
    outcome = conductor_e2e.run_conductor(data)
    stats = outcome["stats"]
    total = len(data["learn"]) + len(data["test"])
    assert set(stats) <= set(conductor_e2e.MODELS)
    assert sum(row["calls"] for row in stats.values()) == total
    assert sum(row["scored"] for row in stats.values()) == total  # every answer scored from its label
    assert sum(row["failures"] for row in stats.values()) == 0
    assert outcome["accuracy"] > 50.0  # six languages: chance is 17%
    alone = conductor_e2e.run_peer(data, "char-nb")
    assert alone["accuracy"] > 50.0

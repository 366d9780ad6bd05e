"""Real models served by the pool: ONNX graphs under onnxruntime, a scikit-learn model trained
at test time (pickled and exported to ONNX), wordllama's shipped embeddings; a corrupt file
and a bad manifest leave those versions UNAVAILABLE with the reason while the rest serve."""

from __future__ import annotations

import numpy as np
import pytest

from symphony import Node
from symphony.errors import ModelManifestError, ModelNotFound, ModelUnavailable
from symphony.pool import Pool

from .conftest import IRIS_ROW


@pytest.fixture
def pool(node: Node, model_repo):
    with Pool(node, model_repo, budget="512MB", prewarm=False) as p:
        yield p


def test_the_index_lists_every_version_with_its_state(pool: Pool):
    rows = {(r["name"], r["version"]): r for r in pool.index()}
    assert rows[("mul", 1)]["state"] == "UNKNOWN"
    assert rows[("badmanifest", 1)]["state"] == "UNAVAILABLE" and "tensorflow" in rows[("badmanifest", 1)]["reason"]
    assert rows[("staged", 2)]["state"] == "UNAVAILABLE"
    assert "not served" in rows[("iris", 1)]["reason"]


def test_onnx_sklearn_and_wordllama_models_answer_for_real(pool: Pool, iris, iris_classifier):
    X, _ = iris
    with pool.acquire("mul", timeout=60) as mul:
        x = np.arange(6, dtype=np.float32).reshape(3, 2)
        np.testing.assert_allclose(mul(x), x * np.array([[1, 2], [3, 4], [5, 6]], dtype=np.float32))
    with pool.acquire("iris", 2, timeout=60) as onnx_iris:
        label, probabilities = onnx_iris(X[:10])
        assert list(label) == list(iris_classifier.predict(X[:10]))
    with pool.acquire("iris", timeout=60) as ready:  # as Triton: the newest READY version (2)
        assert list(ready(X[:3])[0]) == list(iris_classifier.predict(X[:3]))
    with pool.acquire("iris", 3, timeout=60) as newest:  # predict_proba on the pickle
        np.testing.assert_allclose(newest(X[:5]), iris_classifier.predict_proba(X[:5]), rtol=1e-6)
    with pool.acquire("iris") as now_newest:  # version 3 is READY now, and newest
        assert now_newest(X[:1]).shape == (1, 3)
    with pool.acquire("embed", timeout=60) as embed:
        vectors = embed(["a rope of text", "a tree of nodes"])
        assert vectors.shape == (2, 256)
    with pool.acquire("sqrt") as sqrt:
        assert sqrt(81.0) == 9.0
    stats = {(m["name"], m["version"]): m for m in pool.statistics()["models"]}
    assert stats[("embed", 1)]["memory"] == 32_000_000  # declared "32MB"
    assert stats[("iris", 2)]["last_load_seconds"] > 0
    assert pool.metadata("mul")["max_leases"] == 2


def test_a_corrupt_model_file_is_unavailable_and_the_rest_keep_serving(pool: Pool):
    with pytest.raises(ModelUnavailable, match="broken"):
        pool.acquire("broken", timeout=60)
    row = next(r for r in pool.index() if r["name"] == "broken")
    assert row["state"] == "UNAVAILABLE" and row["reason"]
    with pool.acquire("sqrt") as sqrt:
        assert sqrt(4.0) == 2.0
    with pytest.raises(ModelManifestError):
        pool.acquire("badmanifest")
    with pytest.raises(ModelNotFound):
        pool.acquire("iris", 1)  # not served under latest:2


def test_a_warm_up_that_fails_makes_the_version_unavailable(node: Node, model_repo, write_model):
    write_model(model_repo, "sqrt", 2, 'loader = "python"\nwarmup = "not a number"\n[options]\nentry = "math:sqrt"\n')
    with Pool(node, model_repo, prewarm=False) as pool:
        with pytest.raises(ModelUnavailable, match="warm-up"):
            pool.acquire("sqrt", timeout=60)
        with pytest.raises(ModelNotFound):  # latest:1 serves version 2 only
            pool.acquire("sqrt", 1, timeout=60)


def test_a_loaded_version_keeps_serving_when_its_successor_fails(node: Node, model_repo, write_model):
    with Pool(node, model_repo, prewarm=False) as pool:
        with pool.acquire("sqrt", timeout=60) as sqrt:
            assert sqrt(9.0) == 3.0
        write_model(model_repo, "sqrt", 2, 'loader = "python"\nwarmup = "x"\n[options]\nentry = "math:sqrt"\n')
        pool.load("sqrt", timeout=60)
        states = {r["version"]: r["state"] for r in pool.index() if r["name"] == "sqrt"}
        assert states == {1: "READY", 2: "UNAVAILABLE"}
        pool.unload("mul")  # other models come and go: sqrt stays bound to version 1
        with pool.acquire("mul", timeout=60):
            pass
        with pool.acquire("sqrt", timeout=60) as sqrt:
            assert sqrt(16.0) == 4.0


def test_a_new_version_on_disk_is_picked_up_by_load(node: Node, model_repo, write_model, iris_pickle):
    with Pool(node, model_repo, prewarm=False) as pool:
        with pool.acquire("sqrt", timeout=60) as sqrt:
            assert sqrt(16.0) == 4.0
        write_model(model_repo, "sqrt", 2, 'loader = "python"\n[options]\nentry = "math:fabs"\n')
        pool.load("sqrt", timeout=60)
        with pool.acquire("sqrt") as model:
            assert model(-2.0) == 2.0  # fabs: version 2 serves
        assert any(r["version"] == 2 and r["state"] == "READY" for r in pool.index() if r["name"] == "sqrt")


def test_iris_warm_up_row_is_class_zero(pool: Pool):
    with pool.acquire("iris", 2, timeout=60) as model:
        label, _ = model([IRIS_ROW])
        assert int(label[0]) == 0

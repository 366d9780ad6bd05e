"""Fixtures for the conductor's tests: a real artifact store (LMDB under tmp_path), a
conductor on the test node, closed (policy saved, actors stopped) after each test, and a
real pool serving an iris classifier trained at test time."""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

import pytest

from tests.pool.conftest import IRIS_ROW, _write_model

__all__ = ["IRIS_ROW"]


@pytest.fixture
def store(tmp_path: Path, node: Any) -> Any:
    from symphony.artifacts import ArtifactStore

    s = ArtifactStore(tmp_path / "store", node=node, index=False)
    yield s
    s.close()


@pytest.fixture
def make_conductor(node: Any, store: Any) -> Any:
    """``make_conductor(**options)``: a Conductor on the test node and store, closed after the test."""
    from symphony.conductor import Conductor

    made: list[Any] = []

    def make(**options: Any) -> Any:
        options.setdefault("policy_interval", 0.05)
        conductor = Conductor(node, store, **options)
        made.append(conductor)
        return conductor

    yield make
    for conductor in reversed(made):
        conductor.close()


@pytest.fixture
def conductor(make_conductor: Any) -> Any:
    return make_conductor()


@pytest.fixture(scope="session")
def iris_model_bytes() -> bytes:
    datasets = pytest.importorskip("sklearn.datasets")
    linear = pytest.importorskip("sklearn.linear_model")
    X, y = datasets.load_iris(return_X_y=True)
    return pickle.dumps(linear.LogisticRegression(max_iter=1000).fit(X, y))


@pytest.fixture
def iris_repo(tmp_path: Path, iris_model_bytes: bytes) -> Path:
    """A model repository with ``iris`` (a real scikit-learn classifier, pickled) version 1."""
    root = tmp_path / "models"
    _write_model(root, "iris", 1, f'loader = "sklearn"\nfile = "iris.pkl"\nwarmup = [{IRIS_ROW}]\n',
                 {"iris.pkl": iris_model_bytes})
    return root

"""Real models and real model repositories for the pool's tests (no mocks, no network).

Fixtures (all paths under pytest's tmp_path):

- ``onnx_datasets`` (session): the directory of ONNX graphs onnxruntime ships,
  ``mul_1.onnx`` (X float[3,2] -> Y = X * [[1,2],[3,4],[5,6]], elementwise),
  ``sigmoid.onnx`` (x float[3,4,5] -> sigmoid(x)),
  ``logreg_iris.onnx`` (float[3,2] -> label int64[3], probabilities as a list of dicts).
- ``iris`` (session): ``(X, y)``, scikit-learn's bundled iris data, X as float32 [150, 4].
- ``iris_classifier`` (session): a ``LogisticRegression`` trained on ``iris`` at test time.
- ``iris_pickle`` (session): ``pickle.dumps(iris_classifier)``.
- ``iris_onnx`` (session): ``iris_classifier`` exported by skl2onnx (no ZipMap): input ``X``
  float[N,4] -> ``[label int64[N], probabilities float[N,3]]``.
- ``write_model``: ``write_model(root, name, version, toml, files={"name": bytes}) -> Path``
  writes ``root/name/version/model.toml`` (and the files) and returns the version directory.
- ``model_repo``: a repository directory (returns its root ``Path``) holding, by name:

  ========== ======== ============================================================================
  name       served   what
  ========== ======== ============================================================================
  mul        [1]      onnx mul_1.onnx; memory "1KB", max_leases 2, warmup [[1,2],[3,4],[5,6]]
  sigmoid    [1, 2]   onnx sigmoid.onnx in both; config.toml version_policy = "all"
  iris       [2, 3]   1: sklearn pickle (predict); 2: skl2onnx iris.onnx; 3: sklearn pickle with
                      method predict_proba; config.toml "latest:2"; warmup [[5.1,3.5,1.4,0.2]];
                      iris/notes/ (not a number) is ignored with a reason
  embed      [1]      wordllama (the wheel's l2_supercat 256-d weights), warmup ["hello world"]
  sqrt       [1]      python, options.entry "math:sqrt", warmup 16.0
  staged     [1]      1: python "math:fabs"; 2: bad manifest (memory = -5) -> ModelManifestError,
                      so the broken new version leaves version 1 served
  broken     [1]      onnx with a corrupt model.onnx (valid manifest): loading it raises
                      ModelUnavailable
  badmanifest []      1: model.toml naming an unknown loader -> ModelManifestError
  ========== ======== ============================================================================

  ``MODEL_REPO_SERVED`` (importable as ``tests.pool.conftest.MODEL_REPO_SERVED``, and the
  fixture ``model_repo_served``) is that served column as a dict.
"""

from __future__ import annotations

import os
import pickle
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

#: What ``model_repo`` serves: name -> served versions (after each model's version policy).
MODEL_REPO_SERVED: dict[str, list[int]] = {
    "badmanifest": [], "broken": [1], "embed": [1], "iris": [2, 3], "mul": [1], "sigmoid": [1, 2],
    "sqrt": [1], "staged": [1],
}
#: The iris warm-up row (a real iris sample, class 0).
IRIS_ROW = [5.1, 3.5, 1.4, 0.2]
CORRUPT_ONNX = b"\x08\x07\x12\x04junk" + bytes(range(256)) * 4


@pytest.fixture(scope="session")
def onnx_datasets() -> Path:
    datasets = pytest.importorskip("onnxruntime.datasets")
    return Path(os.path.dirname(datasets.__file__))


@pytest.fixture(scope="session")
def iris() -> tuple[Any, Any]:
    np = pytest.importorskip("numpy")
    datasets = pytest.importorskip("sklearn.datasets")
    X, y = datasets.load_iris(return_X_y=True)
    return X.astype(np.float32), y


@pytest.fixture(scope="session")
def iris_classifier(iris: tuple[Any, Any]) -> Any:
    linear = pytest.importorskip("sklearn.linear_model")
    X, y = iris
    return linear.LogisticRegression(max_iter=1000).fit(X, y)


@pytest.fixture(scope="session")
def iris_pickle(iris_classifier: Any) -> bytes:
    return pickle.dumps(iris_classifier)


@pytest.fixture(scope="session")
def iris_onnx(iris_classifier: Any, iris: tuple[Any, Any]) -> bytes:
    skl2onnx = pytest.importorskip("skl2onnx")
    X, _ = iris
    return bytes(skl2onnx.to_onnx(iris_classifier, X[:1], options={"zipmap": False}).SerializeToString())


def _write_model(root: Path, name: str, version: int | str, toml: str,
                 files: dict[str, bytes | Path] | None = None) -> Path:
    directory = Path(root) / name / str(version)
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "model.toml").write_text(toml, encoding="utf-8")
    for filename, content in (files or {}).items():
        if isinstance(content, Path):
            shutil.copyfile(content, directory / filename)
        else:
            (directory / filename).write_bytes(content)
    return directory


@pytest.fixture
def write_model() -> Callable[..., Path]:
    return _write_model


@pytest.fixture
def model_repo_served() -> dict[str, list[int]]:
    return {name: list(versions) for name, versions in MODEL_REPO_SERVED.items()}


@pytest.fixture
def model_repo(tmp_path: Path, onnx_datasets: Path, iris_pickle: bytes, iris_onnx: bytes) -> Path:
    pytest.importorskip("wordllama")
    root = tmp_path / "models"
    root.mkdir()
    _write_model(root, "mul", 1, 'loader = "onnx"\nfile = "mul_1.onnx"\nmemory = "1KB"\nmax_leases = 2\n'
                                 "warmup = [[1, 2], [3, 4], [5, 6]]\n", {"mul_1.onnx": onnx_datasets / "mul_1.onnx"})
    for version in (1, 2):
        _write_model(root, "sigmoid", version, 'loader = "onnx"\nfile = "sigmoid.onnx"\n',
                     {"sigmoid.onnx": onnx_datasets / "sigmoid.onnx"})
    (root / "sigmoid" / "config.toml").write_text('version_policy = "all"\n')
    warm = f"warmup = [{IRIS_ROW}]\n"
    _write_model(root, "iris", 1, 'loader = "sklearn"\nfile = "iris.pkl"\n' + warm, {"iris.pkl": iris_pickle})
    _write_model(root, "iris", 2, 'loader = "onnx"\nfile = "iris.onnx"\n' + warm, {"iris.onnx": iris_onnx})
    _write_model(root, "iris", 3, 'loader = "sklearn"\nfile = "iris.pkl"\n' + warm
                 + '[options]\nmethod = "predict_proba"\n', {"iris.pkl": iris_pickle})
    (root / "iris" / "config.toml").write_text('version_policy = "latest:2"\n')
    (root / "iris" / "notes").mkdir()
    _write_model(root, "embed", 1, 'loader = "wordllama"\nmemory = "32MB"\nwarmup = ["hello world"]\n')
    _write_model(root, "sqrt", 1, 'loader = "python"\nwarmup = 16.0\n[options]\nentry = "math:sqrt"\n')
    _write_model(root, "staged", 1, 'loader = "python"\nwarmup = -3.0\n[options]\nentry = "math:fabs"\n')
    _write_model(root, "staged", 2, 'loader = "python"\nmemory = -5\n[options]\nentry = "math:fabs"\n')
    _write_model(root, "broken", 1, 'loader = "onnx"\nfile = "model.onnx"\n', {"model.onnx": CORRUPT_ONNX})
    _write_model(root, "badmanifest", 1, 'loader = "tensorflow"\nfile = "model.pb"\n', {"model.pb": b"\0"})
    return root

"""The loaders on real models: ONNX Runtime graphs, a scikit-learn iris model trained here (pickled,
joblib, and exported to ONNX), wordllama's shipped embeddings, Python callables, and a loader
added through the ``symphony.loaders`` entry point group."""

from __future__ import annotations

import logging
import pickle
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from symphony.errors import ModelUnavailable, PoolError
from symphony.pool._loaders import BUILTINS, Loaded, Loader, load_model, loader_for
from symphony.pool._manifest import ModelManifest, parse_manifest
from symphony.pool._repository import ModelRepository

from .conftest import IRIS_ROW

np = pytest.importorskip("numpy")


def manifest_at(directory: Path, toml: str, name: str = "m", version: int = 1) -> ModelManifest:
    return parse_manifest(toml, name=name, version=version, path=directory)


def unavailable(manifest: ModelManifest, *words: str) -> ModelUnavailable:
    with pytest.raises(ModelUnavailable) as info:
        load_model(manifest)
    message = str(info.value)
    assert f"model {manifest.name!r} version {manifest.version}" in message, message
    for word in words:
        assert word in message, message
    return info.value


# -- onnx --------------------------------------------------------------------------------------

MUL = np.array([[1, 2], [3, 4], [5, 6]], dtype=np.float32)  # mul_1.onnx's constant


def test_onnx_mul_multiplies_by_its_constant(model_repo):
    loaded = load_model(ModelRepository(model_repo).manifest("mul"))
    x = np.array([[0.5, -1], [2, 0], [7, 1]], dtype=np.float32)
    assert np.array_equal(loaded.model(x), x * MUL)
    assert np.array_equal(loaded.model({"X": x.tolist()}), x * MUL)  # a dict of lists works too
    assert isinstance(loaded.memory, int) and loaded.memory >= 0
    with pytest.raises(ValueError, match="unknown input"):
        loaded.model({"nope": x})
    loaded.close()


def test_onnx_sigmoid_matches_numpy(model_repo):
    repo = ModelRepository(model_repo)
    x = np.random.default_rng(7).normal(size=(3, 4, 5)).astype(np.float32)
    for version in repo.served("sigmoid"):
        y = load_model(repo.manifest("sigmoid", version)).model(x)
        assert np.allclose(y, 1 / (1 + np.exp(-x)), atol=1e-6)


def test_onnx_with_two_outputs_returns_a_list(onnx_datasets, tmp_path):
    m = parse_manifest('loader = "onnx"\nfile = "logreg_iris.onnx"\n[options]\nintra_op_num_threads = 2\n',
                       name="logreg", version=1, path=onnx_datasets)
    label, probabilities = load_model(m).model([[5.1, 3.5], [6.7, 3.0], [5.9, 3.0]])
    assert label.shape == (3,) and len(probabilities) == 3
    assert [max(p, key=p.get) for p in probabilities] == label.tolist()


def test_iris_exported_to_onnx_predicts_what_sklearn_predicts(model_repo, iris, iris_classifier):
    X, _ = iris
    label, probabilities = load_model(ModelRepository(model_repo).manifest("iris", 2)).model(X)
    assert np.array_equal(label, iris_classifier.predict(X))
    assert np.allclose(probabilities, iris_classifier.predict_proba(X), atol=1e-5)


def test_a_graph_with_two_inputs_needs_a_dict(tmp_path):
    onnx = pytest.importorskip("onnx")
    helper = onnx.helper
    graph = helper.make_graph(
        [helper.make_node("Add", ["a", "b"], ["c"])], "add",
        [helper.make_tensor_value_info(n, onnx.TensorProto.FLOAT, [2]) for n in "ab"],
        [helper.make_tensor_value_info("c", onnx.TensorProto.FLOAT, [2])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    (tmp_path / "add.onnx").write_bytes(model.SerializeToString())
    loaded = load_model(manifest_at(tmp_path, 'loader = "onnx"\nfile = "add.onnx"\nwarmup = {a = [1, 2], b = [3, 4]}\n'))
    assert loaded.model({"a": [1, 2], "b": [10, 20]}).tolist() == [11, 22]
    with pytest.raises(ValueError, match="pass a dict"):
        loaded.model([1, 2])


def test_a_corrupt_onnx_file_is_unavailable_and_nothing_else_is_affected(model_repo):
    repo = ModelRepository(model_repo)
    error = unavailable(repo.manifest("broken"), "loader 'onnx'")
    assert isinstance(error, PoolError) and error.__cause__ is not None
    assert np.array_equal(load_model(repo.manifest("mul")).model(np.ones((3, 2))), MUL)


@pytest.mark.parametrize("content", [b"", b"\x00" * 10, b"not an onnx graph at all"])
def test_truncated_and_empty_onnx_files(tmp_path, content, onnx_datasets):
    (tmp_path / "model.onnx").write_bytes(content)
    unavailable(manifest_at(tmp_path, 'loader = "onnx"\nfile = "model.onnx"\n'))
    good = (onnx_datasets / "mul_1.onnx").read_bytes()
    (tmp_path / "model.onnx").write_bytes(good[: len(good) // 2])
    unavailable(manifest_at(tmp_path, 'loader = "onnx"\nfile = "model.onnx"\n'))


def test_a_missing_file_is_unavailable(tmp_path):
    unavailable(manifest_at(tmp_path, 'loader = "onnx"\nfile = "gone.onnx"\n'), "does not exist", "gone.onnx")
    unavailable(manifest_at(tmp_path, 'loader = "sklearn"\nfile = "gone.pkl"\n'), "does not exist")


def test_a_device_onnxruntime_lacks_is_unavailable(model_repo):
    m = ModelRepository(model_repo).manifest("mul")
    unavailable(ModelManifest(**{**m.__dict__, "device": "tpu"}), "device 'tpu'")


def test_a_warmup_of_the_wrong_shape_is_unavailable(model_repo, onnx_datasets):
    directory = model_repo / "mul" / "1"
    unavailable(manifest_at(directory, 'loader = "onnx"\nfile = "mul_1.onnx"\nwarmup = [[1, 2, 3]]\n'), "warm-up")
    unavailable(manifest_at(directory, 'loader = "onnx"\nfile = "mul_1.onnx"\nwarmup = "text"\n'), "warm-up")


# -- sklearn -----------------------------------------------------------------------------------

def test_iris_pickle_predicts_what_sklearn_predicts(model_repo, iris, iris_classifier):
    X, _ = iris
    repo = ModelRepository(model_repo)
    version_1 = repo.versions("iris")[1]  # not served under latest:2, but its manifest is valid
    assert isinstance(version_1, ModelManifest)
    predict = load_model(version_1)
    assert np.array_equal(predict.model(X), iris_classifier.predict(X))
    proba = load_model(repo.manifest("iris", 3))
    assert np.array_equal(proba.model(X), iris_classifier.predict_proba(X))
    assert proba.model([IRIS_ROW]).argmax() == 0


def test_a_joblib_file(tmp_path, iris, iris_classifier):
    joblib = pytest.importorskip("joblib")
    joblib.dump(iris_classifier, tmp_path / "iris.joblib")
    X, _ = iris
    loaded = load_model(manifest_at(tmp_path, 'loader = "sklearn"\nfile = "iris.joblib"\n'
                                              '[options]\nmethod = "decision_function"\n'))
    assert np.array_equal(loaded.model(X), iris_classifier.decision_function(X))


def test_a_method_the_estimator_lacks_is_unavailable(tmp_path, iris_pickle):
    (tmp_path / "iris.pkl").write_bytes(iris_pickle)
    unavailable(manifest_at(tmp_path, 'loader = "sklearn"\nfile = "iris.pkl"\n[options]\nmethod = "transform"\n'),
                "LogisticRegression", "no method 'transform'")


@pytest.mark.parametrize("content", [b"", b"garbage", pickle.dumps(42)[:-3]])
def test_a_corrupt_pickle_is_unavailable(tmp_path, content):
    (tmp_path / "m.pkl").write_bytes(content)
    unavailable(manifest_at(tmp_path, 'loader = "sklearn"\nfile = "m.pkl"\n'))


def test_sklearn_warmup_failing_is_unavailable(tmp_path, iris_pickle):
    (tmp_path / "iris.pkl").write_bytes(iris_pickle)
    unavailable(manifest_at(tmp_path, 'loader = "sklearn"\nfile = "iris.pkl"\nwarmup = [[1, 2]]\n'),
                "warm-up", "ValueError")


# -- python ------------------------------------------------------------------------------------

def test_python_entry(model_repo):
    loaded = load_model(ModelRepository(model_repo).manifest("sqrt"))
    assert loaded.model(81.0) == 9.0


def test_python_registered_model_and_factory():
    repo = ModelRepository()
    repo.register("double", lambda x: 2 * x, warmup=1)
    assert load_model(repo.manifest("double")).model(21) == 42
    closed: list[str] = []

    def factory(manifest: ModelManifest) -> Loaded:
        return Loaded(lambda x: f"{manifest.name}:{x}", memory=123, close=lambda: closed.append(manifest.name))

    repo.register("made", factory, factory=True, warmup="w")
    loaded = load_model(repo.manifest("made"))
    assert loaded.model("x") == "made:x" and loaded.memory == 123
    loaded.close()
    assert closed == ["made"]
    repo.register("plain", lambda manifest: str.upper, factory=True)
    assert load_model(repo.manifest("plain")).model("abc") == "ABC"


def test_python_model_with_a_close_method_is_closed_by_loaded_close():
    class Counter:
        closed = 0

        def __call__(self, x: int) -> int:
            return x + 1

        def close(self) -> None:
            Counter.closed += 1

    repo = ModelRepository()
    repo.register("counter", Counter())
    load_model(repo.manifest("counter")).close()
    assert Counter.closed == 1


@pytest.mark.parametrize("entry, words", [
    ("no_such_module_xyz:f", ["ModuleNotFoundError", "no_such_module_xyz"]),
    ("math:no_such_attr", ["AttributeError", "no_such_attr"]),
    ("math:pi", ["cannot be called", "float"]),
])
def test_python_entry_failures(tmp_path, entry, words):
    unavailable(manifest_at(tmp_path, f'loader = "python"\n[options]\nentry = "{entry}"\n'), *words)


def test_python_without_entry_or_registration(tmp_path):
    unavailable(manifest_at(tmp_path, 'loader = "python"\n'), "options.entry")


def test_a_factory_that_raises_is_unavailable():
    repo = ModelRepository()

    def factory(manifest: ModelManifest) -> object:
        raise RuntimeError("out of GPUs")

    repo.register("f", factory, factory=True)
    unavailable(repo.manifest("f"), "RuntimeError", "out of GPUs")


def test_warmup_failing_closes_the_model_and_is_unavailable():
    repo = ModelRepository()
    closed: list[bool] = []

    def model(x: object) -> object:
        raise ZeroDivisionError("bad input")

    repo.register("w", lambda manifest: Loaded(model, close=lambda: closed.append(True)), factory=True, warmup=[1])
    unavailable(repo.manifest("w"), "warm-up", "ZeroDivisionError", "bad input")
    assert closed == [True]


def test_a_close_that_raises_after_a_failed_warmup_does_not_hide_the_failure(caplog):
    repo = ModelRepository()

    def close() -> None:
        raise OSError("cannot close")

    repo.register("w", lambda manifest: Loaded(lambda x: 1 / 0, close=close), factory=True, warmup=0)
    with caplog.at_level(logging.WARNING, logger="symphony.pool._loaders"):
        unavailable(repo.manifest("w"), "warm-up", "ZeroDivisionError")
    assert "failed its warm-up" in caplog.text


# -- wordllama ---------------------------------------------------------------------------------

def test_wordllama_embeds_with_no_download(model_repo):
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    loaded = load_model(ModelRepository(model_repo).manifest("embed"))
    assert (list(root.handlers), root.level) == (handlers, level)  # wordllama's basicConfig is undone
    vectors = loaded.model(["a small cat", "a little kitten", "quarterly tax spreadsheet"])
    assert vectors.shape == (3, 256) and loaded.memory == 32_000 * 256 * 4
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    assert unit[0] @ unit[1] > unit[0] @ unit[2]
    assert np.array_equal(loaded.model("a small cat")[0], vectors[0])


def test_wordllama_weights_it_does_not_ship_are_unavailable(tmp_path):
    unavailable(manifest_at(tmp_path, 'loader = "wordllama"\n[options]\ndim = 1024\n'),
                "l2_supercat_1024", "l2_supercat_256.safetensors", "never made")


# -- missing packages ----------------------------------------------------------------------------

@pytest.mark.parametrize("package, toml", [
    ("onnxruntime", 'loader = "onnx"\nfile = "mul_1.onnx"\n'),
    ("sklearn", 'loader = "sklearn"\nfile = "x.pkl"\n'),
    ("tokenizers", 'loader = "wordllama"\n'),
])
def test_a_missing_package_names_the_pool_extra(tmp_path, monkeypatch, package, toml):
    monkeypatch.setitem(sys.modules, package, None)  # what Python does for a package it cannot import
    unavailable(manifest_at(tmp_path, toml), repr(package), "symphony-aide[pool]")


def test_importing_the_pool_modules_imports_no_model_package():
    code = textwrap.dedent("""
        import sys
        import symphony.pool, symphony.pool._loaders, symphony.pool._repository, symphony.pool._manifest
        heavy = [m for m in ("onnxruntime", "sklearn", "numpy", "wordllama", "tokenizers", "safetensors", "onnx")
                 if m in sys.modules]
        print(heavy)
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and out.stdout.strip() == "[]", out.stdout + out.stderr


# -- entry points --------------------------------------------------------------------------------

LOADER_MODULE = '''
from symphony.pool._loaders import Loaded


class LinearLoader:
    """model(x) = a * x + b, with "a b" read from the manifest's file."""

    def load(self, manifest):
        a, b = (float(v) for v in manifest.file_path.read_text().split())
        return Loaded(lambda x: a * x + b, memory=16)


def load_negated(manifest):
    return Loaded(lambda x: -x * manifest.options["scale"])


def bare_callable(manifest):
    return abs


def raising(manifest):
    raise KeyError("no weights")


NOT_A_LOADER = 42
'''


@pytest.fixture
def loader_dist(tmp_path, monkeypatch):
    """A distribution installed on sys.path for this test, adding loaders to symphony.loaders."""
    site = tmp_path / "site"
    dist = site / "linear_loader-1.0.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: linear-loader\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(
        "[symphony.loaders]\nlinear = linear_loader:LinearLoader\nnegate = linear_loader:load_negated\n"
        "bare = linear_loader:bare_callable\nraising = linear_loader:raising\n"
        "missing = no_such_loader_module:Loader\nweird = linear_loader:NOT_A_LOADER\n"
        "onnx = linear_loader:raising\n")
    (site / "linear_loader.py").write_text(LOADER_MODULE)
    monkeypatch.syspath_prepend(str(site))
    return site


def test_an_entry_point_loader_serves_a_repository_model(tmp_path, loader_dist, write_model):
    root = tmp_path / "repo"
    write_model(root, "line", 1, 'loader = "linear"\nfile = "coef.txt"\nwarmup = 1\n', {"coef.txt": b"3 4"})
    write_model(root, "neg", 1, 'loader = "negate"\nwarmup = 2\n[options]\nscale = 10\n')
    repo = ModelRepository(root)
    assert repo.served("line") == [1] and repo.served("neg") == [1]
    line = load_model(repo.manifest("line"))
    assert line.model(2) == 10.0 and line.memory == 16
    assert load_model(repo.manifest("neg")).model(3) == -30
    assert load_model(manifest_at(root, 'loader = "bare"\nwarmup = -4\n')).model(-4) == 4
    assert isinstance(loader_for("linear").__self__, Loader)  # type: ignore[attr-defined]


def test_entry_point_loaders_that_fail(tmp_path, loader_dist):
    unavailable(manifest_at(tmp_path, 'loader = "raising"\n'), "KeyError", "no weights")
    unavailable(manifest_at(tmp_path, 'loader = "missing"\n'), "cannot be imported", "no_such_loader_module")
    unavailable(manifest_at(tmp_path, 'loader = "weird"\n'), "neither a Loader nor a function")


def test_a_builtin_cannot_be_replaced_by_an_entry_point(loader_dist):
    assert loader_for("onnx") is BUILTINS["onnx"]


def test_without_the_distribution_the_loader_is_unknown(tmp_path):
    with pytest.raises(PoolError, match="unknown loader 'linear'"):
        manifest_at(tmp_path, 'loader = "linear"\n')
    with pytest.raises(ModelUnavailable, match="no loader named 'linear'"):
        loader_for("linear")


def test_a_loader_returning_something_that_is_not_a_model(tmp_path):
    repo = ModelRepository()
    repo.register("odd", lambda manifest: 42, factory=True)
    unavailable(repo.manifest("odd"), "cannot be called")


def test_loads_on_several_threads_at_once(model_repo, iris, iris_classifier):
    """The pool loads in background threads: loads of different models at the same time all work."""
    repo = ModelRepository(model_repo)
    X, _ = iris
    keys = [("mul", 1), ("iris", 2), ("iris", 3), ("embed", 1), ("sqrt", 1), ("sigmoid", 2), ("broken", 1)]
    results: dict[tuple[str, int], object] = {}

    def load(key: tuple[str, int]) -> None:
        try:
            results[key] = load_model(repo.manifest(*key))
        except ModelUnavailable as exc:
            results[key] = exc

    threads = [threading.Thread(target=load, args=(key,)) for key in keys]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert isinstance(results[("broken", 1)], ModelUnavailable)
    loaded = {key: r for key, r in results.items() if isinstance(r, Loaded)}
    assert len(loaded) == len(keys) - 1
    assert np.array_equal(loaded[("mul", 1)].model(np.ones((3, 2))), MUL)
    assert np.array_equal(loaded[("iris", 2)].model(X)[0], iris_classifier.predict(X))
    assert np.array_equal(loaded[("iris", 3)].model(X), iris_classifier.predict_proba(X))
    assert loaded[("embed", 1)].model(["x"]).shape == (1, 256) and loaded[("sqrt", 1)].model(4.0) == 2.0

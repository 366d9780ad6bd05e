"""The example extensions in examples/extensions/, run for real: the iris instrument on the
pool manager's iris model (a scikit-learn classifier trained at test time) and the word
stats motif's command and status item."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from symphony.errors import ExtensionFailed, PermissionDenied
from symphony.extensions import ExtensionState, read_extension_manifest
from symphony.pool import Pool

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "extensions"
SPECIES = ["setosa", "versicolor", "virginica"]


@pytest.fixture
def iris_repo(tmp_path, write_model, iris_pickle):
    root = tmp_path / "models"
    write_model(root, "iris", 1, 'loader = "sklearn"\nfile = "iris.pkl"\n', {"iris.pkl": iris_pickle})
    write_model(root, "iris-proba", 1, 'loader = "sklearn"\nfile = "iris.pkl"\n[options]\nmethod = "predict_proba"\n',
                {"iris.pkl": iris_pickle})
    return root


@pytest.fixture
def pool(node, iris_repo):
    p = Pool(node, iris_repo, prewarm=False)
    yield p
    p.close()


def classify(manager, row, **context):
    return manager.run_instrument("symphony.iris-instrument",
                                  {"kind": "classify", "input": row, "context": context})


def test_iris_instrument_classifies_like_the_model(host, pool, iris, iris_classifier):
    X, y = iris
    manager = host(dirs=[EXAMPLES], pool=pool)
    assert [m.id for m in manager.instruments("classify")] == ["symphony.iris-instrument"]
    assert manager.info("symphony.iris-instrument").state is ExtensionState.ENABLED  # not loaded before a task
    rows = X[::10]
    expected = iris_classifier.predict(rows)
    for row, want in zip(rows.tolist(), expected):
        got = classify(manager, row)
        assert got == {"label": SPECIES[want], "score": 1.0, "model": "iris"}
    assert classify(manager, {"features": [5.1, 3.5, 1.4, 0.2]})["label"] == "setosa"
    proba = classify(manager, X[100].tolist(), model="iris-proba")
    assert proba["label"] == SPECIES[iris_classifier.predict(X[100:101])[0]] and 0.5 < proba["score"] <= 1.0
    snapshot = manager.info("symphony.iris-instrument")
    assert snapshot.state is ExtensionState.ACTIVATED and snapshot.activations == 1 and snapshot.errors == 0


def test_iris_instrument_bad_input_fails_and_recovers(host, pool):
    manager = host(dirs=[EXAMPLES], pool=pool)
    with pytest.raises(ExtensionFailed, match="four finite measurements"):
        classify(manager, [1, 2, 3])
    assert classify(manager, [6.7, 3.0, 5.2, 2.3])["label"] == "virginica"


def test_iris_instrument_without_the_models_permission(tmp_path, host, pool):
    copy = tmp_path / "exts" / "iris-instrument"
    shutil.copytree(EXAMPLES / "iris-instrument", copy, ignore=shutil.ignore_patterns("__pycache__"))
    toml = copy / "extension.toml"
    toml.write_text(toml.read_text().replace('permissions = ["models"]', "permissions = []"))
    assert read_extension_manifest(copy).permissions == frozenset()
    events: list[dict] = []
    manager = host(dirs=[tmp_path / "exts"], pool=pool, on_event=events.append)
    with pytest.raises(ExtensionFailed) as info:
        classify(manager, [5.1, 3.5, 1.4, 0.2])
    assert isinstance(info.value.__cause__, PermissionDenied)
    assert [e["permission"] for e in events if e["event"] == "permission_denied"] == ["models"]
    assert pool.statistics()["models"] == []  # the model was never touched


def test_word_stats_motif(host):
    events: list[dict] = []
    manager = host(dirs=[EXAMPLES], on_event=events.append)
    contributions = manager.contributions()
    assert contributions["commands"] == [{"id": "wordstats.count", "title": "Count words", "key": "ctrl+shift+w",
                                          "extension": "symphony.word-stats"}]
    assert contributions["keybindings"] == [{"command": "wordstats.count", "key": "ctrl+shift+w",
                                             "extension": "symphony.word-stats"}]
    assert manager.status() == {"wordstats.words": "words: ?"}
    assert manager.run_command("wordstats.count", {"text": "one two  three\nfour"}) == {"words": 4, "lines": 2}
    assert manager.status() == {"wordstats.words": "words: 4"}
    assert manager.run_command("wordstats.count", {"text": "a b c", "selection": "just this"})["words"] == 2
    assert manager.contributions()["status_items"][0]["text"] == "words: 2"
    assert manager.run_command("wordstats.count")["words"] == 0
    assert [e["text"] for e in events if e["event"] == "status"] == ["words: 4", "words: 2", "words: 0"]
    assert all(e["alignment"] == "right" for e in events if e["event"] == "status")


def test_snippet_stats_js_through_the_host(host):
    """The JavaScript operator (helper E2's example), reached through the host: lazily started
    in a process of its own by ``call_operator``, its signature checked first."""
    if shutil.which("node") is None:
        pytest.skip("node is not installed")
    manager = host(dirs=[EXAMPLES])
    snippet = "def f(x):\n    # double it\n    return 2 * x\n"
    assert manager.info("symphony.snippet-stats-js").state is ExtensionState.ENABLED
    stats = manager.call_operator("snippet-stats", {"text": snippet})
    assert isinstance(stats, dict) and stats["lines"] == 3
    assert manager.info("symphony.snippet-stats-js").state is ExtensionState.ACTIVATED
    with pytest.raises(ExtensionFailed, match="bad input for operator snippet-stats"):
        manager.call_operator("snippet-stats", {"text": 3})
    manager.disable("symphony.snippet-stats-js")
    assert manager.info("symphony.snippet-stats-js").state is ExtensionState.DISABLED

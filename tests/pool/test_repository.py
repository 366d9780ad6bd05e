"""The model repository on a real directory: versions, policies, bad manifests, code registration."""

from __future__ import annotations

import math
import os
import threading

import pytest

from symphony.errors import ModelManifestError, ModelNotFound
from symphony.pool._manifest import ModelManifest, VersionPolicy
from symphony.pool._repository import ModelRepository

from .conftest import MODEL_REPO_SERVED


def test_the_fixture_repository_serves_what_its_docstring_says(model_repo, model_repo_served):
    repo = ModelRepository(model_repo)
    assert repo.names() == sorted(MODEL_REPO_SERVED) == sorted(model_repo_served)
    assert {name: repo.served(name) for name in repo.names()} == model_repo_served


def test_versions_hold_manifests_and_reasons(model_repo):
    repo = ModelRepository(str(model_repo))
    versions = repo.versions("iris")
    assert list(versions) == [1, 2, 3] and all(isinstance(m, ModelManifest) for m in versions.values())
    m3 = versions[3]
    assert isinstance(m3, ModelManifest)
    assert (m3.loader, m3.file, m3.options, m3.path) == ("sklearn", "iris.pkl", {"method": "predict_proba"},
                                                         model_repo / "iris" / "3")
    staged = repo.versions("staged")
    assert isinstance(staged[1], ModelManifest) and isinstance(staged[2], ModelManifestError)
    assert "memory" in str(staged[2]) and "'staged' version 2" in str(staged[2])


def test_policy_per_model(model_repo):
    repo = ModelRepository(model_repo)
    assert repo.policy("iris") == VersionPolicy("latest", 2)
    assert repo.policy("sigmoid").kind == "all"
    assert repo.policy("mul") == VersionPolicy()


def test_manifest_lookup(model_repo):
    repo = ModelRepository(model_repo)
    assert repo.manifest("iris").version == 3
    assert repo.manifest("iris", 2).loader == "onnx"
    assert repo.manifest("staged").version == 1  # the broken version 2 leaves version 1 served
    with pytest.raises(ModelNotFound, match="version policy latest:2"):
        repo.manifest("iris", 1)  # exists, valid, not served
    with pytest.raises(ModelNotFound, match="no version 9"):
        repo.manifest("iris", 9)
    with pytest.raises(ModelNotFound, match="no model named 'nope'"):
        repo.manifest("nope")
    with pytest.raises(ModelManifestError, match="memory"):
        repo.manifest("staged", 2)
    with pytest.raises(ModelManifestError, match="unknown loader 'tensorflow'"):
        repo.manifest("badmanifest")
    for call in (repo.versions, repo.served, repo.policy):
        with pytest.raises(ModelNotFound):
            call("nope")


def test_index_says_why_each_version_is_not_served(model_repo):
    rows = ModelRepository(model_repo).index()
    assert rows == sorted(rows, key=lambda r: (r["name"], r["version"]))
    by = {(r["name"], r["version"]): r["reason"] for r in rows}
    assert by[("iris", 3)] == "" and by[("iris", 2)] == "" and by[("embed", 1)] == ""
    assert by[("iris", 1)] == "not served under version policy latest:2"
    assert "unknown loader" in by[("badmanifest", 1)] and "memory" in by[("staged", 2)]
    assert by[("broken", 1)] == ""  # the manifest is fine; its file fails only when loaded
    assert set(rows[0]) == {"name", "version", "reason"}


def test_non_integer_version_directories_are_ignored_with_a_reason(model_repo):
    for odd in ("0", "01", "-1", "1.0", "v2", "latest", "9" * 25):
        (model_repo / "mul" / odd).mkdir()
    (model_repo / "mul" / "README").write_text("a file, not a version")
    (model_repo / ".cache").mkdir()
    (model_repo / "stray-file").write_text("x")
    repo = ModelRepository(model_repo)
    assert list(repo.versions("mul")) == [1]
    reasons = dict(repo.ignored())
    for odd in ("0", "01", "-1", "1.0", "v2", "latest", "9" * 25):
        assert "is not a version" in reasons[str(model_repo / "mul" / odd)]
    assert "is not a version" in reasons[str(model_repo / "iris" / "notes")]
    assert ".cache" not in repo.names() and "stray-file" not in repo.names()


def test_a_non_utf8_model_directory_is_ignored_with_a_reason(model_repo):
    os.mkdir(os.path.join(os.fsencode(model_repo), b"bad\xffname"))
    repo = ModelRepository(model_repo)
    assert [reason for path, reason in repo.ignored() if "UTF-8" in reason]
    assert repo.served("mul") == [1]


def test_manifest_files_that_cannot_be_read(model_repo, write_model):
    write_model(model_repo, "latin1", 1, "")
    (model_repo / "latin1" / "1" / "model.toml").write_bytes('loader = "python"\ndevice = "caf\xe9"\n'.encode("latin-1"))
    (model_repo / "nomanifest" / "1").mkdir(parents=True)
    (model_repo / "dirmanifest" / "1" / "model.toml").mkdir(parents=True)
    write_model(model_repo, "huge", 1, 'loader = "python"\n' + "# padding\n" * 200_000)
    repo = ModelRepository(model_repo)
    for name, words in [("latin1", "not valid UTF-8"), ("nomanifest", "no model.toml"),
                        ("dirmanifest", "cannot read model.toml"), ("huge", "larger than")]:
        error = repo.versions(name)[1]
        assert isinstance(error, ModelManifestError) and words in str(error), (name, error)
        assert repo.served(name) == []


@pytest.mark.parametrize("config, words", [
    ('version_policy = "newest"', "version_policy 'newest'"),
    ("version_policy = 2", "version_policy"),
    ('policy = "all"', "unknown field"),
    ('version_policy = "all', "not valid TOML"),
    (b'version_policy = "\xff"', "not valid UTF-8"),
    ("version_policy = " + "[" * 100_000 + "]" * 100_000, "nested too deeply"),
])
def test_a_bad_config_toml_serves_nothing_of_that_model_and_says_why(model_repo, config, words):
    path = model_repo / "sigmoid" / "config.toml"
    path.write_bytes(config if isinstance(config, bytes) else config.encode())
    repo = ModelRepository(model_repo)
    assert repo.served("sigmoid") == [] and list(repo.versions("sigmoid")) == [1, 2]
    with pytest.raises(ModelManifestError, match="config.toml"):
        repo.policy("sigmoid")
    with pytest.raises(ModelManifestError, match="config.toml"):
        repo.manifest("sigmoid", 1)
    assert all(words in r["reason"] for r in repo.index() if r["name"] == "sigmoid")
    assert repo.served("mul") == [1] and repo.served("iris") == [2, 3]  # the others are untouched


def test_an_empty_config_toml_is_the_default_policy(model_repo):
    (model_repo / "sigmoid" / "config.toml").write_text("")
    assert ModelRepository(model_repo).served("sigmoid") == [2]


def test_specific_policy_naming_a_bad_version_reports_its_manifest_error(model_repo):
    (model_repo / "staged" / "config.toml").write_text('version_policy = "specific:2"\n')
    repo = ModelRepository(model_repo)
    assert repo.served("staged") == []
    with pytest.raises(ModelManifestError, match="memory"):
        repo.manifest("staged")
    (model_repo / "staged" / "config.toml").write_text('version_policy = "specific:5"\n')
    repo.scan()
    with pytest.raises(ModelNotFound, match="specific:5"):
        repo.manifest("staged")


def test_scan_sees_new_versions_and_removed_models(model_repo, write_model, onnx_datasets):
    repo = ModelRepository(model_repo)
    write_model(model_repo, "mul", 2, 'loader = "onnx"\nfile = "m.onnx"\n', {"m.onnx": onnx_datasets / "mul_1.onnx"})
    assert repo.served("mul") == [1]  # nothing changes until a scan
    repo.scan()
    assert repo.served("mul") == [2] and repo.manifest("mul").version == 2
    os.rename(model_repo / "sqrt", model_repo / ".sqrt-removed")
    repo.scan()
    assert "sqrt" not in repo.names()


def test_a_missing_root_raises_oserror():
    with pytest.raises(OSError):
        ModelRepository("/nonexistent/symphony-models")


def test_no_root_is_an_empty_repository_for_code_models():
    repo = ModelRepository()
    assert repo.names() == [] and repo.index() == [] and repo.ignored() == []
    repo.scan()
    repo.register("double", lambda x: 2 * x)
    assert repo.names() == ["double"] and repo.manifest("double").target(21) == 42


def test_register_in_code(model_repo):
    repo = ModelRepository(model_repo)
    m = repo.register("cube", lambda x: x ** 3, version=2, memory="1KiB", max_leases=3, warmup=2)
    assert (m.name, m.version, m.loader, m.memory, m.max_leases, m.warmup, m.source, m.path) == \
        ("cube", 2, "python", 1024, 3, 2, "code", None)
    assert m.options == {"factory": False} and m.target(3) == 27
    assert repo.manifest("cube") is m and repo.served("cube") == [2]
    assert {"name": "cube", "version": 2, "reason": ""} in repo.index()
    repo.scan()
    assert repo.manifest("cube") is m  # registrations survive a scan


def test_register_replaces_the_same_name_and_version():
    repo = ModelRepository()
    repo.register("f", abs)
    second = repo.register("f", math.floor)
    assert repo.manifest("f") is second and list(repo.versions("f")) == [1]
    repo.register("f", math.ceil, version=2)
    assert repo.served("f") == [2] and list(repo.versions("f")) == [1, 2]


def test_a_code_registration_wins_over_the_directory_version(model_repo):
    repo = ModelRepository(model_repo)
    m = repo.register("mul", abs, version=1)
    assert repo.manifest("mul", 1) is m
    assert repo.unregister("mul", 1) and repo.manifest("mul", 1).loader == "onnx"
    assert not repo.unregister("mul", 1)


def test_code_registration_joins_the_directory_versions_under_its_policy(model_repo):
    repo = ModelRepository(model_repo)
    repo.register("iris", abs, version=4)
    assert repo.served("iris") == [3, 4]


def test_a_factory_registration():
    repo = ModelRepository()
    m = repo.register("made", lambda manifest: (lambda x: (manifest.name, x)), factory=True)
    assert m.options == {"factory": True}


@pytest.mark.parametrize("kwargs, words", [
    ({"name": ""}, "non-empty"), ({"name": "a/b"}, "'/'"), ({"name": 3}, "non-empty"),
    ({"name": "x\udcff"}, "UTF-8"),
    ({"version": 0}, "version"), ({"version": True}, "version"), ({"version": "1"}, "version"),
    ({"version": 2**64}, "version"),
    ({"memory": -1}, "negative"), ({"memory": float("nan")}, "NaN"), ({"memory": "lots"}, "not a size"),
    ({"memory": 2**80}, "more than"),
    ({"max_leases": -1}, "max_leases"), ({"max_leases": 1.5}, "max_leases"), ({"max_leases": 2**40}, "max_leases"),
    ({"model": 42}, "callable"), ({"factory": "yes"}, "factory"),
])
def test_register_refuses_bad_input_and_changes_nothing(kwargs, words):
    repo = ModelRepository()
    repo.register("keep", abs)
    args = {"name": "new", "model": abs} | kwargs
    name, model = args.pop("name"), args.pop("model")
    with pytest.raises(ModelManifestError) as info:
        repo.register(name, model, **args)
    assert words in str(info.value)
    assert repo.names() == ["keep"]


def test_unregister():
    repo = ModelRepository()
    repo.register("f", abs)
    repo.register("f", abs, version=2)
    assert repo.unregister("f") and repo.names() == [] and not repo.unregister("f")
    assert "f" not in repo


def test_readers_see_a_whole_scan(model_repo, write_model):
    """A reader on another thread always sees a consistent repository while scans run."""
    repo = ModelRepository(model_repo)
    stop = threading.Event()
    seen: list[object] = []

    def read() -> None:
        while not stop.is_set():
            try:
                assert repo.served("iris") in ([2, 3], [3, 4])
                seen.append(repo.manifest("iris").version)
            except AssertionError as exc:  # pragma: no cover - the failure this test looks for
                seen.append(exc)
                return

    reader = threading.Thread(target=read)
    reader.start()
    try:
        for i in range(20):
            if i == 10:
                write_model(model_repo, "iris", 4, 'loader = "python"\n[options]\nentry = "math:fabs"\n')
            repo.scan()
    finally:
        stop.set()
        reader.join()
    assert seen and not [s for s in seen if isinstance(s, AssertionError)]
    assert repo.served("iris") == [3, 4]


def test_a_stored_manifest_error_is_raised_as_a_new_error_each_time(model_repo):
    repo = ModelRepository(model_repo)
    errors = []
    for _ in range(2):
        with pytest.raises(ModelManifestError) as info:
            repo.manifest("badmanifest")
        errors.append(info.value)
    stored = repo.versions("badmanifest")[1]
    assert errors[0] is not errors[1] and str(errors[0]) == str(errors[1]) == str(stored)
    assert stored.__traceback__ is None  # the stored reason keeps no frames alive


def test_a_dangling_or_looping_model_toml_symlink_is_that_versions_reason(model_repo):
    for name, target in (("dangling", "nowhere.toml"), ("looping", "model.toml")):
        version = model_repo / name / "1"
        version.mkdir(parents=True)
        os.symlink(target, version / "model.toml")
    os.symlink("config.toml", model_repo / "mul" / "config.toml")  # a config.toml that loops
    repo = ModelRepository(model_repo)
    for name in ("dangling", "looping"):
        assert "cannot read model.toml" in str(repo.versions(name)[1])
    assert "cannot read config.toml" in str(pytest.raises(ModelManifestError, repo.policy, "mul").value)
    assert repo.served("iris") == [2, 3]


def test_symlink_loops_among_models_and_versions_are_skipped(model_repo):
    os.symlink("loop", model_repo / "loop")
    os.symlink("9", model_repo / "mul" / "9")
    repo = ModelRepository(model_repo)
    assert "loop" not in repo.names() and list(repo.versions("mul")) == [1]

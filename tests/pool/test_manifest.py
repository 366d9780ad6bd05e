"""model.toml manifests, version policies and size figures: every field valid and invalid."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from symphony.errors import ModelManifestError, PoolError
from symphony.pool._manifest import MAX_LEASES, ModelManifest, VersionPolicy, parse_manifest
from symphony.pool._memory import MAX_SIZE, parse_size, rss_bytes


def parse(text: str, path: Path | None = None, **kw: object) -> ModelManifest:
    name, version = kw.pop("name", "m"), kw.pop("version", 1)
    return parse_manifest(text, name=name, version=version, path=path, **kw)  # type: ignore[arg-type]


def bad(text: str, *words: str, path: Path | None = None, **kw: object) -> ModelManifestError:
    with pytest.raises(ModelManifestError) as info:
        parse(text, path, **kw)
    message = str(info.value)
    for word in words:
        assert word in message, message
    return info.value


FULL = '''
loader = "onnx"
file = "model.onnx"
memory = "64MB"
device = "cpu"
max_leases = 4
warmup = [[5.1, 3.5, 1.4, 0.2]]
[options]
intra_op_num_threads = 2
'''


def test_a_full_manifest_gives_every_field(tmp_path):
    m = parse(FULL, tmp_path, name="iris", version=3)
    assert (m.name, m.version, m.loader, m.file, m.memory, m.device, m.max_leases) == \
        ("iris", 3, "onnx", "model.onnx", 64_000_000, "cpu", 4)
    assert m.warmup == [[5.1, 3.5, 1.4, 0.2]] and m.options == {"intra_op_num_threads": 2}
    assert m.path == tmp_path and m.file_path == tmp_path / "model.onnx" and m.source == "repository"
    assert m.label == "iris/3" and m.target is None


def test_defaults_of_a_minimal_manifest():
    m = parse('loader = "python"\n[options]\nentry = "math:sqrt"\n')
    assert (m.file, m.memory, m.device, m.max_leases, m.warmup, m.path, m.file_path) == \
        (None, 0, "cpu", 0, None, None, None)


def test_the_manifest_is_frozen():
    m = parse('loader = "python"\n')
    with pytest.raises(AttributeError):
        m.memory = 5  # type: ignore[misc]


def test_errors_are_pool_errors_and_value_errors():
    err = bad('loader = 1', "model 'm' version 1", "loader")
    assert isinstance(err, PoolError) and isinstance(err, ValueError)


@pytest.mark.parametrize("text, words", [
    ("", ["'loader' is required"]),
    ('file = "x.onnx"', ["'loader' is required"]),
    ("loader = 3", ["loader", "3"]),
    ('loader = ""', ["loader"]),
    ('loader = ["onnx"]', ["loader"]),
    ('loader = "tensorflow"', ["unknown loader 'tensorflow'", "onnx", "sklearn", "wordllama"]),
    ('loader = "onnx"', ["needs a 'file'"]),
    ('loader = "sklearn"', ["needs a 'file'"]),
    ('loader = "python"\nlodaer = "x"', ["unknown field", "'lodaer'"]),
    ('loader = "python"\nname = "m"', ["unknown field", "'name'"]),
])
def test_loader_field(text, words):
    bad(text, *words)


@pytest.mark.parametrize("value, reason", [
    ('"../outside.onnx"', "inside the version directory"),
    ('"sub/../../x.onnx"', "inside the version directory"),
    ('"/etc/passwd"', "inside the version directory"),
    ('"..\\\\x.onnx"', "inside the version directory"),
    ('""', "non-empty"),
    ('"   "', "non-empty"),
    ("5", "non-empty"),
    ('"a\\u0000b"', "non-empty"),
    ("[\"a\"]", "non-empty"),
])
def test_file_must_stay_inside_the_version_directory(tmp_path, value, reason):
    bad(f'loader = "onnx"\nfile = {value}\n', "file", reason, path=tmp_path)


def test_a_file_in_a_subdirectory_is_fine(tmp_path):
    assert parse('loader = "onnx"\nfile = "sub/model.onnx"\n', tmp_path).file_path == tmp_path / "sub" / "model.onnx"


def test_a_symlink_pointing_out_is_refused(tmp_path):
    version = tmp_path / "m" / "1"
    version.mkdir(parents=True)
    secret = tmp_path / "secret.onnx"
    secret.write_bytes(b"x")
    os.symlink(secret, version / "model.onnx")
    bad('loader = "onnx"\nfile = "model.onnx"\n', "symlink", path=version)
    (version / "inside.onnx").write_bytes(b"x")
    os.symlink(version / "inside.onnx", version / "alias.onnx")
    assert parse('loader = "onnx"\nfile = "alias.onnx"\n', version).file == "alias.onnx"


def test_a_symlinked_subdirectory_pointing_out_is_refused(tmp_path):
    version = tmp_path / "v"
    version.mkdir()
    os.symlink(tmp_path, version / "up")
    bad('loader = "onnx"\nfile = "up/x.onnx"\n', "outside", path=version)


@pytest.mark.parametrize("value, expected", [
    ("0", 0), ("1234", 1234), ('"64MB"', 64_000_000), ('"64 mb"', 64_000_000), ('"1.5GiB"', 3 * 2**29),
    ('"2KiB"', 2048), ('"3kb"', 3000), ('"7"', 7), ('"7B"', 7), ('"1TB"', 10**12), (str(MAX_SIZE), MAX_SIZE),
])
def test_memory_valid(value, expected):
    assert parse(f'loader = "python"\nmemory = {value}\n').memory == expected


@pytest.mark.parametrize("value, word", [
    ("-1", "negative"), ('"-5MB"', "not a size"), ("nan", "NaN"), ("inf", "inf"), ("1.5", "1.5"),
    ('"64XB"', "not a size"), ('"MB"', "not a size"), ('"lots"', "not a size"), ("true", "True"),
    ("[1]", "size"), (str(MAX_SIZE + 1), "more than"), ('"99999999999999999999999TB"', "more than"),
    ('"' + "9" * 5000 + '"', "not a size"),
])
def test_memory_invalid(value, word):
    bad(f'loader = "python"\nmemory = {value}\n', "memory", word)


@pytest.mark.parametrize("value", ['"cpu"', '"cuda"', '"cuda:0"'])
def test_device_valid(value):
    assert parse(f'loader = "python"\ndevice = {value}\n').device == value.strip('"')


@pytest.mark.parametrize("value", ['""', "0", '"c p u"', '"' + "x" * 100 + '"', '"\\u00e9"', '"-gpu"'])
def test_device_invalid(value):
    bad(f'loader = "python"\ndevice = {value}\n', "device")


@pytest.mark.parametrize("value, expected", [("0", 0), ("1", 1), (str(MAX_LEASES), MAX_LEASES)])
def test_max_leases_valid(value, expected):
    assert parse(f'loader = "python"\nmax_leases = {value}\n').max_leases == expected


@pytest.mark.parametrize("value", ["-1", str(MAX_LEASES + 1), "1.0", '"4"', "true", str(2**70)])
def test_max_leases_invalid(value):
    bad(f'loader = "python"\nmax_leases = {value}\n', "max_leases")


@pytest.mark.parametrize("value, expected", [
    ("[[1, 2.5]]", [[1, 2.5]]), ('["a", "b"]', ["a", "b"]), ("3", 3), ('{x = [1], y = "s"}', {"x": [1], "y": "s"}),
    ("true", True),
])
def test_warmup_valid(value, expected):
    assert parse(f'loader = "python"\nwarmup = {value}\n').warmup == expected


@pytest.mark.parametrize("value", ["1979-05-27", "[nan]", "inf", "[[1, 2], [3, 1979-05-27T07:32:00Z]]", "12:30:00"])
def test_warmup_invalid(value):
    bad(f'loader = "python"\nwarmup = {value}\n', "warmup", "JSON-like")


@pytest.mark.parametrize("loader, options", [
    ("onnx", "intra_op_num_threads = 4\ninter_op_num_threads = 1"),
    ("sklearn", 'method = "predict_proba"'),
    ("python", 'entry = "pkg.mod:Class.attr"\nfactory = true'),
    ("wordllama", 'config = "l2_supercat"\ndim = 256'),
])
def test_options_valid(loader, options):
    m = parse(f'loader = "{loader}"\nfile = "f"\n[options]\n{options}\n')
    assert m.options and all(isinstance(k, str) for k in m.options)


@pytest.mark.parametrize("loader, options, words", [
    ("onnx", "threads = 4", ["no option 'threads'", "intra_op_num_threads"]),
    ("onnx", "intra_op_num_threads = 0", ["from 1 to 1024"]),
    ("onnx", "intra_op_num_threads = 100000", ["from 1 to 1024"]),
    ("onnx", 'intra_op_num_threads = "2"', ["must be int"]),
    ("onnx", "intra_op_num_threads = true", ["must be int"]),
    ("sklearn", "method = 1", ["must be str"]),
    ("python", 'entry = "no colon"', ["module:attr"]),
    ("python", 'entry = "os:system; rm"', ["module:attr"]),
    ("python", 'factory = "yes"', ["must be bool"]),
])
def test_options_invalid(loader, options, words):
    bad(f'loader = "{loader}"\nfile = "f"\n[options]\n{options}\n', *words)


def test_options_must_be_a_table():
    bad('loader = "python"\noptions = 3\n', "options must be a table")


def test_an_entry_point_loader_takes_any_json_like_options():
    m = parse('loader = "custom"\n[options]\nanything = [1, "x"]\n', loaders={"custom"})
    assert m.options == {"anything": [1, "x"]}
    bad('loader = "custom"\n[options]\nwhen = 1979-05-27\n', "JSON-like", loaders={"custom"})


@pytest.mark.parametrize("text", [
    "loader = ", 'loader = "onnx', "[options\n", "a = 1\na = 2", "\x00", "loader = 'x'\n[[x]]\nx = 1",
])
def test_bad_toml(text):
    bad(text, "model 'm' version 1")


def test_a_lone_surrogate_in_the_text_is_refused():
    bad('loader = "python"\ndevice = "\ud800"\n', "UTF-8")
    bad('loader = "py\udcffthon"\n', "UTF-8")


def test_text_that_is_not_a_string_is_refused():
    bad(b'loader = "python"', "must be text")  # type: ignore[arg-type]


@pytest.mark.parametrize("name", ["", "a/b", "..", ".", "a\\b", "tab\there", "x" * 256, "\udcff", 5, None])
def test_bad_model_names(name):
    bad('loader = "python"\n', name=name)


@pytest.mark.parametrize("version", [0, -1, 2**63, True, "1", 1.0, None])
def test_bad_versions(version):
    bad('loader = "python"\n', "version", version=version)


def test_unicode_names_and_text_are_fine():
    m = parse('loader = "python"\nwarmup = "héllo → 世界"\n', name="modèle-世界")
    assert m.name == "modèle-世界" and m.warmup == "héllo → 世界"


# -- version policies --------------------------------------------------------------------------

@pytest.mark.parametrize("text, kind, n, versions, available, selected", [
    ("latest", "latest", 1, (), [1, 2, 3], [3]),
    ("latest:2", "latest", 2, (), [3, 1, 2], [2, 3]),
    ("latest:10", "latest", 10, (), [1, 2], [1, 2]),
    (" latest : 2 ", "latest", 2, (), [1, 5, 9], [5, 9]),
    ("all", "all", 0, (), [4, 2, 2], [2, 4]),
    ("specific:1,3", "specific", 0, (1, 3), [1, 2, 3], [1, 3]),
    ("specific:3,1,3", "specific", 0, (1, 3), [2, 3], [3]),
    ("specific:7", "specific", 0, (7,), [1, 2], []),
    ("latest", "latest", 1, (), [], []),
])
def test_version_policies(text, kind, n, versions, available, selected):
    policy = VersionPolicy.parse(text)
    assert (policy.kind, policy.n, policy.versions) == (kind, n, versions)
    assert policy.select(available) == selected
    assert VersionPolicy.parse(str(policy)) == policy


@pytest.mark.parametrize("text", [
    "", "newest", "latest:0", "latest:-1", "latest:x", "latest:1.5", "latest:", "all:2", "specific",
    "specific:", "specific:1,,2", "specific:0", "specific:a", "specific:01", "latest:" + "9" * 40, 3, None,
    "x" * 5000, "latest:\ud800",
])
def test_bad_version_policies(text):
    with pytest.raises(ModelManifestError, match="version_policy"):
        VersionPolicy.parse(text)


def test_the_default_policy_is_latest_one():
    assert VersionPolicy() == VersionPolicy.parse("latest") and str(VersionPolicy()) == "latest:1"


# -- sizes and RSS -----------------------------------------------------------------------------

def test_parse_size():
    assert parse_size("64MB") == 64_000_000 and parse_size("64MiB") == 64 * 2**20 and parse_size(5) == 5
    assert parse_size(" 0.5 kib ") == 512 and parse_size("1GB") == 10**9
    for wrong in (-1, "-1", 1.5, True, None, "1e9", "0x10", "1,000", "12 parsecs"):
        with pytest.raises(ValueError):
            parse_size(wrong)  # type: ignore[arg-type]


def test_rss_grows_when_memory_is_touched():
    before = rss_bytes()
    block = bytearray(64 * 2**20)  # zero pages: touch them so they are resident
    for i in range(0, len(block), 4096):
        block[i] = 1
    assert rss_bytes() - before >= 32 * 2**20
    del block


@pytest.mark.parametrize("text", [
    'loader = "python"\nwarmup = ' + "[" * 100_000 + "]" * 100_000,
    'loader = "python"\nwarmup = ' + "{a=" * 5000 + "1" + "}" * 5000,
])
def test_deeply_nested_toml_is_a_manifest_error_not_a_recursion_error(text):
    bad(text, "nested too deeply")


def test_a_deeply_nested_model_toml_in_a_repository_is_that_versions_reason(tmp_path, write_model):
    write_model(tmp_path, "deep", 1, 'loader = "python"\nwarmup = ' + "[" * 100_000 + "]" * 100_000)
    write_model(tmp_path, "fine", 1, 'loader = "python"\n[options]\nentry = "math:sqrt"\n')
    from symphony.pool._repository import ModelRepository
    repo = ModelRepository(tmp_path)
    assert "nested too deeply" in str(repo.versions("deep")[1]) and repo.served("fine") == [1]

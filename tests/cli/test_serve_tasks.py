"""``symphony serve`` with the real conductor and extension host, driven over the frontend
protocol by a real client: the example extensions (the iris instrument on a pool model, the
word-stats motif) through ``task_kinds``, ``run_task``, ``task_feedback``,
``extension_contributions`` and ``run_extension_command``; a bad ``--conductor-config`` leaves
the editor serving without tasks."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conductor.conftest import iris_model_bytes, iris_repo  # noqa: F401 - fixtures
from tests.rpc.xi_client import XiClient

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "extensions"
TASK_ERROR = -32002


def _serve(tmp_path: Path, *extra: str) -> XiClient:
    client = XiClient([sys.executable, "-m", "symphony", "serve", "--no-plugins", "--conductor-store",
                       str(tmp_path / "store"), "--ext-home", str(tmp_path / "ext-home"), *extra])
    client.request("client_started", {})
    return client


def _wait(condition, what: str):
    deadline = time.monotonic() + 60
    while not (value := condition()):
        assert time.monotonic() < deadline, what
        time.sleep(0.02)
    return value


@pytest.fixture
def serving(tmp_path, iris_repo):  # noqa: F811 - the fixture imported above
    client = _serve(tmp_path, "--models", str(iris_repo), "--extensions", str(EXAMPLES))
    yield client
    assert client.close() == 0, client.stderr()
    assert client.bad_lines == []
    assert "Traceback" not in client.stderr(), client.stderr()


def test_tasks_and_commands_of_the_real_extensions_through_serve(serving, tmp_path):
    client = serving
    view = client.new_view()
    client.edit(view, "insert", {"chars": "[6.9, 3.1, 5.4, 2.1]"})
    # the motif's status item appears once the tasks are built in the background
    _wait(lambda: [m for m in client.notifications if m["method"] == "add_status_item"
                   and m["params"]["key"] == "wordstats.words"], "the word-stats status item")
    kinds = client.request("task_kinds", {})
    assert "classify" in kinds and "iris" in kinds  # the instrument's task; the pool model's name
    result = client.request("run_task", {"view_id": view, "kind": "classify"})
    assert result["output"]["label"] == "virginica"
    assert result["steps"]["classify"]["agent"] == "symphony.iris-instrument"
    progress = [m["params"] for m in client.notifications if m["method"] == "task_progress"]
    assert {p["task_id"] for p in progress} == {result["task_id"]}
    assert client.request("task_feedback", {"task_id": result["task_id"], "score": 1.0}) is None
    contributions = client.request("extension_contributions", {})
    assert "wordstats.count" in {c["id"] for c in contributions["commands"]}
    count = client.request("run_extension_command", {"view_id": view, "command": "wordstats.count"})
    assert count["words"] == 4
    _wait(lambda: [m for m in client.notifications if m["method"] == "update_status_item"
                   and m["params"]["value"] == "words: 4"], "the count in the status item")
    # hostile: unknown kind and command, a bad score; the core goes on serving
    for method, params in (("run_task", {"view_id": view, "kind": "nope"}),
                           ("run_extension_command", {"view_id": view, "command": "nope"}),
                           ("task_feedback", {"task_id": result["task_id"], "score": "high"})):
        assert client.request_raw(method, params)["error"]["code"] == -32602
    assert client.contents(view) == "[6.9, 3.1, 5.4, 2.1]"
    assert (tmp_path / "store" / "store.json").exists()  # results and the policy in the given store


def test_a_bad_conductor_config_leaves_the_editor_without_tasks(tmp_path):
    config = tmp_path / "conductor.toml"
    config.write_text("[[agents]]\nname = 'x'\nentry = 'no_such_module:f'\ntasks = ['t']\n")
    client = _serve(tmp_path, "--conductor-config", str(config))
    try:
        view = client.new_view()
        client.edit(view, "insert", {"chars": "still editing"})
        answer = client.request_raw("task_kinds", {})
        assert answer["error"]["code"] == TASK_ERROR and "no_such_module" in answer["error"]["message"]
        assert client.contents(view) == "still editing"
    finally:
        assert client.close() == 0


def test_no_tasks(tmp_path):
    client = _serve(tmp_path, "--no-tasks")
    try:
        answer = client.request_raw("task_kinds", {})
        assert answer["error"]["code"] == TASK_ERROR and "no tasks" in answer["error"]["message"]
    finally:
        assert client.close() == 0
    assert not (tmp_path / "store").exists()


def test_serve_refuses_a_config_that_is_not_toml(tmp_path):
    config = tmp_path / "conductor.toml"
    config.write_text("[[agents\n")
    out = subprocess.run([sys.executable, "-m", "symphony", "serve", "--conductor-config", str(config)],
                         input=b"", capture_output=True, timeout=120)
    assert out.returncode == 2 and b"not TOML" in out.stderr and b"Traceback" not in out.stderr


def test_symphony_edit_passes_its_task_options_to_the_core(tmp_path):
    """``symphony edit FILE --models ... --extensions ...`` starts ``symphony serve`` with the
    same options, as absolute paths (the core may run elsewhere); ``--no-tasks`` alone wins."""
    from symphony.cli import build_parser
    from symphony.cli.edit import serve_argv

    args = build_parser().parse_args(["edit", "notes.py", "--models", "models", "--extensions", "a",
                                      "--extensions", str(tmp_path), "--conductor-store", "store"])
    argv = serve_argv(args)
    assert argv[1:4] == ["-m", "symphony", "serve"]
    pairs = list(zip(argv[4::2], argv[5::2]))
    assert ("--models", os.path.abspath("models")) in pairs
    assert [v for k, v in pairs if k == "--extensions"] == [os.path.abspath("a"), str(tmp_path)]
    assert ("--conductor-store", os.path.abspath("store")) in pairs
    assert serve_argv(build_parser().parse_args(["edit", "x", "--no-tasks", "--models", "m"]))[4:] == ["--no-tasks"]

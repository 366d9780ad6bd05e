"""The frontend's ``plugin_rpc`` *request*: answered with the plugin's own result (our extension
of xi's protocol), with the raw-JSON plugin, through a real ``symphony serve`` and in process."""

from __future__ import annotations

import concurrent.futures
import json
import queue
import sys

import pytest

from symphony.errors import RpcError
from symphony.plugins import Budget
from tests.rpc.xi_client import XiClient

from .conftest import docs, make_plugin, received, wait_until

T = 30


def rpc(view, method, params, receiver="raw", rpc_type="request"):
    return {"command": "plugin_rpc", "view_id": view, "receiver": receiver,
            "rpc": {"method": method, "params": params, "rpc_type": rpc_type}}


def test_a_request_is_answered_with_the_plugins_result_over_the_wire(tmp_path, monkeypatch):
    log = make_plugin(str(tmp_path / "plugins"), "raw")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    client = XiClient([sys.executable, "-m", "symphony", "serve", "--plugin-dir", str(tmp_path / "plugins")])
    try:
        client.notify("client_started", {})
        view = client.new_view()
        assert wait_until(lambda: received(log, "initialize"))
        answer = client.request_raw("plugin", rpc(view, "echo", {"x": [1, "é"]}), timeout=T)
        assert answer["result"] == {"echo": {"x": [1, "é"]}, "view_id": view}
        [sent] = [m for m in received(log, "custom_command") if m["params"]["method"] == "echo"]
        assert "id" in sent  # the plugin got it as a request, as xi allows
        # the plugin's error is the frontend's error
        answer = client.request_raw("plugin", rpc(view, "fail", {}), timeout=T)
        assert answer["error"]["code"] == 7 and "refused" in answer["error"]["message"]
        # a notification still goes as one, unanswered by the plugin
        client.notify("plugin", rpc(view, "note", {"n": 1}, rpc_type="notification"))
        assert wait_until(lambda: [m for m in received(log, "custom_command") if m["params"]["method"] == "note"])
        assert all("id" not in m for m in received(log, "custom_command") if m["params"]["method"] == "note")
        # a plugin that never answers holds up nothing: edits and other requests go on
        never = rpc(view, "never", {})
        client.raw(b'{"id": "late", "method": "plugin", "params": ' + json.dumps(never).encode() + b"}\n")
        assert wait_until(lambda: [m for m in received(log, "custom_command") if m["params"]["method"] == "never"])
        client.edit(view, "insert", {"chars": "typed"})
        assert client.contents(view) == "typed"
        assert client.request_raw("plugin", rpc(view, "echo", 2), timeout=T)["result"]["echo"] == 2
        assert wait_until(lambda: docs(log, view)[-1:] == [(1, "typed")])
        # when the plugin stops, the request it never answered fails
        client.notify("plugin", {"command": "stop", "view_id": view, "plugin_name": "raw"})
        late = client.responses.setdefault("late", queue.Queue()).get(timeout=T)
        assert late["error"]["code"] == -32603
        assert client.contents(view) == "typed"  # the core keeps serving
    finally:
        assert client.close() == 0, client.stderr()


def test_hostile_plugin_requests_get_errors_and_change_nothing(make_core, tmp_path):
    log = make_plugin(str(tmp_path / "plugins"), "raw")
    core = make_core()
    core.start()
    view = core.open()
    assert wait_until(lambda: received(log, "initialize"))
    bad = [
        {"command": "plugin_rpc", "rpc": {"method": "echo", "rpc_type": "request"}, "receiver": "raw"},
        {"command": "plugin_rpc", "view_id": 5, "receiver": "raw", "rpc": {"method": "echo", "rpc_type": "request"}},
        rpc(view, "echo", {}, receiver="nope"),
        rpc("view-id-99", "echo", {}),
        {"command": "plugin_rpc", "view_id": view, "receiver": "raw", "rpc": {"method": 5, "rpc_type": "request"}},
        {"command": "plugin_rpc", "view_id": view, "receiver": ["raw"], "rpc": {"method": "e", "rpc_type": "request"}},
    ]
    for params in bad:
        with pytest.raises(RpcError) as info:
            core.core.handle_request("plugin", params)
        assert info.value.code == -32602
    # a request that is not plugin_rpc, or not rpc_type "request", is answered at once as before
    assert core.core.handle_request("plugin", rpc(view, "note", {}, rpc_type="notification")) is None
    with pytest.raises(RpcError):
        core.core.handle_request("plugin", {"command": "explode", "view_id": view, "rpc": {"rpc_type": "request"}})
    future = core.core.handle_request("plugin", rpc(view, "echo", {"deep": [[[]]] * 3}))
    assert future.result(T) == {"echo": {"deep": [[[]]] * 3}, "view_id": view}
    core.edit(view, "insert", {"chars": "ok"})
    assert wait_until(lambda: docs(log, view)[-1:] == [(1, "ok")])


def test_a_plugin_that_never_answers_times_out_and_one_that_exits_fails_the_request(make_core, tmp_path):
    log = make_plugin(str(tmp_path / "plugins"), "raw")
    core = make_core(Budget(backoff=0.01, request_timeout=0.5))
    core.start()
    view = core.open()
    assert wait_until(lambda: received(log, "initialize"))
    future = core.core.handle_request("plugin", rpc(view, "never", {}))
    with pytest.raises(RpcError) as info:
        future.result(T)
    assert "did not answer never" in info.value.message
    # the plugin exits instead of answering: the request fails (connection closed), it restarts
    future = core.core.handle_request("plugin", rpc(view, "exit", {}))
    with pytest.raises(RpcError):
        future.result(T)
    assert wait_until(lambda: len(received(log, "initialize")) == 2, T)
    assert core.core.handle_request("plugin", rpc(view, "echo", 1)).result(T)["echo"] == 1


def test_a_request_to_a_plugin_that_is_not_running_fails_at_once(make_core, tmp_path):
    log = make_plugin(str(tmp_path / "plugins"), "raw", mode="crash_once")
    core = make_core(Budget(backoff=5.0, max_backoff=5.0))
    core.start()
    view = core.open()
    assert wait_until(lambda: (tmp_path / "plugins" / "raw" / "log.jsonl.crashed").exists())
    assert wait_until(lambda: core.sent.of("plugin_stopped"))  # down, waiting for its backoff
    future = core.core.handle_request("plugin", rpc(view, "echo", 1))
    with pytest.raises(RpcError) as info:
        future.result(T)
    assert "not running" in info.value.message
    assert isinstance(future, concurrent.futures.Future)
    assert log


def test_closing_the_core_answers_what_is_still_asked(make_core, tmp_path, no_leaked_threads):
    log = make_plugin(str(tmp_path / "plugins"), "raw")
    core = make_core()  # the budget's 60 s: only closing ends the wait
    core.start()
    view = core.open()
    assert wait_until(lambda: received(log, "initialize"))
    future = core.core.handle_request("plugin", rpc(view, "never", {}))
    assert wait_until(lambda: [m for m in received(log, "custom_command") if m["params"]["method"] == "never"])
    core.close()
    with pytest.raises(RpcError):
        future.result(T)
    assert core.host._asked == {}

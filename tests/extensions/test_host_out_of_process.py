"""The host with an out-of-process extension (``exec``): its actor owns a ProcessExtension
(helper E2's ``_process``), whose requests for services go through the host's
permission-checked ``serve``. Real subprocesses."""

from __future__ import annotations

import os
import sys
import textwrap

import pytest

from symphony.errors import ExtensionFailed
from symphony.extensions import ExtensionState

from .conftest import make_toml

#: A tiny extension in Python speaking the protocol on stdio: ``instrument/run`` does what
#: the task's input asks (write a workspace file through the host, set a status, raise).
MAIN = r'''
import json, sys

def send(msg):
    sys.stdout.write(json.dumps(msg) + "\n")
    sys.stdout.flush()

def read():
    line = sys.stdin.readline()
    if not line:
        sys.exit(0)
    return json.loads(line)

def request(method, params, _ids=iter(range(1000, 10**6))):
    i = next(_ids)
    send({"jsonrpc": "2.0", "id": i, "method": method, "params": params})
    while True:
        msg = read()
        if msg.get("id") == i and "method" not in msg:
            return msg

def run(params):
    request_ = params["task"]["input"]
    action = request_["action"]
    if action == "write":
        answer = request("files/write", {"path": request_["path"], "text": "from a process"})
        if "error" in answer:
            raise RuntimeError("host said %s: %s" % (answer["error"]["code"], answer["error"]["message"]))
        return "written"
    if action == "raise":
        raise ValueError("failed on purpose")
    if action == "crash":
        __import__("os")._exit(3)
    return {"echo": request_.get("arg"), "pid": __import__("os").getpid()}

if __import__("os").environ.get("PATH", "").startswith("/crash-at-start"):
    sys.exit(4)
handlers = {"initialize": lambda p: {}, "shutdown": lambda p: None, "deactivate": lambda p: None,
            "instrument/run": run}
while True:
    msg = read()
    if "method" not in msg:
        continue
    answer = {"jsonrpc": "2.0", "id": msg.get("id")}
    try:
        answer["result"] = handlers[msg["method"]](msg.get("params"))
    except Exception as exc:
        answer["error"] = {"code": -32000, "message": str(exc)}
    if "id" in msg:
        send(answer)
    if msg["method"] == "shutdown":
        sys.exit(0)
'''


@pytest.fixture
def proc_host(tmp_path, write_ext, host):
    def make(permissions):
        parent = tmp_path / f"exts-{'-'.join(permissions) or 'none'}"
        launcher = f"#!/bin/sh\nexec {sys.executable} main.py\n"
        directory = write_ext(parent, "p", make_toml(id="test.proc", entry=None, exec=["./run"],
                                                     permissions=permissions),
                              {"main.py": textwrap.dedent(MAIN), "run": launcher})
        os.chmod(directory / "run", 0o755)
        workspace = tmp_path / "ws"
        workspace.mkdir(exist_ok=True)
        events: list[dict] = []
        manager = host(dirs=[parent], workspace=workspace, on_event=events.append, home=parent / "home",
                       call_timeout=20.0)
        manager.events = events
        return manager, workspace

    return make


def task(manager, **request):
    return manager.run_instrument("test.proc", {"kind": "probe", "input": request})


def test_an_out_of_process_extension_runs_in_its_actor(proc_host):
    manager, _ = proc_host([])
    assert manager.info("test.proc").manifest.out_of_process
    first = task(manager, action="echo", arg=[1, "two"])
    assert first["echo"] == [1, "two"] and first["pid"] != os.getpid()
    assert task(manager, action="echo")["pid"] == first["pid"]  # the same process serves each call
    assert manager.info("test.proc").state is ExtensionState.ACTIVATED
    manager.deactivate("test.proc")
    assert manager.info("test.proc").state is ExtensionState.DEACTIVATED
    assert task(manager, action="echo")["pid"] != first["pid"]  # a new process after reactivation


def test_its_service_requests_are_permission_checked(proc_host):
    manager, workspace = proc_host([])
    with pytest.raises(ExtensionFailed, match="-32003"):
        task(manager, action="write", path="out.txt")
    assert not (workspace / "out.txt").exists()
    assert [(e["event"], e["permission"]) for e in manager.events if e["event"] == "permission_denied"] == [
        ("permission_denied", "files:write")]
    # the extension answered an error: its process is healthy, so it is not FAILED
    assert manager.info("test.proc").state is ExtensionState.ACTIVATED
    granted, workspace = proc_host(["files:write"])
    assert task(granted, action="write", path="out.txt") == "written"
    assert (workspace / "out.txt").read_text() == "from a process"


def test_an_error_of_the_extension_keeps_the_process(proc_host):
    manager, _ = proc_host([])
    pid = task(manager, action="echo")["pid"]
    with pytest.raises(ExtensionFailed, match="failed on purpose"):
        task(manager, action="raise")
    assert manager.info("test.proc").errors == 1
    assert task(manager, action="echo")["pid"] == pid


def test_a_crash_during_a_call_is_restarted_by_its_supervisor(proc_host):
    manager, _ = proc_host([])
    pid = task(manager, action="echo")["pid"]
    with pytest.raises(ExtensionFailed):
        task(manager, action="crash")
    # its process host restarts it: the extension stays ACTIVATED and the next call is served
    assert manager.info("test.proc").state is ExtensionState.ACTIVATED
    assert task(manager, action="echo")["pid"] != pid
    assert any(e["event"] == "restarted" for e in manager.events)


def test_one_that_cannot_start_is_failed_and_the_host_serves_on(proc_host, monkeypatch, tmp_path, write_ext):
    manager, _ = proc_host([])
    monkeypatch.setenv("PATH", "/crash-at-start:" + os.environ.get("PATH", ""))
    with pytest.raises(ExtensionFailed, match="cannot start"):
        task(manager, action="echo")
    snapshot = manager.info("test.proc")
    assert snapshot.state is ExtensionState.FAILED and "cannot start" in snapshot.reason
    assert not [n for n in manager.node.names() if n.startswith("extension:test.proc")]
    monkeypatch.setenv("PATH", os.environ["PATH"].removeprefix("/crash-at-start:"))
    assert task(manager, action="echo", arg=1)["echo"] == 1  # its next activation starts it afresh


def test_calls_from_many_threads_run_side_by_side_and_survive_deactivation(proc_host):
    """Calls go to the process from the callers' threads (not one at a time through the actor):
    8 threads call while another deactivates the extension again and again. Every call gets its
    own answer or a clean ExtensionError (never another call's answer, never a hang), and the
    extension serves on afterwards."""
    import threading

    from symphony.errors import ExtensionError

    manager, _ = proc_host([])
    task(manager, action="echo")
    answers: list[object] = []
    errors: list[BaseException] = []
    stop = threading.Event()

    def caller(n: int) -> None:
        for i in range(40):
            try:
                answers.append((n, i) == tuple(task(manager, action="echo", arg=[n, i])["echo"]))
            except ExtensionError as exc:
                errors.append(exc)

    def churn() -> None:
        while not stop.is_set():
            manager.deactivate("test.proc")
            stop.wait(0.05)

    threads = [threading.Thread(target=caller, args=(n,)) for n in range(8)]
    churner = threading.Thread(target=churn)
    for t in threads:
        t.start()
    churner.start()
    for t in threads:
        t.join(120)
    stop.set()
    churner.join(30)
    assert not any(t.is_alive() for t in (*threads, churner))
    assert answers and all(answers), "a call got another call's answer"
    assert len(answers) + len(errors) == 8 * 40
    assert task(manager, action="echo", arg=7)["echo"] == 7
    assert manager.info("test.proc").state is ExtensionState.ACTIVATED

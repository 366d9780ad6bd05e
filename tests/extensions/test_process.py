"""ProcessExtension on real subprocesses: start, initialize, calls, services, stop."""

from __future__ import annotations

import concurrent.futures
import os
import threading

import pytest

from symphony.errors import ExtensionFailed, ExtensionStateError
from symphony.extensions._process import ProcessExtension, ProcessState
from symphony.extensions._protocol import PERMISSION_DENIED, SERVICE_FAILED, TOO_BUSY

from .process_support import Host, Manifest, gone, host_fixture, wait_until


@pytest.fixture
def host(tmp_path, no_leaked_threads):
    yield from host_fixture(tmp_path)


ECHO = '''
init = {}
def initialize(p):
    init.update(p)
    return {}
main({"initialize": initialize,
      "operator/call": lambda p: {"init": init, "inputs": p["inputs"], "pid": os.getpid()}})
'''


def test_start_initialize_call_stop(host: Host):
    ext = host.make(ECHO, permissions=frozenset({"files:read", "models"}))
    assert ext.state is ProcessState.RUNNING
    pid = ext.pid
    assert pid is not None and not gone(pid)
    answer = ext.call("operator/call", {"inputs": {"text": "héllo"}})
    assert answer["inputs"] == {"text": "héllo"} and answer["pid"] == pid
    assert answer["init"] == {"api": "1.0", "id": "test.ext", "version": "1.0.0", "kind": "operator",
                              "permissions": ["files:read", "models"], "workspace": str(host.workspace)}
    ext.stop()
    assert ext.state is ProcessState.STOPPED and ext.pid is None
    assert gone(pid)
    assert ext.restarts == 0 and host.events == []
    ext.stop()  # twice: nothing more


def test_a_stopped_extension_starts_again(host: Host):
    ext = host.make(ECHO)
    first = ext.pid
    ext.stop()
    ext.start()
    assert ext.pid != first and ext.call("operator/call", {"inputs": {}})["pid"] == ext.pid


def test_calls_before_start_and_after_stop_are_refused(host: Host):
    ext = host.make(ECHO, start=False)
    with pytest.raises(ExtensionStateError):
        ext.call("operator/call", {"inputs": {}})
    ext.start()
    ext.stop()
    with pytest.raises(ExtensionStateError):
        ext.call("operator/call", {"inputs": {}})
    with pytest.raises(ValueError):
        ext.call("initialize", {})


def test_params_that_are_not_json_are_refused_unsent(host: Host):
    ext = host.make(ECHO)
    for bad in ({"inputs": float("nan")}, {"inputs": object()}, {"inputs": "\ud800"}):
        with pytest.raises(ExtensionFailed, match="not JSON"):
            ext.call("operator/call", bad)
    assert ext.call("operator/call", {"inputs": 1})["inputs"] == 1
    assert ext.restarts == 0


def test_an_error_answer_fails_the_call_not_the_extension(host: Host):
    ext = host.make('''
    def op(p):
        if p["inputs"] == "bad":
            raise ValueError("I do not like bad")
        return "ok"
    main({"operator/call": op})
    ''')
    pid = ext.pid
    with pytest.raises(ExtensionFailed, match="I do not like bad") as info:
        ext.call("operator/call", {"inputs": "bad"})
    assert info.value.extension == "test.ext"
    assert ext.call("operator/call", {"inputs": "good"}) == "ok"
    assert ext.pid == pid and ext.restarts == 0


SERVICES = '''
def op(p):
    out = {}
    out["read"] = request("files/read", {"path": "note.txt"})
    out["write"] = request("files/write", {"path": "new.txt", "text": "x"})
    out["read_again"] = request("files/read", {"path": "note.txt"})
    out["missing"] = request("files/read", {"path": "absent.txt"})
    out["unknown"] = request("files/delete", {"path": "note.txt"})
    out["bad_type"] = request("files/read", {"path": 7})
    out["extra"] = request("files/read", {"path": "note.txt", "mode": "rb"})
    out["not_object"] = request("files/read", ["note.txt"])
    out["surrogate"] = request("files/read", {"path": "\\ud800"})
    notify("log", {"level": "info", "message": "done"})
    notify("log", {"level": 3})
    return out
main({"operator/call": op})
'''


def test_service_requests_are_served_checked_and_refused(host: Host):
    (host.workspace / "note.txt").write_text("a note")
    ext = host.make(SERVICES, permissions=frozenset({"files:read"}))
    out = ext.call("operator/call", {"inputs": {}})
    assert out["read"]["result"] == {"text": "a note"}
    assert out["write"]["error"]["code"] == PERMISSION_DENIED
    assert "files:write" in out["write"]["error"]["message"]
    assert not (host.workspace / "new.txt").exists()
    assert out["read_again"]["result"] == {"text": "a note"}  # the host kept serving
    assert out["missing"]["error"]["code"] == SERVICE_FAILED
    assert "FileNotFoundError" in out["missing"]["error"]["message"]
    assert out["unknown"]["error"]["code"] == -32601
    for bad in ("bad_type", "extra", "not_object", "surrogate"):
        assert out[bad]["error"]["code"] == -32602, bad
    assert wait_until(lambda: ("log", {"level": "info", "message": "done"}) in host.served)
    served = [m for m, _ in host.served]
    assert served.count("files/read") == 3 and served.count("files/write") == 1
    assert served.count("log") == 1  # the malformed log never reached serve
    assert ext.restarts == 0


def test_concurrent_calls_from_threads(host: Host):
    ext = host.make('''
    main({"operator/call": lambda p: p["inputs"] * 2})
    ''')
    errors: list[BaseException] = []
    results: dict[int, list[int]] = {}

    def worker(k: int) -> None:
        try:
            results[k] = [ext.call("operator/call", {"inputs": k * 1000 + i}) for i in range(25)]
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert results == {k: [2 * (k * 1000 + i) for i in range(25)] for k in range(8)}


def test_answers_out_of_order_reach_their_callers(host: Host):
    # The extension holds the first four calls and answers them in reverse order.
    ext = host.make('''
    held = []
    while True:
        msg = read()
        if msg.get("method") == "initialize":
            send({"jsonrpc": "2.0", "id": msg["id"], "result": {}})
        elif msg.get("method") == "operator/call":
            held.append(msg)
            if len(held) == 4:
                for m in reversed(held):
                    send({"jsonrpc": "2.0", "id": m["id"], "result": m["params"]["inputs"]})
                held = []
        elif msg.get("method") == "shutdown":
            sys.exit(0)
    ''')
    results: dict[int, int] = {}
    threads = [threading.Thread(target=lambda k=k: results.__setitem__(k, ext.call("operator/call", {"inputs": k})))
               for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == {k: k for k in range(4)}


def test_stop_leaves_no_process_behind(host: Host):
    # It starts a child of its own (in its process group) and ignores shutdown and SIGTERM.
    ext = host.make('''
    import signal, subprocess
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"],
                             stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    def stubborn(p):
        time.sleep(600)
    main({"operator/call": lambda p: child.pid, "shutdown": stubborn})
    ''', permissions=frozenset({"process:run"}))
    pid = ext.pid
    child = ext.call("operator/call", {"inputs": {}})
    assert not gone(child) and os.getpgid(child) == pid
    ext.stop()
    assert gone(pid)
    assert wait_until(lambda: gone(child))  # its parent's death leaves it to init to reap


def test_an_extension_without_exec_is_refused(tmp_path):
    manifest = Manifest("test.none", (), tmp_path)
    with pytest.raises(ValueError, match="not an out-of-process"):
        ProcessExtension(manifest, serve=lambda m, p: None, on_event=lambda e: None, workspace=None)


def test_a_slow_service_does_not_stop_the_answers(host: Host):
    # serve blocks on the extension's `log` until released; its answer to the call still arrives.
    release = threading.Event()
    entered = threading.Event()

    def serve(method, params):
        entered.set()
        release.wait(30)

    ext = host.make('''
    def op(p):
        notify("log", {"message": "slow"})
        return "answered"
    main({"operator/call": op})
    ''', serve=serve)
    try:
        assert ext.call("operator/call", {"inputs": {}}) == "answered"
        assert entered.wait(30) and not release.is_set()
    finally:
        release.set()


def test_too_many_pending_requests_are_refused_unserved(host: Host):
    # 70 requests at once, none answered until 6 were refused: 64 wait for the host (4 served,
    # 60 queued), the others are refused unserved (-32004); then the host serves the 64.
    release = threading.Event()
    served: list[str] = []

    def serve(method, params):
        served.append(params["path"])
        release.wait(30)
        return {"text": "t"}

    ext = host.make('''
    def op(p):
        for i in range(70):
            send({"jsonrpc": "2.0", "id": i, "method": "files/read", "params": {"path": str(i)}})
        answers = {}
        while len(answers) < 70:
            msg = read()
            if "method" in msg:
                _pending.append(msg)
                continue
            answers[msg["id"]] = msg.get("error", {}).get("code", "ok")
            if len(answers) == 6:
                open(p["inputs"], "w").close()  # tells the test to let the host serve
        return [answers[i] for i in range(70)]
    main({"operator/call": op})
    ''', serve=serve)
    marker = host.tmp / "refused"
    try:
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            answer = pool.submit(ext.call, "operator/call", {"inputs": str(marker)})
            assert wait_until(marker.exists)
            release.set()
            codes = answer.result()
    finally:
        release.set()
    assert codes == ["ok"] * 64 + [TOO_BUSY] * 6
    assert sorted(served, key=int) == [str(i) for i in range(64)]

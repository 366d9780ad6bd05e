"""``symphony serve --listen``: remote frontends through Symphony's transports, end to end.

Each test runs the real CLI as a subprocess and talks to it with ``symphony.rpc.RemoteCore``
over unix and tcp, with the node's secret or CURVE keys, as a remote frontend would.
"""

from __future__ import annotations

import os
import signal
import socket
import stat
import subprocess
import sys
import threading
from typing import Any

import pytest

from symphony.actors import Node
from symphony.cli.keygen import read_curve_keys
from symphony.errors import SymphonyError
from symphony.rpc import RemoteCore, XiServer, connect
from symphony.rpc._tunnel import OPEN

from ..conftest import wait_until
from .xi_client import ROOT

SECRET = b"a secret both ends know"


def _env() -> dict[str, str]:
    return dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "symphony", *args], capture_output=True, text=True,
                          env=_env(), cwd=ROOT, timeout=60)


class Served:
    """A ``symphony serve --listen`` subprocess; ``address`` is what it printed."""

    def __init__(self, *args: str) -> None:
        self.proc = subprocess.Popen([sys.executable, "-m", "symphony", "serve", *args], stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, env=_env(), cwd=ROOT, text=True)
        line = self.proc.stdout.readline()
        assert line.startswith("listening on "), (line, self.proc.stderr.read() if self.proc.poll() is not None else "")
        self.address = line.split()[-1]

    def stop(self, sig: int = signal.SIGTERM) -> tuple[int, str]:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            code = self.proc.wait(30)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
        err = self.proc.stderr.read()
        self.proc.stdout.close()
        self.proc.stderr.close()
        return code, err


@pytest.fixture
def served(request):
    started: list[Served] = []

    def start(*args: str) -> Served:
        s = Served(*args)
        started.append(s)
        return s

    yield start
    for s in started:
        code, err = s.stop()
        assert code == 0, err
        assert "Traceback" not in err, err


class Frontend:
    """Records, in arrival order, the notifications and the answers a RemoteCore delivers."""

    def __init__(self, address: str, **options: Any) -> None:
        self.events: list[tuple[str, Any]] = []
        self.lock = threading.Lock()
        self.core = connect(address, self._notified, **options)

    def _notified(self, method: str, params: Any) -> None:
        with self.lock:
            self.events.append((method, params))

    def request(self, method: str, params: Any) -> Any:
        def answered(result: Any, error: Any) -> None:
            with self.lock:
                self.events.append(("answer", (method, result, error)))
        return self.core.request(method, params, answered).result(30)

    def edit(self, view: str, method: str, params: Any = None) -> None:
        body = {"view_id": view, "method": method}
        if params is not None:
            body["params"] = params
        self.core.notify("edit", body)

    def contents(self, view: str) -> str:
        return self.request("edit", {"view_id": view, "method": "debug_get_contents"})


def _session(fe: Frontend, tmp_path) -> None:
    """What every transport must carry: a file opened, typed into, saved, in xi's message order."""
    path = tmp_path / "remote.txt"
    path.write_text("first\n")
    view = fe.request("new_view", {"file_path": str(path)})
    for ch in "hi ":
        fe.edit(view, "insert", {"chars": ch})
    assert fe.contents(view) == "hi first\n"
    fe.request("save", {"view_id": view, "file_path": str(path)})
    assert path.read_text() == "hi first\n"
    with fe.lock:
        events = list(fe.events)
    answered = events.index(("answer", ("new_view", view, None)))
    about = [i for i, (kind, params) in enumerate(events)
             if kind != "answer" and isinstance(params, dict) and params.get("view_id") == view]
    assert {events[i][0] for i in about} >= {"config_changed", "language_changed", "update"}
    assert answered < about[0]  # the view id first, as xi-core sends it
    bad = fe.core.request("edit", {"view_id": view, "method": "insert", "params": {"chars": 5}})
    with pytest.raises(SymphonyError) as info:
        bad.result(30)
    assert info.value.code == -32602


def test_unix_with_a_secret(served, tmp_path):
    sock = tmp_path / "core.sock"
    secret = tmp_path / "secret"
    secret.write_bytes(SECRET)
    s = served("--listen", f"unix://{sock}", "--secret-file", str(secret))
    assert s.address == f"unix://{sock}"
    assert stat.S_IMODE(os.stat(sock).st_mode) == 0o600
    fe = Frontend(s.address, secret=SECRET)
    try:
        _session(fe, tmp_path)
    finally:
        fe.core.close()
    with pytest.raises(SymphonyError):  # a frontend without the secret gets nothing
        RemoteCore(s.address, secret=b"wrong", timeout=3)


def test_tcp_port_zero_prints_the_real_port_and_sessions_are_separate(served, tmp_path):
    s = served("--listen", "tcp://127.0.0.1:0", "--secret-file", _secret_file(tmp_path))
    host, port = s.address[len("tcp://"):].rsplit(":", 1)
    assert host == "127.0.0.1" and int(port) > 0
    a = Frontend(s.address, secret=SECRET)
    b = Frontend(s.address, secret=SECRET)
    try:
        _session(a, tmp_path)
        va = a.request("new_view", {})
        vb = b.request("new_view", {})
        a.edit(va, "insert", {"chars": "only in a"})
        assert a.contents(va) == "only in a"
        assert b.contents(vb) == ""  # each session has its own views
    finally:
        a.core.close()
        b.core.close()
    assert a.core.closed == "closed"


def test_tcp_with_curve_keys(served, tmp_path):
    key = tmp_path / "server.key"
    assert _run("keygen", str(key)).returncode == 0
    s = served("--listen", "tcp://127.0.0.1:0", "--curve-key-file", str(key), "--secret-file", _secret_file(tmp_path))
    server_key = read_curve_keys(str(key) + ".pub")["curve_public_key"]
    fe = Frontend(s.address, secret=SECRET, transport_options={"curve_server_key": server_key})
    try:
        _session(fe, tmp_path)
    finally:
        fe.core.close()
    with pytest.raises(SymphonyError):  # not encrypted: the CURVE server never answers
        RemoteCore(s.address, secret=SECRET, timeout=3)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_the_unix_socket_goes_with_the_process(tmp_path, sig):
    sock = tmp_path / "gone.sock"
    s = Served("--listen", f"unix://{sock}")
    fe = Frontend(s.address)
    view = fe.request("new_view", {})
    fe.edit(view, "insert", {"chars": "x"})
    assert fe.contents(view) == "x"
    code, err = s.stop(sig)
    assert code == 0 and "Traceback" not in err, err
    assert not sock.exists()
    fe.core.close()


def _secret_file(tmp_path) -> str:
    path = tmp_path / "secret"
    path.write_bytes(SECRET)
    return str(path)


def test_listen_errors_are_one_clear_line(tmp_path):
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen()
    try:
        cases = {
            f"tcp://127.0.0.1:{busy.getsockname()[1]}": "in use",
            "tcp://127.0.0.1:notaport": "notaport",
            f"unix://{tmp_path}/missing/dir/core.sock": "no such directory",
            "tcp://0.0.0.0:0": "--secret-file",
            "udp://127.0.0.1:5": "unsupported",
        }
        for uri, words in cases.items():
            done = _run("serve", "--listen", uri)
            assert done.returncode != 0, uri
            assert "Traceback" not in done.stderr, done.stderr
            lines = done.stderr.strip().splitlines()
            assert len(lines) == 1 and words in lines[0] and done.stdout == "", (uri, done.stderr)
    finally:
        busy.close()
    missing = _run("serve", "--listen", "tcp://127.0.0.1:0", "--secret-file", str(tmp_path / "nope"))
    assert missing.returncode != 0 and "Traceback" not in missing.stderr
    assert len(missing.stderr.strip().splitlines()) == 1 and "nope" in missing.stderr


def test_a_silent_frontend_loses_its_session(tmp_path):
    """In process: a session nobody polls is closed after idle_timeout (wait for the state)."""
    with Node("serve-side", listen=f"unix://{tmp_path}/idle.sock") as node:
        server = XiServer(node, idle_timeout=0.5, poll_wait=0.1)
        with Node("frontend-side") as client:
            info = client.ref(f"{node.address}#xi").ask(OPEN, None, timeout=10)
            assert info["session"] and server.sessions == 1
            wait_until(lambda: server.sessions == 0)
            assert server.sessions == 0
            assert f"xi-in-{info['session']}" not in node.names()
        server.close()


def test_a_frontend_that_does_not_read_loses_its_session(tmp_path):
    """In process: output nobody polls is bounded by max_output; past it the session closes."""
    from symphony.rpc._tunnel import INPUT

    with Node("serve-side", listen=f"unix://{tmp_path}/full.sock") as node:
        server = XiServer(node, max_output=4096)
        with Node("frontend-side") as client:
            info = client.ref(f"{node.address}#xi").ask(OPEN, None, timeout=10)
            feed = client.ref(f"{node.address}#{info['input']}")
            lines = b"".join(b'{"method": "new_view", "params": {}}\n' for _ in range(20))
            feed.ask(INPUT, lines, timeout=30)  # 20 views' first screens: far over 4 KiB, never polled
            wait_until(lambda: server.sessions == 0)
            assert server.sessions == 0
        server.close()


def test_requests_fail_when_the_core_dies(tmp_path):
    s = Served("--listen", f"unix://{tmp_path}/dies.sock")
    fe = Frontend(s.address, transport_options={"heartbeat": 0.2})
    try:
        view = fe.request("new_view", {})
        s.proc.kill()
        s.stop()
        with pytest.raises(SymphonyError):
            fe.core.request("edit", {"view_id": view, "method": "debug_get_contents"}).result(60)
        assert fe.core.closed and fe.core.closed != "closed"
        with pytest.raises(SymphonyError):  # and so does every later one, at once
            fe.core.call("new_view", {}, timeout=60)
    finally:
        fe.core.close()


def test_lines_longer_than_a_chunk_cross_both_ways(served, tmp_path):
    s = served("--listen", f"unix://{tmp_path}/long.sock")
    fe = Frontend(s.address)
    try:
        view = fe.request("new_view", {})
        text = "é" * (3 << 20)  # 6 MiB of UTF-8 in one line: split into chunks each way
        fe.edit(view, "insert", {"chars": text})
        assert fe.contents(view) == text
    finally:
        fe.core.close()

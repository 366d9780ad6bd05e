"""A pool on another node, driven through its actor exactly like a local one: ``symphony
pool serve`` in a real subprocess, a ``PoolClient`` over tcp and unix sockets with signed
frames, and the ``symphony pool`` commands against it. Hostile requests get errors and
the pool keeps serving."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from symphony import Node, RemoteError
from symphony.pool import PoolClient
from tests.cli.conftest import ROOT, one_line_error, symphony
from tests.transports.conftest import stop_process

SECRET = b"pool-test-secret-0123456789abcdef"


class PoolServer:
    """``symphony pool serve REPO --listen URI --secret-file F`` in a subprocess."""

    def __init__(self, repo: Path, listen: str, secret_file: Path, *extra: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "symphony", "pool", "serve", str(repo), "--listen", listen,
             "--secret-file", str(secret_file), "--budget", "256MB", *extra],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=str(ROOT))
        line = self.proc.stdout.readline()
        if not line.startswith("listening on "):
            self.proc.kill()
            raise RuntimeError(f"pool did not start: {line!r} {self.proc.communicate(timeout=10)}")
        self.pool_address = self.proc.stdout.readline().split("pool: ", 1)[1].strip()

    def stop(self) -> int:
        return stop_process(self.proc, 30)


@pytest.fixture(params=["tcp", "unix"])
def server(request, model_repo):
    directory = Path(tempfile.mkdtemp(prefix="sy-pool-"))  # short, for AF_UNIX paths
    secret_file = directory / "secret"
    secret_file.write_bytes(SECRET)
    listen = "tcp://127.0.0.1:0" if request.param == "tcp" else f"unix://{directory}/pool.sock"
    srv = PoolServer(model_repo, listen, secret_file, "--no-prewarm")
    srv.secret_file = secret_file
    yield srv
    assert srv.stop() == 0
    if request.param == "unix":
        assert not os.path.exists(directory / "pool.sock")
    for f in directory.iterdir():
        f.unlink()
    directory.rmdir()


@pytest.fixture
def client(server):
    with Node("pool-client", secret=SECRET) as node:
        yield PoolClient(node.ref(server.pool_address), timeout=60)


def test_the_repository_api_over_the_wire(client: PoolClient):
    index = {(r["name"], r["version"]): r["state"] for r in client.index()}
    assert index[("mul", 1)] == "UNKNOWN"
    assert not client.ready("mul")
    rows = client.load("mul", timeout=60)
    assert [r["state"] for r in rows] == ["READY"]
    assert client.ready("mul") and client.ready("mul", 1)
    assert client.call("mul", [[1, 2], [3, 4], [5, 6]]) == [[1, 4], [9, 16], [25, 36]]
    assert client.metadata("mul")["loader"] == "onnx"
    stats = client.statistics("mul")
    assert stats["models"][0]["hits"] >= 1
    assert client.unload("mul")[0]["state"] in ("UNLOADING", "UNAVAILABLE")


def test_call_loads_a_cold_model_and_answers_when_ready(client: PoolClient, iris_classifier, iris):
    X, _ = iris
    label, probabilities = client.call("iris", X[:4].tolist(), version=2, timeout=60)
    assert label == iris_classifier.predict(X[:4]).tolist()
    assert len(probabilities) == 4 and len(probabilities[0]) == 3
    assert client.call("sqrt", 49.0) == 7.0


def test_errors_cross_the_wire_and_the_pool_keeps_serving(client: PoolClient):
    with pytest.raises(RemoteError, match="ModelNotFound|no model"):
        client.call("nothing", 1)
    with pytest.raises(RemoteError, match="broken"):
        client.call("broken", [[0.0]], timeout=60)
    with pytest.raises(RemoteError):
        client.ref.ask("call", 5, timeout=30)  # not a dict
    with pytest.raises(RemoteError):
        client.ref.ask("call", {"name": "sqrt", "args": "not a list"}, timeout=30)
    with pytest.raises(RemoteError):
        client.ref.ask("no-such-request", None, timeout=30)
    with pytest.raises(RemoteError):
        client.ref.ask("load", {"version": 1}, timeout=30)  # no name
    with pytest.raises(RemoteError):
        client.call("sqrt", "NaN is fine but a str is not", timeout=30)
    assert client.call("sqrt", float("inf")) == float("inf")
    assert client.call("sqrt", 4.0) == 2.0


def test_the_pool_command_drives_a_remote_pool(server):
    where = ["--connect", server.pool_address, "--secret-file", str(server.secret_file)]
    out = symphony("pool", "load", "sqrt", *where)
    assert out.returncode == 0, out.stderr
    assert "READY" in out.stdout
    out = symphony("pool", "list", *where)
    assert out.returncode == 0 and "sqrt" in out.stdout and "UNKNOWN" in out.stdout
    out = symphony("pool", "stats", *where)
    assert out.returncode == 0 and "sqrt" in out.stdout and "budget" in out.stdout
    out = symphony("pool", "watch", "--count", "2", "--interval", "0.05", *where)
    assert out.returncode == 0 and out.stdout.count("symphony pool watch") == 2
    out = symphony("pool", "unload", "sqrt", *where)
    assert out.returncode == 0, out.stderr
    one_line_error(symphony("pool", "load", "nothing", *where), "pool", "nothing")


def test_the_pool_command_on_a_local_repository(model_repo):
    out = symphony("pool", "load", "sqrt", "--repository", str(model_repo))
    assert out.returncode == 0 and "READY" in out.stdout, out.stderr
    out = symphony("pool", "load", "broken", "--repository", str(model_repo))
    assert out.returncode == 1 and "UNAVAILABLE" in out.stdout
    out = symphony("pool", "list", "--repository", str(model_repo))
    assert out.returncode == 0 and "badmanifest" in out.stdout


@pytest.mark.parametrize("args, needle", [
    (["list", "--repository", "/nonexistent/models"], "no such directory"),
    (["list", "--connect", "not-an-address"], "--connect"),
    (["serve", "/nonexistent/models", "--listen", "tcp://127.0.0.1:0"], "no such"),
    (["serve", ".", "--listen", "tcp://127.0.0.1:0", "--budget", "lots"], "lots"),
])
def test_bad_pool_commands_fail_in_one_line(args, needle):
    one_line_error(symphony("pool", *args), "pool", needle)

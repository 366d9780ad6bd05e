"""The three-process example runs; ``symphony node`` and ``symphony keygen`` behave."""

from __future__ import annotations

import os
import stat
import subprocess
import sys

import pytest

from symphony import Node

from .conftest import FAST, ROOT, SECRET, actor_at, listen_uri


def test_three_process_example_runs():
    out = subprocess.run([sys.executable, str(ROOT / "examples" / "distributed_work.py"), "unix"],
                         capture_output=True, text=True, timeout=120, cwd=str(ROOT))
    assert out.returncode == 0, out.stderr
    assert "sum = 328350" in out.stdout
    assert "TypeError: can only square integers" in out.stdout
    assert out.stdout.count("worker exited with 0") == 2


def test_node_command_hosts_several_actors(short_dir, peers):
    peer = peers(listen_uri("tcp", short_dir), spawn=["tests.transports._actors:Echo=a",
                                                      "tests.transports._actors:Echo"])
    with Node("client", secret=SECRET, transport_options=FAST) as client:
        assert client.ref(actor_at(peer.address, "a")).ask("echo", 1, timeout=20) == 1
        assert client.ref(actor_at(peer.address, "echo-1")).ask("echo", 2, timeout=20) == 2


def test_node_command_refuses_open_tcp_without_secret():
    out = subprocess.run([sys.executable, "-m", "symphony", "node", "--listen", "tcp://0.0.0.0:0"],
                         capture_output=True, text=True, timeout=60, cwd=str(ROOT))
    assert out.returncode != 0
    assert "InsecureListen" in out.stderr or "secret" in out.stderr


def test_keygen_and_curve_encryption(tmp_path):
    key = tmp_path / "server.key"
    out = subprocess.run([sys.executable, "-m", "symphony", "keygen", str(key)], capture_output=True,
                         text=True, timeout=60, cwd=str(ROOT))
    assert out.returncode == 0, out.stderr
    assert stat.S_IMODE(os.stat(key).st_mode) == 0o600
    fields = dict(line.split(b"=", 1) for line in key.read_bytes().splitlines())
    public = fields[b"public"]
    from tests.transports._actors import Echo

    with Node("server", listen="tcp://127.0.0.1:0", secret=SECRET,
              transport_options=dict(FAST, curve_secret_key=fields[b"secret"], curve_public_key=public)) as server:
        server.spawn(Echo, name="echo")
        with Node("client", secret=SECRET, transport_options=dict(FAST, curve_server_key=public)) as client:
            assert client.ref(actor_at(server.address, "echo")).ask("echo", "sealed", timeout=20) == "sealed"
            assert client.ref(actor_at(server.address, "echo")).ask_async("echo", "x").get(20) == "x"
        with Node("plain", secret=SECRET, transport_options=FAST) as plain:  # no CURVE: cannot talk
            from symphony import DeliveryError

            with pytest.raises(DeliveryError):
                plain.ref(actor_at(server.address, "echo")).ask("echo", 1, timeout=20)

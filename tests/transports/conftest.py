"""Fixtures for transport tests: a listen URI per scheme, peer processes that are always stopped."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SECRET = b"test-secret-0123456789"
#: Fast heartbeats so a dead peer is noticed within a second.
FAST = {"heartbeat": 0.2, "heartbeat_timeout": 1.0}


@pytest.fixture
def short_dir(tmp_path):
    """A directory for socket files: ``tmp_path`` if its path is short enough for AF_UNIX."""
    if len(str(tmp_path)) < 70:
        yield tmp_path
        return
    path = Path(tempfile.mkdtemp(prefix="sy-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


def listen_uri(scheme: str, directory: Path, name: str = "n") -> str:
    if scheme == "tcp":
        return "tcp://127.0.0.1:0"
    if scheme == "ipc":
        return f"ipc://{directory}/{name}.ipc"
    if scheme == "unix":
        return f"unix://{directory}/{name}.sock"
    return f"inproc://{name}-{os.getpid()}-{id(directory)}"


def actor_at(address: str, actor: str) -> str:
    return f"{address}/{actor}" if address.startswith(("tcp://", "inproc://")) else f"{address}#{actor}"


def socket_path(address: str) -> str | None:
    if address.startswith(("ipc://", "unix://")):
        return address.split("://", 1)[1]
    return None


@pytest.fixture(params=["tcp", "ipc", "unix"])
def scheme(request):
    return request.param


def stop_process(proc: subprocess.Popen, timeout: float) -> int:
    """SIGTERM ``proc`` (a clean stop), SIGKILL it after ``timeout`` s; close its pipes; its exit code."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    try:
        code = proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        code = proc.wait()
    for pipe in (proc.stdout, proc.stderr):
        if pipe is not None:
            pipe.close()
    return code


class PeerProcess:
    """A ``symphony node`` in a subprocess."""

    def __init__(self, listen: str, directory: Path, spawn: list[str], secret: bytes | None = SECRET,
                 options: dict | None = None) -> None:
        args = [sys.executable, "-m", "symphony", "node", "--listen", listen]
        if secret is not None:
            secret_file = directory / "secret"
            secret_file.write_bytes(secret)
            args += ["--secret-file", str(secret_file)]
        for spec in spawn:
            args += ["--spawn", spec]
        for key, value in (options if options is not None else FAST).items():
            args += ["--option", f"{key}={value}"]
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                     cwd=str(ROOT), env=env)
        line = self.proc.stdout.readline()
        if not line.startswith("listening on "):
            self.proc.kill()
            _, err = self.proc.communicate(timeout=10)
            raise RuntimeError(f"peer did not start: {line!r} {err}")
        self.address = line.split("listening on ", 1)[1].strip()
        self.proc.stdout.readline()  # "actors: ..."

    def stop(self) -> int:
        return stop_process(self.proc, 15)

    def kill(self) -> None:
        self.proc.kill()
        self.proc.wait()
        self.proc.stdout.close()
        self.proc.stderr.close()


@pytest.fixture
def peers(short_dir):
    """``start(listen, spawn=[...], ...)`` starts a peer process; all are stopped at the end."""
    started: list[PeerProcess] = []

    def start(listen: str, spawn: list[str] | None = None, **kwargs) -> PeerProcess:
        peer = PeerProcess(listen, short_dir, spawn or ["tests.transports._actors:Echo=echo"], **kwargs)
        started.append(peer)
        return peer

    yield start
    for peer in started:
        if peer.proc.returncode is None:
            peer.stop()

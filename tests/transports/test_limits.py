"""Memory an unauthenticated peer can pin: stalled frames are bounded in total and time out."""

from __future__ import annotations

import socket
import struct

import pytest

from symphony import Node

from ._actors import Echo
from .conftest import FAST, SECRET, actor_at, listen_uri, socket_path
from .test_security import _wait_for

MAX_FRAME = 1024 * 1024
BOUND = 2 * MAX_FRAME
#: Short, so the test waits little for the stalled peers to be dropped.
FRAME_TIMEOUT = 1.0


def _hung_up(sock: socket.socket) -> bool:
    """Whether the node closed its end of ``sock`` (EOF or reset, without blocking)."""
    sock.setblocking(False)
    try:
        while True:
            data = sock.recv(65536)
            if not data:
                return True
    except BlockingIOError:
        return False
    except OSError:
        return True


def _stall(path: str, announced: int, sent: int) -> socket.socket | None:
    """A raw connection that announces a frame of ``announced`` bytes, sends ``sent`` of them
    and stalls; None if the node hung up on it while it was still sending."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.connect(path)
    try:
        sock.sendall(struct.pack(">I", announced) + b"\0" * sent)
    except OSError:
        sock.close()
        return None
    return sock


@pytest.fixture
def server(short_dir):
    node = Node("server", listen=listen_uri("unix", short_dir), secret=SECRET,
                transport_options=dict(FAST, max_frame=MAX_FRAME, unverified_buffer=BOUND,
                                       frame_timeout=FRAME_TIMEOUT))
    node.spawn(Echo, name="echo")
    yield node
    node.stop()


def test_stalled_unix_peers_are_bounded_and_dropped_while_clients_are_served(server):
    path = socket_path(server.address)
    stalled: list[socket.socket] = []
    highest = 0
    try:
        with Node("client", secret=SECRET, transport_options=FAST) as client:
            ref = client.ref(actor_at(server.address, "echo"))
            assert ref.ask("echo", "before") == "before"
            for i in range(20):
                sock = _stall(path, MAX_FRAME - 64, MAX_FRAME // 2)  # half a frame, then silence
                if sock is not None:
                    stalled.append(sock)
                highest = max(highest, server.transport_stats().get("unverified_buffered", 0))
                assert ref.ask("echo", i, timeout=20) == i  # honest clients go on being served
                with Node(f"newcomer-{i}", secret=SECRET, transport_options=FAST) as newcomer:
                    assert newcomer.ref(actor_at(server.address, "echo")).ask("echo", i, timeout=20) == i
            for _ in range(3):  # small stalled frames, far under the bound: only the timeout ends them
                sock = _stall(path, 4096, 100)
                assert sock is not None
                stalled.append(sock)
            assert highest <= BOUND
            stats = server.transport_stats()
            assert stats.get("unverified_overflow", 0) >= 10  # 20 half frames cannot all fit
            # Every stalled peer is dropped: by the bound, or once its frame timed out.
            assert _wait_for(lambda: all(_hung_up(sock) for sock in stalled), timeout=30)
            assert _wait_for(lambda: server.transport_stats().get("unverified_buffered", 0) == 0)
            assert server.transport_stats().get("frame_timeouts", 0) >= 3
            assert ref.ask("echo", "after", timeout=20) == "after"
    finally:
        for sock in stalled:
            sock.close()


def test_a_verified_connection_is_not_held_to_the_bound(server):
    """A peer that has sent one good packet is no longer unauthenticated: a frame larger than
    the unverified bound's share still arrives whole."""
    with Node("client", secret=SECRET, transport_options=dict(FAST, max_frame=MAX_FRAME)) as client:
        ref = client.ref(actor_at(server.address, "echo"))
        assert ref.ask("echo", 1) == 1
        big = "x" * (MAX_FRAME - 4096)
        for _ in range(3):
            assert ref.ask("echo", big, timeout=20) == big
    assert server.transport_stats().get("unverified_buffered", 0) == 0


def _zmtp_stall(host: str, port: int, announced: int, sent: int) -> socket.socket:
    """A raw tcp connection that speaks ZMTP 3.0 as a DEALER (NULL mechanism), announces a
    message of ``announced`` bytes, sends ``sent`` of them and stalls."""
    sock = socket.create_connection((host, port))
    sock.sendall(b"\xff" + b"\0" * 8 + b"\x7f" + b"\x03\x00" + b"NULL".ljust(20, b"\0") + b"\0" + b"\0" * 31)
    body = b"\x05READY" + b"\x0bSocket-Type" + struct.pack(">I", 6) + b"DEALER"
    sock.sendall(b"\x04" + bytes([len(body)]) + body)
    sock.sendall(b"\x02" + struct.pack(">Q", announced) + b"\0" * sent)
    return sock


def test_stalled_tcp_peer_is_dropped_while_clients_are_served(short_dir):
    """ZeroMQ buffers an unfinished message itself; a peer that stalls in one stops answering
    ZMTP heartbeats and is disconnected after ``frame_timeout``."""
    node = Node("server", listen="tcp://127.0.0.1:0", secret=SECRET,
                transport_options=dict(FAST, max_frame=MAX_FRAME, frame_timeout=FRAME_TIMEOUT))
    node.spawn(Echo, name="echo")
    host, port = node.address[len("tcp://"):].rsplit(":", 1)
    stalled: list[socket.socket] = []
    try:
        with Node("client", secret=SECRET, transport_options=FAST) as client:
            ref = client.ref(actor_at(node.address, "echo"))
            for i in range(5):
                stalled.append(_zmtp_stall(host, int(port), MAX_FRAME - 64, MAX_FRAME // 2))
                assert ref.ask("echo", i, timeout=20) == i
            assert _wait_for(lambda: all(_hung_up(sock) for sock in stalled), timeout=30)
            assert ref.ask("echo", "after", timeout=20) == "after"
    finally:
        for sock in stalled:
            sock.close()
        node.stop()

"""Garbage, oversized and truncated frames, abrupt disconnects, dead and restarted peers,
bounded pending asks, clean shutdown, fork."""

from __future__ import annotations

import os
import socket
import struct
import time

import pytest

from symphony import DeliveryError, Node

from ._actors import Echo
from .conftest import FAST, SECRET, actor_at, listen_uri, socket_path
from .test_security import RawSender, _wait_for


@pytest.fixture
def server(scheme, short_dir):
    node = Node("server", listen=listen_uri(scheme, short_dir), secret=SECRET,
                transport_options=dict(FAST, max_frame=64 * 1024))
    node.spawn(Echo, name="echo")
    yield node
    node.stop()


def test_garbage_frames_are_dropped_and_counted(server):
    rng = __import__("random").Random(7)
    raw = RawSender(server.address)
    try:
        for i in range(2000):
            size = rng.randrange(0, 300)
            packet = bytes(rng.randrange(256) for _ in range(size))
            if server.address.startswith("unix://"):
                if size < 17:
                    continue  # a too-short frame closes the stream; tested below
                raw.send(packet)
            elif i % 3 == 0:
                raw.sock.send_multipart([packet, b"x", b"yz"])  # wrong number of parts
            else:
                raw.send(packet)
    finally:
        raw.close()
    with Node("client", secret=SECRET, transport_options=FAST) as client:
        ref = client.ref(actor_at(server.address, "echo"))
        assert ref.ask("echo", "still here", timeout=20) == "still here"
    stats = server.transport_stats()
    assert stats.get("bad_signature", 0) + stats.get("malformed", 0) > 100
    assert server.ref("echo").ask("count") == 1


def test_oversized_frames_are_refused_or_dropped(server):
    limits = dict(FAST, max_frame=64 * 1024)
    with Node("big", secret=SECRET, transport_options=limits) as client:
        ref = client.ref(actor_at(server.address, "echo"))
        with pytest.raises(DeliveryError, match="max_frame"):  # refused before sending
            ref.ask("echo", "x" * 200_000, timeout=20)
        with pytest.raises(DeliveryError, match="max_frame"):
            ref.tell("echo", "x" * 200_000)
        with pytest.raises(DeliveryError, match="max_frame"):  # the reply would be too big
            ref.ask("big", 100_000, timeout=20)
    raw = RawSender(server.address)  # a peer that ignores the limit
    try:
        if server.address.startswith("unix://"):
            raw.sock.sendall(struct.pack(">I", 200_000) + b"z" * 200_000)
        else:
            raw.send(b"z" * 200_000)
    finally:
        raw.close()
    with Node("small", secret=SECRET, transport_options=limits) as client:
        assert client.ref(actor_at(server.address, "echo")).ask("echo", "small", timeout=20) == "small"


def test_bad_unix_streams_are_closed_others_served(short_dir):
    node = Node("server", listen=listen_uri("unix", short_dir), secret=SECRET,
                transport_options=dict(FAST, max_frame=64 * 1024))
    node.spawn(Echo, name="echo")
    path = socket_path(node.address)
    try:
        with Node("client", secret=SECRET, transport_options=FAST) as client:
            ref = client.ref(actor_at(node.address, "echo"))
            assert ref.ask("echo", 0) == 0
            for i in range(300):
                s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                s.connect(path)
                kind = i % 4
                if kind == 0:
                    s.sendall(os.urandom(64))  # garbage length
                elif kind == 1:
                    s.sendall(struct.pack(">I", 10_000_000))  # oversized
                elif kind == 2:
                    s.sendall(struct.pack(">I", 500) + b"partial")  # truncated, then gone
                else:
                    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # reset
                s.close()
                if i % 50 == 0:
                    assert ref.ask("echo", i, timeout=20) == i
            assert ref.ask("echo", "end", timeout=20) == "end"
        stats = node.transport_stats()
        assert stats.get("bad_streams", 0) >= 100
    finally:
        node.stop()


def test_raw_tcp_garbage_does_not_hurt(short_dir):
    node = Node("server", listen="tcp://127.0.0.1:0", secret=SECRET, transport_options=FAST)
    node.spawn(Echo, name="echo")
    host, port = node.address[len("tcp://"):].rsplit(":", 1)
    try:
        for i in range(50):
            s = socket.create_connection((host, int(port)))
            s.sendall(os.urandom(512))
            s.close()
        with Node("client", secret=SECRET, transport_options=FAST) as client:
            assert client.ref(actor_at(node.address, "echo")).ask("echo", 1, timeout=20) == 1
    finally:
        node.stop()


def test_peer_killed_fails_fast_and_restarted_is_reconnected(scheme, short_dir, peers):
    listen = listen_uri(scheme, short_dir, "restart")
    first = peers(listen)
    address = first.address
    with Node("client", secret=SECRET, transport_options=FAST) as client:
        ref = client.ref(actor_at(address, "echo"))
        pid1 = ref.ask("pid", timeout=20)
        async_ref_future = None
        first.kill()
        if scheme != "tcp":
            os.unlink(socket_path(address)) if os.path.exists(socket_path(address)) else None
        with pytest.raises(DeliveryError):
            ref.ask("echo", 1, timeout=60)  # fails by heartbeat (about 1 s), not after 60 s
        with pytest.raises(DeliveryError):
            ref.ask_async("echo", 1).get(60)
        second = peers(address if scheme == "tcp" else listen)
        assert second.address == address

        def answered():
            try:
                return ref.ask("pid", timeout=5)
            except DeliveryError:
                return None

        deadline = time.monotonic() + 20
        pid2 = None
        while pid2 is None and time.monotonic() < deadline:
            pid2 = answered()
        assert pid2 is not None and pid2 != pid1
        assert ref.ask_async("echo", "async too").get(20) == "async too"
        del async_ref_future


def test_pending_asks_are_bounded(short_dir):
    directory = short_dir
    with Node("server", listen=listen_uri("tcp", directory), secret=SECRET) as server, \
            Node("client", secret=SECRET, transport_options=dict(FAST, max_pending=3)) as client:
        server.spawn(Echo, name="echo")
        ref = client.ref(actor_at(server.address, "echo"))
        gate = directory / "gate"
        ref.tell("hold", str(gate))
        futures = [ref.ask_async("echo", i) for i in range(3)]
        with pytest.raises(DeliveryError, match="pending"):
            ref.ask_async("echo", 99)
        gate.touch()
        assert [f.get(20) for f in futures] == [0, 1, 2]
        assert ref.ask_async("echo", 4).get(20) == 4
    with Node("server", listen=listen_uri("tcp", directory), secret=SECRET) as server, \
            Node("client", secret=SECRET, transport_options=dict(FAST, max_pending=1,
                                                                  overflow="block")) as client:
        server.spawn(Echo, name="echo")
        ref = client.ref(actor_at(server.address, "echo"))
        results = [ref.ask_async("echo", i) for i in range(20)]  # each waits for room
        assert [f.get(20) for f in results] == list(range(20))


def test_outgoing_queue_is_bounded_and_waits_for_a_late_peer(scheme, short_dir):
    uri = listen_uri(scheme, short_dir, "late")
    if scheme == "tcp":
        probe = Node("probe", listen=uri)
        uri = probe.address
        probe.stop()
    with Node("client", secret=SECRET, transport_options=dict(FAST, max_queued=50, hwm=10)) as client:
        ref = client.ref(actor_at(uri, "echo"))
        sent = 0
        with pytest.raises(DeliveryError, match="wait to go out"):
            for sent in range(100_000):
                ref.tell(f"e{sent:06d}", sent)  # nobody listens yet: they wait, in order, up to the bound
                time.sleep(0.0005) if sent % 50 == 0 else None
        assert client.transport_stats().get("queue_full", 0) == 1
        server = Node("server", listen=uri, secret=SECRET, transport_options=FAST)
        try:
            server.spawn(Echo, name="echo")
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                try:
                    if ref.ask("count", timeout=2) >= 1:
                        break
                except DeliveryError:
                    pass
            count = ref.ask("count", timeout=10)
            assert count >= 1  # what waited was delivered once the peer came up
            seen = ref.ask("order", timeout=10)
            assert len(seen) == count and seen == sorted(seen)  # and in order
        finally:
            server.stop()


def test_slow_actor_is_not_mistaken_for_a_dead_peer(scheme, short_dir):
    # heartbeat_timeout is 1 s; the actor takes 2 s. Its node's I/O thread must keep
    # answering heartbeats (so the handler must not run there), and other actors stay served.
    with Node("server", listen=listen_uri(scheme, short_dir), secret=SECRET, transport_options=FAST) as server, \
            Node("client", secret=SECRET, transport_options=FAST) as client:
        server.spawn(Echo, name="slow")
        server.spawn(Echo, name="fast")
        slow = client.ref(actor_at(server.address, "slow"))
        fast = client.ref(actor_at(server.address, "fast"))
        for i in range(5):
            assert fast.ask("echo", i) == i  # fast: earns handling on the I/O thread
        assert server.transport_stats().get("asks_inline", 0) >= 1
        for _ in range(2):
            assert slow.ask("sleep", 0.0) == "slept"
        async_slow = slow.ask_async("sleep", 2.0)
        assert slow.ask("sleep", 2.0, timeout=30) == "slept"
        assert async_slow.get(30) == "slept"
        assert fast.ask("echo", "meanwhile") == "meanwhile"


def test_stopping_a_remote_actor(scheme, short_dir):
    with Node("server", listen=listen_uri(scheme, short_dir), secret=SECRET, transport_options=FAST) as server, \
            Node("client", secret=SECRET, transport_options=FAST) as client:
        server.spawn(Echo, name="victim")
        ref = client.ref(actor_at(server.address, "victim"))
        assert ref.ask("echo", 1) == 1
        assert "remote" in repr(ref) and ref.is_alive
        ref.stop()  # sent as a message; does not wait for the far side
        assert _wait_for(lambda: "victim" not in server)
        with pytest.raises(DeliveryError):
            ref.ask("echo", 2)
        with pytest.raises(DeliveryError):
            ref.watch(lambda r, why: None)


def test_clean_shutdown_leaves_no_socket_file_or_thread(scheme, short_dir, no_leaked_threads):
    server = Node("server", listen=listen_uri(scheme, short_dir), secret=SECRET, transport_options=FAST)
    server.spawn(Echo, name="echo")
    client = Node("client", secret=SECRET, transport_options=FAST)
    ref = client.ref(actor_at(server.address, "echo"))
    assert ref.ask("echo", 1) == 1
    for i in range(1000):
        ref.tell("work", i)
    assert client.stop() is True  # queued tells are flushed (linger) before the sockets close
    assert _wait_for(lambda: server.ref("echo").ask("count") == 1001)
    assert server.stop() is True
    path = socket_path(server.address)
    assert path is None or not os.path.exists(path)
    with pytest.raises(DeliveryError):
        ref.ask("echo", 2)


def test_peer_process_shutdown_is_clean(scheme, short_dir, peers):
    peer = peers(listen_uri(scheme, short_dir, "clean"))
    with Node("client", secret=SECRET, transport_options=FAST) as client:
        assert client.ref(actor_at(peer.address, "echo")).ask("echo", 1, timeout=20) == 1
    assert peer.stop() == 0
    path = socket_path(peer.address)
    assert path is None or not os.path.exists(path)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_forked_child_gets_fresh_sockets(scheme, short_dir):
    server = Node("server", listen=listen_uri(scheme, short_dir), secret=SECRET, transport_options=FAST)
    server.spawn(Echo, name="echo")
    client = Node("client", secret=SECRET, transport_options=FAST)
    try:
        ref = client.ref(actor_at(server.address, "echo"))
        assert ref.ask("echo", "parent") == "parent"
        ref.tell("warm", 1)
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: use the inherited node and ref as if nothing happened
            code = 1
            try:
                ok = ref.ask("echo", "child", timeout=10) == "child"
                ok = ok and ref.ask_async("echo", "child2").get(10) == "child2"
                code = 0 if ok else 2
            except BaseException:  # noqa: BLE001
                code = 3
            os.write(write, bytes([code]))
            os._exit(code)
        os.close(write)
        result = os.read(read, 1)
        os.close(read)
        os.waitpid(pid, 0)
        assert result == b"\x00"
        assert ref.ask("echo", "parent again") == "parent again"
    finally:
        client.stop()
        server.stop()

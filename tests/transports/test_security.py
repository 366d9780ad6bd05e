"""Signed frames, replay protection, who may listen where, socket file modes."""

from __future__ import annotations

import os
import socket
import stat
import struct
import time

import pytest
import zmq

from symphony import DeliveryError, InsecureListen, Message, Node, encode
from symphony.transports._frames import TELL, Framer, pack_stream

from .conftest import FAST, SECRET, actor_at, listen_uri
from ._actors import Echo


def _wait_for(predicate, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()


class RawSender:
    """Writes raw packets to a node the way a hostile or broken peer would."""

    def __init__(self, address: str) -> None:
        self.address = address
        if address.startswith("unix://"):
            self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.sock.connect(address[len("unix://"):])
            self.ctx = None
        else:
            self.ctx = zmq.Context()
            self.sock = self.ctx.socket(zmq.DEALER)
            self.sock.setsockopt(zmq.LINGER, 1000)
            self.sock.connect(address)

    def send(self, packet: bytes) -> None:
        if self.ctx is None:
            self.sock.sendall(pack_stream(packet))
        else:
            self.sock.send(packet)

    def close(self) -> None:
        if self.ctx is None:
            self.sock.close()
        else:
            self.sock.close()
            self.ctx.term()


@pytest.fixture
def server(scheme, short_dir):
    node = Node("server", listen=listen_uri(scheme, short_dir), secret=SECRET, transport_options=FAST)
    node.spawn(Echo, name="echo")
    yield node
    node.stop()


def test_wrong_secret_is_rejected_and_counted(server):
    with Node("intruder", secret=b"not-the-secret", transport_options=FAST) as intruder:
        ref = intruder.ref(actor_at(server.address, "echo"))
        with pytest.raises(DeliveryError):
            ref.ask("echo", 1, timeout=20)
        ref.tell("echo", 2)
        assert _wait_for(lambda: server.transport_stats().get("bad_signature", 0) >= 2)
    assert server.ref("echo").ask("count") == 0  # nothing reached the actor
    with Node("unsigned", transport_options=FAST) as unsigned:  # no secret at all
        with pytest.raises(DeliveryError):
            unsigned.ref(actor_at(server.address, "echo")).ask("echo", 1, timeout=20)
    assert server.ref("echo").ask("count") == 0


def test_right_secret_is_served(server):
    with Node("friend", secret=SECRET, transport_options=FAST) as friend:
        assert friend.ref(actor_at(server.address, "echo")).ask("echo", 3) == 3


def test_replayed_frame_is_rejected(server):
    framer = Framer(SECRET)
    packet = framer.seal([TELL, "echo", encode(Message("once", 1))])
    raw = RawSender(server.address)
    try:
        raw.send(packet)
        raw.send(packet)  # the same signed frame again
        old = Framer(SECRET)
        stale = old.seal([TELL, "echo", encode(Message("stale", 1))])
        # Re-sign a packet whose timestamp is far outside the replay window.
        header = struct.pack(">8sd", os.urandom(8), time.time() - 3600)
        body = stale[48:]
        import hmac
        from hashlib import sha256

        raw.send(hmac.new(SECRET, header + body, sha256).digest() + header + body)
        assert _wait_for(lambda: server.transport_stats().get("replayed", 0) >= 2)
    finally:
        raw.close()
    assert server.ref("echo").ask("order") == ["once"]


def test_non_loopback_tcp_needs_a_secret_or_insecure():
    with pytest.raises(InsecureListen):
        Node("open", listen="tcp://0.0.0.0:0")
    with Node("signed", listen="tcp://0.0.0.0:0", secret=SECRET) as node:
        assert node.address.startswith("tcp://")
    with Node("brave", listen="tcp://0.0.0.0:0", insecure=True) as node:
        assert node.address.startswith("tcp://")
    with Node("local", listen="tcp://127.0.0.1:0") as node:  # loopback needs neither
        assert int(node.address.rsplit(":", 1)[1]) > 0


@pytest.mark.parametrize("kind", ["unix", "ipc"])
def test_socket_file_is_owner_only_and_removed(kind, short_dir):
    node = Node("private", listen=listen_uri(kind, short_dir))
    path = node.address.split("://", 1)[1]
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    node.stop()
    assert not os.path.exists(path)



def _capture_signed_packet(directory) -> bytes:
    """A packet as a real node signs and sends it: a raw unix listener stands where a peer
    would be, and the first packet a node with the secret writes to it is read off the stream."""
    path = str(directory / "capture.sock")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(1)
    listener.settimeout(20)
    try:
        with Node("sender", secret=SECRET, transport_options=FAST) as sender:
            sender.ref(f"unix://{path}#echo").tell("once", 1)
            conn, _ = listener.accept()
            with conn:
                conn.settimeout(20)
                data = b""
                while len(data) < 4 or len(data) < 4 + struct.unpack(">I", data[:4])[0]:
                    chunk = conn.recv(65536)
                    assert chunk, "the sender hung up before a whole packet"
                    data += chunk
            size = struct.unpack(">I", data[:4])[0]
            return data[4:4 + size]
    finally:
        listener.close()


@pytest.mark.parametrize("first,second", [("unix", "tcp"), ("tcp", "unix"), ("unix", "ipc")])
def test_packet_replayed_over_another_transport_is_rejected(first, second, short_dir):
    """One nonce window per node: a signed packet handled over one transport is a replay on
    every other transport of that node."""
    packet = _capture_signed_packet(short_dir)
    node = Node("server", listen=[listen_uri(first, short_dir), listen_uri(second, short_dir)],
                secret=SECRET, transport_options=FAST)
    node.spawn(Echo, name="echo")
    try:
        addresses = {address.split("://", 1)[0]: address for address in node.addresses}
        raw = RawSender(addresses[first])
        try:
            raw.send(packet)
            assert _wait_for(lambda: node.ref("echo").ask("count") == 1)
        finally:
            raw.close()
        raw = RawSender(addresses[second])
        try:
            raw.send(packet)  # the same signed packet, into the same node, by another transport
            assert _wait_for(lambda: node.transport_stats().get("replayed", 0) >= 1)
        finally:
            raw.close()
        assert node.ref("echo").ask("order") == ["once"]
        assert node.transport_stats().get("replayed", 0) == 1
    finally:
        node.stop()

"""The per-message path (``_delivery``) and the ZeroMQ socket work (``_zmq_io``): the compiled
twins and the pure ones, each driving real nodes over real sockets, held to the same behaviour."""

from __future__ import annotations

from typing import Any

import pytest

from symphony import Actor, Message, MessageType, Node, _twins
from symphony.errors import DeliveryError, RemoteError
from symphony.transports._engine import PeerTarget
from symphony.transports.unix import UnixTransport
from symphony.transports.zmq import ZmqTransport

from .conftest import SECRET, actor_at, listen_uri

DELIVERY = _twins.variants("symphony.transports._delivery")
ZMQ_IO = _twins.variants("symphony.transports._zmq_io")


class Echo(Actor):
    def __init__(self) -> None:
        self.told = 0

    def on_receive(self, message: Message[Any]) -> Any:
        if message.kind == "boom":
            raise ValueError("boom")
        if message.kind == "opaque":
            return object()
        if message.kind == "told":
            return self.told
        if message.message_type is MessageType.EVENT:
            self.told += 1
            return None
        return message.payload


def _bound(base: type, twin: str) -> type:
    """``base`` (a transport class) with every hot-path method taken from the ``twin`` variant."""
    delivery = DELIVERY[twin]
    zmq_io = ZMQ_IO.get(twin) if base is ZmqTransport else None

    class Target(PeerTarget):
        ask_inline = delivery.peer_ask_inline
        put = delivery.peer_put

    attrs: dict[str, Any] = {
        "_on_packet": delivery.on_packet, "_on_reply": delivery.on_reply,
        "_send_reply": delivery.send_reply, "_sync_ask": delivery.sync_ask, "_flush": delivery.flush,
        "target": lambda self, endpoint, actor: Target(self, self._peer(self._normalize(endpoint)), actor),
    }
    if zmq_io is not None:
        attrs["_io_poll"] = zmq_io.io_poll
        attrs["_transmit"] = zmq_io.transmit
        attrs["_open_sync_channel"] = lambda self, peer: zmq_io.SyncChannel(
            ZmqTransport._open_sync_channel(self, peer).sock)
    return type(f"{base.__name__}_{twin}", (base,), attrs)


def test_the_twins_offer_the_same_api():
    for variants in (DELIVERY, ZMQ_IO):
        apis = {name: sorted(module.public_api) for name, module in variants.items()}
        assert len({tuple(api) for api in apis.values()}) == 1, apis
        for module in variants.values():
            assert all(hasattr(module, name) for name in module.public_api)


@pytest.fixture(params=sorted(DELIVERY))
def twin(request):
    return request.param


@pytest.fixture(params=["tcp", "ipc", "unix"])
def pair(request, twin, short_dir, monkeypatch):
    """A server node hosting ``Echo`` as ``echo`` and a client node, both on ``twin``'s path."""
    import symphony.actors._node as node_module

    scheme = request.param
    bound = {s: _bound(ZmqTransport if s in ("tcp", "ipc") else UnixTransport, twin) for s in ("tcp", "ipc", "unix")}
    real = node_module.transport_for
    monkeypatch.setattr(node_module, "transport_for", lambda s: bound.get(s) or real(s))
    server = Node("server", listen=listen_uri(scheme, short_dir), secret=SECRET)
    client = Node("client", secret=SECRET)
    try:
        server.spawn(Echo, name="echo")
        assert all(type(t).__name__.endswith(twin) for t in server._transports.values())
        yield server, client, client.ref(actor_at(str(server.address), "echo"))
    finally:
        client.stop()
        server.stop()


def test_asks_tells_and_failures_cross_alike(pair):
    server, client, ref = pair
    for i in range(20):  # enough for the actor to earn handling on the server's I/O thread
        assert ref.ask("echo", i) == i
    assert ref.ask_async("echo", {"k": [1, 2]}).get(10) == {"k": [1, 2]}  # through the I/O threads
    for i in range(200):
        ref.tell("work", i)
    assert ref.ask("told") == 200  # after the tells: the ask waited behind them
    with pytest.raises(RemoteError) as info:
        ref.ask("boom")
    assert info.value.remote_type == "ValueError"
    for ask in (lambda: ref.ask("opaque"), lambda: ref.ask_async("opaque").get(10)):
        with pytest.raises(RemoteError) as info:
            ask()
        assert info.value.remote_type == "symphony.errors.EncodeError"
    with pytest.raises(DeliveryError):
        client.ref(actor_at(str(server.address), "nobody")).ask("echo", 1, timeout=10)
    assert ref.ask("echo", "still serving") == "still serving"
    stats = server.transport_stats()
    assert stats["asks_inline"] > 0
    assert stats.get("malformed", 0) == 0 and stats.get("bad_signature", 0) == 0


def test_a_packet_replayed_or_forged_is_dropped_and_counted(pair):
    server, client, ref = pair
    transport = next(iter(server._transports.values()))
    assert ref.ask("echo", 1) == 1
    framer = next(iter(client._transports.values())).framer
    from symphony.envelope import encode
    from symphony.transports._frames import TELL

    packet = framer.seal([TELL, "echo", encode(Message("work", 1, message_type=MessageType.EVENT))])
    origin = (None, b"")  # an inbound origin; a tell sends nothing back to it
    # Handled on the server's I/O thread, as an arriving packet is.
    assert transport._call(lambda: transport._on_packet(origin, packet)) is True
    assert transport._call(lambda: transport._on_packet(origin, packet)) is False  # the same nonce again
    assert transport._call(lambda: transport._on_packet(origin, b"\0" * 60)) is False  # forged
    assert ref.ask("told") == 1
    stats = server.transport_stats()
    assert stats.get("replayed") == 1 and stats.get("bad_signature") == 1

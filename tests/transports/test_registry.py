"""Transports are found by URI scheme through entry points; addresses parse one way."""

from __future__ import annotations

import pytest

import symphony
from symphony import Node, TransportNotFound
from symphony.actors import available_transports, transport_for
from symphony.actors._transport_api import RemoteTarget, Transport, split_address

from .conftest import SECRET, listen_uri


def test_every_scheme_is_registered():
    found = available_transports()
    assert {"inproc", "tcp", "ipc", "unix"} <= set(found)
    for scheme in ("inproc", "tcp", "ipc", "unix"):
        cls = transport_for(scheme)
        assert issubclass(cls, Transport) and scheme in cls.schemes


def test_errors_are_exported():
    for name in ("RemoteError", "DeliveryError", "InsecureListen"):
        assert name in symphony.__all__ and issubclass(getattr(symphony, name), symphony.SymphonyError)
    names = [n for n in symphony.__all__ if n[0].isupper() and not n.isupper()]
    assert names == sorted(names)


@pytest.mark.parametrize("address, expected", [
    ("tcp://127.0.0.1:5555/echo", ("tcp", "tcp://127.0.0.1:5555", "echo")),
    ("tcp://127.0.0.1:5555#echo", ("tcp", "tcp://127.0.0.1:5555", "echo")),
    ("tcp://127.0.0.1:5555", ("tcp", "tcp://127.0.0.1:5555", None)),
    ("ipc:///tmp/a/b.ipc#echo", ("ipc", "ipc:///tmp/a/b.ipc", "echo")),
    ("unix:///tmp/x.sock#w-1", ("unix", "unix:///tmp/x.sock", "w-1")),
    ("inproc://node-a/echo", ("inproc", "inproc://node-a", "echo")),
])
def test_split_address(address, expected):
    assert split_address(address) == expected


def test_bad_addresses():
    with Node("n") as node:
        with pytest.raises(TransportNotFound):
            node.ref("carrier-pigeon://coop/echo")
        with pytest.raises(ValueError):
            node.ref("unix:///tmp/no-actor-named.sock")
        with pytest.raises(symphony.ActorNotFound):
            node.ref("plain-name")
        assert node.address is None and node.addresses == []


def test_listen_on_several_addresses(short_dir):
    uris = [listen_uri("tcp", short_dir), listen_uri("ipc", short_dir), listen_uri("unix", short_dir)]
    with Node("multi", listen=uris, secret=SECRET) as node:
        assert len(node.addresses) == 3
        assert node.address == node.addresses[0]
        assert int(node.address.rsplit(":", 1)[1]) > 0  # port 0 became a real port
        assert node.addresses[1].startswith("ipc://") and node.addresses[2].startswith("unix://")


def test_a_third_party_transport_plugs_in(monkeypatch):
    calls = []

    class Pigeon(Transport):
        schemes = ("pigeon",)

        def listen(self, uri):
            return uri + "?bound"

        def target(self, endpoint, actor):
            outer = self

            class Target(RemoteTarget):
                def put(self, msg, future, block_timeout=None):
                    calls.append((endpoint, actor, msg.kind))
                    if future is not None:
                        future.set(("carried", msg.payload))

            return Target(outer.host, endpoint, actor)

        def close(self, timeout=1.0):
            calls.append("closed")
            return True

    import symphony.actors._node as node_module

    real = node_module.transport_for
    monkeypatch.setattr(node_module, "transport_for", lambda s: Pigeon if s == "pigeon" else real(s))
    with Node("coop", listen="pigeon://coop") as node:
        assert node.address == "pigeon://coop?bound"
        ref = node.ref("pigeon://elsewhere#bird")
        assert isinstance(ref, symphony.Ref)
        assert ref.ask("fly", 3) == ("carried", 3)
        ref.tell("land")
    assert calls == [("pigeon://elsewhere", "bird", "fly"), ("pigeon://elsewhere", "bird", "land"), "closed"]

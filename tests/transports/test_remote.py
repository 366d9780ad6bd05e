"""A Ref to an actor in another process behaves like a local one, over every transport."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from pathlib import Path

import pytest

import symphony
from symphony import DeliveryError, MessageExpired, Node, Priority, RemoteError

from .conftest import FAST, SECRET, PeerProcess, actor_at, listen_uri


@pytest.fixture(scope="module", params=["tcp", "ipc", "unix"])
def remote(request):
    """(client node, peer address) with one peer process per scheme for this module."""
    directory = Path(tempfile.mkdtemp(prefix="sy-"))
    peer = PeerProcess(listen_uri(request.param, directory), directory, ["tests.transports._actors:Echo=echo",
                                                                        "tests.transports._actors:Echo=other"])
    node = Node("client", secret=SECRET, transport_options=FAST)
    yield node, peer.address, directory
    node.stop()
    assert peer.stop() == 0
    shutil.rmtree(directory, ignore_errors=True)


def test_ref_is_a_ref_and_round_trips(remote):
    node, address, _ = remote
    ref = node.ref(actor_at(address, "echo"))
    assert isinstance(ref, symphony.Ref)
    assert ref.ask("echo", {"x": [1, 2, 3]}) == {"x": [1, 2, 3]}
    assert ref.ask("echo", 7, timeout=10) == 7
    assert ref.ask_async("echo", "a").get(10) == "a"


def test_tells_arrive_in_order_before_a_later_ask(remote):
    node, address, _ = remote
    ref = node.ref(actor_at(address, "echo"))
    ref.ask("order")
    for i in range(200):
        ref.tell(f"t{i}", i)
    assert ref.ask("order") == [f"t{i}" for i in range(200)]


def test_ask_async_awaited_in_asyncio(remote):
    node, address, _ = remote
    ref = node.ref(actor_at(address, "echo"))

    async def main():
        return await asyncio.gather(*(ref.ask_async("echo", i) for i in range(20)))

    assert asyncio.run(main()) == list(range(20))


def test_priority_is_kept_on_the_far_side(remote):
    node, address, directory = remote
    ref = node.ref(actor_at(address, "echo"))
    gate = directory / "gate-priority"
    ref.ask("order")
    ref.tell("hold", str(gate))
    ref.tell("low", None, priority=Priority.LOW)
    ref.tell("normal", None)
    ref.tell("high", None, priority=Priority.HIGH)
    ref.tell("critical", None, priority=Priority.CRITICAL)
    fut = ref.ask_async("order", priority=Priority.BACKGROUND)
    # Same connection, same order: once "other" answers, all of the above is in echo's mailbox.
    assert node.ref(actor_at(address, "other")).ask("echo", 1, timeout=10) == 1
    gate.touch()
    assert fut.get(10) == ["critical", "high", "normal", "low"]


def test_remaining_ttl_travels_and_expiry_there_is_expiry_here(remote):
    node, address, directory = remote
    ref = node.ref(actor_at(address, "echo"))
    left = ref.ask("remaining", ttl=30.0)
    assert 0.0 < left <= 30.0
    gate = directory / "gate-ttl"
    ref.ask("order")
    ref.tell("hold", str(gate))
    with pytest.raises(MessageExpired):  # it expires in the far mailbox, behind "hold"
        ref.ask("echo", 1, ttl=0.2, timeout=10)
    gate.touch()
    assert ref.ask("order", timeout=10) == []  # the expired message was never handled there
    assert ref.ask("echo", 2, timeout=10) == 2


def test_remote_exception_arrives_as_remote_error(remote):
    node, address, _ = remote
    ref = node.ref(actor_at(address, "echo"))
    for ask in (lambda: ref.ask("boom", 5), lambda: ref.ask("boom", 5, timeout=10),
                lambda: ref.ask_async("boom", 5).get(10)):
        with pytest.raises(RemoteError) as info:
            ask()
        err = info.value
        assert err.remote_type == "ValueError"
        assert err.remote_message == "boom 5"
        assert "_explode" in err.remote_traceback
        assert isinstance(err, symphony.SymphonyError)
    assert ref.ask("echo", "still alive") == "still alive"


def test_a_reply_that_cannot_be_encoded_fails_the_ask_not_the_node(remote):
    node, address, _ = remote
    ref = node.ref(actor_at(address, "echo"))
    for _ in range(6):  # the first on the dispatcher, the later ones inline on the I/O thread
        for ask in (lambda: ref.ask("opaque"), lambda: ref.ask_async("opaque").get(10)):
            with pytest.raises(RemoteError) as info:
                ask()
            assert info.value.remote_type == "symphony.errors.EncodeError"
        assert ref.ask("echo", "fine") == "fine"


def test_unknown_actor_is_delivery_error(remote):
    node, address, _ = remote
    ref = node.ref(actor_at(address, "nobody"))
    with pytest.raises(DeliveryError):
        ref.ask("echo", 1)
    with pytest.raises(DeliveryError):
        ref.ask_async("echo", 1).get(10)
    ref.tell("echo", 1)  # a tell goes to the far side's dead letters; nothing raises here


def test_unreachable_node_is_delivery_error_promptly(scheme, short_dir):
    uri = {"tcp": "tcp://127.0.0.1:9", "ipc": f"ipc://{short_dir}/none.ipc",
           "unix": f"unix://{short_dir}/none.sock"}[scheme]
    with Node("lonely", secret=SECRET, transport_options=FAST) as node:
        ref = node.ref(actor_at(uri, "echo"))
        with pytest.raises(DeliveryError):
            ref.ask("echo", 1, timeout=30)  # fails on the heartbeat timeout (1 s), not after 30 s
        with pytest.raises(DeliveryError):
            ref.ask_async("echo", 1).get(30)

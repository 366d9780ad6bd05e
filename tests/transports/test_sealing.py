"""Sealing and opening packets: the compiled twin and the pure one, held to the same behaviour."""

from __future__ import annotations

import hmac
import os
import struct
import time

import msgpack
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from symphony import _twins
from symphony.transports._frames import ASK, REPLY, TELL, Framer

VARIANTS = _twins.variants("symphony.transports._sealing")
SECRET = b"sealing-secret"


@pytest.fixture(params=sorted(VARIANTS))
def twin(request):
    return VARIANTS[request.param]


def test_the_chosen_framer_is_one_of_the_twins():
    assert Framer in {module.Framer for module in VARIANTS.values()}
    if "compiled" in VARIANTS and not _twins.PURE_PYTHON:
        assert Framer is VARIANTS["compiled"].Framer


@given(key=st.binary(max_size=200), data=st.binary(max_size=300), cut=st.integers(0, 40))
def test_signature_is_standard_hmac_sha256(key, data, cut):
    """Frames are signed exactly as Jupyter's protocol does, so any HMAC library can check them."""
    for module in VARIANTS.values():
        sign = module.hmac_sha256(key)
        assert sign(data) == hmac.digest(key, data, "sha256")
        assert sign(memoryview(data)[cut:]) == hmac.digest(key, data[cut:], "sha256")


entries = st.lists(st.tuples(st.integers(0, 7), st.one_of(st.text(max_size=20), st.binary(max_size=16)),
                             st.one_of(st.binary(max_size=200), st.integers(-(2**63), 2**64 - 1), st.none())),
                   min_size=1, max_size=5).map(lambda triples: [x for t in triples for x in t])


@settings(max_examples=60)
@given(flat=entries, signed=st.booleans())
def test_every_twin_opens_what_every_twin_sealed(flat, signed):
    secret = SECRET if signed else None
    framers = {name: module.Framer(secret) for name, module in VARIANTS.items()}
    for sender in framers.values():
        for receiver in framers.values():
            packet = sender.seal(flat)
            assert packet[48 if signed else 16:] == msgpack.packb(flat)  # header, then the body
            assert receiver.open(packet) == flat


@settings(max_examples=200)
@given(junk=st.binary(max_size=120), flip=st.integers(0, 200))
def test_twins_drop_the_same_garbage_with_the_same_counts(junk, flip):
    good = VARIANTS["pure"].Framer(SECRET).seal([TELL, "a", b"payload"])
    mutated = bytearray(good)
    mutated[flip % len(mutated)] ^= 0x40
    results = {}
    for name, module in VARIANTS.items():
        framer = module.Framer(SECRET)
        out = [framer.open(junk), framer.open(bytes(mutated)), framer.open(good), framer.open(good)]
        results[name] = (out, dict(framer.counters))
    assert len({repr(r) for r in results.values()}) == 1, results
    out, counters = results["pure"]
    assert out[2] == [TELL, "a", b"payload"] and out[3] is None  # then the replay is refused
    assert counters["replayed"] >= 1


def test_unsigned_garbage_is_malformed_not_fatal(twin):
    framer = twin.Framer(None)
    assert framer.open(b"") is None
    assert framer.open(b"x" * 16) is None
    assert framer.open(b"\0" * 16 + b"\xc1") is None  # 0xc1 is never valid msgpack
    assert framer.open(b"\0" * 16 + b"\x92\x01\x02") is None  # not a multiple of 3 entries
    assert framer.counters["malformed"] == 4


def test_entries_msgpack_cannot_carry_are_refused_alike():
    for module in VARIANTS.values():
        with pytest.raises(OverflowError):
            module.Framer(SECRET).seal([TELL, "a", 2**64])
        with pytest.raises(TypeError):
            module.Framer(SECRET).seal([TELL, "a", object()])


def test_oversized_packets_are_dropped_before_anything_else(twin):
    framer = twin.Framer(SECRET, max_frame=100)
    big = twin.Framer(SECRET).seal([TELL, "a", b"x" * 200])
    assert framer.open(big) is None
    assert framer.counters == {"oversized": 1}


def test_framer_rejects_every_replay_and_forgets_expired_nonces(twin):
    sender, receiver = twin.Framer(SECRET), twin.Framer(SECRET, replay_window=2.0)
    # Each packet is opened right after it is sealed, so none can age out of the window unless
    # the test thread stalls for two seconds between the two (half a second was seen in CI, on
    # a loaded machine).
    packets, opened = [], []
    for i in range(3000):
        packets.append(sender.seal([ASK, "a", i]))
        opened.append(receiver.open(packets[-1]))
    assert opened == [[ASK, "a", i] for i in range(3000)]
    assert all(receiver.open(p) is None for p in packets[::7])
    assert receiver.counters["replayed"] == len(packets[::7])
    time.sleep(4.1)  # two windows later nothing can be replayed any more: forgotten
    assert all(receiver.open(sender.seal([REPLY, b"id", i])) is not None for i in range(1100))
    assert len(receiver._seen) < 1100 + 1024


def test_stale_and_future_timestamps_are_replays(twin):
    receiver = twin.Framer(SECRET, replay_window=60.0)
    body = twin.Framer(SECRET).seal([TELL, "a", 1])[48:]
    for skew in (-3600.0, 3600.0):
        header = struct.pack(">8sd", os.urandom(8), time.time() + skew)
        assert receiver.open(hmac.digest(SECRET, header + body, "sha256") + header + body) is None
    assert receiver.counters["replayed"] == 2


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_forked_child_draws_other_nonces_than_its_parent(twin):
    """A child repeating its parent's nonces would have its packets dropped as replays."""
    framer = twin.Framer(SECRET)
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report the nonces of its next packets, then leave at once
        try:
            os.write(write_end, b"".join(framer.seal([TELL, "a", i])[32:40] for i in range(4)))
        finally:
            os._exit(0)
    os.close(write_end)
    try:
        child = os.read(read_end, 64)
    finally:
        os.close(read_end)
        os.waitpid(pid, 0)
    parent = b"".join(framer.seal([TELL, "a", i])[32:40] for i in range(4))
    assert len(child) == 32 and child != parent


def test_framers_sharing_a_nonce_window_reject_each_others_replays(twin):
    """A node's transports share one window: what one of them opened, another refuses."""
    nonces = twin.NonceWindow(1.0)
    first = twin.Framer(SECRET, replay_window=1.0, nonces=nonces)
    second = twin.Framer(SECRET, replay_window=30.0, nonces=nonces)
    assert nonces.window == 30.0  # remembered for as long as the most patient framer accepts
    packet = twin.Framer(SECRET).seal([TELL, "a", 1])
    assert first.open(packet) == [TELL, "a", 1]
    assert second.open(packet) is None and second.counters["replayed"] == 1
    assert twin.Framer(SECRET).open(packet) == [TELL, "a", 1]  # a framer of its own: another node


@pytest.mark.parametrize("key_size", [0, 1, 32, 64, 65, 200])
def test_every_packet_size_is_signed_with_standard_hmac_sha256(twin, key_size):
    """Small packets are signed with the CPU's SHA instructions where it has them, larger ones
    with hashlib: across every padding case (body sizes around 55, 64, 119 and 128 bytes, and
    past the switch between the two) the signature is the standard one, and a flipped byte is refused."""
    secret = bytes(range(key_size))
    sender, receiver = twin.Framer(secret), twin.Framer(secret)
    for size in [*range(0, 300), 1000, 4000, 4050, 4079, 4080, 4081, 4200, 9000, 70_000]:
        packet = sender.seal([TELL, "a", b"x" * size])
        assert packet[:32] == hmac.digest(secret, packet[32:], "sha256"), size
        tampered = bytearray(packet)
        tampered[-1] ^= 1
        assert receiver.open(bytes(tampered)) is None
        assert receiver.open(packet) == [TELL, "a", b"x" * size]

"""Message: fields, immutability, ids, TTL, reply/replace, builder."""

from __future__ import annotations

import threading
import time
import uuid

import pytest

from symphony import Message, MessageType, Priority
from symphony.envelope import _message


def test_fields_and_defaults():
    msg = Message("edit", {"a": 1})
    assert msg.kind == "edit"
    assert msg.payload == {"a": 1}
    assert msg.priority == Priority.NORMAL
    assert msg.message_type is MessageType.EVENT
    assert msg.ttl is None and msg.expires_at is None and not msg.is_expired()
    assert msg.correlation_id is None and msg.source is None and msg.target is None
    assert dict(msg.metadata) == {}
    assert abs(msg.created_at - time.time()) < 5
    assert 0 <= msg.age() < 5


def test_id_is_a_stable_random_v4_uuid():
    msg = Message("edit")
    assert isinstance(msg.id, uuid.UUID) and msg.id.version == 4
    assert msg.id == msg.id
    assert len({Message("x").id for _ in range(2000)}) == 2000


def test_id_drawn_concurrently_is_the_same_for_every_thread():
    for _ in range(50):
        msg = Message("edit")
        seen: list[uuid.UUID] = []
        threads = [threading.Thread(target=lambda: seen.append(msg.id)) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len(set(seen)) == 1


def test_immutable():
    msg = Message("edit", metadata={"k": 1})
    with pytest.raises(AttributeError):
        msg.kind = "other"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        msg.new_field = 1  # type: ignore[attr-defined]
    with pytest.raises(TypeError):
        msg.metadata["k"] = 2  # type: ignore[index]


def test_metadata_is_copied_not_aliased():
    meta = {"trace": "abc"}
    msg = Message("edit", metadata=meta)
    meta["trace"] = "changed"
    assert msg.metadata["trace"] == "abc"


def test_generic_payload_type_subscripts():
    alias = Message[dict]
    assert alias("edit", {}).payload == {}


@pytest.mark.parametrize("priority", [Priority.CRITICAL, 500, -7, Priority.BACKGROUND])
def test_priorities_standard_and_custom(priority):
    assert Message("x", priority=priority).priority == priority


@pytest.mark.parametrize("bad", ["high", 1.5, None, True])
def test_bad_priority_is_a_type_error(bad):
    with pytest.raises(TypeError):
        Message("x", priority=bad)


@pytest.mark.parametrize("bad, error", [(-1, ValueError), (float("nan"), ValueError), ("1", TypeError),
                                        (True, TypeError)])
def test_bad_ttl(bad, error):
    with pytest.raises(error):
        Message("x", ttl=bad)


def test_kind_must_be_a_string():
    with pytest.raises(TypeError):
        Message(42)  # type: ignore[arg-type]


def test_ttl_expiry(monkeypatch):
    now = [1000.0]  # a clock the test moves: a stalled test thread cannot expire the message early
    monkeypatch.setattr(_message, "_mono", lambda: now[0])
    msg = Message("x", ttl=0.05)
    assert not msg.is_expired()
    assert msg.expires_at == pytest.approx(msg.created_at + 0.05)
    assert msg.remaining() == pytest.approx(0.05)
    now[0] += 0.049
    assert not msg.is_expired() and msg.remaining() == pytest.approx(0.001)
    now[0] += 0.002
    assert msg.is_expired()
    assert msg.remaining() == 0.0
    assert Message("x", ttl=0).is_expired()


def test_ttl_runs_on_the_real_clock():
    msg = Message("x", ttl=0.05)
    time.sleep(0.06)
    assert msg.is_expired()


def test_is_expired_at_a_given_time():
    msg = Message("x", ttl=10)
    assert not msg.is_expired(now=msg.created_at + 9.9)
    assert msg.is_expired(now=msg.created_at + 10.0)


def test_reply_is_correlated_and_addressed_back():
    request = Message("get", 1, source="asker", target="server", message_type=MessageType.REQUEST,
                      priority=Priority.HIGH)
    answer = request.reply(2)
    assert answer.message_type is MessageType.RESPONSE
    assert answer.correlation_id == request.id
    assert (answer.source, answer.target) == ("server", "asker")
    assert answer.payload == 2 and answer.priority == Priority.HIGH
    assert request.reply("x", message_type=MessageType.ERROR).message_type is MessageType.ERROR


def test_replace_keeps_identity_and_changes_fields():
    msg = Message("x", 1, ttl=30, source="a")
    copy = msg.replace(payload=2, target="b")
    assert copy.id == msg.id and copy.created_at == msg.created_at
    assert (copy.payload, copy.target, copy.source, copy.ttl) == (2, "b", "a", 30)
    assert msg.payload == 1 and msg.target is None
    shorter = msg.replace(ttl=0)
    assert shorter.is_expired() and not msg.is_expired()
    assert msg.replace(id=None).id != msg.id
    with pytest.raises(TypeError):
        msg.replace(colour="red")


def test_builder_sets_every_field():
    corr = uuid.uuid4()
    msg = (Message.build("edit").payload({"a": 1}).priority(Priority.HIGH).ttl(1.5).correlation_id(corr)
           .source("a").target("b").message_type(MessageType.REQUEST).metadata(k=1).metadata({"j": 2}).build())
    assert (msg.kind, msg.payload, msg.priority, msg.ttl, msg.correlation_id, msg.source, msg.target) == (
        "edit", {"a": 1}, Priority.HIGH, 1.5, corr, "a", "b")
    assert msg.message_type is MessageType.REQUEST
    assert dict(msg.metadata) == {"k": 1, "j": 2}


def test_builder_is_reusable_and_validates():
    builder = Message.build("x").payload(1)
    first, second = builder.build(), builder.build()
    assert first.payload == second.payload and first.id != second.id
    with pytest.raises(ValueError):
        Message.build("x").ttl(-1).build()


def test_equality_and_hash():
    msg = Message("x", 1)
    same = msg.replace()
    assert msg == same and hash(msg) == hash(same)
    assert msg != Message("x", 1)
    assert "payload=1" in repr(msg)


def test_pooled_ids_are_version_4_with_the_rfc_variant_across_refills():
    ids = [Message("x").id for _ in range(1000)]  # several pool refills
    assert all(i.version == 4 and i.variant == uuid.RFC_4122 for i in ids)
    assert len(set(ids)) == 1000


def test_a_forked_child_never_repeats_its_parents_ids():
    import os

    Message("warm").id  # the parent's pool now holds ids a careless child would reuse
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # child
        os.close(read)
        os.write(write, b"".join(Message("c").id.bytes for _ in range(100)))
        os._exit(0)
    os.close(write)
    data = b""
    while chunk := os.read(read, 65536):
        data += chunk
    os.close(read)
    os.waitpid(pid, 0)
    child = {data[i:i + 16] for i in range(0, len(data), 16)}
    parent = {Message("p").id.bytes for _ in range(100)}
    assert len(child) == 100 and not child & parent

"""``Peer``: JSON-RPC 2.0 in both directions over a pair of pipes, and every kind of bad input."""

from __future__ import annotations

import concurrent.futures
import json
import os
import threading

import pytest

from symphony.errors import RpcError
from symphony.rpc import INVALID_PARAMS, METHOD_NOT_FOUND, Peer


class Echo:
    """A handler: ``echo`` returns its params, ``later`` answers from another thread."""

    def __init__(self) -> None:
        self.notes: list[tuple[str, object]] = []

    def handle_request(self, method, params):
        if method == "echo":
            return params
        if method == "bad":
            raise RpcError(INVALID_PARAMS, "bad param")
        if method == "boom":
            raise ZeroDivisionError("boom")
        if method == "later":
            future = concurrent.futures.Future()
            threading.Timer(0.01, future.set_result, args=[params]).start()
            return future
        if method == "unencodable":
            return object()
        raise RpcError(METHOD_NOT_FOUND, method)

    def handle_notification(self, method, params):
        if method == "boom":
            raise ValueError("boom")
        self.notes.append((method, params))


class Pair:
    """Two peers connected back to back with pipes."""

    def __init__(self) -> None:
        a_r, b_w = os.pipe()
        b_r, a_w = os.pipe()
        self.files = [os.fdopen(a_r, "rb"), os.fdopen(a_w, "wb"), os.fdopen(b_r, "rb"), os.fdopen(b_w, "wb")]
        self.server_handler = Echo()
        self.server = Peer(self.files[0], self.files[1], self.server_handler, name="server").start()
        self.client = Peer(self.files[2], self.files[3], Echo(), name="client").start()

    def close(self) -> None:
        self.client.close()
        self.files[3].close()  # server sees EOF
        self.server.join(5)
        self.server.close()
        self.files[1].close()
        self.client.join(5)
        for f in self.files:
            if not f.closed:
                f.close()


@pytest.fixture
def pair(no_leaked_threads):
    p = Pair()
    yield p
    p.close()


def test_requests_both_directions(pair):
    assert pair.client.request("echo", {"a": [1, "é"]}, timeout=10) == {"a": [1, "é"]}
    assert pair.server.request("echo", [1, 2], timeout=10) == [1, 2]
    assert pair.client.request("later", 5, timeout=10) == 5


def test_errors_are_answered_and_serving_goes_on(pair):
    with pytest.raises(RpcError) as info:
        pair.client.request("nope", timeout=10)
    assert info.value.code == -32601
    with pytest.raises(RpcError) as info:
        pair.client.request("bad", timeout=10)
    assert info.value.code == -32602
    with pytest.raises(RpcError) as info:
        pair.client.request("boom", timeout=10)
    assert info.value.code == -32603
    with pytest.raises(RpcError) as info:
        pair.client.request("unencodable", timeout=10)
    assert info.value.code == -32603
    pair.client.send_notification("boom")
    pair.client.send_notification("note", {"x": 1})
    assert pair.client.request("echo", 1, timeout=10) == 1
    assert pair.server_handler.notes == [("note", {"x": 1})]


class Recorder:
    def __init__(self) -> None:
        self.lines: list[dict] = []
        self.event = threading.Event()

    def write(self, data: bytes) -> None:
        for line in data.splitlines():
            self.lines.append(json.loads(line))
        self.event.set()

    def flush(self) -> None:
        pass


@pytest.mark.parametrize("line, code, answer_id", [
    (b"{not json", -32700, None),
    (b"\xff\xfe", -32700, None),
    (b"[]", -32600, None),
    (b"7", -32600, None),
    (b'{"id": {"x": 1}, "method": "echo"}', -32600, None),
    (b'{"id": 4, "method": 5}', -32600, 4),
    (b'{"id": 5}', -32600, 5),
    (b'{"id": 6, "method": "nope"}', -32601, 6),
    (b'{"id": 7, "method": "bad"}', -32602, 7),
])
def test_malformed_lines(line, code, answer_id, no_leaked_threads):
    out = Recorder()
    peer = Peer(open(os.devnull, "rb"), out, Echo())  # type: ignore[arg-type]
    try:
        peer.handle_line(line + b"\n")
        peer.handle_line(b'{"id": "after", "method": "echo", "params": 1}\n')
        peer.close()
        assert out.lines[0]["error"]["code"] == code
        assert out.lines[0]["id"] == answer_id
        assert out.lines[-1] == {"jsonrpc": "2.0", "id": "after", "result": 1}
    finally:
        peer.close()
        peer._reader.close()


def test_dropped_without_answer(no_leaked_threads):
    out = Recorder()
    peer = Peer(open(os.devnull, "rb"), out, Echo())  # type: ignore[arg-type]
    try:
        peer.handle_line(b'{"method": 5}\n')  # no id: nothing to answer
        peer.handle_line(b'{"params": 1}\n')
        peer.handle_line(b"\n")
        peer.handle_line(b'{"id": 1, "result": 2}\n')  # a response nobody waits for
        peer.close()
        assert out.lines == []
    finally:
        peer._reader.close()


def test_batch_and_batched_writes(no_leaked_threads):
    out = Recorder()
    peer = Peer(open(os.devnull, "rb"), out, Echo())  # type: ignore[arg-type]
    try:
        peer.handle_line(json.dumps([{"id": 1, "method": "echo", "params": "a"},
                                     {"method": "note"}, {"id": 2, "method": "nope"}]))
        for i in range(100):
            peer.send_notification("n", i)
        peer.close()
        assert out.lines[0]["result"] == "a" and out.lines[1]["error"]["code"] == -32601
        assert [m["params"] for m in out.lines[2:]] == list(range(100))
    finally:
        peer._reader.close()


def test_eof_fails_pending_requests(no_leaked_threads):
    r, w = os.pipe()
    reader = os.fdopen(r, "rb")
    peer = Peer(reader, open(os.devnull, "wb"), Echo()).start()
    future = peer.send_request("echo", 1)
    os.close(w)
    peer.join(5)
    with pytest.raises(RpcError):
        future.result(5)
    peer.close()
    reader.close()
    peer._writer.close()


class Lines:
    """A writer that keeps what a peer writes."""

    def __init__(self) -> None:
        self.data = b""
        self.cond = threading.Condition()

    def write(self, data: bytes) -> None:
        with self.cond:
            self.data += data
            self.cond.notify_all()

    def flush(self) -> None:
        pass

    def wait_lines(self, n: int) -> list[dict]:
        with self.cond:
            assert self.cond.wait_for(lambda: self.data.count(b"\n") >= n, 30)
            return [json.loads(line) for line in self.data.splitlines()]


def test_a_pushed_peer_answers_before_what_follows_the_answer():
    """``Answer(result, then)``: the response is queued before ``then`` runs (xi's new_view order)."""
    from symphony.rpc import Answer

    out = Lines()

    class Handler:
        def handle_request(self, method, params):
            return Answer("view-1", lambda: peer.send_notification("update", {"view_id": "view-1"}))

        def handle_notification(self, method, params):
            pass

    peer = Peer(None, out, Handler(), name="pushed")
    try:
        peer.handle_line(b'{"id": 7, "method": "new_view"}\n')
        first, second = out.wait_lines(2)
        assert first["id"] == 7 and first["result"] == "view-1"
        assert second["method"] == "update"
        with pytest.raises(TypeError):
            peer.serve()  # no reader: input is pushed
    finally:
        peer.close()


def test_nothing_written_is_outside_strict_json():
    out = Lines()

    class Handler:
        def handle_request(self, method, params):
            return float("nan") if method == "nan" else "\ud800"

        def handle_notification(self, method, params):
            pass

    peer = Peer(None, out, Handler(), name="strict")
    try:
        peer.handle_line(b'{"id": 1, "method": "nan"}')
        peer.handle_line(b'{"id": 2, "method": "surrogate"}')
        peer.handle_line('{"id": 3, "method": "x", "params": ["\ud800"]}')  # a str line: checked too
        peer.handle_line(b'{"id": "\\ud800", "method": "x"}')
        answers = out.wait_lines(4)
        assert [a.get("id") for a in answers] == [1, 2, 3, None]
        assert [a["error"]["code"] for a in answers] == [-32603, -32603, -32602, -32600]
        out.data.decode("utf-8")  # every byte written is UTF-8
    finally:
        peer.close()

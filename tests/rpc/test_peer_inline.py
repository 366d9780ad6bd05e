"""``Peer`` writes a line on the sending thread when the stream is idle and has room, and
keeps queue order with the writer thread; a full stream never blocks a sender."""

from __future__ import annotations

import json
import os
import threading

from symphony.rpc import Peer


class Quiet:
    def handle_request(self, method, params):
        return params

    def handle_notification(self, method, params):
        pass


class PipeOut:
    """The write end of a real pipe that notes which thread wrote each chunk."""

    def __init__(self) -> None:
        r, w = os.pipe()
        self.read_end = os.fdopen(r, "rb")
        self._file = os.fdopen(w, "wb")
        self.threads: list[str] = []

    def fileno(self) -> int:
        return self._file.fileno()

    def write(self, data: bytes) -> None:
        self.threads.append(threading.current_thread().name)
        self._file.write(data)

    def flush(self) -> None:
        self._file.flush()

    def read_lines(self, n: int) -> list[dict]:
        return [json.loads(self.read_end.readline()) for _ in range(n)]

    def close(self) -> None:
        self._file.close()
        self.read_end.close()


def test_an_idle_peer_writes_on_the_sending_thread(no_leaked_threads):
    out = PipeOut()
    peer = Peer(None, out, Quiet(), name="inline")
    try:
        peer.send_notification("update", {"n": 1})
        assert out.read_lines(1) == [{"jsonrpc": "2.0", "method": "update", "params": {"n": 1}}]
        assert out.threads == [threading.current_thread().name]
    finally:
        peer.close()
        out.close()


def test_inline_writes_keep_each_senders_order_under_concurrent_senders(no_leaked_threads):
    out = PipeOut()
    peer = Peer(None, out, Quiet(), name="inline")
    senders, each = 4, 500
    start = threading.Barrier(senders)

    def send(who: int) -> None:
        start.wait()
        for i in range(each):
            peer.send_notification("update", {"who": who, "i": i})

    threads = [threading.Thread(target=send, args=(who,)) for who in range(senders)]
    try:
        for t in threads:
            t.start()
        lines = out.read_lines(senders * each)  # reading keeps the pipe from filling up
        for t in threads:
            t.join()
        for who in range(senders):
            assert [m["params"]["i"] for m in lines if m["params"]["who"] == who] == list(range(each))
    finally:
        peer.close()
        out.close()


def test_a_pushed_request_is_answered_before_what_follows_inline(no_leaked_threads):
    """``Answer``'s order holds when the answer is written inline and ``then`` sends from
    another thread at once."""
    from symphony.rpc import Answer

    out = PipeOut()

    class Handler(Quiet):
        def handle_request(self, method, params):
            def then():
                t = threading.Thread(target=peer.send_notification, args=("update", {"view_id": "v"}))
                t.start()
                t.join()
            return Answer("v", then)

    peer = Peer(None, out, Handler(), name="inline")
    try:
        for i in range(50):
            peer.handle_line(json.dumps({"id": i, "method": "new_view"}).encode())
            first, second = out.read_lines(2)
            assert first["id"] == i and second["method"] == "update"
    finally:
        peer.close()
        out.close()


def test_a_full_pipe_never_blocks_a_sender_and_order_survives(no_leaked_threads):
    """Nobody reads: the pipe fills, senders go on (lines queue for the writer thread),
    and once the other side reads, everything arrives in the order it was sent."""
    out = PipeOut()
    peer = Peer(None, out, Quiet(), name="inline")
    n = 2000  # about 200 KB: more than a pipe holds
    try:
        for i in range(n):
            peer.send_notification("update", {"i": i, "pad": "x" * 60})
        assert [m["params"]["i"] for m in out.read_lines(n)] == list(range(n))
        assert threading.current_thread().name in out.threads  # the first lines went inline
        assert "inline-writer" in out.threads  # the rest waited for room on the writer thread
    finally:
        peer.close()
        out.close()

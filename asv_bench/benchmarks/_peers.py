"""Peer processes for the transport benchmarks (run as a script, never imported by asv).

``python _peers.py symphony URI [secret]``: a ``symphony node`` hosting ``Echo`` as ``echo``.
``python _peers.py raw URI``: a raw pyzmq ROUTER that echoes every message back, and on a
``b"count"`` message answers how many messages it has seen (the one-way rate baseline).
Both print ``listening on <address>`` once ready.
"""

from __future__ import annotations

import os as _os
import sys as _sys

if __name__ == "__main__":  # run as a script: this directory's transports.py must not shadow the package
    _HERE_DIR = _os.path.dirname(_os.path.abspath(__file__))
    _sys.path[:] = [p for p in _sys.path if _os.path.abspath(p or ".") != _HERE_DIR]

import sys
from typing import Any

from symphony import Actor, Message


class Echo(Actor):
    """Answers an ask with its payload; counts tells; ``count`` answers how many."""

    def __init__(self) -> None:
        self.seen = 0

    def on_receive(self, message: Message[Any]) -> Any:
        if message.kind == "count":
            return self.seen
        self.seen += 1
        return message.payload


def raw(uri: str) -> None:
    import msgpack
    import zmq

    ctx = zmq.Context()
    sock = ctx.socket(zmq.ROUTER)
    sock.setsockopt(zmq.SNDHWM, 100_000)
    sock.setsockopt(zmq.RCVHWM, 100_000)
    sock.bind(uri)
    endpoint = sock.getsockopt(zmq.LAST_ENDPOINT)
    assert isinstance(endpoint, bytes)
    print(f"listening on {endpoint.decode()}", flush=True)
    seen = 0
    unpackb = msgpack.unpackb
    while True:
        ident, body = sock.recv_multipart()
        if body == b"count":
            sock.send_multipart([ident, msgpack.packb(seen)])
        elif body == b"stop":
            break
        elif body[:1] == b"E":  # echo
            sock.send_multipart([ident, body])
        else:  # one-way: decode like a receiver would
            unpackb(body)
            seen += 1
    sock.close(0)
    ctx.term()


if __name__ == "__main__":
    if sys.argv[1] == "raw":
        raw(sys.argv[2])
    else:
        from symphony.cli import main

        argv = ["node", "--listen", sys.argv[2], "--spawn", "__main__:Echo=echo"]
        if len(sys.argv) > 3:
            argv += ["--secret-file", sys.argv[3]]
        sys.exit(main(argv))

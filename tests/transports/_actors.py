"""Actors the transport tests host in peer processes (``symphony node --spawn ...``)."""

from __future__ import annotations

import os
import time
from typing import Any

from symphony import Actor, Message


def _explode(text: str) -> None:
    raise ValueError(text)


class Echo(Actor):
    """Echoes asks; records what it is told; ``hold`` blocks until a file exists.

    ``order`` answers the kinds handled since the last ``order``; ``remaining`` answers the
    TTL left on arrival; ``boom`` raises ``ValueError``; ``pid`` answers the process id;
    ``opaque`` answers an object msgpack cannot encode.
    """

    def __init__(self) -> None:
        self.seen: list[str] = []
        self.count = 0

    def on_receive(self, message: Message[Any]) -> Any:
        kind = message.kind
        if kind == "hold":
            deadline = time.monotonic() + 10.0
            while not os.path.exists(message.payload) and time.monotonic() < deadline:
                time.sleep(0.01)
            return None
        if kind == "order":
            seen, self.seen = self.seen, []
            return seen
        if kind == "count":
            return self.count
        if kind == "remaining":
            return message.remaining()
        if kind == "boom":
            _explode(f"boom {message.payload}")
        if kind == "big":
            return "x" * message.payload
        if kind == "pid":
            return os.getpid()
        if kind == "opaque":  # a reply msgpack cannot carry
            return object()
        if kind == "sleep":
            time.sleep(message.payload)
            return "slept"
        self.count += 1
        self.seen.append(kind)
        return message.payload


class BusWorker(Actor):
    """Subscribes to ``jobs.``; for each job publishes ``done.<topic>`` with the payload doubled."""

    def on_start(self) -> None:
        self.node.subscribe("jobs.", self.actor_ref)

    def on_receive(self, message: Message[Any]) -> Any:
        if message.kind.startswith("jobs."):
            self.node.publish("done." + message.kind[len("jobs."):], {"result": message.payload * 2,
                                                                      "pid": os.getpid()})
        return None

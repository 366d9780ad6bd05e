"""Small records the host and its plugin actors share: the budget and a buffer's snapshot."""

from __future__ import annotations

import concurrent.futures
from dataclasses import dataclass
from typing import Any

from ..actors import Ref
from ..text import Rope

__all__ = ["Budget", "BufferSnapshot", "settle"]


@dataclass(frozen=True)
class Budget:
    """What a plugin may use before it is stopped (with an ``alert``), and how it is restarted.

    ``max_rss`` bytes of resident memory (read from ``/proc/PID/statm`` every
    ``check_interval`` seconds); ``max_messages`` lines from the plugin in any one-second
    window; ``max_line`` bytes in one line (a longer one is skipped); ``max_in_flight``
    unanswered ``update`` requests (past it, updates wait and the plugin later gets one
    ``update`` with ``delta: null`` to catch up); ``ttl`` seconds a message from the plugin
    may wait in its actor's mailbox before it is dropped; ``request_timeout`` seconds a
    frontend's ``plugin_rpc`` request waits for the plugin's answer before it is answered with
    an error. ``nice`` is how much lower the plugin process's CPU priority is than the core's
    (Unix niceness, inherited by what it starts): on a busy machine the user's keystrokes
    win over a plugin's work, and a plugin spinning in a loop cannot starve the editor. A
    crash is restarted after
    ``backoff * 2**n`` seconds (at most ``max_backoff``), at most ``max_restarts`` times in
    ``restart_window`` seconds.
    """

    max_rss: int = 1 << 30
    max_messages: int = 20_000
    max_line: int = 64 << 20
    max_in_flight: int = 32
    ttl: float = 10.0
    request_timeout: float = 60.0
    check_interval: float = 0.5
    backoff: float = 0.1
    max_backoff: float = 5.0
    max_restarts: int = 5
    restart_window: float = 60.0
    shutdown_grace: float = 1.0
    nice: int = 10


@dataclass
class BufferSnapshot:
    """One open buffer as a plugin is first told of it (``PluginBufferInfo``'s sources)."""

    buffer_id: int
    ref: Ref
    views: list[str]
    path: str | None
    syntax: str
    config: dict[str, Any]
    rev: int
    rope: Rope


def settle(answer: concurrent.futures.Future[Any], result: Any = None, error: BaseException | None = None) -> None:
    """Give ``answer`` its result (or ``error``) unless it has one already (the first answer wins:
    a plugin's late answer after a timeout, or a timeout after the answer, is dropped)."""
    try:
        if error is not None:
            answer.set_exception(error)
        else:
            answer.set_result(result)
    except concurrent.futures.InvalidStateError:
        pass

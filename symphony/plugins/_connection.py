"""The host's end of one plugin process's stdio: metering what it writes, handing it to its actor.

``MeteredReader`` wraps the plugin's stdout for :class:`symphony.rpc.Peer`: it counts lines
against the message budget and skips a line longer than the budget allows (the peer never
sees it). ``PluginConnection`` is the peer's handler: it runs on the peer's reader thread and
only hands each message to the plugin's actor, at LOW priority with a TTL, so a flooding
plugin fills its own mailbox (bounded; the excess is dropped) and never an editor thread.

Invariants: once the budget is exceeded, ``on_over_budget`` is called once and every later
message is dropped unread; a request that is dropped or expires is answered with an error.
"""

from __future__ import annotations

import concurrent.futures
import logging
import os
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import IO, Any

from ..actors import Ref
from ..envelope import Priority
from ..errors import ActorDead, RpcError, SymphonyError
from ..rpc import INTERNAL_ERROR
from .sdk._wire import STOPPING

__all__ = ["MeteredReader", "PipeWriter", "PluginConnection"]

logger = logging.getLogger(__name__)


class MeteredReader:
    """A binary reader that counts lines and drops those over ``max_line`` bytes.

    Lines the host asked for (``expect``: one per request it sent) are not counted: a process
    answering a busy host quickly is not flooding it. The budget holds over every second, not
    per fixed second: a burst that straddles a second's boundary trips it as well.
    """

    def __init__(self, raw: IO[bytes], max_line: int, max_per_second: int,
                 on_over_budget: Callable[[str], None]) -> None:
        self._raw = raw
        self._max_line = max_line
        self._max_per_second = max_per_second
        self._on_over_budget = on_over_budget
        self._times: deque[float] = deque(maxlen=max_per_second + 1)  # when the last counted lines came
        self.tripped = False
        self.oversized = 0
        self._expected = 0  # lines asked for (written by senders only, under _expect_lock)
        self._granted = 0  # of those, read (written by the reader only)
        self._expect_lock = threading.Lock()

    def expect(self, lines: int = 1) -> None:
        """``lines`` more lines are answers the host asked for: they do not count (any thread)."""
        with self._expect_lock:
            self._expected += lines

    def _trip(self, reason: str) -> None:
        if not self.tripped:
            self.tripped = True
            self._on_over_budget(reason)

    def readline(self, limit: int = -1) -> bytes:
        """The next line (``b"\\n"`` in place of one too long, or of any line once over budget)."""
        raw = self._raw
        line = raw.readline(self._max_line)
        if not line:
            return line
        if len(line) >= self._max_line and not line.endswith(b"\n"):
            while line and not line.endswith(b"\n"):
                line = raw.readline(self._max_line)
            self.oversized += 1
            logger.warning("plugin wrote a line over %d bytes: skipped", self._max_line)
            line = b"\n"
        if self._granted < self._expected:
            self._granted += 1
            return b"\n" if self.tripped else line
        now = time.monotonic()
        times = self._times
        times.append(now)
        if len(times) > self._max_per_second and now - times[0] < 1.0:
            self._trip(f"sent more than {self._max_per_second} messages in a second")
        return b"\n" if self.tripped else line

    def close(self) -> None:
        """Close the underlying stream."""
        self._raw.close()


class PluginConnection:
    """The :class:`~symphony.rpc.Handler` of one plugin process: forwards to its actor."""

    def __init__(self, actor: Ref, generation: int, ttl: float) -> None:
        self._actor = actor
        self._generation = generation
        self._ttl = ttl

    def handle_request(self, method: str, params: Any) -> Any:
        answer: concurrent.futures.Future[Any] = concurrent.futures.Future()
        try:
            reply = self._actor.ask_async("from_plugin", (self._generation, method, params),
                                          priority=Priority.LOW, ttl=self._ttl)
        except ActorDead:
            raise RpcError(STOPPING, f"{method}: the core is stopping this plugin") from None
        except SymphonyError as exc:  # mailbox full (a flood) or the actor is gone
            raise RpcError(INTERNAL_ERROR, f"{method} dropped: {type(exc).__name__}") from None

        def resolve(done: Any) -> None:
            try:
                answer.set_result(done.get(0))
            except RpcError as exc:
                answer.set_exception(exc)
            except ActorDead:  # stopped with the request in its mailbox
                answer.set_exception(RpcError(STOPPING, f"{method}: the core is stopping this plugin"))
            except Exception as exc:  # noqa: BLE001 - expired, refused: the plugin gets an error
                answer.set_exception(RpcError(INTERNAL_ERROR, f"{method}: {type(exc).__name__}: {exc}"))

        reply.add_done_callback(resolve)
        return answer

    def handle_notification(self, method: str, params: Any) -> None:
        try:
            self._actor.tell("from_plugin", (self._generation, method, params),
                             priority=Priority.LOW, ttl=self._ttl)
        except SymphonyError as exc:
            logger.info("plugin notification %s dropped: %s", method, type(exc).__name__)


class PipeWriter:
    """The plugin's stdin as the peer's writer: unbuffered ``os.write`` calls, so closing it never
    waits on a lock held by a write blocked on a plugin that stopped reading; ``busy`` says a
    write is under way (the host then kills the plugin before closing)."""

    def __init__(self, fd: int) -> None:
        self._fd = fd
        self.busy = False
        self.closed = False

    def fileno(self) -> int:
        return self._fd

    def write(self, data: bytes) -> int:
        if self.closed:
            raise ValueError("write to a closed plugin pipe")
        self.busy = True
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(self._fd, view):]
        finally:
            self.busy = False
        return len(data)

    def flush(self) -> None:
        """Nothing is buffered."""

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            os.close(self._fd)

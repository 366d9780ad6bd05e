"""``Run``: one started process of an out-of-process extension, and its connection.

A run wires the process's stdio to a :class:`~symphony.rpc.Peer` with the plugin host's pieces:
its stdout is read through a :class:`~symphony.plugins._connection.MeteredReader` (too many
messages in a second, or one line over ``max_line`` bytes, trips ``on_over_budget``: the run is
killed), its stdin is written by a :class:`~symphony.plugins._connection.PipeWriter`. Its stderr
is logged (at most a rate) and its last lines kept for the message of its failure.

A run is killed as a whole: SIGKILL (or SIGTERM) to its process group, the extension and what it
started. It is reaped once, by its supervisor: the group is swept while the leader's zombie still
holds the group id (so the id cannot have been reused), then the zombie is reaped and the
threads and pipes closed. ``outcome`` then says how it ended.
"""

from __future__ import annotations

import concurrent.futures
import logging
import os
import select
import signal
import subprocess
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import IO, Any

from ..errors import RpcError
from ..plugins._connection import MeteredReader, PipeWriter
from ..rpc import INTERNAL_ERROR, Peer
from ._protocol import SHUTDOWN
from ._sandbox import kill_group
from ._services import ServiceHandler

__all__ = ["CLOSED", "GRACE", "Run", "wait_exit"]

logger = logging.getLogger(__name__)

#: Seconds a process has to answer ``shutdown``, then to exit after end of input or SIGTERM.
GRACE = 1.0
#: The message of the error a request gets when the process ends before answering (the Peer's).
CLOSED = "connection closed"
#: Lines of a process's stderr kept for the message of its failure (all are logged, up to a rate).
STDERR_TAIL = 8
_STDERR_LINE = 4096
_STDERR_PER_SECOND = 100


class _LineGuard:
    """The process's stdout under a :class:`MeteredReader`: a line over ``max_line`` bytes is a
    flood too (the reader alone would skip it): it trips ``on_over`` at its first ``max_line`` bytes."""

    def __init__(self, raw: IO[bytes], max_line: int, on_over: Callable[[str], None]) -> None:
        self._raw = raw
        self._max_line = max_line
        self._on_over = on_over

    def readline(self, size: int = -1) -> bytes:
        line = self._raw.readline(size)
        if len(line) >= self._max_line and not line.endswith(b"\n"):
            self._on_over(f"wrote a line over {self._max_line} bytes")
        return line

    def close(self) -> None:
        self._raw.close()


def wait_exit(pid: int, timeout: float | None) -> bool:
    """Wait (without reaping) until child process ``pid`` has exited; whether it has."""
    try:
        fd = os.pidfd_open(pid)
    except (AttributeError, OSError):
        fd = -1
    if fd >= 0:
        try:
            poller = select.poll()
            poller.register(fd, select.POLLIN)
            return bool(poller.poll(None if timeout is None else max(0, int(timeout * 1000))))
        finally:
            os.close(fd)
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:  # no pidfd (an old kernel): poll
        try:
            if os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None:
                return True
        except ChildProcessError:
            return True
        if deadline is not None and time.monotonic() >= deadline:
            return False
        time.sleep(0.01)


class Run:
    """One started process (one generation of an extension) and its connection, started:
    ``services`` answers what it asks; ``on_eof(run)`` is called when its output ends."""

    def __init__(self, generation: int, proc: subprocess.Popen[bytes], services: ServiceHandler, *,
                 name: str, max_line: int, max_messages_per_second: int, on_eof: Callable[[Run], None]) -> None:
        assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
        self.generation = generation
        self.proc = proc
        self.name = name
        self.reason: str | None = None  # why the host killed it
        self.eof = False  # its output ended
        self.done = threading.Event()  # reaped: ``outcome`` says how it ended
        self.outcome = ""
        self.tail: deque[str] = deque(maxlen=STDERR_TAIL)
        self._lock = threading.Lock()
        self._reaped = False
        self._closed = False  # no more requests: those still waiting are failed
        self._waiting: set[concurrent.futures.Future[Any]] = set()
        self.reader = MeteredReader(_LineGuard(proc.stdout, max_line, self._over_budget),  # type: ignore[arg-type]
                                    max_line, max_messages_per_second, self._over_budget)
        self.writer = PipeWriter(os.dup(proc.stdin.fileno()))  # the writer owns its own descriptor
        proc.stdin.close()
        self._stderr = threading.Thread(target=self._drain_stderr, args=(proc.stderr,), name=f"{name}-stderr",
                                        daemon=True)
        self.peer = Peer(self.reader, self.writer, services, name=name)  # type: ignore[arg-type]

        def ended() -> None:
            self.eof = True
            on_eof(self)

        self.peer.on_eof = ended
        self._stderr.start()
        self.peer.start()

    @property
    def pid(self) -> int:
        return self.proc.pid

    def request(self, method: str, params: Any) -> concurrent.futures.Future[Any]:
        """Send request ``method``: the future of its answer, failed with ``RpcError`` (-32603,
        "connection closed") if the process ends first (from any thread)."""
        with self._lock:
            if self._closed:
                future: concurrent.futures.Future[Any] = concurrent.futures.Future()
                future.set_exception(RpcError(INTERNAL_ERROR, CLOSED))
                return future
            self.reader.expect()  # its answer is no flood
            future = self.peer.send_request(method, params)
            self._waiting.add(future)
        future.add_done_callback(self._answered)
        return future

    def _answered(self, future: concurrent.futures.Future[Any]) -> None:
        # No lock on the reader thread's path (a set's discard is atomic); after ``reap`` it
        # discards from the new, empty set: harmless.
        self._waiting.discard(future)

    def _over_budget(self, reason: str) -> None:
        self.kill(f"flooded the host: {reason}")

    def kill(self, reason: str, sig: int = signal.SIGKILL) -> None:
        """Signal its process group (from any thread), recording why; nothing once it is reaped."""
        with self._lock:
            if self._reaped:
                return
            if self.reason is None:
                self.reason = reason
            kill_group(self.proc.pid, sig)

    def shutdown(self) -> None:
        """Stop it cleanly: ``shutdown`` (a second to answer), end of input, then SIGTERM and
        SIGKILL if it does not exit; reaped."""
        try:
            self.request(SHUTDOWN, {}).result(GRACE)
            answered = True
        except (concurrent.futures.TimeoutError, RpcError):
            answered = False
        if self.writer.busy:
            self.kill("stopped reading its input")
        self.peer.close(GRACE)
        self.writer.close()  # it sees the end of its input
        if not (answered and wait_exit(self.pid, GRACE)):
            self.kill("did not exit after shutdown", signal.SIGTERM)
            if not wait_exit(self.pid, GRACE):
                self.kill("did not exit after SIGTERM")
        self.reap()

    def reap(self) -> None:
        """Make sure it and its group are gone, close its pipes and threads (its supervisor only)."""
        proc = self.proc
        if self.writer.busy:  # a write is stuck on a process that stopped reading
            self.kill("stopped reading its input")
        if not wait_exit(proc.pid, GRACE if self.reason is None else 0):
            self.kill("closed its output")
            wait_exit(proc.pid, None)
        with self._lock:  # its zombie still holds the group id: sweep what it left in the group
            kill_group(proc.pid, signal.SIGKILL)
            self._reaped = True
        code = proc.wait()
        with self._lock:
            self._closed = True
            waiting, self._waiting = self._waiting, set()
        for future in waiting:  # sent after its input ended: no answer can come
            if not future.done():
                try:
                    future.set_exception(RpcError(INTERNAL_ERROR, CLOSED))
                except concurrent.futures.InvalidStateError:
                    pass
        self.peer.close(GRACE)
        self.writer.close()
        self.peer.join(GRACE * 5)
        self._stderr.join(GRACE * 5)
        self.reader.close()
        assert proc.stderr is not None
        proc.stderr.close()
        how = f"was killed by signal {-code}" if code < 0 else f"exited with code {code}"
        last = f" (stderr: {self.tail[-1]})" if self.tail else ""
        self.outcome = f"{self.reason}; it {how}" if self.reason else f"{how}{last}"
        self.done.set()

    def _drain_stderr(self, stream: IO[bytes]) -> None:
        """Log what the process writes on stderr (at most a rate), keeping its last lines."""
        window, count = time.monotonic(), 0
        while True:
            try:
                line = stream.readline(_STDERR_LINE)
            except (OSError, ValueError):
                return
            if not line:
                return
            text = line.decode("utf-8", "replace").rstrip()
            if not text:
                continue
            self.tail.append(text)
            now = time.monotonic()
            if now - window >= 1.0:
                window, count = now, 0
            count += 1
            if count <= _STDERR_PER_SECOND:
                logger.info("%s: %s", self.name, text)

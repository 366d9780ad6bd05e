"""``XiServer``: the xi frontend protocol for remote frontends, hosted by actors on a node.

``symphony serve --listen URI`` makes a node listening on ``URI`` (with its secret, CURVE
keys and transport options) and an ``XiServer`` on it: a host actor (``"xi"``) that opens
sessions, and per session an :class:`XiCore` with its own views behind two actors, one
feeding the frontend's lines to the core and one answering its polls with what the core
wrote (see ``_tunnel`` for the exchange). All sessions share the node and its buffer actors'
dispatcher.

Invariants:

- A session's output reaches its frontend in the order the core wrote it, as on stdio.
- Memory is bounded: at most ``max_sessions`` sessions, each holding at most
  ``max_output`` bytes its frontend has not polled (past that the session is closed, as
  one whose frontend stopped reading); input is bounded by the transport's frame limit.
- A session whose frontend sends nothing (no poll, no input) for ``idle_timeout`` seconds
  is closed and its views with it; so is every session on :meth:`XiServer.close`.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from typing import Any

from ..actors import Actor, Node, Ref
from ..envelope import Message
from ..errors import RpcError, SymphonyError
from ._core import XiCore
from ._syntax import Syntax
from ._task_hooks import TaskHooks
from ._peer import INTERNAL_ERROR, INVALID_REQUEST, Peer
from ._tunnel import (
    CLOSE,
    HOST_ACTOR,
    IDLE_TIMEOUT,
    INPUT,
    MAX_CHUNK,
    MAX_OUTPUT,
    MAX_SESSIONS,
    OPEN,
    POLL,
    POLL_WAIT,
    take_chunk,
)

__all__ = ["XiServer"]

logger = logging.getLogger(__name__)
_mono = time.monotonic


class _Session:
    """One remote frontend's core, its input and its buffered output."""

    def __init__(self, server: XiServer, sid: str) -> None:
        self.sid = sid
        self.server = server
        self.out = bytearray()
        self.partial = bytearray()  # the start of an input line not complete yet
        self.cond = threading.Condition()
        self.closed: str | None = None
        self.last_heard = _mono()
        self.refs: list[Ref] = []
        self.core = XiCore(node=server.node, syntax=server.syntax, tasks=server.tasks)
        self.peer = Peer(None, self, self.core, name=f"xi-{sid[:8]}")  # type: ignore[arg-type]
        self.core.attach(self.peer)

    # the peer's writer: what the core writes, kept for the next poll
    def write(self, data: bytes) -> None:
        with self.cond:
            if self.closed is not None:
                return
            self.out += data
            if len(self.out) > self.server.max_output:
                self.out.clear()
                self.closed = f"the frontend did not read its output (over {self.server.max_output} bytes)"
                logger.warning("xi session %s: %s", self.sid[:8], self.closed)
            self.cond.notify_all()

    def flush(self) -> None:
        pass

    def feed(self, data: Any) -> None:
        """Handle the whole lines ``data`` completes (a line may span several inputs)."""
        self.last_heard = _mono()
        if self.closed is not None:
            raise RpcError(INTERNAL_ERROR, f"session closed: {self.closed}")
        if not isinstance(data, bytes):
            raise RpcError(INTERNAL_ERROR, "input must be bytes")
        if b"\n" not in data:
            self.partial += data
            if len(self.partial) > MAX_OUTPUT:
                self.partial.clear()
                self.peer.send_error(None, RpcError(INVALID_REQUEST, "line too long"))
            return
        lines = data.split(b"\n")
        if self.partial:
            lines[0] = bytes(self.partial) + lines[0]
            self.partial.clear()
        self.partial += lines.pop()
        for line in lines:
            if line.strip():
                self.peer.handle_line(line)

    def poll(self, wait: float) -> dict[str, Any]:
        self.last_heard = _mono()
        with self.cond:
            if not self.out and self.closed is None:
                self.cond.wait(wait)
            data = take_chunk(self.out, MAX_CHUNK)
            self.last_heard = _mono()
            return {"data": data, "closed": self.closed if not self.out else None}

    def close(self, reason: str) -> None:
        with self.cond:
            if self.closed is None:
                self.closed = reason
            self.cond.notify_all()
        self.peer.end_input()
        self.core.close()
        self.peer.close()
        for ref in self.refs:
            ref.stop(block=False)


class _Input(Actor):
    """Feeds a session's input lines to its core, in order (a dedicated thread: the core's
    handlers wait on buffer actors)."""

    dedicated_thread = True
    mailbox_size = 1024

    def __init__(self, session: _Session) -> None:
        self.session = session

    def on_receive(self, message: Message[Any]) -> Any:
        if message.kind != INPUT:
            raise RpcError(INTERNAL_ERROR, f"unknown message {message.kind!r}")
        self.session.feed(message.payload)
        return None


class _Output(Actor):
    """Answers a session's polls (a dedicated thread: a poll waits for output)."""

    dedicated_thread = True
    mailbox_size = 16

    def __init__(self, session: _Session, wait: float) -> None:
        self.session = session
        self.wait = wait

    def on_receive(self, message: Message[Any]) -> Any:
        if message.kind != POLL:
            raise RpcError(INTERNAL_ERROR, f"unknown message {message.kind!r}")
        return self.session.poll(self.wait)


class _Host(Actor):
    """Opens and closes sessions (``OPEN`` -> the session's actor names; ``CLOSE`` sid)."""

    def __init__(self, server: XiServer) -> None:
        self.server = server

    def on_receive(self, message: Message[Any]) -> Any:
        if message.kind == OPEN:
            return self.server._open()
        if message.kind == CLOSE:
            self.server._close_session(message.payload, "closed by the frontend")
            return None
        raise RpcError(INTERNAL_ERROR, f"unknown message {message.kind!r}")


class XiServer:
    """Serves the xi frontend protocol to remote frontends through ``node``'s transports.

    Frontends reach it with :class:`symphony.rpc.RemoteCore` at the node's address. The
    host actor is named ``name`` (``"xi"``, what ``RemoteCore`` asks for by default).
    ``tasks`` serves every session's task requests (``_tasks``); its maker closes it.
    """

    def __init__(self, node: Node, *, name: str = HOST_ACTOR, max_sessions: int = MAX_SESSIONS,
                 idle_timeout: float = IDLE_TIMEOUT, poll_wait: float = POLL_WAIT,
                 max_output: int = MAX_OUTPUT, syntax: Syntax | None = None, tasks: TaskHooks | None = None) -> None:
        if poll_wait >= idle_timeout:
            raise ValueError("poll_wait must be shorter than idle_timeout")
        self.node = node
        self.max_sessions = int(max_sessions)
        self.idle_timeout = float(idle_timeout)
        self.poll_wait = float(poll_wait)
        self.max_output = int(max_output)
        self.syntax = syntax
        self.tasks = tasks  # shared by every session (each watches the status items while open)
        self._sessions: dict[str, _Session] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self.ref = node.spawn(_Host, self, name=name)
        self._reaper = threading.Thread(target=self._reap, name="symphony-xi-reaper", daemon=True)
        self._reaper.start()

    @property
    def sessions(self) -> int:
        """How many sessions are open."""
        return len(self._sessions)

    def _open(self) -> dict[str, Any]:
        with self._lock:
            if len(self._sessions) >= self.max_sessions:
                raise RpcError(INTERNAL_ERROR, f"too many sessions ({self.max_sessions})")
            sid = secrets.token_hex(16)
            session = self._sessions[sid] = _Session(self, sid)
        try:
            session.refs.append(self.node.spawn(_Input, session, name=f"xi-in-{sid}"))
            session.refs.append(self.node.spawn(_Output, session, self.poll_wait, name=f"xi-out-{sid}"))
        except BaseException:
            self._close_session(sid, "could not start")
            raise
        logger.info("xi session %s opened", sid[:8])
        return {"session": sid, "input": f"xi-in-{sid}", "output": f"xi-out-{sid}",
                "poll_wait": self.poll_wait, "idle_timeout": self.idle_timeout}

    def _close_session(self, sid: Any, reason: str) -> None:
        with self._lock:
            session = self._sessions.pop(sid, None) if isinstance(sid, str) else None
        if session is not None:
            logger.info("xi session %s: %s", sid[:8], reason)
            session.close(reason)

    def _reap(self) -> None:
        while not self._stop.wait(min(1.0, self.idle_timeout / 4)):
            now = _mono()
            with self._lock:
                done = [(sid, s.closed or "idle") for sid, s in self._sessions.items()
                        if s.closed is not None or now - s.last_heard > self.idle_timeout]
            for sid, reason in done:
                try:
                    self._close_session(sid, "no word from the frontend" if reason == "idle" else reason)
                except SymphonyError:
                    logger.exception("closing xi session %s failed", sid[:8])

    def close(self) -> None:
        """Close every session and stop the host actor (the node is the caller's)."""
        self._stop.set()
        self._reaper.join(5)
        for sid in list(self._sessions):
            self._close_session(sid, "the server is stopping")
        self.ref.stop()

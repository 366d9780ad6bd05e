"""``RemoteCore``: a frontend's connection to ``symphony serve --listen`` through Symphony's transports.

The same use as a core on stdio (``notify``, ``request`` with a callback, notifications to
``on_notification``, the core's ``measure_width`` answered with ``measure``), but the core is
a node at ``tcp://host:port`` or ``unix:///path``, reached with that node's secret (and CURVE
keys): every message is a signed, replay-checked transport frame. See ``_tunnel`` for the
exchange. ``connect(address, ...)`` is the short way to make one.

Invariants:

- Lines reach the core in the order they were sent, and the core's output reaches
  ``on_notification`` and the request callbacks in the order the core wrote it (so
  ``new_view``'s result comes before the view's first notifications).
- At most ``max_in_flight`` inputs are unacknowledged; a sender past that waits, as on a
  full pipe. Once the core is lost (node unreachable, session closed), requests waiting for
  an answer fail with ``RpcError`` and ``closed`` says why.
"""

from __future__ import annotations

import concurrent.futures
import itertools
import logging
import os
import threading
from collections.abc import Callable
from typing import Any

from ..actors import Node, split_address
from ..errors import RpcError, SymphonyError
from ._peer import INTERNAL_ERROR, METHOD_NOT_FOUND, Peer
from ._tunnel import CLOSE, HOST_ACTOR, INPUT, MAX_CHUNK, OPEN, POLL, actor_address

__all__ = ["RemoteCore", "connect"]

logger = logging.getLogger(__name__)
_numbers = itertools.count(1)
Notification = Callable[[str, Any], None]


class _Frontend:
    """The frontend side's handler: notifications to the callback, ``measure_width`` answered."""

    def __init__(self, on_notification: Notification | None, measure: Callable[[str], float]) -> None:
        self.on_notification = on_notification
        self.measure = measure

    def handle_request(self, method: str, params: Any) -> Any:
        if method == "measure_width" and isinstance(params, list):
            return [[float(self.measure(s)) for s in req.get("strings", [])] for req in params
                    if isinstance(req, dict)]
        raise RpcError(METHOD_NOT_FOUND, f"method not found: {method}")

    def handle_notification(self, method: str, params: Any) -> None:
        if self.on_notification is not None:
            self.on_notification(method, params)


class RemoteCore:
    """A connection to the xi core served at ``address`` by ``symphony serve --listen``.

    ``address`` is the serve node's address (``tcp://127.0.0.1:5555``, ``unix:///tmp/core.sock``;
    a ``#name`` names a host actor other than ``"xi"``). ``secret``, ``transport_options``
    (``curve_server_key`` and the client's CURVE keys among them) are as for a ``Node``; or
    pass a ``node`` of your own. Raises ``DeliveryError``/``AskTimeout`` if no core answers
    within ``timeout`` seconds, ``RpcError`` if it refuses a session.
    """

    def __init__(self, address: str, on_notification: Notification | None = None, *,
                 secret: bytes | str | None = None, transport_options: dict[str, Any] | None = None,
                 measure: Callable[[str], float] = len, timeout: float = 10.0, node: Node | None = None,
                 max_in_flight: int = 64) -> None:
        _, endpoint, host_name = split_address(address)
        self._own_node = node is None
        self.node = node or Node(f"xi-frontend-{os.getpid()}-{next(_numbers)}", secret=secret,
                                 transport_options=transport_options)
        self.closed: str | None = None
        self._closing = False
        try:
            self._host = self.node.ref(actor_address(endpoint, host_name or HOST_ACTOR))
            info = self._host.ask(OPEN, None, timeout=timeout)
        except BaseException:
            if self._own_node:
                self.node.stop()
            raise
        self.session: str = info["session"]
        self._poll_timeout = float(info["poll_wait"]) + timeout
        self._input = self.node.ref(actor_address(endpoint, info["input"]))
        self._output = self.node.ref(actor_address(endpoint, info["output"]))
        self._slots = threading.Semaphore(max_in_flight)
        self._max_in_flight = max_in_flight
        self._lost_lock = threading.Lock()
        self.peer = Peer(None, self, _Frontend(on_notification, measure), name="xi-remote")  # type: ignore[arg-type]
        self._poller = threading.Thread(target=self._poll_loop, name="symphony-xi-poll", daemon=True)
        self._poller.start()

    # -- the interface a stdio core connection has ---------------------------------------

    def notify(self, method: str, params: Any = None) -> None:
        """Send the core a notification."""
        self.peer.send_notification(method, params)

    def request(self, method: str, params: Any = None,
                callback: Callable[[Any, Any], None] | None = None) -> concurrent.futures.Future[Any]:
        """Send the core a request; ``callback(result, error)`` gets the answer (``error`` is the
        JSON-RPC error object or None), and so does the returned future (``RpcError`` on error)."""
        future = self.peer.send_request(method, params)
        if self.closed is not None:  # lost (maybe just now): fail it rather than wait forever
            self.peer.end_input()
        if callback is not None:
            def answered(f: concurrent.futures.Future[Any]) -> None:
                exc = f.exception()
                if exc is None:
                    callback(f.result(), None)
                elif isinstance(exc, RpcError):
                    callback(None, exc.to_json())
                else:
                    callback(None, {"code": INTERNAL_ERROR, "message": str(exc)})
            future.add_done_callback(answered)
        return future

    def call(self, method: str, params: Any = None, timeout: float | None = None) -> Any:
        """Send a request and wait for its result (raises ``RpcError`` on an error answer)."""
        return self.request(method, params).result(timeout)

    def close(self) -> None:
        """End the session (the core closes its views) and release the connection."""
        if self._closing:
            return
        self._closing = True
        self.peer.close()  # what is queued goes out first, and is taken in before the session ends
        taken = 0
        while taken < self._max_in_flight and self.closed is None:
            if self._slots.acquire(timeout=0.5):
                taken += 1
        if self.closed is None:
            try:
                self._host.ask(CLOSE, self.session, timeout=5.0)
            except SymphonyError:
                pass
        self._poller.join(self._poll_timeout)
        self._lost("closed")
        if self._own_node:
            self.node.stop()

    def __enter__(self) -> RemoteCore:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    # -- the peer's writer: lines to the core's input actor -------------------------------

    def write(self, data: bytes) -> None:
        """Send lines the peer wrote to the core's input actor (waits while too many are in flight)."""
        for start in range(0, len(data), MAX_CHUNK):
            chunk = data[start:start + MAX_CHUNK]
            while not self._slots.acquire(timeout=0.5):
                if self.closed is not None:
                    return
            if self.closed is not None:
                self._slots.release()
                return
            try:
                future = self._input.ask_async(INPUT, chunk)
            except SymphonyError as exc:
                self._slots.release()
                self._lost(f"cannot reach the core: {exc}")
                return
            future.add_done_callback(self._sent)

    def _sent(self, future: Any) -> None:
        self._slots.release()
        exc = future.exception()
        if exc is not None:
            self._lost(f"the core refused input: {exc}")

    def flush(self) -> None:
        """Nothing to do: ``write`` hands the data to the transport at once."""

    # -- the core's output ----------------------------------------------------------------

    def _poll_loop(self) -> None:
        partial = b""
        while self.closed is None:
            try:
                reply = self._output.ask(POLL, None, timeout=self._poll_timeout)
            except SymphonyError as exc:
                if not self._closing:
                    self._lost(f"lost the core: {exc}")
                break
            lines = (partial + reply["data"]).split(b"\n")
            partial = lines.pop()
            for line in lines:
                self.peer.handle_line(line)
            if reply.get("closed"):
                self._lost("closed" if self._closing else f"the core closed the session: {reply['closed']}")
                break
        self._lost("closed")

    def _lost(self, reason: str) -> None:
        with self._lost_lock:
            if self.closed is not None:
                return
            self.closed = reason
        if not self._closing:
            logger.warning("xi remote core: %s", reason)
        self.peer.end_input()


def connect(address: str, on_notification: Notification | None = None, **options: Any) -> RemoteCore:
    """Connect to the core that ``symphony serve --listen`` serves at ``address``; ``options``
    as for :class:`RemoteCore` (``secret=``, ``transport_options=``, ``measure=``, ...)."""
    return RemoteCore(address, on_notification, **options)

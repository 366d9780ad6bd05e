"""What an out-of-process extension asks the host, served: the handler of its JSON-RPC peer.

The peer's reader thread only checks each request (a known service, parameters of the right
shape: :func:`~symphony.extensions._protocol.check_params`) and hands it to a few worker
threads that call the host's ``serve`` dispatcher (which checks the extension's permissions):
a slow service (a model call) never stops the host from reading the extension's answers. What
``serve`` raises becomes the extension's error (``PermissionDenied`` is -32003) and the host
keeps serving. At most ``max_pending`` requests wait at once; more are refused unserved.
"""

from __future__ import annotations

import concurrent.futures
import logging
import threading
from collections.abc import Callable
from typing import Any

from ..errors import RpcError
from ..rpc import METHOD_NOT_FOUND
from ._protocol import NOTIFICATIONS, SERVICES, STOPPING, TOO_BUSY, check_params, to_rpc_error

__all__ = ["Serve", "ServiceHandler"]

logger = logging.getLogger(__name__)

#: The host's dispatcher: ``serve(method, params)`` -> the JSON result (or raises).
Serve = Callable[[str, dict[str, Any]], Any]


class ServiceHandler:
    """The :class:`~symphony.rpc.Handler` of one extension's peer (shared by its restarts)."""

    def __init__(self, extension_id: str, serve: Serve, *, workers: int = 4, max_pending: int = 64) -> None:
        self.extension_id = extension_id
        self._serve = serve
        self._max_pending = max_pending
        self._pending = 0
        self._lock = threading.Lock()
        self._closed = False
        self._pool = concurrent.futures.ThreadPoolExecutor(workers, thread_name_prefix=f"ext-{extension_id}")

    def _submit(self, method: str, params: dict[str, Any]) -> concurrent.futures.Future[Any] | None:
        """A future of ``serve(method, params)``'s answer (an :class:`RpcError` if it raised),
        or None when too many are pending. One not begun when the host stops stays unsettled."""
        answer: concurrent.futures.Future[Any] = concurrent.futures.Future()
        with self._lock:
            if self._closed:
                raise RpcError(STOPPING, f"{method}: the host is stopping this extension")
            if self._pending >= self._max_pending:
                return None
            self._pending += 1
        try:
            self._pool.submit(self._call, method, params, answer)
        except RuntimeError:  # the pool shut down meanwhile
            self._done()
            raise RpcError(STOPPING, f"{method}: the host is stopping this extension") from None
        return answer

    def _done(self) -> None:
        with self._lock:
            self._pending -= 1

    def _call(self, method: str, params: dict[str, Any], answer: concurrent.futures.Future[Any]) -> None:
        try:
            result = self._serve(method, params)
        except Exception as exc:  # noqa: BLE001 - the extension gets an error, the host serves on
            answer.set_exception(to_rpc_error(method, exc))
        else:
            answer.set_result(result)
        finally:
            self._done()

    def handle_request(self, method: str, params: Any) -> Any:
        """A service request: checked here, served on a worker (a Future of the answer)."""
        if method not in SERVICES:
            raise RpcError(METHOD_NOT_FOUND, f"no service {method!r} (services: {', '.join(sorted(SERVICES))})")
        future = self._submit(method, check_params(method, params, SERVICES))
        if future is None:
            raise RpcError(TOO_BUSY, f"{method}: {self._max_pending} requests of this extension are unanswered")
        return future

    def handle_notification(self, method: str, params: Any) -> None:
        """``log`` or ``status/set``: served on a worker; a refusal is logged, not answered."""
        if method not in NOTIFICATIONS:
            logger.info("extension %s: unknown notification %r dropped", self.extension_id, method)
            return
        future = self._submit(method, check_params(method, params, NOTIFICATIONS))
        if future is None:
            logger.info("extension %s: notification %s dropped: too many pending", self.extension_id, method)
            return
        future.add_done_callback(lambda done: self._log_refusal(method, done))

    def _log_refusal(self, method: str, done: concurrent.futures.Future[Any]) -> None:
        error = done.exception()
        if error is not None:
            logger.info("extension %s: notification %s refused: %s", self.extension_id, method, error)

    def close(self) -> None:
        """Refuse new requests, drop those not begun, wait for those being served."""
        with self._lock:
            self._closed = True
        self._pool.shutdown(wait=True, cancel_futures=True)

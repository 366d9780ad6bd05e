"""``Connection``: one running language server process and the JSON-RPC traffic with it.

The process speaks LSP's framed JSON on its stdin/stdout (see ``_framing``). A reader
thread decodes what it writes: a response resolves its request's future (converted there,
so an answer reaches the caller without another thread hop), a request or notification
from the server goes to the callbacks. When the output ends or breaks the framing (the
server crashed, was killed, or wrote garbage), the connection is dead: the process is
killed, every request in flight fails with ``LanguageServerError``, and ``on_exit`` is
called once with the reason. Nothing is retried here; the server's actor decides.

With a ``request_timeout``, a watchdog thread kills a server that leaves a request
unanswered that long (hung, or stuck half-way through writing a frame): the same path as a
crash, so a hung server is restarted instead of holding every later request.
"""

from __future__ import annotations

import itertools
import logging
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from ..actors import Future
from ..errors import LanguageServerError
from ..plugins._priority import lower_priority
from ._framing import DEFAULT_MAX_FRAME, encode_frame, read_frame

__all__ = ["Connection"]

logger = logging.getLogger("symphony.lsp")

#: JSON-RPC error codes used here.
METHOD_NOT_FOUND = -32601
REQUEST_CANCELLED = -32800

Convert = Callable[[Any], Any]
OnRequest = Callable[["Connection", Any, str, Any], None]
OnNotification = Callable[[str, Any], None]


class ResponseError(LanguageServerError):
    """Raised (through a request's future) when the language server answered a request with a
    JSON-RPC error; ``code`` is the error's code (``-32800`` when the request was cancelled)."""

    def __init__(self, message: str, code: int | None = None, data: Any = None) -> None:
        super().__init__(message)
        self.code = code
        self.data = data


class Connection:
    """A language server process started from ``argv``, with requests, notifications and replies.

    ``on_request(connection, id, method, params)`` and ``on_notification(method, params)`` run
    in the reader thread and must not block; ``on_exit(reason)`` runs there once when the
    connection dies (or after :meth:`close`).
    """

    def __init__(self, argv: Sequence[str], *, on_request: OnRequest, on_notification: OnNotification,
                 on_exit: Callable[[str], None], env: dict[str, str] | None = None, cwd: str | None = None,
                 max_frame: int = DEFAULT_MAX_FRAME, name: str = "language server",
                 request_timeout: float | None = None) -> None:
        self.name = name
        self._on_request = on_request
        self._on_notification = on_notification
        self._on_exit = on_exit
        self._max_frame = max_frame
        self._ids = itertools.count(1)
        self._pending: dict[int, tuple[Future[Any], str, Convert | None]] = {}
        self._sent: dict[int, float] = {}  # request id -> monotonic time sent (with a watchdog only)
        self._request_timeout = request_timeout
        self._gone = threading.Event()
        self._write_lock = threading.Lock()
        self._dead: str | None = None
        self._closing = False
        full_env = None
        if env:
            full_env = dict(os.environ)
            full_env.update(env)
        try:
            # its own process group: the editor's Ctrl+C does not reach it, and what it starts
            # (pylsp's jedi runs a helper process) ends with it
            self.process = subprocess.Popen(list(argv), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                            stderr=subprocess.DEVNULL, env=full_env, cwd=cwd,
                                            start_new_session=True)
        except OSError as exc:
            raise LanguageServerError(f"cannot start {name} ({' '.join(argv)}): {exc}") from None
        lower_priority(self.process.pid, 0)  # its session keeps this process's niceness (a plugin's)
        self._stdin = self.process.stdin
        self._reader = threading.Thread(target=self._read_loop, name=f"lsp-reader-{self.process.pid}", daemon=True)
        self._reader.start()
        self._watchdog: threading.Thread | None = None
        if request_timeout is not None:
            self._watchdog = threading.Thread(target=self._watch, args=(request_timeout,),
                                              name=f"lsp-watchdog-{self.process.pid}", daemon=True)
            self._watchdog.start()

    # -- state --------------------------------------------------------------------------

    @property
    def pid(self) -> int:
        """The server process's id."""
        return self.process.pid

    @property
    def alive(self) -> bool:
        """False once the connection died or was closed."""
        return self._dead is None

    # -- sending ------------------------------------------------------------------------

    def _write(self, message: Any) -> None:
        frame = encode_frame(message)
        stdin = self._stdin
        assert stdin is not None
        with self._write_lock:
            try:
                stdin.write(frame)
                stdin.flush()
            except (OSError, ValueError) as exc:  # a closed pipe: the reader sees the end too
                raise LanguageServerError(f"{self.name} is not reading its input: {exc}") from None

    def notify(self, method: str, params: Any = None) -> None:
        """Send a notification (``LanguageServerError`` when the connection is dead)."""
        if self._dead is not None:
            raise LanguageServerError(f"{self.name} is not running ({self._dead})")
        message: dict[str, Any] = {"jsonrpc": "2.0", "method": method}
        if params is not None:
            message["params"] = params
        self._write(message)

    def request(self, method: str, params: Any = None, convert: Convert | None = None,
                future: Future[Any] | None = None) -> tuple[int, Future[Any]]:
        """Send a request; returns its id and the future its (converted) result resolves.

        ``convert(result)`` runs in the reader thread; if it raises, the future fails with
        ``LanguageServerError``. A dead connection fails the future at once.
        """
        request_id = next(self._ids)
        if future is None:
            future = Future(label=method)
        self._pending[request_id] = (future, method, convert)
        if self._request_timeout is not None:
            self._sent[request_id] = time.monotonic()
        if self._dead is not None:
            self._fail(request_id, f"{self.name} is not running ({self._dead})")
            return request_id, future
        message: dict[str, Any] = {"jsonrpc": "2.0", "id": request_id, "method": method}
        if params is not None:
            message["params"] = params
        try:
            self._write(message)
        except LanguageServerError as exc:
            self._fail(request_id, str(exc))
        return request_id, future

    def cancel(self, request_id: int, reason: str = "cancelled") -> bool:
        """Fail request ``request_id``'s future now and send ``$/cancelRequest`` (its late answer is dropped).

        False if it was no longer pending.
        """
        if not self._fail(request_id, reason, REQUEST_CANCELLED):
            return False
        try:
            self.notify("$/cancelRequest", {"id": request_id})
        except LanguageServerError:
            pass
        return True

    def respond(self, request_id: Any, result: Any = None, error: tuple[int, str] | None = None) -> None:
        """Answer a request the server made."""
        message: dict[str, Any] = {"jsonrpc": "2.0", "id": request_id}
        if error is not None:
            message["error"] = {"code": error[0], "message": error[1]}
        else:
            message["result"] = result
        try:
            self._write(message)
        except LanguageServerError:
            pass  # it died; its requests die with it

    def _fail(self, request_id: int, reason: str, code: int | None = None) -> bool:
        entry = self._pending.pop(request_id, None)
        self._sent.pop(request_id, None)
        if entry is None:
            return False
        entry[0].set_exception(ResponseError(f"{entry[1]}: {reason}", code))
        return True

    # -- reading ------------------------------------------------------------------------

    def _read_loop(self) -> None:
        stdout = self.process.stdout
        assert stdout is not None
        reason = "its output ended (the process exited)"
        try:
            while True:
                message = read_frame(stdout, self._max_frame)
                if message is None:
                    break
                for one in message if isinstance(message, list) else (message,):
                    self._dispatch(one)
        except LanguageServerError as exc:
            reason = str(exc)
            logger.warning("%s broke the protocol: %s", self.name, reason)
        except (OSError, ValueError) as exc:  # the pipe was closed under us (close())
            reason = f"its output could not be read: {exc}"
        self._die(reason)

    def _dispatch(self, message: Any) -> None:
        if not isinstance(message, dict):
            logger.warning("%s sent a JSON-RPC message that is not an object: %.200r", self.name, message)
            return
        method = message.get("method")
        try:
            if isinstance(method, str):
                if "id" in message:
                    self._on_request(self, message["id"], method, message.get("params"))
                else:
                    self._on_notification(method, message.get("params"))
                return
        except Exception:
            logger.exception("%s: handling %s failed", self.name, method)
            return
        request_id = message.get("id")
        entry = self._pending.pop(request_id, None) if isinstance(request_id, int) else None
        if self._sent:
            self._sent.pop(request_id, None)  # type: ignore[arg-type]
        if entry is None:
            return  # an answer to a cancelled request, or to nothing
        future, name, convert = entry
        error = message.get("error")
        if error is not None:
            if isinstance(error, dict):
                future.set_exception(ResponseError(f"{name}: {error.get('message')}", error.get("code"),
                                                   error.get("data")))
            else:
                future.set_exception(ResponseError(f"{name}: malformed error {error!r}"))
            return
        result = message.get("result")
        if convert is not None:
            try:
                result = convert(result)
            except LanguageServerError as exc:
                future.set_exception(exc)
                return
            except Exception as exc:  # noqa: BLE001 - the server's answer did not fit the LSP types
                future.set_exception(LanguageServerError(f"{name}: the server's result does not fit LSP: {exc}"))
                return
        future.set(result)

    def _watch(self, timeout: float) -> None:
        """Kill the server when a request has waited ``timeout`` seconds (runs until the connection dies)."""
        interval = min(max(timeout / 4, 0.01), 1.0)
        while not self._gone.wait(interval):
            sent = list(self._sent.values())
            if sent and time.monotonic() - min(sent) > timeout:
                self._dead = self._dead or f"a request went unanswered for {timeout} s"
                logger.warning("%s: a request went unanswered for %s s; killing it", self.name, timeout)
                self.kill()
                return

    def _die(self, reason: str) -> None:
        if self._closing:
            reason = "closed"
        elif self._dead is not None:
            reason = self._dead  # the watchdog's reason
        self._dead = reason
        self._gone.set()
        if self.process.poll() is None:
            self.process.kill()
        try:
            self.process.wait(5)
        except subprocess.TimeoutExpired:  # pragma: no cover - a process that ignores SIGKILL
            pass
        self._kill_group()
        for stream in (self._stdin, self.process.stdout):
            try:
                if stream is not None:
                    stream.close()
            except OSError:
                pass
        for request_id in list(self._pending):
            self._fail(request_id, f"{self.name} died: {reason}")
        try:
            self._on_exit(reason)
        except Exception:
            logger.exception("%s: on_exit failed", self.name)

    # -- stopping -----------------------------------------------------------------------

    def close(self, timeout: float = 2.0) -> None:
        """Stop the server politely (``shutdown``, ``exit``), killing it after ``timeout``; waits for the reader."""
        if self._dead is None:
            _, future = self.request("shutdown")
            try:
                future.get(timeout)
            except Exception:  # noqa: BLE001 - it may already be gone, or not answer
                pass
            self._closing = True
            try:
                self._write({"jsonrpc": "2.0", "method": "exit"})
            except LanguageServerError:
                pass
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
        else:
            self._closing = True
            if self.process.poll() is None:
                self.process.kill()
        self._kill_group()
        if self._reader is not threading.current_thread():
            self._reader.join(timeout + 5)
        if self._watchdog is not None and self._watchdog is not threading.current_thread():
            self._watchdog.join(timeout + 5)

    def _kill_group(self) -> None:
        """Kill what the server left running in its process group (once the server is gone)."""
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass

    def kill(self) -> None:
        """Kill the process at once (the reader then reports it dead)."""
        if self.process.poll() is None:
            self.process.kill()

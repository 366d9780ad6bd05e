"""``Peer``: a JSON-RPC 2.0 endpoint over line-delimited JSON, symmetric in both directions.

Either side may send requests (with an ``id``, answered by a response), notifications
(no ``id``) and responses. One JSON value per line, UTF-8, ``\\n``-terminated, as xi-core
speaks on stdio. Messages may omit ``"jsonrpc": "2.0"`` (xi's frontends do); ours carry it.

Invariants:

- Only strict JSON goes in or out: a line that is not JSON (including ``NaN``,
  ``Infinity`` and numbers too large for a double, such as ``1e999``) is answered with a
  parse error (-32700, ``id: null``), and nothing we write holds them. Every line we write
  is valid UTF-8: a string with a lone surrogate (``"\\ud800"``) is refused where it comes in
  (-32600 in an id or a method name, -32602 in params).
- Bad input never stops the peer: valid JSON that is not a request, notification or response is
  answered with -32600 when it has an id, else dropped; an unknown method with an id gets
  -32601; a handler raising :class:`RpcError` answers with that error (``INVALID_PARAMS``
  -32602 for bad parameters); any other exception becomes -32603 for a request and is
  logged for a notification. The reader goes on with the next line either way.
- Incoming messages are handled one at a time, in arrival order, on the reader thread
  (``serve`` or the thread ``start`` makes), or on the thread that calls ``handle_line``
  (a peer made without a reader is fed that way); a handler may return a
  ``concurrent.futures.Future`` to answer later, from any thread, or an :class:`Answer`
  whose ``then`` runs once the response is queued (side effects that must follow it).
- Outgoing messages are queued and written by one writer thread; everything queued while
  it was writing goes out in one ``write`` + ``flush`` (batched writes), in queue order.
  ``send_*`` never blocks on the stream and is safe from any thread. When nothing is queued
  or being written and the stream has room (``poll`` says so, and the line is at most
  ``PIPE_BUF`` bytes, which a pipe or socket with room takes without blocking), the sending
  thread writes the line itself: a keystroke's ``update`` need not wait for the writer
  thread to be scheduled. Lines queued meanwhile go out after it, in order.
"""

from __future__ import annotations

import concurrent.futures
import io
import itertools
import json
import logging
import select
import threading
from collections.abc import Callable
from typing import IO, Any, Protocol

from ..errors import RpcError

__all__ = [
    "INTERNAL_ERROR",
    "INVALID_PARAMS",
    "INVALID_REQUEST",
    "METHOD_NOT_FOUND",
    "PARSE_ERROR",
    "Answer",
    "Handler",
    "Peer",
]

logger = logging.getLogger(__name__)

PARSE_ERROR = -32700
INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602
INTERNAL_ERROR = -32603

#: Largest line accepted (bytes); a longer one is answered with -32600 and skipped.
MAX_LINE = 1 << 30
#: Longest line the sending thread writes itself (POSIX's smallest ``PIPE_BUF``): a pipe that
#: ``poll`` reports writable takes that much at once without blocking.
INLINE_MAX = 4096


class Handler(Protocol):
    """What a peer calls for incoming messages.

    ``handle_request`` returns the result (any JSON value), or a ``Future`` of it, or raises
    :class:`RpcError` (``METHOD_NOT_FOUND`` for an unknown method). ``handle_notification``
    returns nothing; what it raises is logged and dropped.
    """

    def handle_request(self, method: str, params: Any) -> Any: ...

    def handle_notification(self, method: str, params: Any) -> None: ...


def _reject_notification(handler: Any, method: str, error: RpcError) -> None:
    """Tell the handler a notification was refused before it ran (its ``reject_notification``,
    if it has one: xi's core sends an ``alert``)."""
    reject = getattr(handler, "reject_notification", None)
    if reject is not None:
        reject(method, error)


_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False, allow_nan=False).encode


def _not_json(token: str) -> Any:
    raise ValueError(f"{token} is not JSON")


def _finite(text: str) -> float:
    value = float(text)
    if value - value != 0.0:  # inf (and nan, which JSON cannot spell)
        raise ValueError(f"{text} is too large for a double")
    return value


#: ``json.loads`` for the wire: JSON as RFC 8259 has it, without Python's extensions.
_loads = json.JSONDecoder(parse_constant=_not_json, parse_float=_finite).decode


def has_lone_surrogate(value: Any) -> bool:
    """Whether ``value`` (a decoded JSON value) holds a string with an unpaired surrogate,
    which no UTF-8 file or stream can carry (JSON's ``"\\ud800"`` escape makes one)."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return True
        return False
    if isinstance(value, dict):
        return any(has_lone_surrogate(k) or has_lone_surrogate(v) for k, v in value.items())
    if isinstance(value, list):
        return any(has_lone_surrogate(v) for v in value)
    return False


def _writable_poller(writer: IO[bytes]) -> Any:
    """A ``select.poll`` watching ``writer``'s file for room to write, or None when it has no
    file descriptor (an in-memory stream, or one we cannot poll): then only the writer
    thread writes, so a writer that blocks never blocks a sender."""
    try:
        fd = writer.fileno()
        poll = select.poll()
        poll.register(fd, select.POLLOUT)
    except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
        return None
    return poll


class Answer:
    """What a request handler returns to answer with ``result`` and then run ``then()``
    (on the reader thread, once the response is queued): for side effects the other side
    must see after the answer, as xi's ``new_view`` result precedes the view's first
    notifications. A handler called for a notification runs ``then()`` as well."""

    __slots__ = ("result", "then")

    def __init__(self, result: Any, then: Callable[[], None]) -> None:
        self.result = result
        self.then = then


class Peer:
    """A JSON-RPC 2.0 peer reading lines from ``reader`` and writing lines to ``writer``.

    ``reader`` and ``writer`` are binary streams (``sys.stdin.buffer``, a socket's
    ``makefile("rb")``, a pipe). Call :meth:`start` to read on a thread of its own, or
    :meth:`serve` to read on the calling thread until end of input; :meth:`close` stops the
    writer after flushing what is queued. With ``reader=None`` the input is pushed
    instead: :meth:`handle_line` for each line, :meth:`end_input` when there is no more.
    """

    def __init__(self, reader: IO[bytes] | None, writer: IO[bytes], handler: Handler, *, name: str = "rpc") -> None:
        self._reader = reader
        self._writer = writer
        self.handler = handler
        self.name = name
        self._ids = itertools.count(0)
        self._pending: dict[Any, concurrent.futures.Future[Any]] = {}
        self._pending_lock = threading.Lock()
        self._out: list[bytes] = []
        self._out_cond = threading.Condition()
        self._closed = False
        self._write_failed = False
        self._writing = False  # a thread (the writer, or a sender writing inline) owns the stream
        self._poll = _writable_poller(writer)
        self._reader_thread: threading.Thread | None = None
        self._surrogates = False
        self._writer_thread = threading.Thread(target=self._write_loop, name=f"{name}-writer", daemon=True)
        self._writer_thread.start()
        #: Called once when input ends (EOF or a read error).
        self.on_eof: Callable[[], None] | None = None

    # -- sending --------------------------------------------------------------------------

    def send_notification(self, method: str, params: Any = None) -> None:
        """Queue a notification ``method(params)`` for the other side."""
        msg: dict[str, Any] = {"jsonrpc": "2.0", "method": method}
        if params is not None:
            msg["params"] = params
        self._queue(msg)

    def send_request(self, method: str, params: Any = None) -> concurrent.futures.Future[Any]:
        """Queue a request; the future gets its result, or :class:`RpcError` if answered with an error."""
        request_id = next(self._ids)
        future: concurrent.futures.Future[Any] = concurrent.futures.Future()
        with self._pending_lock:
            self._pending[request_id] = future
        msg: dict[str, Any] = {"jsonrpc": "2.0", "id": request_id, "method": method}
        if params is not None:
            msg["params"] = params
        self._queue(msg)
        return future

    def request(self, method: str, params: Any = None, timeout: float | None = None) -> Any:
        """Send a request and wait for its result (raises :class:`RpcError` on an error answer)."""
        return self.send_request(method, params).result(timeout)

    def send_result(self, request_id: Any, result: Any) -> None:
        """Queue the success response to request ``request_id``."""
        self._queue({"jsonrpc": "2.0", "id": request_id, "result": result})

    def send_error(self, request_id: Any, error: RpcError) -> None:
        """Queue the error response to request ``request_id`` (``None`` when it could not be read)."""
        self._queue({"jsonrpc": "2.0", "id": request_id, "error": error.to_json()})

    def _queue(self, msg: dict[str, Any]) -> None:
        try:
            line = _dumps(msg).encode("utf-8") + b"\n"
        except (TypeError, ValueError) as exc:  # not JSON (NaN, an object), or not UTF-8
            logger.error("%s: cannot encode %r: %s", self.name, msg.get("method", msg.get("id")), exc)
            if "result" in msg:
                line = _dumps({"jsonrpc": "2.0", "id": msg["id"],
                               "error": {"code": INTERNAL_ERROR, "message": f"result not JSON: {exc}"}}).encode() + b"\n"
            else:
                return
        cond = self._out_cond
        with cond:
            if self._closed:
                return
            if self._out or self._writing or self._poll is None or len(line) > INLINE_MAX:
                self._out.append(line)
                if len(self._out) == 1:
                    cond.notify()
                return
            self._writing = True  # the stream is ours: lines queued from now on go after this one
        self._write_inline(line)

    def _write_inline(self, line: bytes) -> None:
        """Write ``line`` on the calling thread (it owns the stream), or hand it to the writer
        thread, at the head of the queue, if the stream has no room for it now."""
        poll = self._poll
        written = False
        try:
            if not self._write_failed and poll is not None and poll.poll(0):
                try:
                    self._writer.write(line)
                    self._writer.flush()
                except (OSError, ValueError) as exc:  # the other side went away
                    self._write_failed = True
                    logger.info("%s: write failed, dropping output: %s", self.name, exc)
                written = True
        finally:
            cond = self._out_cond
            with cond:
                self._writing = False
                if not written and not self._write_failed:
                    self._out.insert(0, line)
                if self._out or self._closed:  # the writer thread waits for the stream
                    cond.notify()

    def _write_loop(self) -> None:
        cond = self._out_cond
        while True:
            with cond:
                while self._writing or (not self._out and not self._closed):
                    cond.wait()
                batch = self._out
                self._out = []
                closing = self._closed
                self._writing = bool(batch)
            if batch:
                try:
                    if not self._write_failed:
                        self._writer.write(b"".join(batch))
                        self._writer.flush()
                except (OSError, ValueError) as exc:  # the other side went away
                    self._write_failed = True
                    logger.info("%s: write failed, dropping output: %s", self.name, exc)
                finally:
                    with cond:
                        self._writing = False
            if closing:
                with cond:
                    if not self._out:
                        return

    # -- reading --------------------------------------------------------------------------

    def start(self) -> Peer:
        """Read and dispatch on a daemon thread of its own; returns self."""
        self._reader_thread = threading.Thread(target=self.serve, name=f"{self.name}-reader", daemon=True)
        self._reader_thread.start()
        return self

    def serve(self) -> None:
        """Read and dispatch lines until end of input, on the calling thread."""
        if self._reader is None:
            raise TypeError("this peer has no reader: feed it with handle_line()")
        try:
            while True:
                try:
                    line = self._reader.readline(MAX_LINE)
                except (OSError, ValueError):
                    break
                if not line:
                    break
                if len(line) >= MAX_LINE and not line.endswith(b"\n"):
                    self.send_error(None, RpcError(INVALID_REQUEST, "line too long"))
                    while line and not line.endswith(b"\n"):  # skip the rest of it
                        line = self._reader.readline(MAX_LINE)
                    continue
                self.handle_line(line)
        finally:
            self.end_input()

    def end_input(self) -> None:
        """Input is over: requests still waiting for an answer fail, ``on_eof`` runs."""
        self._fail_pending(RpcError(INTERNAL_ERROR, "connection closed"))
        if self.on_eof is not None:
            try:
                self.on_eof()
            except Exception:  # noqa: BLE001 - a hook must not break shutdown
                logger.exception("%s: on_eof failed", self.name)

    def handle_line(self, line: bytes | str) -> None:
        """Handle one line of input as if it had been read (blank lines are ignored)."""
        if isinstance(line, bytes):
            try:
                text = line.decode("utf-8")
            except UnicodeDecodeError as exc:
                self.send_error(None, RpcError(PARSE_ERROR, f"input is not UTF-8: {exc}"))
                return
        else:
            text = line
        if not text.strip():
            return
        try:
            msg = _loads(text)
        except (ValueError, RecursionError) as exc:
            self.send_error(None, RpcError(PARSE_ERROR, f"parse error: {exc}"))
            return
        # In a line that decoded as strict UTF-8 only an escape can make a lone surrogate.
        self._surrogates = "\\u" in text or not isinstance(line, bytes)
        if isinstance(msg, list):  # a JSON-RPC batch: answered message by message
            if not msg:
                self.send_error(None, RpcError(INVALID_REQUEST, "empty batch"))
            for item in msg:
                self._dispatch(item)
        else:
            self._dispatch(msg)

    def _dispatch(self, msg: Any) -> None:
        if not isinstance(msg, dict):
            self.send_error(None, RpcError(INVALID_REQUEST, "a message must be a JSON object"))
            return
        has_id = "id" in msg
        request_id = msg.get("id")
        if has_id and not (request_id is None or isinstance(request_id, (str, int, float))):
            self.send_error(None, RpcError(INVALID_REQUEST, "id must be a string, number or null"))
            return
        method = msg.get("method")
        if self._surrogates and (has_lone_surrogate(request_id) or has_lone_surrogate(method)):
            self.send_error(None, RpcError(INVALID_REQUEST, "id or method holds a lone surrogate (not UTF-8)"))
            return
        if method is None:
            if has_id and ("result" in msg or "error" in msg):
                self._on_response(msg)
            elif has_id:
                self.send_error(request_id, RpcError(INVALID_REQUEST, "no method, result or error"))
            else:
                logger.info("%s: dropped a message with neither method nor id", self.name)
            return
        if not isinstance(method, str):
            if has_id:
                self.send_error(request_id, RpcError(INVALID_REQUEST, "method must be a string"))
            return
        params = msg.get("params")
        if self._surrogates and has_lone_surrogate(params):
            error = RpcError(INVALID_PARAMS, "params hold a lone surrogate: text must be valid Unicode "
                                             "(a \\ud800-\\udfff escape must be half of a pair)")
            if has_id:
                self.send_error(request_id, error)
            else:
                _reject_notification(self.handler, method, error)
            return
        if has_id:
            self._on_request(request_id, method, params)
        else:
            try:
                self.handler.handle_notification(method, params)
            except RpcError as exc:
                logger.info("%s: notification %s rejected: %s", self.name, method, exc)
            except Exception:  # noqa: BLE001 - bad input must not stop the peer
                logger.exception("%s: notification %s failed", self.name, method)

    def _on_request(self, request_id: Any, method: str, params: Any) -> None:
        try:
            result = self.handler.handle_request(method, params)
        except RpcError as exc:
            self.send_error(request_id, exc)
            return
        except Exception as exc:  # noqa: BLE001
            logger.exception("%s: request %s failed", self.name, method)
            self.send_error(request_id, RpcError(INTERNAL_ERROR, f"{type(exc).__name__}: {exc}"))
            return
        if isinstance(result, concurrent.futures.Future):
            result.add_done_callback(lambda f: self._answer_later(request_id, f))
        elif isinstance(result, Answer):
            self.send_result(request_id, result.result)
            try:
                result.then()
            except Exception:  # noqa: BLE001 - answered already; the failure is logged
                logger.exception("%s: what follows the answer to %s failed", self.name, method)
        else:
            self.send_result(request_id, result)

    def _answer_later(self, request_id: Any, future: concurrent.futures.Future[Any]) -> None:
        exc = future.exception()
        if exc is None:
            self.send_result(request_id, future.result())
        elif isinstance(exc, RpcError):
            self.send_error(request_id, exc)
        else:
            self.send_error(request_id, RpcError(INTERNAL_ERROR, f"{type(exc).__name__}: {exc}"))

    def _on_response(self, msg: dict[str, Any]) -> None:
        with self._pending_lock:
            future = self._pending.pop(msg["id"], None)
        if future is None:
            logger.info("%s: response to unknown request %r", self.name, msg["id"])
            return
        error = msg.get("error")
        if error is not None:
            if isinstance(error, dict):
                code = error.get("code")
                future.set_exception(RpcError(code if type(code) is int else INTERNAL_ERROR,
                                              str(error.get("message", "")), error.get("data")))
            else:
                future.set_exception(RpcError(INTERNAL_ERROR, f"malformed error: {error!r}"))
        else:
            future.set_result(msg.get("result"))

    def _fail_pending(self, error: RpcError) -> None:
        with self._pending_lock:
            pending, self._pending = self._pending, {}
        for future in pending.values():
            if not future.done():
                future.set_exception(error)

    # -- lifecycle ------------------------------------------------------------------------

    def close(self, timeout: float | None = 5.0) -> None:
        """Write what is queued, then stop the writer thread (the streams stay open)."""
        with self._out_cond:
            self._closed = True
            self._out_cond.notify()
        if threading.current_thread() is not self._writer_thread:
            self._writer_thread.join(timeout)

    def join(self, timeout: float | None = None) -> None:
        """Wait for the reader thread started by :meth:`start` to see end of input."""
        if self._reader_thread is not None:
            self._reader_thread.join(timeout)

"""The pool actor: Triton's repository API as messages, for this node and any other.

Kinds and payloads (a payload is a dict; ``version`` is optional everywhere):

- ``index`` -> a list of ``{name, version, state, reason}``
- ``load`` ``{name, version, wait, timeout}`` -> the versions' index entries, once loaded
  (``wait`` true, the default) or at once
- ``unload`` ``{name, version}``, ``ready`` ``{name, version}`` -> bool,
  ``metadata`` ``{name, version}``, ``statistics`` ``{name}``
- ``call`` ``{name, version, args, kwargs, timeout}`` -> the model's output, with NumPy
  arrays as nested lists: acquire, call and release in the pool's process.

A reply that needs a load is deferred (a ``Future``), so the actor answers other requests
meanwhile; it waits no longer than the request's ``timeout`` and its message's TTL. A
``call`` on a READY model that answers quickly runs where the actor runs (for a remote ask,
often the transport's I/O thread: no hand-off); calls to a slow one (``INLINE_CALL``) run on
the actor's call threads, side by side.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from symphony.actors import Actor, Future
from symphony.errors import ModelNotFound, ModelTimeout, PoolError, PoolFull


__all__ = ["INLINE_CALL", "PoolService", "to_wire"]

#: A loaded model whose calls have taken less than this (seconds, on average) is called where
#: the request is handled (for a remote ask, often the transport's I/O thread: no hand-off);
#: a slower one on the actor's call threads, so calls to it run side by side and never hold
#: up the node's other messages.
INLINE_CALL = 0.002


def to_wire(value: Any) -> Any:
    """``value`` with NumPy arrays and scalars turned into lists and numbers (for msgpack)."""
    tolist = getattr(value, "tolist", None)
    if tolist is not None and not isinstance(value, (str, bytes)):
        return tolist()
    if isinstance(value, (list, tuple)):
        return [to_wire(v) for v in value]
    if isinstance(value, dict):
        return {k: to_wire(v) for k, v in value.items()}
    return value


def _fields(payload: Any, kind: str) -> dict[str, Any]:
    if payload is None:
        return {}
    if isinstance(payload, str):
        return {"name": payload}
    if not isinstance(payload, dict):
        raise PoolError(f"{kind}: the payload is a dict (or a model name), not {type(payload).__name__}")
    return payload


class PoolService(Actor):
    """The actor answering the repository API for one ``Pool`` (see the module docstring)."""

    #: Threads that run calls to models slower than ``INLINE_CALL`` (several at once).
    call_threads = 8

    def __init__(self, pool: Any) -> None:  # pool: the Pool (Any: no import circle)
        self.pool = pool
        #: running average of a call's seconds, per model version (its lease entry's tag)
        self._seconds: dict[Any, float] = {}
        self._workers: ThreadPoolExecutor | None = None

    def on_receive(self, message: Any) -> Any:
        kind = message.kind
        p = _fields(message.payload, kind)
        pool = self.pool
        if kind == "index":
            return pool.index()
        if kind == "statistics":
            return pool.statistics(p.get("name"))
        if kind not in ("ready", "metadata", "unload", "load", "call"):
            raise PoolError(f"the pool actor has no request {kind!r}")
        name, version = p.get("name"), p.get("version")
        if not isinstance(name, str):
            raise ModelNotFound(f"{kind}: the payload's 'name' is a model name (a str), not {name!r}")
        if kind == "ready":
            return pool.ready(name, version)
        if kind == "metadata":
            return pool.metadata(name, version)
        if kind == "unload":
            return pool.unload(name, version)
        if kind == "load":
            if not p.get("wait", True):
                return pool.load(name, version, wait=False)
            timeout = _within_ttl(p.get("timeout"), message)
            return self._later(lambda: pool.load(name, version, timeout=timeout))
        return self._call(name, version, p, _within_ttl(p.get("timeout"), message))

    def _call(self, name: str, version: Any, p: dict[str, Any], timeout: float | None) -> Any:
        args, kwargs = p.get("args") or [], p.get("kwargs") or {}
        if not isinstance(args, (list, tuple)) or not isinstance(kwargs, dict):
            raise PoolError("call: args is a list and kwargs a dict")
        pool = self.pool
        try:
            lease = pool.acquire(name, version, None, False)
        except (ModelTimeout, PoolFull):  # loading, or at its lease limit: answer when it can
            return self._later(lambda: self._timed_run(pool.acquire(name, version, timeout), args, kwargs))
        if self._seconds.get(lease.entry.tag, 0.0) < INLINE_CALL:
            return self._timed_run(lease, args, kwargs)
        future: Future[Any] = Future()
        try:
            self._callers().submit(_resolve, future, self._timed_run, lease, args, kwargs)
        except BaseException:
            lease.release()
            raise
        return future

    def _timed_run(self, lease: Any, args: Any, kwargs: dict[str, Any]) -> Any:
        """Call the leased model, and keep a running average of how long its calls take."""
        started = time.monotonic()
        try:
            return _run(lease, args, kwargs)
        finally:
            key, seconds = lease.entry.tag, time.monotonic() - started
            self._seconds[key] = 0.8 * self._seconds.get(key, seconds) + 0.2 * seconds

    def _callers(self) -> ThreadPoolExecutor:
        if self._workers is None:
            self._workers = ThreadPoolExecutor(self.call_threads, thread_name_prefix="symphony-pool-call")
        return self._workers

    def on_stop(self) -> None:
        if self._workers is not None:
            self._workers.shutdown(wait=True)

    def _later(self, work: Any) -> Future[Any]:
        """Run ``work`` on a thread of its own and answer with its result when it is done."""
        future: Future[Any] = Future()
        threading.Thread(target=_resolve, args=(future, work), name="symphony-pool-request", daemon=True).start()
        return future


def _resolve(future: Future[Any], work: Any, *args: Any) -> None:
    """Resolve ``future`` with ``work(*args)``, or with what it raised."""
    try:
        future.set(work(*args))
    except BaseException as exc:  # noqa: BLE001 - the asker gets it
        future.set_exception(exc)


def _within_ttl(timeout: Any, message: Any) -> float | None:
    """The seconds a request may wait: its ``timeout``, and no longer than its message's TTL."""
    if timeout is not None and (isinstance(timeout, bool) or not isinstance(timeout, (int, float))
                                or not timeout >= 0):
        raise PoolError(f"timeout must be a number of seconds >= 0, not {timeout!r}")
    deadline = getattr(message, "_deadline", None)
    if deadline is None:
        return timeout
    left = max(0.0, deadline - time.monotonic())
    return left if timeout is None else min(timeout, left)


def _run(lease: Any, args: Any, kwargs: dict[str, Any]) -> Any:
    with lease as model:
        return to_wire(model(*args, **kwargs))

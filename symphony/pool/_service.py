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
``call`` on a READY model runs where the actor runs (for a remote ask, often the
transport's I/O thread: no hand-off).
"""

from __future__ import annotations

import threading
import time
from typing import Any

from symphony.actors import Actor, Future
from symphony.errors import PoolError


__all__ = ["PoolService", "to_wire"]


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

    dedicated_thread = False

    def __init__(self, pool: Any) -> None:
        self.pool = pool

    def on_receive(self, message: Any) -> Any:
        kind = message.kind
        p = _fields(message.payload, kind)
        pool = self.pool
        if kind == "index":
            return pool.index()
        if kind == "ready":
            return pool.ready(p["name"], p.get("version"))
        if kind == "metadata":
            return pool.metadata(p["name"], p.get("version"))
        if kind == "statistics":
            return pool.statistics(p.get("name"))
        if kind == "unload":
            return pool.unload(p["name"], p.get("version"))
        if kind == "load":
            if not p.get("wait", True):
                return pool.load(p["name"], p.get("version"), wait=False)
            timeout = _within_ttl(p.get("timeout"), message)
            return self._later(lambda: pool.load(p["name"], p.get("version"), timeout=timeout))
        if kind == "call":
            return self._call(p, _within_ttl(p.get("timeout"), message))
        raise PoolError(f"the pool actor has no request {kind!r}")

    def _call(self, p: dict[str, Any], timeout: float | None) -> Any:
        name, version = p["name"], p.get("version")
        args, kwargs = p.get("args") or [], p.get("kwargs") or {}
        if not isinstance(args, (list, tuple)) or not isinstance(kwargs, dict):
            raise PoolError("call: args is a list and kwargs a dict")
        try:
            lease = self.pool.acquire(name, version, None, False)
        except PoolError as exc:
            if type(exc).__name__ not in ("ModelTimeout", "PoolFull"):
                raise
            return self._later(lambda: _run(self.pool.acquire(name, version, timeout), args, kwargs))
        return _run(lease, args, kwargs)

    def _later(self, work: Any) -> Future[Any]:
        """Run ``work`` on a thread of its own and answer with its result when it is done."""
        future: Future[Any] = Future()

        def run() -> None:
            try:
                future.set(work())
            except BaseException as exc:  # noqa: BLE001 - the asker gets it
                future.set_exception(exc)

        threading.Thread(target=run, name="symphony-pool-request", daemon=True).start()
        return future


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

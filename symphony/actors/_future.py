"""The reply to an ask: a one-shot value that a thread can wait on and asyncio can await.

Invariants:
- A future is resolved at most once (value, exception, or expiry); later attempts are
  ignored and return False, so an actor's late reply cannot overwrite an expiry.
- Waiting is a single pre-acquired lock released on resolution: creating a future costs one
  lock allocation, and a waiter wakes with one release (pykka's futures use a Condition).
- When the asked message has a TTL, waiting stops at its expiry even if the message is
  still queued: the asker gets ``MessageExpired`` then, never later than its own timeout.
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING, Any, Callable, Generator, Generic, TypeVar

from ..errors import AskTimeout, MessageExpired

if TYPE_CHECKING:
    import asyncio

__all__ = ["Future"]

T = TypeVar("T")

_PENDING = object()
_RESOLVE = threading.Lock()
_mono = time.monotonic
_allocate_lock = threading.Lock


class Future(Generic[T]):
    """The eventual reply to ``Ref.ask_async``.

    ``get(timeout)`` blocks a thread; ``await future`` suspends a coroutine without blocking
    its event loop. A failure in the actor is raised from both as the same exception.
    """

    __slots__ = ("_lock", "_value", "_error", "_callbacks", "_deadline", "_label", "__weakref__")

    def __init__(self, deadline: float | None = None, label: str = "") -> None:
        self._lock = _allocate_lock()
        self._lock.acquire()
        self._value: Any = _PENDING
        self._error: BaseException | None = None
        self._callbacks: list[Callable[[Future[T]], None]] | None = None
        #: Monotonic time at which the asked message expires (None: it never does).
        self._deadline = deadline
        self._label = label

    # -- resolving (called by the runtime) ------------------------------------------------

    def set(self, value: T) -> bool:
        """Resolve with ``value``. Returns False if the future was already resolved."""
        with _RESOLVE:
            if self._value is not _PENDING:
                return False
            self._value = value
        self._lock.release()
        if self._callbacks:
            self._run_callbacks()
        return True

    def set_exception(self, error: BaseException) -> bool:
        """Resolve with ``error``, raised to whoever waits. False if already resolved."""
        with _RESOLVE:
            if self._value is not _PENDING:
                return False
            self._value = None
            self._error = error
        self._lock.release()
        if self._callbacks:
            self._run_callbacks()
        return True

    def _run_callbacks(self) -> None:
        callbacks, self._callbacks = self._callbacks, None
        for callback in callbacks or ():
            try:
                callback(self)
            except Exception:  # noqa: BLE001 - a broken callback must not break the resolver
                import logging

                logging.getLogger("symphony.actors").exception("future callback failed")

    def _expire(self) -> bool:
        return self.set_exception(MessageExpired(f"{self._label or 'message'} expired before it was handled"))

    # -- waiting ----------------------------------------------------------------------------

    def done(self) -> bool:
        """True once the future has a value or an exception."""
        return self._value is not _PENDING

    def get(self, timeout: float | None = None) -> T:
        """The reply, waiting up to ``timeout`` seconds (None: until it comes or its message expires).

        Raises the actor's exception if it failed, ``MessageExpired`` if the message's TTL ran
        out first, ``AskTimeout`` if ``timeout`` passed first.
        """
        if self._value is _PENDING:
            deadline = self._deadline
            ttl_first = False
            wait = -1.0 if timeout is None else max(timeout, 0.0)
            if deadline is not None:
                ttl_left = max(deadline - _mono(), 0.0)
                if timeout is None or ttl_left <= timeout:
                    wait, ttl_first = ttl_left, True
            if self._lock.acquire(True, wait):
                self._lock.release()  # resolved: pass the wake-up on to other waiters
            elif ttl_first:
                self._expire()  # no-op if a reply won the race; then it is returned below
            else:
                raise AskTimeout(f"no reply to {self._label or 'ask'} within {timeout} s")
        if self._error is not None:
            raise self._error
        return self._value  # type: ignore[no-any-return]

    def exception(self, timeout: float | None = None) -> BaseException | None:
        """The exception the future failed with (None if it succeeded), waiting like ``get``."""
        try:
            self.get(timeout)
        except (AskTimeout,):
            if not self.done():
                raise
        except BaseException:  # noqa: BLE001
            pass
        return self._error

    def add_done_callback(self, callback: Callable[[Future[T]], None]) -> None:
        """Call ``callback(future)`` once resolved (now, if it already is), in the resolving thread."""
        with _RESOLVE:
            if self._value is _PENDING:
                if self._callbacks is None:
                    self._callbacks = []
                self._callbacks.append(callback)
                return
        callback(self)

    def __await__(self) -> Generator[Any, None, T]:
        return self._await().__await__()

    async def _await(self) -> T:
        import asyncio  # only hosts that await pay for importing asyncio

        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[None] = loop.create_future()

        def wake(_: Future[T]) -> None:
            loop.call_soon_threadsafe(_set_if_pending, waiter)

        self.add_done_callback(wake)
        if self._deadline is None:
            await waiter
        else:
            try:
                await asyncio.wait_for(asyncio.shield(waiter), max(self._deadline - _mono(), 0.0))
            except asyncio.TimeoutError:
                self._expire()
        return self.get(0)

    def __repr__(self) -> str:
        state = "pending" if self._value is _PENDING else ("failed" if self._error else "done")
        return f"<Future {self._label} {state}>"


def _set_if_pending(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)

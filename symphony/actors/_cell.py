"""One actor's runtime: its mailbox, scheduling, delivery, supervision and stop.

The user's ``Actor`` instance holds behaviour and state; the cell holds everything the
runtime needs, so a restart can swap in a fresh instance while the mailbox, the name and
every ``Ref`` stay the same (as Akka's ActorCell does).

The hot paths (``put``, ``schedule``, ``run_messages``) and the fields they touch are the
speedup ``symphony._speedups._mailbox``'s ``CellCore`` (compiled, or its pure twin), which
this class extends.

Invariants:
- ``scheduled`` is True while the cell is in its dispatcher's run queue or running, so at
  most one thread runs an actor at a time and messages are handled one by one, in order.
- Producers append without the lock, then schedule if ``scheduled`` was False. The end
  of a run clears ``scheduled`` *before* it looks at the mailbox (under the lock), so a
  message appended concurrently is always either seen by that look or scheduled by its
  producer; no message is stranded.
- A run that finds more messages when it is done keeps the thread while the dispatcher
  has nothing else queued (no hand-off to another thread, no wake-up); with other actors
  waiting it goes to the back of the run queue after ``throughput`` messages.
- An expired message is never handed to ``on_receive``: it goes to dead letters and its
  future gets ``MessageExpired``.
- Once ``state`` is STOPPED nothing is delivered again: queued and late messages go to
  dead letters and their askers get ``ActorDead``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from functools import partial
from typing import TYPE_CHECKING, Any, Callable

from .. import _speedups
from ..envelope._message import Message
from ..envelope._priority import MessageType
from ..errors import ActorDead, MailboxFull, SymphonyError
from ._actor import Actor
from ._future import Future
from ._mailbox import Mailbox
from ._types import RUNNING, STARTING, STOPPED, STOPPING, Host, Supervision

if TYPE_CHECKING:
    from .._speedups._mailbox_py import CellCore
    from ._dispatcher import Dispatcher
    from ._ref import Ref

else:
    CellCore = _speedups.load("_mailbox").CellCore

__all__ = ["Cell", "unwrap_reply"]

logger = logging.getLogger("symphony.actors")
_mono = time.monotonic
_get_ident = threading.get_ident
#: ``on_start`` as ``Actor`` defines it: a class that keeps it needs no start-up run.
_base_on_start = Actor.on_start

_RESPONSE = MessageType.RESPONSE
_ERROR = MessageType.ERROR
#: ``Cell._watchers`` once a stopped actor's watchers have all been told (never appended to).
_TOLD: list[Callable[[Ref, str], None]] = []


def unwrap_reply(result: Any) -> Any:
    """What an asker gets for ``result``: a RESPONSE message stands for its payload."""
    if result.__class__ is Message and result._type is _RESPONSE:
        return result._payload
    return result


class Cell(CellCore):
    """The runtime of one actor; see the module docstring for its invariants."""

    __slots__ = ("cls", "args", "kwargs", "ref", "overflow", "stop_reason", "_stopped", "_watchers",
                 "_restarts")
    mailbox: Mailbox

    def __init__(self, node: Host, cls: type[Actor], name: str, dispatcher: Dispatcher,
                 args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        mailbox = cls._create_actor_inbox()
        if not isinstance(mailbox, Mailbox):
            raise TypeError(f"{cls.__name__}._create_actor_inbox() must return a Mailbox")
        # not super(): the core sets its own fields in C (a Python store to each is slower)
        CellCore.__init__(self, node, name, dispatcher, mailbox, cls.mailbox_size, max(1, int(cls.throughput)))
        self.cls = cls
        self.args = args
        self.kwargs = kwargs
        self.overflow = cls.mailbox_overflow
        self.stop_reason: str | None = None
        self._stopped: threading.Event | None = None
        self._watchers: list[Callable[[Ref, str], None]] | None = None
        self._restarts: deque[float] | None = None
        self.ref: Ref = None  # type: ignore[assignment]

    def instantiate(self) -> Actor:
        """Make a fresh instance of the actor class bound to this cell and run its ``__init__``."""
        actor = self.cls.__new__(self.cls)
        actor._cell = self
        self.actor = actor
        self.cls.__init__(actor, *self.args, **self.kwargs)
        return actor

    # -- producers ----------------------------------------------------------------------

    def _put_when_room(self, msg: Message[Any], future: Future[Any] | None, timeout: float | None) -> bool:
        """The mailbox is full: raise ``MailboxFull``, or (overflow "block") wait for room and enqueue.

        Returns False if the actor stopped while we waited (the message went to dead letters).
        An actor never blocks on its own mailbox: that would wait forever.
        """
        mailbox = self.mailbox
        bound = self.bound
        if self.overflow != "block" or self.running_in == _get_ident():
            raise MailboxFull(f"mailbox of {self.name!r} is full ({bound} messages); {msg._kind!r} not sent")
        space = mailbox._space
        if space is None:
            with mailbox._lock:
                if mailbox._space is None:
                    mailbox._space = threading.Condition(threading.Lock())
                space = mailbox._space
        deadline = None if timeout is None else _mono() + timeout
        with space:
            while not mailbox.put((msg, future), msg._priority, bound):
                if self.state >= STOPPING:
                    self.reject(msg, future)
                    return False
                left = None if deadline is None else deadline - _mono()
                if left is not None and left <= 0:
                    raise MailboxFull(f"mailbox of {self.name!r} stayed full for {timeout} s; "
                                      f"{msg._kind!r} not sent")
                space.wait(0.5 if left is None else min(left, 0.5))
        return True

    def reject(self, msg: Message[Any], future: Future[Any] | None, reason: str = "actor stopped") -> None:
        """Send ``msg`` to dead letters; its asker learns the actor is gone."""
        self.node._dead_letter(msg, reason, self.name)
        if future is not None:
            future.set_exception(ActorDead(f"actor {self.name!r} stopped before handling {msg._kind!r}"))

    def drain_dead(self) -> None:
        """Move every queued message to dead letters (the actor has stopped)."""
        for msg, future in self.mailbox.drain():
            self.reject(msg, future)
        self._notify_space()

    def _notify_space(self) -> None:
        space = self.mailbox._space
        if space is not None:
            with space:
                space.notify_all()

    # -- lifecycle ------------------------------------------------------------------------

    def start(self) -> None:
        """Begin life: run ``on_start`` on the dispatcher if the class has one, else go straight to RUNNING."""
        if type(self.actor).on_start is _base_on_start:
            self.state = RUNNING
            if not self.mailbox.empty():
                self.schedule()
        else:
            self.schedule()

    def request_stop(self, reason: str) -> None:
        """Ask the actor to stop after the message it is handling; queued messages go to dead letters."""
        with self.lock:
            if self.state >= STOPPING:
                return
            self.state = STOPPING
            self.stop_reason = reason
        self.schedule()
        self._notify_space()

    def stopped_event(self) -> threading.Event:
        """An event set once the actor has stopped and its watchers have been told (created
        on first use): whoever waits for a stop may count on every watcher having run."""
        with self.lock:
            if self._stopped is None:
                self._stopped = threading.Event()
                if self.state == STOPPED and self._watchers is _TOLD:
                    self._stopped.set()
            return self._stopped

    def watch(self, callback: Callable[[Ref, str], None]) -> None:
        """Call ``callback(ref, reason)`` when the actor stops (at once if it already has)."""
        with self.lock:
            if self.state != STOPPED:
                if self._watchers is None:
                    self._watchers = []
                self._watchers.append(callback)
                return
        self._call_watcher(callback)  # stopped (or stopping past the point of telling): now

    def _call_watcher(self, callback: Callable[[Ref, str], None]) -> None:
        try:
            callback(self.ref, self.stop_reason or "stopped")
        except Exception:  # noqa: BLE001
            logger.exception("watcher of %s failed", self.name)

    # -- the run loop (one dispatcher thread at a time) -----------------------------------

    def run(self) -> None:
        """Handle messages in batches of ``throughput``, then give the thread back.

        After a full batch the run goes on while the dispatcher has nothing else queued:
        handing the actor to the back of an empty run queue would only wake another
        thread (and, on a busy machine, wait for it to get a core) to do the same work.
        """
        self.running_in = _get_ident()
        try:
            if self.state != RUNNING:
                if self.state == STARTING:
                    self._run_on_start()
                if self.state == STOPPED:
                    self.running_in = 0
                    self.drain_dead()
                    return
            if self.state == RUNNING:
                limit = self.throughput
                nothing_queued = self.dispatcher.nothing_queued
                while (self.run_messages(limit) == limit and self.state == RUNNING
                       and nothing_queued()):
                    pass
        except BaseException:
            self.running_in = 0
            raise
        self._release(0)

    def _release(self, outer: int) -> None:
        """End a run: finish a requested stop, or give up ``scheduled`` (resubmitting if messages wait).

        ``running_in`` is restored to ``outer`` only after a stop has finished (so hooks that
        stop their own actor never wait for themselves) and before resubmitting (so it never
        clobbers the next run's value).
        """
        if self.state == STOPPING:
            try:
                self._finish_stop()  # still holding the run slot: stop here, not after another queue trip
            finally:
                self.running_in = outer
            return
        self.running_in = outer
        with self.lock:
            self.scheduled = False
            if self.state == RUNNING and self.mailbox.empty():
                return
            self.scheduled = True
        self.dispatcher.submit(self)

    def ask_inline(self, msg: Message[Any], future: Future[Any], timeout: float | None = None) -> bool:
        """Handle an ask on the asking thread if the actor is idle; False if it is not.

        The asker would only block waiting for a dispatcher thread to wake, run and wake it
        back; claiming the idle actor's run slot (the same ``scheduled`` flag a dispatcher
        run holds) keeps one-at-a-time handling and arrival order and saves both wake-ups.
        Actors with a dedicated thread always run there, and so does an ask with a
        ``timeout`` (a dispatcher thread must run it so the timeout can fire meanwhile).
        """
        if (timeout is not None or self.scheduled or self.state != RUNNING
                or self.dispatcher is not self.node._dispatcher):
            return False
        with self.lock:
            if self.scheduled:
                return False
            self.scheduled = True
        self.mailbox.put((msg, future), msg._priority)
        outer = self.running_in
        self.running_in = _get_ident()
        try:
            if self.state == RUNNING:
                self.run_messages(self.throughput, future)
        except BaseException:
            self.running_in = outer
            raise
        self._release(outer)
        return True

    def _answer(self, future: Future[Any], result: Any) -> None:
        """Resolve an asker's ``future`` with what ``on_receive`` returned: a RESPONSE message
        stands for its payload, an ERROR message for a failure, and a ``Future`` for the reply
        it resolves with later (a deferred reply: the actor moves on to its next message
        while slow work, a model load, finishes elsewhere)."""
        cls = result.__class__
        if cls is Message:
            if result._type is _RESPONSE:
                result = result._payload
            elif result._type is _ERROR:
                future.set_exception(_error_from_message(result))
                return
        elif cls is Future:
            result.add_done_callback(partial(_forward, future))
            return
        future.set(result)

    def _run_on_start(self) -> None:
        try:
            self.actor.on_start()
        except BaseException as exc:  # noqa: BLE001
            logger.error("%s failed in on_start; stopping it", self.actor, exc_info=exc)
            self._call_on_failure(exc)
            self.state = STOPPING
            self.stop_reason = f"failed in on_start: {exc!r}"
            return
        with self.lock:
            if self.state == STARTING:
                self.state = RUNNING

    def _call_on_failure(self, exc: BaseException) -> None:
        try:
            self.actor.on_failure(type(exc), exc, exc.__traceback__)
        except Exception:  # noqa: BLE001
            logger.exception("%s: on_failure itself failed", self.actor)

    def _failed(self, exc: BaseException, asked: bool) -> None:
        actor = self.actor
        if asked:
            logger.debug("%s raised %r to its asker", actor, exc)
        else:
            logger.error("%s failed handling a message", actor, exc_info=exc)
        self._call_on_failure(exc)
        strategy = actor.supervision if isinstance(exc, Exception) else Supervision.STOP
        if strategy == Supervision.RESUME:
            return
        if strategy == Supervision.RESTART and self._may_restart():
            self._restart(exc)
            return
        with self.lock:
            if self.state < STOPPING:
                self.state = STOPPING
                self.stop_reason = f"failed: {exc!r}"

    def _may_restart(self) -> bool:
        now = _mono()
        window = self.cls.restart_window
        if self._restarts is None:
            self._restarts = deque()
        while self._restarts and now - self._restarts[0] > window:
            self._restarts.popleft()
        if len(self._restarts) >= self.cls.max_restarts:
            logger.error("%s restarted %d times within %ss; stopping it", self.actor,
                         len(self._restarts), window)
            return False
        self._restarts.append(now)
        return True

    def _restart(self, cause: BaseException) -> None:
        logger.info("restarting %s after %r", self.actor, cause)
        try:
            actor = self.instantiate()
            if type(actor).on_start is not _base_on_start:
                actor.on_start()
        except BaseException as exc:  # noqa: BLE001
            logger.error("%s failed to restart; stopping it", self.name, exc_info=exc)
            with self.lock:
                self.state = STOPPING
                self.stop_reason = f"failed to restart: {exc!r}"

    def _finish_stop(self) -> None:
        failed = (self.stop_reason or "").startswith("failed")
        self.state = STOPPED
        self.drain_dead()
        if not failed:
            try:
                self.actor.on_stop()
            except Exception:  # noqa: BLE001
                logger.exception("%s: on_stop failed", self.actor)
        self.node._unregister(self)
        with self.lock:
            watchers, self._watchers = self._watchers, None
        for callback in watchers or ():
            self._call_watcher(callback)
        with self.lock:
            self._watchers = _TOLD
            if self._stopped is not None:
                self._stopped.set()
        if self.dispatcher is not self.node._dispatcher:
            self.dispatcher.shutdown(wait=False)
        self.drain_dead()


def _error_from_message(msg: Message[Any]) -> BaseException:
    payload = msg._payload
    text = payload.get("message", repr(payload)) if isinstance(payload, dict) else repr(payload)
    return SymphonyError(f"actor replied with an error: {text}")



def _forward(target: Future[Any], source: Future[Any]) -> None:
    """Resolve an asker's ``target`` as a deferred reply ``source`` resolved."""
    error = source.exception(0)
    if error is not None:
        target.set_exception(error)
    else:
        target.set(unwrap_reply(source.get(0)))

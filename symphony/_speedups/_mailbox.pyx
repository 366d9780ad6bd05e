# cython: language_level=3, boundscheck=False, wraparound=False
"""Compiled actor mailbox and the hot paths of its cell (enqueue-and-schedule, the run loop).

Twin of ``_mailbox_py.py`` (see there for the invariants): same ``public_api``, same
behaviour. Every step that the pure twin does without a lock is done here by C code that
runs no Python code in between, so it is just as atomic under the GIL.
"""

import threading
import time
from collections import deque

__all__ = ["RUNNING", "STARTING", "STOPPED", "STOPPING", "CellCore", "Mailbox"]
public_api = ["RUNNING", "STARTING", "STOPPED", "STOPPING", "CellCore", "Mailbox"]

STARTING, RUNNING, STOPPING, STOPPED = 0, 1, 2, 3

cdef enum:
    C_STARTING = 0
    C_RUNNING = 1
    C_STOPPING = 2
    C_STOPPED = 3

cdef object _mono = time.monotonic
cdef object _Lock = threading.Lock
cdef object _deque = deque


cdef class Mailbox:
    """Priority-then-arrival ordered queue of ``(message, future)`` entries for one actor.

    ``fixed`` are the priority levels that are kept once created (appended to without a
    lock); every other level is dropped when emptied.
    """

    cdef public dict _levels
    cdef public frozenset _fixed
    cdef public dict _standard
    cdef public tuple _order
    cdef public tuple _keys
    cdef public object _lock
    cdef public object _space

    def __init__(self, fixed=()):
        self._levels = {}
        self._fixed = frozenset(fixed)
        self._standard = {}
        self._order = ()
        self._keys = ()
        self._lock = _Lock()
        self._space = None

    cpdef bint put(self, object entry, object priority, object bound=None):
        """Append ``entry`` at ``priority``'s level; False (nothing appended) if ``bound`` entries are queued."""
        cdef object queue = self._standard.get(priority)
        if queue is not None:
            if bound is not None and self._count() >= bound:
                return False
            queue.append(entry)
            return True
        with self._lock:
            if bound is not None and self._count() >= bound:
                return False
            queue = self._levels.get(priority)
            if queue is None:
                queue = self._add_level(priority)
            queue.append(entry)
            return True

    cdef Py_ssize_t _count(self):
        cdef Py_ssize_t total = 0
        cdef object queue
        for queue in self._order:
            total += len(queue)
        return total

    def _add_level(self, priority):
        queue = _deque()
        levels = dict(self._levels)
        levels[priority] = queue
        keys = tuple(sorted(levels, reverse=True))
        self._order = tuple([levels[k] for k in keys])
        self._keys = keys
        self._levels = levels
        if priority in self._fixed:
            standard = dict(self._standard)
            standard[priority] = queue
            self._standard = standard
        return queue

    cpdef object get(self):
        """Remove and return the most urgent, oldest entry, or None when empty."""
        cdef object queue
        cdef object entry
        for queue in self._order:
            if queue:
                entry = queue.popleft()
                if not queue and len(self._keys) > 1:
                    self._maybe_drop_empty_custom()
                return entry
        return None

    def _maybe_drop_empty_custom(self):
        fixed = self._fixed
        with self._lock:
            custom = [p for p, q in self._levels.items() if not q and p not in fixed]
            if not custom:
                return
            levels = {p: q for p, q in self._levels.items() if p not in custom}
            keys = tuple(sorted(levels, reverse=True))
            self._order = tuple([levels[k] for k in keys])
            self._keys = keys
            self._levels = levels

    cpdef bint empty(self):
        """True when no entry is queued."""
        cdef object queue
        for queue in self._order:
            if queue:
                return False
        return True

    def __len__(self):
        return self._count()

    def __bool__(self):
        return not self.empty()

    def drain(self):
        """Remove and yield every queued entry, most urgent first (used when the actor stops)."""
        while True:
            entry = self.get()
            if entry is None:
                return
            yield entry

    def levels(self):
        """The priority levels that currently have a queue, most urgent first."""
        return self._keys


cdef class CellCore:
    """The fields and hot paths of an actor's cell; ``symphony.actors._cell.Cell`` adds the rest.

    A subclass provides ``reject(msg, future)``, ``drain_dead()``,
    ``_put_when_room(msg, future, timeout) -> bool``, ``_notify_space()``,
    ``_answer(future, result)`` and ``_failed(exc, asked)``; ``node`` provides ``_tracer``
    and ``_dead_letter(msg, reason, recipient)``; ``dispatcher`` provides ``submit(cell)``.
    """

    cdef public object actor
    cdef public object node
    cdef public object name
    cdef public Mailbox mailbox
    cdef public object dispatcher
    cdef public bint scheduled
    cdef public int state
    cdef public object lock
    cdef public object bound
    cdef public Py_ssize_t throughput
    cdef public object running_in

    def __init__(self):
        self.name = ""
        self.scheduled = False
        self.state = C_STARTING
        self.lock = _Lock()
        self.throughput = 1
        self.running_in = 0

    def put(self, msg, future, block_timeout=None):
        """Enqueue ``msg`` (with the asker's ``future``, if any) and make sure the actor will run."""
        if self.state >= C_STOPPING:
            self.reject(msg, future)
            return
        if not self.mailbox.put((msg, future), msg._priority, self.bound):
            if not self._put_when_room(msg, future, block_timeout):
                return
        tracer = self.node._tracer
        if tracer is not None:
            tracer.instant("enqueue", self.name, msg._kind)
        if not self.scheduled:
            self.schedule()
        if self.state == C_STOPPED:
            self.drain_dead()  # the actor stopped while we appended: nothing may be stranded

    def schedule(self):
        """Put the cell in its dispatcher's run queue unless it is already there or running."""
        with self.lock:
            if self.scheduled:
                return
            self.scheduled = True
        self.dispatcher.submit(self)

    def run_messages(self, Py_ssize_t limit, until=None):
        """Handle up to ``limit`` messages, fewer if the mailbox empties, ``until`` (a future)
        is done, or the actor leaves RUNNING. Returns how many entries were taken."""
        cdef Mailbox mailbox = self.mailbox
        cdef Py_ssize_t n = 0
        cdef object entry, msg, future, deadline, result, start = None
        node = self.node
        tracer = node._tracer
        name = self.name
        while n < limit:
            if until is not None and until.done():
                break
            entry = mailbox.get()
            if entry is None:
                break
            n += 1
            msg = (<tuple>entry)[0]
            future = (<tuple>entry)[1]
            if mailbox._space is not None:
                self._notify_space()
            deadline = msg._deadline
            if deadline is not None and _mono() >= deadline:
                node._dead_letter(msg, "expired", name)
                if future is not None:
                    future._expire()
                continue
            if tracer is not None:
                start = tracer.now()
            try:
                result = self.actor.on_receive(msg)
            except BaseException as exc:
                if future is not None:
                    future.set_exception(exc)
                self._failed(exc, future is not None)
            else:
                if future is not None:
                    self._answer(future, result)
            if tracer is not None:
                tracer.span(name, msg._kind, start)
            if self.state != C_RUNNING:
                break
        return n

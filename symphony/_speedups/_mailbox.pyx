# cython: language_level=3, boundscheck=False, wraparound=False
"""Compiled actor mailbox and the hot paths of its cell (enqueue-and-schedule, the run loop).

Twin of ``_mailbox_py.py`` (see there for the invariants): same ``public_api``, same
behaviour. Every step that the pure twin does without a lock is done here by C code that
runs no Python code in between, so it is just as atomic under the GIL.
"""

from cpython.object cimport PyObject, PyTypeObject
from cpython.ref cimport Py_XINCREF, Py_XDECREF, Py_INCREF

import threading
import time
from collections import deque


cdef extern from "Python.h":
    ctypedef struct PyMemberDef:
        const char* name
        int type
        Py_ssize_t offset
        int flags
    ctypedef struct PyMemberDescrObject:
        PyMemberDef* d_member
    PyTypeObject PyMemberDescr_Type
    int T_OBJECT_EX
    int READONLY

DEF MAX_FIELDS = 32

cdef extern from *:
    """
    static PyObject* symphony_alloc(PyTypeObject* tp) { return tp->tp_alloc(tp, 0); }
    """
    object _alloc "symphony_alloc" (PyTypeObject* tp)

__all__ = ["RUNNING", "STARTING", "STOPPED", "STOPPING", "UNSET", "CellCore", "EventFactory", "Mailbox",
           "RefCore"]
public_api = ["RUNNING", "STARTING", "STOPPED", "STOPPING", "UNSET", "CellCore", "EventFactory", "Mailbox",
              "RefCore"]

STARTING, RUNNING, STOPPING, STOPPED = 0, 1, 2, 3
UNSET = object()

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

    ``fixed`` (default: the class's ``fixed_levels``) are the priority levels that are kept
    once created (appended to without a lock); every other level is dropped when emptied.
    """

    fixed_levels = frozenset()

    cdef public dict _levels
    cdef public frozenset _fixed
    cdef public dict _standard
    cdef public tuple _order
    cdef public tuple _keys
    cdef public object _lock
    cdef public object _space

    def __init__(self, fixed=None):
        self._levels = {}
        self._fixed = type(self).fixed_levels if fixed is None else frozenset(fixed)
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

    def __init__(self, node, name, dispatcher, Mailbox mailbox, bound, Py_ssize_t throughput):
        self.node = node
        self.name = name
        self.dispatcher = dispatcher
        self.mailbox = mailbox
        self.bound = bound
        self.throughput = throughput
        self.actor = None
        self.scheduled = False
        self.state = C_STARTING
        self.lock = _Lock()
        self.running_in = 0

    def put(self, msg, future, block_timeout=None):
        """Enqueue ``msg`` (with the asker's ``future``, if any) and make sure the actor will run."""
        self._enqueue(msg, future, block_timeout)

    cdef _enqueue(self, msg, future, block_timeout):
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


cdef class RefCore:
    """The fields of a ``Ref`` and its ``tell``; ``symphony.actors.Ref`` adds the rest.

    A subclass provides ``_message`` (the message class), ``_event(kind, payload)`` (makes
    an event) and ``_coerce(message, payload, options)`` (every other way to call ``tell``).
    """

    cdef public object _cell
    cdef public object name

    def __init__(self, cell):
        self._cell = cell
        self.name = cell.name

    def tell(self, message, payload=UNSET, /, **options):
        """Send without waiting for an answer. A message to a stopped actor goes to dead letters.

        ``tell("kind", payload, priority=..., ttl=...)`` is shorthand for
        ``tell(Message("kind", payload, ...))`` (an EVENT). Raises ``MailboxFull`` if the
        actor's bounded mailbox is full and its overflow policy is ``"raise"`` (with
        ``"block"``, waits for room).
        """
        if type(message) is str and not options:
            event = self._event
            if type(event) is EventFactory:
                message = (<EventFactory>event).make(message, None if payload is UNSET else payload)
            else:
                message = event(message, None if payload is UNSET else payload)
        elif options or payload is not UNSET or type(message) is not self._message:
            message = self._coerce(message, payload, options)
        cell = self._cell
        if isinstance(cell, CellCore):
            (<CellCore>cell)._enqueue(message, None, None)
        else:
            cell.put(message, None)


cdef class EventFactory:
    """Makes event messages like a prototype: ``factory(kind, payload)`` is
    ``type(prototype)(kind, payload)``, every other field as the prototype has it.

    Compiled, it copies the prototype's slots and sets ``_kind``, ``_payload`` and
    ``_created`` (from ``clock()``) without running ``__init__``: a quarter of the cost of
    a ``tell("kind")``. It falls back to calling the class when the class is not a plain
    ``__slots__`` class whose slots are all object fields.
    """

    cdef object _cls
    cdef object _proto
    cdef object _clock
    cdef bint _fast
    cdef bint _plain_new
    cdef Py_ssize_t _n
    cdef Py_ssize_t _offsets[MAX_FIELDS]
    cdef Py_ssize_t _kind_at, _payload_at, _created_at

    def __init__(self, prototype, clock):
        cls = type(prototype)
        self._cls = cls
        self._proto = prototype
        self._clock = clock
        self._fast = False
        self._plain_new = cls.__new__ is object.__new__
        self._n = 0
        self._kind_at = self._payload_at = self._created_at = -1
        cdef PyTypeObject* tp = <PyTypeObject*>cls
        if tp.tp_dictoffset != 0:
            return  # instances have a __dict__: not a plain slots class
        names = [n for klass in cls.__mro__ for n in klass.__dict__.get("__slots__", ()) if n != "__weakref__"]
        if not names or len(names) > MAX_FIELDS:
            return
        cdef PyMemberDescrObject* descr
        cdef Py_ssize_t i = 0
        for name in names:
            attr = None
            for klass in cls.__mro__:
                if name in klass.__dict__:
                    attr = klass.__dict__[name]
                    break
            if attr is None or type(attr) is not <object>(<PyObject*>&PyMemberDescr_Type):
                return
            descr = <PyMemberDescrObject*>attr
            if descr.d_member.type != T_OBJECT_EX or descr.d_member.flags & READONLY:
                return
            self._offsets[i] = descr.d_member.offset
            if name == "_kind":
                self._kind_at = descr.d_member.offset
            elif name == "_payload":
                self._payload_at = descr.d_member.offset
            elif name == "_created":
                self._created_at = descr.d_member.offset
            i += 1
        if self._kind_at < 0 or self._payload_at < 0 or self._created_at < 0:
            return
        self._n = i
        self._fast = True

    @property
    def compiled(self):
        """True when messages are made by copying slots (else by calling the class)."""
        return self._fast

    cdef inline object make(self, kind, payload):
        if not self._fast:
            return self._cls(kind, payload)
        cdef object created = self._clock()
        cdef object msg
        if self._plain_new:  # what object.__new__ does, without looking it up and calling it
            msg = _alloc(<PyTypeObject*>self._cls)
        else:
            msg = self._cls.__new__(self._cls)
        cdef char* dst = <char*><PyObject*>msg
        cdef char* src = <char*><PyObject*>self._proto
        cdef PyObject* value
        cdef PyObject** slot
        cdef Py_ssize_t i, off
        for i in range(self._n):
            off = self._offsets[i]
            if off == self._kind_at:
                value = <PyObject*>kind
            elif off == self._payload_at:
                value = <PyObject*>payload
            elif off == self._created_at:
                value = <PyObject*>created
            else:
                value = (<PyObject**>(src + off))[0]
            slot = <PyObject**>(dst + off)
            Py_XINCREF(value)
            Py_XDECREF(slot[0])
            slot[0] = value
        return msg

    def __call__(self, kind, payload=None):
        return self.make(kind, payload)

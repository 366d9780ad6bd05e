"""``Node``: a process's home for actors, their dispatcher threads and their dead letters.

Invariants:
- Every thread a node starts (its dispatcher's, dedicated actors') ends in ``stop()``.
- Actor names are unique among a node's live actors; a stopped actor's name is free again.
- Dead letters keep the most recent ``dead_letter_capacity`` records; ``dead_letter_count``
  counts all of them, so a flood is visible even after old records roll off.
- Transports are found by URI scheme (``transport_for``), never imported: one instance per
  transport class, made on first use (``listen=``, a remote ``ref``, ``connect``) and
  closed by ``stop()`` after the actors, flushing what is queued.
"""

from __future__ import annotations

import itertools
import logging
import os
import threading
import time
from collections import deque
from typing import Any, Callable, NamedTuple, TypeVar, Union

from ..envelope._message import Message
from ..errors import ActorNotFound, NameTaken, NodeStopped
from ..envelope._priority import MessageType
from ._actor import Actor
from ._cell import Cell
from ._dispatcher import Dispatcher
from ._ref import Ref
from ._trace import Tracer
from ._transport_api import Transport, split_address
from ._transports import transport_for
from ._types import STOPPED

__all__ = ["DeadLetter", "Node"]

logger = logging.getLogger("symphony.actors")
_node_numbers = itertools.count(1)
A = TypeVar("A", bound=Actor)
Subscriber = Union[Ref, Callable[[str, Any], None]]


class DeadLetter(NamedTuple):
    """A message that was not delivered, and why."""

    message: Message[Any]
    """The undelivered message."""
    reason: str
    """``"expired"``, ``"actor stopped"``, ...: why it was not delivered."""
    recipient: str
    """The name of the actor it was for."""
    timestamp: float
    """When it was declared dead (UTC POSIX timestamp)."""


class Node:
    """Hosts actors on a shared pool of dispatcher threads. Use as a context manager.

    ``threads`` is the pool size (default: the number of cores); the pool grows up to
    ``max_threads`` while every thread is stuck in a blocking actor. ``trace=True`` records
    message spans for ``write_trace``.

    ``listen`` is a URI or a list of them (``tcp://127.0.0.1:0``, ``ipc:///tmp/n.sock``,
    ``unix:///tmp/n.sock``, ``inproc://name``) where other nodes reach this one; ``address``
    is what was actually bound. ``secret`` (bytes) makes every frame signed and checked;
    a non-loopback tcp address needs one unless ``insecure=True``. ``transport_options``
    go to every transport (``max_frame``, ``heartbeat``, ``max_pending``, ...; see the
    README's "Transport options"). A node that only calls out needs no ``listen``.
    """

    def __init__(self, name: str | None = None, *, threads: int | None = None, max_threads: int = 64,
                 dead_letter_capacity: int = 10_000, trace: bool = False,
                 listen: str | list[str] | tuple[str, ...] | None = None, secret: bytes | str | None = None,
                 insecure: bool = False, transport_options: dict[str, Any] | None = None) -> None:
        self.name = name or f"node-{os.getpid()}-{next(_node_numbers)}"
        self._dispatcher = Dispatcher(threads, max_threads=max(max_threads, threads or 1), name=self.name)
        self._cells: dict[str, Cell] = {}
        self._lock = threading.Lock()
        self._counter = itertools.count(1)
        self._dead: deque[DeadLetter] = deque(maxlen=dead_letter_capacity)
        self._dead_count = 0
        self._dead_lock = threading.Lock()
        self._tracer: Tracer | None = Tracer() if trace else None
        self._stopping = False
        self._dedicated: list[Dispatcher] = []
        if isinstance(secret, str):
            secret = secret.encode()
        if secret is not None and (not isinstance(secret, bytes) or not secret):
            raise TypeError("secret must be non-empty bytes (or str) or None")
        self._secret = secret
        self._insecure = bool(insecure)
        self._transport_options = dict(transport_options or {})
        self._transports: dict[type, Transport] = {}
        self._addresses: list[str] = []
        self._subscribers: dict[str, list[Subscriber]] = {}
        self._remote_refs: dict[str, Ref] = {}
        if listen is not None:
            try:
                for uri in [listen] if isinstance(listen, str) else list(listen):
                    scheme = split_address(uri)[0]
                    self._addresses.append(self._transport(scheme).listen(uri))
            except BaseException:
                self.stop()
                raise

    # -- actors ---------------------------------------------------------------------------

    def spawn(self, cls: type[A], *args: Any, name: str | None = None, **kwargs: Any) -> Ref:
        """Create an actor of class ``cls`` (constructed with ``*args, **kwargs``) and return its ``Ref``.

        Raises ``NameTaken`` if a live actor already has ``name``, ``NodeStopped`` after
        ``stop()``, and whatever the constructor raises (the actor then does not exist).
        """
        if not (isinstance(cls, type) and issubclass(cls, Actor)):
            raise TypeError(f"spawn() takes a subclass of symphony.Actor, not {cls!r}")
        if self._stopping:
            raise NodeStopped(f"node {self.name} is stopped")
        if name is None:
            name = f"{cls.__name__.lower()}-{next(self._counter)}"
        elif not isinstance(name, str) or not name or "/" in name:
            raise ValueError(f"actor name must be a non-empty str without '/', not {name!r}")
        dispatcher = self._dispatcher
        if cls.dedicated_thread:
            dispatcher = Dispatcher(1, max_threads=1, name=f"{self.name}-{name}")
        cell = Cell(self, cls, name, dispatcher, args, kwargs)
        cell.ref = Ref(cell)
        with self._lock:
            if name in self._cells:
                if dispatcher is not self._dispatcher:
                    dispatcher.shutdown()
                raise NameTaken(f"an actor named {name!r} already lives on node {self.name}")
            self._cells[name] = cell
        try:
            actor = cell.instantiate()
        except BaseException:
            with self._lock:
                self._cells.pop(name, None)
            if dispatcher is not self._dispatcher:
                dispatcher.shutdown()
            raise
        if dispatcher is not self._dispatcher:
            with self._lock:
                self._dedicated.append(dispatcher)
        actor._start_actor_loop()
        return cell.ref

    def ref(self, name: str) -> Ref:
        """The ``Ref`` of the live actor called ``name``; raises ``ActorNotFound`` if there is none.

        ``name`` may be a remote address (``tcp://host:port/echo``, ``ipc:///path#echo``,
        ``unix:///path#echo``, ``inproc://node/echo``): the ``Ref`` then sends through the
        transport for its scheme, with the same ``tell``/``ask``/``ask_async`` semantics.
        Nothing is checked until the first message: an unreachable node or an unknown
        actor there is a ``DeliveryError`` to an ask, a dead letter there for a tell.
        """
        cell = self._cells.get(name)
        if cell is None:
            if "://" in name:
                return self._remote_ref(name)
            raise ActorNotFound(f"no actor named {name!r} on node {self.name}")
        return cell.ref

    # -- transports -----------------------------------------------------------------------

    def _transport(self, scheme: str) -> Transport:
        cls = transport_for(scheme)
        transport = self._transports.get(cls)
        if transport is None:
            with self._lock:
                if self._stopping:
                    raise NodeStopped(f"node {self.name} is stopped")
                transport = self._transports.get(cls)
                if transport is None:
                    transport = cls(self, secret=self._secret, insecure=self._insecure,
                                    **self._transport_options)
                    self._transports[cls] = transport
        return transport

    def _remote_ref(self, address: str) -> Ref:
        ref = self._remote_refs.get(address)
        if ref is not None:
            return ref
        scheme, endpoint, actor = split_address(address)
        transport = self._transport(scheme)
        if actor is None:
            raise ValueError(f"address {address!r} names no actor (tcp://host:port/name or ipc:///path#name)")
        target = transport.target(endpoint, actor)
        ref = getattr(target, "ref", None)
        if ref is not None:
            return ref  # a local cell (inproc): not cached, the actor may be replaced
        ref = target.ref = Ref(target)  # type: ignore[arg-type]
        if len(self._remote_refs) < 10_000:
            self._remote_refs[address] = ref
        return ref

    @property
    def address(self) -> str | None:
        """The first address this node listens on, as bound (a real port for port 0); None if none."""
        return self._addresses[0] if self._addresses else None

    @property
    def addresses(self) -> list[str]:
        """Every address this node listens on, as bound."""
        return list(self._addresses)

    def connect(self, uri: str, timeout: float = 10.0) -> None:
        """Link to the node at ``uri`` so bus publications flow both ways; returns once the
        two nodes have exchanged their subscriptions (``DeliveryError`` after ``timeout`` s).

        Refs open their links on first use; only the bus needs an explicit ``connect``.
        """
        scheme, endpoint, _ = split_address(uri)
        self._transport(scheme).connect(endpoint, timeout)

    def transport_stats(self) -> dict[str, int]:
        """Counters summed over this node's transports: frames sent and received, and frames
        dropped by reason (``bad_signature``, ``replayed``, ``malformed``, ``oversized``, ...)."""
        total: dict[str, int] = {}
        for transport in list(self._transports.values()):
            for key, value in transport.stats().items():
                total[key] = total.get(key, 0) + value
        return total

    def _deliver(self, name: str, msg: Message[Any], future: Any, inline: bool = False) -> bool:
        """Put a message that arrived from a peer in local actor ``name``'s mailbox, never
        blocking; with ``inline``, an ask to an idle actor is handled on the calling (transport)
        thread instead, and True is returned."""
        cell = self._cells.get(name)
        if cell is None:
            raise ActorNotFound(f"no actor named {name!r} on node {self.name}")
        if future is None:
            if msg._kind == "symphony.stop" and msg._type is MessageType.EVENT:
                cell.request_stop("stopped by a peer")
                return False
        elif inline and not cell.scheduled and cell.ask_inline(msg, future):
            return True
        cell.put(msg, future, 0.0)
        return False

    # -- the bus --------------------------------------------------------------------------

    def subscribe(self, prefix: str, subscriber: Subscriber) -> None:
        """Receive every publication whose topic starts with ``prefix``, from this node and
        every linked node: a ``Ref`` is told ``Message(topic, payload)``; a callable is
        called ``subscriber(topic, payload)`` on a transport or publishing thread."""
        if not isinstance(prefix, str):
            raise TypeError("prefix must be a str")
        if not (isinstance(subscriber, Ref) or callable(subscriber)):
            raise TypeError("subscribe() takes a Ref or a callable(topic, payload)")
        with self._lock:
            self._subscribers.setdefault(prefix, []).append(subscriber)
        for transport in list(self._transports.values()):
            transport.subscriptions_changed()

    def unsubscribe(self, prefix: str, subscriber: Subscriber) -> None:
        """Undo one ``subscribe(prefix, subscriber)``."""
        with self._lock:
            subs = self._subscribers.get(prefix, [])
            if subscriber in subs:
                subs.remove(subscriber)
            if not subs:
                self._subscribers.pop(prefix, None)
        for transport in list(self._transports.values()):
            transport.subscriptions_changed()

    def publish(self, topic: str, payload: Any = None) -> None:
        """Publish ``payload`` under ``topic`` to local subscribers and subscribed linked nodes."""
        if not isinstance(topic, str):
            raise TypeError("topic must be a str")
        self._publish_local(topic, payload, None)
        for transport in list(self._transports.values()):
            transport.publish(topic, payload)

    def _subscriptions(self) -> list[str]:
        with self._lock:
            return list(self._subscribers)

    def _publish_local(self, topic: str, payload: Any, origin: Any) -> None:
        with self._lock:
            matched = [s for prefix, subs in self._subscribers.items() if topic.startswith(prefix) for s in subs]
        for subscriber in matched:
            try:
                if isinstance(subscriber, Ref):
                    subscriber.tell(Message(topic, payload, metadata={"bus": True}))
                else:
                    subscriber(topic, payload)
            except Exception:  # noqa: BLE001 - one broken subscriber must not stop the others
                logger.exception("bus subscriber %r failed on %r", subscriber, topic)

    def names(self) -> list[str]:
        """The names of the live actors."""
        with self._lock:
            return list(self._cells)

    def __len__(self) -> int:
        return len(self._cells)

    def __contains__(self, name: object) -> bool:
        return name in self._cells

    def _unregister(self, cell: Cell) -> None:
        with self._lock:
            if self._cells.get(cell.name) is cell:
                del self._cells[cell.name]

    # -- dead letters ---------------------------------------------------------------------

    def _dead_letter(self, msg: Message[Any], reason: str, recipient: str) -> None:
        record = DeadLetter(msg, reason, recipient, time.time())
        with self._dead_lock:
            self._dead.append(record)
            self._dead_count += 1
        logger.debug("dead letter for %s (%s): %r", recipient, reason, msg)

    @property
    def dead_letters(self) -> list[DeadLetter]:
        """The most recent undelivered messages, oldest first."""
        with self._dead_lock:
            return list(self._dead)

    @property
    def dead_letter_count(self) -> int:
        """How many messages were declared dead since the node started."""
        return self._dead_count

    # -- tracing --------------------------------------------------------------------------

    def start_trace(self) -> Tracer:
        """Start recording message spans (a no-op if already recording); returns the tracer."""
        if self._tracer is None:
            self._tracer = Tracer()
        return self._tracer

    def stop_trace(self) -> Tracer | None:
        """Stop recording; returns the tracer with what was recorded."""
        tracer, self._tracer = self._tracer, None
        return tracer

    @property
    def tracer(self) -> Tracer | None:
        """The active tracer, or None when not tracing."""
        return self._tracer

    def write_trace(self, path: str | os.PathLike[str]) -> None:
        """Write the recorded spans to ``path`` in the Chrome trace-event format."""
        if self._tracer is None:
            raise RuntimeError("no trace recorded: create the node with trace=True or call start_trace()")
        self._tracer.write(path)

    # -- lifecycle ------------------------------------------------------------------------

    @property
    def threads(self) -> int:
        """How many shared dispatcher threads are running now."""
        return self._dispatcher.thread_count

    @property
    def is_running(self) -> bool:
        """False once ``stop()`` has been called."""
        return not self._stopping

    def stop(self, timeout: float | None = 10.0) -> bool:
        """Stop every actor (each finishes its current message), then every thread.

        Returns False if something was still running after ``timeout`` seconds (then its
        daemon thread cannot keep the process alive). Safe to call more than once.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._lock:
            self._stopping = True
            cells = list(self._cells.values())
        for cell in cells:
            cell.request_stop("node stopped")
        clean = True
        for cell in cells:
            left = None if deadline is None else max(deadline - time.monotonic(), 0.0)
            if cell.state != STOPPED and not cell.stopped_event().wait(left):
                logger.warning("actor %s did not stop within %ss", cell.name, timeout)
                clean = False
        left = None if deadline is None else max(deadline - time.monotonic(), 0.0)
        clean = self._dispatcher.shutdown(timeout=left) and clean
        with self._lock:
            transports, self._transports = list(self._transports.values()), {}
        linger = float(self._transport_options.get("linger", 1.0))
        for transport in transports:
            left = linger if deadline is None else max(min(deadline - time.monotonic(), linger), 0.0)
            try:
                clean = transport.close(left) and clean
            except Exception:  # noqa: BLE001
                logger.exception("closing transport %r failed", transport)
                clean = False
        self._remote_refs.clear()
        with self._lock:
            dedicated, self._dedicated = self._dedicated, []
        for dispatcher in dedicated:
            left = None if deadline is None else max(deadline - time.monotonic(), 0.0)
            clean = dispatcher.shutdown(timeout=left) and clean
        return clean

    def __enter__(self) -> Node:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"<Node {self.name} actors={len(self._cells)} threads={self.threads}>"

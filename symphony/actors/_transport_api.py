"""The interface between a ``Node`` and its transports, so a third party can add a scheme.

A transport is a class registered under the ``symphony.transports`` entry point group
(name = URI scheme). A node makes one instance per class it needs (one class may serve
several schemes, as ZeroMQ serves ``tcp`` and ``ipc``), passing itself as the
:class:`TransportHost`. The transport then:

- ``listen(uri)``: binds and returns the address it actually bound (port 0 -> real port);
- ``target(endpoint, actor)``: returns a :class:`RemoteTarget`, the object a ``Ref``
  dispatches to (``put(msg, future)`` encodes and sends, and resolves ``future`` when the
  reply comes back by correlation id);
- delivers what arrives with ``host._deliver(name, msg, future)``;
- ``close(timeout)``: flushes queued outgoing messages (linger) and ends its threads.

Remote addresses are ``scheme://endpoint/actor`` for schemes whose endpoint has no path
(``tcp://127.0.0.1:5555/echo``, ``inproc://node-a/echo``) and ``scheme://endpoint#actor``
for every scheme (``ipc:///tmp/a.sock#echo``, ``unix:///tmp/b.sock#echo``).
"""

from __future__ import annotations

import abc
import threading
from typing import TYPE_CHECKING, Any, Callable, ClassVar, Protocol
from urllib.parse import urlsplit

from ..errors import DeliveryError

if TYPE_CHECKING:
    from ..envelope._message import Message
    from ._future import Future

__all__ = ["RemoteTarget", "Transport", "TransportHost", "split_address"]

#: Schemes whose endpoint is ``host[:port]`` with no path, so ``/actor`` can follow it.
_NETLOC_SCHEMES = frozenset({"tcp", "inproc"})


def split_address(address: str) -> tuple[str, str, str | None]:
    """``(scheme, endpoint, actor)`` of a remote address; ``actor`` is None if it names none.

    ``tcp://h:p/echo`` -> ``("tcp", "tcp://h:p", "echo")``;
    ``ipc:///tmp/a.sock#echo`` -> ``("ipc", "ipc:///tmp/a.sock", "echo")``.
    """
    if not isinstance(address, str) or "://" not in address:
        raise ValueError(f"not a transport address: {address!r}")
    scheme = address.split("://", 1)[0].lower()
    if "#" in address:
        endpoint, fragment = address.rsplit("#", 1)
        return scheme, endpoint, fragment or None
    if scheme in _NETLOC_SCHEMES:
        parts = urlsplit(address)
        path = parts.path.strip("/")
        if "/" in path:
            raise ValueError(f"bad actor name in {address!r}: names contain no '/'")
        return scheme, f"{scheme}://{parts.netloc}", path or None
    return scheme, address, None


class TransportHost(Protocol):
    """What a transport may use of its node (``Node`` implements it)."""

    name: str

    def _deliver(self, name: str, msg: Message[Any], future: Future[Any] | None, inline: bool = False) -> bool:
        """Put ``msg`` in the mailbox of local actor ``name`` (raises ``ActorNotFound``), never
        blocking. With ``inline`` and an idle actor, an ask is handled on the calling thread
        instead; returns True if it was."""

    def _dead_letter(self, msg: Message[Any], reason: str, recipient: str) -> None:
        """Record an undeliverable message."""

    def _publish_local(self, topic: str, payload: Any, origin: Any) -> None:
        """Hand a bus publication that arrived from a peer to the local subscribers."""

    def _subscriptions(self) -> list[str]:
        """The topic prefixes the node's local subscribers want (to tell peers)."""


class Transport(abc.ABC):
    """Base of every transport; see the module docstring for the contract."""

    #: The URI schemes this class serves.
    schemes: ClassVar[tuple[str, ...]] = ()

    def __init__(self, host: TransportHost, *, secret: bytes | None = None, insecure: bool = False,
                 **options: Any) -> None:
        self.host = host
        self.secret = secret
        self.insecure = insecure
        self.options = options

    @abc.abstractmethod
    def listen(self, uri: str) -> str:
        """Start accepting connections at ``uri``; returns the address actually bound."""

    @abc.abstractmethod
    def target(self, endpoint: str, actor: str) -> RemoteTarget:
        """The object a ``Ref`` to ``actor`` at ``endpoint`` dispatches to."""

    @abc.abstractmethod
    def close(self, timeout: float = 1.0) -> bool:
        """Flush queued outgoing messages for up to ``timeout`` s, then release everything."""

    def connect(self, endpoint: str, timeout: float = 10.0) -> None:  # noqa: B027 - optional
        """Open a link to ``endpoint`` and exchange bus subscriptions with it, waiting up to
        ``timeout`` s; raises ``DeliveryError`` if it does not answer."""

    def publish(self, topic: str, payload: Any) -> None:  # noqa: B027 - optional
        """Send a bus publication to every linked peer subscribed to a prefix of ``topic``."""

    def subscriptions_changed(self) -> None:  # noqa: B027 - optional
        """The node's local subscriptions changed: tell linked peers."""

    def stats(self) -> dict[str, int]:
        """Counters: frames sent, received, and dropped by reason."""
        return {}


class RemoteTarget:
    """What a ``Ref`` to an actor on another node dispatches to, in place of a local ``Cell``.

    Subclasses implement ``put``; the rest of the ``Cell`` surface a ``Ref`` touches is
    answered here: an ask never runs inline (``scheduled`` is always True), ``state`` says
    RUNNING while the peer is believed reachable, and stop/watch are sent as messages.
    """

    scheduled = True
    running_in = 0

    def __init__(self, node: Any, endpoint: str, name: str) -> None:
        self.node = node
        self.endpoint = endpoint
        self.name = name
        self.address = (f"{endpoint}/{name}" if endpoint.split("://", 1)[0] in _NETLOC_SCHEMES
                        else f"{endpoint}#{name}")
        self.ref: Any = None

    @property
    def state(self) -> int:
        return 1

    def put(self, msg: Message[Any], future: Future[Any] | None, block_timeout: float | None = None) -> None:
        raise NotImplementedError

    def ask_inline(self, msg: Message[Any], future: Future[Any], timeout: float | None = None) -> bool:
        """Do the whole ask on the calling thread (send, wait, resolve ``future``); False if
        this target cannot (then ``put`` is used). Only called when ``scheduled`` is False."""
        return False

    def request_stop(self, reason: str) -> None:
        """Ask the remote node to stop the actor (sent as a ``symphony.stop`` message)."""
        from ..envelope._message import Message

        self.put(Message("symphony.stop", {"reason": reason}), None)

    def stopped_event(self) -> threading.Event:
        event = threading.Event()
        event.set()
        return event

    def watch(self, callback: Callable[[Any, str], None]) -> None:
        raise DeliveryError(f"watching a remote actor ({self.address}) is not supported")

    def __repr__(self) -> str:
        return f"<RemoteTarget {self.address}>"

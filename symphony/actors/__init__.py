"""The actor layer: ``Actor``, ``Node``, ``Ref``, ``Future``, mailboxes and the dispatcher.

Built on pykka's ``Actor`` (its hooks and extension points) with a priority/TTL mailbox and
a shared pool of dispatcher threads, so ten thousand actors do not mean ten thousand threads.
Imports only from the envelope layer above it.
"""

from ._actor import Actor, Supervision
from ._dispatcher import Dispatcher, default_threads
from ._future import Future
from ._mailbox import Mailbox
from ._node import DeadLetter, Node
from ._ref import Ref
from ._trace import Tracer
from ._transport_api import RemoteTarget, Transport, TransportHost, split_address
from ._transports import ENTRY_POINT_GROUP, available_transports, transport_for

__all__ = [
    "ENTRY_POINT_GROUP",
    "Actor",
    "DeadLetter",
    "Dispatcher",
    "Future",
    "Mailbox",
    "Node",
    "Ref",
    "RemoteTarget",
    "Supervision",
    "Tracer",
    "Transport",
    "TransportHost",
    "available_transports",
    "default_threads",
    "split_address",
    "transport_for",
]

"""``inproc://name``: nodes in the same process, reached by name.

A node listening on ``inproc://name`` (or ``inproc://`` for its own name) is found by
``node.ref("inproc://name/actor")`` from any other node in the process, which gets the
actor's own ``Ref``: no copying, no encoding, the in-process fast path. Exceptions are the
actor's own (no ``RemoteError``). An unknown node or actor is ``DeliveryError``.
"""

from __future__ import annotations

import threading
import weakref
from typing import Any

from symphony.actors._transport_api import Transport
from symphony.errors import ActorNotFound, DeliveryError, NameTaken

__all__ = ["InprocTransport"]

_NODES: weakref.WeakValueDictionary[str, Any] = weakref.WeakValueDictionary()
_LOCK = threading.Lock()


class InprocTransport(Transport):
    """Same-process transport: a registry of listening nodes by name."""

    schemes = ("inproc",)

    def __init__(self, host: Any, **options: Any) -> None:
        super().__init__(host, **options)
        self._names: list[str] = []

    def listen(self, uri: str) -> str:
        name = uri.split("://", 1)[1].strip("/") or self.host.name
        with _LOCK:
            other = _NODES.get(name)
            if other is not None and other is not self.host:
                raise NameTaken(f"inproc://{name} is taken by another node")
            _NODES[name] = self.host
        self._names.append(name)
        return f"inproc://{name}"

    def target(self, endpoint: str, actor: str) -> Any:
        name = endpoint.split("://", 1)[1].strip("/")
        node = _NODES.get(name)
        if node is None:
            raise DeliveryError(f"no node listens on inproc://{name}")
        try:
            return node._cells[actor] if actor in node._cells else node.ref(actor)._cell
        except (ActorNotFound, KeyError):
            raise DeliveryError(f"no actor {actor!r} on inproc://{name}") from None

    def publish(self, topic: str, payload: Any) -> None:
        for name, node in list(_NODES.items()):
            if node is not self.host and node.is_running:
                node._publish_local(topic, payload, self.host)

    def close(self, timeout: float = 1.0) -> bool:
        with _LOCK:
            for name in self._names:
                if _NODES.get(name) is self.host:
                    del _NODES[name]
        self._names = []
        return True

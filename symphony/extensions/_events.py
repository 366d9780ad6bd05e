"""What the extension host tells the node's bus and the application: lifecycle changes,
refusals, permission violations and status item updates.

Each event is a dict with ``event`` and ``extension`` (the id) and extras (``reason``,
``permission``, ``detail``, ``item``, ``text``, ...), published as ``node.publish(TOPIC,
event)`` (as :mod:`symphony.pool._events` does for ``symphony.pool``) and handed to the
manager's ``on_event`` callback.

``installed``, ``enabled``, ``activated``, ``deactivated``, ``disabled``, ``uninstalled``,
``failed`` (``reason``), ``refused`` (``reason``: the API version or the manifest),
``restarted`` (out of process), ``permission_denied`` (``permission``, ``detail``), ``status``
(``item``, ``text``, ``alignment``).
"""

from __future__ import annotations

import logging
from typing import Any, Callable

__all__ = ["TOPIC", "Emitter"]

TOPIC = "symphony.extensions"
logger = logging.getLogger("symphony.extensions")


class Emitter:
    """Publishes events on ``node``'s bus and to ``on_event``; a failing subscriber or a
    stopping node never fails the host."""

    def __init__(self, node: Any, on_event: Callable[[dict[str, Any]], None] | None = None) -> None:
        self.node = node
        self.on_event = on_event

    def __call__(self, event: str, extension: str, **extra: Any) -> dict[str, Any]:
        """Emit ``{"event": event, "extension": extension, **extra}`` and return it."""
        return self.publish({"event": event, "extension": extension, **extra})

    def publish(self, payload: dict[str, Any]) -> dict[str, Any]:
        """Emit an event dict as is (``ctx.emit`` and the out-of-process host use it)."""
        logger.debug("%s", payload)
        if self.on_event is not None:
            try:
                self.on_event(payload)
            except Exception:  # noqa: BLE001 - the application's callback must not break the host
                logger.warning("on_event raised for %s", payload.get("event"), exc_info=True)
        if self.node is not None:
            try:
                self.node.publish(TOPIC, payload)
            except Exception:  # noqa: BLE001 - a stopping node must not fail a lifecycle step
                logger.debug("could not publish %s", payload.get("event"), exc_info=True)
        return payload

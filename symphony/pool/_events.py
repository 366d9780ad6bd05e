"""What the pool tells the node's bus: loads, evictions, prewarms, failures.

Each event is a dict with ``event``, ``model``, ``version`` and extras (``seconds``,
``memory``, ``reason``, ``cause``), published as ``node.publish(TOPIC, event)`` so
subscribers on this node and on linked nodes see them, and recorded as a point in the
node's trace when tracing is on (``node.start_trace()``).

``model.loading`` (``cause``: request, prewarm, explicit), ``model.ready``,
``model.unavailable``, ``model.evicted``, ``model.unloading``, ``model.unloaded``.
"""

from __future__ import annotations

import logging
from typing import Any

__all__ = ["TOPIC", "emit"]

TOPIC = "symphony.pool"
logger = logging.getLogger("symphony.pool")


def emit(node: Any, event: str, name: str, version: int, **extra: Any) -> None:
    """Publish one event on ``node``'s bus (and log it at debug level)."""
    payload = {"event": event, "model": name, "version": version, **extra}
    logger.debug("%s", payload)
    tracer = getattr(node, "tracer", None)
    if tracer is not None:  # with tracing on, each event is a point in the trace
        tracer.instant(event, f"pool.{name}@{version}", str(extra.get("cause", "")))
    try:
        node.publish(TOPIC, payload)
    except Exception:  # noqa: BLE001 - a stopping node must not fail a load
        logger.debug("could not publish %s", event, exc_info=True)

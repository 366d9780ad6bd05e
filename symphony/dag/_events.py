"""Progress of a run: event dicts to a callback and the node's bus, and a tqdm bar.

Events: ``task.started``, ``task.finished``, ``task.failed``, ``task.retry``,
``task.skipped``, ``task.cached``, ``task.restored``, ``workflow.finished``,
``workflow.failed``, ``workflow.cancelled``; each a dict with ``event``, ``workflow``,
``task`` and extras (``attempt``, ``error``...). They are also published on the node's bus
(``node.publish("symphony.dag", event)``), so subscribers on this node and on linked
nodes see them. Emitted from the tracker's thread: a callback must
be quick and must not block.
"""

from __future__ import annotations

import logging
from typing import Any, Callable

__all__ = ["EventSink", "TOPIC"]

TOPIC = "symphony.dag"
logger = logging.getLogger("symphony.dag")


class EventSink:
    """Fans one run's events out to a callback, the node's bus and a progress bar."""

    def __init__(self, workflow: str, callbacks: list[Callable[[dict[str, Any]], None]], bar: Any) -> None:
        self.workflow = workflow
        self.callbacks = callbacks
        self.bar = bar

    @classmethod
    def create(cls, workflow: str, total: int, *, node: Any, on_event: Callable[[dict[str, Any]], None] | None,
               progress: bool) -> EventSink | None:
        """A sink for what was asked, or None when nobody listens (then no event is even built)."""
        callbacks: list[Callable[[dict[str, Any]], None]] = []
        if on_event is not None:
            callbacks.append(on_event)
        publish = getattr(node, "publish", None)
        if callable(publish):
            callbacks.append(lambda event: publish(TOPIC, event))
        bar = None
        if progress:
            from tqdm import tqdm

            bar = tqdm(total=total, desc=workflow, unit="task", leave=True)
        if not callbacks and bar is None:
            return None
        return cls(workflow, callbacks, bar)

    def __call__(self, kind: str, task: str | None, **extra: Any) -> None:
        if self.bar is not None and kind in ("task.finished", "task.failed", "task.skipped", "task.restored"):
            self.bar.update(1)
        if not self.callbacks:
            return
        event = {"event": kind, "workflow": self.workflow, "task": task, **extra}
        for callback in self.callbacks:
            try:
                callback(event)
            except Exception:  # noqa: BLE001 - a broken listener must not break the run
                logger.exception("dag event listener failed on %s", kind)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()

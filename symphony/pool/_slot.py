"""One model version's record, and the actor every change of its lifecycle goes through.

The ``Slot`` holds what the pool knows of a version: its manifest, state, the lease entry
being served, the memory it is charged, its counters. The ``ModelSlot`` actor (one per
version, named ``pool.NAME@VERSION``) applies the outcome of a load finished on a loader
thread and the requests to unload, one at a time, so a version's transitions never
interleave; the pool reads the record under its lock.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from symphony.actors import Actor

from ._metrics import VersionStats
from ._states import ModelState

if TYPE_CHECKING:
    from ._manifest import ModelManifest

__all__ = ["ModelSlot", "Slot"]


class Slot:
    """What the pool knows of one model version (see the module docstring)."""

    def __init__(self, manifest: ModelManifest) -> None:
        self.manifest = manifest
        self.name = manifest.name
        self.version = manifest.version
        self.key: tuple[str, int] = (manifest.name, manifest.version)
        self.state = ModelState.UNKNOWN
        self.reason = ""
        #: True while UNAVAILABLE because its load failed (an acquire raises, not reloads)
        self.failed = False
        self.entry: Any = None
        self.loaded: Any = None
        #: the loaded copy being served, with its count of undrained entries (``_lifecycle._Copy``)
        self.copy: Any = None
        #: bytes charged against the budget for the served copy (or reserved while loading)
        self.size = 0
        self.reserved = 0
        self.loading = False
        self.cause = ""
        self.load_started = 0.0
        self.ready_at = 0.0
        self.unload_when_loaded = ""
        self.stats = VersionStats()
        self.ref: Any = None

    def describe(self) -> dict[str, Any]:
        """Triton's index entry for this version."""
        return {"name": self.name, "version": self.version, "state": self.state.value, "reason": self.reason}

    def wasted_until(self, now: float) -> float:
        """Memory-seconds the served copy has held without use, up to ``now``."""
        entry = self.entry
        if entry is None or not self.ready_at:
            return 0.0
        if entry.hits == 0:
            return self.size * max(0.0, now - self.ready_at)
        first = entry.first_used or self.ready_at
        return self.size * (max(0.0, first - self.ready_at) + max(0.0, now - entry.last_used))


class ModelSlot(Actor):
    """The actor of one model version: applies finished loads and unload requests in order.

    Messages: ``loaded`` (a ``(Loaded, seconds)`` from a loader thread),
    ``failed`` (the reason), ``unload`` (why: "unloaded" or "evicted"), ``status`` (answers
    the version's index entry).
    """

    def __init__(self, pool: Any, slot: Slot) -> None:  # pool: the Pool (Any: no import circle)
        self.pool = pool
        self.slot = slot

    def on_receive(self, message: Any) -> Any:
        kind = message.kind
        if kind == "loaded":
            loaded, seconds = message.payload
            self.pool._on_loaded(self.slot, loaded, seconds)
        elif kind == "failed":
            self.pool._on_failed(self.slot, message.payload)
        elif kind == "unload":
            self.pool._unload(self.slot, message.payload)
        elif kind == "status":
            return self.slot.describe()
        return None


def now() -> float:
    """The pool's clock (the hit path's ``last_used`` uses the same one)."""
    return time.monotonic()

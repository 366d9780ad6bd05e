"""``IndexFeed``: hands the search index its documents in batches, off the writer's path.

A put queues its document and returns; telling the index actor on every put would cost
each put a message and a thread wake-up, and set the index committing one document per
transaction on another thread while the next put runs (on two cores, that contention
was most of the put's overhead over raw LMDB). Instead the feed's thread tells the
index actor ``flush`` at most ``WINDOW`` seconds after the first queued document, so a
stream of puts is indexed in one transaction per window, and at once when ``BATCH``
documents are queued (memory stays bounded).

Nothing is lost by waiting: every message the index actor receives (``search`` included)
first commits what is queued, so a search still sees every put that returned before it;
closing the store stops the feed, then the actor, which commits the rest; after a crash
the store re-adds what the index lacks (``reconcile``).
"""

from __future__ import annotations

import threading
from collections import deque
from typing import Any

from ..actors import Ref

__all__ = ["BATCH", "WINDOW", "IndexFeed"]

#: The longest a queued document waits before the index actor is told (seconds).
WINDOW = 0.02
#: Tell the index actor at once when this many documents are queued.
BATCH = 256


class IndexFeed:
    """Queues documents for the index actor at ``ref`` and tells it ``flush`` once per window."""

    __slots__ = ("pending", "ref", "_armed", "_cond", "_stopped", "_thread")

    def __init__(self, pending: deque, ref: Ref, *, name: str = "artifact-index-feed") -> None:
        self.pending = pending
        self.ref = ref
        self._armed = False
        self._cond = threading.Condition(threading.Lock())
        self._stopped = False
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def add(self, item: Any) -> None:
        """Queue ``item`` (``("add", document)`` or ``("remove", digest)``) for the index actor."""
        pending = self.pending
        pending.append(item)
        if len(pending) >= BATCH:
            self.ref.tell("flush")
        elif not self._armed:  # unlocked peek: while armed, a put pays nothing more
            with self._cond:
                if not self._armed:
                    self._armed = True
                    self._cond.notify()

    def _run(self) -> None:
        cond = self._cond
        while True:
            with cond:
                while not self._armed and not self._stopped:
                    cond.wait()
                if self._stopped:
                    return
                cond.wait(WINDOW)  # gather the window's documents (stop wakes it early)
                if self._stopped:
                    return
                # Disarm before telling: a document queued from here on arms the next window,
                # one queued before is drained by this flush (the actor empties the queue).
                self._armed = False
            try:
                self.ref.tell("flush")
            except Exception:  # noqa: BLE001 - the actor stopped: it committed what was queued
                return

    def stop(self) -> None:
        """Stop the feed's thread (queued documents stay queued for the actor to commit)."""
        with self._cond:
            self._stopped = True
            self._cond.notify()
        if self._thread is not threading.current_thread():
            self._thread.join()

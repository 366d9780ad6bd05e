"""The routing policy in the artifact store: restored when a conductor starts, saved as it learns.

The router's bytes go to ``conductor/policy`` and the agent counters to ``conductor/stats``
(each save a new version of those names). A save happens at most every ``interval`` seconds
after the policy changed (from a background thread, so a reward never waits on an fsync),
on :meth:`PolicyStore.flush` and on close. Since a ``put`` that returned is on disk, a
conductor killed with SIGKILL loses at most the last ``interval`` of learning; the next one
on the same store routes as the saved policy says. A policy that cannot be read
(``PolicyError``: corrupt, or another feature layout) is logged and replaced by a fresh one.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any, Callable

from ..errors import ArtifactNotFound, IntegrityError, PolicyError
from ._router import Router
from ._stats import AgentStats

__all__ = ["POLICY_NAME", "STATS_NAME", "PolicyStore", "stored_stats"]

POLICY_NAME = "conductor/policy"
STATS_NAME = "conductor/stats"
logger = logging.getLogger("symphony.conductor")


class PolicyStore:
    """Loads and saves one conductor's router and counters in ``store``."""

    def __init__(self, store: Any, interval: float = 1.0) -> None:
        self.store = store
        self.interval = float(interval)
        self._cond = threading.Condition()
        self._dirty = False
        self._closed = False
        self._last_save = 0.0
        self._router: Router | None = None
        self._stats: AgentStats | None = None
        self._lock: Any = None
        self._thread: threading.Thread | None = None
        self.saves = 0

    def load(self, fresh: Callable[[], Router], stats: AgentStats) -> tuple[Router, bool]:
        """The saved router (and counters into ``stats``), or ``fresh()`` if none can be read;
        the flag says whether a saved one was restored."""
        restored = False
        try:
            router = Router.from_bytes(self.store.get(self.store.latest(POLICY_NAME)))
            restored = True
        except ArtifactNotFound:
            router = fresh()
        except (PolicyError, IntegrityError) as exc:
            logger.warning("the stored routing policy cannot be used (%s); starting a fresh one", exc)
            router = fresh()
        if restored:
            try:
                stats.restore(self.store.get(self.store.latest(STATS_NAME)))
            except (ArtifactNotFound, IntegrityError):
                pass
        return router, restored

    def attach(self, router: Router, stats: AgentStats, lock: Any) -> None:
        """What to save: ``router`` and ``stats``, read under ``lock`` (the conductor's router lock)."""
        self._router, self._stats, self._lock = router, stats, lock

    def changed(self) -> None:
        """The policy learnt something: save it within ``interval`` seconds."""
        if self._dirty:  # the saver already knows (a lock-free read: at worst one more wake-up)
            return
        with self._cond:
            if self._closed or self._dirty:
                return
            self._dirty = True
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="symphony-conductor-policy", daemon=True)
                self._thread.start()
            self._cond.notify()

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._closed and not self._dirty:
                    self._cond.wait()
                if self._closed:
                    return
                wait = self._last_save + self.interval - time.monotonic()
                if wait > 0:
                    self._cond.wait(wait)
                    continue
            try:
                self.flush()
            except Exception:  # noqa: BLE001 - a failed save is retried at the next change
                logger.exception("could not save the routing policy")

    def flush(self) -> bool:
        """Save now if anything changed since the last save; True if it saved."""
        with self._cond:
            if not self._dirty or self._router is None:
                return False
            self._dirty = False
            self._last_save = time.monotonic()
        assert self._stats is not None
        with self._lock:
            policy = self._router.to_bytes()
        counters = self._stats.to_bytes()
        try:
            # counters first: a stored policy always has its counters (or newer ones) stored
            self.store.put(counters, name=STATS_NAME, metadata={"kind": "conductor.stats"})
            self.store.put(policy, name=POLICY_NAME, metadata={"kind": "conductor.policy"})
        except BaseException:
            with self._cond:
                self._dirty = True
            raise
        self.saves += 1
        return True

    def close(self) -> None:
        """Save what is unsaved and stop the background thread."""
        with self._cond:
            self._closed = True
            self._cond.notify()
        if self._thread is not None:
            self._thread.join(10.0)
        self.flush()


def stored_stats(store: Any) -> dict[str, dict[str, Any]]:
    """The per-agent figures (as ``Conductor.stats()`` gives them) saved in ``store`` by the
    last conductor that used it; empty if none saved any. Raises ``PolicyError`` if the saved
    policy cannot be read."""
    counters = AgentStats()
    router_stats: dict[str, Any] = {}
    try:
        counters.restore(store.get(store.latest(STATS_NAME)))
        router_stats = Router.from_bytes(store.get(store.latest(POLICY_NAME))).stats()
    except ArtifactNotFound:
        pass
    return counters.report(router_stats)

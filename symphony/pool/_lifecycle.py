"""How a model version's copy comes and goes: reserve, load, measure, serve, retire, close.

``Lifecycle`` is the part of ``Pool`` that changes slots, always under the pool's lock
(``_changed``, a condition on it, is notified at every change so waiting acquires look
again):

- ``_start_load`` reserves the version's memory (declared, or estimated from its file),
  evicting by the policy (``_make_room``: never a model with a live lease, ``PoolFull``
  when only those could make room), and runs the loader on a loader thread; the outcome
  goes to the version's ``ModelSlot`` actor, which calls ``_on_loaded`` / ``_on_failed``.
- ``_on_loaded`` charges the declared memory (or the measured one), binds the version's
  keys in the hit path's table, leads the name alone to the right version (``_rebind``)
  and retires versions the policy no longer serves; a reload retires the old copy.
- ``_unload`` retires a copy: no new lease; the table calls back (``_drained_callback``)
  once the last lease is back, and the copy is closed there and its memory given back.
  A copy acquired again while it drains is served again (``_revive``).
"""

from __future__ import annotations

import logging
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, Callable

from symphony import _speedups
from symphony.errors import ModelUnavailable, PoolFull

from ._events import emit
from ._loaders import load_model
from ._memory import give_back
from ._policy import EvictionPolicy
from ._repository import ModelRepository
from ._slot import ModelSlot, Slot, now
from ._states import ModelState

if TYPE_CHECKING:
    from ._manifest import ModelManifest

__all__ = ["Lifecycle"]

logger = logging.getLogger("symphony.pool")

_hit_path = _speedups.load("_pool")

#: Estimated bytes of a model whose manifest declares none, before it is measured.
_MIN_ESTIMATE = 1 << 20


class Lifecycle:
    """The slot-changing half of ``Pool`` (see the module docstring)."""

    node: Any
    name: str
    repository: ModelRepository
    budget: int | None
    policy: EvictionPolicy
    _lock: threading.RLock
    _changed: threading.Condition
    _slots: dict[tuple[str, int], Slot]
    _used: int
    _closed: bool
    _table: Any
    _loaders: ThreadPoolExecutor

    def _known(self, name: str) -> list[Slot]:
        return [s for s in self._slots.values() if s.name == name]

    def _slot(self, manifest: ModelManifest) -> Slot:
        key = (manifest.name, manifest.version)
        slot = self._slots.get(key)
        if slot is None:
            slot = Slot(manifest)
            slot.ref = self.node.spawn(ModelSlot, self, slot, name=f"{self.name}.{manifest.name}@{manifest.version}")
            self._slots[key] = slot
        elif slot.manifest != manifest and slot.state is not ModelState.READY and not slot.loading:
            slot.manifest = manifest
        return slot

    def _estimate(self, manifest: ModelManifest) -> int:
        if manifest.memory:
            return int(manifest.memory)
        if manifest.file and manifest.path is not None:
            try:
                return max(_MIN_ESTIMATE, os.path.getsize(os.path.join(manifest.path, manifest.file)))
            except OSError:
                pass
        return _MIN_ESTIMATE

    def _start_load(self, slot: Slot, cause: str, reload: bool = False) -> None:
        """Reserve ``slot``'s memory (evicting for it) and start its load on a loader thread."""
        if slot.loading or (slot.state is ModelState.READY and not reload):
            return
        size = self._estimate(slot.manifest)
        if self.budget is not None and size > self.budget:
            slot.state, slot.failed = ModelState.UNAVAILABLE, True
            slot.reason = f"needs {size} bytes, more than the whole budget of {self.budget}"
            raise ModelUnavailable(f"{slot.name} v{slot.version}: {slot.reason}")
        self._make_room(size)
        self._used += size
        slot.reserved = size
        slot.loading = True
        slot.cause = cause
        slot.load_started = now()
        if slot.state is not ModelState.READY:
            slot.state = ModelState.LOADING
            slot.reason = ""
        if cause == "prewarm":
            slot.stats.prewarms += 1
        emit(self.node, "model.loading", slot.name, slot.version, cause=cause)
        self._changed.notify_all()
        self._loaders.submit(self._load_job, slot)

    def _load_job(self, slot: Slot) -> None:
        """On a loader thread: load, measure, and hand the outcome to the slot's actor."""
        started = now()
        try:
            loaded = load_model(slot.manifest)
        except BaseException as exc:  # noqa: BLE001 - any failure is the model's, reported as its reason
            reason = str(exc) if isinstance(exc, ModelUnavailable) else f"{type(exc).__name__}: {exc}"
            self._deliver(slot, "failed", reason)
            return
        self._deliver(slot, "loaded", (loaded, now() - started))

    def _deliver(self, slot: Slot, kind: str, payload: Any) -> None:
        try:
            slot.ref.tell(kind, payload)
        except Exception:  # noqa: BLE001 - the node stops: apply it here, then nothing is left behind
            if kind == "loaded":
                self._on_loaded(slot, *payload)
            else:
                self._on_failed(slot, payload)

    def _on_loaded(self, slot: Slot, loaded: Any, seconds: float) -> None:
        with self._changed:
            slot.loading = False
            if self._closed:
                _close(loaded)
                return
            measured = int(loaded.memory or 0)  # the loader's figure, else the RSS growth load_model saw
            # a declared figure is what the model is charged (an RSS growth is noisy while other
            # threads allocate); the measured one when nothing is declared
            size = int(slot.manifest.memory) or max(measured, 1)
            slot.stats.measured_memory = measured
            self._used += size - slot.reserved
            slot.reserved = 0
            old_entry = slot.entry
            entry = _hit_path.Entry(loaded.model, slot.manifest.max_leases, slot.key,
                                    self._drained_callback(slot, _Copy(loaded, size)))
            t = now()
            if old_entry is not None:
                slot.stats.wasted_memory_seconds += slot.wasted_until(t)
                self._fold_hits(slot)
            slot.entry, slot.loaded, slot.size = entry, loaded, size
            slot.state, slot.failed, slot.reason = ModelState.READY, False, ""
            slot.ready_at = t
            slot.stats.loads += 1
            slot.stats.seen_hits = 0
            slot.stats.last_load_seconds = seconds
            slot.stats.load_seconds_total += seconds
            slot.stats.memory = size
            self._table.bind(slot.key, entry)
            if old_entry is not None:
                self._table.retire(old_entry)  # its leases finish on the old copy, then it closes
                self.policy.removed(slot.key)
            self.policy.admitted(slot.key, size, seconds, t)
            self._rebind(slot.name)
            self._retire_unserved(slot.name)
            emit(self.node, "model.ready", slot.name, slot.version, seconds=seconds, memory=size, cause=slot.cause)
            if self.budget is not None and self._used > self.budget:
                try:
                    self._make_room(0)
                except PoolFull:
                    logger.warning("pool over budget after measuring %s v%s: %d of %d bytes, the rest leased",
                                   slot.name, slot.version, self._used, self.budget)
            if slot.unload_when_loaded:
                why, slot.unload_when_loaded = slot.unload_when_loaded, ""
                self._unload(slot, why)
            self._changed.notify_all()

    def _on_failed(self, slot: Slot, reason: str) -> None:
        with self._changed:
            slot.loading = False
            self._used -= slot.reserved
            slot.reserved = 0
            slot.stats.failures += 1
            if slot.state is ModelState.READY and slot.entry is not None:
                slot.reason = f"reload failed, the loaded copy keeps serving: {reason}"
            else:
                slot.state, slot.failed, slot.reason = ModelState.UNAVAILABLE, True, reason
            slot.unload_when_loaded = ""
            emit(self.node, "model.unavailable", slot.name, slot.version, reason=reason)
            logger.warning("model %s v%s failed to load: %s", slot.name, slot.version, reason)
            self._changed.notify_all()

    def _drained_callback(self, slot: Slot, copy: _Copy) -> Callable[[Any], None]:
        """The ``on_drained`` of a new entry serving ``copy``: the copy is closed, and its
        memory given back, when the last entry serving it has drained."""
        copy.entries += 1
        slot.copy = copy

        def drained(entry: Any) -> None:
            with self._changed:
                copy.entries -= 1
                if copy.entries:
                    return  # another entry (a revival, or the one revived) still serves this copy
                loaded, size = copy.loaded, copy.size
                _close(loaded)
                give_back()
                self._used -= size
                if slot.copy is copy and slot.entry is None and not slot.loading:
                    slot.loaded = slot.copy = None
                    if slot.state is ModelState.UNLOADING:
                        slot.state = ModelState.UNAVAILABLE
                emit(self.node, "model.unloaded", slot.name, slot.version, memory=size)
                self._changed.notify_all()
        return drained

    def _revive(self, slot: Slot) -> None:
        """Serve again a copy that is unloading but still in memory (its leases are out)."""
        entry = _hit_path.Entry(slot.loaded.model, slot.manifest.max_leases, slot.key,
                                self._drained_callback(slot, slot.copy))
        slot.entry = entry
        slot.state, slot.reason = ModelState.READY, ""
        slot.ready_at = now()
        slot.stats.seen_hits = 0
        self._table.bind(slot.key, entry)
        self.policy.admitted(slot.key, slot.size, slot.stats.last_load_seconds, slot.ready_at)
        self._rebind(slot.name)
        emit(self.node, "model.ready", slot.name, slot.version, seconds=0.0, memory=slot.size, cause="revived")
        self._changed.notify_all()

    def _unload(self, slot: Slot, why: str) -> None:
        """Stop granting leases on ``slot``; it closes when its live leases are released."""
        with self._changed:
            if slot.loading:
                slot.unload_when_loaded = why
                return
            entry = slot.entry
            if entry is None:
                return
            t = now()
            slot.stats.wasted_memory_seconds += slot.wasted_until(t)
            self._fold_hits(slot)
            slot.entry = None
            slot.state, slot.reason, slot.failed = ModelState.UNLOADING, why, False
            if why == "evicted":
                slot.stats.evictions += 1
            self.policy.removed(slot.key)
            emit(self.node, "model.evicted" if why == "evicted" else "model.unloading", slot.name, slot.version,
                 memory=slot.size, live_leases=entry.live)
            self._table.retire(entry)  # calls drained now if no lease is out
            self._rebind(slot.name)
            self._changed.notify_all()

    def _serving(self, name: str) -> Slot | None:
        """The version the name alone leads to: the newest READY one the policy serves, else
        the newest READY one still loaded (a newer version failed to replace it), else None."""
        ready = [s for s in self._known(name) if s.state is ModelState.READY and s.entry is not None]
        if not ready:
            return None
        served = set(self.repository.served(name))
        preferred = [s for s in ready if s.version in served] or ready
        return max(preferred, key=lambda s: s.version)

    def _rebind(self, name: str) -> None:
        """Bind the name alone to ``_serving(name)`` (or to nothing)."""
        slot = self._serving(name)
        if slot is not None:
            self._table.bind(name, slot.entry)
        else:
            self._table.unbind(name)

    def _retire_unserved(self, name: str) -> None:
        """Unload versions the policy no longer serves, once a served one is READY."""
        served = set(self.repository.served(name))
        known = self._known(name)
        if not any(s.state is ModelState.READY and s.version in served for s in known):
            return
        for slot in known:
            if slot.version not in served and slot.entry is not None:
                self._unload(slot, "unloaded")

    def _fold_hits(self, slot: Slot) -> None:
        entry = slot.entry
        if entry is not None:
            if slot.cause == "prewarm" and slot.stats.seen_hits == 0 and entry.hits > 0:
                slot.stats.prewarm_hits += 1  # a prewarmed copy that was used: a cold start saved
            slot.stats.hits += entry.hits - slot.stats.seen_hits
            slot.stats.seen_hits = entry.hits

    def _sync_hits(self) -> None:
        """Fold the hit path's counts into the stats and the eviction policy."""
        for slot in self._slots.values():
            entry = slot.entry
            if entry is None:
                continue
            new = entry.hits - slot.stats.seen_hits
            if new > 0:
                self._fold_hits(slot)
                self.policy.used(slot.key, entry.last_used, new)

    def _make_room(self, need: int) -> None:
        """Evict until ``need`` more bytes fit the budget; PoolFull when leases forbid it."""
        if self.budget is None:
            return
        over = self._used + need - self.budget
        if over <= 0:
            return
        self._sync_hits()
        sizes = {s.key: s.size for s in self._slots.values()
                 if s.state is ModelState.READY and s.entry is not None and not s.loading}
        pinned = {s.key for s in self._slots.values() if s.entry is not None and s.entry.live > 0}
        victims = self.policy.victims(over, sizes, pinned, now())
        if victims is None:
            raise PoolFull(f"no room for {need} bytes: {self._used} of {self.budget} are charged, and the "
                           "models that would have to go have live leases or are loading")
        for key in victims:
            self._unload(self._slots[key], "evicted")


class _Copy:
    """One loaded copy of a model version, and how many lease entries not yet drained serve
    it: a copy acquired again while it drains (``_revive``) is served by a second entry, and
    is closed only when both have drained."""

    __slots__ = ("entries", "loaded", "size")

    def __init__(self, loaded: Any, size: int) -> None:
        self.loaded = loaded
        self.size = size
        self.entries = 0


def _close(loaded: Any) -> None:
    if loaded is None:
        return
    try:
        loaded.close()
    except Exception:  # noqa: BLE001 - a model that fails to close is dropped anyway
        logger.warning("closing a model failed", exc_info=True)


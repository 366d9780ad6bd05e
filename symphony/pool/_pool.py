"""``Pool``: serves the models of a repository from memory, within a budget.

The hit path is compiled (``symphony._speedups._pool``): ``pool.acquire(name)`` on a READY
model is a dictionary lookup and a lease count on the caller's thread, no lock and no
message. Everything else (a model not loaded yet, at its lease limit, failed, unknown) goes
to the slow path here, under the pool's lock:

- the version to load is the newest the repository serves (its version policy) that has
  not failed; its memory (declared, or estimated from its file) is reserved first, and
  models are evicted for it by the eviction policy (never one with a live lease);
- the load runs on a loader thread (at most ``max_loading`` at once), so an acquire of
  another model never waits for it; its outcome goes to the version's ``ModelSlot`` actor;
- once READY, the version is charged its declared memory, or when it declares none what
  its load measured (the loader's figure, else the process's RSS growth), instead of the
  estimate; the name leads to the newest READY
  version, and a version the policy no longer serves is retired (it finishes its leases,
  then closes): a reload swaps versions with no gap, and a failed one keeps the old serving.

The prewarmer (``_prewarmer``) feeds the request sequence to the predictor and loads the
likely next model ahead of time. The pool actor (``_service``) answers Triton's repository
API as messages, so ``PoolClient(ref)`` drives a pool on any node. How a version's copy is reserved, loaded,
served, retired and closed is in ``_lifecycle``.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from symphony.errors import ModelNotFound, ModelTimeout, ModelUnavailable, PoolError, PoolFull

from ._client import PoolClient
from ._lifecycle import Lifecycle, _close, _hit_path
from ._memory import parse_size, rss_bytes
from ._metrics import AcquireTimes
from ._policy import EvictionPolicy, make_policy
from ._predictor import Predictor
from ._prewarmer import Prewarmer
from ._repository import ModelRepository
from ._service import PoolService
from ._slot import Slot, now
from ._states import ModelState

if TYPE_CHECKING:
    from symphony.actors import Node, Ref

    from .._speedups._pool_py import Lease
    from ._manifest import ModelManifest

__all__ = ["Pool"]


class Pool(Lifecycle):
    """AI models of a repository, loaded on demand and kept within a memory budget.

    ``Pool(node, "models/", budget="2GB")`` serves every model under ``models/NAME/VERSION/``
    (and any registered with ``register``). ``with pool.acquire("iris") as model:
    model(x)`` calls a model on the caller's own thread; a model already loaded costs well
    under a microsecond to acquire. ``policy`` picks evictions ("gdsf", by load cost, size,
    frequency and recency; "lru"; or an ``EvictionPolicy``); ``prewarm`` loads the model the
    request sequence predicts will be needed within ``prewarm_horizon`` seconds (learnt by
    ``predictor``, a default ``Predictor`` unless one is given).
    ``pool.ref`` is the pool actor: the same API as messages, for other nodes.
    """

    def __init__(self, node: Node, repository: ModelRepository | str | Path | None = None, *,
                 budget: int | str | None = None, policy: str | EvictionPolicy = "gdsf", prewarm: bool = True,
                 max_loading: int = 2, name: str = "pool", prewarm_interval: float = 0.01,
                 prewarm_horizon: float = 15.0, predictor: Predictor | None = None) -> None:
        if isinstance(max_loading, bool) or not isinstance(max_loading, int) or max_loading < 1:
            raise ValueError(f"max_loading must be a positive int, not {max_loading!r}")
        self.node = node
        self.repository = repository if isinstance(repository, ModelRepository) else ModelRepository(repository)
        self.budget: int | None = None if budget is None else parse_size(budget)
        self.policy: EvictionPolicy = make_policy(policy) if isinstance(policy, str) else policy
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._slots: dict[tuple[str, int], Slot] = {}
        self._used = 0
        self._closed = False
        self._times = AcquireTimes()
        self._table = _hit_path.SlotTable(self._miss)
        #: The hit path: see ``acquire``'s docstring (it is the compiled table's method).
        self.acquire: Callable[..., Lease] = self._table.acquire  # type: ignore[method-assign]
        self._loaders = ThreadPoolExecutor(max_loading, thread_name_prefix="symphony-pool-load")
        self.name = name
        self.ref: Ref = node.spawn(PoolService, self, name=name)
        self._prewarmer: Any = None
        if prewarm:
            self._prewarmer = Prewarmer(self, prewarm_interval, prewarm_horizon, predictor=predictor)

    # -- the user's API ---------------------------------------------------------------------

    def acquire(self, name: str, version: int | None = None, timeout: float | None = None,  # type: ignore[no-redef]
                wait: bool = True) -> Lease:
        """A lease on model ``name`` (its newest served version, or ``version``).

        ``with pool.acquire("iris") as model: model(x)``: the model is called on this
        thread; the lease keeps it from being evicted until released. A model not loaded
        yet is loaded, waiting up to ``timeout`` seconds (None: as long as it takes) or
        failing at once with ``wait=False``. Raises ``ModelNotFound``, ``ModelUnavailable``
        (its load failed), ``ModelTimeout`` (not ready in time) or ``PoolFull`` (no room:
        the budget is held by leased models, or it is at its lease limit and ``wait=False``).
        """
        raise AssertionError("replaced by the hit path in __init__")  # pragma: no cover

    def register(self, name: str, model: Any, *, version: int = 1, memory: int | str = 0, max_leases: int = 0,
                 warmup: Any = None, factory: bool = False) -> ModelManifest:
        """Serve ``model`` (a callable, or with ``factory=True`` a function that makes one) as
        ``name`` version ``version``; it is loaded on first acquire like any other."""
        return self.repository.register(name, model, version=version, memory=memory, max_leases=max_leases,
                                        warmup=warmup, factory=factory)

    def load(self, name: str, version: int | None = None, *, wait: bool = True,
             timeout: float | None = None) -> list[dict[str, Any]]:
        """Load (or reload, re-reading the repository) ``name``'s served versions, or one.

        A version already READY is loaded afresh beside the copy in use and swapped in when
        ready; if that fails the old copy keeps serving and the version's ``reason`` says
        why. Returns the versions' index entries (after waiting, with ``wait``).
        """
        self.repository.scan()
        with self._lock:
            slots = self._targets(name, version)
            for slot in slots:
                slot.failed = False
                self._start_load(slot, "explicit", reload=slot.state is ModelState.READY)
            self._retire_unserved(name)
        if wait:
            deadline = None if timeout is None else now() + timeout
            with self._changed:
                while any(s.loading for s in slots):
                    left = None if deadline is None else deadline - now()
                    if left is not None and left <= 0:
                        raise ModelTimeout(f"{name}: not loaded within {timeout} s")
                    self._changed.wait(left)
        return [s.describe() for s in slots]

    def unload(self, name: str, version: int | None = None) -> list[dict[str, Any]]:
        """Unload ``name`` (every loaded version, or one): no new lease, closed when the live
        ones are released. A later acquire loads it again."""
        with self._lock:
            slots = [s for s in self._known(name) if version is None or s.version == version]
            if not slots:  # never loaded: nothing to do, if the repository knows it
                slots = self._targets(name, version)
            for slot in slots:
                self._unload(slot, "unloaded")
            return [s.describe() for s in slots]

    def ready(self, name: str, version: int | None = None) -> bool:
        """Whether ``name`` (or that version) is READY to lease now."""
        with self._lock:
            return any(s.state is ModelState.READY and (version is None or s.version == version)
                       for s in self._known(name))

    def index(self) -> list[dict[str, Any]]:
        """Every model version the repository holds, with its state and reason (Triton's index)."""
        self.repository.scan()
        with self._lock:
            rows = []
            for name in self.repository.names():
                for version, manifest in sorted(self.repository.versions(name).items()):
                    slot = self._slots.get((name, version))
                    if slot is not None:
                        rows.append(slot.describe())
                    elif isinstance(manifest, Exception):
                        rows.append({"name": name, "version": version, "state": ModelState.UNAVAILABLE.value,
                                     "reason": str(manifest)})
                    else:
                        served = version in self.repository.served(name)
                        rows.append({"name": name, "version": version, "state": ModelState.UNKNOWN.value,
                                     "reason": "" if served else "not served by the version policy"})
            return rows

    def metadata(self, name: str, version: int | None = None) -> dict[str, Any]:
        """What the repository declares of ``name``: versions served, loader, memory, limits."""
        with self._lock:
            manifest = self.repository.manifest(name, version)
            slot = self._slots.get((manifest.name, manifest.version))
            return {
                "name": manifest.name,
                "version": manifest.version,
                "versions": self.repository.served(name),
                "loader": manifest.loader,
                "file": manifest.file,
                "device": manifest.device,
                "declared_memory": manifest.memory,
                "memory": slot.size if slot is not None and slot.state is ModelState.READY else None,
                "max_leases": manifest.max_leases,
                "state": (slot.state if slot is not None else ModelState.UNKNOWN).value,
            }

    def statistics(self, name: str | None = None) -> dict[str, Any]:
        """Per version: hits, misses (cold starts), loads and their seconds, evictions,
        prewarms, memory and wasted memory-seconds; the pool's budget, memory charged and
        acquire p50/p95/p99 (seconds)."""
        with self._lock:
            self._sync_hits()
            t = now()
            models = []
            for slot in self._slots.values():
                if name is not None and slot.name != name:
                    continue
                row = {"name": slot.name, "version": slot.version, "state": slot.state.value, **slot.stats.as_dict()}
                row["wasted_memory_seconds"] += slot.wasted_until(t)
                row["live_leases"] = slot.entry.live if slot.entry is not None else 0
                models.append(row)
            return {
                "budget": self.budget,
                "used": self._used,
                "rss": rss_bytes(),
                "models": sorted(models, key=lambda r: (r["name"], r["version"])),
                "acquire": self._times.summary(self._table.hit_samples()),
            }

    def client(self) -> PoolClient:
        """A ``PoolClient`` on this pool's actor (what another node would use)."""
        return PoolClient(self.ref)

    def close(self, timeout: float = 30.0) -> None:
        """Stop prewarming, wait for loads in flight, close every model and stop the actors."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        if self._prewarmer is not None:
            self._prewarmer.stop()
        self._loaders.shutdown(wait=True, cancel_futures=True)
        with self._lock:
            slots = list(self._slots.values())
            for slot in slots:
                if slot.entry is not None:
                    self._table.retire(slot.entry)
                _close(slot.loaded)
                slot.loaded = slot.entry = slot.copy = None
                slot.state = ModelState.UNKNOWN
            self._used = 0
        for slot in slots:
            if slot.ref is not None:
                slot.ref.stop(block=False)
        self.ref.stop(block=True, timeout=timeout)

    def __enter__(self) -> Pool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the slow path --------------------------------------------------------------------

    def _miss(self, name: Any, version: Any, timeout: float | None, wait: bool) -> Lease:
        """Everything ``acquire`` does when its hit path did not grant a lease."""
        started = now()
        if timeout is not None and (not isinstance(timeout, (int, float)) or not timeout >= 0):
            raise ValueError(f"timeout must be a number >= 0 or None, not {timeout!r}")
        deadline = None if timeout is None else started + timeout
        counted = cold = False
        with self._changed:
            while True:
                if self._closed:
                    raise PoolError("the pool is closed")
                slot = self._choose(name, version)
                if not counted:
                    counted = True
                    self._note_request(slot)
                lease = self._table.try_acquire(name, version)
                if lease is not None:
                    self._times.add_miss(now() - started)
                    if cold:  # the hit path counted this grant as a hit; it waited for a load
                        self._slots[lease.entry.tag].stats.hits -= 1
                    return lease  # type: ignore[no-any-return]
                if slot.state is ModelState.READY and not slot.loading:
                    if not wait:
                        raise PoolFull(f"{name} v{slot.version}: all {slot.manifest.max_leases} leases are out")
                    pause = 0.001  # a release does not signal; look again shortly
                elif slot.failed:
                    raise ModelUnavailable(f"{name} v{slot.version} is unavailable: {slot.reason}")
                elif slot.state is ModelState.UNLOADING and slot.loaded is not None and not slot.loading:
                    self._revive(slot)  # still in memory for its leases: serve it again
                    continue
                else:
                    if not cold:  # a cold start: this request waits for a load (its own or one in flight)
                        cold = True
                        slot.stats.misses += 1
                    if not slot.loading:
                        self._start_load(slot, "request")
                    if not wait:
                        raise ModelTimeout(f"{name} v{slot.version} is loading, not ready (wait=False)")
                    pause = 1.0
                if deadline is not None:
                    left = deadline - now()
                    if left <= 0:
                        raise ModelTimeout(f"{name} v{slot.version} was not ready within {timeout} s")
                    pause = min(pause, left)
                self._changed.wait(pause)

    def _note_request(self, slot: Slot) -> None:
        if self._prewarmer is not None:
            self._prewarmer.note_miss(slot.key)

    def _not_found(self, name: Any, version: Any) -> str:
        return f"no model {name!r}" + ("" if version is None else f" version {version!r}") + " in the pool"

    def _targets(self, name: str, version: int | None) -> list[Slot]:
        if not isinstance(name, str):
            raise ModelNotFound(f"a model name is a str, not {type(name).__name__}")
        if version is not None:
            return [self._slot(self.repository.manifest(name, version))]
        served = self.repository.served(name)
        if not served:
            self.repository.manifest(name)  # raises ModelNotFound / ModelManifestError with the reason
            raise ModelNotFound(self._not_found(name, None))
        return [self._slot(self.repository.manifest(name, v)) for v in served]

    def _choose(self, name: Any, version: Any) -> Slot:
        """The version an acquire of ``name`` (``version``) is served from or loads."""
        if not isinstance(name, str):
            raise ModelNotFound(f"a model name is a str, not {type(name).__name__}")
        if version is not None:
            if isinstance(version, bool) or not isinstance(version, int):
                raise ModelNotFound(f"a model version is an int, not {type(version).__name__}")
            slot = self._slots.get((name, version))
            if slot is not None and slot.state is not ModelState.UNKNOWN:
                return slot
            return self._slot(self.repository.manifest(name, version))
        serving = self._serving(name)
        if serving is not None:
            return serving
        slots = self._targets(name, None)
        slots.sort(key=lambda s: s.version, reverse=True)
        for slot in slots:
            if slot.loading:
                return slot
        for slot in slots:
            if not slot.failed:
                return slot
        return slots[0]

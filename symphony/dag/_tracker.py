"""The DagTracker actor: drives one run of a workflow, and the handle the caller holds.

Invariants:
- Only the tracker changes run state (it is an actor: one message at a time), so task
  bookkeeping needs no locks; executors, the clock and the checkpoint talk to it by message.
- A task is dispatched only when every dependency is *done*; with a checkpoint, done means
  its result is committed to disk (so nothing recorded is ever run twice).
- An outcome is accepted only from the attempt currently running: a late result of an
  attempt that timed out (or a run that was cancelled) is ignored.
- A task that fails for good fails all its transitive dependents (they are *skipped*);
  every other branch runs on. The run ends when every task is done, failed or skipped.
"""

from __future__ import annotations

import heapq
import pickle
import threading
import time
from collections import deque
from typing import TYPE_CHECKING, Any, Callable

from ..actors import Actor, Future, Ref
from ..errors import TaskTimeout, WorkflowCancelled, WorkflowFailed

if TYPE_CHECKING:
    from ._checkpoint import Checkpoint
    from ._executors import Executor
    from ._task import Task

__all__ = ["Clock", "DagTracker", "RunHandle"]

#: First retry delay in seconds; doubles each attempt, capped at ``BACKOFF_MAX``.
BACKOFF_BASE = 0.05
BACKOFF_MAX = 5.0


class Clock:
    """One thread per run that tells the tracker about deadlines (timeouts, retry delays)."""

    def __init__(self, tracker: Ref) -> None:
        self._tracker = tracker
        self._heap: list[tuple[float, int, str, Any]] = []
        self._cond = threading.Condition()
        self._seq = 0
        self._closed = False
        self._thread: threading.Thread | None = None

    def at(self, when: float, kind: str, payload: Any) -> None:
        with self._cond:
            if self._closed:
                return
            self._seq += 1
            heapq.heappush(self._heap, (when, self._seq, kind, payload))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="symphony-dag-clock", daemon=True)
                self._thread.start()
            self._cond.notify()

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._closed and (not self._heap or self._heap[0][0] > time.monotonic()):
                    self._cond.wait(None if not self._heap else max(self._heap[0][0] - time.monotonic(), 0.0))
                if self._closed:
                    return
                _, _, kind, payload = heapq.heappop(self._heap)
            self._tracker.tell(kind, payload)

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(5.0)


class RunHandle:
    """A running workflow: ``result()``, ``cancel()``, ``status()``, ``done()``."""

    def __init__(self, workflow: str, future: Future[dict[str, Any]], tracker: Ref,
                 cleanup: Callable[[], None]) -> None:
        self.workflow = workflow
        self._future = future
        self._tracker = tracker
        self._cleanup = cleanup
        self._cleaned = False

    def result(self, timeout: float | None = None) -> dict[str, Any]:
        """Wait for the run; the result of every task by name.

        Raises ``WorkflowFailed`` if a task failed for good, ``WorkflowCancelled`` after
        ``cancel()``, ``AskTimeout`` if ``timeout`` passed first (the run goes on).
        """
        try:
            return self._future.get(timeout)
        finally:
            if self._future.done():
                self._finish()

    def _finish(self) -> None:
        if not self._cleaned:
            self._cleaned = True
            self._cleanup()

    def done(self) -> bool:
        """True once the run has ended (done, failed or cancelled)."""
        return self._future.done()

    def cancel(self) -> None:
        """Start no new task; tasks already running finish but their results are ignored.
        ``result()`` then raises ``WorkflowCancelled`` with what had completed."""
        if not self._future.done():
            self._tracker.tell("cancel", None)

    def status(self) -> dict[str, Any]:
        """Counts of tasks by state, and the names of those running, failed and skipped."""
        if self._future.done() or not self._tracker.is_alive:
            return self._final_status
        try:
            return self._tracker.ask("status", timeout=5.0)  # type: ignore[no-any-return]
        except Exception:  # noqa: BLE001 - the run ended meanwhile
            return self._final_status

    _final_status: dict[str, Any] = {}


class DagTracker(Actor):
    """Drives one run: dispatches ready tasks, collects outcomes, retries, times out, skips."""

    def __init__(self, workflow: str, tasks: dict[str, Task], dependents: dict[str, list[str]],
                 executor: Executor, future: Future[dict[str, Any]], *, max_concurrency: int | None,
                 checkpoint: Checkpoint | None, fingerprints: dict[str, str], emit: Callable[..., None] | None,
                 store: Any, handle_box: list[RunHandle]) -> None:
        self.workflow = workflow
        self.tasks = tasks
        self.dependents = dependents
        self.executor = executor
        self.future = future
        self.max_concurrency = max_concurrency
        self.checkpoint = checkpoint
        self.fingerprints = fingerprints
        self.emit = emit
        self.store = store
        self.handle_box = handle_box
        self.results: dict[str, Any] = {}
        self.failures: dict[str, BaseException] = {}
        self.skipped: set[str] = set()
        self.running: dict[str, int] = {}
        self.attempts: dict[str, int] = {}
        self.recording: dict[str, Any] = {}
        self.ready: deque[str] = deque()
        self.waiting: dict[str, int] = {}
        self.clock: Clock | None = None
        self.finished = False
        self.restored = 0

    # -- messages -------------------------------------------------------------------------

    def on_receive(self, message: Any) -> Any:
        kind = message.kind
        if kind == "done":
            name, attempt, ok, value = message.payload
            if self.running.get(name) == attempt and not self.finished:
                del self.running[name]
                if ok:
                    self._succeeded(name, value)
                else:
                    self._failed(name, value)
                self._pump()
        elif kind == "recorded":
            for name in message.payload:
                if name in self.recording and not self.finished:
                    self._complete(name, self.recording.pop(name))
            self._pump()
        elif kind == "timeout":
            name, attempt = message.payload
            if self.running.get(name) == attempt and not self.finished:
                del self.running[name]
                timeout = self.tasks[name].timeout
                self._failed(name, TaskTimeout(f"task {name!r} ran longer than its timeout of {timeout} s"))
                self._pump()
        elif kind == "retry":
            if not self.finished:
                self.ready.append(message.payload)
                self._pump()
        elif kind == "start":
            self._start()
        elif kind == "cancel":
            self._end(cancelled=True)
        elif kind == "status":
            return self._status()
        else:
            return super().on_receive(message)
        return None

    def on_failure(self, exception_type: Any, exception_value: Any, traceback: Any) -> None:
        # A bug in the tracker must not leave the caller waiting forever.
        if not self.future.done():
            self.future.set_exception(exception_value)

    # -- the run --------------------------------------------------------------------------

    def _start(self) -> None:
        if self.checkpoint is not None:
            restored = self.checkpoint.restore(self.fingerprints)
            self.results.update(restored)
            self.restored = len(restored)
            for name in restored:
                self._event("task.restored", name)
        done = self.results
        waiting = self.waiting
        for name, task in self.tasks.items():
            if name in done:
                continue
            n = 0
            for d in set(task.deps):
                if d not in done:
                    n += 1
            waiting[name] = n
            if n == 0:
                self.ready.append(name)
        self._pump()

    def _pump(self) -> None:
        if self.finished:
            return
        ready = self.ready
        limit = self.max_concurrency
        while ready and (limit is None or len(self.running) < limit):
            self._dispatch(ready.popleft())
        if not self.running and not self.recording and not ready and (
                len(self.results) + len(self.failures) + len(self.skipped) >= len(self.tasks)):
            self._end()

    def _dispatch(self, name: str) -> None:
        task = self.tasks[name]
        attempt = self.attempts.get(name, 0) + 1
        self.attempts[name] = attempt
        results = self.results
        args = [results[d] for d in task.deps]
        self.running[name] = attempt
        if task.cache and self.store is not None:
            hit, value = _cache_lookup(self.store, task, args)
            if hit:
                self._event("task.cached", name)
                del self.running[name]
                self._succeeded(name, value, from_cache=True)
                return
        if task.timeout is not None:
            self._clock().at(time.monotonic() + task.timeout, "timeout", (name, attempt))
        if self.emit is not None:
            self._event("task.started", name, attempt=attempt)
        self.executor.submit(name, attempt, task.fn, args)

    def _succeeded(self, name: str, value: Any, *, from_cache: bool = False) -> None:
        task = self.tasks[name]
        if task.cache and self.store is not None and not from_cache:
            _cache_store(self.store, task, [self.results[d] for d in task.deps], value)
        if self.checkpoint is None:
            self._complete(name, value)
            return
        self.recording[name] = value
        try:
            self.checkpoint.record(name, self.fingerprints[name], value)
        except Exception as exc:  # noqa: BLE001 - an unpicklable result cannot be checkpointed
            self.recording.pop(name, None)
            error = TypeError(f"result of task {name!r} cannot be checkpointed: {exc}")
            self._failed(name, error, retry=False)

    def _complete(self, name: str, value: Any) -> None:
        self.results[name] = value
        if self.emit is not None:
            self._event("task.finished", name)
        waiting = self.waiting
        ready = self.ready
        for child in self.dependents[name]:
            n = waiting[child] - 1
            waiting[child] = n
            if n == 0 and child not in self.skipped:
                ready.append(child)

    def _failed(self, name: str, error: BaseException, *, retry: bool = True) -> None:
        task = self.tasks[name]
        attempt = self.attempts.get(name, 1)
        if retry and attempt <= task.retries:
            delay = min(BACKOFF_BASE * (2 ** (attempt - 1)), BACKOFF_MAX)
            self._event("task.retry", name, attempt=attempt, error=error, delay=delay)
            self._clock().at(time.monotonic() + delay, "retry", name)
            return
        self.failures[name] = error
        self._event("task.failed", name, attempt=attempt, error=error)
        stack = list(self.dependents[name])
        while stack:
            child = stack.pop()
            if child in self.skipped or child in self.results or child in self.failures:
                continue
            self.skipped.add(child)
            self._event("task.skipped", child, cause=name)
            stack.extend(self.dependents[child])

    def _end(self, *, cancelled: bool = False) -> None:
        if self.finished:
            return
        self.finished = True
        if self.clock is not None:
            self.clock.close()
        self.executor.close()
        status = self._status()
        for handle in self.handle_box:
            handle._final_status = status
        if cancelled:
            self._event("workflow.cancelled", None)
            self.future.set_exception(WorkflowCancelled(
                f"workflow {self.workflow!r} was cancelled", results=dict(self.results)))
        elif self.failures:
            self._event("workflow.failed", None)
            names = ", ".join(sorted(self.failures))
            self.future.set_exception(WorkflowFailed(
                f"workflow {self.workflow!r}: {len(self.failures)} task(s) failed ({names}); "
                f"{len(self.skipped)} skipped, {len(self.results)} completed",
                failures=self.failures, results=self.results, skipped=sorted(self.skipped)))
        else:
            self._event("workflow.finished", None)
            self.future.set(self.results)
        self.stop()

    # -- helpers --------------------------------------------------------------------------

    def _clock(self) -> Clock:
        if self.clock is None:
            self.clock = Clock(self.actor_ref)
        return self.clock

    def _event(self, kind: str, task: str | None, **extra: Any) -> None:
        if self.emit is not None:
            self.emit(kind, task, **extra)

    def _status(self) -> dict[str, Any]:
        total = len(self.tasks)
        pending = total - len(self.results) - len(self.failures) - len(self.skipped) - len(self.running)
        return {
            "workflow": self.workflow, "total": total, "done": len(self.results), "restored": self.restored,
            "running": sorted(self.running), "failed": sorted(self.failures), "skipped": sorted(self.skipped),
            "pending": pending, "finished": self.finished,
        }


# -- cache=True: results kept in the artifact store, keyed by code identity and inputs -------

CACHE_PREFIX = "symphony.dag.cache/"


def cache_key(task: Task, args: list[Any]) -> str | None:
    """A digest of the task function's identity and its inputs; None if something in it
    cannot be pickled (then the task is simply not cached).

    Identity: module, qualified name, bytecode, constants and names used, default
    arguments and the values its closure captured (two closures of one function with
    different captured values are different tasks). Globals the function reads are not
    part of it: a task whose result depends on mutable global state should not use cache.
    """
    import xxhash

    fn = task.fn
    code = getattr(fn, "__code__", None)
    if code is not None:
        closure = tuple(cell.cell_contents for cell in (fn.__closure__ or ()))
        identity: Any = (getattr(fn, "__module__", ""), getattr(fn, "__qualname__", ""), code.co_code,
                         repr(code.co_consts), code.co_names, fn.__defaults__, fn.__kwdefaults__, closure)
    else:
        identity = repr(fn)
    try:
        blob = pickle.dumps((identity, args), protocol=4)
    except Exception:  # noqa: BLE001
        return None
    return xxhash.xxh3_128_hexdigest(blob)


def _cache_lookup(store: Any, task: Task, args: list[Any]) -> tuple[bool, Any]:
    key = cache_key(task, args)
    if key is None:
        return False, None
    try:
        return True, pickle.loads(store.get(store.latest(CACHE_PREFIX + key)))
    except Exception:  # noqa: BLE001 - a miss, or an entry we cannot read: run the task
        return False, None


def _cache_store(store: Any, task: Task, args: list[Any], value: Any) -> None:
    key = cache_key(task, args)
    if key is None:
        return
    try:
        blob = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:  # noqa: BLE001 - unpicklable results are just not cached
        return
    store.put(blob, name=CACHE_PREFIX + key, metadata={"task": task.name})

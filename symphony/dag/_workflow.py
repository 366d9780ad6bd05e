"""``Workflow``: a named graph of tasks, validated before it runs, run by a DagTracker actor.

Adding a task is cheap (it is recorded, nothing else); ``validate`` (called by ``run``)
checks the whole graph at once: unknown dependencies, cycles. Each task's function is
called with the results of its dependencies, in the order they were listed.
"""

from __future__ import annotations

import os
from typing import Any, Callable, Iterable

from ..actors import Future, Node
from ..errors import WorkflowError
from ._checkpoint import Checkpoint
from ._events import EventSink
from ._executors import executor_for
from ._graph import plan, topological_order
from ._task import Task
from ._tracker import DagTracker, RunHandle

__all__ = ["Task", "Workflow"]


class Workflow:
    """A named DAG of tasks. ``add`` tasks, then ``run`` (or ``run_async``)."""

    def __init__(self, name: str) -> None:
        if not isinstance(name, str) or not name or "\0" in name:
            raise WorkflowError(f"a workflow name must be a non-empty str without NUL, not {name!r}")
        self.name = name
        self._tasks: dict[str, Task] = {}

    def add(self, name: str, fn: Callable[..., Any], *, deps: Iterable[str] = (), retries: int = 0,
            timeout: float | None = None, cache: bool = False) -> str:
        """Add task ``name`` calling ``fn(*results_of_deps)``; returns ``name``.

        ``retries``: extra attempts after a failure (with exponential backoff). ``timeout``:
        seconds an attempt may run before it counts as failed (``TaskTimeout``). ``cache``:
        reuse a result stored in the artifact store for the same code and inputs.
        Raises ``WorkflowError`` for a duplicate name or a bad option.
        """
        if not isinstance(name, str) or not name or "\0" in name:
            raise WorkflowError(f"a task name must be a non-empty str without NUL, not {name!r}")
        if name in self._tasks:
            raise WorkflowError(f"workflow {self.name!r} already has a task named {name!r}")
        if not callable(fn):
            raise WorkflowError(f"task {name!r}: fn must be callable, not {fn!r}")
        if isinstance(deps, str):
            deps = (deps,)
        deps = tuple(deps)
        if not isinstance(retries, int) or retries < 0:
            raise WorkflowError(f"task {name!r}: retries must be an int >= 0, not {retries!r}")
        if timeout is not None and not (isinstance(timeout, (int, float)) and timeout > 0):
            raise WorkflowError(f"task {name!r}: timeout must be a positive number of seconds, not {timeout!r}")
        self._tasks[name] = Task(name, fn, deps, retries, None if timeout is None else float(timeout), bool(cache))
        return name

    @property
    def tasks(self) -> dict[str, Task]:
        """The tasks by name, in the order they were added."""
        return dict(self._tasks)

    def __len__(self) -> int:
        return len(self._tasks)

    def validate(self) -> list[str]:
        """Check the graph; returns the task names in a topological order.

        Raises ``WorkflowError`` for a dependency on an unknown task and ``CycleError``
        (with ``.cycle``) if the dependencies form a cycle.
        """
        return topological_order({name: task.deps for name, task in self._tasks.items()})

    def run(self, *, node: Node | None = None, max_concurrency: int | None = None,
            checkpoint: str | os.PathLike[str] | None = None, progress: bool = False, executor: Any = None,
            on_event: Callable[[dict[str, Any]], None] | None = None, store: Any = None,
            timeout: float | None = None) -> dict[str, Any]:
        """Run every task and return ``{name: result}``.

        ``node``: where the tracker and DAG-node actors live (a private node otherwise).
        ``max_concurrency``: at most this many tasks running at once. ``checkpoint``: a
        directory recording completed tasks durably; a later run with the same path runs
        only what is not recorded. ``progress``: a tqdm bar. ``executor``: ``"local"`` (the
        default) or a ``dask.distributed.Client``. ``on_event``: called with each event
        dict (also published on the node's bus when it has one). ``store``: the
        ``ArtifactStore`` for ``cache=True`` tasks. ``timeout``: give up waiting (the run is
        cancelled).

        Raises ``WorkflowFailed`` if tasks failed for good (independent branches finish
        first), ``CycleError``/``WorkflowError`` before anything runs.
        """
        handle = self.run_async(node=node, max_concurrency=max_concurrency, checkpoint=checkpoint,
                                progress=progress, executor=executor, on_event=on_event, store=store)
        try:
            return handle.result(timeout)
        except BaseException:
            if not handle.done():
                handle.cancel()
                try:
                    handle.result(10.0)
                except Exception:  # noqa: BLE001 - we are already raising
                    pass
            raise

    def run_async(self, *, node: Node | None = None, max_concurrency: int | None = None,
                  checkpoint: str | os.PathLike[str] | None = None, progress: bool = False, executor: Any = None,
                  on_event: Callable[[dict[str, Any]], None] | None = None, store: Any = None) -> RunHandle:
        """Start the run and return its :class:`RunHandle` (``result``, ``cancel``, ``status``).

        Same options as :meth:`run`. Call ``handle.result()`` (or ``cancel()`` then
        ``result()``) to release what the run holds.
        """
        _, dependents = plan({name: task.deps for name, task in self._tasks.items()})
        if max_concurrency is not None and (not isinstance(max_concurrency, int) or max_concurrency < 1):
            raise WorkflowError(f"max_concurrency must be an int >= 1, not {max_concurrency!r}")
        own_store = store is None and any(t.cache for t in self._tasks.values())
        if own_store:
            store = _default_cache_store()
        tasks = self._tasks.copy()
        own_node = node is None
        if node is None:
            node = Node(f"dag-{self.name}-{os.getpid()}")
        ckpt = Checkpoint(checkpoint, self.name) if checkpoint is not None else None
        sink = EventSink.create(self.name, len(tasks), node=node, on_event=on_event, progress=progress)
        run_executor = executor_for(executor)
        future: Future[dict[str, Any]] = Future(label=f"workflow {self.name}")
        handle_box: list[RunHandle] = []
        fingerprints = {name: task.fingerprint() for name, task in tasks.items()} if ckpt else {}
        tracker = node.spawn(DagTracker, self.name, tasks, dependents, run_executor, future, max_concurrency=max_concurrency, checkpoint=ckpt,
                             fingerprints=fingerprints, emit=sink, store=store, handle_box=handle_box)
        if ckpt is not None:
            ckpt.start(node)
            ckpt.on_recorded = lambda names: tracker.tell("recorded", names)

        def cleanup() -> None:
            tracker.stop(timeout=5.0)
            if ckpt is not None:
                ckpt.close()
            if sink is not None:
                sink.close()
            if own_node:
                node.stop(timeout=1.0)
            if own_store:
                store.close()  # the run opened it: the next run (or process) may open it again

        handle = RunHandle(self.name, future, tracker, cleanup)
        handle_box.append(handle)
        run_executor.start(tracker, node)
        tracker.tell("start", None)
        return handle

    def __repr__(self) -> str:
        return f"<Workflow {self.name} tasks={len(self._tasks)}>"


def _default_cache_store() -> Any:
    from ..artifacts import ArtifactStore

    path = os.environ.get("SYMPHONY_CACHE") or os.path.join(os.path.expanduser("~"), ".cache", "symphony", "dag")
    return ArtifactStore(path)

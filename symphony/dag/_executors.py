"""Where a workflow's tasks run: the local actor executor (default) or a Dask cluster.

An executor gets ``submit(name, attempt, fn, args)`` from the tracker and, whatever happens,
eventually tells the tracker ``"done"`` with ``(name, attempt, ok, value_or_exception)``.
Retries, timeouts, skipping dependents and checkpoints stay with the tracker, so they work
the same on every executor.
"""

from __future__ import annotations

import uuid
from typing import Any, Callable, Protocol, Sequence

from ..actors import Actor, Node, Ref

__all__ = ["DaskExecutor", "Executor", "LocalExecutor", "TaskActor", "executor_for"]


class Executor(Protocol):
    """What the tracker needs from an executor."""

    def start(self, tracker: Ref, node: Node) -> None: ...

    def submit(self, name: str, attempt: int, fn: Callable[..., Any], args: Sequence[Any]) -> None: ...

    def close(self) -> None: ...


class TaskActor(Actor):
    """A DAG-node actor: one per running task attempt, spawned when the task is ready.

    It runs the task's function as its start hook, tells the tracker the outcome and stops,
    so a workflow of 10,000 tasks never has more of these alive than tasks running at once.
    They share the node's dispatcher threads (a blocking task holds one; the dispatcher
    grows when all are stuck).
    """

    def __init__(self, tracker: Ref, name: str, attempt: int, fn: Callable[..., Any], args: Sequence[Any]) -> None:
        self.tracker = tracker
        self.task = (name, attempt, fn, args)

    def on_start(self) -> None:
        name, attempt, fn, args = self.task
        self.task = None  # type: ignore[assignment]  # drop references to inputs early
        try:
            outcome = (name, attempt, True, fn(*args))
        except BaseException as exc:  # noqa: BLE001 - every failure is the task's, reported
            outcome = (name, attempt, False, exc)
        self.tracker.tell("done", outcome)
        self.stop()


class LocalExecutor:
    """Runs each task attempt in a :class:`TaskActor` on the tracker's node."""

    def __init__(self) -> None:
        self._tracker: Ref | None = None
        self._spawn: Callable[..., Ref] | None = None

    def start(self, tracker: Ref, node: Node) -> None:
        self._tracker = tracker
        self._spawn = node.spawn

    def submit(self, name: str, attempt: int, fn: Callable[..., Any], args: Sequence[Any]) -> None:
        assert self._spawn is not None
        self._spawn(TaskActor, self._tracker, name, attempt, fn, args)

    def close(self) -> None:
        self._tracker = None


class DaskExecutor:
    """Submits each task attempt to an existing ``dask.distributed`` ``Client``.

    Inputs travel as values (the tracker already holds the results of dependencies), so
    the tracker can checkpoint, retry and time out tasks exactly as with local actors.
    """

    def __init__(self, client: Any) -> None:
        self.client = client
        self._tracker: Ref | None = None
        self._futures: dict[str, Any] = {}

    def start(self, tracker: Ref, node: Node) -> None:
        self._tracker = tracker

    def submit(self, name: str, attempt: int, fn: Callable[..., Any], args: Sequence[Any]) -> None:
        key = f"{name}-{attempt}-{uuid.uuid4().hex[:12]}"
        future = self.client.submit(fn, *args, key=key, pure=False, retries=0)
        self._futures[key] = future
        tracker = self._tracker

        def report(fut: Any) -> None:
            self._futures.pop(key, None)
            if tracker is None:
                return
            try:
                if fut.status == "finished":
                    outcome = (name, attempt, True, fut.result())
                elif fut.status == "cancelled":
                    outcome = (name, attempt, False, RuntimeError(f"dask cancelled task {name!r}"))
                else:
                    outcome = (name, attempt, False, fut.exception())
            except BaseException as exc:  # noqa: BLE001 - e.g. the result could not be fetched
                outcome = (name, attempt, False, exc)
            tracker.tell("done", outcome)

        future.add_done_callback(report)

    def close(self) -> None:
        futures, self._futures = list(self._futures.values()), {}
        self._tracker = None
        for future in futures:
            try:
                future.cancel()
            except Exception:  # noqa: BLE001 - the client may be closing
                pass


def executor_for(executor: Any) -> Executor:
    """The executor meant by ``run(executor=...)``: None/``"local"`` for actors, a Dask
    ``Client``, or any object with the :class:`Executor` methods."""
    if executor is None or executor == "local":
        return LocalExecutor()
    if type(executor).__module__.startswith("distributed") and hasattr(executor, "submit"):
        return DaskExecutor(executor)  # checked first: a Client also has start/submit/close
    if all(hasattr(executor, m) for m in ("start", "submit", "close")):
        return executor  # type: ignore[no-any-return]
    raise TypeError(f"executor must be 'local', a dask.distributed Client or an Executor, not {executor!r}")

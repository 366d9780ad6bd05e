"""Errors of the DAG tracker: a malformed workflow or a cycle, a task past its timeout, and a run
that failed or was cancelled.
"""

from __future__ import annotations

from ._base import SymphonyError

__all__ = [
    "CycleError",
    "TaskTimeout",
    "WorkflowCancelled",
    "WorkflowError",
    "WorkflowFailed",
]


class WorkflowError(SymphonyError, ValueError):
    """Raised when a workflow is malformed: a duplicate task name, a dependency on a task
    that does not exist, a bad option, or a spec file that does not describe a workflow.

    Raised by ``Workflow.add``/``validate`` before anything runs; nothing has run. Its
    subclass :class:`CycleError` is the case of a dependency cycle.
    """


class CycleError(WorkflowError):
    """Raised by ``Workflow.validate`` (and so ``run``) when the tasks' dependencies form a cycle.

    ``cycle`` lists the task names around one cycle, first name repeated at the end
    (``["a", "b", "a"]``). Nothing has run.
    """

    def __init__(self, message: str, *, cycle: list[str] | None = None) -> None:
        super().__init__(message)
        self.cycle = list(cycle or [])


class TaskTimeout(SymphonyError, TimeoutError):
    """Raised (recorded as the task's failure) when a workflow task runs past its ``timeout``.

    The tracker fails the task at its deadline (and retries it if it has retries left); a
    late result is ignored. Appears in :class:`WorkflowFailed`'s ``failures``; differs from
    :class:`AskTimeout`, where a caller stopped waiting for an actor's reply.
    """


class WorkflowFailed(SymphonyError):
    """Raised by ``Workflow.run`` when one or more tasks failed for good (retries used up).

    Independent branches still ran to the end. ``failures`` maps each failed task to its
    exception, ``results`` holds every completed task's result, ``skipped`` lists the tasks
    not run because something they depend on failed.
    """

    def __init__(self, message: str, *, failures: dict | None = None, results: dict | None = None,
                 skipped: list | None = None) -> None:
        super().__init__(message)
        self.failures = dict(failures or {})
        self.results = dict(results or {})
        self.skipped = list(skipped or [])


class WorkflowCancelled(SymphonyError):
    """Raised by a run handle's ``result()`` after ``cancel()``: no new task was started
    after the cancellation; ``results`` holds what had completed. Differs from
    :class:`WorkflowFailed`, where tasks failed on their own.
    """

    def __init__(self, message: str, *, results: dict | None = None) -> None:
        super().__init__(message)
        self.results = dict(results or {})

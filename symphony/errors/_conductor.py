"""Errors of the conductor: a task refused, one no agent can do, one that failed, and a routing
policy that cannot be read.
"""

from __future__ import annotations

from ._base import SymphonyError

__all__ = [
    "ConductorError",
    "NoCapableAgent",
    "PolicyError",
    "TaskFailed",
    "TaskRejected",
]


class ConductorError(SymphonyError):
    """Root of what the conductor (``symphony.conductor``) raises about a task: raised (as
    one of its subclasses) when a task cannot be planned, no agent can do a step, or it
    failed, was cancelled or ran out of time."""


class TaskRejected(ConductorError, ValueError):
    """Raised when a task is refused before anything runs: an unknown kind, an input or
    context of the wrong type, a template whose steps do not form a workflow. Nothing ran
    and nothing was stored.
    """


class NoCapableAgent(ConductorError, LookupError):
    """Raised when a step of a task needs a capability that no registered (and enabled)
    agent declares."""


class TaskFailed(ConductorError):
    """Raised when a task's workflow ended without a result: a step failed after its
    retries, the task was cancelled, or its deadline (the message's TTL) passed. ``.steps``
    maps each step that finished to its artifact digest, so partial work is kept.

    Differs from :class:`TaskRejected`: this task was accepted and started.
    """

    def __init__(self, message: str, steps: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.steps = dict(steps or {})


class PolicyError(ConductorError, ValueError):
    """Raised when a stored routing policy cannot be read (corrupt, or from an incompatible
    feature layout). The conductor starts a fresh policy rather than route on a wrong one."""

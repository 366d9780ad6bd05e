"""What a task is, checked at the door, and what it gives back.

A task arrives as a ``Message(kind="conductor.task", payload={"kind", "input", "context"})``
(or through ``Conductor.run``). :func:`parse_task` turns the payload into a :class:`TaskSpec`
or raises :class:`~symphony.errors.TaskRejected` saying which field is wrong; nothing has
run and nothing is stored when it raises. :class:`TaskResult` and :class:`StepResult` are
what a finished task returns.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any, Mapping

from ..errors import TaskRejected

__all__ = ["CONTEXT_KEYS", "MAX_INPUT", "TASK_MESSAGE", "StepResult", "TaskResult", "TaskSpec", "check_kind",
           "check_score", "parse_task"]

#: The message kind the conductor actor runs as a task.
TASK_MESSAGE = "conductor.task"
#: Default bound on a task's input, in characters (a bigger input is refused, not truncated).
MAX_INPUT = 1 << 20
#: What a task's context may hold, and the type of each: the files it is about, the
#: selected text, the view's regions (``[[start_line, start_col, end_line, end_col], ...]``,
#: as the frontend sends them), artifacts (digests) it builds on, the path and language of
#: its document, the view it came from. A key whose value is None is dropped.
CONTEXT_KEYS: dict[str, type | tuple[type, ...]] = {
    "files": list, "selection": (str, list), "regions": list, "artifacts": list, "path": str, "language": str,
    "view_id": str}
_KIND = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}\Z")
_DIGEST = re.compile(r"[0-9a-f]{32}\Z")
_MAX_LIST = 1000


def check_kind(kind: Any, what: str = "task kind") -> str:
    """``kind`` if it is a usable task kind (letters, digits, ``._:-``, at most 128); else ``TaskRejected``."""
    if not isinstance(kind, str) or not _KIND.match(kind):
        raise TaskRejected(f"a {what} must be a str of letters, digits and '._:-' (1-128 characters), "
                           f"not {_short(kind)}")
    return kind


def check_score(score: Any, what: str = "quality score") -> float:
    """``score`` as a float if it is a finite number in [0, 1]; ``TaskRejected`` otherwise (NaN included)."""
    if isinstance(score, bool) or not isinstance(score, (int, float)):
        raise TaskRejected(f"a {what} must be a number in [0, 1], not {type(score).__name__}")
    value = float(score)
    if not math.isfinite(value) or not 0.0 <= value <= 1.0:
        raise TaskRejected(f"a {what} must be a finite number in [0, 1], not {value!r}")
    return value


@dataclass(frozen=True)
class TaskSpec:
    """A checked task: its kind, input text and context (only the keys of ``CONTEXT_KEYS``)."""

    kind: str
    input: str
    context: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """The task as agents and extensions get it: ``{"kind", "input", "context"}``."""
        return {"kind": self.kind, "input": self.input, "context": dict(self.context)}


def parse_task(payload: Any, *, max_input: int = MAX_INPUT) -> TaskSpec:
    """Check a task payload ``{"kind": str, "input": str, "context": dict | None}``.

    Raises ``TaskRejected`` for anything else: a payload that is not a dict, unknown keys, a
    kind that is not a name, an input that is not a str or is longer than ``max_input``
    characters, a context with unknown keys or values of the wrong type (``files`` a list of
    str, ``artifacts`` a list of digests, ``selection``/``path``/``language`` str).
    """
    if not isinstance(payload, Mapping):
        raise TaskRejected(f"a task payload must be a dict with kind, input and context, not {_short(payload)}")
    unknown = set(payload) - {"kind", "input", "context"}
    if unknown:
        raise TaskRejected(f"a task payload has no field(s) {sorted(map(str, unknown))}; it takes kind, input, context")
    kind = check_kind(payload.get("kind"))
    text = payload.get("input", "")
    if not isinstance(text, str):
        raise TaskRejected(f"task input must be a str, not {type(text).__name__}")
    if len(text) > max_input:
        raise TaskRejected(f"task input is {len(text)} characters, more than the limit of {max_input}")
    return TaskSpec(kind, text, parse_context(payload.get("context")))


def parse_context(context: Any) -> dict[str, Any]:
    """A checked copy of a task's context (see :func:`parse_task`); ``TaskRejected`` if it is bad."""
    if context is None:
        return {}
    if not isinstance(context, Mapping):
        raise TaskRejected(f"task context must be a dict, not {type(context).__name__}")
    out: dict[str, Any] = {}
    for key, given in context.items():
        wanted = CONTEXT_KEYS.get(key) if isinstance(key, str) else None
        if wanted is None:
            raise TaskRejected(f"task context has no key {_short(key)}; it takes {sorted(CONTEXT_KEYS)}")
        if given is None:
            continue
        if not isinstance(given, wanted):
            names = " or ".join(t.__name__ for t in (wanted if isinstance(wanted, tuple) else (wanted,)))
            raise TaskRejected(f"task context {key!r} must be a {names}, not {type(given).__name__}")
        value: Any = given
        if key in ("selection", "regions") and isinstance(value, list):
            if len(value) > _MAX_LIST or not all(_is_region(r) for r in value):
                raise TaskRejected(f"task context {key!r} must be a list of [start_line, start_col, end_line, "
                                   "end_col] regions of ints >= 0" + (" (or the selected text)" if key == "selection"
                                                                       else ""))
            value = [list(r) for r in value]
        elif isinstance(value, list):
            if len(value) > _MAX_LIST or not all(isinstance(v, str) for v in value):
                raise TaskRejected(f"task context {key!r} must be a list of at most {_MAX_LIST} str")
            if key == "artifacts" and not all(_DIGEST.match(v) for v in value):
                raise TaskRejected("task context 'artifacts' must hold artifact digests (32 hex digits)")
            value = list(value)
        elif len(value) > MAX_INPUT:
            raise TaskRejected(f"task context {key!r} is longer than {MAX_INPUT} characters")
        out[key] = value
    return out


@dataclass(frozen=True)
class StepResult:
    """One step of a finished task: who did it, where its output is stored, how it went."""

    agent: str
    """The agent that did the step (``operator:NAME`` for an operator step)."""
    digest: str
    """The artifact holding the step's output."""
    quality: float | None
    """The task's quality score as it stood when the task finished (None: not scored yet)."""
    latency: float
    """Seconds the agent took."""
    explored: bool
    """Whether the router picked this agent to explore rather than as its best estimate."""


@dataclass(frozen=True)
class TaskResult:
    """A finished task: the final step's output and artifact, every step, the quality score."""

    task_id: str
    kind: str
    output: Any
    digest: str
    steps: dict[str, StepResult]
    quality: float | None


def _is_region(region: Any) -> bool:
    return (isinstance(region, (list, tuple)) and len(region) == 4
            and all(isinstance(n, int) and not isinstance(n, bool) and 0 <= n < 2**53 for n in region))


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."

"""Task templates: how a task kind is planned into steps, declared or proposed by an agent.

A :class:`TaskTemplate` names its kind, its steps and optionally an evaluator operator
that scores the result. Each :class:`Step` is either *routed* (``capability``: the router
picks one of the agents that declare it) or an *operator* (``operator``: a registered
Python operator or an extension's). The last step's output is the task's output.

:func:`check_template` is applied to every template the same way, declared
(``Conductor.add_template``, ``[[templates]]`` in TOML) or proposed by an agent at run time:
a bad one raises :class:`~symphony.errors.TaskRejected` and nothing runs.
"""

from __future__ import annotations

import math
import os
import tomllib
from dataclasses import dataclass
from typing import Any, Callable

from ..dag import Workflow
from ..errors import SymphonyError, TaskRejected
from ._tasks import check_kind

__all__ = ["MAX_STEPS", "Step", "TaskTemplate", "check_template", "read_templates", "single_step",
           "templates_from_toml"]

#: Most steps a template may have.
MAX_STEPS = 64
_STEP_KEYS = {"name", "capability", "operator", "deps", "retries", "timeout"}
_TEMPLATE_KEYS = {"kind", "steps", "evaluator"}


@dataclass(frozen=True)
class Step:
    """One step: routed among agents declaring ``capability``, or the operator ``operator``.

    ``deps`` name earlier steps whose outputs it gets; ``retries`` extra attempts after a
    failure; ``timeout`` seconds an attempt may take.
    """

    name: str
    capability: str | None = None
    operator: str | None = None
    deps: tuple[str, ...] = ()
    retries: int = 0
    timeout: float | None = None


@dataclass(frozen=True)
class TaskTemplate:
    """The plan of a task kind: steps (the last one's output is the result) and an evaluator."""

    kind: str
    steps: tuple[Step, ...]
    evaluator: str | None = None


def single_step(kind: str) -> TaskTemplate:
    """The plan of a kind with no template: one step routed among the agents that declare the kind."""
    return TaskTemplate(kind, (Step(kind, capability=kind),))


def check_template(template: Any, *, kind: str | None = None, has_capability: Callable[[str], bool],
                   has_operator: Callable[[str], bool]) -> TaskTemplate:
    """``template`` if it can run; ``TaskRejected`` naming what is wrong otherwise.

    Checked: the type of every field, ``kind`` (when given, the template must be for it),
    1 to ``MAX_STEPS`` steps with distinct names, each with exactly one of capability or
    operator, known (``has_capability``/``has_operator``), deps on steps of the template
    without a cycle, retries an int >= 0, timeout positive; the evaluator a known operator.
    """
    if not isinstance(template, TaskTemplate):
        raise TaskRejected(f"a template must be a TaskTemplate, not {type(template).__name__}")
    check_kind(template.kind, "template kind")
    if kind is not None and template.kind != kind:
        raise TaskRejected(f"a template for kind {template.kind!r} cannot plan a task of kind {kind!r}")
    steps = template.steps
    if not isinstance(steps, tuple) or not 1 <= len(steps) <= MAX_STEPS:
        raise TaskRejected(f"template {template.kind!r}: steps must be a tuple of 1 to {MAX_STEPS} Step")
    names: set[str] = set()
    for step in steps:
        _check_step(template.kind, step, names, has_capability, has_operator)
        names.add(step.name)
    try:
        graph = Workflow(template.kind)
        for step in steps:
            graph.add(step.name, _noop, deps=step.deps)
        graph.validate()
    except SymphonyError as exc:
        raise TaskRejected(f"template {template.kind!r}: {exc}") from None
    if template.evaluator is not None and not (isinstance(template.evaluator, str)
                                               and has_operator(template.evaluator)):
        raise TaskRejected(f"template {template.kind!r}: evaluator {template.evaluator!r} is not a known operator")
    return template


def _noop(*_: Any) -> None:
    return None


def _check_step(kind: str, step: Any, seen: set[str], has_capability: Callable[[str], bool],
                has_operator: Callable[[str], bool]) -> None:
    where = f"template {kind!r}"
    if not isinstance(step, Step):
        raise TaskRejected(f"{where}: a step must be a Step, not {type(step).__name__}")
    check_kind(step.name, "step name")
    where += f" step {step.name!r}"
    if step.name in seen:
        raise TaskRejected(f"{where}: two steps have this name")
    if (step.capability is None) == (step.operator is None):
        raise TaskRejected(f"{where}: give exactly one of capability or operator")
    if step.capability is not None:
        check_kind(step.capability, "capability")
        if not has_capability(step.capability):
            raise TaskRejected(f"{where}: no agent declares capability {step.capability!r}")
    elif not isinstance(step.operator, str) or not has_operator(step.operator):
        raise TaskRejected(f"{where}: {step.operator!r} is not a known operator")
    if not isinstance(step.deps, tuple) or not all(isinstance(d, str) for d in step.deps):
        raise TaskRejected(f"{where}: deps must be a tuple of step names")
    if isinstance(step.retries, bool) or not isinstance(step.retries, int) or not 0 <= step.retries <= 100:
        raise TaskRejected(f"{where}: retries must be an int from 0 to 100, not {step.retries!r}")
    timeout = step.timeout
    if timeout is not None and (isinstance(timeout, bool) or not isinstance(timeout, (int, float))
                                or not math.isfinite(timeout) or timeout <= 0):
        raise TaskRejected(f"{where}: timeout must be a positive number of seconds, not {timeout!r}")


def templates_from_toml(data: dict[str, Any]) -> list[TaskTemplate]:
    """The templates of a parsed TOML document's ``[[templates]]`` tables (each with ``kind``,
    ``evaluator`` and ``[[templates.steps]]`` of ``name``, ``capability`` or ``operator``,
    ``deps``, ``retries``, ``timeout``). Unknown keys and wrong types raise ``TaskRejected``;
    whether capabilities and operators exist is checked when the template is added."""
    found = data.get("templates", [])
    if not isinstance(found, list):
        raise TaskRejected("'templates' must be an array of tables ([[templates]])")
    out = []
    for i, table in enumerate(found):
        where = f"templates[{i}]"
        if not isinstance(table, dict) or set(table) - _TEMPLATE_KEYS:
            raise TaskRejected(f"{where}: a table with keys {sorted(_TEMPLATE_KEYS)}")
        steps = table.get("steps")
        if not isinstance(steps, list):
            raise TaskRejected(f"{where}: 'steps' must be an array of tables ([[templates.steps]])")
        made = []
        for j, step in enumerate(steps):
            if not isinstance(step, dict) or set(step) - _STEP_KEYS:
                raise TaskRejected(f"{where}.steps[{j}]: a table with keys {sorted(_STEP_KEYS)}")
            deps = step.get("deps", [])
            if not isinstance(deps, list):
                raise TaskRejected(f"{where}.steps[{j}]: deps must be an array of step names")
            made.append(Step(step.get("name", ""), step.get("capability"), step.get("operator"), tuple(deps),
                             step.get("retries", 0), step.get("timeout")))
        out.append(TaskTemplate(table.get("kind", ""), tuple(made), table.get("evaluator")))
    return out


def read_templates(path: str | os.PathLike[str]) -> list[TaskTemplate]:
    """The ``[[templates]]`` of a TOML file (see :func:`templates_from_toml`)."""
    with open(path, "rb") as fh:
        try:
            data = tomllib.load(fh)
        except tomllib.TOMLDecodeError as exc:
            raise TaskRejected(f"{os.fspath(path)}: not TOML: {exc}") from None
    return templates_from_toml(data)

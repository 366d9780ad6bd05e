"""Agents: what can do a step, each an actor on the conductor's node with declared capabilities.

An :class:`AgentSpec` says what an agent can do (``tasks``: the task kinds and step
capabilities it declares), what it costs, and how it runs (``run(request) -> output``).
:class:`AgentActor` holds one spec and runs it for each ``conductor.agent.run`` message, so
an agent handles one request at a time and its failures reach the step that asked, never the
conductor. The makers here build specs from a Python function, a pool model (each call takes
a lease) and an extension instrument.

A request is a dict: ``{"kind", "input", "context", "step", "inputs"}`` where ``inputs``
maps each dependency step to its output. An output must be JSON-serializable: it is stored.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from ..actors import Actor
from ..envelope import Message
from ..extensions import ExtensionManager, ExtensionManifest
from ._tasks import check_kind
from ._templates import TaskTemplate

__all__ = ["AGENT_MESSAGE", "AgentActor", "AgentSpec", "default_prepare", "instrument_agent", "jsonable", "make_spec",
           "model_agent", "operator_inputs"]

#: The message kind an agent actor runs.
AGENT_MESSAGE = "conductor.agent.run"
SOURCES = ("function", "instrument", "model")


@dataclass(frozen=True)
class AgentSpec:
    """An agent as the conductor knows it.

    ``tasks``: the task kinds and step capabilities it can do. ``run(request)`` does one step.
    ``cost``: its relative cost (a router penalty when the conductor weighs cost). ``source``:
    ``"function"``, ``"instrument"`` (an extension) or ``"model"`` (a pool model). ``propose``:
    optionally, ``propose(task) -> TaskTemplate`` plans a task kind it declares that has no
    declared template. ``meta``: free description (model name, extension id...).
    """

    name: str
    tasks: frozenset[str]
    run: Callable[[dict[str, Any]], Any]
    cost: float = 1.0
    source: str = "function"
    meta: dict[str, Any] = field(default_factory=dict)
    propose: Callable[[dict[str, Any]], TaskTemplate] | None = None


def make_spec(name: Any, tasks: Any, run: Any, *, cost: Any = 1.0, source: str = "function",
              meta: dict[str, Any] | None = None, propose: Any = None) -> AgentSpec:
    """A checked :class:`AgentSpec`; ``TypeError``/``ValueError`` (as ``TaskRejected``) for bad fields."""
    check_kind(name, "agent name")
    if isinstance(tasks, str):
        tasks = (tasks,)
    tasks = frozenset(check_kind(t, "capability") for t in tasks)
    if not tasks:
        raise ValueError(f"agent {name!r} declares no task")
    if not callable(run):
        raise TypeError(f"agent {name!r}: run must be callable, not {type(run).__name__}")
    if propose is not None and not callable(propose):
        raise TypeError(f"agent {name!r}: propose must be callable")
    if isinstance(cost, bool) or not isinstance(cost, (int, float)) or not cost >= 0 or cost == float("inf"):
        raise ValueError(f"agent {name!r}: cost must be a finite number >= 0, not {cost!r}")
    if source not in SOURCES:
        raise ValueError(f"agent {name!r}: source must be one of {SOURCES}")
    return AgentSpec(name, tasks, run, float(cost), source, dict(meta or {}), propose)


class AgentActor(Actor):
    """One agent on the node: runs its spec for each ``conductor.agent.run`` request, one at a time.

    An exception in the agent goes back to the step that asked (and counts as a failure
    there); the actor goes on serving.
    """

    def __init__(self, spec: AgentSpec) -> None:
        self.spec = spec

    def on_receive(self, message: Message[Any]) -> Any:
        if message.kind == AGENT_MESSAGE:
            return self.spec.run(message.payload)
        return super().on_receive(message)


def jsonable(value: Any) -> Any:
    """``value`` with numpy arrays and scalars turned into lists and Python numbers (so a
    model's output can be stored as JSON); anything else is returned as is."""
    tolist = getattr(value, "tolist", None)
    if callable(tolist) and type(value).__module__ == "numpy":
        return tolist()
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    return value


def default_prepare(request: dict[str, Any]) -> tuple[Any, ...]:
    """A model's arguments from a request: the input parsed as JSON if it is JSON (``[[5.1, 3.5,
    1.4, 0.2]]``, ``16``), else a one-item list of the input text (what a text pipeline takes)."""
    text = request["input"]
    try:
        return (json.loads(text),)
    except ValueError:
        return ([text],)


def model_agent(pool: Any, model: str, tasks: Iterable[str] | str, *,
                prepare: Callable[[dict[str, Any]], Any] | None = None, cost: float = 1.0, name: str | None = None,
                version: int | None = None, timeout: float | None = None) -> AgentSpec:
    """An agent that calls pool model ``model``: each request acquires a lease
    (``pool.acquire(model, version, timeout)``), calls the model with ``prepare(request)``
    (a tuple of arguments; :func:`default_prepare` if None) and releases it."""
    prep = prepare or default_prepare

    def run(request: dict[str, Any]) -> Any:
        args = prep(request)
        if not isinstance(args, tuple):
            args = (args,)
        with pool.acquire(model, version, timeout) as loaded:
            return jsonable(loaded(*args))

    return make_spec(name or model, tasks, run, cost=cost, source="model", meta={"model": model, "version": version})


def instrument_agent(manager: ExtensionManager, manifest: ExtensionManifest, *,
                     timeout: float | None = None) -> AgentSpec:
    """An agent for an enabled extension instrument: each request is
    ``manager.run_instrument(id, {"kind", "input", "context"})`` (which activates the
    extension on first use). An instrument whose declared inputs are not all ``str`` gets the
    input parsed as JSON when it parses (``"[5.1, 3.5, 1.4, 0.2]"`` -> a list)."""
    ext_id = manifest.id
    declared = manifest.instrument or {}
    # an instrument declaring inputs other than text gets the input parsed as JSON when it is JSON
    structured = any(t != "str" for t in (declared.get("inputs") or {}).values())

    def run(request: dict[str, Any]) -> Any:
        given: Any = request["input"]
        if structured:
            try:
                given = json.loads(given)
            except ValueError:
                pass
        task = {"kind": request["kind"], "input": given, "context": request["context"]}
        return jsonable(manager.run_instrument(ext_id, task, timeout=timeout))

    return make_spec(ext_id, declared.get("tasks", ()), run, cost=declared.get("cost", 1.0), source="instrument",
                     meta={"extension": ext_id, "version": manifest.version})


def operator_inputs(declared: dict[str, str], request: dict[str, Any]) -> dict[str, Any]:
    """The inputs of an extension operator with the typed signature ``declared`` (name -> type)
    for a step's request (or an evaluator's ``{"output", "task"}``): a name that is a
    dependency step gets that step's output; ``text``/``input``/``output`` get the value the
    operator works on (the evaluated output, else a single dependency's output, else the task's
    input); a name in the task's context gets that. Other names are left out (the host then
    refuses the call as not matching the signature)."""
    deps = request.get("inputs") or {}
    task = request.get("task") or request
    context = task.get("context") or {}
    if "output" in request:
        primary = request["output"]
    elif len(deps) == 1:
        primary = next(iter(deps.values()))
    else:
        primary = task.get("input")
    out: dict[str, Any] = {}
    for name in declared:
        if name in deps:
            out[name] = deps[name]
        elif name in ("text", "input", "output"):
            out[name] = primary
        elif name in context:
            out[name] = context[name]
        elif name == "kind":
            out[name] = task.get("kind")
    return out

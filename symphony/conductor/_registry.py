"""What the conductor knows: agents (and their actors), operators, templates; and planning.

:meth:`Registry.plan` turns a checked task into the template it runs: the kind's declared
template, else one proposed by an agent that declares the kind (checked exactly like a
declared one), else a single step routed among the agents that declare the kind. A kind
nothing can do is refused with ``TaskRejected``.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, Callable

from ..actors import Ref
from ..errors import NoCapableAgent, TaskRejected
from ..extensions import ExtensionManager
from ._agents import AgentSpec, jsonable, operator_inputs
from ._tasks import TaskSpec
from ._templates import TaskTemplate, check_template, single_step

__all__ = ["AgentEntry", "Registry"]


@dataclass(frozen=True)
class AgentEntry:
    """A registered agent: its spec and its actor."""

    spec: AgentSpec
    ref: Ref


class Registry:
    """Agents by name and capability, operators, templates by kind (thread-safe)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.agents: dict[str, AgentEntry] = {}
        self.capable: dict[str, list[str]] = {}
        self.operators: dict[str, Callable[[dict[str, Any]], Any]] = {}
        self.templates: dict[str, TaskTemplate] = {}
        self.extensions: ExtensionManager | None = None

    # -- agents -------------------------------------------------------------------------------

    def add_agent(self, entry: AgentEntry) -> None:
        """Register ``entry``; ``ValueError`` if its name is taken."""
        with self.lock:
            name = entry.spec.name
            if name in self.agents:
                raise ValueError(f"an agent named {name!r} is already registered")
            self.agents[name] = entry
            for capability in sorted(entry.spec.tasks):
                self.capable.setdefault(capability, []).append(name)

    def remove_agent(self, name: str) -> AgentEntry | None:
        """Forget agent ``name``; its entry (None if unknown)."""
        with self.lock:
            entry = self.agents.pop(name, None)
            if entry is not None:
                for capability in entry.spec.tasks:
                    names = self.capable.get(capability, [])
                    if name in names:
                        names.remove(name)
                    if not names:
                        self.capable.pop(capability, None)
            return entry

    def agents_for(self, capability: str) -> list[str]:
        """The agents declaring ``capability``, in registration order; ``NoCapableAgent`` if none."""
        names = self.capable.get(capability)
        if not names:
            raise NoCapableAgent(f"no agent can do {capability!r}")
        return list(names)

    def has_capability(self, capability: str) -> bool:
        """Whether some agent declares ``capability``."""
        return bool(self.capable.get(capability))

    # -- operators ----------------------------------------------------------------------------

    def has_operator(self, name: str) -> bool:
        """Whether ``name`` is a registered Python operator or an enabled extension operator."""
        if name in self.operators:
            return True
        manager = self.extensions
        return manager is not None and name in manager.operators()

    def call_operator(self, name: str, inputs: dict[str, Any], timeout: float | None = None) -> Any:
        """Call operator ``name`` (a Python operator first, else the extension's)."""
        fn = self.operators.get(name)
        if fn is not None:
            return fn(inputs)
        if self.extensions is None:
            raise NoCapableAgent(f"no operator named {name!r}")
        manifest = self.extensions.operators().get(name)
        if manifest is None:
            raise NoCapableAgent(f"no operator named {name!r}")
        declared = (manifest.operator or {}).get("inputs") or {}
        return jsonable(self.extensions.call_operator(name, operator_inputs(declared, inputs), timeout=timeout))

    # -- templates and planning -----------------------------------------------------------------

    def check(self, template: Any, kind: str | None = None) -> TaskTemplate:
        """``template`` checked against what is registered (see ``check_template``)."""
        return check_template(template, kind=kind, has_capability=self.has_capability,
                              has_operator=self.has_operator)

    def kinds(self) -> list[str]:
        """Every task kind something can do: declared templates and agents' capabilities."""
        with self.lock:
            return sorted(set(self.templates) | set(self.capable))

    def plan(self, task: TaskSpec) -> TaskTemplate:
        """The template ``task`` runs (see the module docstring); raises ``TaskRejected`` for an
        unknown kind or a bad proposed template, ``NoCapableAgent`` when a declared template's
        capability has lost its last agent."""
        template = self.templates.get(task.kind)
        if template is not None:
            for step in template.steps:
                if step.capability is not None:
                    self.agents_for(step.capability)
                elif step.operator is not None and not self.has_operator(step.operator):
                    raise NoCapableAgent(f"template {task.kind!r} step {step.name!r}: no operator {step.operator!r}")
            return template
        names = self.capable.get(task.kind)
        if not names:
            raise TaskRejected(f"unknown task kind {task.kind!r}: no template and no agent declares it "
                               f"(known: {', '.join(self.kinds()) or 'none'})")
        for name in list(names):
            entry = self.agents.get(name)
            if entry is not None and entry.spec.propose is not None:
                try:
                    proposed = entry.spec.propose(task.as_dict())
                except Exception as exc:  # noqa: BLE001 - the agent's failure, reported as a refusal
                    raise TaskRejected(f"agent {name!r} could not propose a plan for {task.kind!r}: {exc}") from exc
                try:
                    return self.check(proposed, task.kind)
                except TaskRejected as exc:
                    raise TaskRejected(f"agent {name!r} proposed a bad template: {exc}") from None
        return single_step(task.kind)

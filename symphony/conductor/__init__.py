"""The conductor: takes a task, plans it into a workflow, routes each step to the agent a
contextual bandit expects to do it best, stores each step's output as an artifact with its
quality score, and learns from those scores.

``Conductor(node, store)``; ``add_agent(name, tasks, fn)``, ``add_model(pool, model, tasks)``,
``add_instruments(manager)``; ``add_template(TaskTemplate(kind, (Step(...), ...)))``;
``run(kind, input, context)`` returns a :class:`TaskResult`; ``feedback(task_id, score)``
rewards the route; ``stats()`` per agent. A task is also a ``conductor.task`` message (its TTL
the deadline) to ``conductor.ref``. Routing is a :class:`Router` (LinUCB or Thompson sampling
per ``kind/step`` over :func:`featurize`'s features); ``ConductorTaskHooks`` serves the frontend.
"""

from ._agents import AGENT_MESSAGE, AgentActor, AgentSpec, default_prepare, instrument_agent, model_agent
from ._bandits import LinUCB, ThompsonSampling
from ._conductor import Conductor, ConductorActor
from ._features import featurize
from ._frontend import ConductorTaskHooks, result_json
from ._policy_store import POLICY_NAME, STATS_NAME, stored_stats
from ._quality import TestRun
from ._router import Decision, Router
from ._tasks import MAX_INPUT, TASK_MESSAGE, StepResult, TaskResult, TaskSpec, parse_task
from ._templates import Step, TaskTemplate, read_templates, templates_from_toml

__all__ = [
    "AGENT_MESSAGE",
    "MAX_INPUT",
    "POLICY_NAME",
    "STATS_NAME",
    "TASK_MESSAGE",
    "AgentActor",
    "AgentSpec",
    "Conductor",
    "ConductorActor",
    "ConductorTaskHooks",
    "Decision",
    "LinUCB",
    "Router",
    "Step",
    "StepResult",
    "TaskResult",
    "TaskSpec",
    "TaskTemplate",
    "TestRun",
    "ThompsonSampling",
    "default_prepare",
    "featurize",
    "instrument_agent",
    "model_agent",
    "parse_task",
    "read_templates",
    "result_json",
    "stored_stats",
    "templates_from_toml",
]

"""One task's run: the DAG workflow it becomes, and what each of its steps does.

A task of template ``T`` becomes a ``symphony.dag.Workflow`` named ``conductor-KIND-TASKID``:

- ``#input`` stores the task (kind, input, context) as an artifact whose parents are the
  context's artifacts;
- each step of ``T`` depends on ``#input`` and its own deps. A routed step asks the router
  which capable agent to use (features of the task, key ``KIND/STEP``), asks that agent's
  actor (the message's TTL is what is left of the task's), and stores the output as an
  artifact named ``conductor/KIND/STEP`` with metadata (task id, agent, latency, cost) and
  parents (the input, its deps' outputs, the context's artifacts). An operator step calls
  the operator instead. A failed agent call counts as a failure and rewards it 0;
- ``#evaluate`` (when ``T`` has an evaluator) depends on every step, scores the last
  step's output, rates its artifact (source ``evaluator``) and rewards every routed step.

Retries, step timeouts, cancellation and checkpoints are the DAG tracker's. Nothing is stored
after a task was cancelled or ran out of time.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any, Callable

import numpy as np

from ..dag import RunHandle, Workflow
from ..errors import ConductorError
from ._agents import AGENT_MESSAGE
from ._policy_store import PolicyStore
from ._registry import Registry
from ._router import Router
from ._stats import AgentStats
from ._tasks import TaskSpec, check_score
from ._templates import Step, TaskTemplate

__all__ = ["EVALUATE", "INPUT", "Engine", "TaskRun"]

INPUT = "#input"
EVALUATE = "#evaluate"
logger = logging.getLogger("symphony.conductor")


class TaskRun:
    """The state of one running task (touched by its steps and by the conductor actor)."""

    def __init__(self, task_id: str, spec: TaskSpec, template: TaskTemplate, x: np.ndarray,
                 deadline: float | None, future: Any) -> None:
        self.task_id = task_id
        self.spec = spec
        self.template = template
        self.x = x
        self.deadline = deadline
        self.future = future
        self.handle: RunHandle | None = None
        self.stopped: str | None = None  # "cancelled" or "deadline" once asked to stop

    def remaining(self) -> float | None:
        """Seconds left before the deadline (None: no deadline)."""
        if self.deadline is None:
            return None
        return max(self.deadline - time.monotonic(), 0.0)

    def check_running(self) -> None:
        """Raise if the task was cancelled or ran out of time (so nothing more is stored)."""
        if self.stopped is not None:
            raise ConductorError(f"task {self.task_id} was stopped ({self.stopped})")
        if self.deadline is not None and time.monotonic() >= self.deadline:
            raise ConductorError(f"task {self.task_id} ran out of time")


class Engine:
    """What steps do: route, call agents and operators, store outputs, evaluate, reward."""

    def __init__(self, registry: Registry, store: Any, router: Router, router_lock: Any, stats: AgentStats,
                 policy: PolicyStore) -> None:
        self.registry = registry
        self.store = store
        self.router = router
        self.router_lock = router_lock
        self.stats = stats
        self.policy = policy

    # -- the workflow ---------------------------------------------------------------------------

    def workflow(self, run: TaskRun) -> Workflow:
        """The DAG of ``run``'s task (see the module docstring)."""
        wf = Workflow(f"conductor-{run.spec.kind}-{run.task_id}")
        wf.add(INPUT, self._input_fn(run))
        for step in run.template.steps:
            wf.add(step.name, self._step_fn(run, step), deps=(INPUT, *step.deps), retries=step.retries,
                   timeout=step.timeout)
        if run.template.evaluator is not None:
            wf.add(EVALUATE, self._evaluate_fn(run), deps=tuple(s.name for s in run.template.steps))
        return wf

    def _input_fn(self, run: TaskRun) -> Callable[[], str]:
        def store_input() -> str:
            run.check_running()
            spec = run.spec
            blob = json.dumps({"task_id": run.task_id, **spec.as_dict()}, sort_keys=True).encode()
            return self.store.put(blob, name=f"conductor/{spec.kind}/input",  # type: ignore[no-any-return]
                                  metadata={"task_id": run.task_id, "kind": spec.kind},
                                  parents=spec.context.get("artifacts", ()))

        return store_input

    def _step_fn(self, run: TaskRun, step: Step) -> Callable[..., dict[str, Any]]:
        if step.capability is not None:
            def routed(input_digest: str, *deps: dict[str, Any]) -> dict[str, Any]:
                return self.routed_step(run, step, input_digest, deps)

            return routed

        def operator(input_digest: str, *deps: dict[str, Any]) -> dict[str, Any]:
            return self.operator_step(run, step, input_digest, deps)

        return operator

    def _evaluate_fn(self, run: TaskRun) -> Callable[..., float | None]:
        def evaluate(*outcomes: dict[str, Any]) -> float | None:
            return self.evaluate(run, outcomes)

        return evaluate

    # -- steps ----------------------------------------------------------------------------------

    def _request(self, run: TaskRun, step: Step, deps: tuple[dict[str, Any], ...]) -> dict[str, Any]:
        spec = run.spec
        return {"kind": spec.kind, "input": spec.input, "context": dict(spec.context), "step": step.name,
                "inputs": {d["step"]: d["output"] for d in deps}}

    def routed_step(self, run: TaskRun, step: Step, input_digest: str,
                    deps: tuple[dict[str, Any], ...]) -> dict[str, Any]:
        """Route ``step`` to an agent, ask it, store its output; the step's outcome dict."""
        run.check_running()
        assert step.capability is not None
        names = self.registry.agents_for(step.capability)
        key = f"{run.spec.kind}/{step.name}"
        with self.router_lock:
            decision = self.router.choose(key, names, run.x)
        entry = self.registry.agents[decision.agent]
        request = self._request(run, step, deps)
        started = time.perf_counter()
        try:
            output = entry.ref.ask(AGENT_MESSAGE, request, ttl=run.remaining())
            blob = _blob(run, step.name, entry.spec.name, output)
        except BaseException:
            latency = time.perf_counter() - started
            self.stats.call(entry.spec.name, latency, False)
            self.reward(run, [(key, entry.spec.name, entry.spec.cost, latency)], 0.0)
            raise
        latency = time.perf_counter() - started
        self.stats.call(entry.spec.name, latency, True)
        self.policy.changed()  # the counters and the router's decision counts moved
        digest = self._put(run, step, entry.spec.name, blob, input_digest, deps, latency, entry.spec.cost)
        return {"step": step.name, "agent": entry.spec.name, "output": output, "digest": digest, "latency": latency,
                "explored": bool(decision.explored), "key": key, "cost": entry.spec.cost}

    def operator_step(self, run: TaskRun, step: Step, input_digest: str,
                      deps: tuple[dict[str, Any], ...]) -> dict[str, Any]:
        """Call ``step``'s operator and store its output; the step's outcome dict."""
        run.check_running()
        assert step.operator is not None
        request = self._request(run, step, deps)
        started = time.perf_counter()
        output = self.registry.call_operator(step.operator, request, timeout=run.remaining())
        agent = f"operator:{step.operator}"
        blob = _blob(run, step.name, agent, output)
        latency = time.perf_counter() - started
        digest = self._put(run, step, agent, blob, input_digest, deps, latency, 0.0)
        return {"step": step.name, "agent": agent, "output": output, "digest": digest, "latency": latency,
                "explored": False, "key": None, "cost": 0.0}

    def _put(self, run: TaskRun, step: Step, agent: str, blob: bytes, input_digest: str,
             deps: tuple[dict[str, Any], ...], latency: float, cost: float) -> str:
        run.check_running()
        parents = [input_digest, *(d["digest"] for d in deps), *run.spec.context.get("artifacts", ())]
        return self.store.put(blob, name=f"conductor/{run.spec.kind}/{step.name}",  # type: ignore[no-any-return]
                              metadata={"task_id": run.task_id, "step": step.name, "agent": agent,
                                        "latency": latency, "cost": cost},
                              parents=list(dict.fromkeys(parents)))

    # -- quality --------------------------------------------------------------------------------

    def evaluate(self, run: TaskRun, outcomes: tuple[dict[str, Any], ...]) -> float | None:
        """Score the task's output with its template's evaluator, rate it, reward its steps.

        An evaluator that fails or returns anything but a number in [0, 1] (NaN included)
        leaves the task unscored (logged); the task itself still succeeds.
        """
        final = outcomes[-1]
        evaluator = run.template.evaluator
        assert evaluator is not None
        try:
            raw = self.registry.call_operator(evaluator, {"output": final["output"], "task": run.spec.as_dict()},
                                              timeout=run.remaining())
            score = check_score(raw, f"score from evaluator {evaluator!r}")
        except Exception as exc:  # noqa: BLE001 - a broken evaluator leaves the task unscored
            logger.warning("task %s: evaluator %r gave no score: %s", run.task_id, evaluator, exc)
            return None
        run.check_running()
        self.store.rate(final["digest"], score, source="evaluator")
        self.reward(run, decisions(outcomes), score)
        return score

    def reward(self, run: TaskRun | None, steps: list[tuple[str, str, float, float]], score: float,
               x: np.ndarray | None = None) -> None:
        """Reward each ``(key, agent, cost, latency)`` with ``score`` (features of ``run``, or ``x``)."""
        features = run.x if run is not None else x
        if not steps or features is None:
            return
        with self.router_lock:
            for key, agent, cost, latency in steps:
                self.router.reward(key, agent, features, score, cost=cost, latency=latency)
        for _, agent, _, _ in steps:
            self.stats.quality(agent, score)
        self.policy.changed()


def decisions(outcomes: Any) -> list[tuple[str, str, float, float]]:
    """The routed steps among step outcomes, as ``(key, agent, cost, latency)``."""
    return [(o["key"], o["agent"], o["cost"], o["latency"]) for o in outcomes if o.get("key") is not None]


def _blob(run: TaskRun, step: str, agent: str, output: Any) -> bytes:
    """A step's stored record (JSON); ``TypeError`` if the output is not JSON-serializable."""
    try:
        return json.dumps({"task_id": run.task_id, "kind": run.spec.kind, "step": step, "agent": agent,
                           "output": output}, sort_keys=True, allow_nan=False).encode()
    except (TypeError, ValueError) as exc:
        raise TypeError(f"the output of step {step!r} (agent {agent!r}) cannot be stored as JSON: {exc}") from None

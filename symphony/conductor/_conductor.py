"""``Conductor``: agents, templates and the routing policy of one application, behind an actor.

The conductor actor takes ``conductor.task`` messages (``{"kind", "input", "context"}``,
with a TTL as the task's deadline), checks and plans each task, starts its workflow on
the DAG tracker and replies when it ends (a deferred reply: the actor takes the next task
at once, so tasks run concurrently). ``Conductor.run`` is the same as a call. Results,
quality scores and the learned policy live in the artifact store.
"""

from __future__ import annotations

import logging
import os
import shutil
import threading
import time
import uuid
from typing import Any, Callable, Iterable

from ..actors import Actor, Future, Node, Ref
from ..dag._tracker import Clock
from ..envelope import Message
from ..errors import MessageExpired, TaskFailed, TaskRejected, WorkflowCancelled, WorkflowFailed
from ..extensions import ExtensionManager
from ._agents import AgentActor, AgentSpec, instrument_agent, make_spec, model_agent
from ._features import featurize
from ._history import Record, TaskHistory
from ._policy_store import PolicyStore
from ._registry import AgentEntry, Registry
from ._router import Router
from ._runner import EVALUATE, INPUT, Engine, TaskRun, decisions
from ._stats import AgentStats
from ._tasks import MAX_INPUT, TASK_MESSAGE, StepResult, TaskResult, check_kind, check_score, parse_task
from ._templates import TaskTemplate, read_templates

__all__ = ["Conductor", "ConductorActor"]

logger = logging.getLogger("symphony.conductor")
_FINISH = "conductor.finish"
_DEADLINE = "conductor.deadline"
_CANCEL = "conductor.cancel"
#: Seconds before a task message's expiry at which its workflow is stopped (at most 10% of its TTL).
DEADLINE_MARGIN = 0.05


class Conductor:
    """Routes tasks to agents, runs them as workflows, stores results, learns from quality.

    ``node``: where the conductor, agent and DAG actors live. ``store``: the artifact store
    for outputs, scores and the policy. ``policy``: ``"linucb"`` or ``"thompson"``;
    ``router_options`` go to ``Router`` (alpha, discount, cost_weight, latency_weight,
    exploration, seed); a policy saved in ``store`` is restored instead (and saved at most
    every ``policy_interval`` seconds as it learns). ``checkpoint``: a directory where each
    task's finished steps are recorded durably (``run(task_id=...)`` of the same task then
    resumes). ``max_input``: the longest task input accepted. ``history``: how many finished
    tasks are kept for ``feedback``.
    """

    def __init__(self, node: Node, store: Any, *, policy: str = "linucb", n_features: int = 32,
                 router_options: dict[str, Any] | None = None, policy_interval: float = 1.0,
                 checkpoint: str | os.PathLike[str] | None = None, max_input: int = MAX_INPUT,
                 name: str = "conductor", history: int = 10_000) -> None:
        self.node = node
        self.store = store
        self.n_features = int(n_features)
        self.max_input = int(max_input)
        self.checkpoint = None if checkpoint is None else os.fspath(checkpoint)
        self.registry = Registry()
        self.stats_counter = AgentStats()
        self.policy_store = PolicyStore(store, policy_interval)
        options = dict(router_options or {})
        self.router, self.restored = self.policy_store.load(
            lambda: Router(policy=policy, n_features=self.n_features, **options), self.stats_counter)
        self._router_lock = threading.Lock()
        self.policy_store.attach(self.router, self.stats_counter, self._router_lock)
        self.engine = Engine(self.registry, store, self.router, self._router_lock, self.stats_counter,
                             self.policy_store)
        self._running: dict[str, TaskRun] = {}
        self.history = TaskHistory(store, history, n_features=self.n_features, max_input=self.max_input)
        self._closed = False
        self.ref: Ref = node.spawn(ConductorActor, self, name=name)
        self._clock = Clock(self.ref)

    # -- agents, operators, templates -------------------------------------------------------------

    def add(self, spec: AgentSpec) -> AgentSpec:
        """Register an agent from its spec: one ``AgentActor`` on the node."""
        ref = self.node.spawn(AgentActor, spec, name=f"conductor.agent.{spec.name}.{uuid.uuid4().hex[:8]}")
        try:
            self.registry.add_agent(AgentEntry(spec, ref))
        except BaseException:
            ref.stop(block=False)
            raise
        return spec

    def add_agent(self, name: str, tasks: Iterable[str] | str, fn: Callable[[dict[str, Any]], Any], *,
                  cost: float = 1.0, propose: Callable[[dict[str, Any]], TaskTemplate] | None = None) -> AgentSpec:
        """An agent running ``fn(request) -> output`` for the task kinds/capabilities ``tasks``.

        ``request`` is ``{"kind", "input", "context", "step", "inputs"}``; the output must be
        JSON-serializable. ``propose(task) -> TaskTemplate`` may plan kinds without a template.
        """
        return self.add(make_spec(name, tasks, fn, cost=cost, propose=propose))

    def add_model(self, pool: Any, model_name: str, tasks: Iterable[str] | str,
                  prepare: Callable[[dict[str, Any]], Any] | None = None, *, cost: float = 1.0,
                  name: str | None = None, version: int | None = None, timeout: float | None = None) -> AgentSpec:
        """An agent calling pool model ``model_name`` through a lease per request (see ``model_agent``)."""
        return self.add(model_agent(pool, model_name, tasks, prepare=prepare, cost=cost, name=name,
                                    version=version, timeout=timeout))

    def add_instruments(self, manager: ExtensionManager, *, timeout: float | None = None) -> list[AgentSpec]:
        """Every enabled instrument of an ``ExtensionManager`` as an agent (activated lazily,
        on its first task: the host fires ``onTask:KIND``), and the manager's enabled operators
        as operators for template steps and evaluators. Instruments enabled later need
        another call (those already added are kept)."""
        self.registry.extensions = manager
        added = []
        for manifest in manager.instruments():
            if manifest.id not in self.registry.agents:
                added.append(self.add(instrument_agent(manager, manifest, timeout=timeout)))
        return added

    def remove_agent(self, name: str) -> None:
        """Stop routing to agent ``name`` and stop its actor (``KeyError`` if unknown)."""
        entry = self.registry.remove_agent(name)
        if entry is None:
            raise KeyError(name)
        entry.ref.stop(block=False)

    def add_operator(self, name: str, fn: Callable[[dict[str, Any]], Any]) -> None:
        """A Python operator: a template step (``Step(operator=name)``, called with the step's
        request) or an evaluator (called with ``{"output", "task"}``, returns a score in [0, 1])."""
        check_kind(name, "operator name")
        if not callable(fn):
            raise TypeError(f"operator {name!r} must be callable")
        with self.registry.lock:
            self.registry.operators[name] = fn

    def add_template(self, template: TaskTemplate) -> TaskTemplate:
        """Declare how a kind is planned; checked now (``TaskRejected`` if it cannot run)."""
        checked = self.registry.check(template)
        with self.registry.lock:
            self.registry.templates[checked.kind] = checked
        return checked

    def load_templates(self, path: str | os.PathLike[str]) -> list[TaskTemplate]:
        """Add the ``[[templates]]`` of a TOML file (all checked before any is added)."""
        found = [self.registry.check(t) for t in read_templates(path)]
        for template in found:
            self.add_template(template)
        return found

    def kinds(self) -> list[str]:
        """The task kinds this conductor can run."""
        return self.registry.kinds()

    # -- tasks ------------------------------------------------------------------------------------

    def run(self, kind: str, input: str, context: dict[str, Any] | None = None, *, timeout: float | None = None,
            progress: bool = False, on_event: Callable[[dict[str, Any]], None] | None = None,
            task_id: str | None = None) -> TaskResult:
        """Run a task and return its result: a ``conductor.task`` message (TTL ``timeout``) to
        the conductor actor.

        Raises ``TaskRejected`` (bad kind, input, context or plan: nothing ran or was stored),
        ``NoCapableAgent``, ``TaskFailed`` (a step failed after its retries, or ``timeout``
        passed: ``.steps`` holds the finished steps' digests). ``progress``: a tqdm bar on
        stderr; ``on_event``: each workflow event dict; ``task_id``: resume that task from
        the conductor's checkpoint.
        """
        payload = {"kind": kind, "input": input, "context": context}
        started: list[Future[TaskResult]] = []
        message = Message(TASK_MESSAGE, payload, ttl=timeout,
                          metadata={"task_id": task_id, "progress": progress, "on_event": on_event, "started": started})
        try:
            return self.ref.ask_async(message).get()  # type: ignore[no-any-return]
        except MessageExpired:
            # The reply to a message is due by its TTL; the task's own failure (with the steps
            # it finished) follows as soon as its workflow has stopped.
            if not started:
                raise TaskFailed(f"task ({kind}) ran out of time before it started") from None
            return started[0].get(30.0)

    def cancel(self, task_id: str) -> None:
        """Stop a running task: no new step starts; it fails with ``TaskFailed`` (finished steps kept)."""
        self.ref.tell(_CANCEL, task_id)

    def feedback(self, task: str, score: float, source: str = "user") -> None:
        """A quality score (in [0, 1]) for a finished task (its id, or the digest of its result or
        of one of its steps): rated on its result artifact under ``source`` and rewarding
        every routed step. Raises ``TaskRejected`` for a score that is not a number in [0, 1]
        (NaN included) or a task this conductor does not know; nothing changes then."""
        score = check_score(score)
        if not isinstance(source, str) or not source or len(source) > 100 or "\0" in source:
            raise TaskRejected(f"a feedback source must be a short non-empty str, not {source!r}")
        record = self.history.find(task)
        if record is None:
            raise TaskRejected(f"no finished task {task!r} is known to this conductor or its store")
        self.store.rate(record.digest, score, source=source)
        self.engine.reward(None, record.steps, score, x=record.x)

    def knows(self, task: str) -> bool:
        """Whether ``feedback`` can score ``task``: the id of a task this conductor finished, or
        the digest of a step's output in the store (of a task run by any conductor on it)."""
        return self.history.find(task) is not None

    def stats(self) -> dict[str, dict[str, Any]]:
        """Per agent: calls, failures, mean quality, mean latency, decisions, explored, regret estimate."""
        with self._router_lock:
            router_stats = self.router.stats()
        return self.stats_counter.report(router_stats)

    def save_policy(self) -> bool:
        """Save the routing policy and counters now if they changed (True if saved)."""
        return self.policy_store.flush()

    def close(self) -> None:
        """Cancel running tasks, save the policy, stop the conductor's and agents' actors."""
        if self._closed:
            return
        self._closed = True
        for run in list(self._running.values()):
            if run.handle is not None:
                run.stopped = "cancelled"
                run.handle.cancel()
        for run in list(self._running.values()):
            try:
                run.future.get(10.0)
            except Exception:  # noqa: BLE001 - cancelled tasks fail; we only wait for them
                pass
        self._clock.close()
        self.policy_store.close()
        self.ref.stop(timeout=5.0)
        for name in list(self.registry.agents):
            entry = self.registry.remove_agent(name)
            if entry is not None:
                entry.ref.stop(timeout=5.0)

    def __enter__(self) -> Conductor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- inside the actor ---------------------------------------------------------------------------

    def _start(self, message: Message[Any]) -> Future[TaskResult]:
        if self._closed:
            raise TaskRejected("the conductor is closed")
        spec = parse_task(message.payload, max_input=self.max_input)
        missing = [d for d in spec.context.get("artifacts", ()) if not self.store.has(d)]
        if missing:
            raise TaskRejected(f"task context names artifacts not in the store: {', '.join(missing)}")
        template = self.registry.plan(spec)
        meta = message.metadata
        task_id = meta.get("task_id") or uuid.uuid4().hex
        if not isinstance(task_id, str) or task_id in self._running or not task_id.isalnum() or len(task_id) > 64:
            raise TaskRejected(f"task id {task_id!r} is not a fresh id of letters and digits")
        x = featurize(spec.kind, spec.input, spec.context, self.n_features)
        remaining = message.remaining()
        deadline = None if remaining is None else time.monotonic() + remaining
        future: Future[TaskResult] = Future(label=f"task {task_id}")
        started = meta.get("started")
        if isinstance(started, list):
            started.append(future)
        run = TaskRun(task_id, spec, template, x, deadline, future)
        user_event = meta.get("on_event")
        ref = self.ref

        def on_event(event: dict[str, Any]) -> None:
            if user_event is not None:
                user_event({**event, "task_id": task_id})
            if event["event"] in ("workflow.finished", "workflow.failed", "workflow.cancelled"):
                ref.tell(_FINISH, task_id)

        workflow = self.engine.workflow(run)
        checkpoint = None if self.checkpoint is None else os.path.join(self.checkpoint, task_id)
        self._running[task_id] = run
        try:
            run.handle = workflow.run_async(node=self.node, on_event=on_event, progress=bool(meta.get("progress")),
                                            checkpoint=checkpoint)
        except BaseException:
            del self._running[task_id]
            raise
        if deadline is not None:
            # stop the workflow a little before the message expires, so the asker gets the
            # task's TaskFailed (with its finished steps) rather than a bare MessageExpired
            self._clock.at(deadline - min(DEADLINE_MARGIN, 0.1 * (remaining or 0.0)), _DEADLINE, task_id)
        return future

    def _stop(self, task_id: str, why: str) -> None:
        run = self._running.get(task_id)
        if run is not None and run.handle is not None and run.stopped is None:
            run.stopped = why
            run.handle.cancel()

    def _finish(self, task_id: str) -> None:
        run = self._running.pop(task_id, None)
        if run is None or run.handle is None:
            return
        failure: str | None = None
        try:
            results = run.handle.result(30.0)
        except WorkflowCancelled as exc:
            results = exc.results
            failure = "it ran out of time" if run.stopped == "deadline" else "it was cancelled"
        except WorkflowFailed as exc:
            results = exc.results
            failure = "; ".join(f"step {name!r} failed: {type(err).__name__}: {err}"
                                for name, err in sorted(exc.failures.items()))
        except Exception as exc:  # noqa: BLE001 - the run itself broke: the task failed
            results, failure = {}, f"{type(exc).__name__}: {exc}"
        steps = {name: r["digest"] for name, r in results.items() if name not in (INPUT, EVALUATE)}
        if failure is not None:
            run.future.set_exception(TaskFailed(
                f"task {task_id} ({run.spec.kind}) failed: {failure}; {len(steps)} step(s) finished", steps=steps))
            return
        quality = results.get(EVALUATE)
        outcomes = [results[s.name] for s in run.template.steps]
        final = outcomes[-1]
        result = TaskResult(task_id, run.spec.kind, final["output"], final["digest"],
                            {o["step"]: StepResult(o["agent"], o["digest"], quality, o["latency"], o["explored"])
                             for o in outcomes}, quality)
        self.history.add(task_id, Record(run.spec.kind, run.x, decisions(outcomes), final["digest"]),
                         [o["digest"] for o in outcomes])
        if self.checkpoint is not None:  # done: nothing left to resume
            shutil.rmtree(os.path.join(self.checkpoint, task_id), ignore_errors=True)
        run.future.set(result)


class ConductorActor(Actor):
    """The conductor on its node: ``conductor.task`` (reply: the ``TaskResult``, deferred),
    ``conductor.cancel`` (a task id), ``conductor.feedback`` (``{"task", "score", "source"?}``),
    ``conductor.stats`` and ``conductor.kinds``. A bad message gets its typed error back; the
    actor keeps serving."""

    def __init__(self, conductor: Conductor) -> None:
        self.conductor = conductor

    def on_receive(self, message: Message[Any]) -> Any:
        kind = message.kind
        conductor = self.conductor
        if kind == TASK_MESSAGE:
            return conductor._start(message)
        if kind == _FINISH:
            conductor._finish(message.payload)
        elif kind == _DEADLINE:
            conductor._stop(message.payload, "deadline")
        elif kind == _CANCEL:
            conductor._stop(message.payload, "cancelled")
        elif kind == "conductor.feedback":
            payload = message.payload
            if not isinstance(payload, dict) or "task" not in payload or "score" not in payload:
                raise TaskRejected("conductor.feedback takes {'task': id or digest, 'score': number}")
            conductor.feedback(payload["task"], payload["score"], payload.get("source", "user"))
        elif kind == "conductor.stats":
            return conductor.stats()
        elif kind == "conductor.kinds":
            return conductor.kinds()
        else:
            return super().on_receive(message)
        return None

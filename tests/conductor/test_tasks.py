"""Tasks in, results out: messages with a TTL, templates declared and proposed, lineage."""

from __future__ import annotations

import json

import pytest

from symphony.conductor import TASK_MESSAGE, AgentActor, Step, TaskTemplate
from symphony.envelope import Message
from symphony.errors import NoCapableAgent, TaskRejected


def chain_template(kind: str = "chain") -> TaskTemplate:
    return TaskTemplate(kind, (Step("a", capability="upper"), Step("b", capability="reverse", deps=("a",))))


@pytest.fixture
def chain(conductor):
    conductor.add_agent("up", "upper", lambda r: r["input"].upper())
    conductor.add_agent("rev", "reverse", lambda r: r["inputs"]["a"][::-1])
    conductor.add_template(chain_template())
    return conductor


def test_agents_are_actors_with_declared_capabilities(chain, node):
    entry = chain.registry.agents["up"]
    assert entry.spec.tasks == frozenset({"upper"})
    assert entry.ref.is_alive and entry.ref.name in node
    assert chain.kinds() == ["chain", "reverse", "upper"]
    assert isinstance(entry.ref, type(chain.ref))
    assert AgentActor.__name__ in repr(entry.ref) or entry.ref.name.startswith("conductor.agent.up.")


def test_a_task_as_a_message_with_ttl_to_the_conductor_actor(chain, store):
    result = chain.ref.ask(Message(TASK_MESSAGE, {"kind": "chain", "input": "hello", "context": None}, ttl=30.0))
    assert result.output == "OLLEH"
    assert result.steps["a"].agent == "up" and result.steps["b"].agent == "rev"
    record = json.loads(store.get(result.digest))
    assert record["output"] == "OLLEH" and record["task_id"] == result.task_id and record["step"] == "b"
    assert store.latest("conductor/chain/b") == result.digest


def test_each_step_is_an_artifact_with_lineage_to_its_inputs(chain, store):
    parent = store.put(b"a document the task is about")
    result = chain.run("chain", "hello", {"artifacts": [parent], "path": "x.py"})
    a, b = result.steps["a"].digest, result.steps["b"].digest
    lineage = store.lineage(b)
    task_input = store.latest("conductor/chain/input")
    assert set(lineage[b]) == {task_input, a, parent}
    assert set(lineage[a]) == {task_input, parent}
    assert lineage[task_input] == [parent]
    meta = store.stat(a).metadata
    assert meta["task_id"] == result.task_id and meta["agent"] == "up" and meta["latency"] >= 0 and meta["cost"] == 1.0
    assert json.loads(store.get(task_input))["input"] == "hello"


def test_a_kind_without_template_is_one_routed_step(conductor):
    conductor.add_agent("len", "count", lambda r: len(r["input"]))
    result = conductor.run("count", "four")
    assert result.output == 4 and list(result.steps) == ["count"]


def test_agent_proposed_template_is_used_when_valid(conductor):
    conductor.add_agent("up", "upper", lambda r: r["input"].upper())
    conductor.add_agent("planner", "shout", lambda r: r["inputs"]["loud"] + "!",
                        propose=lambda task: TaskTemplate("shout", (Step("loud", capability="upper"),
                                                                    Step("bang", capability="shout", deps=("loud",)))))
    result = conductor.run("shout", "hey")
    assert result.output == "HEY!" and list(result.steps) == ["loud", "bang"]


@pytest.mark.parametrize("bad", [
    TaskTemplate("shout", (Step("x", capability="nobody-declares-this"),)),
    TaskTemplate("other-kind", (Step("x", capability="shout"),)),
    TaskTemplate("shout", (Step("x", capability="shout", deps=("y",)), Step("y", capability="shout", deps=("x",)))),
    TaskTemplate("shout", (Step("x", capability="shout", deps=("missing",)),)),
    TaskTemplate("shout", (Step("x", capability="shout"), Step("x", capability="shout"))),
    TaskTemplate("shout", (Step("x", capability="shout", operator="op"),)),
    TaskTemplate("shout", (Step("x", capability="shout", retries=-1),)),
    TaskTemplate("shout", (Step("x", capability="shout", timeout=float("nan")),)),
    TaskTemplate("shout", ()),
    TaskTemplate("shout", (Step("x", capability="shout"),), evaluator="no-such-operator"),
    "not a template",
])
def test_a_bad_proposed_template_is_rejected_and_nothing_runs_or_is_stored(conductor, store, bad):
    calls = []
    conductor.add_agent("planner", "shout", lambda r: calls.append(r) or "ran", propose=lambda task: bad)
    before = len(store)
    with pytest.raises(TaskRejected, match="proposed a bad template"):
        conductor.run("shout", "hey")
    assert calls == [] and len(store) == before and store.names("conductor/") == []
    if not (isinstance(bad, TaskTemplate) and bad.kind == "other-kind"):  # fine as that kind's own template
        with pytest.raises(TaskRejected):
            conductor.add_template(bad)  # a declared template is checked the same way


def test_declared_templates_from_toml(conductor, tmp_path):
    conductor.add_agent("up", "upper", lambda r: r["input"].upper())
    conductor.add_agent("rev", "reverse", lambda r: r["inputs"]["a"][::-1])
    path = tmp_path / "templates.toml"
    path.write_text('[[templates]]\nkind = "chain"\n[[templates.steps]]\nname = "a"\ncapability = "upper"\n'
                    'retries = 1\n[[templates.steps]]\nname = "b"\ncapability = "reverse"\ndeps = ["a"]\n')
    assert [t.kind for t in conductor.load_templates(path)] == ["chain"]
    assert conductor.run("chain", "abc").output == "CBA"
    path.write_text('[[templates]]\nkind = "chain"\nsurprise = 1\n')
    with pytest.raises(TaskRejected):
        conductor.load_templates(path)


def test_operator_steps(conductor, store):
    conductor.add_agent("up", "upper", lambda r: r["input"].upper())
    conductor.add_operator("words", lambda req: len(req["inputs"]["a"].split()))
    conductor.add_template(TaskTemplate("wc", (Step("a", capability="upper"), Step("n", operator="words", deps=("a",)))))
    result = conductor.run("wc", "one two three")
    assert result.output == 3 and result.steps["n"].agent == "operator:words"
    assert result.steps["a"].digest in store.lineage(result.digest)


def test_a_template_whose_agent_is_gone_raises_no_capable_agent(chain, store):
    chain.remove_agent("rev")
    with pytest.raises(NoCapableAgent):
        chain.run("chain", "x")
    assert store.names("conductor/") == []

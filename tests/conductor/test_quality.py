"""Quality: an evaluator operator, user feedback and a real test run score results, are stored
with the artifact (store.rate) and reward the router, which then prefers the better agent."""

from __future__ import annotations

import math
import sys

import pytest

from symphony.conductor import Step, TaskTemplate, TestRun
from symphony.errors import TaskRejected


def test_evaluator_scores_rates_and_rewards(conductor, store):
    conductor.add_agent("good", "answer", lambda r: "42")
    conductor.add_operator("exact", lambda req: 1.0 if req["output"] == "42" else 0.0)
    conductor.add_template(TaskTemplate("ask", (Step("answer", capability="answer"),), evaluator="exact"))
    result = conductor.run("ask", "the question")
    assert result.quality == 1.0 and result.steps["answer"].quality == 1.0
    assert store.stat(result.digest).ratings == {"evaluator": 1.0}
    assert conductor.stats()["good"]["mean_quality"] == 1.0
    assert conductor.router.stats()["ask/answer"]["good"]["decisions"] == 1


def test_routing_learns_the_better_agent_from_evaluator_scores(conductor):
    conductor.add_agent("sloppy", "answer", lambda r: "41")
    conductor.add_agent("careful", "answer", lambda r: "42")
    conductor.add_operator("exact", lambda req: 1.0 if req["output"] == "42" else 0.0)
    conductor.add_template(TaskTemplate("ask", (Step("answer", capability="answer"),), evaluator="exact"))
    chosen = [conductor.run("ask", f"question {i}").steps["answer"].agent for i in range(60)]
    assert chosen[-20:].count("careful") >= 18
    stats = conductor.stats()
    assert stats["careful"]["mean_quality"] == 1.0 and stats["sloppy"]["mean_quality"] == 0.0


@pytest.mark.parametrize("bad", [float("nan"), 1.5, -0.1, "high", None, float("inf")])
def test_a_broken_evaluator_leaves_the_task_unscored(conductor, store, bad):
    conductor.add_agent("a", "answer", lambda r: "x")
    conductor.add_operator("broken", lambda req: bad)
    conductor.add_template(TaskTemplate("ask", (Step("answer", capability="answer"),), evaluator="broken"))
    result = conductor.run("ask", "q")
    assert result.quality is None and store.stat(result.digest).ratings == {}
    assert conductor.stats()["a"]["scored"] == 0


def test_user_feedback_by_task_id_or_digest(conductor, store):
    conductor.add_agent("a", "answer", lambda r: "x")
    result = conductor.run("answer", "q")
    conductor.feedback(result.task_id, 0.25)
    assert store.stat(result.digest).ratings == {"user": 0.25}
    conductor.feedback(result.digest, 0.75, source="reviewer")
    assert store.stat(result.digest).ratings == {"user": 0.25, "reviewer": 0.75}
    assert conductor.stats()["a"]["scored"] == 2 and conductor.stats()["a"]["mean_quality"] == 0.5


@pytest.mark.parametrize("score", [float("nan"), float("inf"), 2.0, -1, "1", None, True])
def test_bad_feedback_is_refused_and_changes_nothing(conductor, store, score):
    conductor.add_agent("a", "answer", lambda r: "x")
    result = conductor.run("answer", "q")
    policy = conductor.router.to_bytes()
    with pytest.raises(TaskRejected):
        conductor.feedback(result.task_id, score)
    assert store.stat(result.digest).ratings == {} and conductor.router.to_bytes() == policy
    with pytest.raises(TaskRejected):
        conductor.feedback("no-such-task", 0.5)
    conductor.feedback(result.task_id, 1.0)
    assert store.stat(result.digest).quality == 1.0


def test_feedback_as_a_message(conductor, store):
    conductor.add_agent("a", "answer", lambda r: "x")
    result = conductor.run("answer", "q")
    conductor.ref.ask("conductor.feedback", {"task": result.task_id, "score": 0.5})
    assert store.stat(result.digest).ratings == {"user": 0.5}
    with pytest.raises(TaskRejected):
        conductor.ref.ask("conductor.feedback", {"task": result.task_id, "score": math.nan})
    assert conductor.ref.ask("conductor.kinds") == ["answer"]


PROJECT_TESTS = '''
from solution import add, sub

def test_add():
    assert add(2, 3) == 5

def test_add_negative():
    assert add(-2, -3) == -5

def test_sub():
    assert sub(5, 3) == 2

def test_sub_zero():
    assert sub(5, 0) == 5
'''


def test_a_test_run_scores_code_by_the_share_of_tests_passing(conductor, store, tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    (project / "test_solution.py").write_text(PROJECT_TESTS)
    (project / "solution.py").write_text("def add(a, b):\n    raise NotImplementedError\n")
    conductor.add_operator("tests", TestRun(project, "solution.py", python=sys.executable))
    # one agent writes code that passes half of the tests, the other all of them
    conductor.add_agent("half", "write", lambda r: "def add(a, b):\n    return a + b\ndef sub(a, b):\n    return a\n")
    conductor.add_template(TaskTemplate("implement", (Step("write", capability="write"),), evaluator="tests"))
    result = conductor.run("implement", "add and sub")
    assert result.quality == pytest.approx(0.75)  # sub(5, 0) == 5 passes by luck
    assert store.stat(result.digest).ratings == {"evaluator": pytest.approx(0.75)}
    assert "NotImplementedError" in (project / "solution.py").read_text()  # the project itself is untouched
    assert TestRun(project, "solution.py")({"output": "def add(a, b): return a + b\ndef sub(a, b): return a - b\n"}) == 1.0
    assert TestRun(project, "solution.py")({"output": "syntax error ("}) == 0.0
    with pytest.raises(ValueError):
        TestRun(project, "../outside.py")


def test_feedback_on_a_stored_result_after_a_restart(make_conductor, store):
    first = make_conductor()
    first.add_agent("up", "upper", lambda r: r["input"].upper())
    first.add_agent("rev", "reverse", lambda r: r["inputs"]["a"][::-1])
    first.add_operator("len", lambda req: len(req["inputs"]["b"]))
    first.add_template(TaskTemplate("chain", (Step("a", capability="upper"), Step("b", capability="reverse", deps=("a",)),
                                              Step("n", operator="len", deps=("b",)))))
    result = first.run("chain", "hello", {"path": "x.py"})
    first.close()
    second = make_conductor()  # a new conductor on the same store: no history in memory
    assert second.knows(result.digest) and second.knows(result.steps["a"].digest)
    assert not second.knows(result.task_id) and not second.knows("0" * 32)
    assert not second.knows(store.latest("conductor/chain/input"))  # an input is not a result
    before = second.router.to_bytes()
    second.feedback(result.digest, 0.8)
    assert store.stat(result.digest).ratings == {"user": 0.8}
    assert second.router.to_bytes() != before  # both routed steps were rewarded
    stats = second.stats()
    assert stats["up"]["scored"] == 1 and stats["rev"]["scored"] == 1 and stats["up"]["mean_quality"] == 0.8
    with pytest.raises(TaskRejected):
        second.feedback("f" * 32, 0.5)


def test_feedback_history_is_bounded(make_conductor):
    conductor = make_conductor(history=3)
    conductor.add_agent("a", "answer", lambda r: r["input"])
    results = [conductor.run("answer", f"q{i}") for i in range(5)]
    assert [conductor.knows(r.task_id) for r in results] == [False, False, True, True, True]
    assert len(conductor.history) == 3
    conductor.feedback(results[0].digest, 1.0)  # still found, from the store

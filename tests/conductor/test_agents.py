"""Agents from functions and from pool models: a model agent takes a real lease on a real
iris classifier served by the pool manager."""

from __future__ import annotations

import json

import pytest

from symphony.conductor import default_prepare
from symphony.errors import TaskFailed
from tests.conductor.conftest import IRIS_ROW


def test_a_pool_model_agent_acquires_a_lease_and_calls_the_real_model(conductor, node, iris_repo, store):
    from symphony.pool import Pool

    pool = Pool(node, iris_repo, prewarm=False)
    try:
        leased = []
        real_acquire = pool.acquire

        def counting_acquire(*args, **kwargs):
            lease = real_acquire(*args, **kwargs)
            leased.append(lease)
            return lease

        pool.acquire = counting_acquire
        conductor.add_model(pool, "iris", "classify-iris")
        setosa = conductor.run("classify-iris", json.dumps([IRIS_ROW]))
        virginica = conductor.run("classify-iris", json.dumps([[6.9, 3.1, 5.4, 2.1]]))
        assert setosa.output == [0] and virginica.output == [2]
        assert len(leased) == 2  # one lease per request (given back: live_leases below)
        row = pool.statistics("iris")["models"][0]
        assert row["state"] == "READY" and row["hits"] + row["misses"] >= 2 and row["live_leases"] == 0
        assert json.loads(store.get(setosa.digest))["agent"] == "iris"
        assert conductor.registry.agents["iris"].spec.source == "model"
    finally:
        pool.close()


def test_a_model_agent_with_bad_input_fails_the_task_and_the_conductor_serves_on(conductor, node, iris_repo):
    from symphony.pool import Pool

    pool = Pool(node, iris_repo, prewarm=False)
    try:
        conductor.add_model(pool, "iris", "classify-iris")
        with pytest.raises(TaskFailed):
            conductor.run("classify-iris", json.dumps([["not", "numbers"]]))
        assert conductor.stats()["iris"]["failures"] == 1
        assert conductor.run("classify-iris", json.dumps([IRIS_ROW])).output == [0]
    finally:
        pool.close()


def test_default_prepare():
    assert default_prepare({"input": "[[1, 2]]"}) == ([[1, 2]],)
    assert default_prepare({"input": "16"}) == (16,)
    assert default_prepare({"input": "def f(): pass"}) == (["def f(): pass"],)


@pytest.mark.parametrize("args", [
    ("", "t", lambda r: 1), ("a b", "t", lambda r: 1), ("a", [], lambda r: 1), ("a", ["bad kind"], lambda r: 1),
    ("a", "t", "not callable"),
])
def test_bad_agent_declarations_are_refused(conductor, args):
    with pytest.raises((TypeError, ValueError)):
        conductor.add_agent(*args)
    assert conductor.registry.agents == {}


def test_agent_names_are_unique_and_bad_costs_refused(conductor):
    conductor.add_agent("a", "t", lambda r: 1)
    with pytest.raises(ValueError):
        conductor.add_agent("a", "t", lambda r: 2)
    for cost in (float("nan"), -1, float("inf"), "1"):
        with pytest.raises(ValueError):
            conductor.add_agent("b", "t", lambda r: 1, cost=cost)
    assert list(conductor.registry.agents) == ["a"]


def test_an_output_that_is_not_json_fails_the_step(conductor, store):
    conductor.add_agent("weird", "t", lambda r: object())
    with pytest.raises(TaskFailed, match="JSON"):
        conductor.run("t", "x")
    assert store.versions("conductor/t/t") == []


def test_operator_inputs_follow_the_declared_signature():
    from symphony.conductor._agents import operator_inputs

    step = {"kind": "k", "input": "task text", "context": {"language": "python"}, "step": "s",
            "inputs": {"draft": "draft text"}}
    assert operator_inputs({"text": "str"}, step) == {"text": "draft text"}
    assert operator_inputs({"draft": "str", "language": "str"}, step) == {"draft": "draft text", "language": "python"}
    assert operator_inputs({"text": "str"}, {**step, "inputs": {}}) == {"text": "task text"}
    evaluator = {"output": "the result", "task": {"kind": "k", "input": "task text", "context": {}}}
    assert operator_inputs({"text": "str", "kind": "str", "unknown": "int"}, evaluator) == {"text": "the result",
                                                                                           "kind": "k"}

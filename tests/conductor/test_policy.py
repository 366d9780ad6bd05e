"""The routing policy lives in the artifact store: restored by the next conductor on the same
store, after a clean close and after the process was killed with SIGKILL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

import pytest

from symphony.conductor import POLICY_NAME, STATS_NAME, Step, TaskTemplate

TRAIN = textwrap.dedent('''
    import sys, time
    from symphony.artifacts import ArtifactStore
    from symphony.conductor import Conductor, Step, TaskTemplate
    store = ArtifactStore(sys.argv[1], index=False)
    conductor = Conductor(__import__("symphony").Node("trainer"), store, policy_interval=0.05)
    conductor.add_agent("first", "answer", lambda r: "41")
    conductor.add_agent("second", "answer", lambda r: "42")
    conductor.add_operator("exact", lambda req: 1.0 if req["output"] == "42" else 0.0)
    conductor.add_template(TaskTemplate("ask", (Step("answer", capability="answer"),), evaluator="exact"))
    for i in range(40):
        conductor.run("ask", "question %d" % i)
    # wait (for a state, not a duration) until the saver thread has stored what was learnt
    while store.get(store.latest("conductor/policy")) != conductor.router.to_bytes():
        time.sleep(0.01)
    print("trained", conductor.stats()["second"]["calls"], flush=True)
    time.sleep(600)  # killed with SIGKILL long before this
''')


def add_agents(conductor):
    conductor.add_agent("first", "answer", lambda r: "41")
    conductor.add_agent("second", "answer", lambda r: "42")
    conductor.add_template(TaskTemplate("ask", (Step("answer", capability="answer"),)))


def test_policy_survives_kill_9(tmp_path, node):
    from symphony.artifacts import ArtifactStore
    from symphony.conductor import Conductor

    path = tmp_path / "store"
    proc = subprocess.Popen([sys.executable, "-c", TRAIN, str(path)], stdout=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        assert line.startswith("trained"), line
        trained_calls = int(line.split()[1])
        os.kill(proc.pid, signal.SIGKILL)
        assert proc.wait(30) == -signal.SIGKILL
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(30)
        proc.stdout.close()
    store = ArtifactStore(path, node=node, index=False)
    try:
        conductor = Conductor(node, store)
        try:
            assert conductor.restored
            assert conductor.stats()["second"]["calls"] == trained_calls  # counters came back too
            add_agents(conductor)
            picks = [conductor.run("ask", f"new question {i}").steps["answer"] for i in range(10)]
            assert [p.agent for p in picks] == ["second"] * 10
            assert not any(p.explored for p in picks)
        finally:
            conductor.close()
    finally:
        store.close()


def test_policy_is_saved_on_close_and_restored(make_conductor, store):
    first = make_conductor(policy_interval=3600)  # only close saves
    add_agents(first)
    first.add_operator("exact", lambda req: 1.0 if req["output"] == "42" else 0.0)
    first.add_template(TaskTemplate("ask", (Step("answer", capability="answer"),), evaluator="exact"))
    for i in range(30):
        first.run("ask", f"q{i}")
    learnt = first.router.to_bytes()
    first.close()
    assert store.get(store.latest(POLICY_NAME)) == learnt
    assert store.versions(STATS_NAME)
    second = make_conductor()
    assert second.restored and second.router.to_bytes() == learnt


def test_a_corrupt_policy_is_replaced_by_a_fresh_one(make_conductor, store, caplog):
    store.put(b"\x00 not a policy", name=POLICY_NAME)
    conductor = make_conductor()
    assert not conductor.restored
    assert "cannot be used" in caplog.text
    conductor.add_agent("a", "t", lambda r: 1)
    assert conductor.run("t", "x").output == 1


def test_stats_report_shape(conductor):
    conductor.add_agent("a", "t", lambda r: 1)
    result = conductor.run("t", "x")
    conductor.feedback(result.task_id, 0.5)
    row = conductor.stats()["a"]
    assert set(row) == {"calls", "failures", "mean_quality", "mean_latency", "scored", "decisions", "explored",
                        "regret"}
    assert row["calls"] == 1 and row["failures"] == 0 and row["mean_quality"] == 0.5
    assert row["decisions"] == 1 and row["regret"] >= 0 and row["mean_latency"] >= 0
    assert conductor.ref.ask("conductor.stats") == conductor.stats()


@pytest.mark.parametrize("policy", ["linucb", "thompson"])
def test_both_policies(make_conductor, policy):
    conductor = make_conductor(policy=policy, router_options={"seed": 1})
    conductor.add_agent("a", "t", lambda r: 1)
    assert conductor.run("t", "x").output == 1

"""Extensions in the conductor, with the real examples: the iris instrument (on a pool model)
is an agent, the JavaScript operator snippet-stats a template step, the word-stats motif's
command and status item reach the frontend hooks."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from symphony.conductor import ConductorTaskHooks, Step, TaskTemplate
from tests.conftest import wait_until

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "extensions"


@pytest.fixture
def manager(node, tmp_path, iris_repo):
    from symphony.extensions import ExtensionManager
    from symphony.pool import Pool

    pool = Pool(node, iris_repo, prewarm=False)
    manager = ExtensionManager(node, home=tmp_path / "ext-home", dirs=[EXAMPLES], entry_points=False, pool=pool)
    yield manager
    manager.close()
    pool.close()


def test_instruments_are_agents_activated_on_their_first_task(conductor, manager, store):
    from symphony.extensions import ExtensionState

    added = conductor.add_instruments(manager)
    assert [a.name for a in added] == ["symphony.iris-instrument"]
    assert added[0].tasks == frozenset({"classify"}) and added[0].source == "instrument"
    assert manager.info("symphony.iris-instrument").state is ExtensionState.ENABLED  # not activated yet
    result = conductor.run("classify", json.dumps([6.9, 3.1, 5.4, 2.1]))
    assert result.output["label"] == "virginica" and result.steps["classify"].agent == "symphony.iris-instrument"
    assert manager.info("symphony.iris-instrument").state is ExtensionState.ACTIVATED
    assert json.loads(store.get(result.digest))["output"]["label"] == "virginica"
    assert conductor.add_instruments(manager) == []  # already there


@pytest.mark.skipif(shutil.which("node") is None, reason="the JavaScript example needs node")
def test_an_extension_operator_as_a_template_step(conductor, manager):
    conductor.add_instruments(manager)
    conductor.add_agent("draft", "draft", lambda r: "def f(x):\n    # double it\n    return 2 * x\n")
    conductor.add_template(TaskTemplate("review", (Step("draft", capability="draft"),
                                                   Step("stats", operator="snippet-stats", deps=("draft",)))))
    result = conductor.run("review", "write f")
    assert result.steps["stats"].agent == "operator:snippet-stats"
    assert result.output["lines"] == 3


def test_motif_contributions_commands_and_status_through_the_hooks(conductor, manager):
    hooks = ConductorTaskHooks(conductor, manager)
    try:
        commands = [c["id"] for c in hooks.contributions()["commands"]]
        assert "wordstats.count" in commands
        assert hooks.status()["wordstats.words"] == "words: ?"
        seen = []
        stop = hooks.watch_status(lambda item, text: seen.append((item, text)))
        context = {"view_id": "v1", "path": None, "files": [], "language": None, "regions": [[0, 0, 0, 0]],
                   "selection": "", "text": "three words here"}
        assert hooks.run_command("wordstats.count", "v1", {}, context).result(30) == {"words": 3, "lines": 1}
        assert wait_until(lambda: ("wordstats.words", "words: 3") in seen)
        stop()
        assert hooks.status()["wordstats.words"] == "words: 3"
    finally:
        hooks.close()

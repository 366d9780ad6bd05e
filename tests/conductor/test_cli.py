"""``symphony conductor run|stats`` in a real subprocess."""

from __future__ import annotations

import json

from tests.cli.conftest import one_line_error, symphony

AGENTS = '''
def shout(request):
    return request["input"].upper()

def exclaim(request):
    return request["inputs"]["loud"] + "!"
'''

CONFIG = '''
[[agents]]
name = "shouter"
tasks = ["shout"]
entry = "cli_agents:shout"

[[agents]]
name = "exclaimer"
tasks = ["exclaim"]
entry = "cli_agents:exclaim"
cost = 0.5

[[templates]]
kind = "announce"
[[templates.steps]]
name = "loud"
capability = "shout"
[[templates.steps]]
name = "bang"
capability = "exclaim"
deps = ["loud"]
retries = 1
'''


def test_run_and_stats(tmp_path):
    repo = tmp_path / "models" / "sqrt" / "1"
    repo.mkdir(parents=True)
    (repo / "model.toml").write_text('loader = "python"\n[options]\nentry = "math:sqrt"\n')
    (tmp_path / "cli_agents.py").write_text(AGENTS)
    (tmp_path / "conductor.toml").write_text(CONFIG)
    store = str(tmp_path / "store")

    out = symphony("conductor", "run", "sqrt", "--input", "16", "--models", str(tmp_path / "models"),
                   "--store", store, "--json", cwd=str(tmp_path))
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result["output"] == 4.0 and result["steps"]["sqrt"]["agent"] == "sqrt"
    assert "conductor-sqrt" in out.stderr and "100%" in out.stderr  # the progress bar

    (tmp_path / "note.txt").write_text("hello there")
    out = symphony("conductor", "run", "announce", "--file", "note.txt", "--config", "conductor.toml",
                   "--store", store, cwd=str(tmp_path))
    assert out.returncode == 0, out.stderr
    assert out.stdout == "HELLO THERE!\n"
    assert "2 step(s) by exclaimer, shouter" in out.stderr

    digest = out.stderr.split("result ")[-1].split()[0]
    out = symphony("conductor", "feedback", digest, "0.75", "--store", store)
    assert out.returncode == 0, out.stderr
    assert f"rated {digest} 0.75 (user); quality now 0.75" in out.stdout
    one_line_error(symphony("conductor", "feedback", digest, "nan", "--store", store), "conductor", "[0, 1]")
    one_line_error(symphony("conductor", "feedback", "f" * 32, "0.5", "--store", store), "conductor",
                   "no finished task")

    out = symphony("conductor", "stats", "--store", store, "--json")
    assert out.returncode == 0, out.stderr
    stats = json.loads(out.stdout)
    assert stats["shouter"]["mean_quality"] == 0.75 and stats["exclaimer"]["scored"] == 1
    assert {name: row["calls"] for name, row in stats.items()} == {"exclaimer": 1, "shouter": 1, "sqrt": 1}
    assert stats["sqrt"]["decisions"] == 1 and stats["sqrt"]["failures"] == 0
    out = symphony("conductor", "stats", "--store", store)
    assert out.returncode == 0 and out.stdout.splitlines()[0].split()[:3] == ["AGENT", "CALLS", "FAILURES"]
    assert [line.split()[0] for line in out.stdout.splitlines()[1:]] == ["exclaimer", "shouter", "sqrt"]


def test_errors_are_one_line(tmp_path):
    store = str(tmp_path / "store")
    one_line_error(symphony("conductor", "run", "nope", "--input", "x", "--store", store, "--no-progress"),
                   "conductor", "unknown task kind 'nope'")
    one_line_error(symphony("conductor", "stats", "--store", str(tmp_path / "missing")), "conductor",
                   "no artifact store")
    (tmp_path / "bad.toml").write_text("[[agents]]\nname = 'x'\ntasks = ['t']\nentry = 'no_such_module:f'\n")
    out = symphony("conductor", "run", "t", "--input", "x", "--config", str(tmp_path / "bad.toml"), "--store", store)
    assert out.returncode == 2
    one_line_error(out, "conductor", "cannot load")
    out = symphony("conductor", "run", "t", "--input", "x", "--models", str(tmp_path / "nowhere"), "--store", store)
    assert out.returncode == 2 and "no such model repository" in out.stderr


def test_run_with_extensions(tmp_path, iris_repo):
    from pathlib import Path

    examples = Path(__file__).resolve().parents[2] / "examples" / "extensions"
    out = symphony("conductor", "run", "classify", "--input", "[5.1, 3.5, 1.4, 0.2]", "--extensions", str(examples),
                   "--ext-home", str(tmp_path / "ext-home"), "--models", str(iris_repo),
                   "--store", str(tmp_path / "store"), "--json", "--no-progress")
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result["output"]["label"] == "setosa" and result["steps"]["classify"]["agent"] == "symphony.iris-instrument"
    one_line_error(symphony("conductor", "run", "classify", "--input", "x", "--extensions", str(tmp_path / "none"),
                            "--store", str(tmp_path / "store")), "conductor", "no such directory")

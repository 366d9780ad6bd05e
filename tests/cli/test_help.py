"""Every subcommand and every argument says what it is for; ``dag`` documents its spec."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tomllib

import pytest

from symphony.cli import build_parser

from .conftest import symphony


def _walk(parser: argparse.ArgumentParser, path: str):
    """(where, action) for every argument of ``parser`` and of all its subcommands."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {choice.dest: choice.help for choice in action._choices_actions}
            for name, sub in action.choices.items():
                yield f"{path} {name}", helps.get(name)  # the subcommand itself
                yield from _walk(sub, f"{path} {name}")
        elif not isinstance(action, (argparse._HelpAction, argparse._VersionAction)):
            yield f"{path} {'/'.join(action.option_strings) or action.dest}", action.help


def test_every_subcommand_and_argument_has_help():
    items = list(_walk(build_parser(), "symphony"))
    assert len(items) > 40  # the walk reached the subcommands' own arguments
    missing = [where for where, text in items if not (text and text.strip() and text != argparse.SUPPRESS)]
    assert not missing, missing


def test_dag_help_documents_the_spec():
    for argv in (["dag", "--help"], ["dag", "run", "--help"]):
        out = symphony(*argv)
        assert out.returncode == 0, out.stderr
        text = out.stdout
        for needle in ("[tasks.", "fn =", "deps =", "module:function", "retries", "timeout", "cache",
                       "results of its deps"):
            assert needle in text, (argv, needle)


def test_the_spec_example_in_the_help_runs(tmp_path):
    """The example in ``dag run --help`` is a spec ``dag run`` accepts and runs as it says."""
    from symphony.cli import dag

    example = dag.SPEC_EXAMPLE
    tomllib.loads(example)
    (tmp_path / "spec.toml").write_text(example)
    (tmp_path / "jobs.py").write_text(dag.JOBS_EXAMPLE)
    env = dict(os.environ, SYMPHONY_CACHE=str(tmp_path / "cache"))  # cache = true: not in the user's home
    out = subprocess.run([sys.executable, "-m", "symphony", "dag", "run", "spec.toml", "--no-progress"],
                         capture_output=True, text=True, cwd=str(tmp_path), timeout=120, env=env)
    assert out.returncode == 0, out.stderr
    shown = dag.SPEC_HELP.split("$ symphony dag run etl.toml --no-progress\n", 1)[1]
    assert sorted(out.stdout.splitlines()) == sorted(line.strip() for line in shown.strip().splitlines())


@pytest.mark.parametrize("argv", [["artifacts", "put", "--help"], ["node", "--help"], ["keygen", "--help"]])
def test_help_of_a_subcommand_prints(argv):
    out = symphony(*argv)
    assert out.returncode == 0 and "usage: symphony" in out.stdout, out.stderr

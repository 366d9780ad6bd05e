"""``symphony dag run SPEC.toml`` and ``symphony dag status CHECKPOINT``.

A spec names the workflow and its tasks; each task is a ``module:function`` with optional
``deps``, ``retries``, ``timeout`` and ``cache``. ``SPEC_HELP`` (shown by ``symphony dag
--help`` and ``symphony dag run --help``) says it all, with ``SPEC_EXAMPLE`` and
``JOBS_EXAMPLE``, which a test runs.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import textwrap
import time
from typing import Any

from symphony.errors import WorkflowError

from ._args import positive_int
from ._registry import register

__all__ = ["JOBS_EXAMPLE", "SPEC_EXAMPLE", "SPEC_HELP", "load_spec"]

_TASK_KEYS = {"fn", "deps", "retries", "timeout", "cache"}

#: The example spec in the help (``etl.toml``).
SPEC_EXAMPLE = """\
name = "etl"               # optional; default: the file name without .toml

[tasks.load]
fn = "jobs:load"           # module:function, called with no arguments (no deps)

[tasks.clean]
fn = "jobs:clean"
deps = ["load"]            # called as clean(<result of load>)
retries = 2                # up to 2 more attempts if it raises

[tasks.stats]
fn = "jobs:stats"
deps = ["load"]            # runs beside clean: both need only load
timeout = 30               # an attempt running over 30 s counts as failed

[tasks.report]
fn = "jobs:report"
deps = ["clean", "stats"]  # called as report(<result of clean>, <result of stats>)
cache = true               # same code, same inputs: the stored result is reused
"""

#: The module the example spec names (``jobs.py``, next to ``etl.toml``).
JOBS_EXAMPLE = """\
def load():
    return [3, 1, 2]

def clean(rows):
    return sorted(rows)

def stats(rows):
    return {"n": len(rows), "total": sum(rows)}

def report(rows, stats):
    return f"{stats['n']} rows, total {stats['total']}: {rows}"
"""

#: What a spec holds: the epilog of ``symphony dag --help`` and ``symphony dag run --help``.
SPEC_HELP = f"""\
The workflow spec is a TOML file with one [tasks.NAME] table per task:

  fn       "module:function" to call (required). The directory you run from is on
           the import path, so a jobs.py there is found as "jobs:NAME".
  deps     list of task names this task needs (default: none). It starts when they
           have all finished.
  retries  extra attempts after a failure, with exponential backoff (default 0).
  timeout  seconds an attempt may run before it counts as failed (default: none).
  cache    true: reuse the result stored for the same function and the same inputs
           (kept in an artifact store at $SYMPHONY_CACHE, default
           ~/.cache/symphony/dag). Default false.

A task is called with the results of its deps as positional arguments, in the
order its deps list names them; a task without deps is called with none.
Independent tasks run at the same time (--max-concurrency bounds how many). A
top-level name = "..." names the workflow (default: the file name).

'dag run' prints one line per task, NAME<TAB>repr(result). A task that fails for
good (retries used up) is printed as FAILED, the tasks that depend on it as
SKIPPED, the other branches still finish, and the exit status is 1; a spec that is
wrong (unknown key, missing fn, a cycle) is refused before anything runs (exit 2).
With --checkpoint DIR each finished task is recorded; running the same command
again runs only what is not recorded ('dag status DIR' lists it).

Example, etl.toml:

{textwrap.indent(SPEC_EXAMPLE, "  ")}
with jobs.py next to it:

{textwrap.indent(JOBS_EXAMPLE, "  ")}
  $ symphony dag run etl.toml --no-progress
  load	[3, 1, 2]
  clean	[1, 2, 3]
  stats	{{'n': 3, 'total': 6}}
  report	'3 rows, total 6: [1, 2, 3]'
"""


def load_spec(path: str) -> Any:
    """The ``Workflow`` a TOML spec describes; ``WorkflowError`` (saying what is wrong) otherwise."""
    import tomllib

    from symphony.dag import Workflow

    try:
        with open(path, "rb") as fh:
            spec = tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise WorkflowError(f"cannot read workflow spec {path}: {exc}") from None
    name = spec.get("name") or os.path.splitext(os.path.basename(path))[0]
    tasks = spec.get("tasks")
    if not isinstance(tasks, dict) or not tasks:
        raise WorkflowError(f"{path}: no [tasks.NAME] tables")
    wf = Workflow(str(name))
    for task_name, task in tasks.items():
        if not isinstance(task, dict) or not isinstance(task.get("fn"), str):
            raise WorkflowError(f"{path}: task {task_name!r} needs fn = \"module:function\"")
        unknown = set(task) - _TASK_KEYS
        if unknown:
            raise WorkflowError(f"{path}: task {task_name!r} has unknown keys {sorted(unknown)}")
        module_name, sep, attr = task["fn"].partition(":")
        if not sep:
            raise WorkflowError(f"{path}: task {task_name!r}: fn must be \"module:function\", not {task['fn']!r}")
        try:
            fn = getattr(importlib.import_module(module_name), attr)
        except (ImportError, AttributeError) as exc:
            raise WorkflowError(f"{path}: task {task_name!r}: cannot load {task['fn']}: {exc}") from None
        deps = task.get("deps", [])
        if not isinstance(deps, list) or not all(isinstance(d, str) for d in deps):
            raise WorkflowError(f"{path}: task {task_name!r}: deps must be a list of task names")
        wf.add(task_name, fn, deps=deps, retries=task.get("retries", 0), timeout=task.get("timeout"),
               cache=bool(task.get("cache", False)))
    return wf


def _add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = SPEC_HELP
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    run = sub.add_parser("run", help="run a workflow spec (TOML); prints each task's result",
                         description="Run the tasks of a workflow spec (TOML) and print each task's result.",
                         epilog=SPEC_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    run.add_argument("spec", help="the workflow spec, a TOML file (see below)")
    run.add_argument("--checkpoint", metavar="DIR", help="record completed tasks here; rerun to resume")
    run.add_argument("--max-concurrency", type=positive_int, metavar="N",
                     help="run at most N tasks at once (default: no limit)")
    run.add_argument("--no-progress", action="store_true", help="no progress bar")
    status = sub.add_parser("status", help="what a checkpoint has recorded")
    status.add_argument("checkpoint", help="the directory given to 'dag run --checkpoint'")


def _run(args: argparse.Namespace) -> int:
    from symphony.dag import read_checkpoint
    from symphony.errors import WorkflowFailed

    sys.path.insert(0, os.getcwd())
    try:
        if args.action == "status":
            if not os.path.exists(os.path.join(args.checkpoint, "data.mdb")):
                print(f"symphony dag: no checkpoint at {args.checkpoint}", file=sys.stderr)
                return 1
            for workflow, tasks in sorted(read_checkpoint(args.checkpoint).items()):
                print(f"{workflow}: {len(tasks)} task(s) done")
                for task, when in sorted(tasks.items(), key=lambda kv: kv[1]):
                    print(f"  {task}\t{time.strftime('%Y-%m-%d %H:%M:%S', time.localtime(when))}")
            return 0
        wf = load_spec(args.spec)
        try:
            results = wf.run(checkpoint=args.checkpoint, max_concurrency=args.max_concurrency,
                             progress=not args.no_progress)
        except WorkflowFailed as exc:
            for name, error in exc.failures.items():
                print(f"FAILED {name}: {type(error).__name__}: {error}", file=sys.stderr)
            for name in exc.skipped:
                print(f"SKIPPED {name}", file=sys.stderr)
            return 1
        for name, value in results.items():
            text = repr(value)
            print(f"{name}\t{text if len(text) <= 200 else text[:197] + '...'}")
        return 0
    finally:
        sys.path.remove(os.getcwd())


register("dag", "run workflow specs, inspect checkpoints", _add_arguments, _run)

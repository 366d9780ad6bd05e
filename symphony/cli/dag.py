"""``symphony dag run SPEC.toml`` and ``symphony dag status CHECKPOINT``.

A spec names the workflow and its tasks; each task is a ``module:function`` with optional
``deps``, ``retries``, ``timeout`` and ``cache``::

    name = "etl"
    [tasks.load]
    fn = "mypkg.jobs:load"
    [tasks.clean]
    fn = "mypkg.jobs:clean"
    deps = ["load"]
    retries = 2
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import time
from typing import Any

from ._registry import register
from symphony.errors import SymphonyError, WorkflowError

__all__ = ["load_spec"]

_TASK_KEYS = {"fn", "deps", "retries", "timeout", "cache"}


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
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    run = sub.add_parser("run", help="run a workflow spec (TOML)")
    run.add_argument("spec")
    run.add_argument("--checkpoint", help="record completed tasks here; rerun to resume")
    run.add_argument("--max-concurrency", type=int)
    run.add_argument("--no-progress", action="store_true", help="no progress bar")
    status = sub.add_parser("status", help="what a checkpoint has recorded")
    status.add_argument("checkpoint")


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
    except SymphonyError as exc:
        print(f"symphony dag: {exc}", file=sys.stderr)
        return 2
    finally:
        sys.path.remove(os.getcwd())


register("dag", "run workflow specs, inspect checkpoints", _add_arguments, _run)

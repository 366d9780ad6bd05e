"""``symphony conductor run|stats``: run a task through the conductor, and see how agents do.

``run KIND --input TEXT`` (or ``--file F``: the file's text, with its path as context) runs
one task with a progress bar on stderr and prints its output (``--json``: the whole result).
Agents come from ``--models REPO`` (each model of a pool model repository is an agent for
the task kind of its name), ``--extensions DIR`` (each enabled instrument is an agent, each
operator usable in templates; ``--ext-home`` adds the extensions installed there), and ``--config F``: a TOML file with ``[[agents]]`` (``name``,
``tasks``, ``cost``, and ``entry = "module:function"`` called with the request, or ``model =
"NAME"`` from ``--models``) and ``[[templates]]`` (see ``symphony.conductor``). Results, the
routing policy and the counters go to the artifact store ``--store`` (default
``$SYMPHONY_CONDUCTOR_STORE`` or ``~/.local/share/symphony/conductor``). ``feedback DIGEST
SCORE`` rates a result (0 to 1) and rewards the agents that made it; ``stats`` shows per
agent: calls, failures, mean quality and latency, decisions and the regret estimate.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

from symphony.errors import CommandError

from ._registry import register
from ._tasks_setup import TaskOptions, TaskSetup, add_task_arguments, default_store

__all__: list[str] = []

def _add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    run = actions.add_parser("run", help="run one task and print its output")
    run.add_argument("kind", help="the task kind, e.g. classify")
    source = run.add_mutually_exclusive_group(required=True)
    source.add_argument("--input", help="the task's input text")
    source.add_argument("--file", metavar="F", help="read the input from F (its path becomes the context)")
    add_task_arguments(run)
    run.add_argument("--timeout", type=float, default=None, help="the task's deadline in seconds")
    run.add_argument("--json", action="store_true", help="print the whole result as JSON")
    run.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    feedback = actions.add_parser("feedback", help="score a result (0..1): rated in the store, rewarding its route")
    feedback.add_argument("digest", help="the result's digest (printed by run)")
    feedback.add_argument("score", type=float, help="the quality score, from 0 to 1")
    feedback.add_argument("--source", default="user", help="who scores (default: user)")
    feedback.add_argument("--store", default=None, help="the artifact store directory")
    stats = actions.add_parser("stats", help="per agent: calls, failures, quality, latency, regret")
    stats.add_argument("--store", default=None, help="the artifact store directory")
    stats.add_argument("--json", action="store_true", help="print the figures as JSON")


def _run(args: argparse.Namespace) -> int:
    from symphony.actors import Node
    from symphony.conductor import result_json

    if args.timeout is not None and not args.timeout > 0:
        raise CommandError("--timeout must be > 0")
    if args.file is not None:
        with open(args.file, encoding="utf-8", errors="replace") as fh:
            text, context = fh.read(), {"path": os.path.abspath(args.file)}
    else:
        text, context = args.input, {}
    options = TaskOptions(store=args.store, models=args.models, config=args.config,
                          extensions=bool(args.extensions or args.ext_home), extension_dirs=args.extensions,
                          ext_home=args.ext_home,
                          workspace=os.path.dirname(context["path"]) if "path" in context else None)
    node = Node("symphony-conductor-cli")
    try:
        setup = TaskSetup(node, options)
        try:
            for refusal in setup.refusals:
                print(f"symphony conductor: extension refused: {refusal}", file=sys.stderr)
            result = setup.conductor.run(args.kind, text, context, timeout=args.timeout,
                                         progress=not args.no_progress)
        finally:
            setup.close()
        if args.json:
            print(json.dumps(result_json(result), indent=2))
        else:
            print(result.output if isinstance(result.output, str) else json.dumps(result.output))
            print(f"task {result.task_id}: {len(result.steps)} step(s) by "
                  f"{', '.join(sorted({s.agent for s in result.steps.values()}))}; result {result.digest}",
                  file=sys.stderr)
        return 0
    finally:
        node.stop()


def _fmt(value: Any, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def _stats(args: argparse.Namespace) -> int:
    from symphony.artifacts import ArtifactStore
    from symphony.conductor import stored_stats

    with ArtifactStore(_existing_store(args.store), index=False) as store:
        report = stored_stats(store)
    if args.json:
        print(json.dumps(report, indent=2, sort_keys=True))
        return 0
    if not report:
        print("no agent has run a task yet")
        return 0
    rows = [["AGENT", "CALLS", "FAILURES", "MEAN QUALITY", "SCORED", "MEAN LATENCY S", "DECISIONS", "EXPLORED",
             "REGRET"]]
    for name, r in report.items():
        rows.append([name, str(r["calls"]), str(r["failures"]), _fmt(r["mean_quality"], ".3f"), str(r["scored"]),
                     _fmt(r["mean_latency"], ".4f"), str(r["decisions"]), str(r["explored"]), f"{r['regret']:.3f}"])
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    print("\n".join("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in rows))
    return 0


def _existing_store(given: str | None) -> str:
    path = given or default_store()
    if not os.path.isfile(os.path.join(path, "store.json")):
        raise CommandError(f"--store {path}: no artifact store there (run a task first)")
    return path


def _feedback(args: argparse.Namespace) -> int:
    from symphony.actors import Node
    from symphony.artifacts import ArtifactStore
    from symphony.conductor import Conductor

    path = _existing_store(args.store)
    node = Node("symphony-conductor-cli")
    try:
        with ArtifactStore(path, node=node, index=False) as store:
            conductor = Conductor(node, store)
            try:
                conductor.feedback(args.digest, args.score, source=args.source)
            finally:
                conductor.close()
            print(f"rated {args.digest} {args.score:g} ({args.source}); quality now {store.stat(args.digest).quality:g}")
    finally:
        node.stop()
    return 0


def _main(args: argparse.Namespace) -> int:
    return {"run": _run, "feedback": _feedback, "stats": _stats}[args.action](args)


register("conductor", "run a task through the conductor's agents, score results, and show how each agent does "
         "(run, feedback, stats)",
         _add_arguments, _main)

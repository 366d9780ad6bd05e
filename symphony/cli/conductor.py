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
import importlib
import json
import os
import sys
import tomllib
from typing import Any

from symphony.errors import CommandError

from ._registry import register

__all__: list[str] = []

_AGENT_KEYS = {"name", "tasks", "entry", "model", "cost"}


def default_store() -> str:
    """Where the conductor's artifact store is when ``--store`` is not given."""
    return os.environ.get("SYMPHONY_CONDUCTOR_STORE") or os.path.join(
        os.path.expanduser("~"), ".local", "share", "symphony", "conductor")


def _add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    run = actions.add_parser("run", help="run one task and print its output")
    run.add_argument("kind", help="the task kind, e.g. classify")
    source = run.add_mutually_exclusive_group(required=True)
    source.add_argument("--input", help="the task's input text")
    source.add_argument("--file", metavar="F", help="read the input from F (its path becomes the context)")
    run.add_argument("--store", default=None, help="the artifact store directory (created if needed)")
    run.add_argument("--models", metavar="REPO", help="a pool model repository; each model is an agent")
    run.add_argument("--config", metavar="F", help="a TOML file of [[agents]] and [[templates]]")
    run.add_argument("--extensions", metavar="DIR", action="append", default=[],
                     help="a directory of extensions (repeatable): their instruments are agents, their "
                          "operators steps (with --ext-home, the extensions installed there too)")
    run.add_argument("--ext-home", metavar="DIR", default=None,
                     help="the extension host's home (default: $SYMPHONY_HOME or ~/.config/symphony)")
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


def _load_config(path: str) -> dict[str, Any]:
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise CommandError(f"--config {path}: not TOML: {exc}") from None
    unknown = set(data) - {"agents", "templates"}
    if unknown:
        raise CommandError(f"--config {path}: unknown table(s) {sorted(unknown)}; it takes agents, templates")
    return data


def _entry(text: Any, where: str) -> Any:
    if not isinstance(text, str) or text.count(":") != 1:
        raise CommandError(f"{where}: entry must be 'module:function', not {text!r}")
    module, _, attr = text.partition(":")
    try:
        fn = getattr(importlib.import_module(module), attr)
    except (ImportError, AttributeError) as exc:
        raise CommandError(f"{where}: cannot load {text!r}: {exc}") from None
    if not callable(fn):
        raise CommandError(f"{where}: {text!r} is not callable")
    return fn


def _add_config_agents(conductor: Any, agents: Any, pool: Any) -> None:
    if not isinstance(agents, list):
        raise CommandError("--config: 'agents' must be an array of tables ([[agents]])")
    for i, table in enumerate(agents):
        where = f"--config agents[{i}]"
        if not isinstance(table, dict) or set(table) - _AGENT_KEYS or ("entry" in table) == ("model" in table):
            raise CommandError(f"{where}: a table of {sorted(_AGENT_KEYS)} with one of entry or model")
        try:
            if "model" in table:
                if pool is None:
                    raise CommandError(f"{where}: model agents need --models REPO")
                conductor.add_model(pool, table["model"], table.get("tasks", ()), cost=table.get("cost", 1.0),
                                    name=table.get("name"))
            else:
                conductor.add_agent(table.get("name"), table.get("tasks", ()), _entry(table["entry"], where),
                                    cost=table.get("cost", 1.0))
        except (TypeError, ValueError) as exc:
            if isinstance(exc, CommandError):
                raise
            raise CommandError(f"{where}: {exc}") from None


def _run(args: argparse.Namespace) -> int:
    from symphony.actors import Node
    from symphony.artifacts import ArtifactStore
    from symphony.conductor import Conductor

    if args.timeout is not None and not args.timeout > 0:
        raise CommandError("--timeout must be > 0")
    if args.file is not None:
        with open(args.file, encoding="utf-8", errors="replace") as fh:
            text, context = fh.read(), {"path": os.path.abspath(args.file)}
    else:
        text, context = args.input, {}
    config = _load_config(args.config) if args.config else {}
    if args.models is not None and not os.path.isdir(args.models):
        raise CommandError(f"--models {args.models}: no such model repository directory")
    for directory in args.extensions:
        if not os.path.isdir(directory):
            raise CommandError(f"--extensions {directory}: no such directory")
    node = Node("symphony-conductor-cli")
    pool = store = conductor = manager = None
    try:
        store = ArtifactStore(args.store or default_store(), node=node, index=False)
        conductor = Conductor(node, store)
        if args.models is not None:
            from symphony.pool import Pool

            pool = Pool(node, args.models, prewarm=False)
            configured = {t.get("model") for t in config.get("agents", []) if isinstance(t, dict)}
            for name in pool.repository.names():
                if name not in configured and pool.repository.served(name):
                    conductor.add_model(pool, name, name)
        if args.extensions or args.ext_home:
            from symphony.extensions import ExtensionManager, default_home

            home = os.path.expanduser(args.ext_home) if args.ext_home else default_home()
            manager = ExtensionManager(node, home=home, dirs=args.extensions, store=store, pool=pool,
                                       workspace=os.path.dirname(context["path"]) if "path" in context else None)
            for refusal in manager.errors:
                print(f"symphony conductor: extension refused: {refusal}", file=sys.stderr)
            conductor.add_instruments(manager)
        _add_config_agents(conductor, config.get("agents", []), pool)
        if config.get("templates"):
            from symphony.conductor import templates_from_toml

            for template in templates_from_toml(config):
                conductor.add_template(template)
        result = conductor.run(args.kind, text, context, timeout=args.timeout, progress=not args.no_progress)
        if args.json:
            print(json.dumps({"task_id": result.task_id, "kind": result.kind, "output": result.output,
                              "digest": result.digest, "quality": result.quality,
                              "steps": {name: {"agent": s.agent, "digest": s.digest, "latency": s.latency,
                                               "explored": s.explored} for name, s in result.steps.items()}},
                             indent=2))
        else:
            print(result.output if isinstance(result.output, str) else json.dumps(result.output))
            print(f"task {result.task_id}: {len(result.steps)} step(s) by "
                  f"{', '.join(sorted({s.agent for s in result.steps.values()}))}; result {result.digest}",
                  file=sys.stderr)
        return 0
    finally:
        if conductor is not None:
            conductor.close()
        if manager is not None:
            manager.close()
        if pool is not None:
            pool.close()
        if store is not None:
            store.close()
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

"""``symphony pool serve|list|load|unload|stats|watch``: the pool manager from the shell.

``serve REPOSITORY --listen URI`` hosts a pool of that model repository on a node (printing
``listening on ADDRESS`` and then ``pool: ADDRESS/NAME``) until SIGTERM or SIGINT. The other
actions drive a pool: one served elsewhere (``--connect ADDRESS/pool``, through its actor,
signed with ``--secret-file`` as the server's frames are) or, with ``--repository DIR``, one
started in this process for the command (to check that a model loads, and what it costs).
``watch`` redraws a table of the pool's models (state, leases, hits, cold starts, load
seconds, memory) every ``--interval`` seconds.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import time
from typing import Any

from symphony.errors import CommandError

from ._args import positive_int
from ._listen import add_listen_arguments, read_secret, start_node
from ._registry import register

__all__: list[str] = []


def _add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    serve = actions.add_parser("serve", help="host a pool of a model repository on a listening node")
    serve.add_argument("repository", help="the model repository directory (NAME/VERSION/model.toml)")
    add_listen_arguments(serve, required=True)
    serve.add_argument("--budget", default=None, help="memory budget, e.g. 2GB (default: none)")
    serve.add_argument("--policy", choices=("gdsf", "lru"), default="gdsf", help="eviction policy")
    serve.add_argument("--no-prewarm", action="store_true", help="do not load predicted models ahead")
    serve.add_argument("--name", default="pool", help="the pool actor's name (default: pool)")
    for action, text in (("list", "every model version with its state"),
                         ("load", "load (or reload) a model and wait until it is ready"),
                         ("unload", "unload a model once its leases are released"),
                         ("stats", "hits, cold starts, load times, memory, acquire latency"),
                         ("watch", "a live table of the pool's models")):
        sub = actions.add_parser(action, help=text)
        where = sub.add_mutually_exclusive_group(required=True)
        where.add_argument("--connect", metavar="ADDRESS", help="the pool actor, e.g. tcp://HOST:PORT/pool")
        where.add_argument("--repository", metavar="DIR", help="a repository, served in this process")
        sub.add_argument("--secret-file", metavar="F", help="the shared secret of the pool's node")
        sub.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for an answer")
        if action in ("load", "unload"):
            sub.add_argument("model", help="the model's name")
            sub.add_argument("--version", type=positive_int, default=None,
                             help="one version (default: every version the repository serves)")
        if action == "stats":
            sub.add_argument("model", nargs="?", help="only this model (default: all)")
        if action == "watch":
            sub.add_argument("--interval", type=float, default=1.0, help="seconds between redraws")
            sub.add_argument("--count", type=positive_int, default=None, help="stop after this many tables")


class _Session:
    """A pool to talk to: a client on a remote pool, or a pool of a local repository."""

    def __init__(self, args: argparse.Namespace) -> None:
        from symphony.actors import Node
        from symphony.pool import Pool, PoolClient

        self.pool: Any = None
        if args.connect:
            if "://" not in args.connect:
                raise CommandError(f"--connect takes the pool actor's address (tcp://HOST:PORT/pool), "
                                   f"not {args.connect!r}")
            self.node = Node("symphony-pool-cli", secret=read_secret(args.secret_file))
            try:
                self.client: Any = PoolClient(self.node.ref(args.connect), timeout=args.timeout)
            except Exception:
                self.node.stop()
                raise
        else:
            import os

            if not os.path.isdir(args.repository):
                raise CommandError(f"--repository {args.repository}: no such directory")
            self.node = Node("symphony-pool-cli")
            self.pool = Pool(self.node, args.repository, prewarm=False)
            self.client = self.pool

    def close(self) -> None:
        if self.pool is not None:
            self.pool.close()
        self.node.stop()


def _size(n: Any) -> str:
    if n is None:
        return "-"
    for unit in ("B", "KB", "MB", "GB"):
        if abs(n) < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return str(n)


def _table(rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows)


def _index_table(index: list[dict[str, Any]]) -> str:
    rows = [["MODEL", "VERSION", "STATE", "REASON"]]
    rows += [[r["name"], str(r["version"]), r["state"], r["reason"]] for r in index]
    return _table(rows)


def _stats_table(stats: dict[str, Any]) -> str:
    rows = [["MODEL", "VERSION", "STATE", "LEASES", "HITS", "COLD", "LOADS", "LOAD S", "MEMORY", "WASTED MB*S"]]
    for m in stats["models"]:
        rows.append([m["name"], str(m["version"]), m["state"], str(m["live_leases"]), str(m["hits"]),
                     str(m["misses"]), str(m["loads"]), f"{m['last_load_seconds']:.3f}", _size(m["memory"]),
                     f"{m['wasted_memory_seconds'] / 2**20:.1f}"])
    acq = stats["acquire"]
    budget = "none" if stats["budget"] is None else _size(stats["budget"])
    lines = [_table(rows), "",
             f"memory charged {_size(stats['used'])} of budget {budget}; process RSS {_size(stats['rss'])}"]
    if acq["p50"] == acq["p50"]:  # not NaN: something was acquired
        lines.append(f"acquire p50 {acq['p50'] * 1e6:.2f} us, p95 {acq['p95'] * 1e6:.2f} us, "
                     f"p99 {acq['p99'] * 1e6:.2f} us")
    return "\n".join(lines)


def _with_progress(what: str, work: Any) -> Any:
    """``work()``, with a progress line on a terminal's stderr while it runs (nothing when
    stderr is not a terminal, so a failure is still one line)."""
    if not sys.stderr.isatty():
        return work()
    from tqdm import tqdm

    done = threading.Event()
    with tqdm(desc=what, bar_format="{desc}: {elapsed}", file=sys.stderr, leave=False) as bar:
        ticker = threading.Thread(target=lambda: [bar.refresh() for _ in iter(lambda: done.wait(0.2), True)],
                                  daemon=True)
        ticker.start()
        try:
            return work()
        finally:
            done.set()
            ticker.join()


def _serve(args: argparse.Namespace) -> int:
    import os

    from symphony.pool import Pool

    from symphony.pool import parse_size

    if not os.path.isdir(args.repository):
        raise CommandError(f"{args.repository}: no such model repository directory")
    budget = None
    if args.budget is not None:
        try:
            budget = parse_size(args.budget)
        except ValueError as exc:
            raise CommandError(f"--budget: {exc}") from None
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    node = start_node(args, args.name)
    try:
        pool = Pool(node, args.repository, budget=budget, policy=args.policy, prewarm=not args.no_prewarm,
                    name=args.name)
        try:
            for address in node.addresses:
                print(f"listening on {address}", flush=True)
            sep = "/" if node.addresses[0].startswith("tcp://") else "#"
            print(f"pool: {node.addresses[0]}{sep}{args.name}", flush=True)
            while not stop.wait(0.5):
                pass
        finally:
            pool.close()
    finally:
        node.stop()
    return 0


def _run(args: argparse.Namespace) -> int:
    if args.action == "serve":
        return _serve(args)
    if args.timeout is not None and not args.timeout > 0:
        raise CommandError("--timeout must be > 0")
    session = _Session(args)
    try:
        client = session.client
        if args.action == "list":
            print(_index_table(client.index()))
        elif args.action == "load":
            started = time.monotonic()
            rows = _with_progress(f"loading {args.model}",
                                  lambda: client.load(args.model, args.version, timeout=args.timeout))
            print(_index_table(rows))
            print(f"done in {time.monotonic() - started:.2f} s")
            failed = [r for r in rows if r["state"] != "READY"]
            return 1 if failed else 0
        elif args.action == "unload":
            print(_index_table(client.unload(args.model, args.version)))
        elif args.action == "stats":
            print(_stats_table(client.statistics(args.model)))
        elif args.action == "watch":
            if not args.interval > 0:
                raise CommandError("--interval must be > 0")
            shown = 0
            tty = sys.stdout.isatty()
            while args.count is None or shown < args.count:
                table = _stats_table(client.statistics())
                if tty:
                    sys.stdout.write("\x1b[H\x1b[2J")
                print(f"{time.strftime('%H:%M:%S')}  symphony pool watch (Ctrl+C stops)\n{table}\n", flush=True)
                shown += 1
                if args.count is None or shown < args.count:
                    time.sleep(args.interval)
        return 0
    finally:
        session.close()


register("pool", "serve AI models from a repository, within a memory budget (serve, list, load, unload, "
         "stats, watch)", _add_arguments, _run)

"""The quick path: run asv-style suites once, in this process, and print ours beside each peer.

What it understands of asv's conventions (so the same classes run under ``asv run``):

- A benchmark class is any class defined in a module of ``asv_bench/benchmarks/`` (modules
  whose name starts with ``_`` are helpers) that has ``time_*`` or ``track_*`` methods.
- ``params`` is a list of values, or a list of lists (the cartesian product is taken);
  ``param_names`` names them. ``setup(*params)`` and ``teardown(*params)`` run around each
  benchmark method, once per parameter combination; ``setup`` raising ``NotImplementedError``
  skips that combination, as in asv. A thread still running two seconds after teardown
  that was not running before setup is reported as an error.
- ``time_*``: the runner warms up (``warmup_time`` seconds, at least one call), then times
  ``repeat`` calls with ``time.perf_counter`` (garbage collection off during each, as
  ``timeit`` does) and keeps the median. ``repeat`` is an int or asv's
  ``(min_repeat, max_repeat, max_time)``. A time method must therefore be repeatable on one
  setup. The implementations of one row are set up side by side and sampled in turn
  (see ``interleave`` below). Lower is better.
- ``track_*``: called once; returns a number in its ``unit`` attribute. Lower is better
  unless the method or class says ``higher_is_better = True``.

Extensions that asv ignores:

- ``repeat`` on a track method (an int): call it that many times and keep the median.
- ``interleave``: set up the implementations of a row side by side and measure them in
  turn, so drift on a shared machine (CPU frequency, a neighbour's load, which core a
  thread wakes on) hits them alike. The default for time methods; opt-in for track ones,
  whose implementations may not coexist (thousands of threads, tracemalloc).

- ``ops``: a time method that loops ``ops`` times is reported per operation.
- ``target``: the ratio (ours / peer) the issue asks for; with lower-is-better the ratio
  must be at most ``target``, with higher-is-better at least ``target``.
- ``limit``: an absolute bound on our own figure, in the benchmark's unit (a size, a
  thread count), checked the same way.
- ``target`` and ``limit`` may be a dict from a row's parameter label (``"format=msgpack"``,
  the other parameters as shown in the table) to the bound, for bounds that hold for some
  rows only.

The parameter named ``impl`` picks the implementation: ``"symphony"`` is ours (``--ours``
changes that), every other value is a peer. Each remaining parameter combination is a row
per peer: benchmark, ours, peer, ratio. A failing benchmark prints an error row; the
others go on.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import asdict
from typing import Sequence

from ._discovery import discover, suite_names
from ._measure import groups, run_group
from ._model import Outcome, Row
from ._report import format_table, machine, rows

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m asv_bench [SUBSTRING ...] [--json FILE] [--ours NAME] [--list]``."""
    parser = argparse.ArgumentParser(prog="python -m asv_bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("filters", nargs="*", metavar="SUBSTRING",
                        help="run only benchmarks whose module.Class.method contains one of these")
    parser.add_argument("--json", metavar="FILE", help="also write every figure and row to FILE")
    parser.add_argument("--ours", default="symphony", help="the impl value that is ours (default: symphony)")
    parser.add_argument("--list", action="store_true", help="list the benchmarks and exit")
    args = parser.parse_args(argv)

    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    if repo not in sys.path:
        sys.path.insert(0, repo)
    cases, broken = discover()
    if args.filters:
        unmatched = [f for f in args.filters if not any(_matches(f, c.name) for c in cases)
                     and not any(_matches(f, b.case, broken=True) for b in broken)]
        if unmatched:  # a typo: say so before the long suites start
            print(f"{parser.prog}: no benchmark matches {', '.join(map(repr, unmatched))}; the suites are "
                  f"{', '.join(suite_names())} (a filter is part of module.Class.method; --list shows them)",
                  file=sys.stderr)
            return 2
        cases = [c for c in cases if any(_matches(f, c.name) for f in args.filters)]
        broken = [b for b in broken if any(_matches(f, b.case, broken=True) for f in args.filters)]
    if args.list:
        for case in cases:
            print(case.name, dict(zip(case.param_names, case.param_values)))
        return 0

    table: list[Row] = [Row(b.case, "", "", False, None, "", None, None, error=b.error) for b in broken]
    outcomes: list[Outcome] = []
    started = time.perf_counter()
    for case in cases:
        mine: list[Outcome] = []
        for group in groups(case):
            mine.extend(run_group(case, group))
        outcomes.extend(mine)
        table.extend(rows(case, mine, args.ours))
    host = machine()
    print(f"\n{len(cases)} benchmarks in {time.perf_counter() - started:.1f} s; "
          f"{host['date']}, Python {host['python']}, {host['cores']} cores, {host['platform']}")
    print(format_table(table))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump({"machine": host,
                       "outcomes": [asdict(o) for o in outcomes],
                       "rows": [dict(asdict(r), ratio=r.ratio, meets_target=r.meets_target,
                                      within_limit=r.within_limit) for r in table]},
                      fh, indent=1, default=repr)
    failed = any(o.error for o in outcomes) or bool(broken)
    return 1 if failed else 0


def _matches(pattern: str, name: str, broken: bool = False) -> bool:
    """Whether a filter selects a benchmark (``module.Class.method``) or a module or class that
    failed to load (whose name a longer filter may contain)."""
    return pattern in name or (broken and name in pattern)

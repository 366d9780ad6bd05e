"""Keystroke latency and open time of ``symphony serve`` over stdio, optionally beside xi-core.

    python -m asv_bench.editor_latency                       # 100MB file of 67-character lines
    python -m asv_bench.editor_latency --mb 10 --line 86 --wrap 40   # 10MB of 86-character lines, wrapped
    python -m asv_bench.editor_latency --xi-core /tmp/xi/xi-core   # the real xi-core binary
    python -m asv_bench.editor_latency --mb 10 --long-line --wrap 80  # inside one 10MB line
    python -m asv_bench.editor_latency --mb 10 --long-line --json --wrap 80  # one line of minified JSON

The real xi-core is measured beside ours, with the same client, whenever its binary is
found: ``--xi-core PATH``, else ``$SYMPHONY_XI_CORE``, else ``/tmp/xi/xi-core``
(``--no-xi-core`` skips it). Prints one row per core: first screen (s) and its ratio to
Python's read+decode of the file, peak RSS over the file size, and keystroke (edit ->
update) p50/p99 over 300 consecutive inserts in the middle of the file; then our figures
over xi-core's.
"""

from __future__ import annotations

import argparse
import os

from .benchmarks._editor_client import (Core, big_file, json_line_file, lines_file, long_line_file, middle_line,
                                        percentile, read_decode_seconds, xi_core_path)


def measure(argv: list[str] | None, path: str, wrap: int, inserts: int, middle: int) -> dict[str, float]:
    core = Core(argv)
    try:
        opened = core.open(path)
        rss = core.peak_rss()
        if wrap:
            core.configure({"wrap_width": wrap})
        if middle:
            core.edit("goto_line", {"line": middle})
            core.edit("scroll", [middle - 20, middle + 30])
        else:  # one long line: settle its wrapping, then go to a visual line in the middle
            core.settle(1.0)
            core.edit("scroll", [60_000, 60_050])
            core.edit("gesture", {"line": 60_010, "col": 5, "ty": "point_select"})
        core.settle(0.05)
        for _ in range(20):
            core.keystroke()
        samples = [core.keystroke() * 1e3 for _ in range(inserts)]
    finally:
        core.close()
    return {"open": opened, "rss": rss, "p50": percentile(samples, 0.5), "p99": percentile(samples, 0.99)}


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m asv_bench.editor_latency", description=__doc__.split("\n\n")[0])
    parser.add_argument("--mb", type=int, default=100, help="file size in MB (default 100)")
    parser.add_argument("--wrap", type=int, default=0, help="wrap at this many columns (default off)")
    parser.add_argument("--line", type=int, default=0,
                        help="lines of this many characters, newline included (default: the 67 of big_file)")
    parser.add_argument("--inserts", type=int, default=300)
    parser.add_argument("--xi-core", metavar="PATH", default=xi_core_path(),
                        help="also measure this xi-core binary (default: $SYMPHONY_XI_CORE or /tmp/xi/xi-core if present)")
    parser.add_argument("--json", action="store_true",
                        help="with --long-line: the line is minified JSON, not words")
    parser.add_argument("--no-xi-core", action="store_true", help="measure symphony serve only")
    parser.add_argument("--long-line", action="store_true",
                        help="a file of one --mb MB line (type in its middle; use with --wrap)")
    args = parser.parse_args()
    if args.long_line:
        path = json_line_file(args.mb) if args.json else long_line_file(args.mb)
    else:
        path = lines_file(args.mb, args.line) if args.line else big_file(args.mb)
    read_decode_seconds(path)
    yardstick = min(read_decode_seconds(path) for _ in range(3))
    size = os.path.getsize(path)
    middle = middle_line(path) if not args.long_line else 0
    cores: list[tuple[str, list[str] | None]] = [("symphony serve", None)]
    if args.xi_core and not args.no_xi_core:
        cores.append(("xi-core", [args.xi_core]))
    else:
        print("xi-core: not found (pass --xi-core PATH or set SYMPHONY_XI_CORE); its row is skipped")
    print(f"file: {path} ({size / 1e6:.0f} MB); Python read+decode {yardstick:.3f} s")
    print(f"{'core':<16} {'open s':>8} {'x read':>7} {'RSS/size':>9} {'p50 ms':>8} {'p99 ms':>8}")
    rows = []
    for name, argv in cores:
        r = measure(argv, path, args.wrap, args.inserts, middle)
        rows.append(r)
        print(f"{name:<16} {r['open']:>8.3f} {r['open'] / yardstick:>7.2f} {r['rss'] / size:>9.2f} "
              f"{r['p50']:>8.3f} {r['p99']:>8.3f}")
    if len(rows) == 2:
        ours, xi = rows
        print(f"{'ours / xi-core':<16} {ours['open'] / xi['open']:>8.2f} {'':>7} {ours['rss'] / xi['rss']:>9.2f} "
              f"{ours['p50'] / xi['p50']:>8.2f} {ours['p99'] / xi['p99']:>8.2f}")


if __name__ == "__main__":
    main()

"""Run the text core benchmarks once and print a table: benchmark, ours, peer, ratio.

    PYTHONPATH=. python asv_bench/rope_figures.py            # every class in benchmarks/rope.py
    PYTHONPATH=. python asv_bench/rope_figures.py RopeInsert # only the classes named

A quick path beside ``asv run``: each (class, parameter) is set up once in this process,
its ``track_*`` methods are called once (each already reports a median over many
operations) and the results are printed with the ratio ours / peer.
"""

from __future__ import annotations

import gc
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "benchmarks"))

import rope as suite  # noqa: E402


def run(names: list[str]) -> list[tuple[str, str, dict[str, float]]]:
    rows = []
    classes = [getattr(suite, n) for n in dir(suite) if n.startswith("Rope") and isinstance(getattr(suite, n), type)]
    for cls in classes:
        if names and cls.__name__ not in names:
            continue
        methods = [m for m in dir(cls) if m.startswith("track_")]
        results: dict[str, dict[str, float]] = {m: {} for m in methods}
        units = {m: getattr(getattr(cls, m), "unit", "") for m in methods}
        for param in cls.params:
            bench = cls()
            t0 = time.perf_counter()
            bench.setup(param)
            print(f"# {cls.__name__}[{param}] setup {time.perf_counter() - t0:.1f}s", file=sys.stderr, flush=True)
            for m in methods:
                results[m][param] = getattr(bench, m)(param)
                print(f"#   {m}: {results[m][param]:.3f} {units[m]}", file=sys.stderr, flush=True)
            if hasattr(bench, "teardown"):
                bench.teardown(param)
            del bench
            gc.collect()
        for m in methods:
            rows.append((f"{cls.__name__}.{m} ({units[m]})", "/".join(cls.params), results[m]))
    return rows


def main() -> None:
    rows = run(sys.argv[1:])
    print(f"| benchmark | {'params':<20} | values | ratio (first / others) |")
    print("| --- | --- | --- | --- |")
    for name, params, values in rows:
        keys = list(values)
        first = values[keys[0]]
        shown = ", ".join(f"{k}: {v:.3g}" for k, v in values.items())
        ratios = ", ".join(f"{first / values[k]:.3g}" if values[k] else "-" for k in keys[1:])
        print(f"| {name} | {params:<20} | {shown} | {ratios} |")


if __name__ == "__main__":
    main()

"""Draw Symphony's benchmark figures against their peers, and write README.md's summary table.

The figures live in one file, ``docs/benchmarks.json``: per benchmark its ``name``, ``area``,
our figure (``ours``), the peer's name (``peer``) and figure (``peer_value``) from the same
run, the ``unit``, whether ``lower`` or ``higher`` is ``better``, the ``target`` (a bound on
ours / peer, or ``null`` when the target is not a ratio), the ``date`` and the ``section`` of
docs/benchmarks.md that has the details. After measuring again, edit that file and run::

    python docs/plot_benchmarks.py            # writes docs/benchmarks.png and README.md's table
    python docs/plot_benchmarks.py --check    # exit 1 if README.md's table is not the JSON's

``--data``, ``--output`` and ``--readme`` point it at other files (``--readme ''`` skips the
table). Needs matplotlib (in the ``dev`` extra).
"""

from __future__ import annotations

import argparse
import json
import math
import pathlib
import sys
from typing import Any

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent
BEGIN = "<!-- benchmark table: written by docs/plot_benchmarks.py from docs/benchmarks.json -->"
END = "<!-- end of benchmark table -->"
FIELDS = {"area": str, "name": str, "ours": (int, float), "peer": str, "peer_value": (int, float),
          "unit": str, "better": str, "date": str, "section": str}
TIME_UNITS = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}


class DataError(ValueError):
    """docs/benchmarks.json does not hold what this script draws (the message says where)."""


def load(path: pathlib.Path) -> list[dict[str, Any]]:
    """The benchmarks in ``path``, checked; raises :class:`DataError` naming the bad entry."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DataError(f"{path}: {exc}") from None
    rows = data.get("benchmarks") if isinstance(data, dict) else None
    if not isinstance(rows, list) or not rows:
        raise DataError(f"{path}: expected an object with a non-empty list 'benchmarks'")
    for i, row in enumerate(rows):
        where = f"{path}: benchmarks[{i}]"
        if not isinstance(row, dict):
            raise DataError(f"{where} is not an object")
        for key, kind in FIELDS.items():
            if not isinstance(row.get(key), kind) or isinstance(row.get(key), bool):
                raise DataError(f"{where} ({row.get('name', '?')}): {key!r} is missing or of the wrong type")
        if row["better"] not in ("lower", "higher"):
            raise DataError(f"{where} ({row['name']}): 'better' is 'lower' or 'higher', not {row['better']!r}")
        if not (row["ours"] > 0 and row["peer_value"] > 0):
            raise DataError(f"{where} ({row['name']}): 'ours' and 'peer_value' must be > 0")
        target = row.get("target")
        if target is not None and (isinstance(target, bool) or not isinstance(target, (int, float)) or target <= 0):
            raise DataError(f"{where} ({row['name']}): 'target' is a ratio > 0 or null")
    return rows


def fmt(value: float, unit: str) -> str:
    """``0.000387, "ms"`` style figures in a readable unit: ``387 ns``, ``69.7 ms``, ``202,000 msg/s``."""
    if unit in TIME_UNITS:
        seconds = value * TIME_UNITS[unit]
        for name in ("s", "ms", "us", "ns"):
            if seconds >= TIME_UNITS[name] or name == "ns":
                return f"{_num(seconds / TIME_UNITS[name])} {name}"
    if unit == "x":
        return f"{_num(value)}x"
    return f"{_num(value)} {unit}"


def _num(x: float) -> str:
    if x >= 1000:
        return f"{x:,.0f}"
    return f"{x:.3g}"


def ratio(row: dict[str, Any]) -> float:
    """Ours / the peer's figure."""
    return float(row["ours"]) / float(row["peer_value"])


def advantage(row: dict[str, Any]) -> float:
    """How many times better than the peer ours is (> 1: better, whichever way is better)."""
    r = ratio(row)
    return 1.0 / r if row["better"] == "lower" else r


def target_text(row: dict[str, Any]) -> str:
    """``<= 0.5x: met`` / ``>= 4x: missed``, or a dash when the target is not a ratio."""
    target = row.get("target")
    if target is None:
        return "-"
    met = ratio(row) <= target if row["better"] == "lower" else ratio(row) >= target
    sign = "<=" if row["better"] == "lower" else ">="
    return f"{sign} {target:g}x: {'met' if met else '**missed**'}"


def ratio_text(r: float) -> str:
    """``0.22x``, ``0.048x``, ``27.1x``, ``2.7e-5x``: two or three significant digits."""
    if r < 0.001:
        mantissa, exponent = f"{r:.1e}".split("e")
        return f"{mantissa}e{int(exponent)}x"
    return f"{r:.2g}x" if r < 0.1 else f"{r:.3g}x" if r >= 10 else f"{r:.2f}x"


def table(rows: list[dict[str, Any]]) -> str:
    """README.md's summary table (markdown): one line per benchmark that has a target ratio."""
    dates = sorted({row["date"] for row in rows})
    lines = [BEGIN, "",
             "| benchmark | ours | peer | ours / peer | target |",
             "| --- | ---: | --- | ---: | --- |"]
    for row in rows:
        if row.get("target") is None:
            continue
        lines.append(f"| [{row['area']}: {row['name']}](docs/benchmarks.md#{row['section']}) "
                     f"| {fmt(row['ours'], row['unit'])} | {row['peer']}: {fmt(row['peer_value'], row['unit'])} "
                     f"| {ratio_text(ratio(row))} | {target_text(row)} |")
    lines += ["", f"Measured on {', '.join(dates)}. Lower is better for times, higher for rates (msg/s, puts/s); "
              "the target bounds ours / peer. Figures without a target ratio (memory, the editor against "
              "xi-core) are in the plot and in docs/benchmarks.md.", "", END]
    return "\n".join(lines)


def replace_table(readme: str, rows: list[dict[str, Any]]) -> str:
    """``readme`` with the text between the table markers replaced by :func:`table`."""
    start, end = readme.find(BEGIN), readme.find(END)
    if start < 0 or end < start:
        raise DataError(f"README has no table markers ({BEGIN} ... {END})")
    return readme[:start] + table(rows) + readme[end + len(END):]


def plot(rows: list[dict[str, Any]], output: pathlib.Path) -> None:
    """One horizontal bar per benchmark: how many times better than its peer, log scale."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = list(reversed(rows))  # matplotlib draws the first bar at the bottom
    values = [advantage(row) for row in rows]
    labels = [f"{row['area']}: {row['name']}  (vs {row['peer']})" for row in rows]
    colours = ["#2e7d32" if v >= 1 else "#e65100" for v in values]
    fig, ax = plt.subplots(figsize=(11, 0.32 * len(rows) + 1.6), dpi=110)
    y = range(len(rows))
    ax.barh(y, [math.log10(v) for v in values], left=0, color=colours, height=0.7)
    ax.axvline(0, color="black", linewidth=1)
    for i, row in enumerate(rows):
        v = math.log10(values[i])
        right = max(v, 0.0)
        target = row.get("target")
        if target is not None:
            need = math.log10(1.0 / target if row["better"] == "lower" else target)
            ax.plot([need] * 2, [i - 0.42, i + 0.42], color="black", linewidth=2)
            right = max(right, need)
        text = f"{fmt(row['ours'], row['unit'])} vs {fmt(row['peer_value'], row['unit'])}"
        ax.text(right + 0.06, i, text, va="center", ha="left", fontsize=8)
    ax.set_yticks(list(y), labels, fontsize=8.5)
    low = min(min(math.log10(v) for v in values), 0) - 0.5
    high = max(max(math.log10(v) for v in values), 0)
    ax.set_xlim(low, high + 1.7)
    ticks = list(range(math.ceil(low), math.floor(high) + 2))
    ax.set_xticks(ticks, [f"{10.0 ** t:g}x" for t in ticks])
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    ax.legend(handles=[Patch(color="#2e7d32", label="Symphony ahead of the peer"),
                       Patch(color="#e65100", label="the peer ahead"),
                       Line2D([], [], color="black", linewidth=2, label="target: the bar reaches it when met")],
              loc="lower right", fontsize=8, frameon=False)
    ax.set_xlabel("how many times better than the peer (log scale); labels: ours vs the peer's figure")
    dates = sorted({row["date"] for row in rows})
    fig.suptitle("Symphony against the library you would otherwise use "
                 f"(each pair measured in one run; {', '.join(dates)})", fontsize=11)
    ax.grid(axis="x", color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    fig.tight_layout()
    output.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(output, metadata={"Software": None})
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=pathlib.Path, default=HERE / "benchmarks.json", help="the figures (JSON)")
    parser.add_argument("--output", type=pathlib.Path, default=HERE / "benchmarks.png", help="the plot to write (PNG)")
    parser.add_argument("--readme", default=str(ROOT / "README.md"),
                        help="the README whose summary table to rewrite ('' for none)")
    parser.add_argument("--check", action="store_true", help="only check that the README's table is the JSON's")
    args = parser.parse_args(argv)
    try:
        rows = load(args.data)
        if args.check or args.readme:
            readme_path = pathlib.Path(args.readme)
            readme = readme_path.read_text(encoding="utf-8")
            updated = replace_table(readme, rows)
            if args.check:
                if updated != readme:
                    print(f"{readme_path}: the benchmark table differs from {args.data}; "
                          "run python docs/plot_benchmarks.py", file=sys.stderr)
                    return 1
                return 0
            if updated != readme:
                readme_path.write_text(updated, encoding="utf-8")
        plot(rows, args.output)
    except (DataError, OSError) as exc:
        print(f"plot_benchmarks: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Reporting: pair our outcome with each peer's per parameter combination (``rows``), print
them as an aligned table with ratios and targets (``format_table``), and describe the
machine the figures come from (``machine``)."""

from __future__ import annotations

import datetime
import os
import platform
from typing import Any, Sequence

from ._model import Case, Outcome, Row

__all__ = ["format_table", "machine", "rows"]


def rows(case: Case, outcomes: Sequence[Outcome], ours: str) -> list[Row]:
    """Pair ours with each peer per combination of the other parameters."""
    names = case.param_names
    impl = names.index("impl") if "impl" in names else None
    targets = case.attr("target", None)
    limits = case.attr("limit", None)
    result: list[Row] = []
    groups: dict[str, dict[Any, Outcome]] = {}
    for out in outcomes:
        rest = {k: v for k, v in out.params.items() if k != "impl"}
        label = ", ".join(f"{k}={v}" for k, v in rest.items())
        groups.setdefault(label, {})[out.params.get("impl")] = out
    for label, by_impl in groups.items():
        impls = list(by_impl)
        mine_key = ours if ours in by_impl else impls[0]
        mine = by_impl[mine_key]
        peers = [k for k in impls if k != mine_key] if impl is not None else []
        errors = [f"{k}: {o.error}" for k, o in by_impl.items() if o.error]
        error = "; ".join(errors) or None
        target = targets.get(label) if isinstance(targets, dict) else targets
        limit = limits.get(label) if isinstance(limits, dict) else limits
        def row(peer: str, theirs: Outcome | None) -> Row:
            return Row(benchmark=case.name, params=label, unit=case.unit,
                       higher_is_better=case.higher_is_better, ours=mine.value, peer=peer,
                       theirs=None if theirs is None else theirs.value, target=target,
                       limit=limit, error=error, ours_spread=_spread(mine),
                       theirs_spread=None if theirs is None else _spread(theirs))

        if not peers:
            result.append(row("", None))
        for peer in peers:
            if by_impl[peer].skipped and mine.skipped:
                continue
            result.append(row(str(peer), by_impl[peer]))
    return result


def _spread(outcome: Outcome) -> float | None:
    """max / min of the samples: 1.0 is steady; None with fewer than two positive samples."""
    samples = [x for x in outcome.samples if x > 0]
    return max(samples) / min(samples) if len(samples) > 1 else None


def _fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    if unit == "s":
        for scale, suffix in ((1.0, "s"), (1e-3, "ms"), (1e-6, "us")):
            if abs(value) >= scale:
                return f"{value / scale:.3g} {suffix}"
        return f"{value / 1e-9:.3g} ns"
    if abs(value) >= 1e5 or (value and abs(value) < 1e-2):
        return f"{value:.3e} {unit}".rstrip()
    return f"{value:.4g} {unit}".rstrip()


def format_table(table: Sequence[Row]) -> str:
    """The rows as an aligned plain-text (and Markdown-compatible) table.

    ``spread`` is max/min of ours' samples / of the peer's (1 is steady; a large spread
    says the median is one of several regimes on a noisy machine)."""
    header = ["benchmark", "params", "ours", "peer", "peer's", "ratio", "better", "target", "spread"]
    lines = [header]
    for r in table:
        ratio = "-" if r.ratio is None else f"{r.ratio:.3g}x"
        sign = ">=" if r.higher_is_better else "<="
        verdict = {True: "ok", False: "MISSED", None: "?"}
        goals = []
        if r.target is not None:
            goals.append(f"{sign}{r.target:g}x {verdict[r.meets_target]}")
        if r.limit is not None:
            goals.append(f"ours{sign}{_fmt(r.limit, r.unit)} {verdict[r.within_limit]}")
        target = ", ".join(goals)
        better = "higher" if r.higher_is_better else "lower"
        spread = "/".join("-" if x is None else f"{x:.2g}" for x in (r.ours_spread, r.theirs_spread))
        lines.append([r.benchmark, r.params, _fmt(r.ours, r.unit), r.peer, _fmt(r.theirs, r.unit),
                      ratio, better, target, "" if spread == "-/-" else spread])
        if r.error:
            lines.append(["  ERROR", r.error[:200], "", "", "", "", "", "", ""])
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    out = ["| " + " | ".join(c.ljust(w) for c, w in zip(line, widths)) + " |" for line in lines]
    out.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(out)


def machine() -> dict[str, Any]:
    """Date (UTC), Python version and implementation, platform and usable cores."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 0
    return {"date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "python": platform.python_version(), "implementation": platform.python_implementation(),
            "platform": platform.platform(), "machine": platform.machine(), "cores": cores}

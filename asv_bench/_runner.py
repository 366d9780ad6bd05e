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
import datetime
import faulthandler
import gc
import importlib
import inspect
import itertools
import json
import os
import pkgutil
import platform
import statistics
import sys
import threading
import time
import traceback
from dataclasses import asdict, dataclass, field
from types import ModuleType
from typing import Any, Callable, Iterable, Sequence

__all__ = ["Case", "Outcome", "Row", "discover", "format_table", "main", "run_case", "run_group", "rows"]

SUITES = "asv_bench.benchmarks"
DEFAULT_REPEAT = (3, 9, 1.0)
DEFAULT_WARMUP = 0.1
DEFAULT_TIMEOUT = 120.0


@dataclass(frozen=True)
class Case:
    """One benchmark method of one class, with its parameter grid."""

    module: str
    cls: type
    method: str
    param_names: tuple[str, ...]
    param_values: tuple[tuple[Any, ...], ...]

    @property
    def name(self) -> str:
        """``module.Class.method``, the name filters match against."""
        return f"{self.module}.{self.cls.__name__}.{self.method}"

    @property
    def kind(self) -> str:
        """``"time"`` or ``"track"``."""
        return self.method.split("_", 1)[0]

    def attr(self, name: str, default: Any) -> Any:
        """An attribute of the method, else of the class, else ``default`` (asv's lookup order)."""
        func = getattr(self.cls, self.method)
        return getattr(func, name, getattr(self.cls, name, default))

    @property
    def unit(self) -> str:
        """Seconds for time benchmarks, the declared ``unit`` for track ones."""
        return "s" if self.kind == "time" else str(self.attr("unit", ""))

    @property
    def higher_is_better(self) -> bool:
        """Time: never. Track: when the method or class says so."""
        return self.kind == "track" and bool(self.attr("higher_is_better", False))

    def combinations(self) -> list[dict[str, Any]]:
        """Every parameter combination, as name -> value."""
        return [dict(zip(self.param_names, values)) for values in itertools.product(*self.param_values)]


@dataclass
class Outcome:
    """What one case did for one parameter combination."""

    case: str
    params: dict[str, Any]
    value: float | None = None
    unit: str = ""
    samples: list[float] = field(default_factory=list)
    error: str | None = None
    skipped: bool = False


@dataclass
class Row:
    """One line of the table: ours against one peer for one parameter combination."""

    benchmark: str
    params: str
    unit: str
    higher_is_better: bool
    ours: float | None
    peer: str
    theirs: float | None
    target: float | None
    limit: float | None = None
    error: str | None = None
    ours_spread: float | None = None
    theirs_spread: float | None = None

    @property
    def ratio(self) -> float | None:
        """ours / peer, or None when either is missing or the peer's figure is zero."""
        if self.ours is None or self.theirs is None or self.theirs == 0:
            return None
        return self.ours / self.theirs

    @property
    def meets_target(self) -> bool | None:
        """Whether the ratio is on the right side of ``target`` (None without both)."""
        ratio = self.ratio
        if ratio is None or self.target is None:
            return None
        return ratio >= self.target if self.higher_is_better else ratio <= self.target

    @property
    def within_limit(self) -> bool | None:
        """Whether our figure is on the right side of ``limit`` (None without both)."""
        if self.ours is None or self.limit is None:
            return None
        return self.ours >= self.limit if self.higher_is_better else self.ours <= self.limit


# -- discovery ---------------------------------------------------------------------------


def _grid(cls: type) -> tuple[tuple[str, ...], tuple[tuple[Any, ...], ...]]:
    params = getattr(cls, "params", None)
    if params is None or params == []:
        return (), ()
    if all(isinstance(p, (list, tuple)) for p in params):
        values = tuple(tuple(p) for p in params)
    else:
        values = (tuple(params),)
    names = tuple(getattr(cls, "param_names", None) or [f"param{i + 1}" for i in range(len(values))])
    if len(names) != len(values):
        raise ValueError(f"{cls.__name__}: {len(names)} param_names for {len(values)} parameter lists")
    return names, values


def _modules(package: str) -> Iterable[ModuleType | tuple[str, BaseException]]:
    pkg = importlib.import_module(package)
    for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda i: i.name):
        if info.name.startswith("_"):
            continue
        name = f"{package}.{info.name}"
        try:
            yield importlib.import_module(name)
        except Exception as exc:  # noqa: BLE001 - one broken suite must not hide the others
            yield (name, exc)


def discover(package: str | None = None) -> tuple[list[Case], list[Outcome]]:
    """The benchmark cases in ``package``'s modules (default: ``asv_bench.benchmarks``),
    and an error outcome per module or class that could not be loaded."""
    package = package or SUITES
    cases: list[Case] = []
    broken: list[Outcome] = []
    for module in _modules(package):
        if isinstance(module, tuple):
            name, exc = module
            broken.append(Outcome(name.rpartition(".")[2], {}, error=f"import failed: {exc!r}"))
            continue
        short = module.__name__.rpartition(".")[2]
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ != module.__name__:
                continue
            methods = sorted(m for m in dir(cls) if m.startswith(("time_", "track_"))
                             and callable(getattr(cls, m)))
            if not methods:
                continue
            try:
                names, values = _grid(cls)
            except Exception as exc:  # noqa: BLE001
                broken.append(Outcome(f"{short}.{cls.__name__}", {}, error=f"bad params: {exc}"))
                continue
            cases.extend(Case(short, cls, m, names, values) for m in methods)
    return cases, broken


# -- running -----------------------------------------------------------------------------


def _repeat_spec(case: Case) -> tuple[int, int, float]:
    repeat = case.attr("repeat", 0)
    if isinstance(repeat, (tuple, list)) and len(repeat) == 3:
        return int(repeat[0]), int(repeat[1]), float(repeat[2])
    if isinstance(repeat, int) and repeat > 0:
        return repeat, repeat, float("inf")
    return DEFAULT_REPEAT


def _timed(func: Callable[[], Any]) -> float:
    enabled = gc.isenabled()
    gc.disable()
    try:
        start = time.perf_counter()
        func()
        return time.perf_counter() - start
    finally:
        if enabled:
            gc.enable()


@dataclass
class _Live:
    """A set-up instance of a case for one parameter combination."""

    outcome: Outcome
    args: tuple[Any, ...]
    instance: Any = None
    call: Callable[[], Any] | None = None


def _setup(case: Case, params: dict[str, Any]) -> _Live:
    live = _Live(Outcome(case.name, params, unit=case.unit), tuple(params.values()))
    try:
        live.instance = case.cls()
    except Exception as exc:  # noqa: BLE001
        live.outcome.error = f"constructor: {exc!r}"
        return live
    try:
        if hasattr(live.instance, "setup"):
            live.instance.setup(*live.args)
    except NotImplementedError:
        live.outcome.skipped = True
        live.instance = None
        return live
    except Exception as exc:  # noqa: BLE001
        live.outcome.error = f"setup: {exc!r}"
        _debug(exc)
        live.instance = None
        return live
    bound = getattr(live.instance, case.method)
    args = live.args
    live.call = lambda: bound(*args)
    return live


def _teardown(live: _Live) -> None:
    if live.instance is None:
        return
    try:
        if hasattr(live.instance, "teardown"):
            live.instance.teardown(*live.args)
    except Exception as exc:  # noqa: BLE001
        live.outcome.error = live.outcome.error or f"teardown: {exc!r}"
        _debug(exc)
    live.instance = live.call = None


def _guarded(live: _Live, step: Callable[[Callable[[], Any]], None]) -> None:
    """Run ``step(live.call)`` unless the case already failed; record a failure."""
    if live.call is None or live.outcome.error:
        return
    try:
        step(live.call)
    except Exception as exc:  # noqa: BLE001
        live.outcome.error = repr(exc)
        _debug(exc)


def _time_all(case: Case, lives: Sequence[_Live]) -> None:
    """Warm up each, then take samples round-robin so drift on a shared machine hits all alike."""
    warmup = float(case.attr("warmup_time", -1))
    warmup = DEFAULT_WARMUP if warmup < 0 else warmup

    def warm(call: Callable[[], Any]) -> None:
        end = time.perf_counter() + warmup
        call()
        while time.perf_counter() < end:
            call()

    for live in lives:
        _guarded(live, warm)
    low, high, budget = _repeat_spec(case)
    ops = int(case.attr("ops", 1)) or 1
    deadline = time.perf_counter() + budget * len(lives)
    for n in range(high):
        if n >= low and time.perf_counter() >= deadline:
            break
        for live in lives:
            _guarded(live, lambda call: live.outcome.samples.append(_timed(call) / ops))
    for live in lives:
        if live.outcome.samples and not live.outcome.error:
            live.outcome.value = statistics.median(live.outcome.samples)


def _track_all(case: Case, lives: Sequence[_Live]) -> None:
    """Call each track method ``repeat`` times (default once), round-robin; keep the median."""
    repeat = case.attr("repeat", 1)
    repeat = repeat if isinstance(repeat, int) and repeat > 0 else 1

    def step(call: Callable[[], Any]) -> None:
        value = call()
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise TypeError(f"track method returned {type(value).__name__}, not a number")
        samples.append(float(value))

    for _ in range(repeat):
        for live in lives:
            samples = live.outcome.samples
            _guarded(live, step)
    for live in lives:
        if live.outcome.samples and not live.outcome.error:
            live.outcome.value = statistics.median(live.outcome.samples)


def run_group(case: Case, combos: Sequence[dict[str, Any]]) -> list[Outcome]:
    """Run one case for parameter combinations that differ only in ``impl``.

    With ``interleave`` (the default for time cases, opt-in for track ones) every
    combination is set up side by side and measured round-robin; otherwise one at a time:
    setup, measure, teardown. Never raises (except ``KeyboardInterrupt``): errors become
    ``Outcome.error``.
    """
    together = bool(case.attr("interleave", case.kind == "time"))
    batches = [list(combos)] if together else [[c] for c in combos]
    outcomes: list[Outcome] = []
    timeout = float(case.attr("timeout", DEFAULT_TIMEOUT))
    for batch in batches:
        gc.collect()
        threads_before = set(threading.enumerate())
        lives: list[_Live] = []
        _watchdog(timeout * len(batch))
        try:
            for params in batch:
                print(f"  {case.name} {params or ''}", file=sys.stderr, flush=True)
                lives.append(_setup(case, params))
            if case.kind == "time":
                _time_all(case, lives)
            else:
                _track_all(case, lives)
        finally:
            faulthandler.cancel_dump_traceback_later()
            for live in reversed(lives):
                _teardown(live)
        leaked = _leaked_threads(threads_before)
        for live in lives:
            if leaked:
                live.outcome.error = (live.outcome.error
                                      or f"left {len(leaked)} threads running, e.g. {leaked[0]}")
            outcomes.append(live.outcome)
    return outcomes


def _groups(case: Case) -> list[list[dict[str, Any]]]:
    """The case's parameter combinations, grouped by everything but ``impl``."""
    groups: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for params in case.combinations():
        key = tuple((k, repr(v)) for k, v in params.items() if k != "impl")
        groups.setdefault(key, []).append(params)
    return list(groups.values())


def run_case(case: Case, params: dict[str, Any]) -> Outcome:
    """Run one case for one parameter combination: setup, measure, teardown."""
    return run_group(case, [params])[0]


def _watchdog(seconds: float) -> None:
    """After ``seconds``, dump every thread's traceback and exit: a hung benchmark (a lost
    message, a deadlock) cannot be interrupted from Python, so say where it hangs and stop."""
    try:
        faulthandler.dump_traceback_later(seconds, exit=True, file=sys.__stderr__)  # type: ignore[arg-type]
    except (AttributeError, ValueError, OSError):  # no usable stderr file descriptor
        pass


def _leaked_threads(before: set[threading.Thread], grace: float = 2.0) -> list[str]:
    """Names of threads started since ``before`` that are still alive after ``grace`` seconds."""
    deadline = time.monotonic() + grace
    while True:
        leaked = [t.name for t in threading.enumerate() if t not in before and t.is_alive()]
        if not leaked or time.monotonic() >= deadline:
            return leaked
        time.sleep(0.01)


def _debug(exc: BaseException) -> None:
    if os.environ.get("ASV_BENCH_DEBUG"):
        traceback.print_exception(exc, file=sys.stderr)


# -- reporting ---------------------------------------------------------------------------


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


def _machine() -> dict[str, Any]:
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 0
    return {"date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "python": platform.python_version(), "implementation": platform.python_implementation(),
            "platform": platform.platform(), "machine": platform.machine(), "cores": cores}


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
        cases = [c for c in cases if any(f in c.name for f in args.filters)]
        broken = [b for b in broken if any(f in b.case or b.case in f for f in args.filters)]
    if args.list:
        for case in cases:
            print(case.name, dict(zip(case.param_names, case.param_values)))
        return 0

    table: list[Row] = [Row(b.case, "", "", False, None, "", None, None, error=b.error) for b in broken]
    outcomes: list[Outcome] = []
    started = time.perf_counter()
    for case in cases:
        mine: list[Outcome] = []
        for group in _groups(case):
            mine.extend(run_group(case, group))
        outcomes.extend(mine)
        table.extend(rows(case, mine, args.ours))
    machine = _machine()
    print(f"\n{len(cases)} benchmarks in {time.perf_counter() - started:.1f} s; "
          f"{machine['date']}, Python {machine['python']}, {machine['cores']} cores, {machine['platform']}")
    print(format_table(table))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump({"machine": machine,
                       "outcomes": [asdict(o) for o in outcomes],
                       "rows": [dict(asdict(r), ratio=r.ratio, meets_target=r.meets_target,
                                      within_limit=r.within_limit) for r in table]},
                      fh, indent=1, default=repr)
    failed = any(o.error for o in outcomes) or bool(broken)
    return 1 if failed else 0

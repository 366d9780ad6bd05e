"""Running a case: set up the implementations of a row side by side, warm up, take samples
round-robin (``time_*``) or call and record (``track_*``), tear down, and turn every failure,
hang or leaked thread into the outcome's error instead of stopping the run."""

from __future__ import annotations

import faulthandler
import gc
import os
import statistics
import sys
import threading
import time
import traceback
from dataclasses import dataclass
from typing import Any, Callable, Sequence

from ._model import Case, Outcome

__all__ = ["DEFAULT_REPEAT", "DEFAULT_TIMEOUT", "DEFAULT_WARMUP", "groups", "run_case", "run_group"]

DEFAULT_REPEAT = (3, 9, 1.0)
DEFAULT_WARMUP = 0.1
DEFAULT_TIMEOUT = 120.0


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


def groups(case: Case) -> list[list[dict[str, Any]]]:
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

"""Finding the benchmarks: every class with ``time_*`` or ``track_*`` methods in the modules
of ``asv_bench/benchmarks/`` (modules named ``_*`` are helpers), with its parameter grid."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from types import ModuleType
from typing import Any, Iterable

from ._model import Case, Outcome

__all__ = ["SUITES", "discover", "suite_names"]

#: The package whose modules are the suites.
SUITES = "asv_bench.benchmarks"


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


def suite_names(package: str | None = None) -> list[str]:
    """The suites in ``package`` (default: ``asv_bench.benchmarks``): its modules' short names,
    sorted, without importing them."""
    pkg = importlib.import_module(package or SUITES)
    return sorted(info.name for info in pkgutil.iter_modules(pkg.__path__) if not info.name.startswith("_"))

"""Compiled modules and their pure-Python twins: the one place that chooses between them.

A compiled module ``pkg._name`` (Cython, built by ``setup.py`` when a compiler is present)
always has a twin ``pkg._name_py`` with the same ``public_api`` and the same behaviour. At
import the compiled module is used when it was built and ``SYMPHONY_PURE_PYTHON`` is not
set to a true value; otherwise the twin is. Like ``zmq.backend.select``.

This module imports nothing from any layer, so every layer may use it: the speedups
(``symphony._speedups``, for the text and AIDE layers) and the transports' packet sealing
(``symphony.transports._sealing``) are chosen here alike, each living with the layer that uses it.
"""

from __future__ import annotations

import importlib
import os
from types import ModuleType

__all__ = ["PURE_PYTHON", "is_compiled", "load", "variants"]

#: True when ``SYMPHONY_PURE_PYTHON`` asks for the pure-Python twins everywhere.
PURE_PYTHON: bool = os.environ.get("SYMPHONY_PURE_PYTHON", "").strip().lower() not in ("", "0", "false", "no")

_chosen: dict[str, ModuleType] = {}
_compiled: dict[str, bool] = {}


def _check_api(compiled: ModuleType, pure: ModuleType) -> None:
    expected = list(getattr(pure, "public_api"))
    missing = [name for name in expected if not hasattr(compiled, name)]
    if missing:
        raise ImportError(f"{compiled.__name__} lacks {missing} of its twin's public_api")


def load(module: str) -> ModuleType:
    """The implementation of ``module`` (dotted name of the compiled one) in use: compiled
    when built and allowed, else its pure twin ``module + "_py"``."""
    if module in _chosen:
        return _chosen[module]
    pure = importlib.import_module(f"{module}_py")
    chosen, compiled = pure, False
    if not PURE_PYTHON:
        try:
            candidate = importlib.import_module(module)
            _check_api(candidate, pure)
            chosen, compiled = candidate, True
        except ImportError:
            pass
    _chosen[module] = chosen
    _compiled[module] = compiled
    return chosen


def is_compiled(module: str) -> bool:
    """Whether ``load(module)`` chose the compiled implementation."""
    load(module)
    return _compiled[module]


def variants(module: str) -> dict[str, ModuleType]:
    """Every implementation of ``module`` importable here: ``{"pure": ..., "compiled": ...}``.

    Tests parametrize over this so both twins are held to the same behaviour.
    """
    found = {"pure": importlib.import_module(f"{module}_py")}
    try:
        compiled = importlib.import_module(module)
        _check_api(compiled, found["pure"])
        found["compiled"] = compiled
    except ImportError:
        pass
    return found

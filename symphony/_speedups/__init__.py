"""Compiled hot loops and their pure-Python twins, chosen in this one place.

Each speedup ``_name`` exists twice: a Cython module ``_name.pyx`` (built by ``setup.py``
when a compiler is present) and a pure-Python twin ``_name_py.py`` with the same
``public_api`` and the same behaviour. At import, the compiled module is used when it was
built and ``SYMPHONY_PURE_PYTHON`` is not set to a true value; otherwise the twin is.

Like ``zmq.backend.select``: every backend provides every name in its ``public_api``;
callers import names from here (``from symphony._speedups import rope_impl``) and never
from the backends directly, so tests can also reach both twins via :func:`variants`.
"""

from __future__ import annotations

import importlib
import os
from types import ModuleType

__all__ = ["COMPILED", "MODULES", "PURE_PYTHON", "load", "status", "variants"]

#: The speedup modules that exist, each as compiled ``_name`` and pure ``_name_py``.
#: Later issues append to this tuple when they add a module.
MODULES: tuple[str, ...] = ("_rope",)

#: True when ``SYMPHONY_PURE_PYTHON`` asks for the pure-Python twins everywhere.
PURE_PYTHON: bool = os.environ.get("SYMPHONY_PURE_PYTHON", "").strip().lower() not in ("", "0", "false", "no")

_chosen: dict[str, ModuleType] = {}
_compiled: dict[str, bool] = {}


def _check_api(compiled: ModuleType, pure: ModuleType) -> None:
    expected = list(getattr(pure, "public_api"))
    missing = [name for name in expected if not hasattr(compiled, name)]
    if missing:
        raise ImportError(f"{compiled.__name__} lacks {missing} of its twin's public_api")


def load(name: str) -> ModuleType:
    """The implementation of speedup ``name`` in use: compiled when built and allowed, else pure."""
    if name in _chosen:
        return _chosen[name]
    pure = importlib.import_module(f"{__name__}.{name}_py")
    module, compiled = pure, False
    if not PURE_PYTHON:
        try:
            candidate = importlib.import_module(f"{__name__}.{name}")
            _check_api(candidate, pure)
            module, compiled = candidate, True
        except ImportError:
            pass
    _chosen[name] = module
    _compiled[name] = compiled
    return module


def variants(name: str) -> dict[str, ModuleType]:
    """Every implementation of speedup ``name`` importable here: ``{"pure": ..., "compiled": ...}``.

    Tests parametrize over this so both twins are held to the same behaviour.
    """
    found = {"pure": importlib.import_module(f"{__name__}.{name}_py")}
    try:
        compiled = importlib.import_module(f"{__name__}.{name}")
        _check_api(compiled, found["pure"])
        found["compiled"] = compiled
    except ImportError:
        pass
    return found


def status() -> dict[str, str]:
    """For each speedup module, which implementation is in use: ``"compiled"`` or ``"pure"``."""
    return {name: ("compiled" if (load(name) and _compiled[name]) else "pure") for name in MODULES}


def _all_compiled() -> bool:
    return bool(MODULES) and all(state == "compiled" for state in status().values())


#: True when every speedup module in use is the compiled one (False if any runs pure,
#: including when ``SYMPHONY_PURE_PYTHON`` is set or no compiler was available at install).
COMPILED: bool = _all_compiled()

"""Compiled hot loops of the actor, text and AIDE layers and their pure-Python twins.

Each speedup ``_name`` exists twice: a Cython module ``_name.pyx`` (built by ``setup.py``
when a compiler is present) and a pure-Python twin ``_name_py.py`` with the same
``public_api`` and the same behaviour. ``symphony._twins`` (the one place that chooses, for
every layer) uses the compiled module when it was built and ``SYMPHONY_PURE_PYTHON`` is
not set to a true value; otherwise the twin.

Like ``zmq.backend.select``: every backend provides every name in its ``public_api``;
callers import names from here (``from symphony._speedups import rope_impl``) and never
from the backends directly, so tests can also reach both twins via :func:`variants`.
"""

from __future__ import annotations

from types import ModuleType

from .. import _twins

__all__ = ["COMPILED", "MODULES", "PURE_PYTHON", "load", "status", "variants"]

#: The speedup modules that exist, each as compiled ``_name`` and pure ``_name_py``.
#: Later issues append to this tuple when they add a module.
MODULES: tuple[str, ...] = ("_envelope", "_hash", "_linebreak", "_mailbox", "_pool", "_rope")

#: True when ``SYMPHONY_PURE_PYTHON`` asks for the pure-Python twins everywhere.
PURE_PYTHON: bool = _twins.PURE_PYTHON


def load(name: str) -> ModuleType:
    """The implementation of speedup ``name`` in use: compiled when built and allowed, else pure."""
    return _twins.load(f"{__name__}.{name}")


def variants(name: str) -> dict[str, ModuleType]:
    """Every implementation of speedup ``name`` importable here: ``{"pure": ..., "compiled": ...}``.

    Tests parametrize over this so both twins are held to the same behaviour.
    """
    return _twins.variants(f"{__name__}.{name}")


def status() -> dict[str, str]:
    """For each speedup module, which implementation is in use: ``"compiled"`` or ``"pure"``."""
    return {name: ("compiled" if _twins.is_compiled(f"{__name__}.{name}") else "pure") for name in MODULES}


def _all_compiled() -> bool:
    return bool(MODULES) and all(state == "compiled" for state in status().values())


#: True when every speedup module in use is the compiled one (False if any runs pure,
#: including when ``SYMPHONY_PURE_PYTHON`` is set or no compiler was available at install).
COMPILED: bool = _all_compiled()

"""``lazy_exports``: a package's public names imported on first use, not with the package.

A plugin process needs the JSON-RPC ``Peer`` but none of the frontend core, and the plugin
SDK none of the plugin host; importing a package's ``__init__`` must not pull those in.
A package lists which of its modules holds each lazy name and assigns the returned function
to its module-level ``__getattr__`` (PEP 562); type checkers see the names through an
``if TYPE_CHECKING:`` import block beside it. Imports nothing of Symphony's.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from importlib import import_module
from typing import Any

__all__ = ["lazy_exports"]


def lazy_exports(package: str, namespace: dict[str, Any], where: Mapping[str, str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` for ``package`` that imports ``package.<where[name]>`` when
    ``name`` is first read, and keeps the value in ``namespace`` (the package's globals)."""

    def __getattr__(name: str) -> Any:
        module = where.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(import_module(f"{package}.{module}"), name)
        namespace[name] = value
        return value

    return __getattr__

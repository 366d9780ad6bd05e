"""Errors of the apps: an argument to the ``symphony`` command that parses but cannot be used.
"""

from __future__ import annotations

from ._base import SymphonyError

__all__ = [
    "CommandError",
]


class CommandError(SymphonyError, ValueError):
    """Raised by the ``symphony`` command when an argument parses but cannot be used: a
    ``--spawn`` that is not ``module:Class`` or does not load, an unknown transport
    ``--option`` or one whose value has the wrong type, an artifact store path where there
    is no store, a key file that exists (without ``--force``). The command prints it as one
    line and exits with status 2; nothing was changed.
    """

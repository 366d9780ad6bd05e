"""The root of the hierarchy: what every other module of :mod:`symphony.errors` derives from.
"""

from __future__ import annotations

__all__ = [
    "SymphonyError",
]


class SymphonyError(Exception):
    """Root of every error Symphony raises on purpose.

    Anything else that escapes the library (a ``TypeError`` from a wrong call, say) is a
    programming error at the call site, not a condition to handle.
    """

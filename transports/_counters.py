"""Counters of what a transport sent, received and dropped, by name."""

from __future__ import annotations

__all__ = ["Counters"]


class Counters(dict):  # type: ignore[type-arg]
    """Counters by name, 0 until first counted (increments happen on one I/O thread; reads copy).

    Hot paths count with ``counters[key] += 1``: plain dict operations in C, no Python call.
    """

    def __missing__(self, key: str) -> int:
        return 0

    def bump(self, key: str, n: int = 1) -> None:
        self[key] += n

"""``diff``: the :class:`Delta` between two texts, as one replace of their differing middle.

Invariant: ``diff(a, b).apply(a) == b``, and the delta keeps the longest common prefix and
then the longest common suffix of what is left (so it is the identity when ``a == b``).
Texts are compared in blocks that double in size, so the cost is linear in the common
parts and does not materialise either text; ropes sharing their root cost O(1).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from ._delta import Delta

if TYPE_CHECKING:
    from ._rope import Rope

__all__ = ["diff"]

_FIRST_BLOCK = 1024
_MAX_BLOCK = 1 << 20


def _common_prefix(a: Rope | str, b: Rope | str, limit: int) -> int:
    pos = 0
    block = _FIRST_BLOCK
    while pos < limit:
        end = min(pos + block, limit)
        x = a[pos:end]
        y = b[pos:end]
        if x != y:
            return pos + len(os.path.commonprefix([x, y]))
        pos = end
        block = min(block * 2, _MAX_BLOCK)
    return limit


def _common_suffix(a: Rope | str, b: Rope | str, limit: int) -> int:
    la = len(a)
    lb = len(b)
    n = 0
    block = _FIRST_BLOCK
    while n < limit:
        m = min(n + block, limit)
        x = a[la - m:la - n]
        y = b[lb - m:lb - n]
        if x != y:
            return n + len(os.path.commonprefix([x[::-1], y[::-1]]))
        n = m
        block = min(block * 2, _MAX_BLOCK)
    return limit


def diff(a: Rope | str, b: Rope | str) -> Delta:
    """A delta turning text ``a`` into text ``b`` (each a ``Rope`` or a ``str``)."""
    la = len(a)
    lb = len(b)
    if getattr(a, "_root", None) is not None and getattr(a, "_root", None) is getattr(b, "_root", None):
        return Delta.identity(la)
    p = _common_prefix(a, b, min(la, lb))
    s = _common_suffix(a, b, min(la, lb) - p)
    return Delta.replace(la, p, la - s, b[p:lb - s])

"""``diff``: the :class:`Delta` between two texts, as one replace of their differing middle.

Invariant: ``diff(a, b).apply(a) == b``, and the delta keeps the longest common prefix and
then the longest common suffix of what is left (so it is the identity when ``a == b``).

Two ropes that share nodes (one is an edited version of the other) are compared by
walking both trees together: a subtree that is the same object at the same offset is
equal without looking at its text, so the cost is about the depth times the fan-out,
not the length. Where the trees stop lining up, texts are compared in blocks that
double in size, which is linear in the common part and never materialises either text.
"""

from __future__ import annotations

import os
from typing import Any

from ._delta import Delta
from ._types import Text

__all__ = ["diff"]

_FIRST_BLOCK = 1024
_MAX_BLOCK = 1 << 20


def _common_prefix(a: Text, b: Text, start: int, limit: int) -> int:
    """Length of the common prefix of ``a[start:]`` and ``b[start:]``, at most ``limit - start`` more."""
    pos = start
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


def _common_suffix(a: Text, b: Text, start: int, limit: int) -> int:
    """Length of the common suffix of ``a`` and ``b`` given the last ``start`` characters match."""
    la = len(a)
    lb = len(b)
    n = start
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


def _shared(a: Any, b: Any, reverse: bool) -> tuple[int, bool]:
    """``(n, exact)``: the first (last, if ``reverse``) ``n`` characters of trees ``a`` and
    ``b`` are equal; ``exact`` says the first difference is right after them (else the trees
    stopped lining up there and the texts must be compared from that point)."""
    pending_a = [a]
    pending_b = [b]
    n = 0
    while pending_a and pending_b:
        x = pending_a[-1]
        y = pending_b[-1]
        if x is y:
            n += x.length
            pending_a.pop()
            pending_b.pop()
        elif x.height and (x.length >= y.length or not y.height):
            pending_a.pop()
            kids = x.children
            pending_a.extend(kids if reverse else reversed(kids))
        elif y.height:
            pending_b.pop()
            kids = y.children
            pending_b.extend(kids if reverse else reversed(kids))
        else:
            tx: str = x.text
            ty: str = y.text
            if reverse:
                tx, ty = tx[::-1], ty[::-1]
            c = len(os.path.commonprefix([tx, ty]))
            if c < min(len(tx), len(ty)):
                return n + c, True
            if len(tx) != len(ty):
                return n + c, False  # leaves of different lengths: no longer aligned
            n += c
            pending_a.pop()
            pending_b.pop()
    return n, True  # one text is used up: all of it is common


def diff(a: Text, b: Text) -> Delta:
    """A delta turning text ``a`` into text ``b`` (each a ``Rope`` or a ``str``)."""
    la = len(a)
    lb = len(b)
    ra = getattr(a, "_root", None)
    rb = getattr(b, "_root", None)
    if ra is not None and ra is rb:
        return Delta.identity(la)
    limit = min(la, lb)
    p = s = 0
    # the tree walk needs both ropes built by the same twin (same node classes)
    walk = ra is not None and rb is not None and getattr(a, "_ops", None) is getattr(b, "_ops", None)
    if walk:
        p, exact = _shared(ra, rb, False)
        p = min(p, limit)
        if not exact:
            p = _common_prefix(a, b, p, limit)
    else:
        p = _common_prefix(a, b, 0, limit)
    if walk:
        s, exact = _shared(ra, rb, True)
        s = min(s, limit - p)
        if not exact:
            s = _common_suffix(a, b, s, limit - p)
    else:
        s = _common_suffix(a, b, 0, limit - p)
    return Delta.replace(la, p, la - s, b[p:lb - s])

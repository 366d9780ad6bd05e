"""Fixtures for the text layer: ``Rope`` classes bound to each twin of the ``_rope`` speedup.

Every rope test runs against both implementations (compiled when built, and pure), each
with the default node limits and with tiny ones, so a few dozen characters already make a
deep tree with many leaf and branch boundaries to get wrong.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from symphony._speedups import variants
from symphony.text import Rope
from symphony.text._rope import rope_class

VARIANTS = variants("_rope")
IMPLS = sorted(VARIANTS)
#: (min_leaf, target_leaf, max_leaf, min_children, max_children)
TINY = (2, 3, 6, 2, 4)
LIMITS = {"default": None, "tiny": TINY}


@contextmanager
def bound_rope(impl: str, limits: tuple[int, int, int, int, int] | None) -> Iterator[type[Rope]]:
    """The ``Rope`` class of twin ``impl``, with node ``limits`` in force inside the block."""
    ops = VARIANTS[impl]
    previous = ops.limits()
    if limits is not None:
        ops.set_limits(*limits)
    try:
        yield rope_class(ops)
    finally:
        ops.set_limits(*previous)


@pytest.fixture(params=[(i, name) for i in IMPLS for name in LIMITS], ids=lambda p: f"{p[0]}-{p[1]}")
def R(request: pytest.FixtureRequest) -> Iterator[type[Rope]]:
    """A ``Rope`` class: each twin, with default and with tiny node limits."""
    impl, name = request.param
    with bound_rope(impl, LIMITS[name]) as cls:
        yield cls


@pytest.fixture(params=IMPLS)
def R_default(request: pytest.FixtureRequest) -> Iterator[type[Rope]]:
    """A ``Rope`` class of each twin with the default node limits."""
    with bound_rope(request.param, None) as cls:
        yield cls


def check(rope: Rope) -> None:
    """Assert the tree invariants of ``rope``'s nodes."""
    rope._ops.check(rope._root)

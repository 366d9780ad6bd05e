"""Fixtures of the editor's wrapping tests: the rope implementation, and thresholds small
enough that a short text takes the paths of a long one (pieces, background steps)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import symphony.text.editor._wrap as wrap_module
from symphony.text import Rope
from symphony.text.editor._breaks import Breaks

from ..conftest import IMPLS, bound_rope


@pytest.fixture(params=IMPLS)
def rope_cls(request: pytest.FixtureRequest) -> Iterator[type[Rope]]:
    with bound_rope(request.param, None) as cls:
        yield cls


@pytest.fixture
def small_thresholds() -> Iterator[None]:
    saved = wrap_module.SYNC_CHARS, wrap_module.LONG, wrap_module.REWRAP_WINDOW, Breaks.CHUNK
    wrap_module.SYNC_CHARS, wrap_module.LONG, wrap_module.REWRAP_WINDOW, Breaks.CHUNK = 40, 64, 4, 4
    try:
        yield
    finally:
        wrap_module.SYNC_CHARS, wrap_module.LONG, wrap_module.REWRAP_WINDOW, Breaks.CHUNK = saved

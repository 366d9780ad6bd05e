"""A node for workflow runs, always stopped."""

from __future__ import annotations

import pytest

from symphony import Node


@pytest.fixture
def node():
    n = Node("dag-test", threads=2)
    yield n
    n.stop(timeout=2.0)

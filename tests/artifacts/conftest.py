"""Stores in temporary directories, always closed."""

from __future__ import annotations

import pytest

from symphony.artifacts import ArtifactStore


@pytest.fixture
def store(tmp_path):
    s = ArtifactStore(tmp_path / "store", shards=3)
    yield s
    s.close()

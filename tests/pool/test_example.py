"""``examples/model_pool.py`` runs as a user would run it: real models, a local pool under a
budget, and a pool served by another process."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent


def test_the_model_pool_example_runs():
    pytest.importorskip("wordllama")
    out = subprocess.run([sys.executable, str(ROOT / "examples" / "model_pool.py")], capture_output=True,
                         text=True, timeout=600, cwd=str(ROOT))
    assert out.returncode == 0, out.stderr
    assert "embeddings (2, 256), iris labels [0, 2], resnet scores (1, 1000)" in out.stdout
    assert "evictions" in out.stdout and "memory charged" in out.stdout
    assert "remote iris says [2]" in out.stdout

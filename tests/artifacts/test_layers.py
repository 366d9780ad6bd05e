"""Layering: nothing above the AIDE layer imports it, and its exports are sorted and lazy."""

from __future__ import annotations

import subprocess
import sys

import symphony
import symphony.artifacts as artifacts
import symphony.dag as dag

from .conftest import child_env


def test_all_is_sorted_and_importable():
    for module in (artifacts, dag):
        assert module.__all__ == sorted(module.__all__)
        for name in module.__all__:
            assert getattr(module, name) is not None
    assert symphony.ArtifactStore is artifacts.ArtifactStore
    assert symphony.Workflow is dag.Workflow


def test_upper_layers_do_not_import_aide():
    code = ("import sys, symphony, symphony.envelope, symphony.errors, symphony.actors, symphony._speedups, "
            "symphony.text; print(sorted(m for m in sys.modules if m.startswith(('symphony.artifacts', "
            "'symphony.dag')) or m in ('lmdb', 'networkx')))")
    env = child_env()
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True, env=env)
    assert out.stdout.strip() == "[]"

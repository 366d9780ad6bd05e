"""The text core: ``Rope`` (persistent B-tree text) and ``Delta`` (descriptions of edits).

This layer may import from the envelope, actors and speedups layers; nothing in those
imports it. The rope's node operations come from ``symphony._speedups.load("_rope")``
(compiled when built, else the pure-Python twin; ``SYMPHONY_PURE_PYTHON=1`` forces the twin).
"""

from ._delta import Delta, DeltaBuilder, Op
from ._diff import diff
from ._rope import Rope

__all__ = ["Delta", "DeltaBuilder", "Op", "Rope", "diff"]

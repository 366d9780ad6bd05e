"""Linear undo history made of rope snapshots.

A ``Rope`` is persistent, so an undo step keeps the whole text before and after for the
price of the nodes the edit touched. Each step also keeps every view's selection before
and after, and the span of lines it changed, so the frontend update after an undo is as
small as after the edit itself.

Invariants:

- ``undo`` then ``redo`` restores exactly the rope object (not just equal text) and the
  selections that were current; a new edit after an undo drops the redo steps.
- Each step keeps the delta from ``before`` to ``after`` (when its edits gave one) and an
  undo group number, unique in the buffer, for plugins (xi's ``undo_group``).
- Consecutive edits of a mergeable kind (typing, deleting) in one view join the open step
  until :meth:`History.seal` is called (a movement, a click, another kind of edit, a
  save) or an edit comes from another view.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .._delta import Delta
from .._rope import Rope

__all__ = ["History", "Step"]

#: Edit kinds whose consecutive edits merge into one step.
MERGEABLE = frozenset({"insert", "delete_backward", "delete_forward"})


@dataclass(slots=True)
class Step:
    """One undo step: texts and selections before and after, and the changed lines.

    ``first_line``/``tail_lines``: lines before ``first_line`` and the last ``tail_lines``
    lines are the same before and after (line numbers in either text).
    """

    kind: str
    before: Rope
    after: Rope
    sel_before: dict[str, Any]
    sel_after: dict[str, Any]
    first_line: int
    tail_lines: int
    open: bool = True
    view_id: str = ""
    deltas: list[Delta] | None = None  # composed on demand (typing merges without composing)
    group: int = 0

    def delta(self) -> Delta | None:
        """The delta from ``before`` to ``after`` (None if an edit of the step gave none)."""
        deltas = self.deltas
        if not deltas:
            return None
        if len(deltas) > 1:
            joined = deltas[0]
            for d in deltas[1:]:
                joined = joined.compose(d)
            self.deltas = deltas = [joined]
        return deltas[0]


@dataclass(slots=True)
class History:
    """The undo and redo stacks of one buffer."""

    undo_stack: list[Step] = field(default_factory=list)
    redo_stack: list[Step] = field(default_factory=list)
    limit: int = 10_000
    groups: int = 0

    def record(self, kind: str, before: Rope, after: Rope, sel_before: dict[str, Any],
               sel_after: dict[str, Any], first_line: int, tail_lines: int, view_id: str = "",
               delta: Delta | None = None, join: bool = False) -> int:
        """Add an edit, merging it into the open step when both are the same mergeable kind
        made in the same view (or into the last step whatever it is, with ``join``);
        returns the undo group of the step it went into."""
        self.redo_stack.clear()
        top = self.undo_stack[-1] if self.undo_stack else None
        if top is not None and top.after is before and (join or (
                top.open and top.kind == kind and kind in MERGEABLE and top.view_id == view_id)):
            top.after = after
            top.sel_after = sel_after
            top.first_line = min(top.first_line, first_line)
            top.tail_lines = min(top.tail_lines, tail_lines)
            if top.deltas is not None and delta is not None:
                top.deltas.append(delta)
            else:
                top.deltas = None
            return top.group
        self.seal()
        self.groups += 1
        self.undo_stack.append(Step(kind, before, after, sel_before, sel_after, first_line, tail_lines,
                                    view_id=view_id, deltas=[delta] if delta is not None else None,
                                    group=self.groups))
        if len(self.undo_stack) > self.limit:
            del self.undo_stack[0]
        return self.groups

    def collapse(self, start: int) -> None:
        """Join the steps recorded since the stack had ``start`` steps into one (a replayed
        recording undoes as one step)."""
        steps = self.undo_stack[start:]
        if len(steps) < 2:
            return
        first, last = steps[0], steps[-1]
        deltas: list[Delta] | None = []
        for step in steps:
            delta = step.delta()
            deltas = deltas + [delta] if deltas is not None and delta is not None else None
        joined = Step("playback", first.before, last.after, first.sel_before, last.sel_after,
                      min(s.first_line for s in steps), min(s.tail_lines for s in steps), open=False,
                      view_id=last.view_id, deltas=deltas, group=last.group)
        del self.undo_stack[start:]
        self.undo_stack.append(joined)

    def seal(self) -> None:
        """Close the open step: the next edit starts a new one."""
        if self.undo_stack:
            self.undo_stack[-1].open = False

    def undo(self) -> Step | None:
        """The step to revert (moved to the redo stack), or None."""
        if not self.undo_stack:
            return None
        step = self.undo_stack.pop()
        step.open = False
        self.redo_stack.append(step)
        return step

    def redo(self) -> Step | None:
        """The step to apply again (moved back to the undo stack), or None."""
        if not self.redo_stack:
            return None
        step = self.redo_stack.pop()
        self.undo_stack.append(step)
        return step

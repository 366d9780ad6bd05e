"""Revisions of a buffer, for plugins: the edit log, ``EditEvent`` and ``PluginEdit``.

A buffer counts revisions: 0 when opened, +1 per edit (undo and redo included). A plugin
sees the text at some revision and answers later (an ``edit``, spans, annotations made
against that revision); by then the user may have typed on. :class:`RevisionLog` keeps the
delta of each recent revision, so an offset or a delta made at an older revision can be
carried over every later edit, as xi-core's ``Engine::try_edit_rev`` does. The deltas of
the buffer's own edits come from :func:`delta_of` (an edit command's edits) and
:func:`coarse_delta` (two texts known to differ only between some lines).

Invariants:

- ``log.rev`` is the buffer's revision; ``log.delta_since(r)`` composes the deltas of
  revisions ``r+1 .. rev`` (on the text at ``r``); a revision older than what the log keeps
  (``MAX_REVISIONS`` revisions, ``MAX_LOG_CHARS`` inserted characters) is a
  :class:`~symphony.errors.PluginProtocolError`, as is one from the future.
- :meth:`RevisionLog.rebase` never drops text an edit after ``rev`` inserted (a user
  keystroke is never lost); where both insert at the same offset the order follows xi:
  the edit of higher priority is applied last, so its text goes after (equal priorities:
  the later edit's text goes after the earlier one's).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from ...errors import PluginProtocolError
from .._delta import Delta
from .._rope import Rope
from ._state import Edit

__all__ = ["MAX_LOG_CHARS", "MAX_REVISIONS", "USER_PRIORITY", "EditEvent", "PluginEdit", "RevisionLog",
           "coarse_delta", "common_prefix", "delta_of", "edit_type_of"]

#: Revisions the log keeps (a plugin answering at an older revision gets an error).
MAX_REVISIONS = 4096
#: Inserted characters the log keeps, over all kept revisions (a big paste ages it fast).
MAX_LOG_CHARS = 32 * 1024 * 1024
#: The priority of the user's own edits (xi-core's ``0x10000``); plugins default to 100_000.
USER_PRIORITY = 0x10000

#: The buffer's edit kinds, as xi's edit types (everything else is ``"other"``).
_EDIT_TYPES = {
    "insert": "insert", "newline": "newline", "indent": "indent", "transpose": "transpose",
    "delete_backward": "delete", "delete_forward": "delete", "delete_word": "delete",
    "delete_line": "delete", "cut": "delete", "undo": "undo", "redo": "redo",
}


def edit_type_of(kind: str) -> str:
    """xi's edit type (``insert``, ``delete``, ``newline``, ...) of a buffer edit kind."""
    return _EDIT_TYPES.get(kind, "other")


@dataclass(frozen=True)
class EditEvent:
    """What a listener (``("listen", callback)``) gets after every edit of the buffer."""

    rev: int
    """The buffer's revision after the edit (0 on open, +1 per edit)."""
    delta: Delta
    """The edit, in code points, on ``old_rope``."""
    old_rope: Rope
    new_rope: Rope
    author: str
    """``"user"`` for the frontend's edits, the plugin's name for a plugin's."""
    edit_type: str
    """xi's edit types: insert, delete, undo, redo, transpose, newline, indent, other."""
    undo_group: int | None
    """The undo group the edit belongs to (an undo or redo: the group it reverts or redoes)."""


@dataclass(frozen=True)
class PluginEdit:
    """An edit a plugin made at revision ``rev`` (``delta`` is on the text at ``rev``)."""

    plugin: str
    rev: int
    delta: Delta
    priority: int = 100_000
    """Orders inserts at the same offset as xi does: the higher priority is applied last."""
    after_cursor: bool = False
    """True: a caret where the text is inserted stays before it (the text lands after the cursor)."""
    new_undo_group: bool = True
    """False: joins the last undo step (undone with the edit the plugin answered)."""


class RevisionLog:
    """The deltas of a buffer's recent revisions, and the carrying of plugin input over them."""

    def __init__(self, length: int, max_revisions: int = MAX_REVISIONS, max_chars: int = MAX_LOG_CHARS) -> None:
        self.rev = 0
        #: (rev after, delta, priority) for the kept revisions, oldest first
        self._log: deque[tuple[int, Delta, int]] = deque()
        self._chars = 0
        self.length = length  # the text's length now
        self.max_revisions = max_revisions
        self.max_chars = max_chars

    @property
    def oldest(self) -> int:
        """The oldest revision an edit, span or annotation may be made at."""
        return self.rev - len(self._log)

    def record(self, delta: Delta, priority: int = USER_PRIORITY) -> int:
        """Add the delta of a new revision; returns that revision."""
        self.rev += 1
        log = self._log
        log.append((self.rev, delta, priority))
        self.length = delta.target_len
        self._chars += _inserted(delta)
        while len(log) > self.max_revisions or self._chars > self.max_chars:
            _, old, _ = log.popleft()
            self._chars -= _inserted(old)
        return self.rev

    def length_at(self, rev: int) -> int:
        """The text's length at ``rev``; :class:`PluginProtocolError` when it is not kept."""
        self._check(rev)
        return self._log[rev - self.oldest][1].base_len if rev < self.rev else self.length

    def _check(self, rev: object) -> int:
        if type(rev) is not int:
            raise PluginProtocolError(f"rev must be an integer, not {type(rev).__name__}")
        if rev > self.rev or rev < 0:
            raise PluginProtocolError(f"unknown revision {rev} (the buffer is at {self.rev})")
        if rev < self.oldest:
            raise PluginProtocolError(f"revision {rev} is too old (the oldest kept is {self.oldest})")
        return rev

    def deltas_since(self, rev: int) -> list[tuple[Delta, int]]:
        """(delta, priority) of each revision after ``rev``, oldest first."""
        self._check(rev)
        n = self.rev - rev
        return [(d, p) for _, d, p in list(self._log)[len(self._log) - n:]] if n else []

    def map_offset(self, rev: int, offset: int, after: bool = False) -> int:
        """Where ``offset`` of the text at ``rev`` is now (inserts at it go after it unless ``after``)."""
        for delta, _ in self.deltas_since(rev):
            offset = delta.map_offset(offset, after=after)
        return offset

    def rebase(self, delta: Delta, rev: int, priority: int) -> Delta:
        """``delta`` (on the text at ``rev``) carried over every later revision (xi's try_edit_rev).

        Raises :class:`PluginProtocolError` when ``rev`` is not kept or ``delta`` does not
        fit the text at ``rev``; nothing changes then.
        """
        length = self.length_at(rev)
        if delta.base_len != length:
            raise PluginProtocolError(f"the delta is for a text of length {delta.base_len}, "
                                      f"the text at revision {rev} has {length}")
        for later, later_priority in self.deltas_since(rev):
            if priority >= later_priority:  # xi: the higher priority is applied last (its text after)
                delta = later.transform(delta)[1]
            else:
                delta = delta.transform(later)[0]
        return delta


def _inserted(delta: Delta) -> int:
    n = 0
    for op in delta.ops:
        if type(op) is str:
            n += len(op)
    return n


def delta_of(edits: list[Edit], base_len: int) -> Delta:
    """The delta of sorted, disjoint ``edits`` on a text of ``base_len`` (on the typing path:
    built in canonical form directly unless two edits touch)."""
    ops: list[int | str] = []
    pos = 0
    target = base_len
    touching = False
    for s, e, t in edits:
        if s > pos:
            ops.append(s - pos)
        elif pos:
            touching = True
        if t:
            ops.append(t)
        if e > s:
            ops.append(s - e)
        target += len(t) - (e - s)
        pos = e
    if base_len > pos:
        ops.append(base_len - pos)
    return Delta(ops) if touching else Delta._of(ops, base_len, target)


def coarse_delta(old: Rope, new: Rope, first_line: int, tail: int) -> Delta:
    """A delta from ``old`` to ``new`` that replaces the lines between ``first_line`` and the
    last ``tail`` lines (the same in both), trimmed to what differs."""
    a = old.offset_of_line(first_line)
    b = old.offset_of_line(old.line_count - tail) if tail else len(old)
    b2 = new.offset_of_line(new.line_count - tail) if tail else len(new)
    x, y = old[a:b], new[a:b2]
    p = common_prefix(x, y)
    q = common_prefix(x[p:][::-1], y[p:][::-1])
    return Delta.replace(len(old), a + p, b - q, y[p:len(y) - q])


def common_prefix(a: str, b: str) -> int:
    """Length of the common prefix of ``a`` and ``b`` (binary search over C comparisons)."""
    lo, hi = 0, min(len(a), len(b))
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[lo:mid] == b[lo:mid]:
            lo = mid
        else:
            hi = mid - 1
    return lo

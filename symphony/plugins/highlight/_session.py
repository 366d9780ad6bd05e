"""One view's highlighting as the plugin sends it: what to send now, what to send when idle.

Independent of the SDK (``_plugin`` adapts it), so it is tested on its own against a model of
the core's span store. xi's plugin protocol tells a plugin nothing of the viewport; the lines
an edit touches are where the caret is, and a file opens at its top, so "visible first" means:
on open, the first ``screen_lines`` lines; after an edit, the first ``screen_lines`` of the
lines it changed. The rest is owed (``LineTodo``) and sent ``chunk_lines`` at a time when the
plugin is idle, as xi's syntect plugin does (``LINES_PER_RPC`` lines, then ``schedule_idle``).
A tree-sitter reparse that would take longer than ``reparse_budget`` during an update is left
for the next idle turn (the edit's lines are sent from the old tree moved through the edit).

Scopes are sent once (``add_scopes`` with the whole vocabulary when the view opens, a scope
never seen before just ahead of the first spans using it); a span's scope id is its index in
what was sent, each a one-scope stack.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .._scopes import SCOPE_TOKENS
from ...text import Delta, Rope
from ._captures import CAPTURE_SCOPES
from ._engine import Highlighter
from ._lines import LineTodo, edited_lines

__all__ = ["CHUNK_LINES", "REPARSE_BUDGET", "SCREEN_LINES", "HighlightSession", "SpanBatch"]

#: Lines sent at once on open and after an edit (a screen, and some).
SCREEN_LINES = 120
#: Lines sent per idle turn: the core stores each batch in one turn of the buffer's actor, and
#: a keystroke arriving meanwhile waits for it (1,000 lines of Python held typing's p99 at
#: about 9 ms; 100 keep it near the core's own).
CHUNK_LINES = 100
#: Seconds a tree-sitter reparse may take during an update before it is left for an idle turn.
REPARSE_BUDGET = 0.005

_VOCABULARY = sorted({s for s, _t in SCOPE_TOKENS} | {s for s in CAPTURE_SCOPES.values() if s})


@dataclass(frozen=True)
class SpanBatch:
    """One ``update_spans`` (preceded by ``add_scopes`` when ``new_scopes`` is not empty).

    ``start``/``length`` in code points of the document; ``spans`` as ``(start, end, scope_id)``
    relative to ``start``, as xi's ``update_spans`` has them.
    """

    start: int
    length: int
    spans: list[tuple[int, int, int]]
    new_scopes: list[list[str]] = field(default_factory=list)


class HighlightSession:
    """The highlighting of one view and what the core has yet to be sent of it."""

    def __init__(self, language: str, rope: Rope, *, screen_lines: int = SCREEN_LINES,
                 chunk_lines: int = CHUNK_LINES, engine: str | None = None,
                 reparse_budget: float | None = REPARSE_BUDGET) -> None:
        self.reparse_budget = reparse_budget
        self.screen_lines = max(1, screen_lines)
        self.chunk_lines = max(1, chunk_lines)
        self._engine_choice = engine
        self.highlighter = Highlighter(language, rope, engine=engine)
        self.todo = LineTodo()
        self._scope_ids: dict[str, int] = {}
        self._unsent: list[list[str]] = []
        for scope in _VOCABULARY:
            self._scope_id(scope)

    def continue_from(self, earlier: HighlightSession) -> None:
        """Use the scope ids ``earlier`` gave the same view (the core numbers scopes in the
        order they were sent, so a second session must not number them afresh)."""
        self._scope_ids = dict(earlier._scope_ids)
        self._unsent = list(earlier._unsent)

    @property
    def language(self) -> str:
        """The language highlighted."""
        return self.highlighter.language

    def _scope_id(self, scope: str) -> int:
        found = self._scope_ids.get(scope)
        if found is None:
            found = self._scope_ids[scope] = len(self._scope_ids)
            self._unsent.append([scope])
        return found

    def _send(self, start_line: int, end_line: int) -> list[SpanBatch]:
        rope = self.highlighter.rope
        count = rope.line_count
        end_line = min(end_line, count)
        if start_line >= end_line:
            return []
        self.todo.remove(start_line, end_line)
        start = rope.offset_of_line(start_line)
        end = rope.offset_of_line(end_line) if end_line < count else len(rope)
        scope_id = self._scope_id
        spans = [(s - start, e - start, scope_id(scope)) for s, e, scope in self.highlighter.spans(start_line, end_line)]
        new_scopes, self._unsent = self._unsent, []
        return [SpanBatch(start, end - start, spans, new_scopes)]

    def open(self) -> list[SpanBatch]:
        """The view opened: its first screen now; the rest owed."""
        self.todo.clear()
        self.todo.add(0, self.highlighter.rope.line_count)
        return self._send(0, self.screen_lines)

    def restart(self, rope: Rope, language: str | None = None) -> list[SpanBatch]:
        """Highlight afresh (a new language, or an edit that came without its delta)."""
        self.highlighter = Highlighter(language or self.language, rope, engine=self._engine_choice)
        return self.open()

    def update(self, delta: Delta | None, new_rope: Rope) -> list[SpanBatch]:
        """Follow an edit (``delta`` on the text before, None when the core did not send it);
        the first screen of the lines whose spans changed now, the rest owed."""
        if delta is None:
            return self.restart(new_rope)
        old = self.highlighter.rope
        first, end = self.highlighter.edit(delta, new_rope, budget=self.reparse_budget)
        lines = edited_lines(delta, old, new_rope)
        if lines is not None:
            self.todo.shift(*lines)
        self.todo.add(first, end)
        return self._send(first, min(end, first + self.screen_lines))

    def idle(self) -> list[SpanBatch]:
        """The next owed chunk (nothing when all is sent); first a reparse left by a budget,
        then its changed lines."""
        if not self.highlighter.settled:
            first, end = self.highlighter.settle()
            self.todo.add(first, end)
            return self._send(first, min(end, first + self.chunk_lines))
        owed = self.todo.first()
        if owed is None:
            return []
        start, end = owed
        return self._send(start, min(end, start + self.chunk_lines))

    @property
    def pending(self) -> bool:
        """Whether lines are still owed (the plugin schedules an idle turn while they are)."""
        return bool(self.todo) or not self.highlighter.settled

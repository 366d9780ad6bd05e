"""Engine 2: Pygments for every other language, with a per-line lexer-state cache.

As xi's syntect plugin does (``rust/plugin-lib/src/state_cache.rs``): the state at the start
of each line is kept; an edit invalidates the states of the lines it rewrote and puts a
*frontier* at its first line. Lexing from a frontier sets each next line's state until one
equals the state cached there from before the edit (the state converged: every later line
lexes as it did), or the end. The frontiers are a sorted list of lines whose state is right
but whose successor's may not be, so a state is right exactly when no frontier is before it.

Unlike xi's plugin (which sees the text a chunk at a time) the engine holds the rope, so the
cache is one state per line (states repeat, so they are interned tuples: 8 bytes a line) and
lexing is lazy: ``spans`` lexes up to the lines asked for, no further, and an edit lexes past
itself only until the state converges (at most ``CONVERGE_LINES`` lines; beyond that the rest
is left for ``spans`` to reach and the edit says every later line may have changed).
"""

from __future__ import annotations

from pygments.lexer import Lexer

from .._scopes import scope_for_token
from ...text import Delta, Rope
from ._lexline import ROOT, LineLexer, State, Token
from ._lines import edited_lines
from ._types import ScopeSpan

__all__ = ["CONVERGE_LINES", "PygmentsEngine"]

#: Lines an edit lexes past its own looking for the state to converge before leaving it to ``spans``.
CONVERGE_LINES = 64


class PygmentsEngine:
    """A document's per-line lexer states and frontiers, kept current through edits."""

    def __init__(self, lexer: Lexer, rope: Rope) -> None:
        self._lexer = LineLexer(lexer)
        self._rope = rope
        self._states: list[State | None] = [ROOT] + [None] * (rope.line_count - 1)
        self._frontier: list[int] = [0]
        self._whole: list[ScopeSpan] | None = None  # a stateless lexer's spans of the whole text

    @property
    def rope(self) -> Rope:
        """The text the states are of."""
        return self._rope

    @property
    def stateful(self) -> bool:
        """Whether the lexer has a per-line state (else each edit relexes the whole text)."""
        return self._lexer.stateful

    # -- lexing -------------------------------------------------------------------------

    def _lex(self, text: str, state: State) -> tuple[list[Token], State]:
        try:
            return self._lexer.lex(text + "\n", state)
        except Exception:  # a lexer's bug on odd input: the line stays plain, the next starts afresh
            return [], ROOT

    def _advance(self, line: int, after: State) -> None:
        """Line ``line`` (the first frontier) was lexed and ends in state ``after``."""
        frontier = self._frontier
        nxt = line + 1
        states = self._states
        if nxt >= len(states) or states[nxt] == after:
            frontier.pop(0)  # the end, or converged: the lines after lex as they did
        else:
            states[nxt] = after
            if len(frontier) > 1 and frontier[1] == nxt:
                frontier.pop(0)
            else:
                frontier[0] = nxt

    def _run(self, until: int) -> None:
        """Lex from the first frontier until no frontier is before line ``until``."""
        frontier = self._frontier
        states = self._states
        rope = self._rope
        while frontier and frontier[0] < until:
            line = frontier[0]
            state = states[line]
            if state is None:  # cannot happen while the invariant holds; recover rather than fail
                back = line
                while states[back] is None:
                    back -= 1
                frontier.insert(0, back)
                continue
            _tokens, after = self._lex(rope.line(line), state)
            self._advance(line, after)

    # -- the engine ---------------------------------------------------------------------

    @property
    def settled(self) -> bool:
        """Always: an edit's own lines are exact at once (later lines are lexed when asked for)."""
        return True

    def settle(self) -> tuple[int, int]:
        """Nothing is left provisional."""
        return (0, 0)

    def edit(self, delta: Delta, new_rope: Rope, budget: float | None = None) -> tuple[int, int]:
        """Invalidate the rewritten lines' states, lex until the state converges (within bounds)."""
        old = self._rope
        lines = edited_lines(delta, old, new_rope)
        self._rope = new_rope
        if lines is None:
            return (0, 0)
        self._whole = None
        first, old_last, new_last = lines
        grown = new_last - old_last
        self._states[first + 1:old_last + 1] = [None] * (new_last - first)
        known = not self._frontier or self._frontier[0] >= first
        frontier = [f for f in self._frontier if f < first]
        frontier.append(first)
        frontier.extend(f + grown for f in self._frontier if f > old_last)
        self._frontier = frontier
        count = new_rope.line_count
        if not self._lexer.stateful:
            return (first, count)
        if not known:  # the state at `first` is not known yet: nothing later can be vouched for
            return (first, count)
        # Lex this edit's chain until it converges, within bounds.
        limit = new_last + CONVERGE_LINES
        states = self._states
        line = first
        while frontier and frontier[0] == line:
            if line > limit:
                return (first, count)
            state = states[line]
            assert state is not None
            _tokens, after = self._lex(new_rope.line(line), state)
            self._advance(line, after)
            frontier = self._frontier
            line += 1
        return (first, max(line, new_last + 1))

    def spans(self, start_line: int, end_line: int) -> list[ScopeSpan]:
        """The spans of lines ``[start_line, end_line)``, lexing up to them if need be."""
        rope = self._rope
        count = rope.line_count
        start_line = max(0, start_line)
        end_line = min(end_line, count)
        if start_line >= end_line:
            return []
        if not self._lexer.stateful:
            return self._whole_spans(start_line, end_line)
        self._run(start_line)
        states = self._states
        out: list[ScopeSpan] = []
        for line in range(start_line, end_line):
            state = states[line]
            if state is None:
                self._run(line)
                state = states[line]
                assert state is not None
            text = rope.line(line)
            tokens, after = self._lex(text, state)
            if self._frontier and self._frontier[0] == line:
                self._advance(line, after)
            base = rope.offset_of_line(line)
            width = len(text)
            for pos, ttype, value in tokens:
                if pos >= width:
                    break
                scope = scope_for_token(ttype)
                if not scope or not value:
                    continue
                start = base + pos
                end = base + min(pos + len(value), width)
                if out and out[-1][1] == start and out[-1][2] == scope:
                    out[-1] = (out[-1][0], end, scope)
                else:
                    out.append((start, end, scope))
        return out

    def _whole_spans(self, start_line: int, end_line: int) -> list[ScopeSpan]:
        rope = self._rope
        if self._whole is None:
            whole: list[ScopeSpan] = []
            text = str(rope)
            try:
                tokens = self._lexer.lex_whole(text + "\n")
            except Exception:
                tokens = []
            size = len(text)
            for pos, ttype, value in tokens:
                scope = scope_for_token(ttype)
                end = min(pos + len(value), size)
                if not scope or pos >= end:
                    continue
                if whole and whole[-1][1] == pos and whole[-1][2] == scope:
                    whole[-1] = (whole[-1][0], end, scope)
                else:
                    whole.append((pos, end, scope))
            self._whole = whole
        lo = rope.offset_of_line(start_line)
        hi = rope.offset_of_line(end_line) if end_line < rope.line_count else len(rope)
        return [(max(s, lo), min(e, hi), scope) for s, e, scope in self._whole if s < hi and e > lo]

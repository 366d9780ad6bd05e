"""One line through a Pygments lexer, from a lexer state to the tokens and the state after.

A ``RegexLexer``'s state is its stack of state names, so a line's tokens depend only on the
line and the stack at its start: the per-line state the Pygments engine caches (the role
syntect's ``ParseState`` plays in xi's plugin). ``get_tokens_unprocessed(text, stack=...)``
takes a stack but never gives the final one back, so ``RegexLexer``'s loop is repeated here,
statement for statement, returning it. An ``ExtendedRegexLexer`` keeps its stack in a
``LexerContext`` we hand it. A lexer that overrides the loop (to retag names, say) still gives
its own tokens, and the loop here gives the state. Any other lexer has no state to cache:
``LineLexer.stateful`` is False and the engine lexes the whole text.

Every line is lexed with a ``"\\n"`` at its end (what Pygments' ``ensurenl`` does for the last
line, and what ``"\\r\\n"`` becomes in Pygments), so rules that match the end of a line apply.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pygments.lexer import ExtendedRegexLexer, Lexer, LexerContext, RegexLexer
from pygments.token import Error, Whitespace, _TokenType

__all__ = ["ROOT", "LineLexer", "State", "Token"]

#: A lexer state: the stack of state names, bottom first.
State = tuple[Any, ...]
#: ``(offset in the line, token type, text)``.
Token = tuple[int, _TokenType, str]

#: The state at the start of a document.
ROOT: State = ("root",)


class LineLexer:
    """Lexes lines of one language from a state; equal states are one interned tuple."""

    def __init__(self, lexer: Lexer) -> None:
        self.lexer = lexer
        cls = type(lexer)
        self._extended = isinstance(lexer, ExtendedRegexLexer)
        own = cls.get_tokens_unprocessed
        if self._extended:
            self.stateful = own is ExtendedRegexLexer.get_tokens_unprocessed
            self._own_tokens = False
        else:
            self.stateful = isinstance(lexer, RegexLexer)
            self._own_tokens = own is not RegexLexer.get_tokens_unprocessed
        self._interned: dict[State, State] = {ROOT: ROOT}

    def intern(self, state: State) -> State:
        """The one tuple equal to ``state`` (states repeat: compare and keep them cheaply)."""
        return self._interned.setdefault(state, state)

    def lex(self, text: str, state: State) -> tuple[list[Token], State]:
        """The tokens of ``text`` (one line, ending in ``"\\n"``) from ``state``, and the state after."""
        if self._extended:
            ctx = LexerContext(text, 0, list(state))
            tokens = list(self.lexer.get_tokens_unprocessed(context=ctx))  # type: ignore[call-arg]
            return tokens, self.intern(tuple(ctx.stack))
        tokens = []
        end: list[State] = []
        for token in self._loop(text, state, end):
            tokens.append(token)
        if self._own_tokens:
            tokens = list(self.lexer.get_tokens_unprocessed(text, stack=state))  # type: ignore[call-arg]
        return tokens, self.intern(end[0])

    def lex_whole(self, text: str) -> list[Token]:
        """The tokens of a whole text, for a lexer with no state to cache."""
        return list(self.lexer.get_tokens_unprocessed(text))

    def _loop(self, text: str, stack: State, end: list[State]) -> Iterator[Token]:
        # RegexLexer.get_tokens_unprocessed (Pygments 2.x), giving its final stack through `end`.
        lexer = self.lexer
        pos = 0
        tokendefs = lexer._tokens  # type: ignore[attr-defined]
        statestack = list(stack)
        statetokens = tokendefs[statestack[-1]]
        while 1:
            for rexmatch, action, new_state in statetokens:
                m = rexmatch(text, pos)
                if m:
                    if action is not None:
                        if type(action) is _TokenType:
                            yield pos, action, m.group()
                        else:
                            yield from action(lexer, m)
                    pos = m.end()
                    if new_state is not None:
                        if isinstance(new_state, tuple):
                            for st in new_state:
                                if st == "#pop":
                                    if len(statestack) > 1:
                                        statestack.pop()
                                elif st == "#push":
                                    statestack.append(statestack[-1])
                                else:
                                    statestack.append(st)
                        elif isinstance(new_state, int):
                            if abs(new_state) >= len(statestack):
                                del statestack[1:]
                            else:
                                del statestack[new_state:]
                        elif new_state == "#push":
                            statestack.append(statestack[-1])
                        statetokens = tokendefs[statestack[-1]]
                    break
            else:
                if pos >= len(text):
                    break
                if text[pos] == "\n":
                    statestack = ["root"]
                    statetokens = tokendefs["root"]
                    yield pos, Whitespace, "\n"
                    pos += 1
                    continue
                yield pos, Error, text[pos]
                pos += 1
        end.append(tuple(statestack))

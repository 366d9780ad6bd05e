"""``Highlighter``: one document's highlighting, whichever engine suits its language and size.

Tree-sitter (incremental parsing, ``_treesitter``) for the languages with a grammar wheel, up to
``TREE_SITTER_MAX_BYTES`` (a tree costs about 25 bytes of memory per byte of source and a first
parse about 0.2 s per MB, so a 100 MB file would hold 2.5 GB before its first screen);
Pygments with the per-line state cache (``_pygments``) for every other language and for bigger
files (it lexes only up to the lines asked for); no spans for "Plain Text" or a language no
engine knows.
"""

from __future__ import annotations

from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound

from ...errors import DeltaError
from ...text import Delta, Rope
from ._grammars import grammar
from ._languages import PLAIN_TEXT, language_for_alias
from ._pygments import PygmentsEngine
from ._treesitter import TreeSitterEngine
from ._types import Engine, ScopeSpan

__all__ = ["ENGINES", "TREE_SITTER_MAX_BYTES", "Highlighter"]

#: Above this many UTF-8 bytes a document with a tree-sitter grammar is lexed by Pygments.
TREE_SITTER_MAX_BYTES = 4 << 20

#: The engine names ``Highlighter(engine=...)`` takes.
ENGINES = ("tree-sitter", "pygments", "plain")


class _PlainEngine:
    """No spans: Plain Text, or a language nothing knows."""

    settled = True

    def __init__(self, rope: Rope) -> None:
        self.rope = rope

    def edit(self, delta: Delta, new_rope: Rope, budget: float | None = None) -> tuple[int, int]:
        self.rope = new_rope
        return (0, 0)

    def settle(self) -> tuple[int, int]:
        return (0, 0)

    def spans(self, start_line: int, end_line: int) -> list[ScopeSpan]:
        return []


def _pygments_lexer(language: str) -> object | None:
    name = language_for_alias(language) or language
    try:
        return get_lexer_by_name(name)
    except ClassNotFound:
        from pygments.lexers import find_lexer_class

        cls = find_lexer_class(name)
        return cls() if cls is not None else None


class Highlighter:
    """The spans of one document in one language, kept current edit by edit.

    ``Highlighter(language, rope)`` picks the engine (``engine`` forces one: tests and
    benchmarks compare them); ``edit(delta, new_rope)`` follows an edit and says which lines of
    the new text to re-send; ``spans(start_line, end_line)`` gives ``(start, end, scope)`` in
    code points of the whole document, sorted and disjoint, clipped to those lines. Spans are
    a function of the text alone: after any edits they equal a fresh ``Highlighter``'s.
    """

    def __init__(self, language: str, rope: Rope, *, engine: str | None = None) -> None:
        if engine is not None and engine not in ENGINES:
            raise ValueError(f"unknown engine {engine!r}; choose one of {ENGINES}")
        self.language = language
        impl: Engine | None = None
        chosen = "plain"
        if language != PLAIN_TEXT and engine != "plain":
            g = grammar(language) if engine in (None, "tree-sitter") else None
            if g is not None and (engine == "tree-sitter" or rope.utf8_len <= TREE_SITTER_MAX_BYTES):
                impl, chosen = TreeSitterEngine(g, rope), "tree-sitter"
            elif engine != "tree-sitter":
                lexer = _pygments_lexer(language)
                if lexer is not None:
                    impl, chosen = PygmentsEngine(lexer, rope), "pygments"  # type: ignore[arg-type]
        self._impl: Engine = impl if impl is not None else _PlainEngine(rope)
        #: The engine in use: "tree-sitter", "pygments" or "plain".
        self.engine = chosen

    @property
    def rope(self) -> Rope:
        """The text highlighted now."""
        return self._impl.rope

    @property
    def settled(self) -> bool:
        """False while spans are provisional: a bounded edit left a reparse for ``settle``."""
        return self._impl.settled

    def settle(self) -> tuple[int, int]:
        """Finish what a budget left (a tree-sitter reparse); the lines to re-send."""
        return self._impl.settle()

    def edit(self, delta: Delta, new_rope: Rope, *, budget: float | None = None) -> tuple[int, int]:
        """Follow ``delta`` (on ``rope``) to ``new_rope``; the lines ``[first, end)`` of the new
        text whose spans may differ (every other line's spans moved with the text, unchanged).

        ``budget`` (seconds) bounds a tree-sitter reparse: past it no line is reported (the spans
        the core holds, moved through the edit, stand) and ``settled`` is False until
        ``settle()``, which reports the edit's lines and what else changed. Without it
        the spans are exact at once. Raises ``DeltaError`` when the delta does not fit (nothing
        is changed then).
        """
        old = self._impl.rope
        if delta.base_len != len(old) or delta.target_len != len(new_rope):
            raise DeltaError(f"delta {delta.base_len}->{delta.target_len} does not take the text "
                             f"of {len(old)} code points to {len(new_rope)}")
        return self._impl.edit(delta, new_rope, budget)

    def spans(self, start_line: int, end_line: int) -> list[ScopeSpan]:
        """The spans of lines ``[start_line, end_line)`` (clamped to the document)."""
        return self._impl.spans(start_line, end_line)

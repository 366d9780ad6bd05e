"""``BundledSyntax``: the languages and themes ``symphony serve`` offers its frontends.

Languages are the bundled highlighter's (tree-sitter grammars and every Pygments lexer, plus
"Plain Text"), detected from a document's modeline, file name and shebang; themes are built
from Pygments styles. It is the :class:`symphony.rpc.Syntax` that ``XiCore`` takes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ._themes import DEFAULT_THEME, THEMES
from .highlight import LANGUAGES, detect_language

__all__ = ["BundledSyntax"]


class BundledSyntax:
    """Every language the highlighter knows, and the bundled themes (Monokai by default)."""

    languages: Sequence[str] = LANGUAGES
    themes: Sequence[str] = tuple(THEMES)
    default_theme = DEFAULT_THEME

    def detect_language(self, path: str | None, first_line: str) -> str:
        return detect_language(path, first_line)

    def theme_settings(self, name: str) -> dict[str, Any]:
        return THEMES[name].settings()

    def resolver(self, name: str) -> Callable[[list[str]], dict[str, Any]]:
        return THEMES[name].resolver()

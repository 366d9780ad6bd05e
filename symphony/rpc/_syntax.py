"""``Syntax``: the languages and themes ``XiCore`` offers, so ``symphony.rpc`` holds no grammar.

``symphony serve`` gives the core the bundled one (``symphony.plugins.BundledSyntax``:
Pygments' and tree-sitter's languages, themes from Pygments styles); without one the core
offers plain text and themes that differ in name only (:data:`PLAIN_SYNTAX`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from ..text.editor import Resolver

__all__ = ["PLAIN_SYNTAX", "PlainSyntax", "Syntax"]


class Syntax(Protocol):
    """What the frontend protocol's ``available_languages``, ``language_changed``,
    ``available_themes``, ``set_theme``/``theme_changed`` and ``def_style`` come from."""

    languages: Sequence[str]
    themes: Sequence[str]
    default_theme: str

    def detect_language(self, path: str | None, first_line: str) -> str:
        """The language of a document from its path and first line (one of ``languages``)."""

    def theme_settings(self, name: str) -> dict[str, Any]:
        """The ``theme`` object of ``theme_changed`` for the theme ``name``."""

    def resolver(self, name: str) -> Resolver | None:
        """Scope stacks to ``def_style`` fields under the theme ``name`` (None: no styling)."""


class PlainSyntax:
    """Plain text only; themes that differ in name only (no styling)."""

    languages: Sequence[str] = ("Plain Text",)
    themes: Sequence[str] = ("default", "InspiredGitHub", "Solarized (dark)")
    default_theme = "default"

    def detect_language(self, path: str | None, first_line: str) -> str:
        return "Plain Text"

    def theme_settings(self, name: str) -> dict[str, Any]:
        return {}

    def resolver(self, name: str) -> Resolver | None:
        return None


PLAIN_SYNTAX = PlainSyntax()

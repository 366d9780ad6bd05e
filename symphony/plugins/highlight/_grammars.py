"""The tree-sitter grammars: which languages have one, and their compiled highlight query.

Each grammar is a wheel from PyPI (``tree_sitter_python``...) giving ``language()`` and its
highlight query (``HIGHLIGHTS_QUERY``, else the ``queries/highlights.scm`` file in the wheel).
TypeScript's query extends JavaScript's, as the grammar's README says, and JSX adds the
JavaScript wheel's ``highlights-jsx.scm``; Markdown is highlighted
at block level (its inline grammar would be an injection).

Each ``Language`` and ``Query`` is built once per process and kept: py-tree-sitter 0.26 can
crash when a query on the TypeScript grammar is built again after a first one was freed.
"""

from __future__ import annotations

import importlib
import importlib.resources
import threading
from dataclasses import dataclass
from typing import Any

__all__ = ["TREE_SITTER", "Grammar", "grammar"]

#: Language name -> (wheel module, language function, queries in order: a wheel module's highlight
#: query, or ``"module:file.scm"`` for another file of its ``queries`` folder).
TREE_SITTER: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "C": ("tree_sitter_c", "language", ("tree_sitter_c",)),
    "JavaScript": ("tree_sitter_javascript", "language", ("tree_sitter_javascript",)),
    "JSX": ("tree_sitter_javascript", "language",
            ("tree_sitter_javascript", "tree_sitter_javascript:highlights-jsx.scm")),
    "JSON": ("tree_sitter_json", "language", ("tree_sitter_json",)),
    "Markdown": ("tree_sitter_markdown", "language", ("tree_sitter_markdown",)),
    "Python": ("tree_sitter_python", "language", ("tree_sitter_python",)),
    "Rust": ("tree_sitter_rust", "language", ("tree_sitter_rust",)),
    "TOML": ("tree_sitter_toml", "language", ("tree_sitter_toml",)),
    "TSX": ("tree_sitter_typescript", "language_tsx", ("tree_sitter_javascript", "tree_sitter_typescript")),
    "TypeScript": ("tree_sitter_typescript", "language_typescript",
                   ("tree_sitter_javascript", "tree_sitter_typescript")),
    "YAML": ("tree_sitter_yaml", "language", ("tree_sitter_yaml",)),
}


@dataclass(frozen=True)
class Grammar:
    """A loaded grammar: the ``tree_sitter.Language``, its highlight ``Query`` and capture scopes."""

    name: str
    language: Any
    query: Any
    #: Capture index -> capture name, in the query's order.
    capture_names: tuple[str, ...]


_lock = threading.Lock()
_loaded: dict[str, Grammar | None] = {}


def _query_text(spec: str) -> str:
    module_name, _, file_name = spec.partition(":")
    if file_name:
        return (importlib.resources.files(module_name) / "queries" / file_name).read_text(encoding="utf-8")
    module = importlib.import_module(module_name)
    text = getattr(module, "HIGHLIGHTS_QUERY", None)
    if isinstance(text, str):
        return text
    root = importlib.resources.files(module_name) / "queries"
    for candidate in (root / "highlights.scm", root / module_name.removeprefix("tree_sitter_") / "highlights.scm"):
        if candidate.is_file():
            return candidate.read_text(encoding="utf-8")
    raise ImportError(f"{module_name} has no highlight query")


def _load(name: str) -> Grammar | None:
    module_name, function, query_modules = TREE_SITTER[name]
    try:
        import tree_sitter

        module = importlib.import_module(module_name)
        language = tree_sitter.Language(getattr(module, function)())
        source = "\n".join(_query_text(m) for m in query_modules)
        query = tree_sitter.Query(language, source)
    except (ImportError, AttributeError, ValueError, OSError):
        return None  # the [highlight] extra is not installed, or the wheel lacks what we need
    names = tuple(query.capture_name(i) for i in range(query.capture_count))
    return Grammar(name, language, query, names)


def grammar(name: str) -> Grammar | None:
    """The loaded grammar of language ``name``, or None when it has none (or its wheel is missing)."""
    if name not in TREE_SITTER:
        return None
    with _lock:
        if name not in _loaded:
            _loaded[name] = _load(name)
        return _loaded[name]

"""Which language a document is in: by modeline, file name and shebang, as editors decide.

Language names are the ones xi shows ("Python", "Rust", "Plain Text"): Pygments' lexer names,
so every language Pygments knows can be chosen, and the tree-sitter grammars are registered
under the same names (``_grammars.TREE_SITTER``).
"""

from __future__ import annotations

import functools
import os
import re

from pygments.lexers import find_lexer_class_for_filename, get_all_lexers, get_lexer_by_name
from pygments.util import ClassNotFound

__all__ = ["LANGUAGES", "PLAIN_TEXT", "detect_language", "language_for_alias"]

#: The language of a document nothing else matches: no spans.
PLAIN_TEXT = "Plain Text"

#: Every language a document can be set to: Pygments' lexer names and "Plain Text", sorted.
LANGUAGES: tuple[str, ...] = tuple(sorted(
    {name for name, _aliases, _files, _mimes in get_all_lexers() if name != "Text only"} | {PLAIN_TEXT},
    key=str.casefold))

# File names decided here before Pygments is asked (its table has ties it breaks by content).
_EXTENSIONS: dict[str, str] = {
    ".py": "Python", ".pyi": "Python", ".pyw": "Python",
    ".js": "JavaScript", ".mjs": "JavaScript", ".cjs": "JavaScript", ".jsx": "JSX",
    ".ts": "TypeScript", ".mts": "TypeScript", ".cts": "TypeScript", ".tsx": "TSX",
    ".rs": "Rust", ".c": "C", ".h": "C", ".json": "JSON", ".md": "Markdown", ".markdown": "Markdown",
    ".toml": "TOML", ".yaml": "YAML", ".yml": "YAML", ".txt": PLAIN_TEXT,
}

# Interpreters of a shebang line that are not a Pygments alias of their language.
_INTERPRETERS: dict[str, str] = {
    "node": "JavaScript", "nodejs": "JavaScript", "deno": "TypeScript", "bun": "JavaScript",
    "ts-node": "TypeScript", "sh": "Bash", "dash": "Bash", "ash": "Bash", "ksh": "Bash", "zsh": "Bash",
    "pypy": "Python", "pypy3": "Python", "python": "Python", "python2": "Python 2.x",
}

# vim: "vim: set ft=python:", "vi: filetype=rust", "ex: syntax=c"; emacs: "-*- mode: python -*-", "-*- python -*-".
_VIM = re.compile(r"(?:^|\s)(?:vi|vim|ex)(?:[<=>]?\d+)?:.*?(?:^|[\s:])(?:ft|filetype|syntax|syn)=([\w+#.-]+)")
_EMACS = re.compile(r"-\*-\s*(?:.*?\bmode\s*:\s*([\w+#.-]+)|([\w+#.-]+)\s*)[;\s]*.*?-\*-")


@functools.lru_cache(maxsize=512)
def language_for_alias(alias: str) -> str | None:
    """The language a short name stands for (``"py"``, ``"rust"``, ``"ft=sh"``'s ``"sh"``), or None."""
    alias = alias.strip().lower()
    if not alias:
        return None
    if alias in _INTERPRETERS:
        return _INTERPRETERS[alias]
    for name in LANGUAGES:
        if name.lower() == alias:
            return name
    try:
        name = get_lexer_by_name(alias).name
    except ClassNotFound:
        return None
    return PLAIN_TEXT if name == "Text only" else name


def _from_modeline(first_line: str) -> str | None:
    m = _VIM.search(first_line)
    if m:
        return language_for_alias(m.group(1))
    m = _EMACS.search(first_line)
    if m:
        return language_for_alias(m.group(1) or m.group(2))
    return None


@functools.lru_cache(maxsize=512)
def _from_file_name(name: str) -> str | None:
    _root, ext = os.path.splitext(name)
    if ext.lower() in _EXTENSIONS:
        return _EXTENSIONS[ext.lower()]
    try:
        cls = find_lexer_class_for_filename(name)
    except ClassNotFound:  # pragma: no cover - Pygments answers None, kept for older releases
        cls = None
    if cls is None:
        return None
    return PLAIN_TEXT if cls.name == "Text only" else str(cls.name)


def _from_shebang(first_line: str) -> str | None:
    if not first_line.startswith("#!"):
        return None
    words = first_line[2:].split()
    if not words:
        return None
    prog = os.path.basename(words[0])
    if prog == "env":
        args = [w for w in words[1:] if not w.startswith("-") and "=" not in w]
        if not args:
            return None
        prog = os.path.basename(args[0])
    found = language_for_alias(prog)
    if found is None:  # python3.11, ruby2.7, perl5
        found = language_for_alias(re.sub(r"[\d.]+$", "", prog))
    return found


def detect_language(path: str | None, first_line: str) -> str:
    """The language of a document from its path and first line; "Plain Text" when nothing tells.

    A modeline wins (``# vim: ft=python``, ``-*- mode: rust -*-``: the author said so), then the
    file name (extension or a known name such as ``Makefile``), then a shebang
    (``#!/usr/bin/env python3``; it also decides for a name that says only plain text, ``notes.txt``). ``path`` may be None (an unsaved buffer).
    """
    first_line = first_line.splitlines()[0] if first_line else ""
    found = _from_modeline(first_line)
    if found is None and path:
        found = _from_file_name(os.path.basename(path))
    if found is None or found == PLAIN_TEXT:
        found = _from_shebang(first_line) or found
    return found or PLAIN_TEXT

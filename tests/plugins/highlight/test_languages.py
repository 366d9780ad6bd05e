"""Language detection: modeline, then file name, then shebang; names as xi shows them."""

from __future__ import annotations

import pytest

from symphony.plugins.highlight import LANGUAGES, PLAIN_TEXT, TREE_SITTER, Highlighter, detect_language
from symphony.text import Rope

TABLE = [
    # by extension
    ("src/app.py", "", "Python"),
    ("stubs/os.pyi", "", "Python"),
    ("lib/a.rs", "", "Rust"),
    ("a.c", "", "C"),
    ("a.h", "", "C"),
    ("a.js", "", "JavaScript"),
    ("a.mjs", "", "JavaScript"),
    ("a.ts", "", "TypeScript"),
    ("a.tsx", "", "TSX"),
    ("package.json", "", "JSON"),
    ("README.md", "", "Markdown"),
    ("pyproject.toml", "", "TOML"),
    ("ci.yml", "", "YAML"),
    ("ci.YAML", "", "YAML"),
    ("main.go", "", "Go"),
    ("x.rb", "", "Ruby"),
    ("Makefile", "", "Makefile"),
    ("/abs/dir.d/Dockerfile", "", "Docker"),
    ("notes.txt", "", PLAIN_TEXT),
    ("noext", "", PLAIN_TEXT),
    ("weird.unknownext", "", PLAIN_TEXT),
    (None, "", PLAIN_TEXT),
    (None, "just words", PLAIN_TEXT),
    # by shebang
    (None, "#!/usr/bin/env python3", "Python"),
    (None, "#!/usr/bin/python3.11 -u", "Python"),
    ("script", "#!/bin/sh", "Bash"),
    ("script", "#!/usr/bin/env bash", "Bash"),
    ("script", "#!/usr/bin/env -S node --harmony", "JavaScript"),
    ("script", "#!/usr/bin/env ruby", "Ruby"),
    ("script", "#!/usr/bin/perl -w", "Perl"),
    ("notes.txt", "#!/usr/bin/env python3", "Python"),  # a name saying only "text" yields to the shebang
    ("a.rs", "#!/usr/bin/env python3", "Rust"),         # the file name beats the shebang
    (None, "#!", PLAIN_TEXT),
    (None, "#!/usr/bin/env", PLAIN_TEXT),
    (None, "#!/usr/bin/no-such-interpreter", PLAIN_TEXT),
    # by modeline (beats everything)
    ("a.txt", "# vim: set ft=python:", "Python"),
    ("a.c", "// vim: ts=4 ft=javascript", "JavaScript"),
    (None, "/* vi: filetype=rust */", "Rust"),
    (None, "# -*- mode: python -*-", "Python"),
    (None, "# -*- coding: utf-8; mode: ruby -*-", "Ruby"),
    (None, "/* -*- c -*- */", "C"),
    (None, "# vim: ft=nosuchlanguage", PLAIN_TEXT),
    # the first line only
    (None, "hello\n#!/usr/bin/env python3", PLAIN_TEXT),
]


@pytest.mark.parametrize("path,first_line,expected", TABLE)
def test_detect_language(path, first_line, expected):
    assert detect_language(path, first_line) == expected


def test_languages_are_names_a_highlighter_takes():
    assert PLAIN_TEXT in LANGUAGES
    assert list(LANGUAGES) == sorted(LANGUAGES, key=str.casefold)
    assert len(set(LANGUAGES)) == len(LANGUAGES)
    for name in TREE_SITTER:
        assert name in LANGUAGES
    for name in ("Python", "Rust", "Go", "Ruby", "Haskell"):
        assert Highlighter(name, Rope("x = 1\n")).engine != "plain"


def test_every_detected_language_is_listed():
    for _path, _first, expected in TABLE:
        assert expected in LANGUAGES

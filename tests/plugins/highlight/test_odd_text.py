"""Astral characters, CRLF, huge lines and hostile text: offsets stay code points, nothing breaks."""

from __future__ import annotations

import pytest

from symphony.plugins.highlight import Highlighter
from symphony.text import Delta, Rope

from ._oracle import fresh

ENGINES = ["tree-sitter", "pygments"]


@pytest.mark.parametrize("engine", ENGINES)
def test_astral_characters_count_as_one_code_point(engine):
    text = 'x = "😀😀"  # 🎉 é\ny = 1\n'
    spans = fresh("Python", text, engine)
    by_scope = {text[s:e]: scope for s, e, scope in spans}
    assert by_scope['"😀😀"'] == "string.quoted"
    assert by_scope["# 🎉 é"] == "comment.line"
    assert by_scope["1"] == "constant.numeric"


@pytest.mark.parametrize("engine", ENGINES)
def test_crlf_lines_highlight_as_lf_lines_do(engine):
    lf = 'def f(x):\n    return "a"  # c\n'
    crlf = lf.replace("\n", "\r\n")
    spans_lf = fresh("Python", lf, engine)
    spans_crlf = fresh("Python", crlf, engine)
    # (a tree-sitter comment token may take the CR of its line's CRLF: it is never drawn)
    assert [lf[s:e] for s, e, _ in spans_lf] == [crlf[s:e].rstrip("\r") for s, e, _ in spans_crlf]
    assert [scope for *_, scope in spans_lf] == [scope for *_, scope in spans_crlf]


@pytest.mark.parametrize("engine", ENGINES)
def test_an_edit_between_cr_and_lf(engine):
    rope = Rope("a = 1\r\nb = 2\r\n")
    h = Highlighter("Python", rope, engine=engine)
    new = rope.insert(6, "# x")
    h.edit(Delta.insert(len(rope), 6, "# x"), new)
    assert h.spans(0, new.line_count) == fresh("Python", new, engine)


@pytest.mark.slow
@pytest.mark.parametrize("engine", ENGINES)
def test_a_huge_line_and_an_edit_inside_it(engine):
    line = "x = [" + ", ".join(str(i) for i in range(40_000)) + "]"
    rope = Rope("import os\n" + line + "\nprint(x)\n")
    h = Highlighter("Python", rope, engine=engine)
    assert h.spans(2, 3) == fresh("Python", "import os\n" + line + "\nprint(x)\n", engine)[-len(h.spans(2, 3)):]
    at = 10 + len(line) // 2
    new = rope.insert(at, '"')
    h.edit(Delta.insert(len(rope), at, '"'), new)
    assert h.spans(0, new.line_count) == fresh("Python", new, engine)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("text", [
    "x = '\ud800'\n",              # a lone surrogate (not valid UTF-8)
    "a\x00b = 1\n\x00\n",          # NUL characters
    "\x1b[31m = \x7f\x0c\n",       # control characters
    "\ufeffx = 1\n",               # a byte order mark
    "\u2028x = 1\u2029\n",         # Unicode line and paragraph separators (not line breaks here)
    "",                            # nothing
    "\n\n\n",                      # only newlines
    "\r",                          # a lone carriage return
])
def test_hostile_text_highlights_and_edits_without_error(engine, text):
    rope = Rope(text)
    h = Highlighter("Python", rope, engine=engine)
    spans = h.spans(0, rope.line_count)
    for s, e, scope in spans:
        assert 0 <= s < e <= len(text) and scope
    new = rope.insert(len(rope), "y = '\udfff' \x00\n")
    h.edit(Delta.insert(len(rope), len(rope), "y = '\udfff' \x00\n"), new)
    assert h.spans(0, new.line_count) == fresh("Python", new, engine)


@pytest.mark.parametrize("language", ["JavaScript", "JSX", "TypeScript", "TSX", "Rust", "C", "JSON", "Markdown", "TOML",
                                      "YAML", "Python"])
def test_every_tree_sitter_grammar_highlights(language):
    text = {
        "JavaScript": "const x = 1; // c\nfunction f(a) { return `s${a}`; }\n",
        "TypeScript": "interface A { x: number }\nconst y: A = { x: 1 }; // c\n",
        "TSX": "const e = <div className=\"a\">{x}</div>; // c\n",
        "JSX": "const e = <div className=\"a\">{x}</div>; // c\n",
        "Rust": "fn main() { let x = 1; } // c\n",
        "C": "#include <stdio.h>\nint main(void) { return 0; } // c\n",
        "JSON": '{"k": [1, true, null, "s"]}\n',
        "Markdown": "# Title\n\n```py\ncode\n```\n",
        "TOML": '[table]\nkey = "v" # c\n',
        "YAML": "key: value # c\nlist: [1, 2]\n",
        "Python": "def f(): return 1  # c\n",
    }[language]
    rope = Rope(text)
    h = Highlighter(language, rope)
    assert h.engine == "tree-sitter"
    assert h.spans(0, rope.line_count)
    new = rope.insert(0, "\n")
    h.edit(Delta.insert(len(rope), 0, "\n"), new)
    assert h.spans(0, new.line_count) == fresh(language, new, "tree-sitter")


def test_engine_choice_by_language_and_size(monkeypatch):
    import symphony.plugins.highlight._engine as engine_module

    assert Highlighter("Python", Rope("x")).engine == "tree-sitter"
    assert Highlighter("Go", Rope("x")).engine == "pygments"
    assert Highlighter("Plain Text", Rope("x")).engine == "plain"
    assert Highlighter("No Such Language", Rope("x")).engine == "plain"
    assert Highlighter("Go", Rope("x"), engine="tree-sitter").engine == "plain"  # no grammar: no spans
    monkeypatch.setattr(engine_module, "TREE_SITTER_MAX_BYTES", 4)
    assert Highlighter("Python", Rope("x = 1")).engine == "pygments"  # too big for a tree
    assert Highlighter("Python", Rope("x = 1"), engine="tree-sitter").engine == "tree-sitter"

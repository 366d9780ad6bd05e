"""The example ``snippet-stats-js`` (an operator in JavaScript) run through ProcessExtension,
checked against a model of its statistics written in Python."""

from __future__ import annotations

import re
import shutil
import tomllib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from symphony.errors import ExtensionFailed
from symphony.extensions._process import ProcessExtension, ProcessState

from .process_support import Manifest, gone, wait_until

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "extensions" / "snippet-stats-js"

pytestmark = pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is not installed")

# -- the model --------------------------------------------------------------------------------

TERMINATOR = re.compile(r"\r\n|\n|\r")
BLANK = re.compile(r"[ \t\f\v]*")
WORD = re.compile(r"[^ \t\n\r\f\v]+")
IDENTIFIER = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*")
COMMENT = re.compile(r"[ \t]*(?://|/\*|\*/|\*(?: |$)|#(?: |#|$)|--(?: |$)|<!--|;;)")


def indent_width(line: str) -> int:
    col = 0
    for ch in line:
        if ch == " ":
            col += 1
        elif ch == "\t":
            col = (col // 4 + 1) * 4
        else:
            break
    return col


def snippet_stats(text: str) -> dict[str, Any]:
    """What snippet-stats computes, as its main.js header defines it."""
    lines = TERMINATOR.split(text) if text else []
    if lines and lines[-1] == "" and text[-1] in "\r\n":
        lines.pop()
    endings = {"lf": 0, "crlf": 0, "cr": 0}
    for t in TERMINATOR.findall(text):
        endings[{"\n": "lf", "\r\n": "crlf", "\r": "cr"}[t]] += 1
    filled = [line for line in lines if not BLANK.fullmatch(line)]
    comments = sum(1 for line in filled if COMMENT.match(line))
    tabs = sum(1 for line in filled if line.startswith("\t"))
    spaces = sum(1 for line in filled if line.startswith(" "))
    return {
        "lines": len(lines),
        "blank_lines": len(lines) - len(filled),
        "comment_lines": comments,
        "comment_share": comments / len(filled) if filled else 0,
        "words": len(WORD.findall(text)),
        "identifiers": len(IDENTIFIER.findall(text)),
        "characters": len(text),
        "bytes": len(text.encode("utf-8")),
        "non_ascii": sum(1 for ch in text if ord(ch) > 127),
        "longest_line": max((len(line) for line in lines), default=0),
        "mean_line_length": sum(len(line) for line in lines) / len(lines) if lines else 0,
        "long_lines": sum(1 for line in lines if len(line) > 100),
        "max_indent": max((indent_width(line) for line in filled), default=0),
        "tab_indented_lines": tabs,
        "space_indented_lines": spaces,
        "mixed_indentation": tabs > 0 and spaces > 0,
        "trailing_whitespace_lines": sum(1 for line in filled if line[-1] in " \t"),
        "line_endings": endings,
        "final_newline": text[-1:] in ("\r", "\n"),
    }


# -- the extension ----------------------------------------------------------------------------


def manifest() -> Manifest:
    """The example's extension.toml, read as far as ProcessExtension needs it (and checked)."""
    data = tomllib.loads((EXAMPLE / "extension.toml").read_text())
    assert data["kind"] == "operator" and data["exec"] == ["node", "main.js"]
    assert data["operator"] == {"name": "snippet-stats", "inputs": {"text": "str"}, "output": "dict"}
    return Manifest(data["id"], tuple(data["exec"]), EXAMPLE, frozenset(data["permissions"]), data["version"],
                    data["kind"])


class Served:
    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.events: list[dict[str, Any]] = []

    def serve(self, method: str, params: dict[str, Any]) -> Any:
        self.calls.append((method, params))
        return None


@pytest.fixture(scope="module")
def stats():
    served = Served()
    ext = ProcessExtension(manifest(), serve=served.serve, on_event=served.events.append, workspace=None)
    ext.start()
    ext.served = served  # type: ignore[attr-defined]
    try:
        yield ext
    finally:
        pid = ext.pid
        ext.stop()
        assert pid is not None and gone(pid)


def call(ext: ProcessExtension, text: str) -> dict[str, Any]:
    return ext.call("operator/call", {"inputs": {"text": text}})


def test_it_starts_and_says_it_is_ready(stats):
    assert stats.state is ProcessState.RUNNING
    assert wait_until(lambda: any(m == "log" for m, _ in stats.served.calls))
    method, params = next(c for c in stats.served.calls if c[0] == "log")
    assert params["level"] == "info" and params["message"].startswith("snippet-stats ready (node v")


def test_a_known_snippet(stats):
    text = "#!/usr/bin/env python\n# add two numbers\r\ndef add(a, b):\n\treturn a + b  \n\n"
    out = call(stats, text)
    assert out == snippet_stats(text)
    assert out["lines"] == 5 and out["blank_lines"] == 1 and out["comment_lines"] == 1
    assert out["comment_share"] == 0.25 and out["line_endings"] == {"lf": 4, "crlf": 1, "cr": 0}
    assert out["trailing_whitespace_lines"] == 1 and out["max_indent"] == 4 and out["final_newline"] is True
    assert call(stats, "") == snippet_stats("") and call(stats, "")["lines"] == 0


def test_bad_input_is_refused_and_it_keeps_serving(stats):
    with pytest.raises(ExtensionFailed, match="inputs.text must be a string"):
        stats.call("operator/call", {"inputs": {"text": 42}})
    assert call(stats, "ok")["words"] == 1 and stats.restarts == 0


PIECES = st.sampled_from(["\r\n", "\n", "\r", "\t", " ", "    ", "# ", "#", "##", "#!", "//", "/*", "*/", "* ",
                          "-- ", "<!--", ";;", "x", "_id$9", "é", "€", "😀", "\u2028", "\x0b", "\x0c", "\x1c",
                          "\u00a0", "\ufeff", "a" * 101])
TEXT = st.lists(st.one_of(PIECES, st.text(st.characters(blacklist_categories=("Cs",)), max_size=5)),
                max_size=40).map("".join)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=TEXT)
def test_it_agrees_with_the_model_on_random_text(stats, text):
    assert call(stats, text) == snippet_stats(text)

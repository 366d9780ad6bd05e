"""Highlighting end to end: ``symphony serve`` detects the language, runs the bundled highlighter
as a plugin, and its frontend gets ``def_style`` and styled lines, under the theme it picks."""

from __future__ import annotations

from typing import Any

from tests.conftest import wait_until
from tests.rpc.xi_client import XiClient


def styled_lines(xi: XiClient, view: str) -> list[Any]:
    return [line for line in xi.caches[view].lines if line is not None and line.styles]


def test_a_python_file_is_highlighted_as_typed_and_restyled_by_a_theme(tmp_path):
    path = tmp_path / "hello.py"
    path.write_text("def greet(name):\n    return 'hi ' + name  # a comment\n")
    xi = XiClient()
    try:
        xi.request("client_started", {})
        v = xi.new_view(str(path))
        assert wait_until(lambda: (xi.last("language_changed") or {}).get("language_id") == "Python")
        assert wait_until(lambda: xi.contents(v) and len(styled_lines(xi, v)) == 2), xi.stderr()
        defined = {m["params"]["id"]: m["params"] for m in list(xi.notifications) if m["method"] == "def_style"}
        first = xi.caches[v].lines[0]
        ids = first.styles[2::3]
        assert ids and all(i in defined for i in ids)  # every style used was defined first
        # typing keeps the colours current: a new line with a keyword gets styled too
        xi.edit(v, "move_to_end_of_document")
        for ch in "import os":
            xi.edit(v, "insert", {"chars": ch})
        assert wait_until(lambda: xi.contents(v).endswith("import os")
                          and (xi.caches[v].lines[2] or None) is not None and xi.caches[v].lines[2].styles), xi.stderr()
        before = len([m for m in xi.notifications if m["method"] == "def_style"])
        xi.notify("set_theme", {"theme_name": "Solarized (light)"})
        assert wait_until(lambda: (xi.last("theme_changed") or {}).get("name") == "Solarized (light)")
        assert xi.last("theme_changed")["theme"]  # the theme's colours, not an empty object
        assert wait_until(lambda: len([m for m in xi.notifications if m["method"] == "def_style"]) > before)
        assert xi.request_raw("set_theme", {"theme_name": "No Such Theme"})["error"]["code"] == -32602
        # the user says what the language is
        xi.request("set_language", {"view_id": v, "language_id": "Plain Text"})
        assert wait_until(lambda: xi.last("language_changed")["language_id"] == "Plain Text")
        assert xi.request_raw("set_language", {"view_id": v, "language_id": 5})["error"]["code"] == -32602
    finally:
        assert xi.close() == 0, xi.stderr()
    assert "Traceback" not in xi.stderr(), xi.stderr()


def test_a_big_file_gets_its_first_screen_coloured_and_a_plain_one_stays_plain(tmp_path):
    big = tmp_path / "big.py"
    with open(big, "w") as f:  # over 1 MB: the first screen is coloured from the file's start
        for i in range(40_000):
            f.write(f"def f{i}(x):\n    return x + {i}  # n\n")
    plain = tmp_path / "notes.txt"
    plain.write_text("just words\n" * 1000)
    xi = XiClient()
    try:
        xi.request("client_started", {})
        v = xi.new_view(str(big))
        assert wait_until(lambda: xi.contents(v) is not None and len(styled_lines(xi, v)) >= 10), xi.stderr()
        # every line of the first screen is coloured as a whole-file highlight colours it
        first = xi.caches[v].lines[0]
        assert first.text.startswith("def f0") and first.styles
        # typing at the top keeps colours in step with the text
        xi.edit(v, "insert", {"chars": "import os\n"})
        assert wait_until(lambda: xi.caches[v].lines[0] is not None and xi.caches[v].lines[0].text == "import os\n"
                          and xi.caches[v].lines[0].styles), xi.stderr()
        p = xi.new_view(str(plain))
        xi.edit(p, "insert", {"chars": "more "})
        xi.sync_check(p, "more " + "just words\n" * 1000)
        assert styled_lines(xi, p) == []
    finally:
        assert xi.close() == 0, xi.stderr()
    assert "Traceback" not in xi.stderr(), xi.stderr()

"""The example plugins in ``examples/plugins/``, run as the host runs them (their manifest's
``exec_path``), with the test playing xi-core: ``wordcount`` (Python, on the SDK) and
``trailing-whitespace-js`` (Node.js, raw JSON lines)."""

from __future__ import annotations

import importlib.util
import os
import re
import shutil

import pytest
import tomllib
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from symphony.text import Rope

from .core_sim import ROOT, Core

EXAMPLES = os.path.join(ROOT, "examples", "plugins")
V = "view-id-1"


def manifest(name: str) -> dict:
    with open(os.path.join(EXAMPLES, name, "manifest.toml"), "rb") as f:
        return tomllib.load(f)


def exec_path(name: str) -> str:
    return os.path.normpath(os.path.join(EXAMPLES, name, manifest(name)["exec_path"]))


@pytest.mark.parametrize("name, command", [("wordcount", "wordcount.report"),
                                           ("trailing-whitespace-js", "trailing_whitespace.strip")])
def test_manifest_is_xi_plugin_description(name, command):
    m = manifest(name)
    assert m["name"] == name and isinstance(m["version"], str)
    assert m["scope"] in ("global", "buffer_local", "single_invocation")
    assert m["activations"] == ["autorun"]
    assert m["exec_path"].startswith("./")
    path = exec_path(name)
    assert os.path.isfile(path) and os.access(path, os.X_OK)
    (cmd,) = m["commands"]
    assert cmd["title"] and cmd["description"] and cmd["args"] == []
    assert cmd["rpc_cmd"] == {"rpc_type": "notification", "method": command, "params": {"view": ""}}


# -- wordcount ----------------------------------------------------------------------------

def load_wordcount():
    spec = importlib.util.spec_from_file_location("wordcount_example", exec_path("wordcount"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(["w", "ord", " ", "\n", "\t", "😀", "é "]), max_size=40).map("".join),
       st.integers(1, 7))
def test_count_words_across_chunks(text, size):
    count_words = load_wordcount().count_words
    rope = Rope.from_chunks([text[i:i + size] for i in range(0, len(text), size)])
    assert count_words(rope) == len(text.split())


def test_wordcount_plugin():
    core = Core([exec_path("wordcount")])
    try:
        core.initialize(V, "one two\nthree 😀")
        item = core.method("add_status_item")["params"]
        assert item == {"plugin_id": 7, "view_id": V, "key": "wordcount", "value": "4 words", "alignment": "right"}
        mark = core.mark()
        assert core.update(V, "one two\nthree 😀 four five")["result"] == 1
        assert core.method("update_status_item", mark)["params"]["value"] == "6 words"
        mark = core.mark()
        core.command(V, "wordcount.report")
        assert core.method("alert", mark)["params"]["msg"] == "6 words, 2 lines, 25 characters"
        core.notify("did_close", {"view_id": V})
        assert core.method("remove_status_item", mark)["params"]["key"] == "wordcount"
        assert core.shutdown() == 0
        assert core.bad_lines == []
    finally:
        core.stop()


# -- trailing-whitespace-js ----------------------------------------------------------------

def runs(text: bytes, start: int = 0, end: int | None = None) -> list[dict]:
    """Trailing spaces/tabs of each line of ``text[start:end]`` (whole lines), relative to start."""
    region = text[start:len(text) if end is None else end]
    out = []
    pos = 0
    lines = region.split(b"\n")
    for k, line in enumerate(lines):
        # "\r\n" ends a line; a "\r" with no "\n" after it (the text's end) is the line's own
        body = line[:-1] if line.endswith(b"\r") and k < len(lines) - 1 else line
        stripped = body.rstrip(b" \t")
        if len(stripped) < len(body):
            out.append({"start": pos + len(stripped), "end": pos + len(body), "scope_id": 0})
        pos += len(line) + 1
    return out


def check_spans(core: Core, msg: dict, changed: tuple[int, int] | None = None) -> None:
    """``update_spans`` covers whole lines (and the changed bytes) of the core's current text,
    with exactly its trailing runs."""
    p = msg["params"]
    text = core.text(p["view_id"])
    start, end = p["start"], p["start"] + p["len"]
    assert p["rev"] == core.rev[p["view_id"]] and p["plugin_id"] == 7
    assert start == 0 or text[start - 1] == 0x0A
    assert end == len(text) or text[end - 1] == 0x0A
    if changed is not None:
        assert start <= changed[0] and changed[1] <= end, (start, end, changed)
    assert p["spans"] == runs(text, start, end)


@pytest.fixture
def js():
    if shutil.which("node") is None:
        pytest.skip("Node.js is not installed")
    core = Core([exec_path("trailing-whitespace-js")])
    yield core
    core.stop()


TW_TEXT = "def f():  \n\treturn 1\t \r\n😀 é  \nlast "


def test_js_highlights_trailing_whitespace(js):
    js.initialize(V, TW_TEXT)
    scopes = js.method("add_scopes")["params"]
    assert scopes == {"plugin_id": 7, "view_id": V, "scopes": [["invalid.whitespace.trailing"]]}
    spans = js.method("update_spans")
    assert spans["params"]["start"] == 0 and spans["params"]["len"] == len(TW_TEXT.encode())
    check_spans(js, spans)
    assert len(spans["params"]["spans"]) == 4
    # An edit re-sends the lines it touched.
    mark = js.mark()
    new = TW_TEXT.replace("😀 é  ", "😀 é")
    assert js.update(V, new)["result"] == 1
    at = len("def f():  \n\treturn 1\t \r\n😀 é".encode())
    check_spans(js, js.method("update_spans", mark), changed=(at, at))
    # A null delta: fetched again (chunked get_data at the new revision), all of it re-sent.
    mark = js.mark()
    big = "x  \n" * 50
    assert js.update(V, big, delta=None)["result"] == 1
    spans = js.method("update_spans", mark)
    check_spans(js, spans, changed=(0, len(big)))
    assert {m["params"]["rev"] for m in js.log[mark:] if m.get("method") == "get_data"} == {2}
    assert js.shutdown() == 0


def test_js_strip_command_sends_an_edit(js):
    js.initialize(V, TW_TEXT)
    js.method("update_spans")
    js.update(V, TW_TEXT + "  ")
    mark = js.mark()
    js.command(V, "trailing_whitespace.strip")
    edit = js.method("edit", mark)["params"]["edit"]
    assert edit["rev"] == 1 and edit["author"] == "trailing-whitespace-js" and edit["undo_group"] is None
    old = js.text(V)
    assert edit["delta"]["base_len"] == len(old)
    out = b"".join(old[a:b] if "copy" in el else el["insert"].encode()
                   for el in edit["delta"]["els"] for a, b in [el.get("copy", (0, 0))])
    assert out.decode() == re.sub(r"[ \t]+(?=\r?\n|$)", "", TW_TEXT + "  ")
    assert js.shutdown() == 0


EDIT = st.lists(st.sampled_from(["a", " ", "\t", "\n", "\r\n", "😀", "é"]), max_size=6).map("".join)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_js_spans_follow_random_edits(js_shared, data):
    core = js_shared
    view = f"view-id-{len(core.rev) + 10}"
    text = data.draw(EDIT)
    mark = core.mark()
    core.new_buffer(view, text)
    check_spans(core, core.method("update_spans", mark, view_id=view))
    for _ in range(data.draw(st.integers(1, 5))):
        s = data.draw(st.integers(0, len(text)))
        e = data.draw(st.integers(s, len(text)))
        new = text[:s] + data.draw(EDIT) + text[e:]
        mark = core.mark()
        assert core.update(view, new)["result"] == 1
        check_spans(core, core.method("update_spans", mark, view_id=view))
        text = new
    core.notify("did_close", {"view_id": view})


@pytest.fixture(scope="module")
def js_shared():
    if shutil.which("node") is None:
        pytest.skip("Node.js is not installed")
    core = Core([exec_path("trailing-whitespace-js")])
    core.initialize("view-id-0", "")
    yield core
    assert core.shutdown() == 0
    core.stop()


def test_js_survives_hostile_input(js):
    js.initialize(V, "a \n")
    js.method("update_spans")
    for line in (b"not json\n", b"NaN\n", b"[1,\n", b"42\n", b"{\"method\": \"nope\", \"id\": 5}\n",
                 b"{\"method\": \"update\", \"id\": 6, \"params\": {\"view_id\": \"view-id-1\", \"rev\": \"x\"}}\n",
                 b"{\"method\": \"update\", \"id\": 7, \"params\": 3}\n",
                 b"{\"method\": \"custom_command\", \"params\": {\"view_id\": \"\\ud800\", \"method\": 1}}\n",
                 b"\"" + b"y" * 2_000_000 + b"\"\n"):
        js.send_raw(line)
    assert js.wait_for(lambda m: m.get("id") == 5)["error"]["code"] == -32601
    assert js.wait_for(lambda m: m.get("id") == 6)["error"]["code"] == -32602
    assert js.wait_for(lambda m: m.get("id") == 7)["error"]["code"] == 404
    mark = js.mark()
    assert js.update(V, "a \nb\t\n")["result"] == 1
    check_spans(js, js.method("update_spans", mark))
    assert js.shutdown() == 0


def test_js_keeps_xi_u64_revision_tokens_exact(js):
    rev = 2**64 - 1000  # xi-core's revisions are u64 tokens: past a JS number's exact range
    js.initialize(V, "a  \n", rev=rev)
    assert js.method("update_spans")["params"]["rev"] == rev
    mark = js.mark()
    assert js.update(V, "a  \nb \n", delta=None)["result"] == 1
    assert {m["params"]["rev"] for m in js.log[mark:] if m.get("method") == "get_data"} == {rev + 1}
    spans = js.method("update_spans", mark)
    assert spans["params"]["rev"] == rev + 1
    check_spans(js, spans)
    js.command(V, "trailing_whitespace.strip")
    assert js.method("edit", mark)["params"]["edit"]["rev"] == rev + 1
    assert js.shutdown() == 0

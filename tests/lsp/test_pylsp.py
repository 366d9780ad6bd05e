"""The client against the real python-lsp-server (pyflakes, pycodestyle) in a subprocess."""

from __future__ import annotations

import os
import random
import signal

import pytest
from lsprotocol import types as lsp

from symphony.errors import LanguageServerError
from symphony.lsp import path_to_uri
from symphony.text import Delta, Rope
from tests.conftest import wait_until

T = 60  # bound on one answer from pylsp (a shared, slow machine); never a timing assertion

SOURCE = "import os\n\n\ndef greet(name):\n    return name\n\n\ngreet('x')\n"


def open_file(client, tmp_path, text=SOURCE, name="mod.py"):
    path = tmp_path / name
    path.write_text(text)
    uri = path_to_uri(path)
    assert client.open(uri, text, "python")
    return uri


def messages(published, uri):
    return [d.message for d in published.get(uri) or ()]


def test_unused_import_is_diagnosed_at_its_offsets(client, tmp_path, published):
    uri = open_file(client, tmp_path)
    assert wait_until(lambda: any("imported but unused" in m for m in messages(published, uri)), T)
    unused = next(d for d in published.get(uri) if "imported but unused" in d.message)
    assert SOURCE[unused.start:unused.end] == "import os"
    assert unused.source == "pyflakes" and unused.severity == 2
    assert client.diagnostics(uri) == published.get(uri)
    assert client.status("python").encoding == "utf-16"


def test_completion_hover_definition_references(client, tmp_path):
    text = SOURCE + "os.pa"
    uri = open_file(client, tmp_path, text)
    completions = client.completion(uri, len(text)).get(T)
    assert "path" in completions.labels
    item = completions[completions.labels.index("path")]
    assert isinstance(item, lsp.CompletionItem) and item.label == "path"  # structured on reading
    assert [i.label for i in completions] == completions.labels
    assert completions.to_lsp().items[0].label == completions.labels[0]
    hover = client.hover(uri, text.index("greet('x')")).get(T)
    assert hover is not None and "greet(name)" in hover.contents.value
    locations = client.definition(uri, text.index("greet('x')")).get(T)
    assert len(locations) == 1 and locations[0].uri == uri
    start, end = client.offsets(uri, locations[0].range)
    assert text[start:end] == "greet"
    assert start == text.index("greet")
    references = client.references(uri, text.index("greet('x')")).get(T)
    assert sorted(client.offsets(uri, r.range)[0] for r in references) == [
        text.index("greet"), text.index("greet('x')")]


def test_rename_returns_a_delta_per_document(client, tmp_path):
    uri = open_file(client, tmp_path)
    edits = client.rename(uri, SOURCE.index("name)"), "who").get(T)
    assert list(edits) == [uri]
    assert edits[uri].apply(SOURCE) == SOURCE.replace("name", "who")


def test_a_request_at_an_offset_outside_the_document_fails_typed(client, tmp_path):
    uri = open_file(client, tmp_path)
    with pytest.raises(LanguageServerError):
        client.hover(uri, len(SOURCE) + 5).get(T)
    with pytest.raises(LanguageServerError):
        client.hover("file:///not/open.py", 0)
    with pytest.raises(LanguageServerError):
        client.change(uri, Delta.insert(3, 0, "x"))  # a delta on another text: refused, nothing changes
    assert str(client.text(uri)) == SOURCE
    assert client.open("file:///x.txt", "text", "plain") is False  # no server for that language


def test_incremental_edits_keep_the_server_text_equal_to_ours(client, tmp_path, published):
    """Random edits (astral characters included), each sent as an incremental didChange; the
    server's diagnostic for an undefined name then lands exactly on that name in our text."""
    uri = open_file(client, tmp_path, "x = 1\n")
    rng = random.Random(7)
    rope = Rope("x = 1\n")
    pieces = ["a", "😀", "é", "\n", "  ", "# 𝄞 ", "z"]
    for _ in range(60):
        if len(rope) > 2 and rng.random() < 0.3:
            start = rng.randrange(len(rope) - 1)
            delta = Delta.delete(len(rope), start, min(len(rope), start + rng.randint(1, 3)))
        else:
            delta = Delta.insert(len(rope), rng.randint(0, len(rope)), rng.choice(pieces))
        rope = delta.apply(rope)
        client.change(uri, delta, rope)
    # make the text valid Python ending in a use of an undefined name, by one more edit
    final = "# " + str(rope).replace("\n", " ") + "\nvalue = 1\nprint(undefined_name_q)\n"
    client.change(uri, Delta.replace(len(rope), 0, len(rope), final))
    assert str(client.text(uri)) == final

    def undefined():
        return [d for d in published.get(uri) or () if "undefined_name_q" in d.message]

    assert wait_until(undefined, T)
    d = undefined()[0]
    assert final[d.start:d.start + len("undefined_name_q")] == "undefined_name_q"
    hover = client.hover(uri, final.index("value")).get(T)  # pylsp answers from its own copy of the text
    assert hover is not None


def test_superseded_request_is_cancelled(client, tmp_path):
    uri = open_file(client, tmp_path)
    client.hover(uri, 1).get(T)  # the server is up and has the document
    pid = client.status("python").pid
    os.kill(pid, signal.SIGSTOP)  # hold the server so the first request stays in flight
    try:
        first = client.hover(uri, SOURCE.index("greet('x')"))
        second = client.hover(uri, SOURCE.index("greet('x')") + 1)
        with pytest.raises(LanguageServerError, match="superseded"):
            first.get(T)
    finally:
        os.kill(pid, signal.SIGCONT)
    assert second.get(T) is not None


def test_crash_mid_session_restarts_and_resyncs(client, tmp_path, published):
    uri = open_file(client, tmp_path)
    assert wait_until(lambda: messages(published, uri), T)
    status = client.status("python")
    os.kill(status.pid, signal.SIGSTOP)  # in flight for sure: the server cannot answer it
    in_flight = client.hover(uri, SOURCE.index("greet('x')"))
    os.kill(status.pid, signal.SIGKILL)
    with pytest.raises(LanguageServerError):
        in_flight.get(T)
    # an edit while it is down: the restarted server must see it (didOpen at the current text)
    text = SOURCE + "print(undefined_after_crash)\n"
    client.change(uri, Delta.insert(len(SOURCE), len(SOURCE), "print(undefined_after_crash)\n"))
    assert wait_until(lambda: client.status("python").state == "running" and client.status("python").generation == 2, T)
    assert client.status("python").pid != status.pid
    assert wait_until(lambda: any("undefined_after_crash" in m for m in messages(published, uri)), T)
    hover = client.hover(uri, text.index("greet('x')")).get(T)
    assert hover is not None and "greet" in hover.contents.value
    assert client.status("python").restarts == 1


def test_signature_help_formatting_code_actions_save_and_close(client, tmp_path, published):
    text = SOURCE + "greet('y' )\n"
    uri = open_file(client, tmp_path, text)
    help_ = client.signature_help(uri, text.index("'y'")).get(T)
    assert help_ is not None and help_.signatures[0].label == "greet(name)"
    formatted = client.formatting(uri).get(T)  # a Delta on the text as it was (identity without a formatter)
    assert formatted.base_len == len(text)
    assert isinstance(client.code_actions(uri, 0, len("import os")).get(T), list)
    raw = client.request("python", "textDocument/hover", {"textDocument": {"uri": uri},
                                                          "position": {"line": 7, "character": 1}}).get(T)
    assert "greet(name)" in raw["contents"]["value"]
    client.save(uri)
    client.close(uri)
    with pytest.raises(LanguageServerError):
        client.text(uri)
    assert client.open(uri, text, "python")  # open again after a close: a fresh didOpen
    assert wait_until(lambda: messages(published, uri), T)

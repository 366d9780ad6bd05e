"""A raw fake server (tests/lsp/fake_server.py) that breaks the protocol: the client fails the
request with a typed error, restarts the server, resyncs, and never hangs."""

from __future__ import annotations

import json

import pytest

from symphony.errors import AskTimeout, LanguageServerError
from symphony.lsp import ResponseError
from symphony.text import Delta
from tests.conftest import wait_until

from .conftest import fake_client

T = 30
URI = "file:///fake/doc.py"
TEXT = "a😀b\nsecond 𝄞 line\n"


@pytest.fixture
def make(tmp_path, published, no_leaked_threads):
    clients = []

    def make_client(mode, **kwargs):
        c = fake_client(tmp_path, published, mode, **kwargs)
        clients.append(c)
        return c

    yield make_client
    for c in clients:
        c.shutdown(timeout=1.0)


@pytest.mark.parametrize("mode", ["bad_length", "half_exit", "non_json", "huge"])
def test_broken_output_fails_the_request_restarts_and_resyncs(make, mode):
    client = make(mode, once=True)
    client.open(URI, TEXT, "fake")
    with pytest.raises(LanguageServerError):
        client.hover(URI, 0).get(T)
    # the next process (it behaves) was sent the document as it is now, edits included
    client.change(URI, Delta.insert(len(TEXT), 0, "😀"))
    assert wait_until(lambda: client.status("fake").state == "running" and client.status("fake").generation == 2, T)
    hover = client.hover(URI, 0).get(T)
    assert hover is not None and hover.contents.value == "😀" + TEXT
    assert client.status("fake").restarts == 1


def test_half_a_frame_from_a_live_server_times_out_typed_and_shutdown_does_not_hang(make):
    client = make("half_hang")
    client.open(URI, TEXT, "fake")
    future = client.hover(URI, 0)
    with pytest.raises(AskTimeout):
        future.get(0.5)  # bound only: the answer never completes
    client.shutdown(timeout=0.5)  # kills the stuck server
    with pytest.raises(LanguageServerError):
        future.get(T)


def test_a_hung_server_is_killed_by_the_watchdog_and_restarted(make):
    client = make("half_hang", once=True, config={"request_timeout": 0.5})
    client.open(URI, TEXT, "fake")
    with pytest.raises(LanguageServerError, match="unanswered"):
        client.hover(URI, 0).get(T)
    assert wait_until(lambda: client.status("fake").state == "running" and client.status("fake").generation == 2, T)
    assert client.hover(URI, 0).get(T).contents.value == TEXT


def test_a_server_that_keeps_crashing_is_given_up_on(make):
    client = make("half_exit")  # every process dies on the first hover
    client.open(URI, TEXT, "fake")
    for _ in range(client.servers["fake"].max_restarts + 1):
        with pytest.raises(LanguageServerError):
            client.hover(URI, 0).get(T)
    assert wait_until(lambda: client.status("fake").state == "failed", T)
    with pytest.raises(LanguageServerError, match="failed"):
        client.hover(URI, 0).get(T)


def test_incremental_changes_in_utf8_and_utf16_keep_the_fake_servers_text(make):
    for mode, encoding in (("echo", "utf-16"), ("utf8", "utf-8")):
        client = make(mode)
        uri = f"file:///fake/{mode}.py"
        client.open(uri, TEXT, "fake")
        text = TEXT
        for offset, insert in ((1, "é"), (2, "𝄞\n"), (len(TEXT) - 2, "😀😀"), (0, "x")):
            delta = Delta.insert(len(text), offset, insert)
            client.change(uri, delta)
            text = delta.apply(text)
        delta = Delta.delete(len(text), 3, 7)
        client.change(uri, delta)
        text = delta.apply(text)
        assert client.hover(uri, 0).get(T).contents.value == text
        assert client.status("fake").encoding == encoding
        client.shutdown(timeout=1.0)


def test_server_to_client_requests_are_answered(make, published):
    applied = []

    def on_apply_edit(edits, label):
        applied.append((edits, label))
        return True

    client = make("server_requests", on_apply_edit=on_apply_edit)
    client.open(URI, TEXT, "fake")
    answers = json.loads(client.hover(URI, 0).get(T).contents.value)
    assert answers[0] == {"result": [42, None], "error": None}  # workspace/configuration from settings
    assert answers[1] == {"result": None, "error": None}  # window/workDoneProgress/create
    assert answers[2] == {"result": {"applied": True}, "error": None}
    assert answers[3]["error"]["code"] == -32601  # an unknown method
    [(edits, label)] = applied
    assert label == "fix" and edits[URI].apply(TEXT) == "# fixed\n" + TEXT
    assert wait_until(lambda: ("window/logMessage", {"type": 3, "message": "done"}) in published.messages, T)


def test_a_request_the_server_does_not_offer_fails_typed(make):
    client = make("echo")
    client.open(URI, TEXT, "fake")
    with pytest.raises(LanguageServerError, match="does not offer"):
        client.completion(URI, 0).get(T)
    with pytest.raises(ResponseError) as info:
        client.request("fake", "fake/whatever", {}).get(T)
    assert info.value.code == -32601


def test_a_command_that_does_not_exist_fails_typed_and_is_given_up_on(tmp_path, published, no_leaked_threads):
    from symphony.lsp import LanguageClient, ServerConfig

    config = ServerConfig(command=str(tmp_path / "no-such-server"), backoff=0.01, max_backoff=0.02, max_restarts=2)
    client = LanguageClient({"x": config}, root=str(tmp_path))
    try:
        client.open(URI, TEXT, "x")
        future = client.hover(URI, 0)
        with pytest.raises(LanguageServerError):
            future.get(T)
        assert client.status("x").state == "failed"
        assert "cannot start" in (client.status("x").last_error or "")
    finally:
        client.shutdown()


def test_change_nowait_keeps_order_and_drops_a_bad_change(make):
    client = make("echo")
    client.open(URI, TEXT, "fake")
    client.change_nowait(URI, Delta.insert(len(TEXT), 0, "1"))
    client.change_nowait(URI, Delta.insert(3, 0, "bad"))  # not on the document's text: logged, dropped
    client.change_nowait(URI, Delta.insert(len(TEXT) + 1, 1, "2"))
    assert client.hover(URI, 0).get(T).contents.value == "12" + TEXT

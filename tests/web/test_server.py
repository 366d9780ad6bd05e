"""``symphony web``'s server without a browser: who may connect (token, Origin, Host), what a
page gets when it comes back (views, edits applied, the state it missed), and hostile frames.
Real server process, real WebSockets."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from .ws_client import Refused, WsClient


def status_of(url: str, headers: dict[str, str] | None = None) -> int:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=30) as answer:
            return answer.status
    except urllib.error.HTTPError as exc:
        return exc.code


def hello(ws: WsClient, client: str = "client-1") -> dict:
    ws.wait_for(lambda m: m.get("method") == "web_session")
    return ws.request("web_hello", {"client": client})


@pytest.fixture
def doc(tmp_path):
    path = tmp_path / "doc.txt"
    path.write_text("alpha\nbeta\n")
    return path


def test_the_token_is_required_on_the_websocket(web_server, ws_for, doc):
    server = web_server(doc)
    for query in ("", "?token=", "?token=wrong", f"?token={server.token}x", "?token=%00"):
        with pytest.raises(Refused) as refused:
            WsClient(server.port, None, query=query)
        assert refused.value.status == 403
    ws = ws_for(server)  # the server still serves the right one
    assert hello(ws)["fresh"] is True


@pytest.mark.parametrize("origin", ["http://evil.example", "http://127.0.0.1:1", "null", "file://",
                                    "http://127.0.0.1.evil.example:{port}", "https://localhost:{port}/x"])
def test_a_foreign_origin_is_refused(web_server, doc, origin):
    server = web_server(doc)
    with pytest.raises(Refused) as refused:
        WsClient(server.port, server.token, origin=origin.format(port=server.port))
    assert refused.value.status == 403


def test_the_servers_own_origins_are_accepted(web_server, ws_for, doc):
    server = web_server(doc)
    for origin in (f"http://127.0.0.1:{server.port}", f"http://localhost:{server.port}", None):
        ws = ws_for(server, origin=origin)
        hello(ws)
        ws.close()


def test_another_host_name_is_refused_everywhere(web_server, doc):
    """DNS rebinding: a page of evil.example whose name now points at 127.0.0.1."""
    server = web_server(doc)
    base = f"http://127.0.0.1:{server.port}"
    assert status_of(base + "/", {"Host": f"evil.example:{server.port}"}) == 403
    assert status_of(base + "/ws?token=" + server.token, {"Host": "evil.example"}) == 403
    assert status_of(base + "/", {"Host": f"localhost:{server.port}"}) in (200, 404)


def test_only_the_packages_static_files_are_served(web_server, doc):
    server = web_server(doc)
    base = f"http://127.0.0.1:{server.port}"
    for path in ("/static/../_bridge.py", "/static/%2e%2e/_bridge.py", "/static/..%2f_bridge.py",
                 "/etc/passwd", "/static/" + "../" * 8 + "etc/passwd", f"/static/{doc}"):
        assert status_of(base + path) in (400, 403, 404), path


def test_a_page_edits_and_the_core_counts_its_edits(web_server, ws_for, doc):
    server = web_server(doc)
    ws = ws_for(server)
    first = hello(ws)
    assert (first["applied"], first["views"], first["fresh"]) == (0, [], True)
    view = ws.request("new_view", {"file_path": str(doc)})
    ws.edit(view, "insert", {"chars": "X"}, seq=1)
    ws.edit(view, "insert", {"chars": "Y"}, seq=2)
    assert ws.contents(view) == "XYalpha\nbeta\n"
    ws.close()
    ws = ws_for(server)  # the page reloads
    again = hello(ws)
    assert again["applied"] == 2 and again["fresh"] is False and again["server"] == first["server"]
    assert again["views"] == [{"view_id": view, "path": str(doc)}]
    assert ws.contents(view) == "XYalpha\nbeta\n"  # the core kept the unsaved edits


def test_a_reloaded_page_gets_the_state_it_missed_and_a_whole_window(web_server, ws_for, doc):
    server = web_server(doc)
    ws = ws_for(server)
    hello(ws)
    ws.request("client_started", {})
    view = ws.request("new_view", {"file_path": str(doc)})
    ws.wait_for(lambda m: m.get("method") == "update")
    ws.request("set_theme", {"theme_name": "Solarized (dark)"})
    ws.wait_for(lambda m: m.get("method") == "theme_changed")
    ws.close()
    ws = ws_for(server)
    hello(ws)
    assert ws.wait_for(lambda m: m.get("method") == "theme_changed")["params"]["name"] == "Solarized (dark)"
    assert ws.wait_for(lambda m: m.get("method") == "available_languages")
    config = ws.wait_for(lambda m: m.get("method") == "config_changed")["params"]
    assert config["view_id"] == view and "tab_size" in config["changes"]
    ws.edit(view, "resync")
    update = ws.wait_for(lambda m: m.get("method") == "update")["params"]["update"]
    texts = [line["text"] for op in update["ops"] if op["op"] == "ins" for line in op["lines"]]
    assert texts == ["alpha\n", "beta\n", ""]


def test_a_second_page_takes_over_and_the_first_is_told(web_server, ws_for, doc):
    server = web_server(doc)
    first = ws_for(server)
    hello(first, "a")
    second = ws_for(server)
    assert first.wait_closed() == 4001
    assert hello(second, "b")["fresh"] is True


def test_hostile_frames_are_answered_and_the_page_keeps_editing(web_server, ws_for, doc):
    server = web_server(doc)
    ws = ws_for(server)
    hello(ws)
    view = ws.request("new_view", {"file_path": str(doc)})
    ws.send_text("{not json")
    assert ws.wait_for(lambda m: m.get("error", {}).get("code") == -32700)
    ws.send_bytes(b"\x00\x01binary")
    assert ws.wait_for(lambda m: "binary" in m.get("error", {}).get("message", ""))
    ws.send_text('{"jsonrpc":"2.0","id":5,"method":"new_view","params":{"file_path":NaN}}')
    assert ws.wait_for(lambda m: m.get("id") is None and "error" in m and "NaN" in m["error"]["message"])
    for seq in ("1", -3, 0, 1.5, True, None, [1]):
        ws.send({"jsonrpc": "2.0", "method": "edit", "seq": seq,
                 "params": {"view_id": view, "method": "insert", "params": {"chars": "no"}}})
        assert ws.wait_for(lambda m: "seq must be" in m.get("error", {}).get("message", ""))
    ws.send_text('{"jsonrpc":"2.0","method":"edit","params":{"view_id":"%s","method":"insert",'
                 '"params":{"chars":"\\ud800"}},"seq":1}' % view)
    ws.edit(view, "insert", {"chars": "ok "}, seq=2)
    ws.send_text(json.dumps({"jsonrpc": "2.0", "id": 7, "method": "web_hello", "params": {"client": "x" * 500}}))
    assert ws.wait_for(lambda m: m.get("id") == 7)["error"]["code"] == -32602
    ws.send_text("[" * 100_000)
    assert ws.wait_for(lambda m: m.get("error", {}).get("code") == -32700)
    ws.send_text(json.dumps({"jsonrpc": "2.0", "method": "edit", "seq": 3, "params": {
        "view_id": view, "method": "insert", "params": {"chars": "z" * (8 << 20)}}}))  # 8 MiB: a big paste
    text = ws.contents(view)
    assert text == "ok " + "z" * (8 << 20) + "alpha\nbeta\n"  # the lone surrogate was refused


def test_a_frame_past_the_limit_closes_only_that_socket(web_server, ws_for, doc):
    from symphony.web import MAX_FRAME

    server = web_server(doc)
    ws = ws_for(server)
    hello(ws)
    try:
        ws.send_text("x" * (MAX_FRAME + 1))
    except ConnectionError:  # the server closed it while the frame was on its way
        pass
    assert ws.wait_closed() in (1009, 1006, None)
    ws = ws_for(server)
    hello(ws)
    view = ws.request("new_view", {"file_path": str(doc)})
    assert ws.contents(view) == "alpha\nbeta\n"


def test_the_file_tree_lists_only_inside_the_opened_directory(web_server, ws_for, tmp_path):
    root = tmp_path / "project"
    (root / "src").mkdir(parents=True)
    (root / "src" / "main.py").write_text("print(1)\n")
    (root / "README").write_text("r\n")
    (root / "escape").symlink_to(tmp_path)
    server = web_server(root)
    ws = ws_for(server)
    session = ws.wait_for(lambda m: m.get("method") == "web_session")["params"]
    assert session["root"] == str(root) and session["files"] == []
    listing = ws.request("web_list_dir", {"path": None})
    assert [(e["name"], e["dir"]) for e in listing["entries"]] == [("src", True), ("README", False)]
    assert ws.request("web_list_dir", {"path": str(root / "src")})["entries"][0]["name"] == "main.py"
    for bad in (str(tmp_path), "..", str(root / "escape"), "/etc", 5, str(root / "README"), "a\0b"):
        answer = ws.request_raw("web_list_dir", {"path": bad})
        assert answer["error"]["code"] == -32602, bad


def test_the_cores_requests_are_answered_when_no_page_listens(web_server, ws_for, doc):
    """measure_width, sent by the core on resize with word wrap, when the page is gone: the
    core gets an error at once and wraps in character cells; nothing waits forever."""
    server = web_server(doc)
    ws = ws_for(server)
    hello(ws)
    view = ws.request("new_view", {"file_path": str(doc)})
    ws.notify("modify_user_config", {"domain": {"user_override": view}, "changes": {"word_wrap": True}})
    ws.edit(view, "resize", {"width": 80, "height": 400})
    ws.wait_for(lambda m: m.get("method") == "measure_width")  # the page never answers...
    ws.close()  # ...and goes away
    ws = ws_for(server)
    hello(ws)
    ws.edit(view, "insert", {"chars": "still here "})
    assert ws.contents(view) == "still here alpha\nbeta\n"


def test_stats_time_the_cores_edits(web_server, ws_for, doc):
    server = web_server(doc)
    ws = ws_for(server)
    hello(ws)
    view = ws.request("new_view", {"file_path": str(doc)})
    ws.wait_for(lambda m: m.get("method") == "update")
    for i in range(5):
        ws.edit(view, "insert", {"chars": "k"}, seq=i + 1)
        ws.wait_for(lambda m: m.get("method") == "update")
    stats = ws.request("web_stats", {})
    assert len(stats["edit_to_update_ms"]) == 5 and all(t >= 0 for t in stats["edit_to_update_ms"])
    assert set(stats["first_update_ms"]) == {view}


def test_a_restarted_server_is_a_new_server_with_the_same_token(web_server, ws_for, doc):
    server = web_server(doc)
    ws = ws_for(server)
    first = ws.wait_for(lambda m: m.get("method") == "web_session")["params"]["server"]
    server.kill()
    ws.wait_closed()
    ws.close()
    server.start()
    ws = ws_for(server)
    assert ws.wait_for(lambda m: m.get("method") == "web_session")["params"]["server"] != first
    assert ws.request("web_hello", {"client": "client-1"})["fresh"] is True


def test_the_core_can_be_a_serve_node_elsewhere(web_server, ws_for, doc, tmp_path):
    """--connect: the page's messages go to a ``symphony serve --listen`` node through Symphony's
    transports (signed frames); the web server holds no buffer of its own."""
    from ..rpc.test_listen import SECRET, Served

    secret = tmp_path / "secret"
    secret.write_bytes(SECRET)
    secret.chmod(0o600)
    served = Served("--listen", f"unix://{tmp_path}/core.sock", "--secret-file", str(secret), "--no-tasks")
    try:
        server = web_server(doc, args=["--connect", served.address, "--secret-file", str(secret)])
        ws = ws_for(server)
        hello(ws)
        view = ws.request("new_view", {"file_path": str(doc)})
        ws.edit(view, "insert", {"chars": "remote "}, seq=1)
        assert ws.contents(view) == "remote alpha\nbeta\n"
        ws.request("edit", {"view_id": view, "method": "resync"})
        assert ws.wait_for(lambda m: m.get("method") == "update" and m["params"]["update"]["ops"][0]["op"] == "ins")
        ws.request("save", {"view_id": view, "file_path": str(doc)})
        assert doc.read_text() == "remote alpha\nbeta\n"
        ws.close()
        server.stop()
    finally:
        served.stop()

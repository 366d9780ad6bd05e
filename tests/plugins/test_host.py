"""The plugin host against a real plugin process speaking raw JSON lines (tests/plugins/raw_plugin.py):
lifecycle, every host-to-plugin method, get_data at a revision, racing edits."""

from __future__ import annotations

import os

from .conftest import docs, make_plugin, read_log, received, wait_until


def test_initialize_update_and_shutdown(make_core, tmp_path):
    log = make_plugin(str(tmp_path / "plugins"), "raw")
    core = make_core()
    core.start()
    path = tmp_path / "a.txt"
    path.write_text("héllo\nwörld 😀\n")
    view = core.open(str(path))
    # the plugin was started, told of the buffer, and fetched it with chunked get_data
    assert wait_until(lambda: docs(log, view) == [(0, "héllo\nwörld 😀\n")])
    pings = received(log, "ping")
    init = received(log, "initialize") + received(log, "new_buffer")
    assert pings and init
    infos = [i for m in init for i in m["params"]["buffer_info"]]
    assert infos[0]["views"] == [view] and infos[0]["buf_size"] == len("héllo\nwörld 😀\n".encode())
    assert infos[0]["nb_lines"] == 3 and infos[0]["path"] == str(path) and infos[0]["rev"] == 0
    assert wait_until(lambda: core.sent.of("plugin_started"))
    assert core.sent.of("plugin_started")[0] == {"view_id": view, "plugin": "raw"}
    assert {"view_id": view, "plugins": [{"name": "raw", "running": True}]} in core.sent.of("available_plugins")
    # an edit reaches it as an update with a delta in UTF-8 bytes
    core.edit(view, "insert", {"chars": "€"})
    assert wait_until(lambda: docs(log, view)[-1:] == [(1, core.text(view))])
    update = received(log, "update")[0]["params"]
    assert update["delta"] == {"base_len": 19, "els": [{"insert": "€"}, {"copy": [0, 19]}]}
    assert update["new_len"] == 22 and update["new_line_count"] == 3 and update["author"] == "user"
    assert set(update) == {"view_id", "delta", "new_len", "new_line_count", "rev", "undo_group", "edit_type",
                           "author"}
    # did_save, config_changed, get_hover, custom_command, did_close, shutdown
    core.core.call("save", {"view_id": view, "file_path": str(path)})
    core.core.call("modify_user_config", {"domain": {"user_override": view}, "changes": {"tab_size": 2}})
    core.edit(view, "request_hover", {"request_id": 7, "position": {"line": 1, "column": 2}})  # inside "ö"
    core.host.language_changed(view, "Rust")
    assert wait_until(lambda: received(log, "get_hover") and received(log, "language_changed"))
    assert received(log, "did_save")[0]["params"] == {"view_id": view, "path": str(path)}
    assert received(log, "config_changed")[0]["params"] == {"view_id": view, "changes": {"tab_size": 2}}
    hover = received(log, "get_hover")[0]["params"]
    assert hover == {"view_id": view, "request_id": 7, "position": len("€héllo\nw".encode())}  # rounded down
    assert received(log, "language_changed")[0]["params"] == {"view_id": view, "new_lang": "Rust"}
    core.core.call("close_view", {"view_id": view})
    assert wait_until(lambda: received(log, "did_close"))
    core.close()
    assert received(log, "shutdown")
    assert core.host.running() == {}


def test_plugin_messages_reach_the_frontend_and_the_buffer(make_core, tmp_path):
    log = make_plugin(str(tmp_path / "plugins"), "raw")
    core = make_core()
    core.start()
    view = core.open()
    core.edit(view, "insert", {"chars": "aé😀b"})
    assert wait_until(lambda: docs(log, view)[-1:] == [(1, "aé😀b")])
    ids = f'"view_id": "{view}", "plugin_id": 1'
    for line in [
        f'{{"method": "alert", "params": {{{ids}, "msg": "hi"}}}}',
        f'{{"method": "add_status_item", "params": {{{ids}, "key": "k", "value": "v", "alignment": "right"}}}}',
        f'{{"method": "update_status_item", "params": {{{ids}, "key": "k", "value": "w"}}}}',
        f'{{"method": "remove_status_item", "params": {{{ids}, "key": "k"}}}}',
        f'{{"method": "show_hover", "params": {{{ids}, "request_id": 3, "result": {{"Ok": {{"content": "doc", "range": null}}}}}}}}',
        f'{{"method": "add_scopes", "params": {{{ids}, "scopes": [["source.python", "keyword"]]}}}}',
        # spans in UTF-8 bytes: "é" is bytes 1..3 (code points 1..2), "😀" bytes 3..7 (code points 2..3)
        f'{{"method": "update_spans", "params": {{{ids}, "start": 1, "len": 6, "spans": [{{"start": 0, "end": 2, "scope_id": 0}}, {{"start": 2, "end": 6, "scope_id": 0}}], "rev": 1}}}}',
        f'{{"method": "update_annotations", "params": {{{ids}, "start": 0, "len": 8, "spans": [{{"start": 3, "end": 7, "data": {{"x": 1}}}}], "annotation_type": "diagnostic", "rev": 1}}}}',
        f'{{"method": "edit", "params": {{{ids}, "edit": {{"rev": 1, "delta": {{"base_len": 8, "els": [{{"copy": [0, 8]}}, {{"insert": "!"}}]}}, "priority": 5, "after_cursor": false, "undo_group": null, "author": "raw"}}}}}}',
    ]:
        core.send_raw(view, "raw", line)
    assert wait_until(lambda: core.sent.of("show_hover"))
    assert core.sent.of("alert") == [{"msg": "hi"}]
    assert core.sent.of("add_status_item") == [{"view_id": view, "source": "raw", "key": "k", "value": "v",
                                                "alignment": "right"}]
    assert core.sent.of("update_status_item") == [{"view_id": view, "key": "k", "value": "w"}]
    assert core.sent.of("remove_status_item") == [{"view_id": view, "key": "k"}]
    assert core.sent.of("show_hover") == [{"view_id": view, "request_id": 3, "result": "doc"}]
    ref = core.core.views[view]
    assert wait_until(lambda: len(ref.ask("plugin_log")) == 4)
    kinds = {kind: payload for kind, payload in ref.ask("plugin_log")}
    assert kinds["plugin_scopes"] == ("raw", [["source.python", "keyword"]])
    assert kinds["plugin_spans"] == ("raw", 1, 2, [(0, 1, 0), (1, 2, 0)], 1)
    assert kinds["plugin_annotations"] == ("raw", 0, 4, [{"start": 2, "end": 3, "data": {"x": 1}}], "diagnostic", 1)
    edit = kinds["plugin_edit"]
    assert (edit.plugin, edit.rev, edit.priority, edit.after_cursor, edit.new_undo_group) == ("raw", 1, 5, False, True)
    assert edit.delta.edits() == [(4, 4, "!")]
    # and the plugin's edit comes back to it as an update by its author
    assert wait_until(lambda: docs(log, view)[-1:] == [(2, "aé😀b!")])
    assert received(log, "update")[-1]["params"]["author"] == "raw"


def test_requests_get_data_line_count_selections(make_core, tmp_path):
    log = make_plugin(str(tmp_path / "plugins"), "raw")
    core = make_core()
    core.start()
    view = core.open()
    core.edit(view, "insert", {"chars": "ab\ncd😀\nef"})
    assert wait_until(lambda: docs(log, view)[-1:] == [(1, "ab\ncd😀\nef")])
    core.edit(view, "insert", {"chars": "X"})
    assert wait_until(lambda: docs(log, view)[-1:] == [(2, "ab\ncd😀\nefX")])

    def ask(method, params):
        before = len([e for e in read_log(log) if "response" in e])
        core.rpc(view, "raw", "request", {"method": method, "params": {"view_id": view, "plugin_id": 1, **params}})
        assert wait_until(lambda: len([e for e in read_log(log) if "response" in e]) > before)
        return [e for e in read_log(log) if "response" in e][-1]["response"]

    # lines unit, at the older revision 1 (its rope is kept)
    assert ask("get_data", {"start": 1, "unit": "line", "max_size": 100, "rev": 1})["result"] == {
        "chunk": "cd😀\nef", "offset": 3, "first_line": 1, "first_line_offset": 0}
    # a byte offset inside a character is rounded down to it; max_size cuts at a character
    assert ask("get_data", {"start": 7, "unit": "utf8", "max_size": 2, "rev": 2})["result"] == {
        "chunk": "😀", "offset": 5, "first_line": 1, "first_line_offset": 2}
    assert ask("get_data", {"start": 99, "unit": "utf8", "max_size": 2, "rev": 2})["result"] is None
    assert ask("get_data", {"start": 0, "unit": "utf8", "max_size": 2, "rev": 42})["error"]["code"] == -32602
    assert ask("get_data", {"start": 0, "unit": "pages", "max_size": 2, "rev": 2})["error"]["code"] == -32602
    assert ask("line_count", {})["result"] == 3
    assert ask("get_selections", {})["result"] == "not implemented"
    assert ask("no_such_method", {})["error"]["code"] == -32601
    assert ask("line_count", {"view_id": "view-id-99"})["error"]["code"] == -32602


def test_racing_edits_keep_the_plugins_text_equal(make_core, tmp_path):
    log = make_plugin(str(tmp_path / "plugins"), "raw")
    core = make_core()
    core.start()
    view = core.open()
    for i in range(200):
        core.edit(view, "insert", {"chars": "é😀\n"[i % 3]})
        if i % 17 == 0:
            core.edit(view, "delete_backward")
    final = core.text(view)
    assert wait_until(lambda: docs(log, view) and docs(log, view)[-1][1] == final)
    revs = [rev for rev, _ in docs(log, view)]
    assert revs == sorted(revs)


def test_start_and_stop_from_the_frontend(make_core, tmp_path):
    log = make_plugin(str(tmp_path / "plugins"), "cmd", activations='["on_command"]',
                      manifest_extra='[[commands]]\ntitle = "Go"\ndescription = "go"\n'
                                     'rpc_cmd = {method = "go", params = {}, rpc_type = "notification"}\n'
                                     'args = []\n')
    core = make_core()
    core.start()
    view = core.open()
    assert {"view_id": view, "plugins": [{"name": "cmd", "running": False}]} in core.sent.of("available_plugins")
    assert not os.path.exists(log)
    core.core.handle_notification("plugin", {"command": "start", "view_id": view, "plugin_name": "cmd"})
    assert wait_until(lambda: received(log, "initialize"))
    assert wait_until(lambda: core.sent.of("update_cmds"))
    assert core.sent.of("update_cmds")[0]["cmds"][0]["rpc_cmd"]["method"] == "go"
    core.core.handle_notification("plugin", {"command": "stop", "view_id": view, "plugin_name": "cmd"})
    assert wait_until(lambda: core.sent.of("plugin_stopped") and received(log, "shutdown"))
    assert core.host.running() == {}


def test_bad_frontend_plugin_messages_are_refused_and_change_nothing(make_core, tmp_path):
    log = make_plugin(str(tmp_path / "plugins"), "raw")
    core = make_core()
    core.start()
    view = core.open()
    assert wait_until(lambda: received(log, "initialize"))
    bad = [
        {"command": "start", "view_id": view, "plugin_name": "nope"},
        {"command": "start", "view_id": view},
        {"command": "explode", "view_id": view},
        {"command": "stop", "plugin_name": "raw"},
        {"command": "plugin_rpc", "view_id": view, "receiver": "nope", "rpc": {"method": "m", "params": {}}},
        {"command": "plugin_rpc", "view_id": view, "receiver": "raw", "rpc": "m"},
    ]
    for params in bad:
        try:
            core.core.handle_notification("plugin", params)
        except Exception as exc:  # noqa: BLE001 - the peer logs what a notification raises
            assert type(exc).__name__ == "RpcError"
    for params in [{"request_id": 1}, {"request_id": "1", "position": {"line": 0, "column": 0}},
                   {"request_id": 1, "position": {"line": 5, "column": 0}}]:
        try:
            core.edit(view, "request_hover", params)
        except Exception as exc:  # noqa: BLE001
            assert type(exc).__name__ == "RpcError"
    assert len(core.sent.of("alert")) == len(bad) + 3
    assert [name for name in core.host.running()] == ["raw"]
    core.edit(view, "insert", {"chars": "fine"})
    assert wait_until(lambda: docs(log, view)[-1:] == [(1, "fine")])
    assert not received(log, "get_hover") and not received(log, "custom_command")


def test_buffer_local_plugins_get_one_process_per_buffer(make_core, tmp_path):
    log = make_plugin(str(tmp_path / "plugins"), "local", scope="buffer_local")
    core = make_core()
    core.start()
    a, b = core.open(), core.open()
    assert wait_until(lambda: len(received(log, "initialize")) == 2)
    assert sorted(m["params"]["buffer_info"][0]["views"][0] for m in received(log, "initialize")) == sorted([a, b])
    assert len(core.host.running()["local"]) == 2
    core.core.call("close_view", {"view_id": a})
    assert wait_until(lambda: len(core.host.running().get("local", [])) == 1)
    assert wait_until(lambda: received(log, "shutdown"))


def test_two_views_of_one_file_share_the_plugins_buffer(make_core, tmp_path):
    log = make_plugin(str(tmp_path / "plugins"), "raw")
    path = tmp_path / "f.txt"
    path.write_text("x")
    core = make_core()
    core.start()
    a = core.open(str(path))
    b = core.open(str(path))
    assert wait_until(lambda: len(core.sent.of("plugin_started")) == 2)
    core.edit(b, "insert", {"chars": "y"})
    assert wait_until(lambda: docs(log, a)[-1:] == [(1, "yx")])
    # closing the view the plugin knows the buffer by: the buffer stays open, so no did_close,
    # and its updates keep that view id
    core.core.call("close_view", {"view_id": a})
    core.edit(b, "insert", {"chars": "z"})
    assert wait_until(lambda: docs(log, a)[-1:] == [(2, "yzx")])
    assert not received(log, "did_close")
    core.core.call("close_view", {"view_id": b})
    assert wait_until(lambda: [m["params"] for m in received(log, "did_close")] == [{"view_id": a}])
    [ref] = core.host.running()["raw"]
    assert ref.ask("state")["buffers"] == {}


def test_annotation_types_in_xis_wire_form_are_read(make_core, tmp_path):
    """xi's plugin-lib (and our SDK) send ``AnnotationType`` as serde writes the Rust enum:
    ``"Selection"``, ``"Find"``, ``{"Other": name}``; a plain string is taken as it is."""
    log = make_plugin(str(tmp_path / "plugins"), "raw")
    core = make_core()
    core.start()
    view = core.open()
    core.edit(view, "insert", {"chars": "abcdef"})
    assert wait_until(lambda: docs(log, view)[-1:] == [(1, "abcdef")])
    ids = f'"view_id": "{view}", "plugin_id": 1'
    for wire in ['{"Other": "diagnostic"}', '"Selection"', '"Find"', '"lint"', '{"Other": 5}', '{"Other": ""}', "[]"]:
        core.send_raw(view, "raw", f'{{"method": "update_annotations", "params": {{{ids}, "start": 0, "len": 6, '
                                   f'"spans": [{{"start": 1, "end": 2, "data": null}}], "annotation_type": {wire}, '
                                   f'"rev": 1}}}}')
    ref = core.core.views[view]
    assert wait_until(lambda: len(ref.ask("plugin_log")) == 4)
    assert [payload[4] for kind, payload in ref.ask("plugin_log")] == ["diagnostic", "selection", "find", "lint"]

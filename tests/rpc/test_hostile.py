"""Defects a hostile client found in ``symphony serve`` (issue 14), each driven through the real
process over stdio: every bad request gets an error (or, as a notification, an ``alert``),
changes nothing, and every line the core writes is strict JSON.
"""

from __future__ import annotations

import json
import os

import pytest

from symphony.errors import FileEncodingError
from symphony.text.editor import Buffer



def view_number(view_id: str) -> int:
    return int(view_id.rsplit("-", 1)[1])


def test_new_view_answers_before_any_notification_about_the_view(xi, tmp_path):
    path = tmp_path / "order.txt"
    path.write_text("one\ntwo\n")
    for params in ({}, {"file_path": str(path)}):
        start = len(xi.log)
        answer = xi.request_raw("new_view", params)
        view = answer["result"]
        xi.contents(view)  # every notification the new view caused has arrived
        about = [i for i, msg in enumerate(xi.log[start:]) if (msg.get("params") or {}).get("view_id") == view]
        kinds = [xi.log[start + i]["method"] for i in about]
        assert {"config_changed", "language_changed", "update"} <= set(kinds)
        answered = next(i for i, msg in enumerate(xi.log[start:]) if msg.get("id") == answer["id"] and "result" in msg)
        assert answered < about[0], kinds


def test_numbers_json_does_not_have_are_parse_errors(xi):
    before_view = view_number(xi.new_view())
    before = len(xi.errors)
    lines = [b"NaN\n", b"Infinity\n", b'{"id": NaN, "method": "new_view", "params": {}}\n',
             b'{"id": Infinity, "method": "new_view", "params": {}}\n',
             b'{"id": 1e999, "method": "new_view", "params": {}}\n',
             b'{"id": -Infinity, "method": "new_view", "params": {}}\n',
             b'{"method": "new_view", "params": {"x": 1e999}}\n']
    for line in lines:
        xi.raw(line)
    after_view = view_number(xi.new_view())  # a request: every answer before it has arrived
    assert after_view == before_view + 1  # none of them opened a view
    assert [e["error"]["code"] for e in xi.errors[before:]] == [-32700] * len(lines)
    assert xi.bad_lines == []


def test_lone_surrogates_are_refused_and_every_saved_file_reopens(xi, tmp_path):
    path = tmp_path / "surrogate.txt"
    v = xi.new_view(str(path))
    xi.edit(v, "insert", {"chars": "ok "})
    bad = xi.request_raw("edit", {"view_id": v, "method": "insert", "params": {"chars": "a\ud800b"}})
    assert bad["error"]["code"] == -32602
    assert "surrogate" in bad["error"]["message"]
    xi.edit(v, "insert", {"chars": "\udfffz"})  # a notification: an alert
    assert xi.contents(v) == "ok "
    assert "surrogate" in xi.last("alert")["msg"]
    assert xi.request_raw("new_view", {"file_path": str(tmp_path / "\ud800.txt")})["error"]["code"] == -32602
    xi.edit(v, "insert", {"chars": "\ud83d\ude00"})  # a valid pair is one character
    assert xi.contents(v) == "ok \U0001F600"
    xi.request("save", {"view_id": v, "file_path": str(path)})
    assert path.read_bytes().decode("utf-8") == "ok \U0001F600"
    xi.request("close_view", {"view_id": v})
    again = xi.new_view(str(path))
    assert xi.contents(again) == "ok \U0001F600"


def test_a_buffer_never_writes_a_file_it_cannot_read_back(tmp_path):
    """Defence behind the boundary: text with a lone surrogate is refused by save, typed."""
    path = tmp_path / "kept.txt"
    path.write_text("kept\n")
    buffer = Buffer(lambda method, params: None, str(path))
    buffer.add_view("v")
    buffer.command("v", "insert", {"chars": "\ud800"})
    with pytest.raises(FileEncodingError):
        buffer.save(str(path))
    assert path.read_text() == "kept\n"
    assert os.listdir(tmp_path) == ["kept.txt"]  # no temp file left


@pytest.mark.parametrize("view_id", [[1], {"a": 1}, [], 3.5, True])
def test_view_ids_that_are_not_strings(xi, view_id):
    answer = xi.request_raw("edit", {"view_id": view_id, "method": "insert", "params": {"chars": "x"}})
    assert answer["error"]["code"] == -32602
    start = len(xi.log)
    xi.notify("edit", {"view_id": view_id, "method": "insert", "params": {"chars": "x"}})
    xi.new_view()  # a request after it: the alert, if any, has arrived
    alerts = [m for m in xi.log[start:] if m.get("method") == "alert"]
    assert alerts and "view_id" in alerts[0]["params"]["msg"]


def test_params_that_are_not_objects_change_nothing(xi):
    first = view_number(xi.new_view())
    for params in ([1, 2], 5, "x", True):
        assert xi.request_raw("new_view", params)["error"]["code"] == -32602
    assert view_number(xi.new_view()) == first + 1  # no view was opened
    v = xi.new_view()
    xi.edit(v, "insert", {"chars": "aXa"})
    xi.edit(v, "find", {"chars": "a", "case_sensitive": False})
    for method, params in (("find", 3), ("toggle_recording", 5), ("find_next", "x"), ("insert", [1]),
                           ("scroll", {"a": 1}), ("undo", 7), ("select_all", "all")):
        answer = xi.request_raw("edit", {"view_id": v, "method": method, "params": params})
        assert answer["error"]["code"] == -32602, (method, params, answer)
    xi.edit(v, "find", 3)  # a notification: an alert, the search stays
    xi.contents(v)
    assert "find" in xi.last("alert")["msg"]
    xi.edit(v, "find_all")
    assert xi.edit_request(v, "copy") == "a\na"  # both matches of the search still in place
    xi.edit(v, "move_to_end_of_document")
    xi.edit(v, "toggle_recording", {"recording_name": "m"})  # starts a recording: none was running
    xi.edit(v, "insert", {"chars": "y"})
    xi.edit(v, "toggle_recording", {"recording_name": "m"})
    xi.edit(v, "play_recording", {"recording_name": "m"})
    assert xi.contents(v) == "aXayy"
    for method in ("client_started", "close_view", "save", "set_theme", "get_config", "edit"):
        assert xi.request_raw(method, [v])["error"]["code"] == -32602, method


def test_required_params_are_required(xi, tmp_path):
    path = tmp_path / "required.txt"
    path.write_text("on disk\n")
    v = xi.new_view(str(path))
    xi.edit(v, "insert", {"chars": "unsaved "})
    answer = xi.request_raw("save", {"view_id": v})
    assert answer["error"]["code"] == -32602 and "file_path" in answer["error"]["message"]
    assert path.read_text() == "on disk\n"
    assert xi.request_raw("edit", {"view_id": v, "method": "resize", "params": {"width": 100}})["error"]["code"] == -32602
    assert xi.request_raw("edit", {"view_id": v, "method": "resize", "params": {"height": 100}})["error"]["code"] == -32602
    xi.edit(v, "find", {"chars": "disk", "case_sensitive": True})
    for params in ({}, {"chars": "on"}, {"case_sensitive": True}):
        answer = xi.request_raw("edit", {"view_id": v, "method": "find", "params": params})
        assert answer["error"]["code"] == -32602, params
    xi.edit(v, "find_all")
    assert xi.edit_request(v, "copy") == "disk"  # the search is the one set before


@pytest.mark.parametrize("key, value", [
    ("trim_trailing_whitespace_on_save", 1), ("word_wrap", 0), ("auto_indent", 1.0),
    ("tab_size", True), ("tab_size", 2.5), ("wrap_width", False), ("font_size", "12"),
    ("line_ending", 1),
])
def test_settings_take_their_own_type_only(xi, key, value):
    v = xi.new_view()
    before = xi.request("get_config", {"view_id": v})
    for domain in ("general", {"user_override": v}):
        answer = xi.request_raw("modify_user_config", {"domain": domain, "changes": {key: value}})
        assert answer["error"]["code"] == -32602, (domain, answer)
    assert xi.request("get_config", {"view_id": v}) == before
    assert json.dumps(before)  # (the config itself is plain JSON)

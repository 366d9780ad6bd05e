"""``symphony serve`` driven over stdio by the test frontend in ``xi_client``.

After every step the frontend's line cache, built from ``update`` ops alone, must match the
server's text line for line.
"""

from __future__ import annotations

import json
import os
import stat

import pytest

from .xi_client import XiClient


def typed(xi: XiClient, view: str, text: str) -> None:
    for ch in text:
        if ch == "\n":
            xi.edit(view, "insert_newline")
        else:
            xi.edit(view, "insert", {"chars": ch})


def test_startup_notifications(xi):
    assert {"Monokai", "Solarized (light)"} <= set(xi.last("available_themes")["themes"])
    assert {"Plain Text", "Python", "Rust", "JSON", "Markdown"} <= set(xi.last("available_languages")["languages"])


def test_typing_and_cache(xi):
    v = xi.new_view()
    typed(xi, v, "hello\n  world")
    xi.sync_check(v, "hello\n  world")
    xi.edit(v, "insert_newline")  # keeps the indentation
    xi.sync_check(v, "hello\n  world\n  ")
    assert xi.caches[v].cursors() == [(2, 2)]
    assert xi.pristine[v] is False


def test_undo_groups_typing_until_the_caret_moves(xi):
    v = xi.new_view()
    typed(xi, v, "abc")
    xi.edit(v, "move_left")
    typed(xi, v, "XY")
    xi.sync_check(v, "abXYc")
    xi.edit(v, "undo")
    xi.sync_check(v, "abc")
    xi.edit(v, "undo")
    xi.sync_check(v, "")
    assert xi.pristine[v] is True
    xi.edit(v, "redo")
    xi.sync_check(v, "abc")
    xi.edit(v, "redo")
    xi.sync_check(v, "abXYc")
    xi.edit(v, "undo")
    typed(xi, v, "!")  # a new edit drops the redo step
    xi.edit(v, "redo")
    xi.sync_check(v, "ab!c")  # undo put the caret back where the step began


def test_multi_cursor_edit_is_one_undo_step(xi):
    v = xi.new_view()
    xi.edit(v, "insert", {"chars": "one\ntwo\nthree"})
    xi.edit(v, "move_to_beginning_of_document")
    xi.edit(v, "add_selection_below")
    xi.edit(v, "add_selection_below")
    typed(xi, v, "> ")
    xi.sync_check(v, "> one\n> two\n> three")
    assert sorted(xi.caches[v].cursors()) == [(0, 2), (1, 2), (2, 2)]
    xi.edit(v, "delete_backward")
    xi.sync_check(v, ">one\n>two\n>three")
    xi.edit(v, "undo")
    xi.sync_check(v, "> one\n> two\n> three")
    xi.edit(v, "undo")
    xi.sync_check(v, "one\ntwo\nthree")


@pytest.mark.parametrize("method, start, expected, cursor", [
    ("delete_backward", (0, 3), "ab\nabc def", (0, 2)),
    ("delete_forward", (0, 0), "bc\nabc def", (0, 0)),
    ("delete_word_backward", (1, 7), "abc\nabc ", (1, 4)),
    ("delete_word_forward", (1, 0), "abc\n def", (1, 0)),
    ("delete_to_beginning_of_line", (1, 5), "abc\nef", (1, 0)),
    ("delete_to_end_of_paragraph", (1, 3), "abc\nabc", (1, 3)),
    ("transpose", (0, 1), "bac\nabc def", (0, 2)),
    ("duplicate_line", (0, 1), "abc\nabc\nabc def", (1, 1)),
])
def test_delete_and_line_methods(xi, method, start, expected, cursor):
    v = xi.new_view()
    xi.edit(v, "insert", {"chars": "abc\nabc def"})
    xi.edit(v, "gesture", {"line": start[0], "col": start[1], "ty": "point_select"})
    xi.edit(v, method)
    xi.sync_check(v, expected)
    assert xi.caches[v].cursors() == [cursor]


@pytest.mark.parametrize("method, expected", [
    ("move_left", (1, 1)), ("move_right", (1, 3)), ("move_up", (0, 2)), ("move_down", (2, 2)),
    ("move_word_left", (1, 0)), ("move_word_right", (1, 3)),
    ("move_to_left_end_of_line", (1, 0)), ("move_to_right_end_of_line", (1, 7)),
    ("move_to_beginning_of_document", (0, 0)), ("move_to_end_of_document", (2, 2)),
    ("scroll_page_up", (0, 0)), ("scroll_page_down", (2, 2)),
])
def test_movements(xi, method, expected):
    v = xi.new_view()
    xi.edit(v, "insert", {"chars": "abcdef\nfoo bar\nxy"})
    xi.edit(v, "gesture", {"line": 1, "col": 2, "ty": "point_select"})
    xi.edit(v, method)
    xi.sync_check(v)
    assert xi.caches[v].cursors() == [expected]
    assert xi.scroll_to[v] == expected


def test_modify_selection_and_copy_cut(xi):
    v = xi.new_view()
    xi.edit(v, "insert", {"chars": "héllo wörld"})
    xi.edit(v, "move_to_left_end_of_line")
    xi.edit(v, "move_word_right_and_modify_selection")
    assert xi.edit_request(v, "copy") == "héllo"
    xi.sync_check(v)
    assert xi.caches[v].selections() == [(0, 0, 6)]  # UTF-8 columns
    assert xi.edit_request(v, "cut") == "héllo"
    xi.sync_check(v, " wörld")
    xi.edit(v, "select_all")
    xi.edit(v, "uppercase")
    xi.sync_check(v, " WÖRLD")
    xi.edit(v, "lowercase")
    xi.sync_check(v, " wörld")
    xi.edit(v, "paste", {"chars": "x"})
    xi.sync_check(v, "x")


def test_indent_outdent_tab(xi):
    v = xi.new_view()
    xi.edit(v, "insert", {"chars": "a\nb"})
    xi.edit(v, "select_all")
    xi.edit(v, "indent")
    xi.sync_check(v, "\ta\n\tb")
    xi.edit(v, "outdent")
    xi.sync_check(v, "a\nb")
    xi.edit(v, "move_to_end_of_document")
    xi.edit(v, "insert_tab")
    xi.sync_check(v, "a\nb\t")
    xi.request("modify_user_config", {"domain": {"user_override": v}, "changes": {"translate_tabs_to_spaces": True}})
    xi.edit(v, "insert_tab")
    xi.sync_check(v, "a\nb\t    ")
    assert xi.request("get_config", {"view_id": v})["translate_tabs_to_spaces"] is True
    assert xi.last("config_changed")["changes"] == {"translate_tabs_to_spaces": True}


def test_gestures(xi):
    v = xi.new_view()
    xi.edit(v, "insert", {"chars": "alpha beta\ngamma"})
    xi.edit(v, "gesture", {"line": 0, "col": 7, "ty": "word_select"})
    assert xi.edit_request(v, "copy") == "beta"
    xi.edit(v, "gesture", {"line": 1, "col": 1, "ty": "multi_word_select"})
    assert xi.edit_request(v, "copy") == "beta\ngamma"
    xi.edit(v, "gesture", {"line": 0, "col": 1, "ty": "line_select"})
    assert xi.edit_request(v, "copy") == "alpha beta\n"
    xi.edit(v, "gesture", {"line": 0, "col": 0, "ty": "point_select"})
    xi.edit(v, "gesture", {"line": 1, "col": 2, "ty": "range_select"})
    assert xi.edit_request(v, "copy") == "alpha beta\nga"
    xi.edit(v, "gesture", {"line": 0, "col": 0, "ty": "point_select"})
    xi.edit(v, "gesture", {"line": 1, "col": 0, "ty": "toggle_sel"})
    xi.sync_check(v)
    assert xi.caches[v].cursors() == [(0, 0), (1, 0)]
    xi.edit(v, "gesture", {"line": 1, "col": 0, "ty": "toggle_sel"})
    xi.edit(v, "gesture", {"line": 1, "col": 0, "ty": {"select": {"granularity": "word", "multi": False}}})
    assert xi.edit_request(v, "copy") == "gamma"
    xi.edit(v, "select_all")
    xi.edit(v, "selection_into_lines")
    assert xi.edit_request(v, "copy") == "alpha beta\ngamma"
    xi.edit(v, "collapse_selections")
    xi.sync_check(v)
    assert len(xi.caches[v].cursors()) == 1


def test_find_and_replace(xi):
    v = xi.new_view()
    xi.edit(v, "insert", {"chars": "Foo foo food\nfoo"})
    xi.edit(v, "move_to_beginning_of_document")
    xi.edit(v, "find", {"chars": "foo", "case_sensitive": False})
    xi.sync_check(v)  # a request: every notification before it has arrived
    assert xi.last("find_status")["queries"][0]["matches"] == 4
    assert len(xi.caches[v].selections(style=1)) == 4  # highlights
    xi.edit(v, "find", {"chars": "foo", "case_sensitive": True, "whole_words": True})
    xi.sync_check(v)
    assert xi.last("find_status")["queries"][0]["matches"] == 2
    xi.edit(v, "find_next", {"wrap_around": True})
    assert xi.edit_request(v, "copy") == "foo"
    xi.sync_check(v)
    assert xi.caches[v].selections() == [(0, 4, 7)]
    xi.edit(v, "find_next", {"wrap_around": True, "modify_selection": "add"})
    xi.sync_check(v)
    assert xi.caches[v].selections() == [(0, 4, 7), (1, 0, 3)]
    xi.edit(v, "find_previous", {"wrap_around": True})
    xi.sync_check(v)
    assert xi.caches[v].selections() == [(0, 4, 7)]
    xi.edit(v, "find", {"chars": r"f(o+)", "regex": True, "case_sensitive": True})
    xi.edit(v, "find_all")
    xi.sync_check(v)
    assert len(xi.caches[v].selections()) == 3
    xi.edit(v, "replace", {"chars": r"b\1"})
    xi.sync_check(v)
    assert xi.last("replace_status")["status"]["chars"] == r"b\1"
    xi.edit(v, "move_to_beginning_of_document")
    xi.edit(v, "replace_next")
    xi.sync_check(v, "Foo boo food\nfoo")
    xi.edit(v, "replace_all")
    xi.sync_check(v, "Foo boo bood\nboo")
    xi.edit(v, "undo")
    xi.sync_check(v, "Foo boo food\nfoo")
    bad = xi.request_raw("edit", {"view_id": v, "method": "find", "params": {"chars": "(", "regex": True}})
    assert bad["error"]["code"] == -32602


def test_goto_line_and_scroll_window(xi):
    v = xi.new_view()
    xi.edit(v, "insert", {"chars": "\n".join(f"line {i}" for i in range(1000))})
    xi.edit(v, "scroll", [0, 30])
    xi.edit(v, "goto_line", {"line": 500})
    xi.edit(v, "scroll", [490, 520])
    text = xi.sync_check(v)
    valid = xi.caches[v].valid()
    assert 500 in valid and 0 not in valid and 999 not in valid  # only the window and its margin
    assert xi.caches[v].cursors() == [(500, 0)]
    xi.edit(v, "request_lines", [900, 910])
    xi.sync_check(v)
    assert 905 in xi.caches[v].valid()
    typed(xi, v, "x")
    assert xi.sync_check(v) == text.replace("line 500", "xline 500")


def test_two_views_of_one_file(xi, tmp_path):
    path = tmp_path / "shared.txt"
    path.write_text("one\ntwo\n")
    a = xi.new_view(str(path))
    b = xi.new_view(str(path))
    xi.edit(a, "move_to_end_of_document")
    typed(xi, a, "three")
    xi.sync_check(a, "one\ntwo\nthree")
    xi.sync_check(b, "one\ntwo\nthree")
    assert xi.caches[b].cursors() == [(0, 0)]  # b's caret stays where it was
    typed(xi, b, ">")
    xi.sync_check(a, ">one\ntwo\nthree")
    xi.sync_check(b)
    assert xi.caches[a].cursors() == [(2, 5)]
    xi.edit(a, "undo")  # typing in another view was a separate undo step
    xi.sync_check(a, "one\ntwo\nthree")
    xi.edit(a, "redo")
    xi.request("close_view", {"view_id": b})
    xi.sync_check(a)
    assert xi.request_raw("edit", {"view_id": b, "method": "insert", "params": {"chars": "x"}})["error"]


def test_save_round_trip_keeps_crlf_tabs_bom(xi, tmp_path):
    path = tmp_path / "dos.txt"
    original = b"\xef\xbb\xbfline one\r\n\tindented\r\nlast\r\n"
    path.write_bytes(original)
    os.chmod(path, 0o640)
    v = xi.new_view(str(path))
    xi.sync_check(v, "line one\n\tindented\nlast\n")
    assert xi.last("config_changed")["changes"]["line_ending"] == "\r\n"
    assert xi.last("config_changed")["changes"]["translate_tabs_to_spaces"] is False
    xi.request("save", {"view_id": v, "file_path": str(path)})
    assert path.read_bytes() == original
    xi.edit(v, "move_to_end_of_document")
    typed(xi, v, "more")
    xi.sync_check(v)
    assert xi.pristine[v] is False
    xi.request("save", {"view_id": v, "file_path": str(path)})
    xi.sync_check(v)
    assert xi.pristine[v] is True
    assert path.read_bytes() == original + b"more"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o640
    xi.request("modify_user_config", {"domain": {"user_override": v},
                                      "changes": {"trim_trailing_whitespace_on_save": True,
                                                  "save_with_newline": True}})
    typed(xi, v, "   ")
    xi.request("save", {"view_id": v, "file_path": str(path)})
    assert path.read_bytes() == original + b"more\r\n"
    xi.sync_check(v, "line one\n\tindented\nlast\nmore\n")


def test_spaces_detected(xi, tmp_path):
    path = tmp_path / "spaces.py"
    path.write_text("def f():\n  if x:\n    return 1\n")
    v = xi.new_view(str(path))
    xi.contents(v)  # the view's config_changed follows new_view's result: wait for it
    changes = xi.last("config_changed")["changes"]
    assert changes["translate_tabs_to_spaces"] is True and changes["tab_size"] == 2
    xi.edit(v, "move_to_end_of_document")
    xi.edit(v, "insert_tab")
    xi.sync_check(v, "def f():\n  if x:\n    return 1\n  ")


def test_invalid_utf8_is_refused(xi, tmp_path):
    path = tmp_path / "latin1.txt"
    path.write_bytes(b"caf\xe9\n")
    answer = xi.request_raw("new_view", {"file_path": str(path)})
    assert answer["error"]["code"] == -32001
    assert "UTF-8" in answer["error"]["message"]
    assert path.read_bytes() == b"caf\xe9\n"


def test_reload_when_pristine(xi, tmp_path):
    import time
    path = tmp_path / "reload.txt"
    path.write_text("old\n")
    v = xi.new_view(str(path))
    xi.sync_check(v, "old\n")
    path.write_text("old\nnew\n")
    os.utime(path, ns=(time.time_ns() + 10**9, time.time_ns() + 10**9))
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if xi.contents(v) == "old\nnew\n":
            break
        time.sleep(0.1)
    xi.sync_check(v, "old\nnew\n")
    assert xi.pristine[v] is True


def test_malformed_input_keeps_serving(xi):
    v = xi.new_view()
    xi.edit(v, "insert", {"chars": "keep"})
    before = len(xi.errors)
    xi.raw(b"{not json\n")
    xi.raw(b"\xff\xfe\n")
    xi.raw(b"[1, 2]\n")
    xi.raw(b'{"method": 5}\n')
    assert xi.request_raw("no_such_method", {})["error"]["code"] == -32601
    assert xi.request_raw("edit", {"view_id": v, "method": "no_such_edit"})["error"]["code"] == -32601
    assert xi.request_raw("edit", {"view_id": v, "method": "insert", "params": {"chars": 1}})["error"]["code"] == -32602
    assert xi.request_raw("edit", {"view_id": "nope", "method": "insert"})["error"]["code"] == -32602
    assert xi.request_raw("edit", {"view_id": v, "method": "scroll", "params": ["a"]})["error"]["code"] == -32602
    assert xi.request_raw("new_view", {"file_path": 7})["error"]["code"] == -32602
    assert xi.request_raw("set_theme", {"theme_name": "nope"})["error"]["code"] == -32602
    assert xi.request_raw("edit", {"view_id": v, "method": "click", "params": [0, 0, "x", 1]})["error"]["code"] == -32602
    assert xi.request_raw("edit", {"view_id": v, "method": "gesture", "params": {"line": 0}})["error"]["code"] == -32602
    xi.raw(b"[" * 100000 + b"\n")  # nesting too deep for the parser: a parse error
    xi.edit(v, "scroll", [0, 10**9])  # a huge window is cut down
    assert xi.request_raw("modify_user_config", {"domain": "general", "changes": {"tab_size": "x"}})["error"]
    xi.edit(v, "insert", {"chars": 3})  # a bad notification: alert, nothing else
    xi.sync_check(v, "keep")
    codes = [e["error"]["code"] for e in xi.errors[before:]]
    assert codes[:5] == [-32700, -32700, -32600, -32600, -32700]  # [1, 2] is a batch of two bad messages
    assert "insert" in xi.last("alert")["msg"]
    typed(xi, v, "!")
    xi.sync_check(v, "keep!")


def test_json_rpc_batch(xi):
    v = xi.new_view()
    batch = [{"method": "edit", "params": {"view_id": v, "method": "insert", "params": {"chars": "ab"}}},
             {"id": "b1", "method": "edit", "params": {"view_id": v, "method": "debug_get_contents"}}]
    xi.raw(json.dumps(batch).encode() + b"\n")
    assert xi.responses.setdefault("b1", __import__("queue").Queue()).get(timeout=30)["result"] == "ab"


def test_wrapping_at_a_column(xi):
    v = xi.new_view()
    xi.request("modify_user_config", {"domain": {"user_override": v},
                                      "changes": {"word_wrap": True, "wrap_width": 10}})
    xi.edit(v, "insert", {"chars": "alpha beta gamma delta\nxy"})
    import time
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        xi.contents(v)
        if len(xi.caches[v].lines) == 4:
            break
        time.sleep(0.05)
    assert [line.text for line in xi.caches[v].lines] == ["alpha beta ", "gamma ", "delta\n", "xy"]
    xi.edit(v, "gesture", {"line": 1, "col": 2, "ty": "point_select"})  # visual line 1 = "gamma "
    xi.edit(v, "insert", {"chars": "!"})
    assert xi.contents(v) == "alpha beta ga!mma delta\nxy"
    assert xi.scroll_to[v] == (1, 3)
    xi.edit(v, "move_down")  # by visual line: into "delta"
    xi.contents(v)
    assert xi.scroll_to[v] == (2, 3)
    xi.edit(v, "move_up")
    xi.edit(v, "move_up")
    xi.contents(v)
    assert xi.scroll_to[v] == (0, 3)


def test_wrapping_at_a_measured_width(xi):
    v = xi.new_view()
    xi.request("modify_user_config", {"domain": {"user_override": v},
                                      "changes": {"word_wrap": True, "wrap_width": 0}})
    xi.edit(v, "insert", {"chars": "alpha beta gamma delta"})
    xi.edit(v, "resize", {"width": 80.0, "height": 400.0})  # 80 px, 8 px a character: 10 columns
    import time
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        xi.contents(v)
        if len(xi.caches[v].lines) == 3:
            break
        time.sleep(0.05)
    assert [r["method"] for r in xi.requests][-1] == "measure_width"
    assert [line.text for line in xi.caches[v].lines] == ["alpha beta ", "gamma ", "delta"]


def test_new_file_is_created_on_save(xi, tmp_path):
    path = tmp_path / "sub" / "new.txt"
    path.parent.mkdir()
    v = xi.new_view(str(path))
    xi.sync_check(v, "")
    typed(xi, v, "fresh")
    xi.request("save", {"view_id": v, "file_path": str(path)})
    assert path.read_text() == "fresh"
    assert not [p for p in path.parent.iterdir() if p.name != "new.txt"]  # no temp file left
    answer = xi.request_raw("save", {"view_id": v, "file_path": str(tmp_path / "missing" / "x.txt")})
    assert answer["error"]["code"] == -32001


def test_paste_one_line_per_cursor_and_click(xi):
    v = xi.new_view()
    xi.edit(v, "insert", {"chars": "a\nb\nc"})
    xi.edit(v, "click", [0, 1, 0, 1])
    xi.edit(v, "add_selection_below")
    xi.edit(v, "add_selection_below")
    xi.edit(v, "paste", {"chars": "1\n2\n3"})
    xi.sync_check(v, "a1\nb2\nc3")
    xi.edit(v, "click", [1, 0, 0, 2])  # double click selects the word
    assert xi.edit_request(v, "copy") == "b2"


def test_moving_the_caret_sends_no_text(xi):
    v = xi.new_view()
    xi.edit(v, "insert", {"chars": "one\ntwo\nthree"})
    xi.contents(v)
    xi.edit(v, "move_up")
    xi.sync_check(v)
    ops = xi.last("update")["update"]["ops"]
    assert {op["op"] for op in ops} <= {"copy", "skip", "update", "invalidate"}
    assert [line.get("cursor") for op in ops if op["op"] == "update" for line in op["lines"]] == [[3], []]
    assert xi.caches[v].cursors() == [(1, 3)]


def test_random_garbage_never_stops_the_server(xi):
    """Fuzz: random bytes, random JSON, random edit calls with random params."""
    import random

    rng = random.Random(1234)
    v = xi.new_view()
    xi.edit(v, "insert", {"chars": "survivor\n"})
    methods = ["insert", "paste", "gesture", "click", "drag", "scroll", "resize", "request_lines", "find",
               "find_next", "replace", "goto_line", "move_up", "undo", "indent", "transpose", "copy", "nope"]
    values = [None, 0, -1, 10**12, 1.5, "x", "", [], [1], [1, 2], [-5, 10**9], {}, {"chars": 5},
              {"chars": "é\n"}, {"line": -3, "col": 10**9, "ty": "word_select"}, {"width": -1},
              {"chars": "(", "regex": True}, True]
    for _ in range(300):
        kind = rng.random()
        if kind < 0.2:
            xi.raw(bytes(rng.randrange(256) for _ in range(rng.randrange(1, 40))).replace(b"\n", b" ") + b"\n")
        elif kind < 0.4:
            xi.raw(json.dumps(rng.choice(values)).encode() + b"\n")
        else:
            body = {"view_id": rng.choice([v, "view-id-999", 3]), "method": rng.choice(methods),
                    "params": rng.choice(values)}
            if rng.random() < 0.5:
                xi.notify("edit", body)
            else:
                xi.raw(json.dumps({"id": f"f{_}", "method": "edit", "params": body}).encode() + b"\n")
    text = xi.contents(v)
    xi.caches[v].check(text)
    assert xi.proc.poll() is None
    answers = [q.get() for key, q in list(xi.responses.items()) if str(key).startswith("f") and not q.empty()]
    assert answers and all(a.get("error", {}).get("code") != -32603 for a in answers)  # no internal errors


def test_numbers_and_recordings(xi):
    v = xi.new_view()
    xi.edit(v, "insert", {"chars": "x = 41\ny = -1"})
    xi.edit(v, "increase_number")  # the caret is right after "-1"
    xi.sync_check(v, "x = 41\ny = 0")
    xi.edit(v, "gesture", {"line": 0, "col": 5, "ty": "point_select"})
    xi.edit(v, "increase_number")
    xi.edit(v, "decrease_number")
    xi.edit(v, "decrease_number")
    xi.sync_check(v, "x = 40\ny = 0")
    xi.edit(v, "move_to_beginning_of_document")
    xi.edit(v, "toggle_recording", {"recording_name": "m"})
    xi.edit(v, "insert", {"chars": "# "})
    xi.edit(v, "move_down")
    xi.edit(v, "move_to_left_end_of_line")
    xi.edit(v, "toggle_recording", {"recording_name": "m"})
    xi.sync_check(v, "# x = 40\ny = 0")
    xi.edit(v, "play_recording", {"recording_name": "m"})
    xi.sync_check(v, "# x = 40\n# y = 0")
    xi.edit(v, "undo")  # the whole replay is one step
    xi.sync_check(v, "# x = 40\ny = 0")
    xi.edit(v, "clear_recording", {"recording_name": "m"})
    xi.edit(v, "play_recording", {"recording_name": "m"})
    xi.sync_check(v, "# x = 40\ny = 0")


def test_multi_find(xi):
    v = xi.new_view()
    xi.edit(v, "insert", {"chars": "Red green RED blue"})
    xi.edit(v, "multi_find", {"queries": [{"chars": "red", "case_sensitive": False},
                                          {"chars": "b.ue", "regex": True, "case_sensitive": True}]})
    xi.sync_check(v)
    queries = xi.last("find_status")["queries"]
    assert [(q["id"], q["matches"]) for q in queries] == [(0, 2), (1, 1)]
    xi.edit(v, "find_all")
    xi.sync_check(v)
    assert xi.caches[v].selections() == [(0, 0, 3), (0, 10, 13), (0, 14, 18)]

"""The SDK out of process: the test plays xi-core (``core_sim``) to a real plugin subprocess
running ``python -m symphony.plugins.sdk tests.plugins.sdk_plugins:...`` and checks what the
SDK puts on the wire, offsets in UTF-8 bytes as xi counts them."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from symphony.plugins.sdk._wire import STOPPING

from ..conftest import wait_until
from .core_sim import Core, replace_delta, sdk_argv

V = "view-id-1"
TEXT = "héllo 😀 wörld\r\nsecond line\n€nd"


@pytest.fixture
def core():
    c = Core(sdk_argv("tests.plugins.sdk_plugins:Recorder"))
    c.initialize(V, TEXT, path="/tmp/x.txt", syntax="Plain Text")
    c.report("new_view")
    yield c
    c.stop()


def get_datas(core: Core, start: int = 0) -> list[dict]:
    return [m for m in core.log[start:] if m.get("method") == "get_data"]


def test_initialize_reports_the_view_and_shutdown_exits_0():
    c = Core(sdk_argv("tests.plugins.sdk_plugins:Recorder"))
    try:
        c.initialize(V, TEXT, path="/tmp/x.txt", config={"tab_size": 2})
        seen = c.report("new_view")
        assert seen == {"hook": "new_view", "view_id": V, "path": "/tmp/x.txt", "language": "Plain Text",
                        "rev": 0, "config": {"tab_size": 2}, "plugin_id": 7}
        assert c.shutdown() == 0
        assert "recorder: shutdown" in c.stderr()
        assert c.bad_lines == []
    finally:
        c.stop()


def test_end_of_input_is_a_clean_exit():
    c = Core(sdk_argv("tests.plugins.sdk_plugins:Recorder"))
    try:
        c.initialize(V, "x")
        c.report("new_view")
        c.proc.stdin.close()
        assert c.wait() == 0
        assert "recorder: shutdown" in c.stderr()  # on_shutdown runs at the end of input too
    finally:
        c.stop()


def test_update_applies_the_delta_and_answers_1(core):
    mark = core.mark()
    new = TEXT.replace("😀", "🎉🎉")
    answer = core.update(V, new, author="someone", edit_type="insert", undo_group=9)
    assert answer["result"] == 1
    seen = core.report("update", mark)
    assert seen["doc"] == new and seen["old"] == TEXT and seen["rev"] == 1 and seen["view_rev"] == 1
    assert seen["delta"] == [[6, 7, "🎉🎉"]]  # code points, not bytes
    assert (seen["author"], seen["edit_type"], seen["undo_group"]) == ("someone", "insert", 9)
    # The first update needed the old text: fetched at the old revision, in 5-byte chunks.
    fetches = get_datas(core, mark)
    assert fetches and all(f["params"]["rev"] == 0 and f["params"]["unit"] == "utf8"
                           and f["params"]["max_size"] == 5 for f in fetches)
    starts = [f["params"]["start"] for f in fetches]
    assert starts[0] == 0 and starts == sorted(starts)
    assert all(f["params"]["view_id"] == V and f["params"]["plugin_id"] == 7 for f in fetches)
    # The next one fetches nothing: the delta keeps the text.
    mark = core.mark()
    assert core.update(V, new + "!")["result"] == 1
    assert core.report("update", mark)["doc"] == new + "!"
    assert get_datas(core, mark) == []


def test_null_delta_refetches_the_new_text_in_chunks(core):
    core.update(V, TEXT + "x")
    mark = core.mark()
    big = "😀 big paste\r\n" * 7
    assert core.update(V, big, delta=None)["result"] == 1
    seen = core.report("update", mark)
    assert seen["delta"] is None and seen["doc"] == big and seen["old"] == TEXT + "x"
    fetches = get_datas(core, mark)
    assert [f["params"]["rev"] for f in fetches] == [2] * len(fetches)
    data = big.encode()
    # Contiguous 5-byte requests; xi's core cuts each chunk on a character boundary.
    pos, expected = 0, []
    while pos < len(data):
        expected.append(pos)
        end = min(pos + 5, len(data))
        while end < len(data) and 0x80 <= data[end] <= 0xBF:
            end -= 1
        pos = end
    assert [f["params"]["start"] for f in fetches] == expected


def test_get_data_by_line(core):
    mark = core.mark()
    core.command(V, "line", {"line": 1, "max_size": 6})
    offset = len(TEXT.split("\n")[0].encode()) + 1
    assert core.report("line", mark) == {"hook": "line", "chunk": "second", "offset": offset,
                                         "first_line": 1, "first_line_offset": 0}
    asked = core.method("get_data", mark)["params"]
    assert asked == {"plugin_id": 7, "view_id": V, "start": 1, "unit": "line", "max_size": 6, "rev": 0}


def test_a_plugin_without_update_hook_fetches_nothing_until_it_reads():
    c = Core(sdk_argv("tests.plugins.sdk_plugins:Quiet"))
    try:
        c.initialize(V, "abc")
        assert c.update(V, "abcd")["result"] == 1
        assert c.update(V, "xyz", delta=None)["result"] == 1
        assert c.update(V, "xyz😀")["result"] == 1
        assert get_datas(c) == []
        c.command(V, "doc")
        assert c.report("doc") == {"hook": "doc", "doc": "xyz😀", "rev": 3}
        assert {f["params"]["rev"] for f in get_datas(c)} == {3}
        assert c.shutdown() == 0
    finally:
        c.stop()


@pytest.mark.parametrize("code", [STOPPING, -32603])
def test_a_hook_cut_short_by_the_core_stopping_the_plugin_is_no_bug(code):
    # the core stops a plugin (its supervisor gone) while a hook waits on get_data: answered
    # STOPPING, the hook's failure is the close's, not the plugin's (no traceback, no alert)
    c = Core(sdk_argv("tests.plugins.sdk_plugins:Quiet"), answer_get_data=False)
    try:
        c.initialize(V, "abc")
        mark = c.mark()
        c.command(V, "doc")
        ask = c.wait_for(lambda m: m.get("method") == "get_data", mark)
        c.send({"id": ask["id"], "error": {"code": code, "message": "get_data: the core is stopping this plugin"}})
        if code == STOPPING:
            assert c.shutdown() == 0
            assert "Traceback" not in c.stderr()
            assert not [m for m in c.log[mark:] if m.get("method") == "alert"]
        else:  # any other refusal is reported as the hook's failure
            assert "on_command failed" in c.wait_for(lambda m: m.get("method") == "alert", mark)["params"]["msg"]
            assert c.shutdown() == 0
            assert "Traceback" in c.stderr()
    finally:
        c.stop()


EDIT_TEXT = st.lists(st.sampled_from(["a", "b", " ", "\n", "\r\n", "\r", "é", "€", "😀", "\U0010ffff"]),
                     max_size=8).map("".join)


@st.composite
def edits(draw, text: str) -> tuple[str, list[tuple[int, int, str]]]:
    """A new text made by 1-3 disjoint replacements of ``text`` (code points), and them."""
    n = draw(st.integers(1, 3))
    cuts = sorted(draw(st.lists(st.integers(0, len(text)), min_size=2 * n, max_size=2 * n)))
    reps = [(cuts[2 * i], cuts[2 * i + 1], draw(EDIT_TEXT)) for i in range(n)]
    out, pos = [], 0
    for s, e, t in reps:
        out += [text[pos:s], t]
        pos = e
    out.append(text[pos:])
    return "".join(out), reps


def wire_delta(old: str, reps: list[tuple[int, int, str]]) -> dict:
    """xi's delta for the replacements, built on bytes without the SDK."""
    els, pos = [], 0
    for s, e, t in reps:
        bs, be = len(old[:s].encode()), len(old[:e].encode())
        if bs > pos:
            els.append({"copy": [pos, bs]})
        if t:
            els.append({"insert": t})
        pos = be
    size = len(old.encode())
    if pos < size:
        els.append({"copy": [pos, size]})
    return {"base_len": size, "els": els}


@pytest.fixture(scope="module")
def shared_core():
    c = Core(sdk_argv("tests.plugins.sdk_plugins:Recorder"))
    c.initialize("view-id-0", "")
    c.report("new_view")
    yield c
    assert c.shutdown() == 0
    c.stop()


COUNTER = iter(range(1, 1 << 30))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(start=EDIT_TEXT, data=st.data())
def test_random_edit_sequences_keep_the_document_equal_to_the_model(shared_core, start, data):
    core = shared_core
    view = f"view-id-{next(COUNTER) + 1}"
    core.new_buffer(view, start)
    model = start
    for _ in range(data.draw(st.integers(1, 6))):
        new, reps = data.draw(edits(model))
        null = data.draw(st.integers(0, 5)) == 0
        mark = core.mark()
        answer = core.update(view, new, delta=None if null else wire_delta(model, reps))
        assert answer.get("result") == 1, answer
        seen = core.report("update", mark)
        assert seen["doc"] == new and seen["old"] == model
        if not null:
            assert seen["delta"] is not None
            applied = model
            for s, e, t in reversed(seen["delta"]):
                applied = applied[:s] + t + applied[e:]
            assert applied == new
        model = new
    core.notify("did_close", {"view_id": view})


def test_spans_are_sent_in_utf8_bytes(core):
    mark = core.mark()
    # "héllo 😀 wörld": spans over code points 1..5 ("éllo"), 6..7 ("😀"), 9..10 ("ö")
    core.command(V, "spans", {"start": 0, "length": 14, "spans": [[1, 5, 0], [6, 7, 1], [9, 10, 0]]})
    scopes = core.method("add_scopes", mark)
    assert scopes["params"] == {"plugin_id": 7, "view_id": V, "scopes": [["source.test", "keyword"], ["comment"]]}
    spans = core.method("update_spans", mark)
    raw = TEXT.encode()
    assert spans["params"] == {"plugin_id": 7, "view_id": V, "start": 0, "len": len(TEXT[:14].encode()), "rev": 0,
                               "spans": [{"start": 1, "end": 6, "scope_id": 0}, {"start": 7, "end": 11, "scope_id": 1},
                                         {"start": 13, "end": 15, "scope_id": 0}]}
    assert raw[1:6] == "éllo".encode() and raw[7:11] == "😀".encode() and raw[13:15] == "ö".encode()
    # Relative to a start past astral characters: start and len in bytes too.
    mark = core.mark()
    core.command(V, "spans", {"start": 7, "length": 8, "spans": [[0, 1, 1], [2, 7, 0]]})
    spans = core.method("update_spans", mark)
    assert spans["params"]["start"] == len(TEXT[:7].encode())
    assert spans["params"]["len"] == len(TEXT[7:15].encode())
    assert spans["params"]["spans"] == [{"start": 0, "end": 1, "scope_id": 1},
                                        {"start": 2, "end": len(TEXT[7:14].encode()), "scope_id": 0}]


def test_spans_at_an_older_revision_use_that_text(core):
    core.update(V, "😀" + TEXT)
    mark = core.mark()
    core.command(V, "spans", {"start": 1, "length": 1, "spans": [[0, 1, 0]], "rev": 0})
    spans = core.method("update_spans", mark)
    assert spans["params"] == {"plugin_id": 7, "view_id": V, "start": 1, "len": 2, "rev": 0,
                               "spans": [{"start": 0, "end": 2, "scope_id": 0}]}


def test_bad_spans_are_refused_and_reported(core):
    mark = core.mark()
    core.command(V, "spans", {"start": 0, "length": 999, "spans": []})
    alert = core.method("alert", mark)
    assert "on_command failed" in alert["params"]["msg"] and "PluginProtocolError" in alert["params"]["msg"]
    assert [m for m in core.log[mark:] if m.get("method") == "update_spans"] == []


def test_edit_is_sent_at_the_right_revision_in_bytes(core):
    core.update(V, TEXT + "!", undo_group=4)
    mark = core.mark()
    # Replace "😀" (code points 6..7) with "x" on revision 1.
    core.command(V, "edit", {"start": 6, "end": 7, "text": "x", "priority": 5, "after_cursor": True,
                             "new_undo_group": False})
    edit = core.method("edit", mark)["params"]
    size = len((TEXT + "!").encode())
    assert edit == {"plugin_id": 7, "view_id": V, "edit": {
        "rev": 1, "priority": 5, "after_cursor": True, "new_undo_group": False, "undo_group": 4, "author": "recorder",
        "delta": {"base_len": size, "els": [{"copy": [0, 7]}, {"insert": "x"}, {"copy": [11, size]}]}}}
    # On an older revision the plugin still has: that revision's text and number.
    mark = core.mark()
    core.command(V, "edit", {"start": 0, "end": 1, "text": "", "rev": 0})
    edit = core.method("edit", mark)["params"]["edit"]
    assert edit["rev"] == 0 and edit["undo_group"] is None and edit["new_undo_group"] is True
    assert edit["delta"] == {"base_len": len(TEXT.encode()), "els": [{"copy": [1, len(TEXT.encode())]}]}
    assert edit["priority"] == 100_000 and edit["after_cursor"] is False


def test_hover_position_and_range_convert(core):
    mark = core.mark()
    pos = len("héllo 😀".encode())  # the byte offset of the space after the emoji
    core.notify("get_hover", {"view_id": V, "request_id": 3, "position": pos})
    hover = core.method("show_hover", mark)["params"]
    assert hover == {"plugin_id": 7, "view_id": V, "request_id": 3,
                     "result": {"Ok": {"content": "char ' ' at 7", "range": {"start": pos, "end": pos + 1}}}}


def test_hover_that_raises_is_answered_with_an_error():
    c = Core(sdk_argv("tests.plugins.sdk_plugins:Broken"))
    try:
        c.initialize(V, "abc")
        alert = c.method("alert")
        assert "on_new_view failed" in alert["params"]["msg"] and "new_view on purpose" in alert["params"]["msg"]
        mark = c.mark()
        c.notify("get_hover", {"view_id": V, "request_id": 1, "position": 1})
        hover = c.method("show_hover", mark)["params"]
        assert hover["request_id"] == 1 and "Err" in hover["result"]
        answer = c.update(V, "abcd")
        assert answer["result"] == 1  # the text follows even though the hook raised
        alerts = [m["params"]["msg"] for m in c.log[mark:] if m.get("method") == "alert"]
        assert alerts == ["broken: on_hover failed: ValueError: hover on purpose",
                          "broken: on_update failed: ValueError: update on purpose"]
        mark = c.mark()
        assert c.update(V, "abcde")["result"] == 1
        assert [m for m in c.log[mark:] if m.get("method") == "alert"] == []  # once per hook
        assert c.shutdown() == 0
        assert "ValueError: update on purpose" in c.stderr()
    finally:
        c.stop()


def test_status_items_and_alert(core):
    mark = core.mark()
    core.command(V, "status")
    assert core.method("add_status_item", mark)["params"] == {
        "plugin_id": 7, "view_id": V, "key": "k", "value": "one", "alignment": "right"}
    assert core.method("update_status_item", mark)["params"] == {
        "plugin_id": 7, "view_id": V, "key": "k", "value": "two"}
    assert core.method("remove_status_item", mark)["params"] == {"plugin_id": 7, "view_id": V, "key": "k"}


def test_annotations_in_bytes_with_xi_annotation_type(core):
    mark = core.mark()
    core.command(V, "annotations", {"start": 6, "length": 3, "type": "diagnostic",
                                    "annotations": [{"start": 0, "end": 2, "data": {"msg": "emoji"}}]})
    params = core.method("update_annotations", mark)["params"]
    assert params == {"plugin_id": 7, "view_id": V, "start": len("héllo ".encode()), "len": len("😀 w".encode()),
                      "rev": 0, "annotation_type": {"Other": "diagnostic"},
                      "spans": [{"start": 0, "end": 5, "data": {"msg": "emoji"}}]}
    mark = core.mark()
    core.command(V, "annotations", {"start": 0, "length": 0, "type": "find", "annotations": []})
    assert core.method("update_annotations", mark)["params"]["annotation_type"] == "Find"


def test_a_command_that_raises_is_alerted_and_the_plugin_goes_on(core):
    mark = core.mark()
    core.command(V, "boom")
    alert = core.method("alert", mark)
    assert alert["params"]["msg"] == "recorder: on_command failed: RuntimeError: boom on purpose"
    core.command(V, "boom")
    core.wait_for(lambda m: m is not alert and m.get("method") == "alert", mark)  # every time, for commands
    assert core.update(V, TEXT + "?")["result"] == 1
    assert wait_until(lambda: core.stderr().count("RuntimeError: boom on purpose") == 2)
    assert "Traceback" in core.stderr()


def test_a_command_sent_as_a_request_is_answered_with_the_hooks_value(core):
    answer = core.request("custom_command", {"view_id": V, "method": "answer", "params": {"x": 1}})
    assert answer["result"] == {"got": {"x": 1}, "rev": 0, "doc": TEXT}
    assert core.request("custom_command", {"view_id": V, "method": "status", "params": {}})["result"] is None
    answer = core.request("custom_command", {"view_id": V, "method": "refuse", "params": {}})
    assert answer["error"] == {"code": -32602, "message": "refused: bad params"}
    answer = core.request("custom_command", {"view_id": V, "method": "boom", "params": {}})
    assert answer["error"]["code"] == -32603  # a bug: an error answer, and an alert
    core.method("alert")
    assert core.request("custom_command", {"view_id": "view-id-9", "method": "answer"})["error"]["code"] == 404
    assert core.request("custom_command", {"view_id": V, "method": 5})["error"]["code"] == -32602
    assert core.update(V, TEXT + "?")["result"] == 1


def test_idle_runs_when_no_message_waits(core):
    mark = core.mark()
    core.command(V, "idle", {"times": 3})
    assert [core.report("idle", mark)["left"]] == [2]
    last = core.wait_for(lambda m: m.get("method") == "alert" and '"left": 0' in m["params"]["msg"], mark)
    lefts = [json.loads(m["params"]["msg"][7:])["left"] for m in core.log[mark:core.log.index(last) + 1]
             if m.get("method") == "alert" and '"idle"' in m["params"]["msg"]]
    assert lefts == [2, 1, 0]


def test_an_idle_turn_asked_with_a_delay_waits_for_it_while_messages_are_served(core):
    mark = core.mark()
    core.command(V, "idle", {"times": 1, "delay": 2.0})
    core.command(V, "idle", {"times": 1})  # an earlier time asked later: the later time holds
    core.command(V, "doc", {})
    core.report("doc", mark)  # served meanwhile, the idle turn not yet run
    assert not [m for m in core.log[mark:] if m.get("method") == "alert" and '"idle"' in m["params"]["msg"]]
    assert core.report("idle", mark)["left"] == 0  # then it runs, once


def test_save_close_config_and_language(core):
    mark = core.mark()
    core.notify("did_save", {"view_id": V, "path": "/tmp/y.txt"})
    assert core.report("save", mark) == {"hook": "save", "path": "/tmp/y.txt", "view_path": "/tmp/y.txt"}
    core.notify("config_changed", {"view_id": V, "changes": {"tab_size": 8}})
    assert core.report("config", mark) == {"hook": "config", "changes": {"tab_size": 8}, "before": {"tab_size": 4}}
    core.notify("language_changed", {"view_id": V, "new_lang": "Python"})
    assert core.report("language", mark) == {"hook": "language", "old": "Plain Text", "new": "Python"}
    core.notify("tracing_config", {"enabled": True})
    core.notify("did_close", {"view_id": V})
    assert core.report("close", mark) == {"hook": "close"}
    answer = core.update(V, "gone")
    assert answer["error"]["code"] == 404


def test_print_in_a_plugin_goes_to_stderr(core):
    mark = core.mark()
    core.command(V, "print")
    core.report("printed", mark)
    assert wait_until(lambda: "printed by the plugin" in core.stderr())
    assert core.bad_lines == []
    assert all(b"printed by the plugin" not in line for line in core.raw_lines)


HOSTILE = [
    b"this is not json\n",
    b"{\"method\": \"update\", \"id\": 5, \"params\": NaN}\n",
    b"[1, 2\n",
    b"\xff\xfe not utf-8\n",
    b"{\"method\": \"frobnicate\", \"id\": 6, \"params\": {}}\n",
    b"{\"method\": \"frobnicate\", \"params\": {}}\n",
    b"{\"method\": \"update\", \"id\": 7, \"params\": {\"view_id\": \"view-id-1\", \"rev\": \"x\"}}\n",
    b"{\"method\": \"update\", \"id\": 8, \"params\": [1, 2, 3]}\n",
    b"{\"method\": \"update\", \"id\": 9, \"params\": {\"view_id\": 3.5, \"delta\": null, \"new_len\": 1, "
    b"\"new_line_count\": 1, \"rev\": 1}}\n",
    b"{\"method\": \"custom_command\", \"params\": {\"view_id\": \"view-id-1\", \"method\": 5}}\n",
    b"{\"method\": \"custom_command\", \"params\": {\"view_id\": \"view-id-1\", \"method\": \"\\ud800\"}}\n",
    b"{\"method\": \"update\", \"id\": 10, \"params\": {\"view_id\": \"\\udc00\"}}\n",
    b"{\"method\": \"get_hover\", \"params\": {\"view_id\": \"view-id-1\", \"request_id\": -1, \"position\": 1e999}}\n",
    b"{\"method\": \"initialize\", \"params\": {\"plugin_id\": 9, \"buffer_info\": \"no\"}}\n",
    b"{\"method\": \"new_buffer\", \"params\": {\"buffer_info\": [{\"views\": []}]}}\n",
    b"{\"method\": \"did_close\", \"params\": {\"view_id\": {\"a\": 1}}}\n",
    b"{\"method\": \"config_changed\", \"params\": {\"view_id\": \"view-id-1\", \"changes\": [1]}}\n",
    b"{\"id\": 99, \"result\": \"an answer to nothing\"}\n",
    b"{}\n",
    b"42\n",
    b"[]\n",
    b"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\n",
    b"\"" + b"x" * 3_000_000 + b"\"\n",
]


def test_hostile_input_never_kills_the_plugin(core):
    for line in HOSTILE:
        core.send_raw(line)
    # A delta that does not fit: answered -32602, and the text is fetched again.
    bad = {"base_len": 3, "els": [{"copy": [0, 3]}]}
    answer = core.update(V, TEXT + "#", delta=bad)
    assert answer["error"]["code"] == -32602 and "does not fit" in answer["error"]["message"]
    mark = core.mark()
    assert core.update(V, TEXT + "#!")["result"] == 1
    assert core.report("update", mark)["doc"] == TEXT + "#!"
    # xi's notifications sent as requests are answered null; an update sent as a notification applies.
    assert core.request("ping", [])["result"] is None
    new = (TEXT + "#!?").encode()
    core.rev[V] += 1
    core.texts[(V, core.rev[V])] = new
    mark = core.mark()
    delta = replace_delta((TEXT + "#!").encode(), len(new) - 1, len(new) - 1, "?")
    core.notify("update", {"view_id": V, "delta": delta, "rev": core.rev[V], "new_len": len(new), "new_line_count": 3})
    assert core.report("update", mark)["doc"] == TEXT + "#!?"
    for rid, code in ((6, -32601), (7, -32602), (8, -32602), (9, -32602), (10, -32602)):
        answer = core.wait_for(lambda m, rid=rid: m.get("id") == rid and "error" in m)
        assert answer["error"]["code"] == code, answer
    assert core.wait_for(lambda m: m.get("id") is None and m.get("error", {}).get("code") == -32700)
    assert core.bad_lines == []
    assert core.alive()
    assert core.shutdown() == 0


def test_unanswered_get_data_fails_cleanly_at_end_of_input():
    c = Core(sdk_argv("tests.plugins.sdk_plugins:Recorder"), answer_get_data=False)
    try:
        c.initialize(V, "abc")
        c.report("new_view")
        c.send({"id": 1, "method": "update", "params": {"view_id": V, "delta": replace_delta(b"abc", 3, 3, "d"),
                                                        "new_len": 4, "new_line_count": 1, "rev": 1}})
        c.method("get_data")  # the plugin waits for text that never comes
        c.proc.stdin.close()
        assert c.wait() == 0
    finally:
        c.stop()


@pytest.mark.parametrize("error", [{"code": "x", "message": 5}, {"code": 1.5}, {"code": None}, "just a string",
                                   {"code": 10 ** 30, "message": "big"}])
def test_a_malformed_error_answer_to_get_data_fails_the_hook_only(error):
    c = Core(sdk_argv("tests.plugins.sdk_plugins:Recorder"), answer_get_data=False)
    try:
        c.initialize(V, "abc")
        c.report("new_view")
        mark = c.mark()
        c.command(V, "doc")
        asked = c.method("get_data", mark)
        c.send({"id": asked["id"], "error": error})
        assert "on_command failed" in c.method("alert", mark)["params"]["msg"]
        c.answer_get_data = True
        mark = c.mark()
        c.command(V, "doc")
        assert c.report("doc", mark) == {"hook": "doc", "doc": "abc", "rev": 0}
        assert c.shutdown() == 0
    finally:
        c.stop()


def test_xi_u64_revision_tokens_stay_exact():
    rev = 2**64 - 1000  # xi-core's revisions are u64 tokens
    c = Core(sdk_argv("tests.plugins.sdk_plugins:Recorder"))
    try:
        c.initialize(V, "abc", rev=rev)
        c.report("new_view")
        mark = c.mark()
        assert c.update(V, "abcd")["result"] == 1
        assert c.report("update", mark)["rev"] == rev + 1
        assert {m["params"]["rev"] for m in get_datas(c, mark)} == {rev}
        c.command(V, "edit", {"start": 0, "end": 1, "text": ""})
        assert c.method("edit", mark)["params"]["edit"]["rev"] == rev + 1
        c.command(V, "spans", {"start": 0, "length": 1, "spans": [[0, 1, 0]]})
        assert c.method("update_spans", mark)["params"]["rev"] == rev + 1
        assert c.shutdown() == 0
    finally:
        c.stop()

"""Revisions, edit listeners and plugin edits made at older revisions (``_revisions``,
``_plugin_hooks``): xi's ``try_edit_rev`` on a real ``Buffer`` and ``BufferActor``."""

from __future__ import annotations

import threading

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from symphony.errors import PluginProtocolError, SymphonyError
from symphony.text import Delta
from symphony.text.editor import Buffer, BufferActor, EditEvent, PluginEdit
from symphony.text.editor._revisions import USER_PRIORITY, RevisionLog
from tests.conftest import wait_until

#: user actions: only text from "XYZ\n" is typed, so what the user typed can be told apart
USER = st.one_of(
    st.tuples(st.just("insert"), st.fixed_dictionaries({"chars": st.text("XYZ\n", min_size=1, max_size=4)})),
    st.tuples(st.just("paste"), st.fixed_dictionaries({"chars": st.text("XY", min_size=1, max_size=6)})),
    st.tuples(st.sampled_from(["delete_backward", "delete_forward", "undo", "redo", "move_left", "move_right",
                               "move_up", "insert_newline", "add_selection_below", "transpose",
                               "move_word_left_and_modify_selection"]), st.none()),
)


def buffer_with(text: str) -> tuple[Buffer, list[EditEvent]]:
    buf = Buffer(lambda method, params: None)
    buf.add_view("v")
    if text:
        buf.command("v", "insert", {"chars": text})
    buf.command("v", "move_to_beginning_of_document", None)
    events: list[EditEvent] = []
    buf.listen(events.append)
    return buf, events


@st.composite
def plugin_delta(draw: st.DrawFn, length: int) -> Delta:
    start = draw(st.integers(0, length))
    end = draw(st.integers(start, length))
    return Delta.replace(length, start, end, draw(st.text("pq", max_size=3)))


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text("abc\n", max_size=30), st.data(), st.lists(USER, max_size=12), st.sampled_from([1, USER_PRIORITY, 10**6]))
def test_a_plugin_edit_at_an_old_rev_is_transformed_over_every_later_edit(initial, data, actions, priority):
    buf, events = buffer_with(initial)
    rev = buf.revisions.rev
    at_rev = str(buf.rope)
    mine = data.draw(plugin_delta(len(at_rev)))
    for method, params in actions:
        buf.command("v", method, params)
    # every event: consecutive revisions, and its delta turns old_rope into new_rope
    for k, event in enumerate(events):
        assert event.rev == rev + k + 1
        assert event.delta.apply(str(event.old_rope)) == str(event.new_rope)
        assert event.author == "user"
    before = str(buf.rope)
    model = mine
    for event in events:  # xi: the higher priority is applied last (its text after)
        model = event.delta.transform(model)[1] if priority >= USER_PRIORITY else model.transform(event.delta)[0]
    n_events = len(events)
    buf.plugin_edit(PluginEdit("fmt", rev, mine, priority=priority))
    assert str(buf.rope) == model.apply(before)
    # the user's keystrokes are never lost: every X, Y, Z typed is still there, in order
    assert [c for c in str(buf.rope) if c in "XYZ"] == [c for c in before if c in "XYZ"]
    if not model.is_identity:
        event = events[-1]
        assert len(events) == n_events + 1
        assert (event.author, event.edit_type, event.rev) == ("fmt", "other", buf.revisions.rev)
        assert event.delta == model
        # one undo group: undo takes the plugin's edit away, and only it
        buf.command("v", "undo", None)
        assert str(buf.rope) == before
        assert events[-1].edit_type == "undo" and events[-1].undo_group == event.undo_group
        buf.command("v", "redo", None)
        assert str(buf.rope) == model.apply(before)
    for region in buf.views["v"].regions:
        assert 0 <= region.start <= region.end <= len(buf.rope)


@pytest.mark.parametrize("priority, expected", [(USER_PRIORITY + 1, "abcUP"), (USER_PRIORITY - 1, "abcPU")])
def test_priority_orders_inserts_at_the_same_place(priority, expected):
    buf, _ = buffer_with("abc")
    rev = buf.revisions.rev
    buf.command("v", "move_to_end_of_document", None)
    buf.command("v", "insert", {"chars": "U"})
    buf.plugin_edit(PluginEdit("p", rev, Delta.insert(3, 3, "P"), priority=priority))
    assert str(buf.rope) == expected


@pytest.mark.parametrize("after_cursor, caret", [(False, 4), (True, 3)])
def test_after_cursor_keeps_the_caret_before_the_inserted_text(after_cursor, caret):
    buf, _ = buffer_with("abc")
    buf.command("v", "move_to_end_of_document", None)
    buf.plugin_edit(PluginEdit("p", buf.revisions.rev, Delta.insert(3, 3, ")"), after_cursor=after_cursor))
    assert str(buf.rope) == "abc)"
    assert buf.views["v"].regions[0].active == caret


def test_undo_removes_the_plugin_edit_alone_or_with_the_edit_it_joined():
    buf, _ = buffer_with("")
    buf.command("v", "insert", {"chars": "abc"})
    buf.plugin_edit(PluginEdit("p", buf.revisions.rev, Delta.insert(3, 0, "# ")))
    buf.command("v", "insert", {"chars": "d"})
    assert str(buf.rope) == "# abcd"
    buf.command("v", "undo", None)
    assert str(buf.rope) == "# abc"
    buf.command("v", "undo", None)
    assert str(buf.rope) == "abc"  # the plugin's edit alone
    buf.command("v", "undo", None)
    assert str(buf.rope) == ""
    # new_undo_group=False: joins the user's edit (as xi's plugin-lib does), undone with it
    buf.command("v", "insert", {"chars": "("})
    buf.plugin_edit(PluginEdit("p", buf.revisions.rev, Delta.insert(1, 1, ")"), new_undo_group=False))
    assert str(buf.rope) == "()"
    buf.command("v", "undo", None)
    assert str(buf.rope) == ""
    buf.command("v", "redo", None)
    assert str(buf.rope) == "()"


def test_revisions_count_every_edit_undo_and_redo_included():
    buf, events = buffer_with("")
    assert buf.revisions.rev == 0
    buf.command("v", "insert", {"chars": "a"})
    buf.command("v", "paste", {"chars": "bc"})
    buf.command("v", "undo", None)
    buf.command("v", "redo", None)
    buf.command("v", "move_left", None)  # not an edit
    assert buf.revisions.rev == 4
    assert [(e.rev, e.edit_type) for e in events] == [(1, "insert"), (2, "other"), (3, "undo"), (4, "redo")]
    assert events[2].undo_group == events[1].undo_group == events[3].undo_group != events[0].undo_group


def bad_edits(buf: Buffer) -> list[object]:
    rev = buf.revisions.rev
    n = len(buf.rope)
    return [
        PluginEdit("p", rev + 1, Delta.insert(n, 0, "x")),  # from the future
        PluginEdit("p", -1, Delta.insert(n, 0, "x")),
        PluginEdit("p", 0, Delta.insert(0, 0, "x")),  # too old (the log keeps 3)
        PluginEdit("p", rev, Delta.insert(n + 1, 0, "x")),  # base length wrong
        PluginEdit("p", 2.0, Delta.insert(n, 0, "x")),  # type: ignore[arg-type]
        PluginEdit("p", True, Delta.insert(n, 0, "x")),  # type: ignore[arg-type]
        PluginEdit("p", rev, {"ops": ["x"]}),  # type: ignore[arg-type]
        PluginEdit("", rev, Delta.insert(n, 0, "x")),
        PluginEdit("p", rev, Delta.insert(n, 0, "x"), priority=float("nan")),  # type: ignore[arg-type]
        ("p", rev, Delta.insert(n, 0, "x")),
    ]


def test_hostile_plugin_edits_raise_and_change_nothing():
    buf, events = buffer_with("")
    buf.revisions.max_revisions = 3
    for ch in "abcdef":
        buf.command("v", "insert", {"chars": ch})
    text, rev, regions = buf.rope, buf.revisions.rev, buf.views["v"].regions
    depth = len(buf.history.undo_stack)
    for edit in bad_edits(buf):
        with pytest.raises(PluginProtocolError):
            buf.plugin_edit(edit)  # type: ignore[arg-type]
        assert buf.rope is text and buf.revisions.rev == rev and buf.views["v"].regions == regions
        assert len(buf.history.undo_stack) == depth and len(events) == 6
    assert issubclass(PluginProtocolError, SymphonyError)
    # the oldest kept revision still works
    buf.plugin_edit(PluginEdit("p", buf.revisions.oldest, Delta.insert(3, 0, ">")))
    assert str(buf.rope) == ">abcdef"


def test_the_log_is_bounded_by_revisions_and_by_characters():
    log = RevisionLog(0, max_revisions=5, max_chars=10)
    length = 0
    for k in range(8):
        log.record(Delta.insert(length, length, "x"))
        length += 1
    assert log.rev == 8 and log.oldest == 3
    log.record(Delta.insert(length, 0, "y" * 9))
    assert log.oldest == 7  # the new revision's characters pushed the old ones out (10 kept at most)
    with pytest.raises(PluginProtocolError):
        log.length_at(6)
    assert log.length_at(7) == 7 and log.length_at(9) == 17


def test_the_actor_answers_listen_in_sync_and_calls_listeners_in_its_turn(node):
    sent: list[tuple[str, dict]] = []
    ref = node.spawn(BufferActor, lambda m, p: sent.append((m, p)))
    ref.ask("add_view", "v")
    ref.ask("command", ("v", "insert", {"chars": "hello"}))
    events: list[tuple[EditEvent, str]] = []

    def listener(event: EditEvent) -> None:
        events.append((event, threading.current_thread().name))

    rev, rope = ref.ask("listen", listener)
    assert (rev, str(rope)) == (1, "hello")
    ref.ask("command", ("v", "paste", {"chars": "!"}))
    assert len(events) == 1  # called inside the actor's turn, before the answer
    ref.ask("command", ("v", "undo", None))
    ref.tell("plugin_edit", PluginEdit("lint", rev, Delta.insert(5, 0, "> ")))
    assert wait_until(lambda: len(events) == 3)
    assert [(e.rev, e.author, e.edit_type) for e, _ in events] == [(2, "user", "other"), (3, "user", "undo"),
                                                                   (4, "lint", "other")]
    assert str(ref.ask("snapshot", None)) == "> hello"
    with pytest.raises(PluginProtocolError):
        ref.ask("plugin_edit", PluginEdit("lint", 99, Delta.insert(7, 0, "x")))
    ref.ask("unlisten", listener)
    ref.ask("command", ("v", "insert", {"chars": "x"}))
    assert len(events) == 3 and str(ref.ask("snapshot", None)) == "> hellox"  # and the actor still serves

"""Supervision of a misbehaving plugin process: crash and restart, hang, flood, memory, malformed output.
The editor keeps serving through all of them: every test ends by typing and seeing the text."""

from __future__ import annotations

import os
import subprocess
import sys

import symphony.plugins._host as host_module
from symphony.plugins import Budget
from symphony.plugins._priority import lower_priority

from .conftest import docs, make_plugin, read_log, received, wait_until


def typing_works(core, view, chars="ok"):
    before = core.text(view)
    core.edit(view, "insert", {"chars": chars})
    assert wait_until(lambda: core.text(view) != before)
    assert chars in core.text(view)


def test_a_crash_restarts_the_plugin_and_resends_its_buffers(make_core, tmp_path):
    log = make_plugin(str(tmp_path / "plugins"), "crashy", "crash_once")
    core = make_core()
    view = core.open()
    core.edit(view, "insert", {"chars": "before"})
    core.start()  # starts it with the buffer; its first run exits in initialize
    assert wait_until(lambda: os.path.exists(log + ".crashed"))
    assert wait_until(lambda: core.sent.of("plugin_stopped"))
    # restarted (with backoff): initialize again, carrying the buffer at its current revision
    assert wait_until(lambda: len(received(log, "initialize")) == 2)
    info = received(log, "initialize")[-1]["params"]["buffer_info"]
    assert [i["views"] for i in info] == [[view]]
    assert wait_until(lambda: docs(log, view)[-1:] == [(1, "before")])
    assert len(core.sent.of("plugin_started")) == 2
    core.edit(view, "insert", {"chars": "!"})
    assert wait_until(lambda: docs(log, view)[-1:] == [(2, "before!")])


def test_a_plugin_that_keeps_crashing_is_given_up_with_an_alert(make_core, tmp_path):
    directory = tmp_path / "plugins" / "dead"
    directory.mkdir(parents=True)
    (directory / "run.sh").write_text("#!/bin/sh\nexit 1\n")
    (directory / "run.sh").chmod(0o755)
    (directory / "manifest.toml").write_text('name = "dead"\nversion = "1"\nexec_path = "./run.sh"\n'
                                             'activations = ["autorun"]\n')
    core = make_core(Budget(backoff=0.001, max_restarts=3))
    core.start()
    view = core.open()
    assert wait_until(lambda: any("not restarted" in a["msg"] for a in core.sent.of("alert")))
    assert wait_until(lambda: core.host.running() == {})
    typing_works(core, view)


def test_a_hung_plugin_never_delays_typing(make_core, tmp_path):
    log = make_plugin(str(tmp_path / "plugins"), "stuck", "hang")
    core = make_core(Budget(max_in_flight=4))
    core.start()
    view = core.open()
    assert wait_until(lambda: received(log, "initialize"))
    for i in range(300):  # far more updates than it may have unanswered
        core.edit(view, "insert", {"chars": "x"})
    assert core.text(view) == "x" * 300
    [ref] = core.host.running()["stuck"]
    assert wait_until(lambda: ref.ask("state")["buffers"] == {1: 300})
    assert ref.ask("state")["in_flight"] == 4  # bounded: the rest wait as one catch-up update
    core.close()  # shutdown, then terminate: the test ends with no process left
    assert core.host.running() == {}


def test_a_flooding_plugin_is_stopped_with_an_alert(make_core, tmp_path):
    make_plugin(str(tmp_path / "plugins"), "noisy", "flood")
    core = make_core(Budget(max_messages=2000))
    core.start()
    view = core.open()
    assert wait_until(lambda: any("noisy stopped" in a["msg"] for a in core.sent.of("alert")))
    assert wait_until(lambda: core.host.running() == {})
    typing_works(core, view)


def test_a_plugin_over_its_memory_budget_is_stopped_with_an_alert(make_core, tmp_path):
    make_plugin(str(tmp_path / "plugins"), "hog", "memory")
    core = make_core(Budget(max_rss=100 << 20, check_interval=0.05))
    core.start()
    view = core.open()
    assert wait_until(lambda: any("hog stopped" in a["msg"] and "memory" in a["msg"]
                                  for a in core.sent.of("alert")))
    assert wait_until(lambda: core.host.running() == {})
    typing_works(core, view)


def test_malformed_output_is_refused_and_the_plugin_keeps_working(make_core, tmp_path):
    log = make_plugin(str(tmp_path / "plugins"), "messy", "garbage")
    core = make_core(Budget(max_line=1 << 20))
    core.start()
    view = core.open()
    assert wait_until(lambda: any("garbage" in e for e in read_log(log)))
    # wrong types, a lone surrogate, a bad request: each answered or dropped; no alert reached the frontend
    core.edit(view, "insert", {"chars": "still here"})
    assert wait_until(lambda: docs(log, view)[-1:] == [(1, "still here")])
    ids = f'"view_id": "{view}", "plugin_id": 1'
    bad_edits = [
        f'{{"method": "edit", "params": {{{ids}, "edit": {{"rev": 1, "delta": {{"base_len": 3, "els": []}}, "priority": 1, "after_cursor": false, "author": "m"}}}}}}',
        f'{{"method": "edit", "params": {{{ids}, "edit": {{"rev": 999, "delta": {{"base_len": 10, "els": []}}}}}}}}',
        f'{{"method": "update_spans", "params": {{{ids}, "start": 0, "len": 99, "spans": [], "rev": 1}}}}',
        f'{{"method": "update_spans", "params": {{{ids}, "start": 0, "len": 2, "spans": [{{"start": 1, "end": 5, "scope_id": 0}}], "rev": 1}}}}',
        f'{{"method": "show_hover", "params": {{{ids}, "request_id": true, "result": 3}}}}',
        f'{{"method": "no_such_method", "params": {{{ids}}}}}',
        '{"method": "alert", "params": {"view_id": "nope", "msg": "x"}}',
    ]
    for line in bad_edits:
        core.send_raw(view, "messy", line)
    core.send_raw(view, "messy", f'{{"method": "alert", "params": {{{ids}, "msg": "sane"}}}}')
    assert wait_until(lambda: core.sent.of("alert"))
    assert core.sent.of("alert") == [{"msg": "sane"}]
    assert core.text(view) == "still here"  # no bad edit applied
    ref = core.core.views[view]
    assert [k for k, _ in ref.ask("plugin_log")] == []
    # it answered the malformed request with an error and the parse errors with id null
    assert core.host.running()["messy"]
    typing_works(core, view, "!")
    assert wait_until(lambda: docs(log, view)[-1][1] == core.text(view))


def test_a_plugin_that_falls_behind_catches_up_with_a_null_delta(make_core, tmp_path):
    log = make_plugin(str(tmp_path / "plugins"), "lazy", "pause")
    core = make_core(Budget(max_in_flight=3))
    core.start()
    view = core.open()
    for ch in "abcdefghij":
        core.edit(view, "insert", {"chars": ch})
    assert core.text(view) == "abcdefghij"
    assert wait_until(lambda: len(received(log, "update")) == 3)  # then it is behind
    [ref] = core.host.running()["lazy"]
    assert wait_until(lambda: ref.ask("state")["buffers"] == {1: 10})
    assert len(received(log, "update")) == 3
    core.rpc(view, "lazy", "resume", {})
    # one update with delta null for the revision it missed up to; it refetched the text
    assert wait_until(lambda: docs(log, view)[-1:] == [(10, "abcdefghij")])
    updates = [m["params"] for m in received(log, "update")]
    assert [u["delta"] is None for u in updates] == [False, False, False, True]
    assert updates[-1]["new_len"] == 10 and updates[-1]["rev"] == 10
    core.edit(view, "insert", {"chars": "k"})
    assert wait_until(lambda: docs(log, view)[-1:] == [(11, "abcdefghijk")])
    assert received(log, "update")[-1]["params"]["delta"] is not None


def test_a_lost_edit_makes_the_plugin_resync(make_core, tmp_path):
    from symphony.text import Delta, Rope
    from symphony.text.editor import EditEvent

    log = make_plugin(str(tmp_path / "plugins"), "raw")
    core = make_core()
    core.start()
    view = core.open()
    assert wait_until(lambda: docs(log, view) == [(0, "")])
    [ref] = core.host.running()["raw"]
    # revision 1 never arrives (as if dropped by a full mailbox): revision 2 comes as a null delta
    old, new = Rope("x"), Rope("xy")
    ref.tell("edit", (1, EditEvent(rev=2, delta=Delta([1, "y"]), old_rope=old, new_rope=new, author="user",
                                   edit_type="insert", undo_group=None)))
    assert wait_until(lambda: docs(log, view)[-1:] == [(2, "xy")])
    assert received(log, "update")[-1]["params"]["delta"] is None


def test_a_plugin_runs_nicer_than_the_core_in_an_autogroup_as_nice(make_core, tmp_path):
    log = make_plugin(str(tmp_path / "plugins"), "raw")
    core = make_core(Budget(nice=7))
    core.start()
    core.open()
    assert wait_until(lambda: any("pid" in e for e in read_log(log)))
    pid = next(e["pid"] for e in read_log(log) if "pid" in e)
    want = min(19, os.getpriority(os.PRIO_PROCESS, 0) + 7)
    assert os.getpriority(os.PRIO_PROCESS, pid) == want
    if os.path.exists(f"/proc/{pid}/autogroup"):  # its own session is its own autogroup, as nice
        with open(f"/proc/{pid}/autogroup") as f:
            assert f.read().split()[-1] == str(want)


def test_lowering_the_priority_of_a_process_that_is_gone_is_harmless():
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    lower_priority(proc.pid, 5)  # reaped: no such process
    lower_priority(os.getpid(), 0)  # nothing to do at the same niceness


def test_autorun_plugins_start_after_a_delay_or_with_the_first_document(make_core, tmp_path, monkeypatch):
    log = make_plugin(str(tmp_path / "plugins"), "raw")
    monkeypatch.setattr(host_module, "AUTORUN_DELAY", 60.0)
    core = make_core()
    core.start()
    assert core.host.running() == {}  # the frontend's first document is not slowed by its start
    core.open()
    assert wait_until(lambda: "raw" in core.host.running())
    assert wait_until(lambda: received(log, "initialize"))
    monkeypatch.setattr(host_module, "AUTORUN_DELAY", 0.05)
    log2 = make_plugin(str(tmp_path / "plugins2"), "raw")
    idle = host_module.PluginHost(core.host.node, plugin_dirs=[str(tmp_path / "plugins2")], entry_points=False,
                                  user_dirs=False)
    try:
        idle.client_started(None)  # no document opened: started all the same, a moment later
        assert wait_until(lambda: "raw" in idle.running())
        assert wait_until(lambda: received(log2, "initialize"))
    finally:
        idle.close()
    assert idle.running() == {}

"""Files changed on disk while ``symphony serve`` has them open: reload when pristine, a report
when there are unsaved edits, deletes and renames told apart. Real process, real files, the
OS's own change notifications."""

from __future__ import annotations

import os
from typing import Any

from ..conftest import wait_until
from .test_serve import typed
from .xi_client import XiClient


def changes(xi: XiClient, view: str) -> list[dict[str, Any]]:
    return [m["params"] for m in list(xi.notifications)
            if m["method"] == "file_changed" and m["params"]["view_id"] == view]


def wait_for_change(xi: XiClient, view: str, count: int) -> dict[str, Any]:
    assert wait_until(lambda: len(changes(xi, view)) >= count), (changes(xi, view), xi.stderr())
    return changes(xi, view)[count - 1]


def wait_for_alert(xi: XiClient) -> dict[str, Any]:
    """The last alert: it is a message of its own, sent just after ``file_changed``,
    so it may still be on its way when the change has been read."""
    assert wait_until(lambda: xi.last("alert") is not None), xi.stderr()
    alert = xi.last("alert")
    assert alert is not None
    return alert


def test_pristine_buffer_reloads_an_outside_write(xi, tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("one\ntwo\n")
    v = xi.new_view(str(path))
    xi.sync_check(v, "one\ntwo\n")
    path.write_text("one\nTWO\nthree\n")  # written in place
    change = wait_for_change(xi, v, 1)
    assert change == {"view_id": v, "path": str(path), "change": "reloaded", "pristine": True}
    xi.sync_check(v, "one\nTWO\nthree\n")
    # an atomic replace, as other editors save (a temporary file renamed over the target)
    tmp = tmp_path / ".a.txt.swp"
    tmp.write_text("replaced\n")
    os.replace(tmp, path)
    assert wait_for_change(xi, v, 2)["change"] == "reloaded"
    xi.sync_check(v, "replaced\n")
    xi.edit(v, "undo")  # the reload is one undoable edit
    xi.sync_check(v, "one\nTWO\nthree\n")


def test_unsaved_edits_are_kept_and_reported(xi, tmp_path):
    path = tmp_path / "busy.txt"
    path.write_text("a\n")
    v = xi.new_view(str(path))
    typed(xi, v, "mine ")
    xi.sync_check(v, "mine a\n")
    path.write_text("theirs\n")
    change = wait_for_change(xi, v, 1)
    assert (change["change"], change["pristine"]) == ("modified", False)
    assert "unsaved changes" in wait_for_alert(xi)["msg"]
    xi.sync_check(v, "mine a\n")  # the buffer is left alone
    xi.request("save", {"view_id": v, "file_path": str(path)})  # the user's choice wins
    assert path.read_text() == "mine a\n"


def test_our_own_save_is_not_reported_as_a_change(xi, tmp_path):
    path = tmp_path / "own.txt"
    path.write_text("x\n")
    v = xi.new_view(str(path))
    typed(xi, v, "y")
    xi.request("save", {"view_id": v, "file_path": str(path)})
    path.write_text("outside\n")  # the next change on disk is the only one reported
    assert wait_for_change(xi, v, 1)["change"] == "reloaded"
    xi.sync_check(v, "outside\n")
    assert len(changes(xi, v)) == 1


def test_delete_and_rename_are_told_apart(xi, tmp_path):
    gone = tmp_path / "gone.txt"
    moved = tmp_path / "moved.txt"
    gone.write_text("g\n")
    moved.write_text("m\n")
    v_gone = xi.new_view(str(gone))
    v_moved = xi.new_view(str(moved))
    gone.unlink()
    moved.rename(tmp_path / "elsewhere.txt")
    assert wait_for_change(xi, v_gone, 1)["change"] == "deleted"
    renamed = wait_for_change(xi, v_moved, 1)
    assert (renamed["change"], renamed["new_path"]) == ("renamed", str(tmp_path / "elsewhere.txt"))
    xi.sync_check(v_gone, "g\n")  # the text stays; saving writes the file again
    xi.request("save", {"view_id": v_gone, "file_path": str(gone)})
    assert gone.read_text() == "g\n"


def test_a_file_that_turns_unreadable_is_reported_and_the_text_kept(xi, tmp_path):
    path = tmp_path / "bin.txt"
    path.write_text("text\n")
    v = xi.new_view(str(path))
    path.write_bytes(b"\xff\xfe\x00bad")
    change = wait_for_change(xi, v, 1)
    assert change["change"] == "modified"
    assert "cannot be read" in wait_for_alert(xi)["msg"]
    xi.sync_check(v, "text\n")
    typed(xi, v, "!")  # the core keeps serving
    xi.sync_check(v, "!text\n")


def test_views_in_many_directories_and_closed_views(xi, tmp_path):
    paths = []
    for i in range(3):
        d = tmp_path / f"d{i}"
        d.mkdir()
        paths.append(d / "f.txt")
        paths[-1].write_text(f"{i}\n")
    views = [xi.new_view(str(p)) for p in paths]
    xi.request("close_view", {"view_id": views[0]})
    for p in paths:
        p.write_text("new\n")
    for v in views[1:]:
        assert wait_for_change(xi, v, 1)["change"] == "reloaded"
        xi.sync_check(v, "new\n")
    assert changes(xi, views[0]) == []

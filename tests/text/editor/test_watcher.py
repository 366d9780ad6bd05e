"""``FileWatcher`` on real files and the OS's notifications: what is reported, and that it stops."""

from __future__ import annotations

import os
import threading

import pytest

from symphony.text.editor import FileWatcher

from ...conftest import wait_until


class Seen:
    def __init__(self) -> None:
        self.calls: list[tuple[str, frozenset[str]]] = []
        self.lock = threading.Lock()

    def __call__(self, path: str, added: frozenset[str]) -> None:
        with self.lock:
            self.calls.append((path, added))

    def paths(self) -> list[str]:
        with self.lock:
            return [p for p, _ in self.calls]


def watch_settled(w: FileWatcher, seen: Seen, path) -> None:
    """Watch the existing file ``path`` and wait for the report every (re)started watch makes
    once it is in place, so that what the test does next happens under the OS's watch."""
    n = seen.paths().count(str(path))
    w.watch(str(path))
    assert wait_until(lambda: seen.paths().count(str(path)) > n)


@pytest.fixture
def watcher():
    seen = Seen()
    w = FileWatcher(seen)
    yield w, seen
    w.close()
    assert not any(t.name == "symphony-file-watch" for t in threading.enumerate())


def test_reports_watched_files_only(watcher, tmp_path):
    w, seen = watcher
    a, b = tmp_path / "a", tmp_path / "b"
    a.write_text("1")
    watch_settled(w, seen, a)
    b.write_text("other")  # same directory, not watched
    a.write_text("2")
    assert wait_until(lambda: seen.paths().count(str(a)) >= 2)
    assert str(b) not in seen.paths()


def test_rename_reports_the_new_path_as_added(watcher, tmp_path):
    w, seen = watcher
    a = tmp_path / "a"
    a.write_text("1")
    watch_settled(w, seen, a)
    a.rename(tmp_path / "c")
    assert wait_until(lambda: any(str(tmp_path / "c") in added for _, added in seen.calls))


def test_unwatch_counts_and_new_directories_restart_the_watch(watcher, tmp_path):
    w, seen = watcher
    a = tmp_path / "a"
    a.write_text("1")
    w.watch(str(a))
    w.watch(str(a))
    w.unwatch(str(a))  # still held once
    sub = tmp_path / "sub"
    sub.mkdir()
    c = sub / "c"
    w.watch(str(c))  # a file that does not exist yet, in a second directory
    c.write_text("new")
    assert wait_until(lambda: str(c) in seen.paths())
    a.write_text("2")
    assert wait_until(lambda: seen.paths().count(str(a)) >= 1)
    w.unwatch(str(a))
    w.unwatch(str(c))
    n = len(seen.calls)
    w.watch(str(tmp_path / "probe"))  # a change after unwatching a/c is not reported for them
    a.write_text("3")
    (tmp_path / "probe").write_text("p")
    assert wait_until(lambda: str(tmp_path / "probe") in seen.paths())
    assert str(a) not in seen.paths()[n:]


def test_a_failing_callback_does_not_stop_the_watcher(tmp_path):
    calls: list[str] = []

    def explode(path: str, added: frozenset[str]) -> None:
        calls.append(path)
        raise RuntimeError("reader failed")

    w = FileWatcher(explode)
    try:
        a = tmp_path / "a"
        w.watch(str(a))
        a.write_text("1")
        assert wait_until(lambda: len(calls) >= 1)
        a.write_text("22")
        os.utime(a, ns=(1, 1))
        assert wait_until(lambda: len(calls) >= 2)
    finally:
        w.close()


def test_a_directory_that_goes_away_does_not_stop_the_others(watcher, tmp_path):
    w, seen = watcher
    d = tmp_path / "d"
    d.mkdir()
    w.watch(str(d / "x"))
    keep = tmp_path / "keep"
    w.watch(str(keep))
    d.rmdir()
    w.unwatch(str(d / "x"))
    keep.write_text("k")
    assert wait_until(lambda: str(keep) in seen.paths())

"""``FileWatcher``: tells which open files changed on disk, from the OS's own notifications.

It watches the directories that hold the files it is given (not recursively), through
``watchfiles`` (inotify on Linux, FSEvents on macOS, ReadDirectoryChangesW on Windows), on
one thread, and calls ``on_change(path, added)`` for every watched path touched in a batch:
``added`` is the set of paths created in the same batch, so a rename (the old path gone, a
new one with the same inode) can be told from a delete. Watching the directory, not the
file, is what sees atomic saves (a temporary file renamed over the target), deletes and
renames.

Invariants:

- ``on_change`` runs on the watcher's thread and must not block (tell an actor).
- Changing the set of watched directories restarts the OS watch; a change in that short gap
  is not lost, because every watched path is reported once as soon as each (re)started watch
  is in place (a reader compares the file with what it loaded, so a spurious report changes
  nothing).
- ``close`` stops the thread and returns once it has ended.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable

import watchfiles

__all__ = ["FileWatcher"]

logger = logging.getLogger(__name__)

#: Milliseconds over which the OS's events are gathered into one batch.
DEBOUNCE_MS = 50
#: Milliseconds between checks of the stop signal while no event comes.
STEP_MS = 20
#: Milliseconds after which a watch with no event reports itself established (and again
#: after each such quiet period, which costs one wake-up).
SETTLE_MS = 250

OnChange = Callable[[str, "frozenset[str]"], None]


class FileWatcher:
    """Reports changes on disk to the files in :meth:`watch` (see the module docs)."""

    def __init__(self, on_change: OnChange) -> None:
        self._on_change = on_change
        self._paths: dict[str, int] = {}  # absolute path -> how many watch() calls hold it
        self._lock = threading.Lock()
        self._closed = threading.Event()
        self._round = threading.Event()  # set: the directory set changed, restart the OS watch
        self._thread: threading.Thread | None = None

    def watch(self, path: str) -> None:
        """Report changes to ``path`` (a file; it need not exist yet) until :meth:`unwatch`."""
        path = os.path.abspath(path)
        with self._lock:
            if self._closed.is_set():
                return
            dirs = self._dirs()
            self._paths[path] = self._paths.get(path, 0) + 1
            if self._dirs() != dirs:
                self._round.set()
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="symphony-file-watch", daemon=True)
                self._thread.start()

    def unwatch(self, path: str) -> None:
        """Stop reporting ``path`` (once per :meth:`watch` call)."""
        path = os.path.abspath(path)
        with self._lock:
            count = self._paths.get(path, 0) - 1
            if count > 0:
                self._paths[path] = count
            elif path in self._paths:
                dirs = self._dirs()
                del self._paths[path]
                if self._dirs() != dirs:
                    self._round.set()

    def close(self) -> None:
        """Stop watching; returns when the thread has ended."""
        with self._lock:
            self._closed.set()
            self._round.set()
            thread, self._thread = self._thread, None
        if thread is not None and thread is not threading.current_thread():
            thread.join()

    def _dirs(self) -> frozenset[str]:
        return frozenset(os.path.dirname(p) for p in self._paths)

    def _report(self, changes: set[tuple[watchfiles.Change, str]] | None) -> None:
        with self._lock:
            paths = dict(self._paths)
        if changes is None:  # after a restart: every path once
            touched = set(paths)
            added: frozenset[str] = frozenset()
        else:
            touched = {os.path.abspath(p) for _, p in changes} & set(paths)
            added = frozenset(os.path.abspath(p) for c, p in changes if c is watchfiles.Change.added)
        for path in sorted(touched):
            try:
                self._on_change(path, added)
            except Exception:  # noqa: BLE001 - a reader's failure must not stop the watcher
                logger.exception("file watcher callback failed for %s", path)

    def _run(self) -> None:
        while not self._closed.is_set():
            with self._lock:
                self._round.clear()
                dirs = sorted(d for d in self._dirs() if os.path.isdir(d))
            if not dirs:
                self._round.wait()
                continue
            established = False
            try:
                for changes in watchfiles.watch(
                    *dirs, watch_filter=None, debounce=DEBOUNCE_MS, step=STEP_MS, stop_event=self._round,
                    rust_timeout=SETTLE_MS, yield_on_timeout=True, recursive=False, raise_interrupt=False,
                    ignore_permission_denied=True,
                ):
                    if not established:  # the OS watch is on: what changed before it is reported now
                        established = True
                        self._report(None)
                    if changes:
                        self._report(changes)
            except (OSError, RuntimeError) as exc:  # a directory went away under the watch
                logger.debug("file watch restarts: %s", exc)
                self._round.wait(STEP_MS / 1000)

"""The dispatcher: a small pool of threads that runs whichever actors have messages.

Invariants:
- A runnable actor (its cell) is in the run queue at most once; whoever puts the first
  message into an empty mailbox submits it, so a burst of messages costs one wake-up.
- A worker runs one cell for up to ``throughput`` messages, then takes the next cell, so
  one busy actor cannot monopolise a thread while others wait.
- The pool grows when every worker has been stuck in one actor for ``grow_after`` seconds
  while work is queued (an actor blocked on I/O, or a long computation): a monitor adds a
  worker, up to ``max_threads``; extra workers retire after ``retire_after`` idle seconds.
  An actor that blocks by design should say ``dedicated_thread = True`` instead and get a
  dispatcher with one thread of its own.
- ``shutdown`` ends every thread this dispatcher started.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
from typing import Any

__all__ = ["Dispatcher", "default_threads"]

logger = logging.getLogger("symphony.actors")
_mono = time.monotonic
_STOP = None


def default_threads() -> int:
    """The default pool size: the number of cores this process may use (at least 2)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 2
    return max(2, cores)


class _Slot:
    __slots__ = ("since", "thread")

    def __init__(self) -> None:
        self.since = 0.0
        self.thread: threading.Thread | None = None


class Dispatcher:
    """Runs cells submitted to it on a pool of ``threads`` threads (growing to ``max_threads``)."""

    def __init__(self, threads: int | None = None, *, max_threads: int = 64, name: str = "symphony",
                 grow_after: float = 0.25, retire_after: float = 5.0) -> None:
        threads = default_threads() if threads is None else threads
        if threads < 1:
            raise ValueError(f"threads must be >= 1, not {threads}")
        if max_threads < threads:
            raise ValueError(f"max_threads ({max_threads}) must be >= threads ({threads})")
        self.name = name
        self.threads = threads
        self.max_threads = max_threads
        self.grow_after = grow_after
        self.retire_after = retire_after
        self._runq: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self.submit = self._runq.put
        #: True when no cell waits in the run queue (a run may then keep its thread).
        self.nothing_queued = self._runq.empty
        self._slots: list[_Slot] = []
        self._slots_lock = threading.Lock()
        self._closed = threading.Event()
        self._counter = 0
        for _ in range(threads):
            self._add_worker(core=True)
        self._monitor: threading.Thread | None = None
        if max_threads > threads:
            self._monitor = threading.Thread(target=self._watch, name=f"{name}-monitor", daemon=True)
            self._monitor.start()

    # -- workers ------------------------------------------------------------------------

    def _add_worker(self, *, core: bool) -> None:
        slot = _Slot()
        self._counter += 1
        thread = threading.Thread(target=self._work, args=(slot, core), daemon=True,
                                  name=f"{self.name}-{self._counter}")
        slot.thread = thread
        with self._slots_lock:
            self._slots.append(slot)
        thread.start()

    def _work(self, slot: _Slot, core: bool) -> None:
        get = self._runq.get
        timeout = None if core else self.retire_after
        try:
            while True:
                try:
                    cell = get(True, timeout)
                except queue.Empty:
                    return  # an extra worker idle for retire_after: retire
                if cell is _STOP:
                    return
                slot.since = _mono()
                try:
                    cell.run()
                except BaseException:  # noqa: BLE001 - nothing may kill a dispatcher thread
                    logger.exception("dispatcher %s: unexpected error running %r", self.name, cell)
                slot.since = 0.0
        finally:
            with self._slots_lock:
                if slot in self._slots:
                    self._slots.remove(slot)

    def _watch(self) -> None:
        interval = max(self.grow_after / 2, 0.01)
        while not self._closed.wait(interval):
            if self._runq.empty():
                continue
            now = _mono()
            with self._slots_lock:
                slots = list(self._slots)
            if len(slots) >= self.max_threads:
                continue
            if all(s.since and now - s.since >= self.grow_after for s in slots):
                logger.info("dispatcher %s: all %d threads busy for %.2fs with work queued; adding one",
                            self.name, len(slots), self.grow_after)
                self._add_worker(core=False)

    @property
    def thread_count(self) -> int:
        """How many worker threads are alive now."""
        with self._slots_lock:
            return len(self._slots)

    def shutdown(self, *, wait: bool = True, timeout: float | None = None) -> bool:
        """Stop every thread once the cells already queued have run. Returns False if some
        thread was still running after ``timeout`` (it is a daemon and will not block exit)."""
        self._closed.set()
        with self._slots_lock:
            slots = list(self._slots)
        for _ in slots:
            self._runq.put(_STOP)
        if not wait:
            return True
        me = threading.current_thread()
        deadline = None if timeout is None else _mono() + timeout
        clean = True
        for slot in slots + ([] if self._monitor is None else [_Slot()]):
            thread = slot.thread if slot.thread is not None else self._monitor
            if thread is None or thread is me:
                continue
            thread.join(None if deadline is None else max(deadline - _mono(), 0.0))
            clean = clean and not thread.is_alive()
        return clean

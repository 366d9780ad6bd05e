"""``ShardEnv``: one LMDB environment, with a map that grows and survives forks.

Invariants:
- Every transaction of this process runs inside the ``_Gate`` (shared); growing the map
  takes it exclusively, because LMDB's ``mdb_env_set_mapsize`` needs no live transaction in
  the process. So no ``MapFullError`` reaches a caller: the write is retried on a bigger map.
- When another process grew the map, our next transaction sees ``MapResizedError``; we
  adopt the new size (``set_mapsize(0)``) under the exclusive gate and retry.
- Reader slots left by dead processes are cleared (``reader_check``) at open and on growth.
- After ``fork()`` the child never uses the parent's handle (LMDB forbids it): the store
  closes its inherited copy and reopens each environment in the child (see ``_store``).
"""

from __future__ import annotations

import os
import threading
from contextlib import contextmanager
from typing import Callable, Iterator, TypeVar

import lmdb

from ..errors import IntegrityError

__all__ = ["DB_NAMES", "ShardEnv"]

T = TypeVar("T")

#: The named databases in every shard environment.
DB_NAMES = (
    b"data",     # artifact digest -> b"\\0" + bytes (inline) | b"\\1" + manifest (chunked)
    b"meta",     # artifact digest -> msgpack {size, created, metadata, parents, chunks}
    b"chunks",   # chunk digest -> chunk bytes
    b"refs",     # chunk digest -> refcount (u64) + first stored (f64)
    b"names",    # name + b"\\0" + version (u64 BE) -> artifact digest + created (f64)
    b"heads",    # name -> number of versions (u64)
    b"tags",     # label -> artifact digest
    b"pins",     # artifact digest -> reason (utf-8)
    b"ratings",  # artifact digest + source -> msgpack (score, time)
)


class _Gate:
    """Many transactions at once, or one map resize alone (a small readers-writer lock)."""

    __slots__ = ("_cond", "_active", "_resizing")

    def __init__(self) -> None:
        self._cond = threading.Condition(threading.Lock())
        self._active = 0
        self._resizing = False

    def enter(self) -> None:
        with self._cond:
            while self._resizing:
                self._cond.wait()
            self._active += 1

    def leave(self) -> None:
        with self._cond:
            self._active -= 1
            if self._resizing and not self._active:
                self._cond.notify_all()

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        with self._cond:
            while self._resizing:
                self._cond.wait()
            self._resizing = True
            while self._active:
                self._cond.wait()
        try:
            yield
        finally:
            with self._cond:
                self._resizing = False
                self._cond.notify_all()


class ShardEnv:
    """One LMDB environment at ``path`` with the named databases of :data:`DB_NAMES`."""

    def __init__(self, path: str, *, map_size: int = 64 << 20) -> None:
        self.path = path
        self._gate = _Gate()
        os.makedirs(path, exist_ok=True)
        # metasync=False: a commit syncs its data pages (and, with them, the previous
        # commit's meta page) once; ``sync`` makes the last commit durable (see ``write``).
        self.env = lmdb.open(path, map_size=map_size, max_dbs=len(DB_NAMES) + 2, sync=True,
                             metasync=False, readahead=False, max_readers=512, lock=True)
        self.env.reader_check()
        self.db = {name.decode(): self.env.open_db(name) for name in DB_NAMES}
        self.pid = os.getpid()

    @property
    def map_size(self) -> int:
        """The current map size in bytes."""
        return int(self.env.info()["map_size"])

    def read(self, fn: Callable[[lmdb.Transaction], T]) -> T:
        """Run ``fn(txn)`` in a read transaction of the calling thread (MVCC: never blocks writers)."""
        gate = self._gate
        for _ in range(8):
            gate.enter()
            try:
                with self.env.begin(buffers=True) as txn:
                    return fn(txn)
            except lmdb.MapResizedError:
                pass
            except (lmdb.CorruptedError, lmdb.PageNotFoundError, lmdb.InvalidError) as exc:
                raise IntegrityError(f"{self.path}: LMDB reports damage on disk: {exc}") from exc
            finally:
                gate.leave()
            self._adopt_size()
        raise RuntimeError(f"{self.path}: map kept being resized by another process")

    def write(self, fn: Callable[[lmdb.Transaction], T], *, need: int = 0) -> T:
        """Run ``fn(txn)`` in one write transaction and commit it; grow the map and retry if it is full.

        The commit syncs its data, which also makes every earlier commit durable; this one
        is durable after the next ``write`` or ``sync`` returns (one sync per commit
        instead of LMDB's usual two; a crash before that keeps the previous, consistent
        state). ``fn`` may run more than once (each attempt's transaction is aborted but the
        last), so it must only write through ``txn``.
        """
        gate = self._gate
        while True:
            gate.enter()
            try:
                txn = self.env.begin(write=True)
                try:
                    result = fn(txn)
                    txn.commit()
                    return result
                except BaseException:
                    txn.abort()
                    raise
            except lmdb.MapFullError:
                grow = True
            except lmdb.MapResizedError:
                grow = False
            finally:
                gate.leave()
            if grow:
                self._grow(need)
            else:
                self._adopt_size()

    def sync(self) -> None:
        """Make every commit so far durable (one data sync)."""
        self.env.sync(True)

    def _grow(self, need: int) -> None:
        with self._gate.exclusive():
            self.env.set_mapsize(0)  # adopt any growth by another process first
            size = int(self.env.info()["map_size"])
            self.env.set_mapsize(max(size * 2, size + 4 * need))
            self.env.reader_check()

    def _adopt_size(self) -> None:
        with self._gate.exclusive():
            self.env.set_mapsize(0)

    def close(self, *, after_fork: bool = False) -> None:
        """Close the environment: in the process that opened it, or (``after_fork``) a
        forked child dropping its inherited copy before reopening."""
        if after_fork:
            self.env.close()
        elif os.getpid() == self.pid:
            self.sync()
            self.env.close()

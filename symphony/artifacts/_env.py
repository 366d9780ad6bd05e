"""``ShardEnv``: one LMDB environment, with a map that grows and survives forks.

Invariants:
- Every transaction of this process runs inside the ``_Gate`` (shared); growing the map
  takes it exclusively, because LMDB's ``mdb_env_set_mapsize`` needs no live transaction in
  the process. So no ``MapFullError`` reaches a caller: the write is retried on a bigger map.
- The map follows the data, never an earlier map: a resize asks for about twice the pages
  in use (``last_pgno``), at least what the failed write needs, at most ``max_map_size``.
  LMDB persists the largest map any process ever set, so adopting that (``set_mapsize(0)``)
  and doubling it would double the map on every restart that grows it, until no address
  space is left; a process opening at a small map would repeat it forever.
- When another process grew the data past our map, our next transaction sees
  ``MapResizedError``; we resize from the data (as above) under the exclusive gate and retry.
- A map that cannot grow (at ``max_map_size``, or the system refuses the address space)
  fails the write with ``ArtifactStoreFull`` and changes nothing: the address space is
  probed before LMDB remaps, and should the remap fail anyway the environment is reopened
  at its old size, so reads and writes that fit keep working.
- Reader slots left by dead processes are cleared (``reader_check``) at open and on growth.
- After ``fork()`` the child never uses the parent's handle (LMDB forbids it): the store
  closes its inherited copy and reopens each environment in the child (see ``_store``).
"""

from __future__ import annotations

import mmap
import os
import threading
from contextlib import contextmanager
from typing import Callable, Iterator, TypeVar

import lmdb

from ..errors import ArtifactStoreFull, IntegrityError

__all__ = ["DB_NAMES", "DIGEST_SIZE", "MAX_MAP_SIZE", "ShardEnv"]

#: The default largest map of one shard (bytes): 1 TiB, well past a shard's data on one
#: disk and far below the 128 TiB of user address space on x86-64 Linux, so several stores
#: of several shards fit in one process.
MAX_MAP_SIZE = 1 << 40
_MIB = 1 << 20

T = TypeVar("T")

#: The length of an artifact's key in the main database (xxh3-128).
DIGEST_SIZE = 16

#: The named databases in every shard environment. The artifacts themselves (digest ->
#: record: tag, metadata, bytes or manifest, see ``_records``) live in LMDB's main database,
#: ``db["artifacts"]``, beside these databases' own entries (their names are shorter than a
#: 16-byte digest, so they never meet): a put then changes one B-tree, not a named database
#: and the main one that records its root, and writes one page less.
DB_NAMES = (
    b"data",     # format 1: artifact digest -> b"\\0" + bytes | b"\\1" + manifest (see _migrate)
    b"meta",     # format 1: artifact digest -> msgpack {size, created, metadata, parents, chunks}
    b"chunks",   # chunk digest -> chunk bytes
    b"refs",     # chunk digest -> refcount (u64) + first stored (f64)
    b"names",    # name + b"\\0" + version (u64 BE) -> artifact digest + created (f64)
    b"heads",    # name -> number of versions (u64)
    b"tags",     # label -> artifact digest
    b"pins",     # artifact digest -> reason (utf-8)
    b"ratings",  # artifact digest + source -> msgpack (score, time)
)
assert all(len(name) < DIGEST_SIZE for name in DB_NAMES)


class _Gate:
    """Many transactions at once, or one map resize alone (a small readers-writer lock)."""

    __slots__ = ("_mu", "_cond", "_active", "_resizing")

    def __init__(self) -> None:
        self._mu = threading.Lock()  # taken directly on the hot path (no Condition wrapper)
        self._cond = threading.Condition(self._mu)
        self._active = 0
        self._resizing = False

    def enter(self) -> None:
        with self._mu:
            while self._resizing:
                self._cond.wait()
            self._active += 1

    def leave(self) -> None:
        with self._mu:
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

    def __init__(self, path: str, *, map_size: int = 64 << 20, max_map_size: int = MAX_MAP_SIZE) -> None:
        self.path = path
        self.max_map_size = max(map_size, max_map_size)
        self._gate = _Gate()
        os.makedirs(path, exist_ok=True)
        self._open(map_size)
        self.pid = os.getpid()

    def _open(self, map_size: int) -> None:
        # metasync=False: a commit syncs its data pages (and, with them, the previous
        # commit's meta page) once; ``sync`` makes the last commit durable (see ``write``).
        # LMDB maps max(map_size, the pages in use): never the larger map it persisted.
        self.env = lmdb.open(self.path, map_size=map_size, max_dbs=len(DB_NAMES) + 2, sync=True,
                             metasync=False, readahead=False, max_readers=512, lock=True)
        self.env.reader_check()
        self._psize = int(self.env.stat()["psize"])
        self.db = {name.decode(): self.env.open_db(name) for name in DB_NAMES}
        self.db["artifacts"] = self.env.open_db(None)  # the main database

    @property
    def map_size(self) -> int:
        """The current map size in bytes."""
        return int(self.env.info()["map_size"])

    @property
    def used_size(self) -> int:
        """Bytes of the data file in use by the newest commit (any process's): pages up to the last."""
        return (int(self.env.info()["last_pgno"]) + 1) * self._psize

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
        """The map was too small for a write needing about ``need`` bytes: make it bigger.

        Raises ``ArtifactStoreFull`` if it cannot grow (the write then changes nothing).
        """
        with self._gate.exclusive():
            current = self.map_size
            used = self.used_size
            want = max(2 * used, used + 4 * need, current + max(4 * need, current // 2))
            want = min(-(-want // _MIB) * _MIB, self.max_map_size)
            if want <= current:
                raise ArtifactStoreFull(
                    f"{self.path}: the LMDB map is at its limit ({current >> 20} MiB, max_map_size "
                    f"{self.max_map_size >> 20} MiB) with {used >> 20} MiB in use; delete or gc, or "
                    "open the store with a larger max_map_size")
            self._resize(want, current)
            self.env.reader_check()

    def _adopt_size(self) -> None:
        """Another process's data outgrew our map: map about twice its pages in use."""
        with self._gate.exclusive():
            current = self.map_size
            used = self.used_size
            # At least the pages in use (LMDB would round up to them anyway); remapping at the
            # same size still re-reads the limit, so a retry never loops on a stale one.
            self._resize(max(current, min(-(-2 * used // _MIB) * _MIB, self.max_map_size), used), current)

    def _resize(self, size: int, current: int) -> None:
        """Remap at ``size`` bytes (under the exclusive gate), or raise ``ArtifactStoreFull`` and keep ``current``."""
        try:  # reserve the address space first: a failed LMDB remap would kill the environment
            probe = mmap.mmap(-1, size, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS | getattr(mmap, "MAP_NORESERVE", 0),
                              prot=mmap.PROT_READ)
        except (OSError, OverflowError, ValueError) as exc:
            raise ArtifactStoreFull(f"{self.path}: cannot map {size >> 20} MiB for the LMDB map "
                                    f"(now {current >> 20} MiB): {exc}") from exc
        probe.close()
        try:
            self.env.set_mapsize(size)
        except lmdb.Error as exc:
            # py-lmdb drops the environment when a remap fails: open it again at its old size.
            # (A reader that fetched a db handle just before this keeps the old, dead one.)
            try:
                self.env.close()
            finally:
                self._open(current)
            raise ArtifactStoreFull(f"{self.path}: cannot grow the LMDB map to {size >> 20} MiB "
                                    f"(kept {current >> 20} MiB): {exc}") from exc

    def close(self, *, after_fork: bool = False) -> None:
        """Close the environment: in the process that opened it, or (``after_fork``) a
        forked child dropping its inherited copy before reopening."""
        if after_fork:
            self.env.close()
        elif os.getpid() == self.pid:
            self.sync()
            self.env.close()

"""``StoreCore``: an artifact store's shards, lifecycle (open, close, fork) and primitive reads.

The store's concepts are mixins over this core, each in its module: writing (``_writing``),
reading and verification (``_reading``), names, tags, pins, lineage and quality
(``_catalog``), deletion and gc (``_collecting``); ``ArtifactStore`` (``_store``) joins them.

Layout on disk: ``PATH/store.json`` (format and shard count), ``PATH/shard-N/`` (one LMDB
environment per shard, see ``_env``), ``PATH/index.sqlite`` (the search index, derived).

Invariants:
- Every operation starts with ``_check``: a closed store raises ``ValueError``; in a forked
  child the store reopens its environments and actors before first use (LMDB forbids using
  the parent's handles, and the parent's threads do not exist in the child).
- Reads never go through a shard's lead: LMDB's MVCC lets them run in the caller's thread.
"""

from __future__ import annotations

import json
import os
import threading
import uuid
import weakref
from collections import deque
from typing import Any, Iterable, TypeVar

import msgpack

from ..actors import Node
from ..errors import ArtifactNotFound, IntegrityError
from ._chunking import key_shard, raw_digest, shard_of
from ._commit import Op, Writers
from ._env import MAX_MAP_SIZE, ShardEnv
from ._feed import IndexFeed
from ._index import IndexActor, SearchIndex
from ._migrate import migrate
from ._records import record_meta, split_record, unpack_manifest
from ._shard import DedicatedShardActor, Shard, ShardActor

__all__ = ["StoreCore", "body_of", "check_key", "copy_value", "manifest_of"]

#: The on-disk format (``_records``): 2 keeps an artifact's metadata inside its record, in
#: LMDB's main database; a store of format 1 is converted when opened (``_migrate``).
_FORMAT = 2
_stores: weakref.WeakSet[StoreCore] = weakref.WeakSet()
_abandoned: list[Any] = []  # handles inherited across fork(): never used, never closed
S = TypeVar("S", bound="StoreCore")


class StoreCore:
    """The shards of a store at ``path``, their actors, the index actor, and reads of single records."""

    def __init__(self, path: str | os.PathLike[str], *, shards: int = 1, node: Node | None = None,
                 map_size: int = 64 << 20, max_map_size: int = MAX_MAP_SIZE, index: bool = True) -> None:
        if shards < 1:
            raise ValueError(f"shards must be >= 1, not {shards}")
        self.path = os.fspath(path)
        os.makedirs(self.path, exist_ok=True)
        self.shards, self._format = self._read_info(shards)
        self._map_size = map_size
        self._max_map_size = max_map_size
        self._use_index = index
        self._given_node = node
        self._lock = threading.Lock()
        self._closed = False
        self._open()
        _stores.add(self)

    # -- lifecycle --------------------------------------------------------------------------

    def _read_info(self, wanted: int) -> tuple[int, int]:
        """The store's shard count (``wanted`` for a new store) and format, from ``store.json``.

        A newer format than this version reads raises ``IntegrityError`` (nothing is written).
        """
        info_path = os.path.join(self.path, "store.json")
        if os.path.exists(info_path):
            with open(info_path, encoding="utf-8") as fh:
                info = json.load(fh)
            found = int(info.get("format", 1))
            if found > _FORMAT:
                raise IntegrityError(f"{self.path}: the store is of format {found}, written by a newer "
                                     f"version of symphony; this one reads formats 1 to {_FORMAT}")
            return int(info["shards"]), found
        if not _write_info(info_path, wanted):  # another process created the store first: its count holds
            return self._read_info(wanted)
        return wanted, _FORMAT

    def _open(self) -> None:
        self._pid = os.getpid()
        node = self._given_node
        if node is None or not node.is_running:
            node = Node(f"artifacts-{os.getpid()}-{id(self):x}", threads=max(2, self.shards))
            self._own_node = True
        else:
            self._own_node = False
        self.node = node
        tag = f"{os.getpid()}-{id(self):x}"
        self._shards: list[Shard] = []
        self._writers = Writers()
        for i in range(self.shards):
            shard = Shard(i, ShardEnv(os.path.join(self.path, f"shard-{i}"), map_size=self._map_size,
                                    max_map_size=self._max_map_size), self._writers)
            actor = ShardActor if self._own_node else DedicatedShardActor
            shard.ref = node.spawn(actor, shard, name=f"artifact-shard-{i}-{tag}")
            self._shards.append(shard)
        if self._format < _FORMAT:  # format 1: convert every shard, then say so
            for shard in self._shards:
                migrate(shard.env)
            _write_info(os.path.join(self.path, "store.json"), self.shards, replace=True)
            self._format = _FORMAT
        self._index_pending: deque = deque()
        self._index_ref = None
        self._index_feed: IndexFeed | None = None
        self._reconciled = False
        if self._use_index:
            index = SearchIndex(os.path.join(self.path, "index.sqlite"))
            self._index_ref = node.spawn(IndexActor, index, self._index_pending, name=f"artifact-index-{tag}")
            self._index_feed = IndexFeed(self._index_pending, self._index_ref, name=f"artifact-index-feed-{tag}")

    def _check(self) -> None:
        if self._closed:
            raise ValueError("the artifact store is closed")
        # A fork sets ``_pid`` to -1 in the child (``_after_fork_in_child``): no getpid()
        # system call per operation where the hook exists.
        if self._pid != (_PID if _FORK_HOOK else os.getpid()):
            self._reopen_after_fork()

    def _reopen_after_fork(self) -> None:
        with self._lock:
            if self._pid == os.getpid():
                return
            # The parent's node and threads do not exist here: abandon them. Its LMDB handles
            # must not be used; closing them only releases this process's copies (py-lmdb
            # refuses to open an environment twice in one process, and LMDB clears only
            # reader slots of the closing pid).
            _abandoned.append(self.node)
            for shard in self._shards:
                shard.env.close(after_fork=True)
            if not self._own_node:
                self._given_node = None
            self._open()

    def close(self) -> None:
        """Commit what is queued, stop the shard actors, close the environments. Idempotent."""
        if self._closed:
            return
        self._closed = True
        if self._pid != os.getpid():
            return
        for shard in self._shards:
            shard.close()  # a writer still leading finishes its rounds before the environment closes
            if shard.ref is not None:
                shard.ref.stop()
        if self._index_feed is not None:
            self._index_feed.stop()
        if self._index_ref is not None:
            self._index_ref.stop()  # commits what the feed had queued
        if self._own_node:
            self.node.stop()
        for shard in self._shards:
            shard.env.close()

    def __enter__(self: S) -> S:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.path} shards={self.shards}{' closed' if self._closed else ''}>"

    # -- routing helpers --------------------------------------------------------------------

    def _shard(self, raw: bytes) -> Shard:
        return self._shards[shard_of(raw, self.shards)]

    def _key_shard(self, key: bytes) -> Shard:
        return self._shards[key_shard(key, self.shards)]

    @staticmethod
    def _wait(ops: Iterable[Op]) -> None:
        """Wait for every submitted op, then raise the first error among them."""
        ops = list(ops)
        for op in ops:
            op.wait()
        for op in ops:
            op.outcome()

    # -- primitive reads --------------------------------------------------------------------

    def _exists(self, raw: bytes) -> bool:
        env = self._shard(raw).env
        db = env.db["artifacts"]
        return env.read(lambda txn: txn.get(raw, db=db) is not None)

    def _value(self, raw: bytes) -> bytes:
        shard = self._shard(raw)
        db = shard.env.db["artifacts"]
        value = shard.env.read(lambda txn: copy_value(txn.get(raw, db=db)))
        if value is None:
            raise ArtifactNotFound(f"no artifact {raw.hex()}")
        return value

    def _chunk(self, cd: bytes, owner: str) -> bytes:
        shard = self._shard(cd)
        db = shard.env.db["chunks"]
        data = shard.env.read(lambda txn: copy_value(txn.get(cd, db=db)))
        if data is None:
            raise IntegrityError(f"artifact {owner}: chunk {cd.hex()} is missing", digest=owner)
        if raw_digest(data) != cd:
            raise IntegrityError(f"artifact {owner}: chunk {cd.hex()} is corrupt on disk", digest=owner)
        return data

    def _meta(self, raw: bytes) -> dict[str, Any]:
        env = self._shard(raw).env
        db = env.db["artifacts"]

        def fetch(txn: Any) -> bytes | None:
            value = txn.get(raw, db=db)
            return None if value is None else record_meta(value)

        try:
            packed = env.read(fetch)
        except ValueError:
            raise IntegrityError(f"artifact {raw.hex()}: its record is corrupt on disk", digest=raw.hex()) from None
        if packed is None:
            raise ArtifactNotFound(f"no artifact {raw.hex()}")
        try:
            meta = msgpack.unpackb(packed, raw=False)
            meta["size"], meta["created"], meta["parents"], meta["chunks"]  # noqa: B018 - all present
        except Exception:  # noqa: BLE001 - any decoding failure means damaged bytes
            raise IntegrityError(f"artifact {raw.hex()}: its metadata is corrupt on disk", digest=raw.hex()) from None
        return meta

    def _ratings(self, raw: bytes) -> dict[str, float]:
        shard = self._shard(raw)
        db = shard.env.db["ratings"]

        def scan(txn: Any) -> dict[str, float]:
            out: dict[str, float] = {}
            cursor = txn.cursor(db=db)
            if cursor.set_range(raw):
                for key, value in cursor:
                    if bytes(key[:16]) != raw:
                        break
                    out[bytes(key[16:]).decode()] = msgpack.unpackb(bytes(value))[0]
            return out

        return shard.env.read(scan)


def _write_info(info_path: str, shards: int, *, replace: bool = False) -> bool:
    """Write ``store.json`` (this format, ``shards``) durably: a synced temporary file of this
    process's own, renamed over the old one with ``replace`` (a migration), else linked into
    place only if no other process created the file meanwhile (two processes opening one new
    store at once). False when another one did."""
    tmp = f"{info_path}.{os.getpid()}.{uuid.uuid4().hex}.tmp"
    try:
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump({"format": _FORMAT, "shards": shards}, fh)
            fh.flush()
            os.fsync(fh.fileno())
        if replace:
            os.replace(tmp, info_path)
            return True
        try:
            os.link(tmp, info_path)
        except FileExistsError:
            return False
        except OSError:  # a file system without hard links: last writer wins, as before
            os.replace(tmp, info_path)
        return True
    finally:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass


def copy_value(value: Any) -> bytes | None:
    """``value`` (a buffer valid only inside its read transaction) as bytes, or None."""
    return None if value is None else bytes(value)


def manifest_of(body: bytes, digest: str) -> list[tuple[bytes, int]]:
    """The chunk list of artifact ``digest`` (``body`` of its record); ``IntegrityError`` if it is damaged on disk."""
    try:
        return unpack_manifest(body)
    except ValueError:
        raise IntegrityError(f"artifact {digest}: its chunk list is corrupt on disk", digest=digest) from None


def body_of(value: bytes, digest: str) -> tuple[bool, bytes]:
    """(chunked, body) of artifact ``digest``'s record ``value``; ``IntegrityError`` if it is damaged on disk."""
    try:
        return split_record(value)
    except ValueError:
        raise IntegrityError(f"artifact {digest}: its record is corrupt on disk", digest=digest) from None


def check_key(what: str, key: str) -> str:
    """``key`` if it can be a name, label or source (``what``); ``ValueError`` otherwise."""
    if not isinstance(key, str) or not key or "\0" in key or len(key.encode()) > 400:
        raise ValueError(f"a {what} must be a non-empty str without NUL, at most 400 bytes: {key!r}")
    return key


def _after_fork_in_child() -> None:
    global _PID
    _PID = os.getpid()
    for store in list(_stores):
        store._pid = -1  # noqa: SLF001 - forces a reopen on next use


#: This process's id, kept current by the fork hook (``_check`` compares it, no system call).
_PID = os.getpid()
_FORK_HOOK = hasattr(os, "register_at_fork")
if _FORK_HOOK:
    os.register_at_fork(after_in_child=_after_fork_in_child)

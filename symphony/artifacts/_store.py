"""``ArtifactStore``: content-addressed, durable, deduplicated storage of bytes.

Layout on disk: ``PATH/store.json`` (format and shard count), ``PATH/shard-N/`` (one LMDB
environment per shard, see ``_env``), ``PATH/index.tantivy/`` or ``PATH/index.sqlite`` (the search
index, derived; see ``_index``).

Invariants:
- When ``put`` returns, the artifact (its bytes or every chunk, its metadata, its name
  version) is committed and synced. Writes are group-committed per shard (see ``_shard``).
- Write order makes a crash harmless: chunks before the manifest naming them, the artifact
  before the name version pointing at it. A crash can leave unreferenced chunks (reclaimed
  by ``gc``) but never a manifest or a name pointing at nothing.
- Every read verifies what it returns against its digest (each chunk against its own, the
  whole against the artifact's); wrong bytes raise ``IntegrityError`` and are never returned.
- Nothing is evicted silently: data goes only through ``delete`` (refused while a name,
  tag or pin holds the artifact) and ``gc`` (which keeps everything held and their ancestors).
- Chunk refcounts are exact for completed operations and only ever too high after a crash;
  ``gc`` recounts them from the manifests.
"""

from __future__ import annotations

import json
import os
import struct
import threading
import time
import weakref
from collections import deque
from dataclasses import dataclass, field
from typing import IO, Any, Iterable, Iterator, NamedTuple

import msgpack

from ..actors import Node
from ..errors import ArtifactInUse, ArtifactNotFound, IntegrityError
from ._chunking import CHUNK_MAX, CHUNK_THRESHOLD, key_shard, parse_digest, raw_digest, shard_of, split
from ._env import ShardEnv
from ._index import MAX_TEXT, IndexActor, SearchHit, SearchIndex, document
from ._shard import CHUNKED, DedicatedShardActor, Op, Shard, ShardActor, Writers, pack_manifest, unpack_manifest

__all__ = ["ArtifactStat", "ArtifactStore", "GcReport", "Ranked", "Version"]

_FORMAT = 1
_U64 = struct.Struct(">Q")
_F64 = struct.Struct(">d")
_REFS = struct.Struct(">Qd")
_stores: weakref.WeakSet[ArtifactStore] = weakref.WeakSet()
_abandoned: list[Any] = []  # handles inherited across fork(): never used, never closed


class Version(NamedTuple):
    """One version of a name."""

    name: str
    number: int
    """1 for the first version, counting up."""
    digest: str
    created: float


class Ranked(NamedTuple):
    """An artifact ranked by its aggregated quality score."""

    name: str
    version: int
    digest: str
    score: float
    """Mean of the ratings."""
    ratings: int
    """How many sources rated it."""


@dataclass(frozen=True)
class ArtifactStat:
    """What the store knows about an artifact besides its bytes."""

    digest: str
    size: int
    created: float
    metadata: dict[str, Any]
    parents: list[str]
    chunks: int
    """How many chunks hold it (0: stored inline)."""
    quality: float | None
    """Mean rating, None if never rated."""
    ratings: dict[str, float] = field(default_factory=dict)
    """Latest score from each source."""
    pinned: str | None = None
    """The pin's reason, or None if not pinned."""


@dataclass
class GcReport:
    """What ``gc`` removed."""

    artifacts: list[str] = field(default_factory=list)
    chunks: int = 0
    bytes_freed: int = 0


#: A put of a large artifact commits its chunks in rounds of about this many bytes.
ROUND_BYTES = 8 << 20


def _as_bytes(data: Any) -> bytes:
    if isinstance(data, bytes):
        return data
    if isinstance(data, (bytearray, memoryview)):
        return bytes(data)
    raise TypeError(f"put() takes bytes or a binary file-like object, not {type(data).__name__}")


def _read_block(fh: IO[bytes], want: int) -> bytes:
    """Up to ``want`` bytes from ``fh`` (fewer only at end of file)."""
    parts: list[bytes] = []
    got = 0
    while got < want:
        block = fh.read(want - got)
        if not block:
            break
        if isinstance(block, str):
            raise TypeError("put() needs a binary file (opened with 'rb'), not a text one")
        parts.append(bytes(block))
        got += len(block)
    return b"".join(parts)


def _stream_chunks(head: bytes, fh: IO[bytes], hasher: Any) -> Iterator[bytes]:
    """The content-defined chunks of ``head`` followed by the rest of ``fh``, the same
    chunks ``split`` gives for the whole content, with bounded memory.

    A chunk starting at ``s`` depends only on the ``CHUNK_MAX`` bytes from ``s``, so a cut
    is final once that many bytes follow ``s`` in the buffer (or the file has ended).
    """
    buf = bytearray(head)
    hasher.update(head)
    eof = False
    while True:
        while not eof and len(buf) < 4 * CHUNK_MAX:
            block = _read_block(fh, 1 << 20)
            if not block:
                eof = True
            else:
                buf += block
                hasher.update(block)
        if not buf:
            return
        start = 0
        for end in split(buf):
            if not eof and len(buf) - start < CHUNK_MAX:
                break
            yield bytes(buf[start:end])
            start = end
        del buf[:start]
        if eof and not buf:
            return


class ArtifactStore:
    """A content-addressed artifact store at ``path`` with ``shards`` LMDB shards.

    ``shards`` applies when the store is created; an existing store keeps its own count.
    ``node`` hosts the shard actors, each then on a thread of its own so fsyncs never hold
    the node's shared dispatcher threads (without ``node``, a private node with a
    dispatcher thread per shard is started and stopped with the store). ``map_size`` is each shard's initial LMDB map; it grows by itself.
    ``index=False`` turns off the search index.
    """

    def __init__(self, path: str | os.PathLike[str], *, shards: int = 4, node: Node | None = None,
                 map_size: int = 64 << 20, index: bool = True) -> None:
        if shards < 1:
            raise ValueError(f"shards must be >= 1, not {shards}")
        self.path = os.fspath(path)
        os.makedirs(self.path, exist_ok=True)
        self.shards = self._shard_count(shards)
        self._map_size = map_size
        self._use_index = index
        self._given_node = node
        self._lock = threading.Lock()
        self._closed = False
        self._open()
        _stores.add(self)

    # -- lifecycle --------------------------------------------------------------------------

    def _shard_count(self, wanted: int) -> int:
        info_path = os.path.join(self.path, "store.json")
        if os.path.exists(info_path):
            with open(info_path, encoding="utf-8") as fh:
                return int(json.load(fh)["shards"])
        tmp = info_path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump({"format": _FORMAT, "shards": wanted}, fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, info_path)
        return wanted

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
            shard = Shard(i, ShardEnv(os.path.join(self.path, f"shard-{i}"), map_size=self._map_size), self._writers)
            actor = ShardActor if self._own_node else DedicatedShardActor
            shard.ref = node.spawn(actor, shard, name=f"artifact-shard-{i}-{tag}")
            self._shards.append(shard)
        self._index_pending: deque = deque()
        self._index_ref = None
        self._reconciled = False
        if self._use_index:
            index = SearchIndex(os.path.join(self.path, "index.sqlite"))
            self._index_ref = node.spawn(IndexActor, index, self._index_pending, name=f"artifact-index-{tag}")

    def _check(self) -> None:
        if self._closed:
            raise ValueError("the artifact store is closed")
        if self._pid != os.getpid():
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
        if self._index_ref is not None:
            self._index_ref.stop()
        if self._own_node:
            self.node.stop()
        for shard in self._shards:
            shard.env.close()

    def __enter__(self) -> ArtifactStore:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<ArtifactStore {self.path} shards={self.shards}{' closed' if self._closed else ''}>"

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

    # -- writing ----------------------------------------------------------------------------

    def put(self, data: bytes | bytearray | memoryview | IO[bytes], *, name: str | None = None,
            metadata: dict[str, Any] | None = None, parents: Iterable[str] = ()) -> str:
        """Store ``data`` durably and return its digest (xxh3-128, hex).

        ``data`` is bytes or a binary file-like object; a large file is read, chunked and
        stored piece by piece (memory stays bounded). Identical content is stored once (a
        second put returns the same digest and keeps the first ``metadata``). ``name``
        appends a version to that name (unless its latest version already is this content).
        ``parents`` records lineage; they must exist. When this returns, everything it wrote
        is fsync'd.
        """
        self._check()
        # A small in-memory put is a counted writer (see ``Writers``): shard leaders wait,
        # briefly, for counted writers about to submit, so concurrent puts share commits.
        counted = isinstance(data, (bytes, bytearray, memoryview)) and memoryview(data).nbytes < CHUNK_THRESHOLD
        if not counted:
            return self._put(data, name, metadata, parents, False)
        with self._writers:
            return self._put(data, name, metadata, parents, True)

    def _put(self, data: bytes | bytearray | memoryview | IO[bytes], name: str | None,
             metadata: dict[str, Any] | None, parents: Iterable[str], counted: bool) -> str:
        if name is not None:
            _check_key("name", name)
        parents = list(parents)
        parent_raws = [parse_digest(p) for p in parents]
        for p, praw in zip(parents, parent_raws):
            if not self._exists(praw):
                raise ArtifactNotFound(f"parent artifact {p} is not in the store")
        if metadata is not None and not isinstance(metadata, dict):
            raise TypeError("metadata must be a dict")
        created = time.time()
        fields = {"created": created, "metadata": metadata or {}, "parents": [p.hex() for p in parent_raws]}
        content: bytes | None
        if isinstance(data, (bytes, bytearray, memoryview)) or not hasattr(data, "read"):
            whole = _as_bytes(data)
            content = whole
            raw = raw_digest(whole)
            if len(whole) < CHUNK_THRESHOLD:
                meta = msgpack.packb({"size": len(whole), "chunks": 0, **fields}, use_bin_type=True)
                self._shard(raw).run(Op("artifact", raw, b"\x00" + whole, meta, size=len(whole) + len(meta),
                                        counted=counted))
            elif not self._exists(raw):
                view = memoryview(whole)
                bounds = split(view)
                self._put_chunked(raw, (view[a:b] for a, b in zip([0] + bounds[:-1], bounds)), fields)
        else:
            raw, content = self._put_stream(data, fields)
        digest = raw.hex()
        if name is not None:
            self._key_shard(name.encode()).run(Op("version", name.encode(), raw, created, size=64, counted=counted))
        if self._index_ref is not None:
            self._index_pending.append(("add", document(digest, name, metadata, content)))
            self._index_ref.tell("flush")
        return digest

    def _put_stream(self, fh: IO[bytes], fields: dict[str, Any]) -> tuple[bytes, bytes | None]:
        """Put a file-like object; returns its digest and its bytes if small enough to index."""
        head = _read_block(fh, CHUNK_THRESHOLD)
        if len(head) < CHUNK_THRESHOLD:
            raw = raw_digest(head)
            meta = msgpack.packb({"size": len(head), "chunks": 0, **fields}, use_bin_type=True)
            self._shard(raw).run(Op("artifact", raw, b"\x00" + head, meta, size=len(head) + len(meta)))
            return raw, head
        import xxhash

        hasher = xxhash.xxh3_128()
        text: list[bytes] | None = []

        def stream() -> Iterator[bytes]:
            nonlocal text
            for piece in _stream_chunks(head, fh, hasher):
                if text is not None:
                    text.append(piece)
                    if sum(map(len, text)) > MAX_TEXT:
                        text = None
                yield piece

        raw = self._put_chunked(None, stream(), fields, hasher=hasher)
        return raw, (b"".join(text) if text is not None else None)

    def _put_chunked(self, raw: bytes | None, pieces: Iterable[bytes | memoryview], fields: dict[str, Any], *,
                     hasher: Any = None) -> bytes:
        """Store ``pieces`` as chunks (in rounds, each committed before the next is read),
        then the manifest. ``raw`` is the artifact digest, or None when ``hasher`` will
        know it once the pieces are consumed. Returns the digest."""
        entries: list[tuple[bytes, int]] = []
        by_shard: dict[int, list[tuple[bytes, bytes]]] = {}
        queued = 0

        def commit_round() -> None:
            nonlocal by_shard, queued
            now = time.time()
            self._wait([self._shards[i].submit(Op("chunks", items, now, size=sum(len(b) for _, b in items) + 64 * len(items)))
                        for i, items in by_shard.items()])
            by_shard, queued = {}, 0

        for piece in pieces:
            cd = raw_digest(piece)
            entries.append((cd, len(piece)))
            by_shard.setdefault(shard_of(cd, self.shards), []).append((cd, bytes(piece)))
            queued += len(piece)
            if queued >= ROUND_BYTES:
                commit_round()
        if by_shard:
            commit_round()
        if raw is None:
            raw = hasher.digest()
            if self._exists(raw):  # already stored: give back the references we just took
                self._unref([cd for cd, _ in entries])
                return raw
        meta = msgpack.packb({"size": sum(n for _, n in entries), "chunks": len(entries), **fields}, use_bin_type=True)
        manifest = pack_manifest(entries)
        stored = self._shard(raw).run(Op("artifact", raw, manifest, meta, size=len(manifest) + len(meta)))
        if not stored:  # a concurrent put of the same content won: give back our chunk references
            self._unref([cd for cd, _ in entries])
        return raw

    def _unref(self, cds: list[bytes]) -> int:
        by_shard: dict[int, list[bytes]] = {}
        for cd in cds:
            by_shard.setdefault(shard_of(cd, self.shards), []).append(cd)
        ops = [(self._shards[i], Op("unref", group)) for i, group in by_shard.items()]
        self._wait([shard.submit(op) for shard, op in ops])
        return sum(op.outcome() for _, op in ops)

    # -- reading ----------------------------------------------------------------------------

    def _exists(self, raw: bytes) -> bool:
        db = self._shard(raw).env.db["meta"]
        return self._shard(raw).env.read(lambda txn: txn.get(raw, db=db) is not None)

    def has(self, digest: str) -> bool:
        """True if an artifact with this digest is stored."""
        self._check()
        try:
            raw = parse_digest(digest)
        except ArtifactNotFound:
            return False
        return self._exists(raw)

    def __contains__(self, digest: object) -> bool:
        return isinstance(digest, str) and self.has(digest)

    def _value(self, raw: bytes) -> bytes:
        shard = self._shard(raw)
        db = shard.env.db["data"]
        value = shard.env.read(lambda txn: _copy(txn.get(raw, db=db)))
        if value is None:
            raise ArtifactNotFound(f"no artifact {raw.hex()}")
        return value

    def _chunk(self, cd: bytes, owner: str) -> bytes:
        shard = self._shard(cd)
        db = shard.env.db["chunks"]
        data = shard.env.read(lambda txn: _copy(txn.get(cd, db=db)))
        if data is None:
            raise IntegrityError(f"artifact {owner}: chunk {cd.hex()} is missing", digest=owner)
        if raw_digest(data) != cd:
            raise IntegrityError(f"artifact {owner}: chunk {cd.hex()} is corrupt on disk", digest=owner)
        return data

    def get(self, digest: str) -> bytes:
        """The artifact's bytes, verified against ``digest``.

        Raises ``ArtifactNotFound`` if it is not stored, ``IntegrityError`` if what is on
        disk does not hash to ``digest``.
        """
        self._check()
        raw = parse_digest(digest)
        value = self._value(raw)
        if value[0] == CHUNKED:
            data = b"".join(self._chunk(cd, digest) for cd, _ in _manifest(value, digest))
        else:
            data = value[1:]
        if raw_digest(data) != raw:
            raise IntegrityError(f"artifact {digest} is corrupt on disk", digest=digest)
        return data

    def __getitem__(self, digest: str) -> bytes:
        return self.get(digest)

    def open(self, digest: str) -> Iterator[bytes]:
        """Stream the artifact as verified pieces (chunks of a large artifact, one piece for a small one).

        Each piece is checked before it is yielded; the whole is checked at the end.
        """
        self._check()
        raw = parse_digest(digest)
        value = self._value(raw)
        return self._stream(raw, digest, value)

    def _stream(self, raw: bytes, digest: str, value: bytes) -> Iterator[bytes]:
        import xxhash

        if value[0] != CHUNKED:
            if raw_digest(value[1:]) != raw:
                raise IntegrityError(f"artifact {digest} is corrupt on disk", digest=digest)
            yield value[1:]
            return
        whole = xxhash.xxh3_128()
        for cd, _ in _manifest(value, digest):
            piece = self._chunk(cd, digest)
            whole.update(piece)
            yield piece
        if whole.digest() != raw:
            raise IntegrityError(f"artifact {digest}: its chunks do not add up to it", digest=digest)

    def _meta(self, raw: bytes) -> dict[str, Any]:
        shard = self._shard(raw)
        db = shard.env.db["meta"]
        packed = shard.env.read(lambda txn: _copy(txn.get(raw, db=db)))
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

    def stat(self, digest: str) -> ArtifactStat:
        """Size, creation time, metadata, parents, chunk count, quality and pin of an artifact."""
        self._check()
        raw = parse_digest(digest)
        meta = self._meta(raw)
        ratings = self._ratings(raw)
        quality = sum(ratings.values()) / len(ratings) if ratings else None
        shard = self._shard(raw)
        pins = shard.env.db["pins"]
        pin = shard.env.read(lambda txn: _copy(txn.get(raw, db=pins)))
        return ArtifactStat(digest, meta["size"], meta["created"], meta["metadata"], meta["parents"],
                            meta["chunks"], quality, ratings, None if pin is None else pin.decode())

    def verify(self) -> list[str]:
        """Check every artifact and chunk in the store; returns the digests found damaged (empty: all good)."""
        self._check()
        bad: list[str] = []
        for digest in self.digests():
            try:
                for _ in self.open(digest):
                    pass
            except IntegrityError:
                bad.append(digest)
        return bad

    def digests(self) -> list[str]:
        """Every artifact digest in the store."""
        self._check()
        out: list[str] = []
        for shard in self._shards:
            db = shard.env.db["meta"]

            def keys(txn: Any, db: Any = db) -> list[str]:
                return [bytes(k).hex() for k in txn.cursor(db=db).iternext(values=False)]

            out.extend(shard.env.read(keys))
        return out

    def __len__(self) -> int:
        total = 0
        for shard in self._shards:
            db = shard.env.db["meta"]

            def entries(txn: Any, db: Any = db) -> int:
                return int(txn.stat(db)["entries"])

            total += shard.env.read(entries)
        return total

    # -- deleting ---------------------------------------------------------------------------

    def _holds(self) -> dict[bytes, str]:
        """Every artifact something holds (name version, tag, pin), with what holds it."""
        held: dict[bytes, str] = {}
        for shard in self._shards:
            db = shard.env.db

            def scan(txn: Any) -> None:
                for key, value in txn.cursor(db=db["names"]):
                    held.setdefault(bytes(value[:16]), "version of " + bytes(key).split(b"\0")[0].decode())
                for key, value in txn.cursor(db=db["tags"]):
                    held.setdefault(bytes(value), f"tag {bytes(key).decode()}")
                for key, value in txn.cursor(db=db["pins"]):
                    held.setdefault(bytes(key), f"pinned ({bytes(value).decode()})")

            shard.env.read(scan)
        return held

    def delete(self, digest: str) -> int:
        """Delete an artifact now; returns the bytes freed (its chunks still used elsewhere stay).

        Raises ``ArtifactNotFound`` if it is not stored, ``ArtifactInUse`` if a named
        version, a tag or a pin holds it.
        """
        self._check()
        raw = parse_digest(digest)
        holder = self._holds().get(raw)
        if holder is not None:
            raise ArtifactInUse(f"artifact {digest} is held ({holder}); release it before deleting")
        return self._delete(raw)

    def _delete(self, raw: bytes) -> int:
        shard = self._shard(raw)
        size = self._meta(raw)["size"] if self._exists(raw) else 0
        chunk_list = shard.run(Op("delete", raw))
        if chunk_list is None:
            raise ArtifactNotFound(f"no artifact {raw.hex()}")
        freed = self._unref(chunk_list) if chunk_list else size
        if self._index_ref is not None:
            self._index_pending.append(("remove", raw.hex()))
            self._index_ref.tell("flush")
        return freed

    def gc(self, *, grace: float = 3600.0) -> GcReport:
        """Remove what nothing references, and only that; returns what was removed.

        Kept: every named version, tagged or pinned artifact (a workflow's cached results are
        named versions), every ancestor of those (lineage), anything younger than ``grace``
        seconds (it may be about to be named). Chunks are kept while any remaining
        manifest lists them; their refcounts are recounted, which also reclaims chunks
        left behind by a crash in the middle of a put.
        """
        self._check()
        report = GcReport()
        held = set(self._holds())
        frontier = list(held)
        while frontier:
            raw = frontier.pop()
            try:
                parents = self._meta(raw)["parents"]
            except ArtifactNotFound:
                continue
            for p in parents:
                praw = bytes.fromhex(p)
                if praw not in held:
                    held.add(praw)
                    frontier.append(praw)
        cutoff = time.time() - grace
        for digest in self.digests():
            raw = bytes.fromhex(digest)
            if raw in held:
                continue
            try:
                if self._meta(raw)["created"] > cutoff:
                    continue
                report.bytes_freed += self._delete(raw)
                report.artifacts.append(digest)
            except ArtifactNotFound:
                continue
        # Recount chunk references from the manifests that remain.
        counts: dict[bytes, int] = {}
        for shard in self._shards:
            db = shard.env.db["data"]

            def manifests(txn: Any, db: Any = db) -> None:
                for _, value in txn.cursor(db=db):
                    if value[0] == CHUNKED:
                        for cd, _n in unpack_manifest(value):
                            counts[cd] = counts.get(cd, 0) + 1

            shard.env.read(manifests)
        for shard in self._shards:
            dbs = shard.env.db

            def fix(txn: Any, dbs: dict[str, Any] = dbs) -> tuple[dict[bytes, int], int, int]:
                changes: dict[bytes, int] = {}
                removed = freed = 0
                for key, value in txn.cursor(db=dbs["refs"]):
                    cd = bytes(key)
                    stored, first = _REFS.unpack(bytes(value))
                    want = counts.get(cd, 0)
                    if want == stored or (want == 0 and first > cutoff):
                        continue  # a chunk of a put still in progress is young: leave it
                    changes[cd] = want
                    if want == 0:
                        removed += 1
                        chunk = txn.get(cd, db=dbs["chunks"])
                        freed += 0 if chunk is None else len(chunk)
                return changes, removed, freed

            changes, removed, freed = shard.env.read(fix)
            if changes:
                shard.run(Op("set_refs", changes))
                report.chunks += removed
                report.bytes_freed += freed
        return report

    # -- names, tags, pins, lineage ---------------------------------------------------------

    def versions(self, name: str) -> list[Version]:
        """Every version of ``name``, oldest first (empty if the name was never used)."""
        self._check()
        key = _check_key("name", name).encode()
        shard = self._key_shard(key)
        db = shard.env.db["names"]
        prefix = key + b"\0"

        def scan(txn: Any) -> list[Version]:
            out = []
            cursor = txn.cursor(db=db)
            if cursor.set_range(prefix):
                for k, v in cursor:
                    k = bytes(k)
                    if not k.startswith(prefix) or len(k) != len(prefix) + 8:
                        if not k.startswith(prefix):
                            break
                        continue
                    v = bytes(v)
                    out.append(Version(name, _U64.unpack(k[-8:])[0], v[:16].hex(), _F64.unpack(v[16:24])[0]))
            return out

        return shard.env.read(scan)

    def latest(self, name: str) -> str:
        """The digest of the newest version of ``name``; ``ArtifactNotFound`` if it has none."""
        found = self.versions(name)
        if not found:
            raise ArtifactNotFound(f"no artifact named {name!r}")
        return found[-1].digest

    def names(self, prefix: str = "") -> list[str]:
        """Every name with at least one version that starts with ``prefix``, sorted."""
        self._check()
        out: list[str] = []
        pre = prefix.encode()
        for shard in self._shards:
            db = shard.env.db["heads"]

            def scan(txn: Any, db: Any = db) -> list[str]:
                found = []
                cursor = txn.cursor(db=db)
                if cursor.set_range(pre):
                    for k in cursor.iternext(values=False):
                        k = bytes(k)
                        if not k.startswith(pre):
                            break
                        found.append(k.decode())
                return found

            out.extend(shard.env.read(scan))
        return sorted(out)

    def tag(self, label: str, digest: str | None) -> None:
        """Point ``label`` at ``digest`` (moving it if it pointed elsewhere); ``None`` removes it.

        A tagged artifact is held: ``gc`` keeps it and ``delete`` refuses it.
        """
        self._check()
        key = _check_key("label", label).encode()
        raw = None
        if digest is not None:
            raw = parse_digest(digest)
            if not self._exists(raw):
                raise ArtifactNotFound(f"no artifact {digest}")
        self._key_shard(key).run(Op("tag", key, raw))

    def tagged(self, label: str) -> str:
        """The digest ``label`` points at; ``ArtifactNotFound`` if no such tag."""
        self._check()
        key = _check_key("label", label).encode()
        shard = self._key_shard(key)
        db = shard.env.db["tags"]
        raw = shard.env.read(lambda txn: _copy(txn.get(key, db=db)))
        if raw is None:
            raise ArtifactNotFound(f"no tag {label!r}")
        return raw.hex()

    def pin(self, digest: str, reason: str = "pinned") -> None:
        """Hold an artifact so ``gc`` keeps it and ``delete`` refuses it, until ``unpin``."""
        self._check()
        raw = parse_digest(digest)
        if not self._exists(raw):
            raise ArtifactNotFound(f"no artifact {digest}")
        self._shard(raw).run(Op("pin", raw, reason.encode()))

    def unpin(self, digest: str) -> None:
        """Release a pin (a no-op if the artifact was not pinned)."""
        self._check()
        raw = parse_digest(digest)
        self._shard(raw).run(Op("pin", raw, None))

    def lineage(self, digest: str) -> dict[str, list[str]]:
        """The artifact and all its ancestors, each mapped to its parents (breadth first)."""
        self._check()
        out: dict[str, list[str]] = {}
        frontier = [digest]
        while frontier:
            current = frontier.pop(0)
            if current in out:
                continue
            parents = self._meta(parse_digest(current))["parents"]
            out[current] = parents
            frontier.extend(p for p in parents if p not in out)
        return out

    # -- quality ----------------------------------------------------------------------------

    def rate(self, digest: str, score: float, *, source: str = "user") -> None:
        """Record ``source``'s quality score for an artifact (replacing that source's earlier score).

        ``stat(d).quality`` is the mean over sources; ``top`` ranks by it.
        """
        self._check()
        raw = parse_digest(digest)
        score = float(score)
        if score != score:
            raise ValueError("score must be a number, not NaN")
        if not self._exists(raw):
            raise ArtifactNotFound(f"no artifact {digest}")
        value = msgpack.packb((score, time.time()))
        self._shard(raw).run(Op("rate", raw, _check_key("source", source).encode(), value))

    def top(self, name_prefix: str = "", k: int = 10) -> list[Ranked]:
        """The ``k`` best-rated named versions whose name starts with ``name_prefix``, best first.

        Only rated artifacts are ranked; an artifact under several names appears once.
        """
        self._check()
        ranked: dict[str, Ranked] = {}
        for name in self.names(name_prefix):
            for version in self.versions(name):
                if version.digest in ranked:
                    continue
                ratings = self._ratings(bytes.fromhex(version.digest))
                if ratings:
                    mean = sum(ratings.values()) / len(ratings)
                    ranked[version.digest] = Ranked(name, version.number, version.digest, mean, len(ratings))
        return sorted(ranked.values(), key=lambda r: (-r.score, -r.ratings, r.name, r.version))[:max(k, 0)]

    # -- search -----------------------------------------------------------------------------

    def search(self, query: str, limit: int = 10) -> list[SearchHit]:
        """Full-text search over names, metadata and text content, best (BM25) first.

        Every clause of ``query`` must match: ``word``, ``"exact phrase"``, ``name:x``,
        ``content:x``, ``meta:x`` or a metadata key, ``kind:model`` (see ``_search_query``).
        Sees every ``put`` that returned before it. Raises ``InvalidQuery`` for a query that
        cannot be run. The engine is tantivy when installed, else SQLite FTS5 (see ``_index``).
        """
        self._check()
        if self._index_ref is None:
            raise RuntimeError("this store was opened with index=False")
        if not self._reconciled:
            self._reconcile()
        return self._index_ref.ask("search", (query, limit))

    def _reconcile(self) -> None:
        """Re-add documents the index lost and drop those of deleted artifacts (it is committed
        after the shards, so a crash can lose its last changes)."""
        assert self._index_ref is not None
        indexed = self._index_ref.ask("digests")
        stored = self.digests()
        self._index_pending.extend(("remove", d) for d in indexed.difference(stored))
        missing = [d for d in stored if d not in indexed]
        if missing:
            names: dict[str, list[str | None]] = {}
            for name in self.names():
                for v in self.versions(name):
                    names.setdefault(v.digest, []).append(name)
            for digest in missing:
                try:
                    meta = self._meta(bytes.fromhex(digest))
                    data = self.get(digest) if meta["size"] <= (4 << 20) else None
                except (ArtifactNotFound, IntegrityError):
                    continue
                for label in names.get(digest, [None]):
                    self._index_pending.append(("add", document(digest, label, meta["metadata"], data)))
        self._index_ref.ask("flush")
        self._reconciled = True


def _copy(value: Any) -> bytes | None:
    return None if value is None else bytes(value)


def _manifest(value: bytes, digest: str) -> list[tuple[bytes, int]]:
    try:
        return unpack_manifest(value)
    except ValueError:
        raise IntegrityError(f"artifact {digest}: its chunk list is corrupt on disk", digest=digest) from None


def _check_key(what: str, key: str) -> str:
    if not isinstance(key, str) or not key or "\0" in key or len(key.encode()) > 400:
        raise ValueError(f"a {what} must be a non-empty str without NUL, at most 400 bytes: {key!r}")
    return key


def _after_fork_in_child() -> None:
    for store in list(_stores):
        store._pid = -1  # noqa: SLF001 - forces a reopen on next use


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


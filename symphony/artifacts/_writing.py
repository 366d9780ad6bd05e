"""Writing to the artifact store: ``put`` of bytes or a binary file, inline or chunked.

Invariants:
- When ``put`` returns, the artifact (its bytes or every chunk, its metadata, its name
  version) is committed and synced. Writes are group-committed per shard (see ``_shard``).
- Write order makes a crash harmless: chunks before the manifest naming them, the artifact
  before the name version pointing at it. A crash can leave unreferenced chunks (reclaimed
  by ``gc``) but never a manifest or a name pointing at nothing.
- A large artifact is read, chunked and committed round by round: memory stays bounded.
"""

from __future__ import annotations

import time
from typing import IO, Any, Iterable, Iterator

import msgpack

from ..errors import ArtifactNotFound
from ._chunking import CHUNK_THRESHOLD, parse_digest, raw_digest, read_block, shard_of, split, stream_chunks
from ._commit import Op
from ._core import StoreCore, check_key
from ._index import MAX_TEXT, document
from ._records import pack_inline, pack_manifest, pack_record

__all__ = ["ROUND_BYTES", "Writing"]

#: A put of a large artifact commits its chunks in rounds of about this many bytes.
ROUND_BYTES = 8 << 20


def _as_bytes(data: Any) -> bytes:
    if isinstance(data, bytes):
        return data
    if isinstance(data, (bytearray, memoryview)):
        return bytes(data)
    raise TypeError(f"put() takes bytes or a binary file-like object, not {type(data).__name__}")


class Writing(StoreCore):
    """``put`` and the writes behind it."""

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
        if type(data) is bytes and name is None and metadata is None and parents == () and len(data) < CHUNK_THRESHOLD:
            return self._put_plain(data)
        # A small in-memory put is a counted writer (see ``Writers``): shard leaders wait,
        # briefly, for counted writers about to submit, so concurrent puts share commits.
        if type(data) is bytes:
            counted = len(data) < CHUNK_THRESHOLD
        else:
            counted = isinstance(data, (bytearray, memoryview)) and memoryview(data).nbytes < CHUNK_THRESHOLD
        if not counted:
            return self._put(data, name, metadata, parents, False)
        with self._writers:
            return self._put(data, name, metadata, parents, True)

    def _put_plain(self, data: bytes) -> str:
        """``put(data)`` of small bytes without name, metadata or parents: the common case, in
        as few interpreted lines as possible. With 8 writer threads on 2 cores, each writer's
        lines between its wake-up and its next queued op run one writer at a time, with cold
        caches, while the disk waits for the round (see ``_shard``)."""
        writers = self._writers
        writers.enter()
        try:
            raw = raw_digest(data)
            record = pack_inline(data, time.time())
            self._shards[shard_of(raw, self.shards)].run(Op("artifact", raw, record, size=len(record), counted=True))
            digest = raw.hex()
            feed = self._index_feed
            if feed is not None:
                feed.add(("add", document(digest, None, None, data)))
            return digest
        finally:
            writers.leave()

    def _put(self, data: bytes | bytearray | memoryview | IO[bytes], name: str | None,
             metadata: dict[str, Any] | None, parents: Iterable[str], counted: bool) -> str:
        if name is not None:
            check_key("name", name)
        parent_hex: list[str] = []
        if parents != ():
            for p in parents:
                praw = parse_digest(p)
                if not self._exists(praw):
                    raise ArtifactNotFound(f"parent artifact {p} is not in the store")
                parent_hex.append(praw.hex())
        if metadata is not None and not isinstance(metadata, dict):
            raise TypeError("metadata must be a dict")
        created = time.time()
        fields = {"created": created, "metadata": metadata or {}, "parents": parent_hex}
        content: bytes | None
        if isinstance(data, (bytes, bytearray, memoryview)) or not hasattr(data, "read"):
            whole = _as_bytes(data)
            content = whole
            raw = raw_digest(whole)
            if len(whole) < CHUNK_THRESHOLD:
                record = pack_record(False, msgpack.packb(
                    {"size": len(whole), "chunks": 0, "created": created, "metadata": fields["metadata"],
                     "parents": parent_hex}, use_bin_type=True), whole)
                self._shards[shard_of(raw, self.shards)].run(
                    Op("artifact", raw, record, size=len(record), counted=counted))
            elif not self._exists(raw):
                view = memoryview(whole)
                bounds = split(view)
                self._put_chunked(raw, (view[a:b] for a, b in zip([0] + bounds[:-1], bounds)), fields)
        else:
            raw, content = self._put_stream(data, fields)
        digest = raw.hex()
        if name is not None:
            self._key_shard(name.encode()).run(Op("version", name.encode(), raw, created, size=64, counted=counted))
        if self._index_feed is not None:
            self._index_feed.add(("add", document(digest, name, metadata, content)))
        return digest

    def _put_stream(self, fh: IO[bytes], fields: dict[str, Any]) -> tuple[bytes, bytes | None]:
        """Put a file-like object; returns its digest and its bytes if small enough to index."""
        head = read_block(fh, CHUNK_THRESHOLD)
        if len(head) < CHUNK_THRESHOLD:
            raw = raw_digest(head)
            record = pack_record(False, msgpack.packb({"size": len(head), "chunks": 0, **fields}, use_bin_type=True), head)
            self._shard(raw).run(Op("artifact", raw, record, size=len(record)))
            return raw, head
        import xxhash

        hasher = xxhash.xxh3_128()
        text: list[bytes] | None = []

        def stream() -> Iterator[bytes]:
            nonlocal text
            for piece in stream_chunks(head, fh, hasher):
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
        record = pack_record(True, meta, pack_manifest(entries))
        stored = self._shard(raw).run(Op("artifact", raw, record, size=len(record)))
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

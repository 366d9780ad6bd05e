"""Digests, shard routing and content-defined chunking for the artifact store.

- A digest is xxh3-128 of the content: 16 raw bytes inside the store, 32 hex characters
  outside. Chunks have digests of the same kind.
- A digest (artifact or chunk) lives on shard ``jump_hash(first 8 bytes, shards)``; a name,
  a tag or a label on ``jump_hash(mmh3 64-bit hash of it, shards)``. Changing the shard count
  would move keys, so a store keeps the count it was created with.
- Content of ``CHUNK_THRESHOLD`` bytes and up is cut by FastCDC (``symphony._speedups``,
  compiled or pure) into 16-256 KB chunks averaging 64 KB, each stored once however many
  artifacts hold it: an edit in the middle of a large artifact changes one or two chunks.
"""

from __future__ import annotations

from typing import IO, Any, Iterator

import mmh3
import xxhash

from .. import _speedups
from ..errors import ArtifactNotFound

__all__ = [
    "CHUNK_AVG", "CHUNK_MAX", "CHUNK_MIN", "CHUNK_THRESHOLD", "digest_of", "key_shard", "parse_digest",
    "raw_digest", "read_block", "shard_of", "split", "stream_chunks",
]

CHUNK_THRESHOLD = 1 << 20
CHUNK_MIN = 16 << 10
CHUNK_AVG = 64 << 10
CHUNK_MAX = 256 << 10

_hash = _speedups.load("_hash")
raw_digest = xxhash.xxh3_128_digest
_from_bytes = int.from_bytes


def digest_of(data: bytes | memoryview) -> str:
    """The hex digest of ``data`` (what ``put`` returns)."""
    return xxhash.xxh3_128_hexdigest(data)


def parse_digest(digest: str) -> bytes:
    """The 16 raw bytes of a hex digest; ``ArtifactNotFound`` if it cannot be one."""
    if isinstance(digest, str) and len(digest) == 32:
        try:
            return bytes.fromhex(digest)
        except ValueError:
            pass
    raise ArtifactNotFound(f"no artifact {digest!r} (not a 32-hex-digit digest)")


def shard_of(raw: bytes, shards: int) -> int:
    """The shard holding digest ``raw``."""
    return _hash.jump_hash(_from_bytes(raw[:8], "big"), shards) if shards > 1 else 0


def key_shard(key: bytes, shards: int) -> int:
    """The shard holding a name, tag or label."""
    return _hash.jump_hash(mmh3.hash64(key, signed=False)[0], shards) if shards > 1 else 0


def split(data: bytes | bytearray | memoryview) -> list[int]:
    """The chunk end offsets of ``data`` (content-defined, see the module docstring)."""
    return list(_hash.cdc_boundaries(data, CHUNK_MIN, CHUNK_AVG, CHUNK_MAX))


def read_block(fh: IO[bytes], want: int) -> bytes:
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


def stream_chunks(head: bytes, fh: IO[bytes], hasher: Any) -> Iterator[bytes]:
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
            block = read_block(fh, 1 << 20)
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

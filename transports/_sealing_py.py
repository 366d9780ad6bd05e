"""Sealing and opening packets, in pure Python: the twin of the compiled ``_sealing``.

Both twins provide ``public_api`` with the same behaviour (``symphony._twins`` picks one;
``symphony.transports._frames`` re-exports it). The wire format they read and write is described in
``symphony.transports._frames``: ``signature (32 bytes, with a secret) | nonce (u64) | sent (f64) | body``.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import random
import struct
import threading
import time
import weakref
from collections import deque
from typing import Any, Callable

import msgpack

from ._counters import Counters

__all__ = ["DEFAULT_MAX_FRAME", "Framer", "NonceWindow", "forget_old_nonces", "hmac_sha256", "key_pads"]

public_api = ["DEFAULT_MAX_FRAME", "Framer", "NonceWindow", "hmac_sha256"]

#: Default largest packet accepted (bytes); larger ones are dropped and counted.
DEFAULT_MAX_FRAME = 16 * 1024 * 1024

#: The header: the nonce (8 bytes; an unsigned int on this side) and the send time.
_HEADER = struct.Struct(">Qd")
#: ``Packer().pack`` is ``packb`` (binary type on) without its Python wrapper: a frame less a call.
_Packer = msgpack.Packer
_unpackb = msgpack.unpackb
_urandom = os.urandom
_wall = time.time
_compare = hmac.compare_digest


def key_pads(secret: bytes) -> tuple[Callable[[], Any], Callable[[], Any]]:
    """HMAC-SHA256's inner and outer states for ``secret`` (RFC 2104), as ``copy`` methods:
    each call hands out a fresh hash that has already absorbed its padded key."""
    key = secret if len(secret) <= 64 else hashlib.sha256(secret).digest()
    key = key.ljust(64, b"\0")
    return (hashlib.sha256(bytes(b ^ 0x36 for b in key)).copy,
            hashlib.sha256(bytes(b ^ 0x5C for b in key)).copy)


def hmac_sha256(secret: bytes) -> Callable[[bytes | memoryview], bytes]:
    """A function computing HMAC-SHA256 (RFC 2104) of its argument under ``secret``.

    The same bytes as ``hmac.digest(secret, data, "sha256")``, but the key's inner and
    outer pads are hashed once here and only copied per call: a one-shot HMAC looks up
    the algorithm again each time, which on a message path costs several microseconds a
    packet more than the hashing itself once the CPU's caches are cold.
    """
    inner, outer = key_pads(secret)

    def sign(data: bytes | memoryview) -> bytes:
        h = inner()
        h.update(data)
        o = outer()
        o.update(h.digest())
        return o.digest()

    return sign


class NonceWindow:
    """The nonces a receiver has accepted within the replay window, shared by every
    ``Framer`` that opens packets for one node: a packet accepted by one of them is a
    replay to all the others (a node's unix and tcp transports are two framers, one window).

    ``seen`` maps nonce to arrival time and ``order`` lists ``(arrival, nonce)`` oldest
    first, for pruning; ``window`` is the longest replay window of the framers sharing it
    (a nonce is remembered for as long as the most patient of them could accept it).
    """

    __slots__ = ("seen", "order", "lock", "window")

    def __init__(self, window: float = 60.0) -> None:
        self.seen: dict[int, float] = {}
        self.order: deque[tuple[float, int]] = deque()
        self.lock = threading.Lock()
        self.window = float(window)

    def widen(self, window: float) -> None:
        """Remember nonces for at least ``window`` s (a framer with that window joined)."""
        if window > self.window:
            self.window = float(window)

    def forget_old(self, now: float) -> None:
        """Forget nonces that can no longer be replayed to any framer sharing this window."""
        forget_old_nonces(self.seen, self.order, self.lock, now, self.window)


class Framer:
    """Seals entries into packets and opens packets back into entries, with signing and
    replay protection when a ``secret`` is given. Counts what it drops in ``counters``.

    ``nonces`` is the ``NonceWindow`` to check and record nonces in (shared by every framer
    of a node); by default the framer has one of its own.
    """

    def __init__(self, secret: bytes | None, *, replay_window: float = 60.0,
                 max_frame: int = DEFAULT_MAX_FRAME, counters: Counters | None = None,
                 nonces: NonceWindow | None = None) -> None:
        self.secret = secret
        self.replay_window = float(replay_window)
        self.max_frame = int(max_frame)
        self.counters = counters if counters is not None else Counters()
        if nonces is None:
            nonces = NonceWindow(self.replay_window)
        else:
            nonces.widen(self.replay_window)
        self.nonces = nonces
        self._seen = nonces.seen
        self._seen_order = nonces.order
        self._nonce = random.Random(_urandom(32)).getrandbits
        self._sign = None if secret is None else hmac_sha256(secret)
        _FRAMERS.add(self)

    def _reseed(self) -> None:
        """A fresh nonce generator: a forked child must not repeat its parent's nonces."""
        self._nonce = random.Random(_urandom(32)).getrandbits

    def seal(self, entries: list[Any]) -> bytes:
        """The packet carrying flattened ``entries``."""
        signed = _HEADER.pack(self._nonce(64), _wall()) + _Packer().pack(entries)
        sign = self._sign
        if sign is None:
            return signed
        return sign(signed) + signed

    def open(self, packet: bytes) -> list[Any] | None:
        """The flattened entries of a packet, or None (counted) if it must be dropped."""
        size = len(packet)
        if size > self.max_frame:
            self.counters["oversized"] += 1
            return None
        sign = self._sign
        if sign is not None:
            # Slices of a small packet are cheaper than memoryviews, and this is the hot path.
            if size < 49 or not _compare(sign(packet[32:]), packet[:32]):
                self.counters["bad_signature"] += 1
                return None
            nonce, sent = _HEADER.unpack_from(packet, 32)
            now = _wall()
            window = self.replay_window
            # A replay is a nonce seen before; setdefault checks and records it in one
            # atomic step, so threads opening packets concurrently need no lock.
            if not (now - window <= sent <= now + window) or self._seen.setdefault(nonce, now) is not now:
                self.counters["replayed"] += 1
                return None
            order = self._seen_order
            order.append((now, nonce))
            if len(order) & 1023 == 0:
                self._forget_old(now)
            body = packet[48:]
        else:
            if size < 17:
                self.counters["malformed"] += 1
                return None
            body = packet[16:]
        try:
            entries = _unpackb(body, raw=False, use_list=True, strict_map_key=False)
        except Exception:  # noqa: BLE001 - msgpack raises many types for garbage
            self.counters["malformed"] += 1
            return None
        if entries.__class__ is not list or len(entries) % 3:
            self.counters["malformed"] += 1
            return None
        return entries

    def _forget_old(self, now: float) -> None:
        """Forget nonces that can no longer be replayed (every 1,024 packets)."""
        self.nonces.forget_old(now)


def forget_old_nonces(seen: dict[int, float], order: deque[tuple[float, int]], lock: threading.Lock,
                      now: float, window: float) -> None:
    """Drop from ``seen`` (and ``order``, oldest first) the nonces no packet can replay any more.

    A nonce must be remembered while its timestamp is still inside the window: at most 2
    windows after it arrived (it may be stamped up to a window ahead). Both twins use this.
    """
    cutoff = now - 2 * window
    with lock:  # one pruner at a time; openers go on meanwhile
        try:
            while order[0][0] < cutoff:
                seen.pop(order.popleft()[1], None)
        except IndexError:
            pass

#: Every live Framer of either twin (the compiled one adds its own here too).
_FRAMERS: weakref.WeakSet[Any] = weakref.WeakSet()


def _reseed_after_fork() -> None:
    for framer in list(_FRAMERS):
        framer._reseed()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reseed_after_fork)

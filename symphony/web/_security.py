"""Who may use a ``symphony web`` server: the token, the Origin and Host checks.

A page on another site must not drive the editor (cross-site WebSocket hijacking), and a
name that resolves to 127.0.0.1 must not make the server another site's (DNS rebinding):
the WebSocket needs the server's token, and both the ``Host`` and the ``Origin`` headers
must name this server itself.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Iterable
from urllib.parse import urlsplit

__all__ = ["LOOPBACK_NAMES", "allowed_hosts", "host_ok", "new_token", "origin_ok", "token_ok"]

#: The names a loopback server answers to.
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")


def new_token() -> str:
    """A fresh random token (32 bytes, URL-safe), made once per server run."""
    return secrets.token_urlsafe(32)


def token_ok(given: str | None, expected: str) -> bool:
    """Whether ``given`` is the token, compared in constant time."""
    if not isinstance(given, str) or not given:
        return False
    return hmac.compare_digest(given.encode("utf-8", "surrogatepass"), expected.encode("utf-8"))


def allowed_hosts(host: str, port: int, extra: Iterable[str] = ()) -> frozenset[str]:
    """The ``host:port`` values this server is reached as: the loopback names, the host it
    listens on, and ``extra`` names (``--allow-host``)."""
    names = set(LOOPBACK_NAMES) | {host} | set(extra)
    out = set()
    for name in names:
        if ":" in name and not name.startswith("["):
            name = f"[{name}]"
        out.add(f"{name}:{port}".lower())
    return frozenset(out)


def host_ok(host_header: str | None, allowed: frozenset[str]) -> bool:
    """Whether the request's ``Host`` header names this server."""
    return isinstance(host_header, str) and host_header.lower() in allowed


def origin_ok(origin: str | None, allowed: frozenset[str]) -> bool:
    """Whether a WebSocket's ``Origin`` is this server's own page. A request with no Origin
    (not from a browser: a browser always sends one on a WebSocket) passes; ``null`` (a
    sandboxed frame, a file: page) does not."""
    if origin is None:
        return True
    try:
        parts = urlsplit(origin)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and parts.netloc.lower() in allowed and not parts.path.strip("/")

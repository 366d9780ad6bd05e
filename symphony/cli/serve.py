"""``symphony serve``: the core process a frontend starts (xi-core's role).

Speaks the xi frontend protocol (JSON-RPC, one JSON value per line) on stdin/stdout by
default; ``--listen tcp://HOST:PORT`` or ``--listen unix://PATH`` accepts connections
instead, each with its own views, all sharing one node. Logging goes to stderr.
"""

from __future__ import annotations

import argparse
import logging
import os
import socket
import sys
import threading
from urllib.parse import urlparse

from symphony.actors import Node
from symphony.rpc import serve_connection, serve_stdio

from ._registry import register

__all__ = ["cmd_serve"]


def _listen(uri: str) -> int:
    parsed = urlparse(uri)
    if parsed.scheme == "tcp":
        server = socket.create_server((parsed.hostname or "127.0.0.1", parsed.port or 0))
    elif parsed.scheme == "unix":
        path = parsed.path or parsed.netloc
        if os.path.exists(path):
            os.unlink(path)
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        server.bind(path)
        server.listen()
    else:
        print(f"symphony serve: unsupported URI {uri!r} (use tcp://HOST:PORT or unix://PATH)", file=sys.stderr)
        return 2
    print(f"symphony serve: listening on {uri} ({server.getsockname()})", file=sys.stderr, flush=True)
    node = Node("symphony-serve")

    def handle(conn: socket.socket) -> None:
        with conn, conn.makefile("rb") as reader, conn.makefile("wb") as writer:
            serve_connection(reader, writer, node)

    try:
        while True:
            conn, _ = server.accept()
            threading.Thread(target=handle, args=(conn,), daemon=True).start()
    finally:
        server.close()
        node.stop()


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--listen", metavar="URI", default=None,
                        help="serve connections on tcp://HOST:PORT or unix://PATH instead of stdio")
    parser.add_argument("--log-level", default="WARNING", help="logging level (to stderr)")


def cmd_serve(args: argparse.Namespace) -> int:
    """Run the editor core for a frontend."""
    logging.basicConfig(level=args.log_level.upper(), stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if args.listen:
        return _listen(args.listen)
    return serve_stdio()


register("serve", "the editor core a frontend starts: xi frontend protocol on stdio (or --listen URI)",
         _arguments, cmd_serve)

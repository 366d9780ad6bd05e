"""``symphony serve``: the core process a frontend starts (xi-core's role).

Speaks the xi frontend protocol (JSON-RPC, one JSON value per line) on stdin/stdout by
default. With ``--listen URI`` (``tcp://HOST:PORT``, ``unix:///PATH``, repeatable) it is a
node instead, reached through Symphony's own transports, so a remote frontend gets the
node's authentication (``--secret-file``), encryption (``--curve-key-file``), replay
protection and frame limits: frontends connect with ``symphony.rpc.connect(address,
secret=...)``, each session with its own views, all sharing one node. A non-loopback tcp
address needs a secret unless ``--insecure``. It prints ``listening on ADDRESS`` on stdout
(flushed) per bound address, the real port for port 0, and serves until SIGTERM or SIGINT,
then closes every session and removes its socket files. Logging goes to stderr.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import threading
from typing import Any

from symphony.rpc import serve_stdio

from ._registry import register
from .keygen import read_curve_keys

__all__ = ["cmd_serve"]

PROG = "symphony serve"


def _check_uri(uri: str) -> str | None:
    """Why ``uri`` cannot be listened on, or None (the transport finds the rest)."""
    scheme, sep, rest = uri.partition("://")
    if not sep:
        return "not a URI: use tcp://HOST:PORT or unix:///PATH"
    if scheme == "tcp":
        hostport = rest.split("/", 1)[0]
        host, colon, port = hostport.rpartition(":")
        if not colon or not host:
            return "tcp addresses are tcp://HOST:PORT"
        if not port.isdigit() or int(port) > 65535:
            return f"port {port!r} is not a number from 0 to 65535"
    elif scheme == "unix":
        if not rest.startswith("/"):
            return "unix addresses take an absolute path: unix:///PATH"
        directory = os.path.dirname(rest.split("#", 1)[0])
        if not os.path.isdir(directory):
            return f"no such directory: {directory}"
    elif scheme != "ipc":
        return f"unsupported scheme {scheme!r}: use tcp://HOST:PORT or unix:///PATH"
    return None


def _option(text: str) -> tuple[str, Any]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"--option takes key=value, not {text!r}")
    try:
        return key, json.loads(value)
    except ValueError:
        return key, value


def _read_secret(path: str) -> bytes:
    with open(path, "rb") as f:
        secret = f.read().strip()
    if not secret:
        raise ValueError(f"secret file {path} is empty")
    return secret


def _listen(args: argparse.Namespace) -> int:
    from symphony.actors import Node
    from symphony.errors import InsecureListen, SymphonyError
    from symphony.rpc import XiServer

    for uri in args.listen:
        problem = _check_uri(uri)
        if problem:
            print(f"{PROG}: cannot listen on {uri}: {problem}", file=sys.stderr)
            return 2
    try:
        options = dict(args.option)
        if args.curve_key_file:
            options.update(read_curve_keys(args.curve_key_file))
        secret = _read_secret(args.secret_file) if args.secret_file else None
    except (OSError, ValueError) as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return 2
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    try:
        node = Node("symphony-serve", listen=args.listen, secret=secret, insecure=args.insecure,
                    transport_options=options)
    except InsecureListen:
        print(f"{PROG}: refusing to listen on a non-loopback address ({' '.join(args.listen)}) without a "
              "secret: give --secret-file FILE (or --insecure to accept the risk)", file=sys.stderr)
        return 2
    except (SymphonyError, OSError, ValueError, TypeError) as exc:
        print(f"{PROG}: cannot listen on {' '.join(args.listen)}: {_reason(exc)}", file=sys.stderr)
        return 2
    except Exception as exc:  # noqa: BLE001 - zmq.ZMQError and kin: one line, no traceback
        print(f"{PROG}: cannot listen on {' '.join(args.listen)}: {_reason(exc)}", file=sys.stderr)
        return 2
    server = XiServer(node)
    try:
        for address in node.addresses:
            print(f"listening on {address}", flush=True)
        while not stop.wait(0.5):
            pass
    finally:
        server.close()
        node.stop()
    return 0


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return f"{exc.strerror}" + (f": {exc.filename}" if exc.filename else "")
    return str(exc) or type(exc).__name__


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--listen", metavar="URI", action="append", default=None,
                        help="serve remote frontends through Symphony's transports at tcp://HOST:PORT or "
                             "unix:///PATH (repeatable) instead of stdio; prints 'listening on ADDRESS'")
    parser.add_argument("--secret-file", metavar="F",
                        help="with --listen: file holding the shared secret that signs every frame")
    parser.add_argument("--curve-key-file", metavar="F",
                        help="with --listen: CURVE secret key file from 'symphony keygen' (encrypts tcp)")
    parser.add_argument("--insecure", action="store_true",
                        help="with --listen: allow a non-loopback tcp address without a secret")
    parser.add_argument("--option", action="append", default=[], type=_option, metavar="KEY=VALUE",
                        help="with --listen: transport option, e.g. max_frame=1048576 (repeatable)")
    parser.add_argument("--log-level", default="WARNING", help="logging level (to stderr)")


def cmd_serve(args: argparse.Namespace) -> int:
    """Run the editor core for a frontend."""
    logging.basicConfig(level=args.log_level.upper(), stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if args.listen:
        return _listen(args)
    return serve_stdio()


register("serve", "the editor core a frontend starts: xi frontend protocol on stdio (or --listen URI "
                  "for remote frontends)", _arguments, cmd_serve)

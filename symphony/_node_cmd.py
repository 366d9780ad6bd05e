"""``symphony node`` (a standalone node hosting actors) and ``symphony keygen`` (CURVE keys).

``symphony node --listen tcp://0.0.0.0:5555 --secret-file key --spawn pkg.mod:Worker=w1``
is the process a second machine runs. It prints one ``listening on <address>`` line per
bound address (flushed, so a parent process can read the real port of ``:0``), then
serves until SIGTERM or SIGINT, and stops cleanly: actors finish their current message,
queued outgoing messages are flushed, socket files are removed.
"""

from __future__ import annotations

import argparse
import importlib
import json
import signal
import sys
import threading
from typing import Any

from .cli import register

__all__ = ["cmd_keygen", "cmd_node", "load_class"]


def load_class(spec: str) -> tuple[type, str | None]:
    """``"pkg.mod:Class=name"`` -> (the class, ``"name"``); the name part is optional."""
    target, _, name = spec.partition("=")
    module_name, _, attr = target.partition(":")
    if not module_name or not attr:
        raise ValueError(f"--spawn takes module:Class[=name], not {spec!r}")
    obj: Any = importlib.import_module(module_name)
    for part in attr.split("."):
        obj = getattr(obj, part)
    return obj, (name or None)


def _option(text: str) -> tuple[str, Any]:
    key, sep, value = text.partition("=")
    if not sep:
        raise argparse.ArgumentTypeError(f"--option takes key=value, not {text!r}")
    try:
        return key, json.loads(value)
    except ValueError:
        return key, value


def _node_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--listen", action="append", required=True, metavar="URI",
                        help="address to listen on (repeatable): tcp://host:port, ipc:///path, unix:///path")
    parser.add_argument("--secret-file", metavar="F", help="file holding the shared secret that signs every frame")
    parser.add_argument("--spawn", action="append", default=[], metavar="module:Class=name",
                        help="actor to host (repeatable)")
    parser.add_argument("--name", help="node name")
    parser.add_argument("--threads", type=int, default=None, help="dispatcher threads")
    parser.add_argument("--insecure", action="store_true",
                        help="allow a non-loopback tcp address without a secret")
    parser.add_argument("--option", action="append", default=[], type=_option, metavar="KEY=VALUE",
                        help="transport option, e.g. heartbeat=0.5 or max_frame=1048576 (repeatable)")
    parser.add_argument("--curve-key-file", metavar="F",
                        help="CURVE secret key file from 'symphony keygen' (encrypts tcp)")


def _read_secret(path: str | None) -> bytes | None:
    if path is None:
        return None
    with open(path, "rb") as f:
        secret = f.read().strip()
    if not secret:
        raise SystemExit(f"symphony node: secret file {path} is empty")
    return secret


def cmd_node(args: argparse.Namespace) -> int:
    """Run a standalone node until SIGTERM/SIGINT."""
    from .actors import Node

    options = dict(args.option)
    if args.curve_key_file:
        options.update(_read_curve_keys(args.curve_key_file))
    classes = [load_class(spec) for spec in args.spawn]
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    from .errors import SymphonyError

    try:
        node = Node(args.name, threads=args.threads, listen=args.listen, secret=_read_secret(args.secret_file),
                    insecure=args.insecure, transport_options=options)
    except (SymphonyError, OSError, ValueError) as exc:
        print(f"symphony node: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2
    try:
        for cls, name in classes:
            node.spawn(cls, name=name)
        for address in node.addresses:
            print(f"listening on {address}", flush=True)
        print(f"actors: {', '.join(node.names())}", flush=True)
        while not stop.wait(0.5):
            pass
    finally:
        node.stop()
    return 0


def _read_curve_keys(path: str) -> dict[str, bytes]:
    """Transport options from a key file written by ``symphony keygen`` (``public=``, ``secret=``
    lines; a ``server=`` line, the server's public key, makes outgoing links use CURVE too)."""
    names = {b"public": "curve_public_key", b"secret": "curve_secret_key", b"server": "curve_server_key"}
    keys: dict[str, bytes] = {}
    with open(path, "rb") as f:
        for line in f:
            key, _, value = line.strip().partition(b"=")
            if key in names and value:
                keys[names[key]] = value.strip()
    return keys


def _keygen_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", help="where to write the secret key file (the public key goes to PATH.pub)")


def cmd_keygen(args: argparse.Namespace) -> int:
    """Write a ZeroMQ CURVE key pair: PATH (public+secret, mode 0600) and PATH.pub (public)."""
    import os

    import zmq

    public, secret = zmq.curve_keypair()
    fd = os.open(args.path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(b"public=" + public + b"\nsecret=" + secret + b"\n")
    with open(args.path + ".pub", "wb") as f:
        f.write(b"public=" + public + b"\n")
    print(f"wrote {args.path} (keep it secret) and {args.path}.pub (give it to clients as server=...)")
    return 0


register("node", "run a standalone node hosting actors (what a second machine runs)", _node_arguments, cmd_node)
register("keygen", "make a ZeroMQ CURVE key pair for encrypted tcp", _keygen_arguments, cmd_keygen)

"""``symphony node``: a standalone node hosting actors.

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

from ._registry import register
from .keygen import read_curve_keys

__all__ = ["cmd_node", "load_class"]


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
    from symphony.actors import Node

    options = dict(args.option)
    if args.curve_key_file:
        options.update(read_curve_keys(args.curve_key_file))
    classes = [load_class(spec) for spec in args.spawn]
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    from symphony.errors import SymphonyError

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


register("node", "run a standalone node hosting actors (what a second machine runs)", _node_arguments, cmd_node)

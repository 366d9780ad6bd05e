"""Starting a listening node from the command line: the flags ``symphony node`` and
``symphony serve --listen`` share, and the checks made before anything is bound.

The transport options a node takes are read from the installed transports' constructors,
so a transport that adds an option needs no change here.
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import re
import types
import typing
from typing import Any

from symphony.errors import CommandError, InsecureListen, SymphonyError

from .keygen import read_curve_keys

__all__ = ["add_listen_arguments", "read_secret", "start_node", "transport_options"]


def add_listen_arguments(parser: argparse.ArgumentParser, *, required: bool, prefix: str = "") -> None:
    """The flags that say where a node listens and how it is secured (``--listen``,
    ``--secret-file``, ``--curve-key-file``, ``--insecure``, ``--option``)."""
    parser.add_argument("--listen", action="append", required=required, default=None, metavar="URI",
                        help=prefix + "address to listen on (repeatable): tcp://HOST:PORT, ipc:///PATH, "
                             "unix:///PATH; prints 'listening on ADDRESS' (the real port for :0)")
    parser.add_argument("--secret-file", metavar="F",
                        help=prefix + "file holding the shared secret that signs every frame")
    parser.add_argument("--curve-key-file", metavar="F",
                        help=prefix + "CURVE secret key file from 'symphony keygen' (encrypts tcp)")
    parser.add_argument("--insecure", action="store_true",
                        help=prefix + "allow a non-loopback tcp address without a secret")
    parser.add_argument("--option", action="append", default=[], type=_option, metavar="KEY=VALUE",
                        help=prefix + "transport option, e.g. heartbeat=0.5 or max_frame=1048576 (repeatable)")


def start_node(args: argparse.Namespace, name: str | None) -> Any:
    """The node ``args`` describe (from ``add_listen_arguments``), listening.

    Everything is checked before anything is bound: each address, each ``--option``
    against what the transports take, the secret and key files. A failure is raised as
    one typed error naming the address (and, for an open tcp address without a secret,
    the flags that allow it), which ``symphony.cli.main`` prints as one line.
    """
    import zmq

    from symphony.actors import Node

    for uri in args.listen:
        problem = _check_uri(uri)
        if problem:
            raise CommandError(f"cannot listen on {uri}: {problem}")
    options = _checked_options(args.option)
    if args.curve_key_file:
        options.update(_read_curve_keys(args.curve_key_file))
    secret = read_secret(args.secret_file)
    try:
        return Node(name, threads=getattr(args, "threads", None), listen=args.listen, secret=secret,
                    insecure=args.insecure, transport_options=options)
    except InsecureListen as exc:
        reason = str(exc).split(";", 1)[0]
        raise InsecureListen(f"{reason}; pass --secret-file FILE (every frame is then signed), "
                             "or --insecure to accept the risk") from None
    except (OSError, zmq.ZMQError) as exc:  # a ZMQError is an OSError in all but name
        reason = re.sub(r"\s*\(addr='[^']*'\)$", "", str(exc.strerror or exc))  # pyzmq repeats the address
        raise OSError(exc.errno, f"cannot listen on {' or '.join(args.listen)}: {reason}") from None
    except SymphonyError:
        raise
    except (ValueError, TypeError) as exc:  # a transport refused an option's value
        raise CommandError(f"cannot start the node: {exc}") from None


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
            return "the port is not a number from 0 to 65535"
    elif scheme in ("unix", "ipc"):
        if not rest.startswith("/"):
            return f"{scheme} addresses take an absolute path: {scheme}:///PATH"
        directory = os.path.dirname(rest.split("#", 1)[0])
        if not os.path.isdir(directory):
            return f"no such directory: {directory}"
    else:
        return f"unsupported scheme {scheme!r}: use tcp://HOST:PORT, ipc:///PATH or unix:///PATH"
    return None


def transport_options() -> dict[str, Any]:
    """The options the installed transports take, as name -> type hint (``Any`` if unknown).

    Read from the keyword-only parameters of each transport class's constructor (and its
    bases'), so a transport that adds an option needs no change here. ``secret`` and
    ``insecure`` are the node's own arguments, not options.
    """
    from symphony.actors import available_transports, transport_for

    options: dict[str, Any] = {}
    for scheme in sorted(available_transports()):
        try:
            cls = transport_for(scheme)
        except Exception:  # noqa: BLE001 - a broken third-party transport must not stop the node
            continue
        for klass in inspect.getmro(cls):
            init = klass.__dict__.get("__init__")
            if init is None:
                continue
            try:
                hints = typing.get_type_hints(init)
            except Exception:  # noqa: BLE001 - unresolvable annotations: accept any value
                hints = {}
            for param in inspect.signature(init).parameters.values():
                if param.kind is param.KEYWORD_ONLY and param.name not in ("secret", "insecure"):
                    options.setdefault(param.name, hints.get(param.name, Any))
    return options


def _option(text: str) -> tuple[str, Any]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"--option takes key=value, not {text!r}")
    try:
        return key, json.loads(value)
    except ValueError:
        return key, value


def _checked_options(given: list[tuple[str, Any]]) -> dict[str, Any]:
    """The ``--option`` values, each checked against what the transports take."""
    known = transport_options()
    options = {}
    for name, value in given:
        if name not in known:
            raise CommandError(f"--option {name}: unknown transport option (known: {', '.join(sorted(known))})")
        options[name] = _coerce(name, value, known[name])
    return options


def _coerce(name: str, value: Any, hint: Any) -> Any:
    """``value`` as type ``hint`` wants it, or ``CommandError`` naming the option."""
    union = isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union
    kinds = set(typing.get_args(hint)) if union else {hint}
    if Any in kinds or object in kinds:
        return value
    if value is None and type(None) in kinds:
        return None
    if bool in kinds:
        if isinstance(value, bool):
            return value
        wanted = "true or false"
    elif int in kinds:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        wanted = "a whole number"
    elif float in kinds:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        wanted = "a number"
    elif bytes in kinds:
        if isinstance(value, str):
            return value.encode()
        wanted = "a string"
    elif str in kinds:
        if isinstance(value, str):
            return value
        wanted = "a string"
    else:
        return value
    shown = value if isinstance(value, str) else json.dumps(value)
    raise CommandError(f"--option {name}={shown}: {name} takes {wanted}")


def read_secret(path: str | None) -> bytes | None:
    """The shared secret in file ``path`` (surrounding whitespace stripped), or None without a
    path; CommandError for an empty file (a node signing with an empty secret signs nothing)."""
    if path is None:
        return None
    with open(path, "rb") as f:
        secret = f.read().strip()
    if not secret:
        raise CommandError(f"secret file {path} is empty")
    return secret


def _read_curve_keys(path: str) -> dict[str, bytes]:
    keys = read_curve_keys(path)
    if "curve_secret_key" not in keys or "curve_public_key" not in keys:
        raise CommandError(f"--curve-key-file {path}: no public= and secret= lines (write one with "
                           "'symphony keygen')")
    return keys

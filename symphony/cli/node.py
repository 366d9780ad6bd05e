"""``symphony node``: a standalone node hosting actors.

``symphony node --listen tcp://0.0.0.0:5555 --secret-file key --spawn pkg.mod:Worker=w1``
is the process a second machine runs. It prints one ``listening on <address>`` line per
bound address (flushed, so a parent process can read the real port of ``:0``), then
serves until SIGTERM or SIGINT, and stops cleanly: actors finish their current message,
queued outgoing messages are flushed, socket files are removed.

Everything it is given is checked before anything is bound: each ``--spawn`` class loads
and is an actor, each ``--option`` is one the installed transports take (read from their
constructors' signatures) with a value of the right type.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import json
import re
import signal
import threading
import types
import typing
from typing import Any

from symphony.errors import CommandError, InsecureListen, SymphonyError

from ._args import positive_int
from ._registry import register
from .keygen import read_curve_keys

__all__ = ["cmd_node", "load_class", "transport_options"]


def load_class(spec: str) -> tuple[type, str | None]:
    """``"pkg.mod:Class=name"`` -> (the class, ``"name"``); the name part is optional.

    Raises ``CommandError`` naming the spec (and the module, for one that does not import)
    when it is not ``module:Class``, does not load, or is not a ``symphony.Actor``.
    """
    from symphony.actors import Actor

    target, _, name = spec.partition("=")
    module_name, _, attr = target.partition(":")
    if not module_name or not attr:
        raise CommandError(f"--spawn takes module:Class[=name], not {spec!r}")
    try:
        obj: Any = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        missing = exc.name or module_name
        raise CommandError(f"--spawn {spec}: no module named {missing!r}"
                           + ("" if missing == module_name else f" (imported by {module_name})")) from None
    except Exception as exc:  # noqa: BLE001 - the user's module failed while importing
        raise CommandError(f"--spawn {spec}: importing {module_name} raised {type(exc).__name__}: {exc}") from None
    for part in attr.split("."):
        if not hasattr(obj, part):
            raise CommandError(f"--spawn {spec}: {module_name} has no {attr!r}")
        obj = getattr(obj, part)
    if not (isinstance(obj, type) and issubclass(obj, Actor)):
        raise CommandError(f"--spawn {spec}: {attr} is not a subclass of symphony.Actor")
    return obj, (name or None)


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
    if not sep:
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


def _node_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--listen", action="append", required=True, metavar="URI",
                        help="address to listen on (repeatable): tcp://host:port, ipc:///path, unix:///path")
    parser.add_argument("--secret-file", metavar="F", help="file holding the shared secret that signs every frame")
    parser.add_argument("--spawn", action="append", default=[], metavar="module:Class=name",
                        help="actor to host (repeatable)")
    parser.add_argument("--name", help="node name")
    parser.add_argument("--threads", type=positive_int, default=None, help="dispatcher threads")
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
        raise CommandError(f"secret file {path} is empty")
    return secret


def _read_curve_keys(path: str) -> dict[str, bytes]:
    keys = read_curve_keys(path)
    if "curve_secret_key" not in keys or "curve_public_key" not in keys:
        raise CommandError(f"--curve-key-file {path}: no public= and secret= lines (write one with "
                           "'symphony keygen')")
    return keys


def _start(args: argparse.Namespace, options: dict[str, Any]) -> Any:
    """The node, listening; a failure to listen is raised naming the address (and, for an
    open tcp address without a secret, the flags that allow it)."""
    import zmq

    from symphony.actors import Node

    secret = _read_secret(args.secret_file)
    try:
        return Node(args.name, threads=args.threads, listen=args.listen, secret=secret,
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


def cmd_node(args: argparse.Namespace) -> int:
    """Run a standalone node until SIGTERM/SIGINT."""
    options = _checked_options(args.option)
    if args.curve_key_file:
        options.update(_read_curve_keys(args.curve_key_file))
    classes = [(spec, *load_class(spec)) for spec in args.spawn]
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    node = _start(args, options)
    try:
        for spec, cls, name in classes:
            try:
                node.spawn(cls, name=name)
            except SymphonyError:
                raise
            except Exception as exc:  # noqa: BLE001 - the user's constructor failed
                raise CommandError(f"--spawn {spec}: {cls.__name__}() raised {type(exc).__name__}: {exc}") from None
        for address in node.addresses:
            print(f"listening on {address}", flush=True)
        print(f"actors: {', '.join(node.names())}", flush=True)
        while not stop.wait(0.5):
            pass
    finally:
        node.stop()
    return 0


register("node", "run a standalone node hosting actors (what a second machine runs)", _node_arguments, cmd_node)

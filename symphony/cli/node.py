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
import signal
import threading
from typing import Any

from symphony.errors import CommandError, SymphonyError

from ._args import positive_int
from ._listen import add_listen_arguments, start_node
from ._registry import register

__all__ = ["cmd_node", "load_class"]


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


def _node_arguments(parser: argparse.ArgumentParser) -> None:
    add_listen_arguments(parser, required=True)
    parser.add_argument("--spawn", action="append", default=[], metavar="module:Class=name",
                        help="actor to host (repeatable)")
    parser.add_argument("--name", help="node name")
    parser.add_argument("--threads", type=positive_int, default=None, help="dispatcher threads")


def cmd_node(args: argparse.Namespace) -> int:
    """Run a standalone node until SIGTERM/SIGINT."""
    classes = [(spec, *load_class(spec)) for spec in args.spawn]
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    node = start_node(args, args.name)
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

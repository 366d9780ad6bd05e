"""The ``symphony`` command: one module per subcommand in this package.

``info``, ``demo``, ``edit`` (the terminal editor, in ``editor/``), ``serve``, ``web``, ``node``,
``keygen``, ``artifacts``, ``dag``, ``pool``, ``ext`` and ``conductor`` each register themselves
in ``_registry`` when imported; the modules are imported only when the command line is parsed, so
``symphony --version`` stays fast.

A command fails cleanly: a ``SymphonyError`` or ``OSError`` it raises is printed by
``main`` as one line, ``symphony COMMAND: what went wrong``, never a traceback. The exit
status is 2 when what was asked is malformed (the error is also a ``ValueError``: a bad
workflow spec, an unknown option, a missing store) and 1 when it could not be done (a
port in use, a file that cannot be read, a damaged artifact).
"""

from __future__ import annotations

import argparse
import importlib
import sys

from symphony._version import __version__
from symphony.errors import SymphonyError

from ._registry import COMMANDS, register

__all__ = ["COMMANDS", "build_parser", "describe", "main", "register"]

#: The app modules, in the order their subcommands are listed.
_COMMAND_MODULES: tuple[str, ...] = tuple(
    f"{__name__}.{name}"
    for name in ("info", "demo", "edit", "serve", "web", "artifacts", "dag", "pool", "ext", "conductor", "node", "keygen"))


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every registered subcommand."""
    for module in _COMMAND_MODULES:
        importlib.import_module(module)
    parser = argparse.ArgumentParser(
        prog="symphony", description="Symphony: an embeddable actor library.",
        epilog="'symphony COMMAND --help' shows a command's arguments. Exit status: 0 done, 1 it could not "
               "be done (the reason on one line of stderr), 2 the arguments or input were wrong.")
    parser.add_argument("--version", action="version", version=f"symphony {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (help_text, add_arguments, run) in COMMANDS.items():
        command = sub.add_parser(name, help=help_text, description=help_text)
        add_arguments(command)
        command.set_defaults(run=run)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "run", None) is None:
        parser.print_help()
        return 2
    try:
        return int(args.run(args) or 0)
    except KeyboardInterrupt:
        return 130
    except (SymphonyError, OSError) as exc:
        print(f"symphony {args.command}: {describe(exc)}", file=sys.stderr, flush=True)
        return 2 if isinstance(exc, SymphonyError) and isinstance(exc, ValueError) else 1


def describe(exc: BaseException) -> str:
    """One line saying what went wrong: ``PATH: reason`` for an ``OSError`` about a file
    (as coreutils say it), the message otherwise."""
    if isinstance(exc, OSError) and exc.strerror:
        if exc.filename is not None:
            return f"{exc.filename}: {exc.strerror}"
        return exc.strerror
    text = " ".join(str(exc).split())
    return text or type(exc).__name__

"""The ``symphony`` command.

Each subcommand is a function ``cmd_<name>(args) -> int`` registered in ``COMMANDS`` with
a function that adds its arguments; later layers add theirs the same way, in their own
modules, listed in ``_COMMAND_MODULES`` (imported only when the command line is parsed, so
``symphony --version`` stays fast).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import Callable

from ._version import __version__

__all__ = ["COMMANDS", "main", "register"]

#: name -> (help, add_arguments(parser), run(args) -> exit code)
COMMANDS: dict[str, tuple[str, Callable[[argparse.ArgumentParser], None], Callable[[argparse.Namespace], int]]] = {}

#: Modules that register further subcommands when imported.
_COMMAND_MODULES: tuple[str, ...] = ("symphony._demo", "symphony._edit", "symphony.rpc._serve",
                                  "symphony.artifacts._cli", "symphony.dag._cli", "symphony._node_cmd")


def register(name: str, help: str, add_arguments: Callable[[argparse.ArgumentParser], None],
             run: Callable[[argparse.Namespace], int]) -> None:
    """Add a ``symphony <name>`` subcommand."""
    COMMANDS[name] = (help, add_arguments, run)


def _no_arguments(parser: argparse.ArgumentParser) -> None:
    pass


def cmd_info(args: argparse.Namespace) -> int:
    """Print the version, whether the compiled speedups are in use, and the transports found."""
    from . import _speedups, _twins
    from .actors import available_transports, default_threads

    speedups = _speedups.status()
    print(f"symphony {__version__} (Python {sys.version.split()[0]})")
    print(f"speedups: {'compiled' if _speedups.COMPILED else 'pure Python'}"
          + (" (SYMPHONY_PURE_PYTHON is set)" if _speedups.PURE_PYTHON else ""))
    for name, state in speedups.items():
        print(f"  {name}: {state}")
    # The transports' packet sealing is a compiled twin too, chosen in the same place.
    print(f"  transports._sealing: {'compiled' if _twins.is_compiled('transports._sealing') else 'pure'}")
    transports = available_transports()
    print("transports: " + (", ".join(f"{scheme}:// ({target})" for scheme, target in sorted(transports.items()))
                            if transports else "none installed"))
    print(f"default dispatcher threads: {default_threads()}")
    return 0


register("info", "version, compiled or pure speedups, transports found", _no_arguments, cmd_info)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every registered subcommand."""
    for module in _COMMAND_MODULES:
        importlib.import_module(module)
    parser = argparse.ArgumentParser(prog="symphony", description="Symphony: an embeddable actor library.")
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

"""The ``symphony`` command: one module per subcommand in this package.

``info``, ``demo``, ``edit`` (the terminal editor, in ``editor/``), ``serve``, ``node``,
``keygen``, ``artifacts`` and ``dag`` each register themselves in ``_registry`` when
imported; the modules are imported only when the command line is parsed, so
``symphony --version`` stays fast.
"""

from __future__ import annotations

import argparse
import importlib

from symphony._version import __version__

from ._registry import COMMANDS, register

__all__ = ["COMMANDS", "build_parser", "main", "register"]

#: The app modules, in the order their subcommands are listed.
_COMMAND_MODULES: tuple[str, ...] = tuple(
    f"{__name__}.{name}" for name in ("info", "demo", "edit", "serve", "artifacts", "dag", "node", "keygen"))


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

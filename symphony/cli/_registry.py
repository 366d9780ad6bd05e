"""The table of ``symphony`` subcommands, which each app module adds itself to when imported.

Each subcommand is a function ``run(args) -> exit code`` with a function that adds its
arguments; ``symphony.cli`` imports the app modules only when the command line is parsed,
so ``symphony --version`` stays fast.
"""

from __future__ import annotations

import argparse
from typing import Callable

__all__ = ["COMMANDS", "register"]

#: name -> (help, add_arguments(parser), run(args) -> exit code)
COMMANDS: dict[str, tuple[str, Callable[[argparse.ArgumentParser], None], Callable[[argparse.Namespace], int]]] = {}


def register(name: str, help: str, add_arguments: Callable[[argparse.ArgumentParser], None],
             run: Callable[[argparse.Namespace], int]) -> None:
    """Add a ``symphony <name>`` subcommand."""
    COMMANDS[name] = (help, add_arguments, run)

"""``symphony edit FILE``: edit a file in the terminal, through the xi frontend protocol.

The app (``symphony.cli.editor``, on textual) starts ``symphony serve`` and is a plain
client of it. textual is imported only when the command runs.
"""

from __future__ import annotations

import argparse
import sys

from ._registry import register

__all__ = ["cmd_edit"]


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", help="the file to edit (created on save if it does not exist)")


def cmd_edit(args: argparse.Namespace) -> int:
    """Open ``args.file`` in the terminal editor."""
    try:
        from .editor import EditorApp
    except ImportError as exc:  # textual is an optional dependency
        print(f"symphony edit needs textual ({exc}); pip install 'symphony-aide[edit]'", file=sys.stderr)
        return 2
    EditorApp(args.file).run()
    return 0


register("edit", "edit a file in the terminal (a textual frontend of symphony serve)", _arguments, cmd_edit)

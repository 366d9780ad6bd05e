"""``symphony edit FILE``: edit a file in the terminal, through the xi frontend protocol.

The app (``symphony.cli.editor``, on textual) starts ``symphony serve`` and is a plain
client of it. textual is imported only when the command runs. A directory, a file that is
not UTF-8 text, or a file that cannot be read is refused with the reason and exit status 1.
"""

from __future__ import annotations

import argparse
import os
import sys

from ._registry import register
from ._tasks_setup import add_task_arguments

__all__ = ["cmd_edit", "serve_argv", "unopenable"]

#: Bytes read to tell text from binary.
_SNIFF = 64 * 1024


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", help="the file to edit (created on save if it does not exist)")
    tasks = parser.add_argument_group("tasks and extensions", "what Ctrl+P can run (passed to symphony serve)")
    tasks.add_argument("--no-tasks", action="store_true", help="run no conductor and no extensions")
    add_task_arguments(tasks, store_flag="--conductor-store", config_flag="--conductor-config")


def serve_argv(args: argparse.Namespace) -> list[str]:
    """The ``symphony serve`` command line the editor starts, with the task options it was given."""
    argv = [sys.executable, "-m", "symphony", "serve"]
    if args.no_tasks:
        return argv + ["--no-tasks"]
    for flag, value in (("--conductor-store", args.store), ("--models", args.models),
                        ("--conductor-config", args.config), ("--ext-home", args.ext_home)):
        if value is not None:
            argv += [flag, os.path.abspath(value)]
    for directory in args.extensions:
        argv += ["--extensions", os.path.abspath(directory)]
    return argv


def unopenable(path: str) -> str | None:
    """Why the editor cannot open ``path`` (a directory, a binary or unreadable file), or None."""
    if os.path.isdir(path):
        return f"{path} is a directory; give a file to edit"
    if not os.path.exists(path):
        return None  # a new file, created on save
    try:
        with open(path, "rb") as f:
            head = f.read(_SNIFF)
    except OSError as exc:
        return f"cannot read {path}: {exc.strerror or exc}"
    if b"\0" in head:
        return f"{path} is a binary file (it holds NUL bytes); symphony edit edits UTF-8 text"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 3:  # not just a character cut at the end of the sample
            return f"{path} is not UTF-8 text (byte {exc.start}); symphony edit edits UTF-8 text"
    return None


def cmd_edit(args: argparse.Namespace) -> int:
    """Open ``args.file`` in the terminal editor; 1 when it cannot be edited, 2 without textual."""
    reason = unopenable(args.file)
    if reason is not None:
        print(f"symphony edit: {reason}", file=sys.stderr)
        return 1
    try:
        from .editor import EditorApp
    except ImportError as exc:  # textual is an optional dependency
        print(f"symphony edit needs textual ({exc}); pip install 'symphony-aide[edit]'", file=sys.stderr)
        return 2
    app = EditorApp(args.file, serve_argv(args))
    app.run()
    return app.return_code or 0


register("edit", "edit a file in the terminal (a textual frontend of symphony serve)", _arguments, cmd_edit)

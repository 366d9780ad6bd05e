"""Running a plugin as a process: :func:`run` on stdio, and ``python -m symphony.plugins.sdk
MODULE:CLASS`` (:func:`main`), which the host uses for Python plugins."""

from __future__ import annotations

import importlib
import logging
import os
import sys
from collections.abc import Sequence

from ._host import PluginLoop
from ._plugin import Plugin
from ._stdio import StoppableReader

__all__ = ["load_plugin", "main", "run"]

PROG = "python -m symphony.plugins.sdk"


def run(plugin: Plugin) -> None:
    """Serve ``plugin`` on stdin/stdout until the core says ``shutdown`` or closes stdin.

    The protocol keeps the real stdout; ``print`` (and anything else written to file
    descriptor 1) goes to stderr instead, so it cannot corrupt the JSON stream. Log records
    of level WARNING and up go to stderr too, unless logging is configured already.
    """
    if not logging.getLogger().handlers:
        logging.basicConfig(stream=sys.stderr, level=logging.WARNING, format="%(name)s: %(message)s")
    sys.stdout.flush()
    wire = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    reader = StoppableReader(sys.stdin.fileno())
    loop = PluginLoop(plugin, reader, wire)  # type: ignore[arg-type]  # a reader needs only readline
    try:
        loop.run()
    finally:
        reader.stop()  # after a shutdown, the peer's thread may still wait for input
        loop.peer.join(10)
        reader.close()
        wire.close()


class SpecError(Exception):
    """A ``MODULE:CLASS`` that names no plugin class."""


def load_plugin(spec: str) -> type[Plugin]:
    """The :class:`Plugin` subclass ``spec`` (``"package.module:Class"``) names; SpecError if none."""
    module_name, sep, attr = spec.partition(":")
    if not sep or not module_name or not attr:
        raise SpecError(f"expected MODULE:CLASS (such as mypackage.plugin:MyPlugin), got {spec!r}")
    try:
        module = importlib.import_module(module_name)
    except Exception as exc:  # noqa: BLE001 - any failure to import is the spec's problem
        raise SpecError(f"cannot import module {module_name!r}: {type(exc).__name__}: {exc}") from None
    obj: object = module
    for part in attr.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise SpecError(f"module {module_name!r} has no {attr!r}") from None
    if not (isinstance(obj, type) and issubclass(obj, Plugin)):
        raise SpecError(f"{spec} is not a subclass of symphony.plugins.sdk.Plugin")
    return obj


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m symphony.plugins.sdk MODULE:CLASS``: serve a new ``CLASS()`` on stdio.

    Exit status 0 after ``shutdown`` or the end of input, 2 for a bad spec (one line on
    stderr says why), 1 if the class cannot be instantiated.
    """
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) == 1 and args[0] in ("-h", "--help"):
        print(f"usage: {PROG} MODULE:CLASS\n\nServe a symphony.plugins.sdk.Plugin subclass on stdin/stdout "
              "(xi-editor's plugin protocol).")
        return 0
    if len(args) != 1:
        print(f"{PROG}: expected one argument MODULE:CLASS, got {len(args)}", file=sys.stderr)
        return 2
    try:
        cls = load_plugin(args[0])
    except SpecError as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return 2
    try:
        plugin = cls()
    except Exception as exc:  # noqa: BLE001 - report the plugin's failure in one line
        print(f"{PROG}: cannot create {args[0]}: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    run(plugin)
    return 0

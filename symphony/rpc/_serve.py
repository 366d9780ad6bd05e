"""Serving the xi frontend protocol on a pair of streams: the core a frontend talks to.

``serve_connection`` serves one frontend on any binary reader/writer (a socket, a pipe);
``serve_stdio`` serves this process's stdin/stdout, with ``sys.stdout`` pointed at stderr
so a stray ``print`` cannot corrupt the stream. ``symphony serve`` (``symphony.cli.serve``)
runs them.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from ..actors import Node
from ._core import XiCore
from ._peer import Peer
from ._plugin_hooks import PluginHooks
from ._syntax import Syntax
from ._task_hooks import TaskHooks

__all__ = ["serve_connection", "serve_stdio"]


def serve_connection(reader, writer, node: Node | None = None,  # type: ignore[no-untyped-def]
                     plugins: Callable[[Node], PluginHooks] | None = None, syntax: Syntax | None = None,
                   tasks: TaskHooks | None = None) -> None:
    """Serve one frontend over ``reader``/``writer`` (binary streams) until end of input;
    ``plugins(node)`` makes the plugin host (None: no plugins); ``syntax`` gives the
    languages and themes (None: plain text); ``tasks`` runs the frontend's tasks and
    extension commands (None: none; the caller closes them after)."""
    core = XiCore(node=node, plugins=plugins, syntax=syntax, tasks=tasks)
    peer = Peer(reader, writer, core, name="xi")
    core.attach(peer)
    try:
        peer.serve()
    finally:
        core.close()
        peer.close()


def serve_stdio(plugins: Callable[[Node], PluginHooks] | None = None, syntax: Syntax | None = None,
                tasks: TaskHooks | None = None) -> int:
    """Serve the frontend on this process's stdin/stdout (``plugins``, ``syntax`` and ``tasks``
    as for ``serve_connection``)."""
    # A background step (wrapping) holding the GIL must not make the reader thread wait
    # the default 5 ms switch interval for a keystroke (measured in a 10MB line wrapped at
    # 80 while its background pass runs: keystroke p99 about 1.3 ms at 0.5 ms, 0.6-0.8 ms at
    # 0.1 ms). It costs nothing while only one thread wants the interpreter.
    sys.setswitchinterval(0.0001)
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr
    serve_connection(stdin, stdout, plugins=plugins, syntax=syntax, tasks=tasks)
    return 0

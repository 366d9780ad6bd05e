"""``symphony serve``: the core process a frontend starts (xi-core's role).

Speaks the xi frontend protocol (JSON-RPC, one JSON value per line) on stdin/stdout by
default. With ``--listen URI`` (``tcp://HOST:PORT``, ``unix:///PATH``, repeatable) it is a
node instead, reached through Symphony's own transports, so a remote frontend gets the
node's authentication (``--secret-file``), encryption (``--curve-key-file``), replay
protection and frame limits: frontends connect with ``symphony.rpc.connect(address,
secret=...)``, each session with its own views, all sharing one node. A non-loopback tcp
address needs a secret unless ``--insecure``. It prints ``listening on ADDRESS`` on stdout
(flushed) per bound address, the real port for port 0, and serves until SIGTERM or SIGINT,
then closes every session and removes its socket files. Logging goes to stderr.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable

from symphony.actors import Node
from symphony.plugins import BundledSyntax, PluginHost
from symphony.rpc import serve_stdio

from ._listen import add_listen_arguments, start_node
from ._registry import register
from ._tasks_setup import add_task_arguments, serve_task_hooks

__all__ = ["add_core_arguments", "cmd_serve", "core_plugins"]


def _listen(args: argparse.Namespace) -> int:
    from symphony.rpc import XiServer

    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    node = start_node(args, "symphony-serve")
    tasks = serve_task_hooks(args)
    server = XiServer(node, syntax=BundledSyntax(), tasks=tasks)
    try:
        for address in node.addresses:
            print(f"listening on {address}", flush=True)
        while not stop.wait(0.5):
            pass
    finally:
        server.close()
        if tasks is not None:
            tasks.close()
        node.stop()
    return 0


def add_core_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of the core a frontend talks to (its plugins, tasks and extensions): those of
    ``symphony serve``, taken by ``symphony web`` too."""
    parser.add_argument("--plugin-dir", action="append", default=[], metavar="DIR",
                        help="a directory of plugins (NAME/manifest.toml) besides the user's data dir and the "
                             "frontend's config dir (repeatable; stdio mode)")
    parser.add_argument("--no-plugins", action="store_true", help="run no plugins at all")
    parser.add_argument("--no-bundled-plugins", action="store_true",
                        help="run none of the plugins installed as Python packages (the bundled highlighter and "
                             "language server plugin among them), only those of the plugin directories; nor "
                             "the extensions Python packages register")
    tasks = parser.add_argument_group(
        "tasks and extensions", "the conductor's tasks and the extensions' commands, run from the frontend "
                                "(built in the background once the core has started)")
    tasks.add_argument("--no-tasks", action="store_true", help="run no conductor and no extensions")
    add_task_arguments(tasks, store_flag="--conductor-store", config_flag="--conductor-config")


def core_plugins(args: argparse.Namespace, syntax: BundledSyntax) -> Callable[[Node], PluginHost] | None:
    """What makes the core's plugin host, from :func:`add_core_arguments`' options (None: no plugins)."""
    if args.no_plugins:
        return None
    plugin_dirs = [os.path.abspath(d) for d in args.plugin_dir]
    bundled = not args.no_bundled_plugins
    return lambda node: PluginHost(node, plugin_dirs=plugin_dirs, entry_points=bundled,
                                   detect_language=syntax.detect_language)


def _arguments(parser: argparse.ArgumentParser) -> None:
    add_listen_arguments(parser, required=False, prefix="serve remote frontends through Symphony's "
                                                         "transports instead of stdio: ")
    parser.add_argument("--log-level", default="WARNING", help="logging level (to stderr)")
    add_core_arguments(parser)


def cmd_serve(args: argparse.Namespace) -> int:
    """Run the editor core for a frontend."""
    logging.basicConfig(level=args.log_level.upper(), stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if args.listen:
        return _listen(args)
    syntax = BundledSyntax()
    tasks = serve_task_hooks(args)
    try:
        return serve_stdio(plugins=core_plugins(args, syntax), syntax=syntax, tasks=tasks)
    finally:
        if tasks is not None:
            tasks.close()


register("serve", "the editor core a frontend starts: xi frontend protocol on stdio (or --listen URI "
                  "for remote frontends)", _arguments, cmd_serve)

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

from symphony.plugins import BundledSyntax, PluginHost
from symphony.rpc import serve_stdio

from ._listen import add_listen_arguments, start_node
from ._registry import register

__all__ = ["cmd_serve"]

def _listen(args: argparse.Namespace) -> int:
    from symphony.rpc import XiServer

    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    node = start_node(args, "symphony-serve")
    server = XiServer(node, syntax=BundledSyntax())
    try:
        for address in node.addresses:
            print(f"listening on {address}", flush=True)
        while not stop.wait(0.5):
            pass
    finally:
        server.close()
        node.stop()
    return 0


def _arguments(parser: argparse.ArgumentParser) -> None:
    add_listen_arguments(parser, required=False, prefix="serve remote frontends through Symphony's "
                                                         "transports instead of stdio: ")
    parser.add_argument("--log-level", default="WARNING", help="logging level (to stderr)")
    parser.add_argument("--plugin-dir", action="append", default=[], metavar="DIR",
                        help="a directory of plugins (NAME/manifest.toml) besides the user's data dir and the "
                             "frontend's config dir (repeatable; stdio mode)")
    parser.add_argument("--no-plugins", action="store_true", help="run no plugins at all")
    parser.add_argument("--no-bundled-plugins", action="store_true",
                        help="run none of the plugins installed as Python packages (the bundled highlighter and "
                             "language server plugin among them), only those of the plugin directories")


def cmd_serve(args: argparse.Namespace) -> int:
    """Run the editor core for a frontend."""
    logging.basicConfig(level=args.log_level.upper(), stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if args.listen:
        return _listen(args)
    syntax = BundledSyntax()
    if args.no_plugins:
        return serve_stdio(syntax=syntax)
    plugin_dirs = [os.path.abspath(d) for d in args.plugin_dir]
    bundled = not args.no_bundled_plugins
    return serve_stdio(plugins=lambda node: PluginHost(node, plugin_dirs=plugin_dirs, entry_points=bundled,
                                                       detect_language=syntax.detect_language), syntax=syntax)


register("serve", "the editor core a frontend starts: xi frontend protocol on stdio (or --listen URI "
                  "for remote frontends)", _arguments, cmd_serve)

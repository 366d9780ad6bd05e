"""``symphony web [FILE|DIR]``: the editor in a browser page, over the xi frontend protocol.

Serves the page and its WebSocket on 127.0.0.1 (a free port unless ``--port``), prints the
page's address with the token, and opens the default browser when there is one. The core runs
in this process (with the plugins, tasks and extensions ``symphony serve`` would run), or is
a ``symphony serve --listen`` elsewhere with ``--connect``. ``--listen HOST`` serves another
interface, with a warning: anyone who can reach it and has the token drives the editor.
Stops on SIGINT or SIGTERM. aiohttp (the ``web`` extra) is imported when the command runs.
"""

from __future__ import annotations

import argparse
import ipaddress
import logging
import os
import signal
import sys
import threading
import webbrowser
from typing import Any

from symphony.errors import CommandError

from ._listen import read_secret
from ._registry import register
from ._tasks_setup import serve_task_hooks
from .serve import add_core_arguments, core_plugins

__all__ = ["cmd_web", "opened_paths"]

#: The environment variable that gives the token (so a restarted server keeps its pages).
TOKEN_ENV = "SYMPHONY_WEB_TOKEN"


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", metavar="FILE|DIR",
                        help="files to open (created on save if missing), or one directory to browse "
                             "(default: the current directory)")
    parser.add_argument("--port", type=int, default=0, help="the port (default: a free one)")
    parser.add_argument("--no-open", action="store_true", help="print the address, do not open a browser")
    parser.add_argument("--listen", metavar="HOST", default=None,
                        help="serve on HOST instead of 127.0.0.1 (anyone reaching it with the token can edit "
                             "your files)")
    parser.add_argument("--allow-host", metavar="NAME", action="append", default=[],
                        help="a name the server may also be reached as (a Host and Origin allowed besides "
                             "loopback; repeatable)")
    parser.add_argument("--token", default=None,
                        help=f"the token (default: ${TOKEN_ENV}, else a fresh random one); giving the same "
                             "one to a restarted server lets its pages reconnect")
    parser.add_argument("--connect", metavar="ADDRESS", default=None,
                        help="use the core of 'symphony serve --listen ADDRESS' instead of one in this process")
    parser.add_argument("--secret-file", metavar="F", help="with --connect: the serve node's shared secret")
    parser.add_argument("--log-level", default="WARNING", help="logging level (to stderr)")
    add_core_arguments(parser)


def opened_paths(paths: list[str]) -> tuple[str | None, list[str]]:
    """(the directory the file tree shows, the files to open) for the command's arguments:
    one directory browses it, files open them (their common directory is the tree's root)."""
    if not paths:
        return os.getcwd(), []
    absolute = [os.path.abspath(p) for p in paths]
    dirs = [p for p in absolute if os.path.isdir(p)]
    if dirs:
        if len(absolute) > 1:
            raise CommandError("give one directory, or files to open, not both")
        return dirs[0], []
    for path in absolute:
        if not os.path.isdir(os.path.dirname(path)):
            raise CommandError(f"{path}: its directory does not exist")
    return None, absolute


def _check_host(host: str) -> str:
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host
    if not address.is_loopback:
        print(f"symphony web: WARNING: serving on {host}, not only this machine: anyone who can reach it "
              "and has the token can read and change your files", file=sys.stderr)
    return host


def _make_core(args: argparse.Namespace, tasks: Any) -> Any:
    """What makes the bridge's core: in this process, or the serve node of ``--connect``."""
    from symphony.web import RemoteSide

    if args.connect:
        secret = read_secret(args.secret_file)
        return lambda send: RemoteSide(args.connect, send, secret=secret)
    from symphony.plugins import BundledSyntax
    from symphony.rpc import XiCore

    syntax = BundledSyntax()
    plugins = core_plugins(args, syntax)
    return lambda send: XiCore(send, plugins=plugins, syntax=syntax, tasks=tasks)


def cmd_web(args: argparse.Namespace) -> int:
    """Serve the editor to a browser until interrupted; 2 without aiohttp."""
    logging.basicConfig(level=args.log_level.upper(), stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        import aiohttp  # noqa: F401
    except ImportError as exc:
        print(f"symphony web needs aiohttp ({exc}); pip install 'symphony-aide[web]'", file=sys.stderr)
        return 2
    from symphony.web import WebBridge, WebServer

    root, files = opened_paths(args.paths)
    host = _check_host(args.listen) if args.listen else "127.0.0.1"
    token = args.token or os.environ.get(TOKEN_ENV) or None
    sys.setswitchinterval(0.0001)  # as symphony serve: a keystroke never waits on a busy thread
    tasks = None if args.connect else serve_task_hooks(args)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    bridge = WebBridge(_make_core(args, tasks), root=root, files=files)
    try:
        try:
            server = WebServer(bridge, host=host, port=args.port, token=token, allow_hosts=args.allow_host)
        except OSError as exc:
            raise CommandError(f"cannot listen on {host}:{args.port}: {exc.strerror or exc}") from None
        url = server.start()
        print(f"symphony web: serving {root or ', '.join(files)} at {url}", flush=True)
        if not args.no_open:
            _open_browser(url)
        try:
            while not stop.wait(0.5):
                pass
        finally:
            server.stop()
    finally:
        bridge.close()
        if tasks is not None:
            tasks.close()
    return 0


def _open_browser(url: str) -> None:
    try:
        browser = webbrowser.get()
    except webbrowser.Error:
        print("symphony web: no browser found here; open the address above in one", file=sys.stderr)
        return
    threading.Thread(target=browser.open, args=(url,), daemon=True).start()


register("web", "the editor in a browser: serves a page and a WebSocket on loopback (xi frontend protocol)",
         _arguments, cmd_web)

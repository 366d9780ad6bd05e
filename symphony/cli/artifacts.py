"""``symphony artifacts init|put|get|ls|search|verify|gc PATH ...``.

Only ``init`` and ``put`` create a store; the other actions, given a path where there is
no store, say so and change nothing (a typo must not leave an empty store behind).
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from typing import Any

from symphony.errors import CommandError

from ._args import positive_int
from ._registry import register

__all__: list[str] = []

_HEX = re.compile(r"^[0-9a-f]{32}$")

#: The file every store has at its root (written when the store is created).
_STORE_MARK = "store.json"

_PATH_HELP = "the store directory"


def _add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    init = sub.add_parser("init", help="create an empty store (an existing one is kept as it is)")
    init.add_argument("path", help="the store directory to create")
    init.add_argument("--shards", type=positive_int, default=None,
                      help="number of LMDB shards (default: the store's default; fixed once created)")
    put = sub.add_parser("put", help="store files (or '-' for stdin), creating the store if needed; "
                                     "prints each digest")
    put.add_argument("path", help=_PATH_HELP + " (created if it does not exist)")
    put.add_argument("files", nargs="+", help="files to store, '-' for stdin")
    put.add_argument("--name", help="append a version of this name")
    put.add_argument("--meta", action="append", default=[], metavar="KEY=VALUE", help="metadata (repeatable)")
    get = sub.add_parser("get", help="write an artifact (by digest or name) to stdout or a file")
    get.add_argument("path", help=_PATH_HELP)
    get.add_argument("ref", help="a digest, or a name (its latest version)")
    get.add_argument("-o", "--output", help="file to write instead of stdout")
    ls = sub.add_parser("ls", help="list names with their version count and latest digest")
    ls.add_argument("path", help=_PATH_HELP)
    ls.add_argument("prefix", nargs="?", default="", help="list only names starting with this")
    search = sub.add_parser("search", help="full-text search over names, metadata and text")
    search.add_argument("path", help=_PATH_HELP)
    search.add_argument("query", help="words that must all match")
    search.add_argument("--limit", type=positive_int, default=10, help="most hits to print (default 10)")
    verify = sub.add_parser("verify", help="check every artifact against its digest; exit 1 if any is damaged")
    verify.add_argument("path", help=_PATH_HELP)
    gc = sub.add_parser("gc", help="remove what nothing references (names, tags, pins and their ancestors stay)")
    gc.add_argument("path", help=_PATH_HELP)
    gc.add_argument("--grace", type=float, default=3600.0, help="keep anything younger than this (seconds)")


def _run(args: argparse.Namespace) -> int:
    from symphony.artifacts import ArtifactStore

    exists = os.path.isfile(os.path.join(args.path, _STORE_MARK))
    if args.action == "init":
        if exists:
            with ArtifactStore(args.path) as store:
                print(f"a store is already at {args.path} ({store.shards} shards); kept as it is")
            return 0
        options = {} if args.shards is None else {"shards": args.shards}
        with ArtifactStore(args.path, **options) as store:
            print(f"created a store at {args.path} ({store.shards} shards)")
        return 0
    if args.action == "put":  # checked before the store is created or anything is stored
        args.metadata = _metadata(args.meta)
        _check_readable(args.files)
    elif not exists:
        raise CommandError(f"no store at {args.path} (create one with 'symphony artifacts init PATH' or put)")
    with ArtifactStore(args.path) as store:
        return _ACTIONS[args.action](store, args)


def _check_readable(files: list[str]) -> None:
    """Raise the ``OSError`` (naming the file) of the first file that cannot be read."""
    for name in files:
        if name != "-":
            open(name, "rb").close()  # a directory raises IsADirectoryError


def _metadata(items: list[str]) -> dict[str, str] | None:
    metadata = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep:
            raise CommandError(f"--meta needs KEY=VALUE, got {item!r}")
        metadata[key] = value
    return metadata or None


def _put(store: Any, args: argparse.Namespace) -> int:
    for name in args.files:
        if name == "-":
            digest = store.put(sys.stdin.buffer, name=args.name, metadata=args.metadata)
        else:
            with open(name, "rb") as fh:
                digest = store.put(fh, name=args.name, metadata=args.metadata)
        print(digest)
    return 0


def _get(store: Any, args: argparse.Namespace) -> int:
    digest = args.ref if _HEX.match(args.ref) and store.has(args.ref) else store.latest(args.ref)
    out = open(args.output, "wb") if args.output else sys.stdout.buffer
    try:
        for piece in store.open(digest):
            out.write(piece)
    finally:
        if args.output:
            out.close()
        else:
            out.flush()
    return 0


def _ls(store: Any, args: argparse.Namespace) -> int:
    for name in store.names(args.prefix):
        versions = store.versions(name)
        print(f"{name}\t{len(versions)}\t{versions[-1].digest}")
    return 0


def _search(store: Any, args: argparse.Namespace) -> int:
    for hit in store.search(args.query, args.limit):
        print(f"{hit.digest}\t{hit.name or '-'}\t{hit.score:.4g}\t{hit.snippet}")
    return 0


def _verify(store: Any, args: argparse.Namespace) -> int:
    bad = store.verify()
    for digest in bad:
        print(f"DAMAGED {digest}")
    print(f"{len(store)} artifacts checked, {len(bad)} damaged")
    return 1 if bad else 0


def _gc(store: Any, args: argparse.Namespace) -> int:
    report = store.gc(grace=args.grace)
    print(f"removed {len(report.artifacts)} artifacts and {report.chunks} chunks, {report.bytes_freed} bytes freed")
    return 0


_ACTIONS = {"put": _put, "get": _get, "ls": _ls, "search": _search, "verify": _verify, "gc": _gc}

register("artifacts", "the artifact store: init, put, get, ls, search, verify, gc", _add_arguments, _run)

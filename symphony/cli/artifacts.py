"""``symphony artifacts put|get|ls|search|verify|gc PATH ...``."""

from __future__ import annotations

import argparse
import re
import sys

from ._registry import register
from symphony.errors import SymphonyError

__all__: list[str] = []

_HEX = re.compile(r"^[0-9a-f]{32}$")


def _add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    put = sub.add_parser("put", help="store files (or '-' for stdin); prints each digest")
    put.add_argument("path", help="the store directory")
    put.add_argument("files", nargs="+", help="files to store, '-' for stdin")
    put.add_argument("--name", help="append a version of this name")
    put.add_argument("--meta", action="append", default=[], metavar="KEY=VALUE", help="metadata (repeatable)")
    get = sub.add_parser("get", help="write an artifact (by digest or name) to stdout or a file")
    get.add_argument("path")
    get.add_argument("ref", help="a digest, or a name (its latest version)")
    get.add_argument("-o", "--output", help="file to write instead of stdout")
    ls = sub.add_parser("ls", help="list names with their version count and latest digest")
    ls.add_argument("path")
    ls.add_argument("prefix", nargs="?", default="")
    search = sub.add_parser("search", help="full-text search over names, metadata and text")
    search.add_argument("path")
    search.add_argument("query")
    search.add_argument("--limit", type=int, default=10)
    verify = sub.add_parser("verify", help="check every artifact against its digest; exit 1 if any is damaged")
    verify.add_argument("path")
    gc = sub.add_parser("gc", help="remove what nothing references (names, tags, pins and their ancestors stay)")
    gc.add_argument("path")
    gc.add_argument("--grace", type=float, default=3600.0, help="keep anything younger than this (seconds)")


def _run(args: argparse.Namespace) -> int:
    from symphony.artifacts import ArtifactStore

    try:
        with ArtifactStore(args.path) as store:
            return _ACTIONS[args.action](store, args)
    except SymphonyError as exc:
        print(f"symphony artifacts: {exc}", file=sys.stderr)
        return 1


def _put(store, args: argparse.Namespace) -> int:  # type: ignore[no-untyped-def]
    metadata = {}
    for item in args.meta:
        key, sep, value = item.partition("=")
        if not sep:
            print(f"symphony artifacts: --meta needs KEY=VALUE, got {item!r}", file=sys.stderr)
            return 2
        metadata[key] = value
    for name in args.files:
        if name == "-":
            digest = store.put(sys.stdin.buffer, name=args.name, metadata=metadata or None)
        else:
            with open(name, "rb") as fh:
                digest = store.put(fh, name=args.name, metadata=metadata or None)
        print(digest)
    return 0


def _get(store, args: argparse.Namespace) -> int:  # type: ignore[no-untyped-def]
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


def _ls(store, args: argparse.Namespace) -> int:  # type: ignore[no-untyped-def]
    for name in store.names(args.prefix):
        versions = store.versions(name)
        print(f"{name}\t{len(versions)}\t{versions[-1].digest}")
    return 0


def _search(store, args: argparse.Namespace) -> int:  # type: ignore[no-untyped-def]
    for hit in store.search(args.query, args.limit):
        print(f"{hit.digest}\t{hit.name or '-'}\t{hit.score:.4g}\t{hit.snippet}")
    return 0


def _verify(store, args: argparse.Namespace) -> int:  # type: ignore[no-untyped-def]
    bad = store.verify()
    for digest in bad:
        print(f"DAMAGED {digest}")
    print(f"{len(store)} artifacts checked, {len(bad)} damaged")
    return 1 if bad else 0


def _gc(store, args: argparse.Namespace) -> int:  # type: ignore[no-untyped-def]
    report = store.gc(grace=args.grace)
    print(f"removed {len(report.artifacts)} artifacts and {report.chunks} chunks, {report.bytes_freed} bytes freed")
    return 0


_ACTIONS = {"put": _put, "get": _get, "ls": _ls, "search": _search, "verify": _verify, "gc": _gc}

register("artifacts", "the artifact store: put, get, ls, search, verify, gc", _add_arguments, _run)

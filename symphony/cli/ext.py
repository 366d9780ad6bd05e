"""``symphony ext list|info ID|enable ID|disable ID|install PATH|uninstall ID``: the extension host.

Every action works on the host's home (``--home DIR``, default ``$SYMPHONY_HOME`` or
``~/.config/symphony``): ``state.json`` (which extensions are enabled) and the copies
``install`` makes in ``HOME/extensions/ID``. Extensions also come from the installed
distributions' entry points (``--no-entry-points`` leaves them out) and from extension
directories (``--dir DIR``, repeatable). ``list`` and ``info`` print a table or key/value
lines, or JSON with ``--json``. An unknown id, a bad manifest or an extension API this host
does not provide is one line on stderr and exit status 2; nothing is changed.
"""

from __future__ import annotations

import argparse
import json
import os
from typing import Any

from symphony.errors import CommandError, ExtensionApiMismatch, ExtensionNotFound

from ._registry import register

__all__: list[str] = []


def _add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    for action, text in (("list", "every extension with its kind and state (and what was refused)"),
                         ("info", "one extension: its manifest, state and counts"),
                         ("enable", "enable an extension (remembered in HOME/state.json)"),
                         ("disable", "disable an extension (remembered in HOME/state.json)"),
                         ("install", "install an extension directory (with its extension.toml) into HOME"),
                         ("uninstall", "remove an extension that 'install' added")):
        sub = actions.add_parser(action, help=text, description=text)
        if action == "install":
            sub.add_argument("path", help="the extension's directory")
        elif action != "list":
            sub.add_argument("id", help="the extension's id, e.g. symphony.word-stats")
        if action in ("list", "info"):
            sub.add_argument("--json", action="store_true", help="print JSON")
        sub.add_argument("--home", metavar="DIR", default=None,
                         help="the host's home (default: $SYMPHONY_HOME or ~/.config/symphony)")
        sub.add_argument("--dir", metavar="DIR", action="append", default=[], dest="dirs",
                         help="also read extensions from this directory (repeatable)")
        sub.add_argument("--no-entry-points", action="store_true",
                         help="leave out extensions registered by installed packages")


def _table(rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows)


def _capabilities(manifest: Any) -> list[tuple[str, str]]:
    section = manifest.section()
    if manifest.kind == "instrument":
        return [("tasks", ", ".join(section["tasks"])), ("inputs", _signature(section["inputs"])),
                ("outputs", _signature(section["outputs"])), ("cost", f"{section['cost']:g}")]
    if manifest.kind == "operator":
        return [("operator", section["name"]), ("inputs", _signature(section["inputs"])),
                ("output", section["output"])]
    lines = []
    for key, items in section.items():
        if items:
            lines.append((key.replace("_", " "), ", ".join(i.get("id") or i.get("command", "") for i in items)))
    return lines


def _signature(declared: dict[str, str]) -> str:
    return ", ".join(f"{k}: {v}" for k, v in declared.items()) or "-"


def _info_lines(info: Any) -> str:
    m = info.manifest
    rows = [("id", m.id), ("name", m.name), ("version", m.version), ("kind", m.kind), ("state", info.state.value)]
    if info.reason:
        rows.append(("reason", info.reason))
    rows += [("source", f"{m.source} ({m.root})"), ("api", m.api),
             ("runs", f"in process: {m.entry}" if m.entry else "out of process: " + " ".join(m.exec or ())),
             ("activation", ", ".join(m.activation) or "-"), ("permissions", ", ".join(sorted(m.permissions)) or "-")]
    rows += _capabilities(m)
    rows += [("activations", str(info.activations)), ("calls", str(info.calls)), ("errors", str(info.errors))]
    if m.description:
        rows.append(("description", m.description))
    width = max(len(k) for k, _ in rows)
    return "\n".join(f"{k + ':':<{width + 1}} {v}" for k, v in rows)


def _run(args: argparse.Namespace) -> int:
    from symphony.actors import Node
    from symphony.extensions import ExtensionManager, default_home

    home = os.path.expanduser(args.home) if args.home else default_home()
    for d in args.dirs:
        if not os.path.isdir(d):
            raise CommandError(f"--dir {d}: no such directory")
    if args.action == "install" and not os.path.isfile(os.path.join(args.path, "extension.toml")):
        raise CommandError(f"{args.path}: not an extension directory (no extension.toml in it)")
    node = Node("symphony-ext-cli")
    try:
        manager = ExtensionManager(node, home=home, dirs=args.dirs, entry_points=not args.no_entry_points)
        try:
            return _act(manager, args)
        except ExtensionNotFound as exc:
            raise CommandError(str(exc)) from None
        except ExtensionApiMismatch as exc:
            raise CommandError(str(exc)) from None
        finally:
            manager.close()
    finally:
        node.stop()


def _act(manager: Any, args: argparse.Namespace) -> int:
    action = args.action
    if action == "list":
        infos = manager.list()
        if args.json:
            print(json.dumps({"extensions": [i.to_json() for i in infos],
                              "refused": [str(e) for e in manager.errors]}, indent=1))
            return 0
        if infos:
            rows = [["ID", "VERSION", "KIND", "STATE", "SOURCE", "NAME"]]
            rows += [[i.id, i.manifest.version, i.manifest.kind, i.state.value, i.manifest.source, i.manifest.name]
                     for i in infos]
            print(_table(rows))
        else:
            print("no extensions")
        for error in manager.errors:
            print(f"refused: {' '.join(str(error).split())}")
    elif action == "info":
        info = manager.info(args.id)
        print(json.dumps(info.to_json(), indent=1) if args.json else _info_lines(info))
    elif action == "enable":
        manager.enable(args.id)
        print(f"{args.id}: {manager.info(args.id).state.value}")
    elif action == "disable":
        manager.disable(args.id)
        print(f"{args.id}: {manager.info(args.id).state.value}")
    elif action == "install":
        manifest = manager.install(args.path)
        print(f"installed {manifest.id} {manifest.version} into {manifest.root} "
              f"({manager.info(manifest.id).state.value})")
    elif action == "uninstall":
        manager.uninstall(args.id)
        print(f"uninstalled {args.id}")
    return 0


register("ext", "extensions: list, inspect, enable, disable, install, uninstall", _add_arguments, _run)

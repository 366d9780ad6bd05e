"""A plugin's declaration: xi's ``manifest.toml`` (``PluginDescription`` in xi-core's ``manifest.rs``).

```toml
name = "syntect"
version = "0.1.0"
exec_path = "./bin/plugin"          # relative to the plugin's directory (xi resolves "./" the same way)
scope = "global"                    # global | buffer_local | single_invocation (default global)
activations = ["autorun", {on_syntax = "Python"}, "on_command"]   # default: none (started on request)
[[commands]]                        # shown to the frontend with update_cmds
title = "Sort"
description = "Sort lines"
rpc_cmd = {method = "sort", params = {}, rpc_type = "notification"}
args = [{title = "Reverse", description = "", key = "rev", arg_type = "Bool"}]
[[languages]]
name = "Python"
extensions = ["py"]
```

Invariants: :func:`parse_manifest` returns a :class:`Manifest` whose fields have the types
named here, or raises :class:`~symphony.errors.ManifestError` saying which field is wrong;
an ``exec_path`` must stay inside the plugin's directory.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

import tomllib

from ..errors import ManifestError

__all__ = ["SCOPES", "Manifest", "parse_manifest", "read_manifest"]

#: xi's ``PluginScope`` values.
SCOPES = ("global", "buffer_local", "single_invocation")
_ARG_TYPES = ("Number", "Int", "PosInt", "Bool", "String", "Choice")


@dataclass(frozen=True)
class Manifest:
    """One plugin as declared: how to run it, when, and what it offers.

    ``argv`` is the command line (``[exec_path]`` for a manifest; ``python -m
    symphony.plugins.sdk module:Class`` for an entry point). ``first_screen`` is the
    ``module:Class`` whose :meth:`~symphony.plugins.sdk.Plugin.first_screen` the core runs
    itself while the plugin starts (None: nothing). ``on_syntax`` holds the
    languages whose buffers start it; ``commands`` and ``languages`` are kept in xi's wire form.
    """

    name: str
    version: str
    argv: tuple[str, ...]
    scope: str = "global"
    autorun: bool = False
    on_syntax: tuple[str, ...] = ()
    on_command: bool = False
    commands: tuple[dict[str, Any], ...] = ()
    languages: tuple[dict[str, Any], ...] = ()
    directory: str | None = None
    env: dict[str, str] = field(default_factory=dict)
    first_screen: str | None = None

    def activates_for(self, language: str) -> bool:
        """Whether a buffer in ``language`` starts this plugin by itself."""
        return self.autorun or language in self.on_syntax


def _string(data: dict[str, Any], key: str, where: str, default: str | None = None) -> str:
    value = data.get(key, default)
    if not isinstance(value, str) or not value:
        raise ManifestError(f"{where}: '{key}' must be a non-empty string, not {value!r}")
    return value


def _command(raw: Any, where: str) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise ManifestError(f"{where}: a command must be a table")
    title = _string(raw, "title", where)
    description = raw.get("description", "")
    if not isinstance(description, str):
        raise ManifestError(f"{where}: command {title!r}: 'description' must be a string")
    rpc = raw.get("rpc_cmd")
    if not isinstance(rpc, dict) or not isinstance(rpc.get("method"), str):
        raise ManifestError(f"{where}: command {title!r}: 'rpc_cmd' must be a table with a 'method'")
    rpc_type = rpc.get("rpc_type", "notification")
    if rpc_type not in ("notification", "request"):
        raise ManifestError(f"{where}: command {title!r}: rpc_type must be notification or request")
    args = raw.get("args", [])
    if not isinstance(args, list):
        raise ManifestError(f"{where}: command {title!r}: 'args' must be a list")
    checked = []
    for arg in args:
        if not isinstance(arg, dict):
            raise ManifestError(f"{where}: command {title!r}: each arg must be a table")
        _string(arg, "key", f"{where}: command {title!r}")
        if arg.get("arg_type") not in _ARG_TYPES:
            raise ManifestError(f"{where}: command {title!r}: arg_type must be one of {', '.join(_ARG_TYPES)}")
        if arg["arg_type"] == "Choice" and not isinstance(arg.get("options"), list):
            raise ManifestError(f"{where}: command {title!r}: a Choice arg needs 'options'")
        checked.append({"title": arg.get("title", arg["key"]), "description": arg.get("description", ""), **arg})
    return {"title": title, "description": description,
            "rpc_cmd": {"method": rpc["method"], "params": rpc.get("params", {}), "rpc_type": rpc_type},
            "args": checked}


def parse_manifest(data: Any, directory: str, where: str = "manifest.toml") -> Manifest:
    """The :class:`Manifest` that the parsed TOML table ``data`` declares for the plugin in ``directory``."""
    if not isinstance(data, dict):
        raise ManifestError(f"{where}: expected a table")
    name = _string(data, "name", where)
    version = _string(data, "version", where, "0.0.0")
    exec_path = _string(data, "exec_path", where)
    root = os.path.realpath(directory)
    full = os.path.realpath(os.path.join(root, exec_path))
    if os.path.commonpath([root, full]) != root:
        raise ManifestError(f"{where}: exec_path {exec_path!r} is outside the plugin's directory")
    scope = data.get("scope", "global")
    if scope not in SCOPES:
        raise ManifestError(f"{where}: scope must be one of {', '.join(SCOPES)}, not {scope!r}")
    activations = data.get("activations", [])
    if not isinstance(activations, list):
        raise ManifestError(f"{where}: 'activations' must be a list")
    autorun = on_command = False
    on_syntax: list[str] = []
    for act in activations:
        if act == "autorun":
            autorun = True
        elif act == "on_command":
            on_command = True
        elif isinstance(act, dict) and list(act) == ["on_syntax"] and isinstance(act["on_syntax"], str):
            on_syntax.append(act["on_syntax"])
        else:
            raise ManifestError(f"{where}: unknown activation {act!r} (autorun, on_command, {{on_syntax = LANG}})")
    commands = data.get("commands", [])
    languages = data.get("languages", [])
    if not isinstance(commands, list):
        raise ManifestError(f"{where}: 'commands' must be a list of tables")
    if not isinstance(languages, list) or not all(isinstance(lang, dict) and isinstance(lang.get("name"), str)
                                                  for lang in languages):
        raise ManifestError(f"{where}: 'languages' must be a list of tables with a 'name'")
    return Manifest(name=name, version=version, argv=(full,), scope=scope, autorun=autorun,
                    on_syntax=tuple(on_syntax), on_command=on_command,
                    commands=tuple(_command(c, where) for c in commands),
                    languages=tuple(dict(lang) for lang in languages), directory=root)


def read_manifest(path: str) -> Manifest:
    """Read and check ``path`` (a ``manifest.toml``); raises :class:`ManifestError`."""
    try:
        with open(path, "rb") as f:
            data = tomllib.load(f)
    except OSError as exc:
        raise ManifestError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ManifestError(f"{path}: not TOML: {exc}") from None
    return parse_manifest(data, os.path.dirname(path), path)

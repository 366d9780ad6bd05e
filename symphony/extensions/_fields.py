"""Checking the values of a manifest's fields: hostile input refused anywhere in the tree, and
the typed fields and sections (instrument, operator, motif) of ``extension.toml``.

Every refusal is an :class:`~symphony.errors.ExtensionManifestError` reading
``WHERE: 'FIELD' why`` (``WHERE`` the file, ``FIELD`` a dotted path like
``motif.commands[0].id``); :mod:`._manifest` puts them together.
"""

from __future__ import annotations

import math
import re
from typing import Any

from ..errors import ExtensionManifestError
from ._signature import TYPES

__all__ = ["LIST_LIMIT", "MAX_DEPTH", "NAME", "SECTIONS", "SECTION_FIELDS", "TEXT_LIMIT", "check_tree", "fail",
           "show", "text", "unknown"]

#: How deep values may nest (lists and tables) anywhere in a manifest.
MAX_DEPTH = 16
NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.:+-]{0,127}")
TEXT_LIMIT = 4096
LIST_LIMIT = 256
SECTION_FIELDS = {
    "instrument": ("tasks", "inputs", "outputs", "cost"),
    "operator": ("name", "inputs", "output"),
    "motif": ("commands", "status_items", "panels", "keybindings", "decorations"),
}
#: Each motif contribution: its fields (required first, then optional with defaults).
_CONTRIBUTIONS: dict[str, tuple[tuple[str, ...], dict[str, str]]] = {
    "commands": (("id", "title"), {"key": ""}),
    "status_items": (("id",), {"text": "", "alignment": "left"}),
    "panels": (("id", "title"), {}),
    "keybindings": (("command", "key"), {}),
    "decorations": (("id", "scope"), {}),
}


def show(value: object) -> str:
    shown = repr(value)
    return shown if len(shown) <= 80 else shown[:77] + "..."


def fail(where: str, key: str, why: str) -> ExtensionManifestError:
    return ExtensionManifestError(f"{where}: '{key}' {why}")



# -- hostile input ------------------------------------------------------------------------------

def check_tree(value: Any, where: str, path: str, depth: int = 0) -> None:
    """Refuse what no field accepts anywhere: deep nesting, lone surrogates, non-JSON values."""
    if depth > MAX_DEPTH:
        raise fail(where, path, f"is nested deeper than {MAX_DEPTH} levels")
    if isinstance(value, str):
        if len(value) > 64 * 1024:
            raise fail(where, path, "is a string longer than 64 KiB")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise fail(where, path, "is not valid UTF-8 text (it holds a lone surrogate)") from None
    elif isinstance(value, dict):
        if len(value) > 4 * LIST_LIMIT:
            raise fail(where, path, f"has more than {4 * LIST_LIMIT} keys")
        for key, item in value.items():
            if not isinstance(key, str):
                raise fail(where, path, f"has a key that is not a string: {show(key)}")
            check_tree(key, where, f"{path}.<key>" if path else "<key>", depth + 1)
            check_tree(item, where, f"{path}.{key}" if path else key, depth + 1)
    elif isinstance(value, (list, tuple)):
        if len(value) > 4 * LIST_LIMIT:
            raise fail(where, path, f"has more than {4 * LIST_LIMIT} items")
        for i, item in enumerate(value):
            check_tree(item, where, f"{path}[{i}]", depth + 1)
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise fail(where, path, f"must be a finite number, not {value!r}")
    elif value is not None and not isinstance(value, (bool, int)):
        raise fail(where, path, f"must be JSON-like (string, number, bool, list, table), "
                                 f"not {type(value).__name__}")


# -- fields -------------------------------------------------------------------------------------

def text(data: dict[str, Any], key: str, where: str, *, required: bool = True, default: str = "",
          limit: int = TEXT_LIMIT, label: str | None = None) -> str:
    value = data.get(key)
    label = label or key
    if value is None:
        if required:
            raise fail(where, label, "is required")
        return default
    if not isinstance(value, str) or (required and not value) or len(value) > limit:
        raise fail(where, label, f"must be {'a non-empty' if required else 'a'} string of at most {limit} "
                                f"characters, not {show(value)}")
    if not value.isprintable() and not all(c.isprintable() or c in "\n\t" for c in value):
        raise fail(where, label, f"must not hold control characters: {show(value)}")
    return value


def _names(value: Any, where: str, key: str, pattern: re.Pattern[str], *, required: bool) -> list[str]:
    if not isinstance(value, list) or (required and not value) or len(value) > LIST_LIMIT:
        raise fail(where, key, f"must be a {'non-empty ' if required else ''}list of at most {LIST_LIMIT} "
                                f"names, not {show(value)}")
    out: list[str] = []
    for item in value:
        if not isinstance(item, str) or not pattern.fullmatch(item):
            raise fail(where, key, f"holds {show(item)}, not a name like {pattern.pattern}")
        if item not in out:
            out.append(item)
    return out


def _signature(value: Any, where: str, key: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict) or len(value) > LIST_LIMIT:
        raise fail(where, key, f"must be a table of name = type, not {show(value)}")
    for name, type_name in value.items():
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,63}", name):
            raise fail(where, f"{key}.{name}", "is not an identifier")
        if type_name not in TYPES:
            raise fail(where, f"{key}.{name}", f"must be one of {', '.join(TYPES)}, not {show(type_name)}")
    return dict(value)


def unknown(data: dict[str, Any], known: tuple[str, ...], where: str, prefix: str = "") -> None:
    unknown = sorted(set(data) - set(known))
    if unknown:
        raise ExtensionManifestError(f"{where}: unknown field(s) {', '.join(repr(prefix + k) for k in unknown)} "
                                     f"(known: {', '.join(known)})")


def _instrument(raw: dict[str, Any], where: str) -> dict[str, Any]:
    tasks = _names(raw.get("tasks"), where, "instrument.tasks", NAME, required=True)
    cost = raw.get("cost", 1.0)
    if isinstance(cost, bool) or not isinstance(cost, (int, float)) or not 0 <= cost < 1e9:
        raise fail(where, "instrument.cost", f"must be a number from 0 up to 1e9, not {show(cost)}")
    return {"tasks": tasks, "inputs": _signature(raw.get("inputs"), where, "instrument.inputs"),
            "outputs": _signature(raw.get("outputs"), where, "instrument.outputs"), "cost": float(cost)}


def _operator(raw: dict[str, Any], where: str) -> dict[str, Any]:
    name = raw.get("name")
    if not isinstance(name, str) or not NAME.fullmatch(name):
        raise fail(where, "operator.name", f"is required, a name like 'snippet-stats', not {show(name)}")
    output = raw.get("output", "any")
    if output not in TYPES:
        raise fail(where, "operator.output", f"must be one of {', '.join(TYPES)}, not {show(output)}")
    return {"name": name, "inputs": _signature(raw.get("inputs"), where, "operator.inputs"), "output": output}


def _motif(raw: dict[str, Any], where: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, (required, optional) in _CONTRIBUTIONS.items():
        items = raw.get(key, [])
        label = f"motif.{key}"
        if not isinstance(items, list) or len(items) > LIST_LIMIT:
            raise fail(where, label, f"must be a list of at most {LIST_LIMIT} tables, not {show(items)}")
        seen: set[str] = set()
        checked = []
        for i, item in enumerate(items):
            at = f"{label}[{i}]"
            if not isinstance(item, dict):
                raise fail(where, at, f"must be a table, not {show(item)}")
            unknown(item, required + tuple(optional), where, at + ".")
            entry = {name: text(item, name, where, limit=256, label=f"{at}.{name}") for name in required}
            for name, default in optional.items():
                entry[name] = text(item, name, where, required=False, default=default, limit=256,
                                    label=f"{at}.{name}")
            if "id" in entry:
                if not NAME.fullmatch(entry["id"]):
                    raise fail(where, f"{at}.id", f"is not a name like {NAME.pattern}: {show(entry['id'])}")
                if entry["id"] in seen:
                    raise fail(where, f"{at}.id", f"repeats {entry['id']!r}")
                seen.add(entry["id"])
            if key == "status_items" and entry["alignment"] not in ("left", "right"):
                raise fail(where, f"{at}.alignment", f"must be 'left' or 'right', not {show(entry['alignment'])}")
            checked.append(entry)
        out[key] = checked
    commands = {c["id"] for c in out["commands"]}
    for i, binding in enumerate(out["keybindings"]):
        if binding["command"] not in commands:
            raise fail(where, f"motif.keybindings[{i}].command",
                        f"names {binding['command']!r}, which is not among the motif's commands")
    return out


SECTIONS = {"instrument": _instrument, "operator": _operator, "motif": _motif}

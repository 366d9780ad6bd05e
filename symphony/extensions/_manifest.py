"""An extension as declared: ``extension.toml``.

```toml
id = "symphony.iris-instrument"      # publisher.name: [a-z0-9][a-z0-9._-]{0,127}, at least one dot
version = "1.0.0"                    # MAJOR.MINOR.PATCH[-pre]
kind = "instrument"                  # instrument | operator | motif
api = ">=1.0,<2"                     # clauses (>=, >, <=, <, ==) on MAJOR.MINOR of the host's API_VERSION
name = "Iris classifier"             # optional; description optional
entry = "iris_instrument:Instrument" # in process: module:object, the module inside the directory
# exec = ["node", "main.js"]         # out of process (exactly one of entry/exec)
activation = ["onTask:classify"]     # onStartup | onTask:KIND | onOperator:NAME | onCommand:ID | "*"
permissions = ["models"]             # files:read files:write process:run network artifacts:read artifacts:write models
[instrument]                         # one section, named after the kind
tasks = ["classify"]
inputs = {features = "list"}
outputs = {label = "str"}
cost = 1.0
```

``[operator]``: ``name``, ``inputs`` (name -> type), ``output`` (a type). ``[motif]``:
``commands`` ``[{id, title, key?}]``, ``status_items`` ``[{id, text?, alignment?}]``, ``panels``
``[{id, title}]``, ``keybindings`` ``[{command, key}]``, ``decorations`` ``[{id, scope}]``. Types
are those of :data:`~symphony.extensions._signature.TYPES`.

Invariants: :func:`parse_extension_manifest` returns an :class:`ExtensionManifest` whose
fields have the types named here, or raises :class:`~symphony.errors.ExtensionManifestError`
naming the file and the field. It never imports the extension's code. Hostile input is
refused, not crashed on: a file that is not UTF-8 or larger than :data:`MAX_MANIFEST_BYTES`,
text with lone surrogates, values nested deeper than :data:`MAX_DEPTH`, an ``entry`` module
or ``exec`` path that leaves the extension's directory (``..``, absolute, a symlink out).
``parse_extension_manifest(m.to_json(), m.root, source=m.source) == m``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ExtensionApiMismatch, ExtensionManifestError, ModelManifestError
from ..pool._manifest import load_toml
from ._signature import TYPES

__all__ = [
    "API_VERSION", "KINDS", "MANIFEST_NAME", "MAX_DEPTH", "MAX_MANIFEST_BYTES", "PERMISSIONS", "SOURCES",
    "ExtensionManifest", "check_api", "parse_api_range", "parse_extension_manifest", "read_extension_manifest",
]

#: The extension API this host provides (MAJOR.MINOR).
API_VERSION = "1.0"
KINDS = ("instrument", "operator", "motif")
PERMISSIONS = ("artifacts:read", "artifacts:write", "files:read", "files:write", "models", "network", "process:run")
#: Where a manifest came from: an extension directory, an installed distribution's entry
#: point, or a copy installed into the host's home.
SOURCES = ("dir", "entry_point", "installed")
MANIFEST_NAME = "extension.toml"
MAX_MANIFEST_BYTES = 256 * 1024
MAX_DEPTH = 16
_FIELDS = ("id", "version", "kind", "api", "name", "description", "entry", "exec", "activation",
           "permissions", *KINDS)
_ID = re.compile(r"[a-z0-9][a-z0-9._-]{0,127}")
_SEMVER = re.compile(r"(0|[1-9][0-9]{0,8})\.(0|[1-9][0-9]{0,8})\.(0|[1-9][0-9]{0,8})(-[0-9A-Za-z.-]{1,64})?")
_ENTRY = re.compile(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)*:[A-Za-z_]\w*(\.[A-Za-z_]\w*)*", re.ASCII)
_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.:+-]{0,127}")
_CLAUSE = re.compile(r"\s*(>=|<=|==|>|<)\s*(0|[1-9][0-9]{0,5})(?:\.(0|[1-9][0-9]{0,5}))?\s*")
_ACTIVATION_PREFIXES = ("onTask:", "onOperator:", "onCommand:")
_TEXT_LIMIT = 4096
_LIST_LIMIT = 256
_SECTION_FIELDS = {
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


def _show(value: object) -> str:
    shown = repr(value)
    return shown if len(shown) <= 80 else shown[:77] + "..."


def _fail(where: str, key: str, why: str) -> ExtensionManifestError:
    return ExtensionManifestError(f"{where}: '{key}' {why}")


@dataclass(frozen=True)
class ExtensionManifest:
    """One extension as declared: what it is, how it runs, when it starts, what it may do.

    ``entry`` (``module:object``, in process) or ``exec`` (argv, out of process): exactly one
    is set. ``activation`` lists the events that start it (derived from its capabilities
    when the manifest names none). ``instrument``/``operator``/``motif`` is the section of
    its kind (the others None), normalised: every optional field present. ``root`` is the
    extension's directory (None for one parsed from data alone); ``source`` is one of
    :data:`SOURCES`.
    """

    id: str
    version: str
    kind: str
    api: str
    name: str = ""
    description: str = ""
    entry: str | None = None
    exec: tuple[str, ...] | None = None
    activation: tuple[str, ...] = ()
    permissions: frozenset[str] = frozenset()
    instrument: dict[str, Any] | None = field(default=None, hash=False)
    operator: dict[str, Any] | None = field(default=None, hash=False)
    motif: dict[str, Any] | None = field(default=None, hash=False)
    root: Path | None = None
    source: str = "dir"

    @property
    def out_of_process(self) -> bool:
        """Whether it runs as a process of its own (``exec``) rather than in the host (``entry``)."""
        return self.exec is not None

    @property
    def where(self) -> str:
        """How messages name this manifest: its file, or its id."""
        return str(self.root / MANIFEST_NAME) if self.root is not None else f"extension {self.id}"

    def section(self) -> dict[str, Any]:
        """The section of its kind (``instrument``, ``operator`` or ``motif``)."""
        value = getattr(self, self.kind)
        assert value is not None
        return value

    def to_json(self) -> dict[str, Any]:
        """The manifest as JSON-compatible data that :func:`parse_extension_manifest` reads back."""
        data: dict[str, Any] = {"id": self.id, "version": self.version, "kind": self.kind, "api": self.api,
                                "name": self.name, "description": self.description}
        if self.entry is not None:
            data["entry"] = self.entry
        if self.exec is not None:
            data["exec"] = list(self.exec)
        data["activation"] = list(self.activation)
        data["permissions"] = sorted(self.permissions)
        data[self.kind] = _copy(self.section())
        return data


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


# -- hostile input ------------------------------------------------------------------------------

def _check_tree(value: Any, where: str, path: str, depth: int = 0) -> None:
    """Refuse what no field accepts anywhere: deep nesting, lone surrogates, non-JSON values."""
    if depth > MAX_DEPTH:
        raise _fail(where, path, f"is nested deeper than {MAX_DEPTH} levels")
    if isinstance(value, str):
        if len(value) > 64 * 1024:
            raise _fail(where, path, "is a string longer than 64 KiB")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise _fail(where, path, "is not valid UTF-8 text (it holds a lone surrogate)") from None
    elif isinstance(value, dict):
        if len(value) > 4 * _LIST_LIMIT:
            raise _fail(where, path, f"has more than {4 * _LIST_LIMIT} keys")
        for key, item in value.items():
            if not isinstance(key, str):
                raise _fail(where, path, f"has a key that is not a string: {_show(key)}")
            _check_tree(key, where, f"{path}.<key>" if path else "<key>", depth + 1)
            _check_tree(item, where, f"{path}.{key}" if path else key, depth + 1)
    elif isinstance(value, (list, tuple)):
        if len(value) > 4 * _LIST_LIMIT:
            raise _fail(where, path, f"has more than {4 * _LIST_LIMIT} items")
        for i, item in enumerate(value):
            _check_tree(item, where, f"{path}[{i}]", depth + 1)
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise _fail(where, path, f"must be a finite number, not {value!r}")
    elif value is not None and not isinstance(value, (bool, int)):
        raise _fail(where, path, f"must be JSON-like (string, number, bool, list, table), "
                                 f"not {type(value).__name__}")


# -- fields -------------------------------------------------------------------------------------

def _text(data: dict[str, Any], key: str, where: str, *, required: bool = True, default: str = "",
          limit: int = _TEXT_LIMIT, label: str | None = None) -> str:
    value = data.get(key)
    label = label or key
    if value is None:
        if required:
            raise _fail(where, label, "is required")
        return default
    if not isinstance(value, str) or (required and not value) or len(value) > limit:
        raise _fail(where, label, f"must be {'a non-empty' if required else 'a'} string of at most {limit} "
                                f"characters, not {_show(value)}")
    if not value.isprintable() and not all(c.isprintable() or c in "\n\t" for c in value):
        raise _fail(where, label, f"must not hold control characters: {_show(value)}")
    return value


def _names(value: Any, where: str, key: str, pattern: re.Pattern[str], *, required: bool) -> list[str]:
    if not isinstance(value, list) or (required and not value) or len(value) > _LIST_LIMIT:
        raise _fail(where, key, f"must be a {'non-empty ' if required else ''}list of at most {_LIST_LIMIT} "
                                f"names, not {_show(value)}")
    out: list[str] = []
    for item in value:
        if not isinstance(item, str) or not pattern.fullmatch(item):
            raise _fail(where, key, f"holds {_show(item)}, not a name like {pattern.pattern}")
        if item not in out:
            out.append(item)
    return out


def _signature(value: Any, where: str, key: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict) or len(value) > _LIST_LIMIT:
        raise _fail(where, key, f"must be a table of name = type, not {_show(value)}")
    for name, type_name in value.items():
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,63}", name):
            raise _fail(where, f"{key}.{name}", "is not an identifier")
        if type_name not in TYPES:
            raise _fail(where, f"{key}.{name}", f"must be one of {', '.join(TYPES)}, not {_show(type_name)}")
    return dict(value)


def _unknown(data: dict[str, Any], known: tuple[str, ...], where: str, prefix: str = "") -> None:
    unknown = sorted(set(data) - set(known))
    if unknown:
        raise ExtensionManifestError(f"{where}: unknown field(s) {', '.join(repr(prefix + k) for k in unknown)} "
                                     f"(known: {', '.join(known)})")


def _instrument(raw: dict[str, Any], where: str) -> dict[str, Any]:
    tasks = _names(raw.get("tasks"), where, "instrument.tasks", _NAME, required=True)
    cost = raw.get("cost", 1.0)
    if isinstance(cost, bool) or not isinstance(cost, (int, float)) or not 0 <= cost < 1e9:
        raise _fail(where, "instrument.cost", f"must be a number from 0 up to 1e9, not {_show(cost)}")
    return {"tasks": tasks, "inputs": _signature(raw.get("inputs"), where, "instrument.inputs"),
            "outputs": _signature(raw.get("outputs"), where, "instrument.outputs"), "cost": float(cost)}


def _operator(raw: dict[str, Any], where: str) -> dict[str, Any]:
    name = raw.get("name")
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise _fail(where, "operator.name", f"is required, a name like 'snippet-stats', not {_show(name)}")
    output = raw.get("output", "any")
    if output not in TYPES:
        raise _fail(where, "operator.output", f"must be one of {', '.join(TYPES)}, not {_show(output)}")
    return {"name": name, "inputs": _signature(raw.get("inputs"), where, "operator.inputs"), "output": output}


def _motif(raw: dict[str, Any], where: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, (required, optional) in _CONTRIBUTIONS.items():
        items = raw.get(key, [])
        label = f"motif.{key}"
        if not isinstance(items, list) or len(items) > _LIST_LIMIT:
            raise _fail(where, label, f"must be a list of at most {_LIST_LIMIT} tables, not {_show(items)}")
        seen: set[str] = set()
        checked = []
        for i, item in enumerate(items):
            at = f"{label}[{i}]"
            if not isinstance(item, dict):
                raise _fail(where, at, f"must be a table, not {_show(item)}")
            _unknown(item, required + tuple(optional), where, at + ".")
            entry = {name: _text(item, name, where, limit=256, label=f"{at}.{name}") for name in required}
            for name, default in optional.items():
                entry[name] = _text(item, name, where, required=False, default=default, limit=256,
                                    label=f"{at}.{name}")
            if "id" in entry:
                if not _NAME.fullmatch(entry["id"]):
                    raise _fail(where, f"{at}.id", f"is not a name like {_NAME.pattern}: {_show(entry['id'])}")
                if entry["id"] in seen:
                    raise _fail(where, f"{at}.id", f"repeats {entry['id']!r}")
                seen.add(entry["id"])
            if key == "status_items" and entry["alignment"] not in ("left", "right"):
                raise _fail(where, f"{at}.alignment", f"must be 'left' or 'right', not {_show(entry['alignment'])}")
            checked.append(entry)
        out[key] = checked
    commands = {c["id"] for c in out["commands"]}
    for i, binding in enumerate(out["keybindings"]):
        if binding["command"] not in commands:
            raise _fail(where, f"motif.keybindings[{i}].command",
                        f"names {binding['command']!r}, which is not among the motif's commands")
    return out


_SECTIONS = {"instrument": _instrument, "operator": _operator, "motif": _motif}


def _default_activation(kind: str, section: dict[str, Any]) -> list[str]:
    if kind == "instrument":
        return [f"onTask:{t}" for t in section["tasks"]]
    if kind == "operator":
        return [f"onOperator:{section['name']}"]
    return [f"onCommand:{c['id']}" for c in section["commands"]]


def _activation(value: Any, where: str) -> list[str]:
    if not isinstance(value, list) or len(value) > _LIST_LIMIT:
        raise _fail(where, "activation", f"must be a list of events, not {_show(value)}")
    out: list[str] = []
    for event in value:
        ok = isinstance(event, str) and (event in ("*", "onStartup") or any(
            event.startswith(p) and _NAME.fullmatch(event[len(p):]) for p in _ACTIVATION_PREFIXES))
        if not ok:
            raise _fail(where, "activation", f"holds {_show(event)}; an event is onStartup, onTask:KIND, "
                                             "onOperator:NAME, onCommand:ID or '*'")
        if event not in out:
            out.append(event)
    return out


def _permissions(value: Any, where: str) -> frozenset[str]:
    if not isinstance(value, list):
        raise _fail(where, "permissions", f"must be a list, not {_show(value)}")
    for p in value:
        if p not in PERMISSIONS:
            raise _fail(where, "permissions", f"holds {_show(p)}, not one of {', '.join(PERMISSIONS)}")
    return frozenset(value)


def _inside(root: Path, relative: str, where: str, key: str) -> Path:
    """``root/relative`` resolved, if it stays inside ``root`` (symlinks followed)."""
    parts = relative.replace("\\", "/").split("/")
    if relative.startswith(("/", "\\")) or ".." in parts or "\x00" in relative:
        raise _fail(where, key, f"{relative!r} must stay inside the extension's directory (no absolute path, no '..')")
    try:
        base = root.resolve()
        full = (root / relative).resolve()
    except (OSError, RuntimeError) as exc:  # a symlink loop
        raise _fail(where, key, f"{relative!r} cannot be resolved: {exc}") from None
    if not full.is_relative_to(base):
        raise _fail(where, key, f"{relative!r} leads outside the extension's directory (a symlink pointing out)")
    return full


def _entry(value: Any, root: Path | None, where: str, source: str) -> str:
    if not isinstance(value, str) or not _ENTRY.fullmatch(value):
        raise _fail(where, "entry", f"must be 'module:object', not {_show(value)}")
    if root is not None and source != "entry_point":
        module = value.partition(":")[0].replace(".", "/")
        found = [p for p in (f"{module}.py", f"{module}/__init__.py") if (root / p).is_file() or (root / p).is_symlink()]
        if not found:
            raise _fail(where, "entry", f"module {value.partition(':')[0]!r} is not in the extension's directory "
                                        f"(no {module}.py or {module}/__init__.py)")
        _inside(root, found[0], where, "entry")
    return value


def _exec(value: Any, root: Path | None, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not 1 <= len(value) <= 64 or not all(
            isinstance(a, str) and a and len(a) <= _TEXT_LIMIT and "\x00" not in a for a in value):
        raise _fail(where, "exec", f"must be a non-empty list of strings (the argv), not {_show(value)}")
    program = value[0]
    if "/" in program or "\\" in program:
        if not program.startswith("./"):
            raise _fail(where, "exec", f"program {program!r} must be a name found on PATH or ./relative "
                                       "inside the extension's directory")
        if root is not None:
            full = _inside(root, program[2:], where, "exec")
            if not full.is_file():
                raise _fail(where, "exec", f"program {program!r} is not a file in the extension's directory")
    elif program in (".", ".."):
        raise _fail(where, "exec", f"program {program!r} is not a program")
    for arg in value[1:]:
        if arg.startswith("-"):
            continue
        if arg.startswith("/") or ".." in arg.replace("\\", "/").split("/"):
            raise _fail(where, "exec", f"argument {arg!r} must stay inside the extension's directory")
        if root is not None and (root / arg).exists():
            _inside(root, arg, where, "exec")
    return tuple(value)


def parse_api_range(text: Any, where: str = "extension.toml") -> list[tuple[str, tuple[int, int]]]:
    """The clauses of an API version range like ``">=1.0,<2"``: ``[(op, (major, minor)), ...]``."""
    if not isinstance(text, str) or not text.strip() or len(text) > 128:
        raise _fail(where, "api", f"must be a version range like '>=1.0,<2', not {_show(text)}")
    clauses = []
    for part in text.split(","):
        m = _CLAUSE.fullmatch(part)
        if m is None:
            raise _fail(where, "api", f"{part.strip()!r} in {text!r} is not a clause like '>=1.0' "
                                      "(>=, >, <=, <, == and MAJOR[.MINOR])")
        clauses.append((m.group(1), (int(m.group(2)), int(m.group(3) or 0))))
    if len(clauses) > 8:
        raise _fail(where, "api", "has more than 8 clauses")
    return clauses


def _version_tuple(text: str) -> tuple[int, int]:
    major, _, minor = text.partition(".")
    return int(major), int(minor or 0)


_OPS = {">=": lambda a, b: a >= b, ">": lambda a, b: a > b, "<=": lambda a, b: a <= b,
        "<": lambda a, b: a < b, "==": lambda a, b: a == b}


def check_api(manifest: ExtensionManifest, host: str = API_VERSION) -> None:
    """Raise :class:`~symphony.errors.ExtensionApiMismatch` unless the host's API version
    ``host`` is in ``manifest.api`` (checked before any of the extension's code is loaded)."""
    have = _version_tuple(host)
    for op, want in parse_api_range(manifest.api, manifest.where):
        if not _OPS[op](have, want):
            raise ExtensionApiMismatch(f"{manifest.where}: extension {manifest.id} needs extension API "
                                       f"{manifest.api}; this host provides {host}")


def parse_extension_manifest(data: Any, root: str | Path | None = None, *, source: str = "dir",
                             where: str | None = None) -> ExtensionManifest:
    """The :class:`ExtensionManifest` that ``data`` (a parsed ``extension.toml`` table, or
    :meth:`ExtensionManifest.to_json`'s output) declares for the extension in ``root``.

    ``source`` is one of :data:`SOURCES`; for ``"entry_point"`` the entry module is an
    installed one (not looked for in ``root``). Raises ExtensionManifestError naming
    ``where`` (default: ``root/extension.toml``) and the field.
    """
    directory = Path(root) if root is not None else None
    if where is None:
        where = str(directory / MANIFEST_NAME) if directory is not None else MANIFEST_NAME
    if source not in SOURCES:
        raise ValueError(f"source must be one of {', '.join(SOURCES)}, not {source!r}")
    if not isinstance(data, dict):
        raise ExtensionManifestError(f"{where}: expected a table, not {type(data).__name__}")
    _check_tree(data, where, "")
    _unknown(data, _FIELDS, where)
    ext_id = data.get("id")
    if not isinstance(ext_id, str) or not _ID.fullmatch(ext_id) or "." not in ext_id:
        raise _fail(where, "id", f"must be 'publisher.name' ([a-z0-9][a-z0-9._-]{{0,127}} with a dot), "
                                 f"not {_show(ext_id)}")
    version = data.get("version")
    if not isinstance(version, str) or not _SEMVER.fullmatch(version):
        raise _fail(where, "version", f"must be MAJOR.MINOR.PATCH[-pre], not {_show(version)}")
    kind = data.get("kind")
    if kind not in KINDS:
        raise _fail(where, "kind", f"must be one of {', '.join(KINDS)}, not {_show(kind)}")
    api = data.get("api")
    parse_api_range(api, where)
    has_entry, has_exec = data.get("entry") is not None, data.get("exec") is not None
    if has_entry == has_exec:
        raise _fail(where, "entry", "or 'exec' is required, exactly one of them "
                                    "(entry = 'module:object' in process, exec = [argv] out of process)")
    entry = _entry(data["entry"], directory, where, source) if has_entry else None
    argv = _exec(data["exec"], directory, where) if has_exec else None
    for other in KINDS:
        if other != kind and other in data:
            raise _fail(where, other, f"is a section for kind {other!r}; this extension's kind is {kind!r}")
    raw = data.get(kind)
    if not isinstance(raw, dict):
        raise _fail(where, kind, f"is required for kind {kind!r}: a table, not {_show(raw)}")
    _unknown(raw, _SECTION_FIELDS[kind], where, f"{kind}.")
    section = _SECTIONS[kind](raw, where)
    activation = (_activation(data["activation"], where) if "activation" in data
                  else _default_activation(kind, section))
    return ExtensionManifest(
        id=ext_id, version=version, kind=kind, api=api,  # type: ignore[arg-type]  # checked by parse_api_range
        name=_text(data, "name", where, required=False, default=ext_id, limit=200),
        description=_text(data, "description", where, required=False),
        entry=entry, exec=argv, activation=tuple(activation),
        permissions=_permissions(data.get("permissions", []), where),
        **{kind: section}, root=directory, source=source)


def read_toml(path: Path) -> dict[str, Any]:
    """The table in the TOML file ``path``: at most :data:`MAX_MANIFEST_BYTES`, UTF-8; raises
    ExtensionManifestError naming the file."""
    try:
        with open(path, "rb") as f:
            raw = f.read(MAX_MANIFEST_BYTES + 1)
    except OSError as exc:
        raise ExtensionManifestError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if len(raw) > MAX_MANIFEST_BYTES:
        raise ExtensionManifestError(f"{path}: larger than {MAX_MANIFEST_BYTES // 1024} KiB; not a manifest")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ExtensionManifestError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    try:
        return load_toml(text, str(path))
    except ModelManifestError as exc:  # the pool's TOML reader: bad TOML, or nesting that would overflow
        raise ExtensionManifestError(str(exc)) from None


def read_extension_manifest(path: str | Path, *, source: str = "dir") -> ExtensionManifest:
    """Read and check an extension's manifest: ``path`` is its directory or its
    ``extension.toml``. Raises ExtensionManifestError (nothing is imported or run)."""
    path = Path(path).absolute()
    toml = path / MANIFEST_NAME if path.is_dir() else path
    return parse_extension_manifest(read_toml(toml), toml.parent, source=source, where=str(toml))

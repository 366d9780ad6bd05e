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

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ExtensionApiMismatch, ExtensionManifestError, ModelManifestError
from ..pool._manifest import load_toml
from ._fields import (
    LIST_LIMIT, MAX_DEPTH, NAME, SECTION_FIELDS, SECTIONS, TEXT_LIMIT, check_tree, fail, show, text, unknown,
)
from ._protocol import API_VERSION  # the extension API this host provides (MAJOR.MINOR), one home

__all__ = [
    "API_VERSION", "KINDS", "MANIFEST_NAME", "MAX_DEPTH", "MAX_MANIFEST_BYTES", "PERMISSIONS", "SOURCES",
    "ExtensionManifest", "check_api", "parse_api_range", "parse_extension_manifest", "read_extension_manifest",
]

KINDS = ("instrument", "operator", "motif")
PERMISSIONS = ("artifacts:read", "artifacts:write", "files:read", "files:write", "models", "network", "process:run")
#: Where a manifest came from: an extension directory, an installed distribution's entry
#: point, or a copy installed into the host's home.
SOURCES = ("dir", "entry_point", "installed")
MANIFEST_NAME = "extension.toml"
MAX_MANIFEST_BYTES = 256 * 1024
_FIELDS = ("id", "version", "kind", "api", "name", "description", "entry", "exec", "activation",
           "permissions", *KINDS)
_ID = re.compile(r"[a-z0-9][a-z0-9._-]{0,127}")
_SEMVER = re.compile(r"(0|[1-9][0-9]{0,8})\.(0|[1-9][0-9]{0,8})\.(0|[1-9][0-9]{0,8})(-[0-9A-Za-z.-]{1,64})?")
_ENTRY = re.compile(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)*:[A-Za-z_]\w*(\.[A-Za-z_]\w*)*", re.ASCII)
_CLAUSE = re.compile(r"\s*(>=|<=|==|>|<)\s*(0|[1-9][0-9]{0,5})(?:\.(0|[1-9][0-9]{0,5}))?\s*")
_ACTIVATION_PREFIXES = ("onTask:", "onOperator:", "onCommand:")


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




def _default_activation(kind: str, section: dict[str, Any]) -> list[str]:
    if kind == "instrument":
        return [f"onTask:{t}" for t in section["tasks"]]
    if kind == "operator":
        return [f"onOperator:{section['name']}"]
    return [f"onCommand:{c['id']}" for c in section["commands"]]


def _activation(value: Any, where: str) -> list[str]:
    if not isinstance(value, list) or len(value) > LIST_LIMIT:
        raise fail(where, "activation", f"must be a list of events, not {show(value)}")
    out: list[str] = []
    for event in value:
        ok = isinstance(event, str) and (event in ("*", "onStartup") or any(
            event.startswith(p) and NAME.fullmatch(event[len(p):]) for p in _ACTIVATION_PREFIXES))
        if not ok:
            raise fail(where, "activation", f"holds {show(event)}; an event is onStartup, onTask:KIND, "
                                             "onOperator:NAME, onCommand:ID or '*'")
        if event not in out:
            out.append(event)
    return out


def _permissions(value: Any, where: str) -> frozenset[str]:
    if not isinstance(value, list):
        raise fail(where, "permissions", f"must be a list, not {show(value)}")
    for p in value:
        if p not in PERMISSIONS:
            raise fail(where, "permissions", f"holds {show(p)}, not one of {', '.join(PERMISSIONS)}")
    return frozenset(value)


def _inside(root: Path, relative: str, where: str, key: str) -> Path:
    """``root/relative`` resolved, if it stays inside ``root`` (symlinks followed)."""
    parts = relative.replace("\\", "/").split("/")
    if relative.startswith(("/", "\\")) or ".." in parts or "\x00" in relative:
        raise fail(where, key, f"{relative!r} must stay inside the extension's directory (no absolute path, no '..')")
    try:
        base = root.resolve()
        full = (root / relative).resolve()
    except (OSError, RuntimeError) as exc:  # a symlink loop
        raise fail(where, key, f"{relative!r} cannot be resolved: {exc}") from None
    if not full.is_relative_to(base):
        raise fail(where, key, f"{relative!r} leads outside the extension's directory (a symlink pointing out)")
    return full


def _entry(value: Any, root: Path | None, where: str, source: str) -> str:
    if not isinstance(value, str) or not _ENTRY.fullmatch(value):
        raise fail(where, "entry", f"must be 'module:object', not {show(value)}")
    if root is not None and source != "entry_point":
        module = value.partition(":")[0].replace(".", "/")
        found = [p for p in (f"{module}.py", f"{module}/__init__.py")
                 if (root / p).is_file() or (root / p).is_symlink()]
        if not found:
            raise fail(where, "entry", f"module {value.partition(':')[0]!r} is not in the extension's directory "
                                        f"(no {module}.py or {module}/__init__.py)")
        _inside(root, found[0], where, "entry")
    return value


def _exec(value: Any, root: Path | None, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not 1 <= len(value) <= 64 or not all(
            isinstance(a, str) and a and len(a) <= TEXT_LIMIT and "\x00" not in a for a in value):
        raise fail(where, "exec", f"must be a non-empty list of strings (the argv), not {show(value)}")
    program = value[0]
    if "/" in program or "\\" in program:
        if not program.startswith("./"):
            raise fail(where, "exec", f"program {program!r} must be a name found on PATH or ./relative "
                                       "inside the extension's directory")
        if root is not None:
            full = _inside(root, program[2:], where, "exec")
            if not full.is_file():
                raise fail(where, "exec", f"program {program!r} is not a file in the extension's directory")
    elif program in (".", ".."):
        raise fail(where, "exec", f"program {program!r} is not a program")
    for arg in value[1:]:
        if arg.startswith("-"):
            continue
        if arg.startswith("/") or ".." in arg.replace("\\", "/").split("/"):
            raise fail(where, "exec", f"argument {arg!r} must stay inside the extension's directory")
        if root is not None and (root / arg).exists():
            _inside(root, arg, where, "exec")
    return tuple(value)


def parse_api_range(text: Any, where: str = "extension.toml") -> list[tuple[str, tuple[int, int]]]:
    """The clauses of an API version range like ``">=1.0,<2"``: ``[(op, (major, minor)), ...]``."""
    if not isinstance(text, str) or not text.strip() or len(text) > 128:
        raise fail(where, "api", f"must be a version range like '>=1.0,<2', not {show(text)}")
    clauses = []
    for part in text.split(","):
        m = _CLAUSE.fullmatch(part)
        if m is None:
            raise fail(where, "api", f"{part.strip()!r} in {text!r} is not a clause like '>=1.0' "
                                      "(>=, >, <=, <, == and MAJOR[.MINOR])")
        clauses.append((m.group(1), (int(m.group(2)), int(m.group(3) or 0))))
    if len(clauses) > 8:
        raise fail(where, "api", "has more than 8 clauses")
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
    check_tree(data, where, "")
    unknown(data, _FIELDS, where)
    ext_id = data.get("id")
    if not isinstance(ext_id, str) or not _ID.fullmatch(ext_id) or "." not in ext_id:
        raise fail(where, "id", f"must be 'publisher.name' ([a-z0-9][a-z0-9._-]{{0,127}} with a dot), "
                                 f"not {show(ext_id)}")
    version = data.get("version")
    if not isinstance(version, str) or not _SEMVER.fullmatch(version):
        raise fail(where, "version", f"must be MAJOR.MINOR.PATCH[-pre], not {show(version)}")
    kind = data.get("kind")
    if kind not in KINDS:
        raise fail(where, "kind", f"must be one of {', '.join(KINDS)}, not {show(kind)}")
    api = data.get("api")
    parse_api_range(api, where)
    has_entry, has_exec = data.get("entry") is not None, data.get("exec") is not None
    if has_entry == has_exec:
        raise fail(where, "entry", "or 'exec' is required, exactly one of them "
                                    "(entry = 'module:object' in process, exec = [argv] out of process)")
    entry = _entry(data["entry"], directory, where, source) if has_entry else None
    argv = _exec(data["exec"], directory, where) if has_exec else None
    for other in KINDS:
        if other != kind and other in data:
            raise fail(where, other, f"is a section for kind {other!r}; this extension's kind is {kind!r}")
    raw = data.get(kind)
    if not isinstance(raw, dict):
        raise fail(where, kind, f"is required for kind {kind!r}: a table, not {show(raw)}")
    unknown(raw, SECTION_FIELDS[kind], where, f"{kind}.")
    section = SECTIONS[kind](raw, where)
    activation = (_activation(data["activation"], where) if "activation" in data
                  else _default_activation(kind, section))
    return ExtensionManifest(
        id=ext_id, version=version, kind=kind, api=api,  # type: ignore[arg-type]  # checked by parse_api_range
        name=text(data, "name", where, required=False, default=ext_id, limit=200),
        description=text(data, "description", where, required=False),
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

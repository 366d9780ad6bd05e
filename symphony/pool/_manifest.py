"""A model version as declared: ``NAME/VERSION/model.toml``, and which versions a model serves.

```toml
loader = "onnx"                 # onnx | sklearn | python | wordllama | an entry point in symphony.loaders
file = "model.onnx"             # relative to the version's directory, and inside it
memory = "64MB"                 # declared bytes: an int, or "KB/MB/GB/KiB/MiB/GiB"; 0 = unknown
device = "cpu"
max_leases = 4                  # concurrent leases; 0 = unlimited
warmup = [[5.1, 3.5, 1.4, 0.2]] # JSON-like input run through the model once it is loaded
[options]                       # the loader's own settings
intra_op_num_threads = 1
```

``NAME/config.toml`` (optional) holds ``version_policy = "latest" | "latest:N" | "all" |
"specific:1,3"`` (default ``latest:1``), read by :meth:`VersionPolicy.parse`.

Invariants: :func:`parse_manifest` returns a :class:`ModelManifest` whose fields have the
types named here, or raises :class:`~symphony.errors.ModelManifestError` saying which field is
wrong and why; it never looks at the model file itself (a missing or corrupt file is the
loader's :class:`~symphony.errors.ModelUnavailable`), but a ``file`` that would leave the version
directory (``..``, an absolute path, a symlink pointing out) is refused here.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import tomllib

from ..errors import ModelManifestError
from ._memory import parse_size

__all__ = [
    "BUILTIN_LOADERS", "LOADER_GROUP", "MAX_LEASES", "MAX_VERSION", "ModelManifest", "VersionPolicy",
    "check_name", "installed_loaders", "load_toml", "parse_manifest", "parse_memory",
]

#: The entry point group where a package adds a loader: ``name = "module:attr"``.
LOADER_GROUP = "symphony.loaders"
#: The loaders Symphony brings, with the options each accepts (and the option's type).
BUILTIN_LOADERS: dict[str, dict[str, type]] = {
    "onnx": {"intra_op_num_threads": int, "inter_op_num_threads": int, "cpu_memory_arena": bool},
    "python": {"entry": str, "factory": bool},
    "sklearn": {"method": str},
    "wordllama": {"config": str, "dim": int},
}
#: Loaders that need a ``file``.
_NEEDS_FILE = ("onnx", "sklearn")
#: The largest version number and lease limit accepted (beyond them a figure is a typo).
MAX_VERSION = 2**63 - 1
MAX_LEASES = 2**31 - 1
_FIELDS = ("loader", "file", "memory", "device", "max_leases", "warmup", "options")
_TEXT_LIMIT = 4096


@dataclass(frozen=True)
class ModelManifest:
    """One version of one model: which loader makes it, from which file, at what declared cost.

    ``path`` is the version's directory (None for a model registered in code) and ``file`` is
    relative to it. ``memory`` is the declared size in bytes (0: unknown; the pool measures
    the real one after loading). ``max_leases`` bounds concurrent leases (0: no bound).
    ``warmup`` is the JSON-like input the loaded model is called with once before it serves.
    ``options`` are the loader's own settings. ``source`` says where the manifest came from:
    ``"repository"`` (a ``model.toml``) or ``"code"`` (:meth:`ModelRepository.register`), in
    which case ``target`` holds the model (or its factory when ``options["factory"]``).
    """

    name: str
    version: int
    loader: str
    file: str | None = None
    memory: int = 0
    device: str = "cpu"
    max_leases: int = 0
    warmup: Any = field(default=None, hash=False)
    options: dict[str, Any] = field(default_factory=dict, hash=False)
    path: Path | None = None
    source: str = "repository"
    target: Any = field(default=None, hash=False, compare=False, repr=False)

    @property
    def file_path(self) -> Path | None:
        """The model file's full path (None when the manifest names no file or has no directory)."""
        if self.file is None or self.path is None:
            return None
        return self.path / self.file

    @property
    def label(self) -> str:
        """``name/version``, how messages name this model version."""
        return f"{self.name}/{self.version}"


@dataclass(frozen=True)
class VersionPolicy:
    """Which of a model's versions are served (Triton's ``version_policy``).

    ``kind`` is ``"latest"`` (the ``n`` highest versions), ``"all"``, or ``"specific"``
    (exactly ``versions``, those that exist).
    """

    kind: str = "latest"
    n: int = 1
    versions: tuple[int, ...] = ()

    @classmethod
    def parse(cls, text: object) -> VersionPolicy:
        """``"latest"``, ``"latest:N"``, ``"all"`` or ``"specific:1,3"``; raises ModelManifestError otherwise."""
        if not isinstance(text, str) or len(text) > _TEXT_LIMIT:
            raise ModelManifestError(f"version_policy must be a string like 'latest:2', not {_show(text)}")
        kind, colon, rest = text.strip().partition(":")
        kind = kind.strip()
        try:
            if kind == "all" and not colon:
                return cls("all", 0, ())
            if kind == "latest":
                n = _positive(rest) if colon else 1
                return cls("latest", n, ())
            if kind == "specific" and colon:
                versions = tuple(sorted({_positive(part) for part in rest.split(",")}))
                return cls("specific", 0, versions)
        except ValueError as exc:
            raise ModelManifestError(f"version_policy {text!r}: {exc}") from None
        raise ModelManifestError(
            f"version_policy {text!r} is not one of 'latest', 'latest:N', 'all', 'specific:V1,V2'")

    def select(self, available: list[int]) -> list[int]:
        """The versions of ``available`` this policy serves, ascending."""
        have = sorted(set(available))
        if self.kind == "all":
            return have
        if self.kind == "specific":
            wanted = set(self.versions)
            return [v for v in have if v in wanted]
        return have[-self.n:] if self.n > 0 else []

    def __str__(self) -> str:
        if self.kind == "all":
            return "all"
        if self.kind == "specific":
            return "specific:" + ",".join(map(str, self.versions))
        return f"latest:{self.n}"


def _positive(text: str) -> int:
    text = text.strip()
    if not re.fullmatch(r"[1-9][0-9]{0,18}", text) or int(text) > MAX_VERSION:
        raise ValueError(f"{text!r} is not a whole number from 1 to {MAX_VERSION}")
    return int(text)


def _show(value: object) -> str:
    shown = repr(value)
    return shown if len(shown) <= 80 else shown[:77] + "..."


def load_toml(text: str, what: str) -> dict[str, Any]:
    """``text`` parsed as TOML; ModelManifestError (naming ``what``) if it is not valid TOML or
    nests so deeply that the parser would run out of stack."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ModelManifestError(f"{what} is not valid TOML: {exc}") from None
    except RecursionError:
        raise ModelManifestError(f"{what} is nested too deeply") from None


def installed_loaders() -> dict[str, str]:
    """The loaders packages add through :data:`LOADER_GROUP`: ``{name: "module:attr"}``."""
    return {ep.name: ep.value for ep in entry_points(group=LOADER_GROUP)}


def check_name(name: object) -> str:
    """``name`` if it can name a model (a non-empty string of printable UTF-8 text, no ``/``);
    raises ModelManifestError otherwise."""
    if not isinstance(name, str) or not name or len(name) > 255:
        raise ModelManifestError(f"a model name is a non-empty string of at most 255 characters, not {_show(name)}")
    _check_text(name, "the model name")
    if "/" in name or "\\" in name or name in (".", "..") or not name.isprintable():
        raise ModelManifestError(f"model name {name!r} may not hold '/', '\\' or control characters, or be '.'/'..'")
    return name


def _check_text(text: str, what: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ModelManifestError(f"{what} is not valid UTF-8 text (it holds a lone surrogate)") from None


def _version(version: object) -> int:
    if isinstance(version, bool) or not isinstance(version, int) or not 1 <= version <= MAX_VERSION:
        raise ModelManifestError(f"a model version is an int from 1 to {MAX_VERSION}, not {_show(version)}")
    return version


def parse_memory(value: object, where: str) -> int:
    """Declared bytes from ``memory`` (an int or a size string); raises ModelManifestError."""
    if isinstance(value, float):
        what = "NaN" if math.isnan(value) else repr(value)
        raise ModelManifestError(f"{where}: memory must be an int of bytes or a size like '64MB', not {what}")
    try:
        return parse_size(value)  # type: ignore[arg-type]  # parse_size checks the type itself
    except ValueError as exc:
        raise ModelManifestError(f"{where}: memory: {exc}") from None


def _json_like(value: object, depth: int = 0) -> bool:
    if depth > 32:
        return False
    if value is None or isinstance(value, (bool, int, str)):
        return True
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, list):
        return all(_json_like(v, depth + 1) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _json_like(v, depth + 1) for k, v in value.items())
    return False


def _file(value: object, path: Path | None, where: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > _TEXT_LIMIT or "\x00" in value:
        raise ModelManifestError(f"{where}: file must be a non-empty path relative to the version directory, "
                                 f"not {_show(value)}")
    relative = Path(value)
    if relative.is_absolute() or value.startswith(("/", "\\")) or ".." in relative.parts or ".." in value.split("\\"):
        raise ModelManifestError(f"{where}: file {value!r} must stay inside the version directory "
                                 "(no absolute path, no '..')")
    if path is not None:
        try:
            root = path.resolve()
            inside = (path / relative).resolve().is_relative_to(root)
        except (OSError, RuntimeError) as exc:  # a symlink loop
            raise ModelManifestError(f"{where}: file {value!r} cannot be resolved: {exc}") from None
        if not inside:
            raise ModelManifestError(f"{where}: file {value!r} leads outside the version directory "
                                     "(a symlink pointing out)")
    return value


def _options(value: object, loader: str, where: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ModelManifestError(f"{where}: options must be a table, not {_show(value)}")
    schema = BUILTIN_LOADERS.get(loader)
    if schema is None:  # an entry point loader checks its own options
        if not _json_like(value):
            raise ModelManifestError(f"{where}: options must hold JSON-like values (no dates, NaN or infinity)")
        return dict(value)
    for key, option in value.items():
        kind = schema.get(key)
        if kind is None:
            raise ModelManifestError(f"{where}: loader {loader!r} has no option {key!r} "
                                     f"(it has: {', '.join(sorted(schema))})")
        if (isinstance(option, bool) and kind is not bool) or not isinstance(option, kind):
            raise ModelManifestError(f"{where}: option {key!r} must be {kind.__name__}, not {_show(option)}")
        if isinstance(option, int) and kind is int and not 1 <= option <= 1024:
            raise ModelManifestError(f"{where}: option {key!r} must be from 1 to 1024, not {option}")
    if loader == "python" and "entry" in value and not re.fullmatch(
            r"[A-Za-z_][\w.]*:[A-Za-z_][\w.]*", value["entry"]):
        raise ModelManifestError(f"{where}: option 'entry' must be 'module:attr', not {_show(value['entry'])}")
    return dict(value)


def parse_manifest(text: str, *, name: str, version: int, path: Path | str | None = None,
                   loaders: set[str] | None = None) -> ModelManifest:
    """The :class:`ModelManifest` a ``model.toml`` declares for model ``name`` at ``version``.

    ``path`` is the version's directory (``file`` is checked to stay inside it, symlinks
    resolved). ``loaders`` are the loader names accepted besides the builtins (default: the
    installed entry points of :data:`LOADER_GROUP`). Raises
    :class:`~symphony.errors.ModelManifestError` naming the model, the version, the field and why.
    """
    name = check_name(name)
    version = _version(version)
    where = f"model {name!r} version {version}"
    if not isinstance(text, str):
        raise ModelManifestError(f"{where}: model.toml must be text, not {type(text).__name__}")
    _check_text(text, f"{where}: model.toml")
    data = load_toml(text, f"{where}: model.toml")
    unknown = sorted(set(data) - set(_FIELDS))
    if unknown:
        raise ModelManifestError(f"{where}: unknown field(s) {', '.join(map(repr, unknown))} "
                                 f"(known: {', '.join(_FIELDS)})")
    loader = data.get("loader")
    if not isinstance(loader, str) or not loader:
        raise ModelManifestError(f"{where}: 'loader' is required, a non-empty string, not {_show(loader)}")
    known = set(BUILTIN_LOADERS) | (installed_loaders().keys() if loaders is None else loaders)
    if loader not in known:
        raise ModelManifestError(f"{where}: unknown loader {loader!r} (known: {', '.join(sorted(known))})")
    directory = Path(path) if path is not None else None
    file = _file(data.get("file"), directory, where)
    if file is None and loader in _NEEDS_FILE:
        raise ModelManifestError(f"{where}: loader {loader!r} needs a 'file'")
    device = data.get("device", "cpu")
    if not isinstance(device, str) or not re.fullmatch(r"[A-Za-z][\w:.-]{0,63}", device):
        raise ModelManifestError(f"{where}: device must be a name like 'cpu' or 'cuda:0', not {_show(device)}")
    max_leases = data.get("max_leases", 0)
    if isinstance(max_leases, bool) or not isinstance(max_leases, int) or not 0 <= max_leases <= MAX_LEASES:
        raise ModelManifestError(f"{where}: max_leases must be an int from 0 (unlimited) to {MAX_LEASES}, "
                                 f"not {_show(max_leases)}")
    warmup = data.get("warmup")
    if not _json_like(warmup):
        raise ModelManifestError(f"{where}: warmup must be JSON-like (lists, tables, numbers, strings; "
                                 f"no dates, NaN or infinity), not {_show(warmup)}")
    return ModelManifest(
        name=name, version=version, loader=loader, file=file,
        memory=parse_memory(data.get("memory", 0), where), device=device, max_leases=max_leases,
        warmup=warmup, options=_options(data.get("options"), loader, where), path=directory,
        source="repository")


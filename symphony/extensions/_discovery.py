"""Finding extensions: entry points of installed distributions, and extension directories.

Entry points: a distribution registers an extension in the group of its kind
(:data:`GROUPS`: ``symphony.instruments``, ``symphony.operators``, ``symphony.motifs``); the
entry point's name is the extension's id and its value the ``module:object`` to load. The
manifest is the ``extension.toml`` among the distribution's files (its ``RECORD``), read
without importing the module; it may leave out ``entry`` (the entry point's value is used)
and must agree with the entry point on the id, the kind and the entry.

Directories: each directory given either holds an ``extension.toml`` itself or holds one
sub-directory per extension (``NAME/extension.toml``), as the plugin catalogue reads plugin
directories.

Invariants: a bad manifest never stops discovery; each refusal is returned as an
:class:`~symphony.errors.ExtensionManifestError` naming the file (or entry point) and field,
and the others are still found. No extension code is imported here.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path

from ..errors import ExtensionError, ExtensionManifestError
from ._manifest import MANIFEST_NAME, ExtensionManifest, parse_extension_manifest, read_extension_manifest, read_toml

__all__ = ["GROUPS", "discover_dirs", "discover_entry_points"]

#: Entry point group -> the kind of the extensions it registers.
GROUPS = {"symphony.instruments": "instrument", "symphony.operators": "operator", "symphony.motifs": "motif"}

Found = tuple[list[ExtensionManifest], list[ExtensionError]]


def discover_dirs(dirs: Iterable[str | os.PathLike[str]], *, source: str = "dir") -> Found:
    """The extensions in ``dirs`` (each an extension, or a directory of extensions)."""
    found: list[ExtensionManifest] = []
    errors: list[ExtensionError] = []
    for directory in map(Path, dirs):
        if not directory.is_dir():
            continue
        if (directory / MANIFEST_NAME).is_file():
            candidates = [directory]
        else:
            try:
                candidates = sorted(p for p in directory.iterdir()
                                    if not p.name.startswith(".") and (p / MANIFEST_NAME).is_file())
            except OSError as exc:
                errors.append(ExtensionManifestError(f"{directory}: cannot list: {exc.strerror or exc}"))
                continue
        for candidate in candidates:
            try:
                found.append(read_extension_manifest(candidate, source=source))
            except ExtensionManifestError as exc:
                errors.append(exc)
    return found, errors


def _manifest_file(ep: EntryPoint) -> Path:
    dist = ep.dist
    where = f"entry point {ep.name} ({ep.group})"
    if dist is None:
        raise ExtensionManifestError(f"{where}: no distribution, so no {MANIFEST_NAME}")
    files = [f for f in (dist.files or ()) if f.name == MANIFEST_NAME]
    if not files:
        raise ExtensionManifestError(f"{where}: distribution {dist.metadata['Name']} has no {MANIFEST_NAME} "
                                     "among its files")
    top = ep.value.partition(":")[0].strip().split(".")[0]
    if len(files) > 1:
        files = [f for f in files if f.parts and f.parts[0] == top] or files
    if len(files) > 1:
        raise ExtensionManifestError(f"{where}: distribution {dist.metadata['Name']} has several {MANIFEST_NAME} "
                                     f"files and none in package {top!r}")
    return Path(str(dist.locate_file(files[0])))


def _from_entry_point(ep: EntryPoint, kind: str) -> ExtensionManifest:
    where = f"entry point {ep.name} ({ep.group})"
    path = _manifest_file(ep)
    data = read_toml(path)
    value = ep.value.strip()
    where = f"{path} ({where})"
    if data.get("id") != ep.name:
        raise ExtensionManifestError(f"{where}: 'id' is {data.get('id')!r}; the entry point's name is {ep.name!r}")
    if data.get("kind") != kind:
        raise ExtensionManifestError(f"{where}: 'kind' is {data.get('kind')!r}; group {ep.group} registers {kind}s")
    if "exec" in data:
        raise ExtensionManifestError(f"{where}: 'exec' is for extension directories; an entry point is "
                                     "loaded in process from its 'module:object'")
    if data.setdefault("entry", value) != value:
        raise ExtensionManifestError(f"{where}: 'entry' is {data['entry']!r}; the entry point's value is {value!r}")
    return parse_extension_manifest(data, path.parent, source="entry_point", where=where)


def discover_entry_points() -> Found:
    """The extensions installed distributions register in :data:`GROUPS`."""
    found: list[ExtensionManifest] = []
    errors: list[ExtensionError] = []
    installed = entry_points()
    seen: set[tuple[str, str, str]] = set()
    for group, kind in GROUPS.items():
        for ep in installed.select(group=group):
            key = (group, ep.name, ep.value)
            if key in seen:  # the same distribution on sys.path twice
                continue
            seen.add(key)
            try:
                found.append(_from_entry_point(ep, kind))
            except ExtensionManifestError as exc:
                errors.append(exc)
    return found, errors

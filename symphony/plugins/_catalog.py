"""The plugin catalogue: every plugin found, from directories and from entry points.

As xi-core's ``catalog.rs``: a plugin directory either holds a ``manifest.toml`` itself or
holds one sub-directory per plugin (``NAME/manifest.toml``). Directories are read in the
order given; a plugin found later replaces one of the same name found earlier, so the
order is: entry points, the user's data dir, the frontend's config dir, ``--plugin-dir``.

Python plugins register in the entry point group ``symphony.plugins`` (value
``module:Class``, a :class:`symphony.plugins.sdk.Plugin` subclass); they run out of process
as ``python -m symphony.plugins.sdk module:Class``, autorun, global scope. One that also
registers under the same name in ``symphony.first_screens`` (value: the same ``module:Class``)
has its ``first_screen`` run in the core's process while it starts (the others' modules are
never imported into the core).

Invariants: a bad manifest never stops discovery: it lands in :attr:`PluginCatalog.errors`
as a :class:`~symphony.errors.ManifestError` and the other plugins are still found.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from importlib.metadata import entry_points

from ..errors import ManifestError
from ._manifest import Manifest, read_manifest

__all__ = ["ENTRY_POINT_GROUP", "FIRST_SCREEN_GROUP", "PluginCatalog", "default_plugin_dirs"]

#: Entry point group of Python plugins (value ``module:Class``).
ENTRY_POINT_GROUP = "symphony.plugins"
#: Entry point group of the Python plugins whose ``Plugin.first_screen`` the core runs itself.
FIRST_SCREEN_GROUP = "symphony.first_screens"


def default_plugin_dirs(config_dir: str | None = None) -> list[str]:
    """The user's data dir (``$XDG_DATA_HOME/symphony/plugins``), then ``config_dir/plugins``."""
    data = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    dirs = [os.path.join(data, "symphony", "plugins")]
    if config_dir:
        dirs.append(os.path.join(config_dir, "plugins"))
    return dirs


class PluginCatalog:
    """The plugins that can be started, by name, and the manifests that were refused."""

    def __init__(self) -> None:
        self.plugins: dict[str, Manifest] = {}
        #: (where, error) for every manifest or entry point that was refused.
        self.errors: list[tuple[str, ManifestError]] = []

    def __contains__(self, name: object) -> bool:
        return name in self.plugins

    def get(self, name: str) -> Manifest | None:
        """The plugin called ``name``, or None."""
        return self.plugins.get(name)

    def names(self) -> list[str]:
        """Every plugin's name, sorted."""
        return sorted(self.plugins)

    def add(self, manifest: Manifest) -> None:
        """Add (or replace) a plugin."""
        self.plugins[manifest.name] = manifest

    def load_dirs(self, dirs: Iterable[str]) -> None:
        """Read every ``manifest.toml`` in ``dirs`` (each a plugin, or a directory of plugins)."""
        for directory in dirs:
            if not os.path.isdir(directory):
                continue
            own = os.path.join(directory, "manifest.toml")
            if os.path.isfile(own):
                paths = [own]
            else:
                try:
                    entries = sorted(os.listdir(directory))
                except OSError:
                    continue
                paths = [os.path.join(directory, e, "manifest.toml") for e in entries]
                paths = [p for p in paths if os.path.isfile(p)]
            for path in paths:
                try:
                    self.add(read_manifest(path))
                except ManifestError as exc:
                    self.errors.append((path, exc))

    def load_entry_points(self, group: str = ENTRY_POINT_GROUP, first_screens: str = FIRST_SCREEN_GROUP) -> None:
        """Add the Python plugins registered in the entry point ``group`` (with their
        ``first_screen`` class from ``first_screens``, when registered there too)."""
        installed = entry_points()  # one scan of the installed distributions for both groups
        firsts = {ep.name: ep.value.strip() for ep in installed.select(group=first_screens)}
        for ep in installed.select(group=group):
            value = ep.value.strip()
            module, _, attr = value.partition(":")
            if not module or not attr or not all(part.isidentifier() for part in (module + "." + attr).split(".")):
                self.errors.append((f"entry point {ep.name}", ManifestError(
                    f"entry point {ep.name}: {value!r} is not module:Class")))
                continue
            version = ep.dist.version if ep.dist is not None else "0.0.0"
            self.add(Manifest(name=ep.name, version=version,
                              argv=(sys.executable, "-m", "symphony.plugins.sdk", value), autorun=True,
                              first_screen=firsts.get(ep.name)))

"""Loading an in-process extension's entry object, and forgetting it again.

An extension from a directory (or installed into the host's home) is imported from that
directory only: its directory becomes the path of a private package
(``symphony_extension_<digest>``), so two extensions may each have a module called ``main``
and neither shadows anything on ``sys.path``. Modules of the extension import each other
relatively (``from . import helper``). An extension registered by an entry point is imported
by its module name, as installed.

The entry object is a class (instantiated with no arguments) or an instance or module with
the hooks the extension implements (``activate``, ``deactivate``, ``run``, ``call``, ``command``).
This is called only after the manifest and its API version were checked.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.machinery
import sys
import types
from typing import Any

from ._manifest import ExtensionManifest

__all__ = ["load_entry", "unload"]


def _package_name(manifest: ExtensionManifest) -> str:
    digest = hashlib.sha1(f"{manifest.id}\0{manifest.root}".encode(), usedforsecurity=False).hexdigest()[:16]
    return f"symphony_extension_{digest}"


def _private_package(manifest: ExtensionManifest) -> str:
    name = _package_name(manifest)
    if name not in sys.modules:
        package = types.ModuleType(name, f"the modules of extension {manifest.id}")
        package.__path__ = [str(manifest.root)]
        package.__spec__ = importlib.machinery.ModuleSpec(name, None, is_package=True)
        package.__spec__.submodule_search_locations = package.__path__
        sys.modules[name] = package
    return name


def load_entry(manifest: ExtensionManifest) -> Any:
    """Import ``manifest.entry`` and return the extension object (a class is instantiated)."""
    assert manifest.entry is not None
    module_name, _, attr = manifest.entry.partition(":")
    if manifest.source == "entry_point" or manifest.root is None:
        module = importlib.import_module(module_name)
    else:
        module = importlib.import_module(f"{_private_package(manifest)}.{module_name}")
    obj: Any = module
    for part in attr.split("."):
        obj = getattr(obj, part)
    return obj() if isinstance(obj, type) else obj


def unload(manifest: ExtensionManifest) -> None:
    """Forget the modules of a directory extension, so its next activation imports them afresh."""
    if manifest.source == "entry_point" or manifest.root is None:
        return
    prefix = _package_name(manifest)
    for name in [n for n in sys.modules if n == prefix or n.startswith(prefix + ".")]:
        del sys.modules[name]

"""Plugins on xi-editor's plugin protocol: the host, its SDK, and the bundled highlighter.

A plugin is a process (or, when asked, an object in this one) that speaks JSON-RPC with
the core about the buffers it is shown: it gets each edit as a delta and may answer with
styles (``add_scopes``/``update_spans``), edits, annotations, status items and hovers.

The host side: :class:`PluginCatalog` finds plugins (``NAME/manifest.toml`` read into a
:class:`Manifest`, and the ``symphony.plugins`` entry point group); :class:`PluginHost`
(the ``symphony.rpc.PluginHooks`` that ``symphony serve`` gives ``XiCore``) runs each one
under a :class:`PluginActor` within a :class:`Budget`.
"""

from typing import TYPE_CHECKING

from .._lazy import lazy_exports
from ._xi_delta import delta_from_xi, delta_to_xi

if TYPE_CHECKING:
    from ._catalog import ENTRY_POINT_GROUP, PluginCatalog, default_plugin_dirs
    from ._host import PluginHost
    from ._manifest import Manifest, parse_manifest, read_manifest
    from ._supervisor import PluginActor
    from ._syntax import BundledSyntax
    from ._types import Budget, BufferSnapshot

#: Imported on first use: a plugin process (the SDK, the highlighter) needs none of the host.
_LAZY = {
    "ENTRY_POINT_GROUP": "_catalog", "PluginCatalog": "_catalog", "default_plugin_dirs": "_catalog",
    "PluginHost": "_host", "Manifest": "_manifest", "parse_manifest": "_manifest", "read_manifest": "_manifest",
    "PluginActor": "_supervisor", "BundledSyntax": "_syntax", "Budget": "_types", "BufferSnapshot": "_types",
}

__getattr__ = lazy_exports(__name__, globals(), _LAZY)

__all__ = [
    "ENTRY_POINT_GROUP",
    "Budget",
    "BundledSyntax",
    "BufferSnapshot",
    "Manifest",
    "PluginActor",
    "PluginCatalog",
    "PluginHost",
    "default_plugin_dirs",
    "delta_from_xi",
    "delta_to_xi",
    "parse_manifest",
    "read_manifest",
]

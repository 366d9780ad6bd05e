"""The plugin side of xi-editor's plugin protocol: write a plugin as a Python class.

A plugin subclasses :class:`Plugin` and overrides the hooks it needs (``on_update``,
``on_save``, ``on_hover``, ...); each hook gets a :class:`View` whose ``document`` is the
view's whole text as a :class:`~symphony.text.Rope`, kept current by the SDK, and whose
methods send what xi's plugins send (``add_scopes``, ``update_spans``, ``edit``,
``update_annotations``, status items, ``alert``, ``show_hover``). Offsets are code points
everywhere; the SDK converts to and from the UTF-8 byte offsets on xi's wire.

Run it with :func:`run` (stdio), :func:`serve` (any pair of binary streams), or
``python -m symphony.plugins.sdk MODULE:CLASS``. It speaks JSON-RPC through
:class:`symphony.rpc.Peer`, so it runs against xi-core as well as ``symphony serve``.
"""

from ._host import PluginLoop, serve
from ._plugin import Plugin
from ._run import load_plugin, main, run
from ._text import CHUNK_SIZE, DataChunk
from ._types import CommandRefused, FirstScreen, Span, Update
from ._view import HISTORY, View

__all__ = [
    "CHUNK_SIZE",
    "HISTORY",
    "CommandRefused",
    "DataChunk",
    "FirstScreen",
    "Plugin",
    "PluginLoop",
    "Span",
    "Update",
    "View",
    "load_plugin",
    "main",
    "run",
    "serve",
]

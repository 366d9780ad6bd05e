"""Plugins on xi-editor's plugin protocol: the host, its SDK, and the bundled highlighter.

A plugin is a process (or, when asked, an object in this one) that speaks JSON-RPC with
the core about the buffers it is shown: it gets each edit as a delta and may answer with
styles (``add_scopes``/``update_spans``), edits, annotations, status items and hovers.
"""

from ._xi_delta import delta_from_xi, delta_to_xi

__all__ = ["delta_from_xi", "delta_to_xi"]

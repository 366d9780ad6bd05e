"""The editor core: buffers (rope, views, selections, undo) and their edit commands.

``Buffer`` is the single-threaded state of one document; ``BufferActor`` owns one and is
what the frontend protocol (``symphony.rpc``) talks to. Its commands are grouped by concept
(``_editing``, ``_selecting``, ``_movement``, ``_finding``, ``_recording``, ``_scrolling``,
on the shared ``_state``). Helpers live in small modules: ``_selection`` (regions),
``_words`` (Unicode segmentation), ``_undo`` (history), ``_find`` (queries),
``_whitespace`` (indentation, newlines), ``_files`` (load/save), ``_watcher`` (changes on disk), ``_view`` (update ops for
a frontend's line cache), and wrapping: ``_wrap`` (``WrapIndex``), ``_wrap_line``,
``_wrapped_lines``, ``_breaks``. For plugins (``_plugin_hooks``): ``_revisions`` (revisions,
``EditEvent``, ``PluginEdit`` and their rebasing), ``_spans`` (spans kept in step with
edits), ``_styles`` (scopes to style ids: ``StyleMap``) and ``_annotations``.
"""

from ._actor import BufferActor
from ._buffer import DEFAULT_CONFIG, Buffer
from ._files import FileInfo, load_file, save_file
from ._find import Query, compile_query
from ._revisions import EditEvent, PluginEdit
from ._selection import Region, normalize
from ._styles import Resolver, StyleMap
from ._undo import History
from ._view import View, render
from ._watcher import FileWatcher

__all__ = [
    "DEFAULT_CONFIG",
    "Buffer",
    "BufferActor",
    "EditEvent",
    "FileInfo",
    "FileWatcher",
    "History",
    "PluginEdit",
    "Query",
    "Region",
    "Resolver",
    "StyleMap",
    "View",
    "compile_query",
    "load_file",
    "normalize",
    "render",
    "save_file",
]

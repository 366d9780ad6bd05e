"""JSON-RPC 2.0 over line-delimited JSON, and the xi frontend protocol built on it.

``Peer`` is a symmetric JSON-RPC endpoint on any pair of binary streams; ``XiCore`` is the
core side of xi-editor's frontend protocol, dispatching to buffer actors
(``symphony.text.editor``). ``symphony serve`` runs them on stdio for a frontend, or, with
``--listen``, an ``XiServer`` on a node that remote frontends reach through Symphony's
transports with ``RemoteCore`` (``connect``).
"""

from typing import TYPE_CHECKING

from .._lazy import lazy_exports
from ._peer import (
    INTERNAL_ERROR,
    INVALID_PARAMS,
    INVALID_REQUEST,
    METHOD_NOT_FOUND,
    PARSE_ERROR,
    Answer,
    Handler,
    Peer,
)

if TYPE_CHECKING:
    from ._core import XiCore
    from ._host import XiServer
    from ._plugin_hooks import PluginHooks
    from ._remote import RemoteCore, connect
    from ._serve import serve_connection, serve_stdio
    from ._syntax import PLAIN_SYNTAX, PlainSyntax, Syntax
    from ._task_hooks import Progress, StatusWatcher, TaskHooks
    from ._tasks import MAX_TASK_INPUT, TASK_ERROR

#: Imported on first use: a plugin process needs only the ``Peer``, and the frontend core
#: (buffers, wrapping, the editor) takes a fifth of a second to import.
_LAZY = {
    "XiCore": "_core", "XiServer": "_host", "PluginHooks": "_plugin_hooks", "RemoteCore": "_remote",
    "connect": "_remote", "serve_connection": "_serve", "serve_stdio": "_serve", "PLAIN_SYNTAX": "_syntax",
    "PlainSyntax": "_syntax", "Syntax": "_syntax", "Progress": "_task_hooks", "StatusWatcher": "_task_hooks",
    "TaskHooks": "_task_hooks", "MAX_TASK_INPUT": "_tasks", "TASK_ERROR": "_tasks",
}

__getattr__ = lazy_exports(__name__, globals(), _LAZY)

__all__ = [
    "INTERNAL_ERROR",
    "INVALID_PARAMS",
    "INVALID_REQUEST",
    "MAX_TASK_INPUT",
    "METHOD_NOT_FOUND",
    "PARSE_ERROR",
    "PLAIN_SYNTAX",
    "TASK_ERROR",
    "Answer",
    "Handler",
    "Peer",
    "PlainSyntax",
    "PluginHooks",
    "Progress",
    "RemoteCore",
    "StatusWatcher",
    "Syntax",
    "TaskHooks",
    "XiCore",
    "XiServer",
    "connect",
    "serve_connection",
    "serve_stdio",
]

"""JSON-RPC 2.0 over line-delimited JSON, and the xi frontend protocol built on it.

``Peer`` is a symmetric JSON-RPC endpoint on any pair of binary streams; ``XiCore`` is the
core side of xi-editor's frontend protocol, dispatching to buffer actors
(``symphony.text.editor``). ``symphony serve`` runs them on stdio for a frontend.
"""

from ._core import XiCore
from ._peer import (
    INTERNAL_ERROR,
    INVALID_PARAMS,
    INVALID_REQUEST,
    METHOD_NOT_FOUND,
    PARSE_ERROR,
    Handler,
    Peer,
)
from ._serve import serve_connection, serve_stdio

__all__ = [
    "INTERNAL_ERROR",
    "INVALID_PARAMS",
    "INVALID_REQUEST",
    "METHOD_NOT_FOUND",
    "PARSE_ERROR",
    "Handler",
    "Peer",
    "XiCore",
    "serve_connection",
    "serve_stdio",
]

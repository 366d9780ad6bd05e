"""A client for language servers (LSP): diagnostics, completion, hover, definition, rename.

``LanguageClient`` runs one supervised server per language (``ServerConfig``; Python uses
``pylsp`` by default), keeps each open document in sync with incremental ``didChange``
built from ``symphony.text.Delta``, and converts positions between rope offsets (code
points) and the negotiated encoding (UTF-16, or UTF-8 when the server offers it) in
O(log n). Requests return futures; a crash restarts the server with backoff and reopens
every document. Types and converters come from ``lsprotocol``.
"""

from ._client import LanguageClient
from ._config import DEFAULT_SERVERS, ServerConfig, default_servers
from ._connection import ResponseError
from ._documents import path_to_uri, uri_to_path
from ._framing import encode_frame, read_frame
from ._plugin import LspPlugin
from ._positions import Encoding, offset_of, position_of
from ._results import hover_text
from ._types import Completions, Diagnostic, ServerStatus, WorkspaceEdits

__all__ = [
    "DEFAULT_SERVERS",
    "Completions",
    "Diagnostic",
    "Encoding",
    "LanguageClient",
    "LspPlugin",
    "ResponseError",
    "ServerConfig",
    "ServerStatus",
    "WorkspaceEdits",
    "default_servers",
    "encode_frame",
    "hover_text",
    "offset_of",
    "path_to_uri",
    "position_of",
    "read_frame",
    "uri_to_path",
]

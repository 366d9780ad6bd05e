"""Errors of the protocols: JSON-RPC, plugins on xi's plugin protocol (and their manifests), and
language servers.
"""

from __future__ import annotations

from typing import Any

from ._base import SymphonyError

__all__ = [
    "LanguageServerError",
    "ManifestError",
    "PluginError",
    "PluginProtocolError",
    "RpcError",
]


class RpcError(SymphonyError):
    """A JSON-RPC 2.0 error: raised by a request handler to answer with ``code``/``message``,
    and raised by :meth:`symphony.rpc.Peer.request`'s result when the other side answered
    a request with an error object.

    ``code`` follows JSON-RPC 2.0: -32700 parse error, -32600 invalid request, -32601
    method not found, -32602 invalid params, -32603 internal error; other codes are the
    application's. Raising it in a handler changes nothing else: the peer keeps serving.
    """

    def __init__(self, code: int, message: str, data: object = None) -> None:
        super().__init__(f"{message} ({code})")
        self.code = code
        self.message = message
        self.data = data

    def __reduce__(self) -> tuple[Any, ...]:
        # args holds only the formatted text; rebuild from what __init__ takes (pickles, processes).
        return type(self), (self.code, self.message, self.data), self.__dict__

    def to_json(self) -> dict[str, object]:
        """The JSON-RPC ``error`` object for this error."""
        error: dict[str, object] = {"code": self.code, "message": self.message}
        if self.data is not None:
            error["data"] = self.data
        return error


class PluginError(SymphonyError):
    """Raised by the plugin host (``symphony.plugins``) when a plugin cannot be used: it is
    not installed, its process cannot start, it died or was stopped (over its memory or
    message budget), or it did not answer in time.

    The editor is unaffected: the buffers, their undo history and every other plugin keep
    working. Distinct from :class:`ManifestError` (the plugin's declaration is wrong, so it
    is never started) and :class:`PluginProtocolError` (it runs but says something invalid).
    """


class ManifestError(PluginError, ValueError):
    """Raised when a plugin's or extension's ``manifest.toml`` is not valid: not TOML, a
    required field missing, a field of the wrong type, an unknown scope or activation, an
    ``exec_path`` outside the plugin's directory.

    The plugin is left out of the catalogue (with this reason) and nothing else changes;
    the other plugins are still discovered.
    """


class PluginProtocolError(PluginError, ValueError):
    """Raised when a message between the plugin host and a plugin is not valid under xi's
    plugin protocol: a delta whose offsets are outside the text or not on a character
    boundary, spans out of range, an unknown method, a parameter of the wrong type.

    The message is refused and nothing changes: no buffer is edited and no span is stored;
    the plugin keeps running and is told (an error response to its request).
    """


class LanguageServerError(SymphonyError):
    """Raised by the LSP client (``symphony.lsp``) when a language server cannot serve a
    request: its command cannot start, it crashed (the request is failed; the server is
    restarted and the open documents resynced), it answered with an error, or it does not
    offer the capability asked for.

    Differs from :class:`PluginError`, which concerns plugins on xi's plugin protocol; a
    language server speaks LSP.
    """

"""``PluginHooks``: what ``XiCore`` tells a plugin host, so ``symphony.rpc`` needs no plugin code.

``symphony.plugins.PluginHost`` implements it; ``symphony serve`` builds one and hands it to
``XiCore(plugins=...)``. Every hook is called on the frontend's reader thread and must not
wait on a plugin (a plugin that hangs must never delay the frontend).
"""

from __future__ import annotations

import concurrent.futures
from collections.abc import Callable
from typing import Any, Protocol

from ..actors import Ref

__all__ = ["PluginHooks"]


class PluginHooks(Protocol):
    """The core's side of the plugin host (xi-core's plugin calls in ``tabs.rs``/``event_context.rs``)."""

    def attach(self, send: Callable[[str, Any], None]) -> None:
        """Notifications for the frontend (``plugin_started``, ``alert``, status items...) go to ``send``."""

    def client_started(self, config_dir: str | None) -> None:
        """The frontend started: discover plugins (``config_dir/plugins`` too) and start the autorun ones."""

    def view_opened(self, view_id: str, buffer: Ref, path: str | None) -> None:
        """``view_id`` was opened on the buffer actor ``buffer`` (after its ``new_view`` answer)."""

    def view_closed(self, view_id: str) -> None:
        """``view_id`` is closing (called before its buffer actor may stop)."""

    def saved(self, view_id: str, path: str) -> None:
        """The buffer of ``view_id`` was saved to ``path`` (``did_save``)."""

    def config_changed(self, view_id: str, changes: dict[str, Any]) -> None:
        """The settings of ``view_id`` changed (``config_changed``)."""

    def language_changed(self, view_id: str, language: str) -> None:
        """The language of ``view_id`` changed (``language_changed``)."""

    def plugin_command(self, params: dict[str, Any]) -> None:
        """The frontend's ``plugin`` notification: ``{command: "start"|"stop", view_id, plugin_name}`` or
        ``{command: "plugin_rpc", view_id, receiver, rpc: {method, params, rpc_type}}``; raises
        :class:`~symphony.errors.RpcError` for bad params."""

    def plugin_request(self, params: dict[str, Any]) -> concurrent.futures.Future[Any]:
        """The frontend's ``plugin`` *request* ``{command: "plugin_rpc", view_id, receiver, rpc: {method,
        params, rpc_type: "request"}}``: the plugin is sent ``custom_command`` as a request, and the
        future gets its result (or fails with :class:`~symphony.errors.RpcError` when the plugin
        answers an error, stops, or does not answer in time). Raises ``RpcError`` for bad params
        at once. Never waits on the plugin."""

    def request_hover(self, view_id: str, request_id: int, line: int, column: int) -> None:
        """The frontend asks for a hover at ``line``/``column`` (UTF-8 column), answered by ``show_hover``."""

    def close(self) -> None:
        """Stop every plugin (``shutdown``, then terminate) and forget the buffers."""

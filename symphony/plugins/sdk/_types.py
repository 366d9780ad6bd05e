"""The values the SDK hands a plugin (``Update``, ``Span``) and what a view needs from the loop
that runs it (``Channel``): kept apart so the view and the loop need not import each other."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from ...errors import RpcError
from ...text import Delta, Rope

__all__ = ["Channel", "CommandRefused", "FirstScreen", "PluginLike", "Span", "Update"]


class CommandRefused(RpcError):
    """Raised by a plugin's ``on_command`` to answer a command sent as a request (the
    frontend's ``plugin_rpc`` request) with this error: the plugin refusing (bad params, nothing
    there), not a bug, so the SDK neither logs a traceback nor sends an ``alert``. Any other
    exception from the hook answers -32603 and is reported."""


@dataclass(frozen=True)
class Update:
    """One edit of a view's text, as the core's ``update`` request reports it.

    ``delta`` counts code points and applies to ``old_document``; it is ``None`` when the core
    sent ``null`` (an edit too large to send, xi's ``MAX_SIZE_LIMIT``) or sent a delta that did
    not fit the text the plugin had: then the SDK fetched the new text whole. ``old_document`` is
    the text before the edit (a persistent rope: free to keep; empty in the rare case the core
    could not give it, when ``delta`` is ``None`` too); ``rev`` the revision after the edit.
    """

    rev: int
    delta: Delta | None
    old_document: Rope
    author: str
    edit_type: str
    undo_group: int | None


@dataclass(frozen=True)
class Span:
    """A styled range for :meth:`View.update_spans`: code points relative to the ``start`` given
    there, and the index of its scope stack in the scopes the plugin added (``add_scopes``)."""

    start: int
    end: int
    scope_id: int


@dataclass(frozen=True)
class FirstScreen:
    """Styles a plugin gives the start of a document before its process is up
    (:meth:`Plugin.first_screen`): ``scopes`` is a scope-stack table of its own and ``spans``
    are ``(start, end, index into scopes)`` in code points of the text it was given."""

    scopes: list[list[str]]
    spans: list[tuple[int, int, int]]


class Channel(Protocol):
    """What a view needs from the loop serving its plugin: the wire, and the loop's queue."""

    plugin_id: Any

    def notify(self, method: str, params: dict[str, Any]) -> None:
        """Send notification ``method(params)`` to the core."""

    def request(self, method: str, params: dict[str, Any]) -> Any:
        """Send request ``method(params)`` to the core and wait for its result."""

    def schedule_idle(self, view: Any, delay: float = 0.0) -> None:
        """Run ``on_idle(view)`` once no message from the core is waiting, not before ``delay`` seconds."""

    def call_soon(self, fn: Callable[[], object]) -> None:
        """Run ``fn()`` on the plugin's thread, between two messages from the core."""

    def request_is_pending(self) -> bool:
        """Whether a message from the core is waiting to be handled."""


class PluginLike(Protocol):
    """What a view reads of its plugin (a :class:`~symphony.plugins.sdk.Plugin`)."""

    name: str
